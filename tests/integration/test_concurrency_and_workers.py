"""Concurrency and production serving: a simultaneous double submit, limits on Redis
shared by two gunicorn workers."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import servers
from tests.helpers import (AMINA, AMINA_CERT, ARMAN, GULNAR_PHONE, MADINA, MADINA_PHONE, Browser,
                           latest_code, make_app, notifications)
from webapp.db import new_session
from webapp.models import Cabinet

ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.skipif(servers.redis_bin() is None, reason="redis-server is not installed")


def test_runs_on_the_configured_database() -> None:
    app = make_app()
    expected = "postgresql" if os.environ.get("TEST_DATABASE") == "postgres" else "sqlite"
    assert app.extensions["db_engine"].dialect.name == expected


def test_simultaneous_double_submit_moves_the_cabinet_once(tmp_path) -> None:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'race.sqlite3'}"
    app = make_app(url)
    web = Browser(app)
    web.post("/ru/cabinet/reregister", {"action": "next", "child_iin": AMINA, "certificate": AMINA_CERT,
                                        "parent1_iin": MADINA, "parent2_iin": ARMAN, "status": "queue"})
    web.post("/ru/cabinet/reregister", {"action": "code", "applicant_iin": MADINA, "phone": MADINA_PHONE})
    form = {"action": "submit", "applicant_iin": MADINA, "phone": MADINA_PHONE,
            "code": latest_code(app, MADINA_PHONE), "password": "Amina!Kezek2026",
            "password_repeat": "Amina!Kezek2026", "csrf_token": web.token()}
    cookie = web.client.get_cookie("ed24_session").value
    results: list[int] = []
    start = threading.Barrier(2)

    def submit() -> None:
        client = app.test_client()
        client.set_cookie("ed24_session", cookie)
        start.wait()
        results.append(client.post("/ru/cabinet/reregister", data=form).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(code < 500 for code in results), results
    assert results.count(302) == 1, results
    with new_session(app) as db:
        assert len(db.scalars(select(Cabinet).where(Cabinet.iin == MADINA)).all()) == 1
    assert notifications(app, GULNAR_PHONE).count("rereg_away") == 1
    app.extensions["db_engine"].dispose()


@needs_redis
def test_limits_use_redis_storage() -> None:
    with servers.redis() as redis_url:
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url,
                       RATELIMIT_FORMS="3 per minute")
        web = Browser(app)
        codes = [web.post("/kk/cabinet/login", {"iin": "1"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        page = web.post("/kk/cabinet/login", {"iin": "1"})
        assert "Сұраулар тым көп" in page.get_data(as_text=True)
        assert web.get("/kk/cabinet/login").status_code == 200  # reading pages is not limited


def _post(url: str) -> int:
    request = urllib.request.Request(url, data=b"iin=1", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@needs_redis
def test_limits_hold_across_two_gunicorn_workers(tmp_path) -> None:
    db_file = tmp_path / "workers.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}", "SECRET_KEY": "w" * 40,
           "RATELIMIT_FORMS": "6 per minute", "PYTHONPATH": str(ROOT)}
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    subprocess.run([*flask, "db-upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    with servers.redis() as redis_url:
        env["RATELIMIT_STORAGE_URI"] = redis_url
        port = servers.free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "webapp:create_app()"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        try:
            servers._wait_for(port)
            time.sleep(1.0)  # both workers up
            statuses = [_post(f"http://127.0.0.1:{port}/ru/cabinet/login") for _ in range(10)]
        finally:
            gunicorn.terminate()
            log = gunicorn.communicate(timeout=20)[1]
    pids = set(re.findall(r"Booting worker with pid: (\d+)", log))
    assert len(pids) == 2, log
    # Each worker alone would allow 6: together they allowed exactly 6.
    assert statuses.count(429) == 4, statuses
