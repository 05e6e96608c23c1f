"""Production serving: request limits on Redis shared by two gunicorn workers."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import http.client
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests import servers
from tests.helpers import Browser, make_app

ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.skipif(servers.redis_bin() is None, reason="redis-server is not installed")


def test_runs_on_the_configured_database() -> None:
    app = make_app()
    expected = "postgresql" if os.environ.get("TEST_DATABASE") == "postgres" else "sqlite"
    assert app.extensions["db_engine"].dialect.name == expected


@needs_redis
def test_request_limits_use_redis_and_are_localized() -> None:
    with servers.redis() as redis_url:
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_FORMS="3 per minute")
        web = Browser(app)
        codes = [web.post("/kk/cabinet/login", {"iin": "1"}).status_code for _ in range(4)]
        assert codes == [303, 303, 303, 429]  # v3: a refused form answers 303 (post/redirect/get)
        assert "<html lang=\"kk\">" in web.post("/kk/cabinet/login", {"iin": "1"}).get_data(as_text=True)
        assert web.get("/kk/cabinet/login").status_code == 200  # reading pages is not limited


def _browser_session(port: int) -> tuple[str, str]:
    """(the session cookie, the page's CSRF token), as a browser that opened the sign-in page has."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ru/cabinet/login", timeout=10) as response:
        cookie = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie"))
        token = re.search(r'"X-CSRFToken": "([^"]+)"', response.read().decode()).group(1)
    return cookie, token


def _post(port: int, cookie: str, token: str) -> int:
    """A form POST with a valid CSRF token (v3 counts only those against the address), the
    redirect not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = urllib.parse.urlencode({"iin": "1", "csrf_token": token})
        connection.request("POST", "/ru/cabinet/login", body=body, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        return connection.getresponse().status
    finally:
        connection.close()


@needs_redis
def test_limits_hold_across_two_gunicorn_workers(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'workers.sqlite3'}", "SECRET_KEY": "w" * 40,
           "SANDBOX": "1",
           "RATELIMIT_FORMS": "6 per minute", "PYTHONPATH": str(ROOT)}
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    subprocess.run([*flask, "db-upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    with servers.redis() as redis_url:
        env["RATELIMIT_STORAGE_URI"] = redis_url
        port = servers.free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "webapp:create_app()"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            servers._wait_for(port)
            time.sleep(1.0)  # both workers up
            cookie, token = _browser_session(port)
            statuses = [_post(port, cookie, token) for _ in range(10)]
        finally:
            gunicorn.terminate()
            log = gunicorn.communicate(timeout=20)[1]
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", log))) == 2, log
    # Each worker alone would allow 6: together they allowed exactly 6.
    assert statuses == [303] * 6 + [429] * 4, statuses
