"""20 parallel requests never get past a limit, not even by one (SQLite file, and PostgreSQL
when TEST_DATABASE=postgres)."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.helpers import (AIGERIM, AIGERIM_PHONE, ERLAN, ERLAN_PHONE, Browser, kinds, latest_code, make_app)
from webapp.db import new_session
from webapp.models import AuditEvent, ConfirmationCode

THREADS = 20


@pytest.fixture
def shared_app(tmp_path) -> Iterator[Flask]:
    """An app on a database that several connections really share."""
    app = make_app(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'race.sqlite3'}")
    yield app
    app.extensions["db_engine"].dispose()


def at_once(app: Flask, cookie: str | None, url: str, data: dict[str, Any], token: str) -> list[int]:
    """POST the same form from THREADS clients released together."""
    start = threading.Barrier(THREADS)
    results: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        client = app.test_client()
        if cookie:
            client.set_cookie("ed24_session", cookie)
        start.wait()
        status = client.post(url, data={**data, "csrf_token": token}).status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == THREADS and all(code < 500 for code in results), results
    return results


def browser_in(app: Flask, setup: Callable[[Browser], Any]) -> tuple[Browser, str, str]:
    web = Browser(app)
    setup(web)
    token = web.token()
    return web, web.client.get_cookie("ed24_session").value, token


def audits(app: Flask, kind: str) -> int:
    with new_session(app) as db:
        return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind))


def test_twenty_wrong_passwords_at_once_are_five_compared(shared_app: Flask) -> None:
    _web, cookie, token = browser_in(shared_app, lambda w: w.step1("ru", AIGERIM))
    at_once(shared_app, cookie, "/ru/cabinet/login/password", {"password": "Wrong!pass2026"}, token)
    assert audits(shared_app, "signin_failed") == 5
    assert audits(shared_app, "signin_locked") == THREADS - 5


def test_twenty_resends_at_once_send_one_code(shared_app: Flask) -> None:
    web, cookie, token = browser_in(shared_app, lambda w: w.start_recovery("ru", AIGERIM))
    shared_app.extensions["clock"].advance(60)
    at_once(shared_app, cookie, "/ru/cabinet/recovery/resend", {}, token)
    assert kinds(shared_app, AIGERIM_PHONE).count("app:code_recovery") == 2  # the first one, and one resend


def test_twenty_guesses_at_once_use_five_tries_of_the_code(shared_app: Flask) -> None:
    web, cookie, token = browser_in(shared_app, lambda w: w.start_recovery("ru", AIGERIM))
    code = latest_code(shared_app, AIGERIM_PHONE)
    at_once(shared_app, cookie, "/ru/cabinet/recovery/code", {"code": f"{(int(code) + 1) % 10**6:06d}"}, token)
    with new_session(shared_app) as db:
        assert db.scalar(select(ConfirmationCode.tries)) == 5
    dead = web.confirm_code("ru", code)  # the code is dead, not guessed
    assert not dead.has_field("password") and dead.error("code")


def test_twenty_binding_sms_at_once_send_one(shared_app: Flask) -> None:
    _web, cookie, token = browser_in(shared_app, lambda w: w.start_recovery("ru", ERLAN))
    at_once(shared_app, cookie, "/ru/cabinet/recovery/sms", {}, token)
    assert kinds(shared_app, ERLAN_PHONE).count("sms:binding_otp") == 1


def test_twenty_recovery_starts_at_once_stop_at_the_address_limit(tmp_path) -> None:
    app = make_app(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'starts.sqlite3'}",
                   RECOVERY_STARTS_PER_ADDRESS=7)
    _web, cookie, token = browser_in(app, lambda w: None)
    at_once(app, cookie, "/ru/cabinet/recovery/start", {"iin": "850505309997"}, token)
    assert audits(app, "recovery_started") == 7
    app.extensions["db_engine"].dispose()


def test_the_cabinets_binding_password_binds_one_handset_even_at_once(shared_app: Flask) -> None:
    from webapp.models import AppDevice

    owner = Browser(shared_app)
    owner.sign_in("ru", ERLAN, "Dala#Samal2025")
    otp = owner.page("/ru/cabinet/").soup.find(id="binding-otp")["data-copy"]
    handsets = []
    for _ in range(5):  # five emulated phones, each at the password screen
        phone = Browser(shared_app)
        phone.post("/ru/sandbox/app/phone", {"phone": ERLAN_PHONE, "consent": "y"})
        handsets.append((phone.client.get_cookie("ed24_session").value, phone.token()))
    start = threading.Barrier(len(handsets))

    def bind(cookie: str, token: str) -> None:
        client = shared_app.test_client()
        client.set_cookie("ed24_session", cookie)
        start.wait()
        client.post("/ru/sandbox/app/otp", data={"otp": otp, "csrf_token": token})

    threads = [threading.Thread(target=bind, args=handset) for handset in handsets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with new_session(shared_app) as db:
        assert len(db.scalars(select(AppDevice).where(AppDevice.phone == ERLAN_PHONE)).all()) == 1
    assert kinds(shared_app, ERLAN_PHONE).count("sms:app_bound") == 1


def test_twenty_browsers_using_one_link_at_once_open_one_password_step(shared_app: Flask) -> None:
    from urllib.parse import urlsplit

    from tests.helpers import latest_link

    Browser(shared_app).start_recovery("ru", AIGERIM)
    path = urlsplit(latest_link(shared_app, AIGERIM_PHONE)).path
    opened = []
    for _ in range(THREADS):  # each browser opened the link (GET uses nothing)
        browser = Browser(shared_app)
        browser.get(path)
        token = browser.token()
        opened.append((browser.client.get_cookie("ed24_session").value, token))
    start = threading.Barrier(THREADS)
    landed: list[str] = []

    def use(cookie: str, token: str) -> None:
        client = shared_app.test_client()
        client.set_cookie("ed24_session", cookie)
        start.wait()
        landed.append(client.post("/ru/cabinet/recovery/link", data={"csrf_token": token}).headers["Location"])

    threads = [threading.Thread(target=use, args=pair) for pair in opened]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(landed) == ["/ru/cabinet/recovery"] + ["/ru/cabinet/recovery/link"] * (THREADS - 1)
