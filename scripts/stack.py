"""The production stack on this machine: nginx → N app servers (gunicorn) → PostgreSQL + Redis.

    python scripts/stack.py start [--dir instance/stack] [--app-servers 2] [--workers 2] [--port N]
    python scripts/stack.py stop  [--dir instance/stack]
    python scripts/stack.py status
    python scripts/stack.py stop-app app2 | start-app app2     # faults, by hand
    python scripts/stack.py drain app2 | undrain app2          # planned: nginx stops sending to app2
    python scripts/stack.py restart-redis --down 10 | restart-postgres --down 10

Everything comes from Debian packages (installed with apt when missing) and runs on
free loopback ports from one run directory: a private PostgreSQL cluster, a Redis, the
app servers in the production config (sandbox gateways explicitly allowed for this
stack, its API behind a random token) and nginx with deploy/nginx/ed24-cabinet.conf.
Every process started is recorded in <dir>/stack.json with its PID and start time;
`stop` signals exactly those (a PID that now belongs to another process is left alone).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEPLOY = ROOT / "deploy"
SITE_CONF = DEPLOY / "nginx" / "ed24-cabinet.conf"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
DEFAULT_DIR = ROOT / "instance" / "stack"
HOSTS = "127.0.0.1,localhost"
PREFERRED_PORT = 8088


class StackError(RuntimeError):
    pass


# -- packages and binaries ------------------------------------------------------------

def postgres_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(re.search(r"/(\d+)/bin", p).group(1)))  # type: ignore[union-attr]
    return os.path.dirname(found[-1]) if found else None


def nginx_bin() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def redis_bin() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server",) if os.access(p, os.X_OK)), None)


def missing_packages() -> list[str]:
    """Debian packages of the stack that are not installed."""
    wanted = {"nginx": nginx_bin(), "postgresql": postgres_bin(), "redis-server": redis_bin()}
    return [name for name, found in wanted.items() if not found]


def ensure_packages() -> None:
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise StackError(f"not installed: {', '.join(missing)} (run as root, or: apt-get install {' '.join(missing)})")
    print(f"installing {' '.join(missing)} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    still = missing_packages()
    if still:
        raise StackError(f"apt-get did not provide: {', '.join(still)}")


# -- processes ------------------------------------------------------------------------

def free_port(preferred: int | None = None) -> int:
    if preferred:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx binds it
            try:
                s.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(port: int, seconds: float, what: str, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if listening(port):
            return
        if proc is not None and proc.poll() is not None:
            raise StackError(f"{what} exited (status {proc.returncode}) before listening on {port}")
        time.sleep(0.1)
    raise StackError(f"{what}: nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (/proc), None when it is gone
    or a zombie: a PID plus its start time names one process, even after PID reuse."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def alive(record: dict[str, Any] | None) -> bool:
    if not record:
        return False
    _reap(record["pid"])
    return start_time(record["pid"]) == record["start"]


def terminate(record: dict[str, Any] | None, sig: int = signal.SIGTERM, seconds: float = 25) -> bool:
    """Signal exactly the recorded process and wait for it to end (SIGKILL after `seconds`).
    False when it was not running any more."""
    if not alive(record):
        return False
    assert record is not None
    pid = record["pid"]
    os.kill(pid, sig)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(record):
            return True
        time.sleep(0.05)
    if alive(record):
        os.kill(pid, signal.SIGKILL)
        while alive(record):
            time.sleep(0.05)
    return True


def as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: the packaged "postgres" user runs them.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def http_status(url: str, timeout: float = 3) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


# -- the stack --------------------------------------------------------------------------

class Stack:
    """One stack's run directory and what runs from it (state in <dir>/stack.json)."""

    def __init__(self, directory: Path | str, state: dict[str, Any] | None = None) -> None:
        self.dir = Path(directory).resolve()
        self.state: dict[str, Any] = state or {}

    # state
    @property
    def state_file(self) -> Path:
        return self.dir / "stack.json"

    @classmethod
    def open(cls, directory: Path | str = DEFAULT_DIR) -> Stack:
        stack = cls(directory)
        if not stack.state_file.exists():
            raise StackError(f"no stack in {stack.dir} (make stack starts one)")
        stack.state = json.loads(stack.state_file.read_text())
        return stack

    def save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=2))
        os.chmod(tmp, 0o600)  # holds the secret key and the sandbox API token
        tmp.replace(self.state_file)

    @property
    def url(self) -> str:
        return self.state["url"]

    @property
    def processes(self) -> dict[str, dict[str, Any]]:
        return self.state.setdefault("processes", {})

    def app_names(self) -> list[str]:
        return list(self.state["ports"]["apps"])

    def running(self) -> dict[str, bool]:
        status = {name: alive(rec) for name, rec in self.processes.items()}
        if "postgres" in self.state.get("ports", {}):
            status["postgres"] = self.postgres_running()
        return status

    def log(self, name: str) -> Path:
        return self.dir / "logs" / f"{name}.log"

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None,
               cwd: Path | None = None) -> subprocess.Popen[bytes]:
        with open(self.log(name), "ab") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env, cwd=cwd, start_new_session=True)
        # Wait until /proc shows the new process (its start time names it from now on).
        for _ in range(100):
            started = start_time(proc.pid)
            if started is not None:
                break
            time.sleep(0.01)
        else:
            raise StackError(f"{name} did not start: see {self.log(name)}")
        self.processes[name] = {"pid": proc.pid, "start": started, "cmd": cmd[0]}
        self.save()
        return proc

    # environment of the app servers
    def app_env(self) -> dict[str, str]:
        s = self.state
        env = dict(os.environ)
        env.update({
            "PRODUCTION": "1",
            "SECRET_KEY": s["secret_key"],
            "DATABASE_URL": s["database_url"],
            "RATELIMIT_STORAGE_URI": s["redis_url"],
            "TRUSTED_HOSTS": HOSTS,
            "TRUSTED_PROXIES": "1",
            # Only because this local stack is plain http on loopback; with TLS leave it
            # unset (production marks cookies Secure by default).
            "SESSION_COOKIE_SECURE": "0",
            # This load-test stack runs the production config on sandbox data.
            "SANDBOX": "1",
            "ALLOW_SANDBOX_IN_PRODUCTION": "1",
            "SANDBOX_API_TOKEN": s["sandbox_token"],
            "WEB_CONCURRENCY": str(s["workers"]),
            "PYTHONUNBUFFERED": "1",
        })
        env.update(s.get("extra_env", {}))
        return env

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "flask"), "--app", "webapp", *args], cwd=ROOT, env=self.app_env(),
                              capture_output=True, text=True, check=check)

    # PostgreSQL
    @property
    def pg_data(self) -> Path:
        return self.dir / "pg" / "data"

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(as_postgres([f"{self.state['pg_bin']}/pg_ctl", "-D", str(self.pg_data), *args]),
                              capture_output=True, text=True, check=check)

    def postgres_pid(self) -> int | None:
        try:
            return int((self.pg_data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def postgres_running(self) -> bool:
        return alive(self.processes.get("postgres")) and self.pg_ctl("status", check=False).returncode == 0

    def init_postgres(self, fast: bool) -> None:
        pgdir = self.dir / "pg"
        pgdir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(pgdir, "postgres", "postgres")
            if subprocess.run(as_postgres(["test", "-w", str(pgdir)])).returncode != 0:
                raise StackError(f"the user postgres cannot reach {pgdir}: a parent directory is not "
                                 "searchable by others (chmod o+x), or choose another --dir")
        subprocess.run(as_postgres([f"{self.state['pg_bin']}/initdb", "-D", str(self.pg_data), "-A", "trust",
                                    "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]),
                       check=True, capture_output=True)
        port = self.state["ports"]["postgres"]
        settings = [f"port = {port}", "listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{pgdir}'",
                    "max_connections = 200", "shared_buffers = 128MB", "log_min_messages = warning"]
        if fast:  # throwaway test clusters only: a crash of the machine may lose commits
            settings += ["fsync = off", "full_page_writes = off", "synchronous_commit = off"]
        with open(self.pg_data / "postgresql.auto.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")

    def start_postgres(self) -> None:
        self.pg_ctl("-w", "-t", "60", "-l", str(self.dir / "pg" / "postgres.log"), "start")
        pid = self.postgres_pid()
        started = start_time(pid) if pid else None
        if pid is None or started is None:
            raise StackError(f"PostgreSQL did not start: see {self.dir / 'pg' / 'postgres.log'}")
        self.processes["postgres"] = {"pid": pid, "start": started, "cmd": "postgres"}
        self.save()
        wait_port(self.state["ports"]["postgres"], 30, "PostgreSQL")

    def stop_postgres(self) -> None:
        """A fast shutdown (what a restart by the operator does): open transactions roll
        back, committed ones stay."""
        if self.postgres_running():
            self.pg_ctl("-w", "-t", "60", "-m", "fast", "stop", check=False)
        terminate(self.processes.get("postgres"))

    def create_database(self) -> None:
        port = str(self.state["ports"]["postgres"])
        psql = [f"{self.state['pg_bin']}/psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-q",
                "-v", "ON_ERROR_STOP=1"]
        subprocess.run(as_postgres([*psql, "-c", "CREATE ROLE ed24 LOGIN",
                                    "-c", "CREATE DATABASE ed24 OWNER ed24"]), check=True, capture_output=True)

    # Redis
    def start_redis(self) -> None:
        port = self.state["ports"]["redis"]
        data = self.dir / "redis"
        data.mkdir(exist_ok=True)
        # Appendonly: the request counts survive a restart of Redis, as in a deployment.
        proc = self._spawn("redis", [self.state["redis_bin"], "--port", str(port), "--bind", "127.0.0.1",
                                     "--dir", str(data), "--save", "", "--appendonly", "yes",
                                     "--appendfsync", "everysec", "--daemonize", "no", "--loglevel", "warning"])
        wait_port(port, 20, "Redis", proc)

    def stop_redis(self) -> None:
        terminate(self.processes.get("redis"))

    # app servers
    def start_app(self, name: str) -> None:
        port = self.state["ports"]["apps"][name]
        env = {**self.app_env(), "GUNICORN_BIND": f"127.0.0.1:{port}"}
        proc = self._spawn(name, [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
                                  "--workers", str(self.state["workers"]), "--name", f"ed24-{name}",
                                  "webapp:create_app()"], env=env, cwd=ROOT)
        wait_port(port, 60, f"app server {name}", proc)
        deadline = time.monotonic() + 60
        while http_status(f"http://127.0.0.1:{port}/healthz") != 200:
            if time.monotonic() > deadline:
                raise StackError(f"app server {name}: /healthz is not 200; see {self.log(name)}")
            time.sleep(0.2)

    def stop_app(self, name: str, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: gunicorn stops accepting and lets its workers finish what they hold."""
        terminate(self.processes.get(name), sig)

    # nginx
    def render_nginx(self) -> Path:
        conf_dir = self.dir / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (conf_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        down = set(self.state.get("drained", []))
        site = render_site(SITE_CONF.read_text(), listen=f"127.0.0.1:{self.state['ports']['nginx']}",
                           servers=[f"127.0.0.1:{p}" + (" down" if name in down else "")
                                    for name, p in self.state["ports"]["apps"].items()],
                           server_name=HOSTS.replace(",", " "), logs=self.dir / "logs")
        (conf_dir / "ed24-cabinet.conf").write_text(site)
        user = ""
        if os.geteuid() == 0:
            worker = "www-data" if _user_exists("www-data") else "nobody"
            user = f"user {worker};\n"
            for path in (conf_dir / "tmp").rglob("*"):
                shutil.chown(path, worker)
            shutil.chown(conf_dir / "tmp", worker)
        main = (
            "# Generated by scripts/stack.py: the local stack's nginx around deploy/nginx/ed24-cabinet.conf.\n"
            f"{user}daemon off;\nworker_processes auto;\n"
            f"pid {conf_dir / 'nginx.pid'};\n"
            f"error_log {self.dir / 'logs' / 'nginx-error.log'} warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n"
            "    default_type application/octet-stream;\n"
            "    sendfile on;\n"
            + "".join(f"    {kind}_temp_path {conf_dir / 'tmp' / sub};\n" for kind, sub in (
                ("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"),
                ("scgi", "scgi")))
            + f"    include {conf_dir / 'ed24-cabinet.conf'};\n"
            "}\n")
        path = conf_dir / "nginx.conf"
        path.write_text(main)
        return path

    def nginx_cmd(self, *extra: str) -> list[str]:
        return [self.state["nginx_bin"], "-p", str(self.dir / "nginx"), "-c", str(self.dir / "nginx" / "nginx.conf"),
                "-e", str(self.dir / "logs" / "nginx-error.log"), *extra]

    def start_nginx(self) -> None:
        test = subprocess.run(self.nginx_cmd("-t", "-q"), capture_output=True, text=True)
        if test.returncode != 0:
            raise StackError(f"nginx -t refused the config:\n{test.stderr}")
        proc = self._spawn("nginx", self.nginx_cmd())
        wait_port(self.state["ports"]["nginx"], 20, "nginx", proc)

    def reload_nginx(self) -> None:
        """New config, no dropped request: nginx's master starts new workers, the old ones
        finish what they hold."""
        self.render_nginx()
        test = subprocess.run(self.nginx_cmd("-t", "-q"), capture_output=True, text=True)
        if test.returncode != 0:
            raise StackError(f"nginx -t refused the config:\n{test.stderr}")
        record = self.processes.get("nginx")
        if not alive(record):
            raise StackError("nginx is not running")
        assert record is not None
        os.kill(record["pid"], signal.SIGHUP)
        time.sleep(1.0)

    def drain(self, name: str, drained: bool = True) -> None:
        """A planned stop: nginx stops sending new requests to `name` (marked "down")."""
        names = [n for n in self.state.get("drained", []) if n != name] + ([name] if drained else [])
        self.state["drained"] = names
        self.save()
        self.reload_nginx()

    def stop_nginx(self) -> None:
        terminate(self.processes.get("nginx"), signal.SIGQUIT)  # graceful: open requests finish

    # the whole stack
    def wait_healthy(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while http_status(self.url + "/healthz") != 200:
            if time.monotonic() > deadline:
                raise StackError(f"{self.url}/healthz is not 200 after {seconds:.0f} s")
            time.sleep(0.2)

    def stop(self) -> list[str]:
        """Stop exactly what this stack started (nginx first, PostgreSQL last)."""
        stopped = []
        if alive(self.processes.get("nginx")):
            self.stop_nginx()
            stopped.append("nginx")
        for name in self.app_names():
            if alive(self.processes.get(name)):
                self.stop_app(name)
                stopped.append(name)
        if alive(self.processes.get("redis")):
            self.stop_redis()
            stopped.append("redis")
        if alive(self.processes.get("postgres")):
            self.stop_postgres()
            stopped.append("postgres")
        self.state["stopped_at"] = time.time()
        self.save()
        return stopped


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def render_site(text: str, *, listen: str, servers: list[str], server_name: str, logs: Path) -> str:
    """deploy/nginx/ed24-cabinet.conf with the lines marked "stack:" set for this machine."""
    out: list[str] = []
    in_servers = False
    for line in text.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        if "# stack:servers-begin" in line:
            in_servers = True
            out.append(line)
            out += [f"{indent}server {s} max_fails=1 fail_timeout=10s;" for s in servers]
            continue
        if "# stack:servers-end" in line:
            in_servers = False
        elif in_servers:
            continue
        elif "# stack:listen" in line:
            line = f"{indent}listen {listen};"
        elif "# stack:server_name" in line:
            line = f"{indent}server_name {server_name};"
        elif "# stack:access_log" in line:
            line = f"{indent}access_log {logs / 'nginx-access.log'} ed24_upstream;"
        elif "# stack:errors_root" in line:
            line = f"{indent}root {SITE_CONF.parent / 'errors'};"
        elif "# stack:error_log" in line:
            line = f"{indent}error_log {logs / 'nginx-error.log'} warn;"
        out.append(line)
    if in_servers:
        raise StackError("deploy/nginx/ed24-cabinet.conf: '# stack:servers-begin' without its end")
    return "\n".join(out) + "\n"


def start(directory: Path | str = DEFAULT_DIR, *, app_servers: int = 2, workers: int = 2, port: int | None = None,
          fast_postgres: bool = False, extra_env: dict[str, str] | None = None, quiet: bool = False) -> Stack:
    """Start the whole stack in `directory` (made afresh); on any failure, stop what started."""
    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    directory = Path(directory).resolve()
    if (directory / "stack.json").exists():
        old = Stack.open(directory)
        running = old.running()
        if running and all(running.values()) and not old.state.get("stopped_at"):
            say(f"a stack already runs from {directory}")
            old.wait_healthy(30)
            return old
        if any(running.values()):
            raise StackError(f"part of a stack still runs from {directory} ({old.url}): make stack-stop first")
    ensure_packages()
    if not (BIN / "gunicorn").exists():
        raise StackError(f"{BIN / 'gunicorn'} is missing (make venv)")
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "logs").mkdir(parents=True)
    os.chmod(directory, 0o755)
    nginx_port = port or free_port(PREFERRED_PORT)
    ports: dict[str, Any] = {"nginx": nginx_port, "postgres": free_port(), "redis": free_port(), "apps": {}}
    for i in range(1, app_servers + 1):
        ports["apps"][f"app{i}"] = free_port()
    taken = [nginx_port, ports["postgres"], ports["redis"], *ports["apps"].values()]
    if len(set(taken)) != len(taken):
        raise StackError("two services got the same port; try again")
    stack = Stack(directory, {
        "url": f"http://127.0.0.1:{nginx_port}",
        "ports": ports,
        "workers": workers,
        "secret_key": secrets.token_urlsafe(48),
        "sandbox_token": secrets.token_urlsafe(24),
        "database_url": f"postgresql+psycopg://ed24@127.0.0.1:{ports['postgres']}/ed24",
        "redis_url": f"redis://127.0.0.1:{ports['redis']}",
        "pg_bin": postgres_bin(), "nginx_bin": nginx_bin(), "redis_bin": redis_bin(),
        "extra_env": dict(extra_env or {}),
        "started_at": time.time(),
        "processes": {},
    })
    stack.save()
    try:
        say(f"PostgreSQL {Path(stack.state['pg_bin']).parent.name} on 127.0.0.1:{ports['postgres']}")
        stack.init_postgres(fast_postgres)
        stack.start_postgres()
        stack.create_database()
        say(f"Redis on 127.0.0.1:{ports['redis']}")
        stack.start_redis()
        migrated = stack.flask("db-upgrade", check=False)
        if migrated.returncode != 0:
            raise StackError(f"flask db-upgrade failed:\n{migrated.stdout}{migrated.stderr}")
        stack.flask("sandbox", "load-demo")
        for name, app_port in ports["apps"].items():
            say(f"app server {name} (gunicorn, {workers} workers) on 127.0.0.1:{app_port}")
            stack.start_app(name)
        stack.render_nginx()
        say(f"nginx on 127.0.0.1:{nginx_port}")
        stack.start_nginx()
        stack.wait_healthy()
    except BaseException:
        stack.stop()
        raise
    return stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "stop-app", "start-app", "drain", "undrain",
                                            "restart-redis", "restart-postgres"])
    parser.add_argument("name", nargs="?", help="app server (app1, app2, ...) for stop-app / start-app")
    parser.add_argument("--dir", default=os.environ.get("STACK_DIR") or str(DEFAULT_DIR))
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    parser.add_argument("--port", type=int, default=int(os.environ.get("STACK_PORT") or 0) or None)
    parser.add_argument("--down", type=float, default=10, help="seconds a restarted service stays away")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            stack = start(args.dir, app_servers=args.app_servers, workers=args.workers, port=args.port)
            print(f"\nThe stack is up: {stack.url}/ru/cabinet/login   (health: {stack.url}/healthz)")
            print(f"run directory {stack.dir}: logs/, stack.json (PIDs, ports, the sandbox API token)")
            print("make load runs parents against it; make stack-stop stops it.")
            return 0
        directory = Path(args.dir)
        if args.command == "stop":
            if not (directory / "stack.json").exists():
                print(f"no stack in {directory.resolve()}: nothing to stop")
                return 0
            stopped = Stack.open(directory).stop()
            print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")
            return 0
        stack = Stack.open(directory)
        if args.command == "status":
            print(stack.url)
            for name, up in stack.running().items():
                rec = stack.processes.get(name, {})
                print(f"  {name:9} {'running' if up else 'stopped'}  pid {rec.get('pid', '-')}")
            return 0
        if args.command in ("stop-app", "start-app", "drain", "undrain"):
            if args.name not in stack.app_names():
                parser.error(f"name one of {', '.join(stack.app_names())}")
            if args.command in ("drain", "undrain"):
                stack.drain(args.name, args.command == "drain")
            else:
                (stack.stop_app if args.command == "stop-app" else stack.start_app)(args.name)
        elif args.command == "restart-redis":
            stack.stop_redis()
            time.sleep(args.down)
            stack.start_redis()
        elif args.command == "restart-postgres":
            stack.stop_postgres()
            time.sleep(args.down)
            stack.start_postgres()
        print("done")
        return 0
    except (StackError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"stack: {exc}\n{detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
