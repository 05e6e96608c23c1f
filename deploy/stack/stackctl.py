"""The production stack on one machine, run by supervisord (deploy/stack/supervisord.conf).

    python deploy/stack/stackctl.py up    [--dir instance/stack] [--port 8088] [--fast]
    python deploy/stack/stackctl.py down  [--dir instance/stack]
    python deploy/stack/stackctl.py drain app2 | undrain app2    # nginx stops (starts) sending to app2

`up` writes a run directory (free loopback ports, fresh keys and the sandbox API token in
stack.env, a PostgreSQL cluster, nginx's config from deploy/nginx/ed24-cabinet.conf),
starts supervisord, creates and migrates the database, loads the demo data, starts the
app servers, the worker and nginx, and prints the URL. supervisord owns every process
from then on: `supervisorctl -s unix://<dir>/supervisor.sock status` shows them and
`down` shuts them all down. Packages: nginx, postgresql, redis-server, supervisor.
"""
from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
CONF = ROOT / "deploy" / "stack" / "supervisord.conf"
SITE = ROOT / "deploy" / "nginx" / "ed24-cabinet.conf"
APPS = ("app1", "app2")
HOSTS = "127.0.0.1,localhost"
PARTS = ("logs", "redis", "metrics", "pg", "nginx")
PACKAGES = {"nginx": "nginx", "postgresql": "/usr/lib/postgresql/*/bin/postgres",
            "redis-server": "redis-server", "supervisor": "supervisord"}


class StackError(RuntimeError):
    pass


def missing_packages() -> list[str]:
    """Debian packages of the stack that are not installed."""
    return [name for name, probe in PACKAGES.items()
            if not (glob.glob(probe) if probe.startswith("/") else shutil.which(probe, path=os.environ.get(
                "PATH", "") + ":/usr/sbin:/sbin"))]


def free_port(preferred: int = 0) -> int:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx binds it
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#"))
    return {name: value for name, value in pairs}


class Stack:
    def __init__(self, folder: Path) -> None:
        self.dir = folder.resolve()
        self.env_file = self.dir / "stack.env"

    @property
    def env(self) -> dict[str, str]:
        return read_env(self.env_file)

    @property
    def socket(self) -> str:
        return f"unix://{self.dir / 'supervisor.sock'}"

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["supervisorctl", "-s", self.socket, *args], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise StackError(f"supervisorctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done

    def running(self) -> bool:
        """supervisord answers on this run directory's socket."""
        if not (self.dir / "supervisor.sock").exists():
            return False
        return self.ctl("pid", check=False).stdout.strip().isdigit()

    def run_env(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    # -- up ------------------------------------------------------------------------------
    def write(self, port: int, fast: bool) -> None:
        """A fresh run directory: stack.env, the PostgreSQL cluster, nginx's config."""
        from cryptography.fernet import Fernet

        for sub in PARTS:  # what a previous stack left; the reports of load runs stay
            shutil.rmtree(self.dir / sub, ignore_errors=True)
        for sub in ("logs", "redis", "metrics", "pg"):
            (self.dir / sub).mkdir(parents=True)
        self.dir.chmod(0o755)  # PostgreSQL runs as "postgres": it must reach its data directory
        ports = {"NGINX_PORT": free_port(port)}
        for name in ("PG_PORT", "REDIS_PORT", "APP1_PORT", "APP2_PORT", "APP1_METRICS_PORT",
                     "APP2_METRICS_PORT", "WORKER_METRICS_PORT"):
            ports[name] = free_port()
        if len(set(ports.values())) != len(ports):
            raise StackError("two services got the same port; try again")
        pg_bin = os.path.dirname(sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                                        key=lambda p: int(p.split("/")[4]))[-1])
        url = f"http://127.0.0.1:{ports['NGINX_PORT']}"
        env = {
            # where things are (supervisord.conf reads these)
            "STACK_DIR": str(self.dir), "STACK_URL": url, "ROOT": str(ROOT), "VENV_BIN": str(BIN),
            "PG_BIN": pg_bin, "PG_USER": "postgres" if os.geteuid() == 0 else os.environ.get("USER", "root"),
            "REDIS_BIN": shutil.which("redis-server") or "redis-server",
            "NGINX_BIN": shutil.which("nginx", path="/usr/sbin:/usr/bin") or "nginx",
            **{name: str(value) for name, value in ports.items()},
            # the app: production config on sandbox data (deploy/ed24-cabinet.env.example)
            "PRODUCTION": "1", "SANDBOX": "1", "ALLOW_SANDBOX_IN_PRODUCTION": "1",
            "SANDBOX_API_TOKEN": secrets.token_urlsafe(24),
            "SECRET_KEY": secrets.token_urlsafe(48), "PSEUDONYM_KEY": secrets.token_urlsafe(32),
            "OUTBOX_KEY": Fernet.generate_key().decode(), "OUTBOX_INPROCESS": "0",
            "PUBLIC_ORIGIN": url,
            "DATABASE_URL": f"postgresql+psycopg://ed24@127.0.0.1:{ports['PG_PORT']}/ed24",
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{ports['REDIS_PORT']}",
            "TRUSTED_HOSTS": HOSTS, "TRUSTED_PROXIES": "1",
            # Only because this stack is plain http on loopback; behind TLS leave it unset.
            "SESSION_COOKIE_SECURE": "0",
            "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1",
        }
        self.env_file.write_text("# Written by deploy/stack/stackctl.py: this stack's settings and keys.\n"
                                 + "".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
        self.env_file.chmod(0o600)
        self._init_postgres(pg_bin, ports["PG_PORT"], fast)
        self.render_nginx()

    def _as_postgres(self, cmd: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root: the packaged "postgres" user runs them.
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def _init_postgres(self, pg_bin: str, port: int, fast: bool) -> None:
        pg = self.dir / "pg"
        if os.geteuid() == 0:
            shutil.chown(pg, "postgres", "postgres")
            if subprocess.run(self._as_postgres(["test", "-w", str(pg)])).returncode != 0:
                raise StackError(f"the user postgres cannot reach {pg}: a parent directory is not searchable "
                                 "by others (chmod o+x), or choose another STACK_DIR")
        initdb = [f"{pg_bin}/initdb", "-D", str(pg / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync"]
        subprocess.run(self._as_postgres(initdb), check=True, capture_output=True)
        settings = [f"port = {port}", "listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{pg}'",
                    "max_connections = 200", "shared_buffers = 128MB", "log_min_messages = warning"]
        if fast:  # throwaway test stacks only: a crash of the machine may lose commits
            settings += ["fsync = off", "full_page_writes = off", "synchronous_commit = off"]
        with open(pg / "data" / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(settings) + "\n")

    def render_nginx(self, down: frozenset[str] = frozenset()) -> None:
        """deploy/nginx/ed24-cabinet.conf with its "stack:" lines set for this machine."""
        env, conf = self.env, self.dir / "nginx"
        logs = self.dir / "logs"
        servers = [f"server 127.0.0.1:{env[f'{name.upper()}_PORT']} max_fails=1 fail_timeout=10s"
                   + (" down" if name in down else "") + ";" for name in APPS]
        replace = {
            "stack:listen": f"listen 127.0.0.1:{env['NGINX_PORT']};",
            "stack:server_name": f"server_name {HOSTS.replace(',', ' ')};",
            "stack:access_log": f"access_log {logs / 'nginx-access.log'} ed24_json;",
            "stack:error_log": f"error_log {logs / 'nginx-error.log'} warn;",
            "stack:errors_root": f"root {SITE.parent / 'errors'};",
        }
        out: list[str] = []
        skipping = False
        for line in SITE.read_text(encoding="utf-8").splitlines():
            indent = line[:len(line) - len(line.lstrip())]
            marker = next((m for m in replace if f"# {m}" in line), None)
            if "# stack:servers-begin" in line:
                skipping = True
                out += [line] + [indent + s for s in servers]
            elif "# stack:servers-end" in line:
                skipping = False
                out.append(line)
            elif marker:
                out.append(indent + replace[marker])
            elif not skipping:
                out.append(line)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (conf / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        user = ""
        if os.geteuid() == 0:  # nginx's workers drop to www-data: they write its temp files
            user = "user www-data;\n"
            for path in [conf / "tmp", *(conf / "tmp").iterdir()]:
                shutil.chown(path, "www-data")
        (conf / "ed24-cabinet.conf").write_text("\n".join(out) + "\n", encoding="utf-8")
        temp = "".join(f"    {kind}_temp_path {conf / 'tmp' / sub};\n" for kind, sub in (
            ("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"),
            ("scgi", "scgi")))
        (conf / "nginx.conf").write_text(
            "# Written by deploy/stack/stackctl.py around deploy/nginx/ed24-cabinet.conf.\n"
            f"{user}daemon off;\n"
            f"worker_processes auto;\npid {conf / 'nginx.pid'};\nevents {{ worker_connections 4096; }}\n"
            f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            f"    sendfile on;\n{temp}    include {conf / 'ed24-cabinet.conf'};\n}}\n", encoding="utf-8")
        env_nginx = self.env["NGINX_BIN"]
        test = subprocess.run([env_nginx, "-t", "-q", "-p", str(conf), "-c", str(conf / "nginx.conf"),
                               "-e", str(logs / "nginx-error.log")], capture_output=True, text=True)
        if test.returncode != 0:
            raise StackError(f"nginx -t refused the config:\n{test.stderr}")

    def flask(self, *args: str) -> None:
        done = subprocess.run([str(BIN / "flask"), "--app", "webapp", *args], cwd=ROOT, env=self.run_env(),
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise StackError(f"flask {' '.join(args)}:\n{done.stdout}{done.stderr}")

    def wait_for(self, what: str, probe: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(probe, timeout=3) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise StackError(f"{what}: {probe} is not 200 after {seconds:.0f} s (logs in {self.dir / 'logs'})")

    def wait_port(self, what: str, port: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", int(port))) == 0:
                    return
            time.sleep(0.2)
        raise StackError(f"{what}: nothing listens on 127.0.0.1:{port} (logs in {self.dir / 'logs'})")

    def up(self, port: int, fast: bool) -> None:
        self.write(port, fast)
        subprocess.run(["supervisord", "-c", str(CONF)], env=self.run_env(), check=True)
        try:
            env = self.env
            self.wait_port("PostgreSQL", env["PG_PORT"])
            self.wait_port("Redis", env["REDIS_PORT"])
            self._create_database(env)
            self.flask("db-upgrade")
            self.flask("sandbox", "load-demo")
            self.ctl("start", *APPS, "worker", "nginx")
            for name in APPS:
                self.wait_for(name, f"http://127.0.0.1:{env[f'{name.upper()}_PORT']}/readyz")
            self.wait_for("nginx", f"{env['STACK_URL']}/readyz")
        except BaseException:
            self.down()
            raise

    def _create_database(self, env: dict[str, str]) -> None:
        psql = [f"{env['PG_BIN']}/psql", "-h", "127.0.0.1", "-p", env["PG_PORT"], "-U", "postgres", "-q",
                "-v", "ON_ERROR_STOP=1", "-c", "CREATE ROLE ed24 LOGIN",
                "-c", "CREATE DATABASE ed24 OWNER ed24"]
        deadline = time.monotonic() + 30
        while True:  # the port answers a moment before the cluster accepts logins
            done = subprocess.run(self._as_postgres(psql), capture_output=True, text=True)
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise StackError(f"creating the database: {done.stderr}")
            time.sleep(0.5)

    # -- down, drain ---------------------------------------------------------------------------
    def down(self) -> bool:
        """Shut supervisord down with everything it runs; False when nothing ran."""
        if not self.running():
            return False
        pid = int(self.ctl("pid").stdout)
        self.ctl("shutdown", check=False)
        deadline = time.monotonic() + 120
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        return True

    def drain(self, name: str, drained: bool) -> None:
        """A planned stop, first step: nginx marks `name` down (or up again) and reloads; its
        old workers finish the requests they hold."""
        state = self.dir / "nginx" / "drained"
        down = set(state.read_text().split()) if state.exists() else set()
        down = (down | {name}) if drained else (down - {name})
        state.write_text(" ".join(sorted(down)))
        self.render_nginx(frozenset(down))
        self.ctl("signal", "HUP", "nginx")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "drain", "undrain"])
    parser.add_argument("name", nargs="?", choices=APPS, help="the app server to drain or undrain")
    parser.add_argument("--dir", default=os.environ.get("STACK_DIR") or str(ROOT / "instance" / "stack"))
    parser.add_argument("--port", type=int, default=8088, help="nginx's port (the next free one if taken)")
    parser.add_argument("--fast", action="store_true",
                        help="PostgreSQL without fsync (throwaway test stacks)")
    args = parser.parse_args(argv)
    stack = Stack(Path(args.dir))
    try:
        if args.command == "up":
            if stack.running():
                print(f"a stack already runs from {stack.dir}: {stack.env['STACK_URL']}/ru/cabinet/login")
                return 0
            missing = missing_packages()
            if missing:
                raise StackError(f"not installed: {', '.join(missing)} (apt-get install {' '.join(missing)})")
            stack.up(args.port, args.fast)
            url = stack.env["STACK_URL"]
            print(f"The stack is up: {url}/ru/cabinet/login   (readiness: {url}/readyz)\n"
                  f"run directory {stack.dir}: stack.env (ports, keys, the sandbox API token), logs/\n"
                  f"processes: supervisorctl -s {stack.socket} status\n"
                  "make load runs parents against it; make stack-stop stops it.")
        elif args.command == "down":
            print("stopped" if stack.down() else f"no stack runs from {stack.dir}: nothing to stop")
        else:
            if args.name is None:
                parser.error("name the app server: app1 or app2")
            stack.drain(args.name, args.command == "drain")
        return 0
    except (StackError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"stack: {exc}\n{detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
