"""make bench: gunicorn (2 workers) on loopback, measured with wrk.

Prints requests/s, p50/p99 and the ratio to a bare "hello" endpoint of the same
process for: the IIN fragment, the password-checklist fragment, the sign-in page.
Also the sign-in page's total compressed weight and how many requests typing an
IIN causes. Every load is bounded (a few seconds each) and goes to 127.0.0.1 only.
"""
from __future__ import annotations

import gzip
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import _wait_for, free_port  # noqa: E402

DURATION = os.environ.get("BENCH_SECONDS", "5")
CONNECTIONS = "32"
TARGETS = {"fragment_ratio": 0.6, "fragment_p99_ms": 20.0, "page_ratio": 0.4, "page_kb": 40, "iin_requests": 2}


def wrk(url: str, lua: str | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", url]
    if lua:
        cmd[1:1] = ["-s", lua]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50": pct("50"), "p99": pct("99")}


def post_script(path: str, body: str, cookie: str, token: str, folder: str) -> str:
    lua = Path(folder) / (path.strip("/").replace("/", "_") + ".lua")
    lua.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = "{cookie}"\n'
        f'wrk.headers["X-CSRFToken"] = "{token}"\n'
        'wrk.headers["HX-Request"] = "true"\n', encoding="utf-8")
    return str(lua)


def page_weight(base: str) -> int:
    opener = urllib.request.build_opener()
    opener.addheaders = [("Accept-Encoding", "gzip")]
    html = opener.open(base + "/ru/cabinet/login").read()
    total = len(html)
    text = gzip.decompress(html).decode() if html[:2] == b"\x1f\x8b" else html.decode()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', text):
        body = opener.open(base + asset).read()
        total += len(body) if body[:2] == b"\x1f\x8b" else len(gzip.compress(body))
    return total


def iin_requests(base: str) -> int:
    """Requests to the IIN fragment while a person types a 12-digit IIN and leaves the field."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url) if "/fragments/iin" in r.url else None)
        page.goto(base + "/ru/cabinet/login")
        page.get_by_label("Введите ИИН").press_sequentially("900515401230", delay=150)
        page.wait_for_timeout(600)
        page.get_by_label("Введите ИИН").blur()
        page.wait_for_timeout(600)
        browser.close()
        return len(seen)


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    folder = tempfile.mkdtemp(prefix="ed24-bench-")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "RATELIMIT_ENABLED": "0",
           "SECRET_KEY": "bench-" + "x" * 40, "PYTHONPATH": str(ROOT)}
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    subprocess.run([*flask, "db-upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*flask, "sandbox", "load-demo"], env=env, check=True, capture_output=True, cwd=ROOT)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "scripts.bench_app:app"],
                              env=env, cwd=ROOT)
    try:
        _wait_for(port)
        time.sleep(1)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        html = opener.open(base + "/ru/cabinet/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        body_iin = urllib.parse.urlencode({"iin": "900515401230", "event": "input"})
        # A parent who has started typing: the session is on the server from then on.
        opener.open(urllib.request.Request(base + "/ru/fragments/iin", data=body_iin.encode(),
                                           headers={"X-CSRFToken": token, "HX-Request": "true"}))
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        body_pw = urllib.parse.urlencode({"password": "Tulpar!2024"})
        wrk(base + "/bench/hello")  # warm-up
        results = {
            "hello (baseline)": wrk(base + "/bench/hello"),
            "IIN fragment": wrk(base + "/ru/fragments/iin",
                                post_script("/ru/fragments/iin", body_iin, cookie, token, folder)),
            "checklist fragment": wrk(base + "/ru/fragments/password-rules",
                                      post_script("/ru/fragments/pw", body_pw, cookie, token, folder)),
            "sign-in page": wrk(base + "/ru/cabinet/login"),
        }
        weight = page_weight(base)
        typed = iin_requests(base) if Path("/usr/bin/chromium").exists() else None
    finally:
        server.terminate()
        server.wait(20)
        shutil.rmtree(folder, ignore_errors=True)

    base_rps = results["hello (baseline)"]["rps"]
    print(f"\nwrk: {CONNECTIONS} connections, {DURATION}s each, gunicorn 2 sync workers, SQLite")
    print(f"{'endpoint':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'ratio':>8}")
    for name, r in results.items():
        print(f"{name:<22}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['rps'] / base_rps:>8.2f}")
    print(f"sign-in page, compressed total (HTML + CSS + JS + icon): {weight / 1024:.1f} KB "
          f"(target <= {TARGETS['page_kb']} KB)")
    if typed is not None:
        print(f"requests caused by typing a 12-digit IIN and leaving the field: {typed} "
              f"(target <= {TARGETS['iin_requests']})")
    print(f"targets: fragments >= {TARGETS['fragment_ratio']}x baseline with p99 <= "
          f"{TARGETS['fragment_p99_ms']:.0f} ms; sign-in page >= {TARGETS['page_ratio']}x")


if __name__ == "__main__":
    main()
