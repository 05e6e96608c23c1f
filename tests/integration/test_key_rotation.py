"""Rotating SECRET_KEY (contract v3, Operations): the old key moves to SECRET_KEY_FALLBACKS and
nobody notices: a signed-in browser stays signed in, the CSRF token of the page it has open still
works, a code sent before the rotation still verifies, a known device stays known; and every
cookie read with the old key is signed again with the new one."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from itsdangerous import BadSignature, URLSafeSerializer

from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, ERLAN, TEST_CONFIG, Browser, latest_code,
                           latest_link, make_app)
from webapp import create_app

OLD = "old-secret-key-of-thirty-two-characters!"
NEW = "new-secret-key-of-thirty-two-characters?"
OUTBOX_KEY = Fernet.generate_key().decode()  # the outbox key rotates on its own


@pytest.fixture
def before(tmp_path) -> Iterator[Flask]:
    """The deployment before the rotation, on a database the next one shares."""
    app = make_app(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'keys.sqlite3'}",
                   SECRET_KEY=OLD, OUTBOX_KEY=OUTBOX_KEY)
    yield app
    app.extensions["db_engine"].dispose()


def rotated(before: Flask, **config: Any) -> Flask:
    """The next deployment: a new SECRET_KEY, the old one a fallback; same database, same clock."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": before.config["DATABASE_URL"], "OUTBOX_KEY": OUTBOX_KEY,
                      "SECRET_KEY": NEW, "SECRET_KEY_FALLBACKS": [OLD], **config})
    app.extensions["clock"] = before.extensions["clock"]
    return app


def carried(browser: Browser, app: Flask) -> Browser:
    """The same browser (its cookies) talking to the new deployment."""
    moved = Browser(app)
    for name in ("ed24_session", "ed24_device", "lang"):
        cookie = browser.client.get_cookie(name)
        if cookie is not None:
            moved.client.set_cookie(name, cookie.value)
    return moved


def signed_by(value: str, key: str, salt: str) -> bool:
    try:
        URLSafeSerializer(key, salt=salt).loads(value)
    except BadSignature:
        return False
    return True


def test_a_signed_in_browser_stays_signed_in_and_its_cookies_are_signed_again(before: Flask) -> None:
    parent = Browser(before)
    assert parent.sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"
    old_session = parent.client.get_cookie("ed24_session").value
    old_device = parent.client.get_cookie("ed24_device").value
    assert signed_by(old_session, OLD, "ed24-session") and signed_by(old_device, OLD, "ed24-known-device")

    after = rotated(before)
    same = carried(parent, after)
    assert same.signed_in()
    session = same.client.get_cookie("ed24_session").value
    device = same.client.get_cookie("ed24_device").value
    assert session != old_session and signed_by(session, NEW, "ed24-session")
    assert not signed_by(session, OLD, "ed24-session")
    # The known-device mark is read (and signed again) where it counts: signing in, a code, a link.
    assert device == old_device
    # The session itself is the same: signed again, not renewed.
    assert (URLSafeSerializer(NEW, salt="ed24-session").loads(session)["sid"]
            == URLSafeSerializer(OLD, salt="ed24-session").loads(old_session)["sid"])
    assert same.signed_in()
    same.post("/ru/cabinet/logout")
    assert same.sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"
    device = same.client.get_cookie("ed24_device").value
    assert device != old_device and signed_by(device, NEW, "ed24-known-device")
    after.extensions["db_engine"].dispose()


def test_the_csrf_token_of_a_page_opened_before_the_rotation_still_works(before: Flask) -> None:
    parent = Browser(before)
    parent.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    token = parent.token()  # the page the parent has open carries this token
    after = rotated(before)
    same = carried(parent, after)
    answered = same.client.post("/ru/cabinet/binding/sms", data={"csrf_token": token})
    assert answered.status_code == 303  # not 400 "Страница устарела"
    assert same.follow(answered).url == "/ru/cabinet/"
    forged = same.client.post("/ru/cabinet/binding/sms", data={"csrf_token": token[:-2] + "xx"})
    assert forged.status_code == 400
    after.extensions["db_engine"].dispose()


def test_a_code_sent_before_the_rotation_still_verifies(before: Flask) -> None:
    asked = Browser(before)
    asked.start_recovery("ru", AIGERIM)
    code = latest_code(before, AIGERIM_PHONE)
    after = rotated(before)
    same = carried(asked, after)
    assert same.page("/ru/cabinet/recovery").has_field("code")
    assert same.confirm_code("ru", code).has_field("password")
    assert same.new_password("ru").url == "/ru/cabinet/"
    after.extensions["db_engine"].dispose()


def test_a_link_sent_before_the_rotation_still_works(before: Flask) -> None:
    Browser(before).start_recovery("ru", AIGERIM)
    link = latest_link(before, AIGERIM_PHONE)
    after = rotated(before)
    laptop = Browser(after)
    laptop.follow(laptop.get(urlsplit(link).path))
    assert laptop.submit("/ru/cabinet/recovery/link").has_field("password")
    after.extensions["db_engine"].dispose()


def test_a_known_device_stays_known(before: Flask) -> None:
    owner = Browser(before)
    assert owner.sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"
    owner.post("/ru/cabinet/logout")
    after = rotated(before)
    stranger = Browser(after)  # the same address as the owner's
    for _ in range(5):
        stranger.sign_in("ru", AIGERIM, "Guess!word2026")
    assert stranger.page("/ru/cabinet/login/password").soup.select_one("#locked")
    neighbour = Browser(after)
    neighbour.step1("ru", AIGERIM)
    assert neighbour.page("/ru/cabinet/login/password").soup.select_one("#locked")  # this address is locked…
    same = carried(owner, after)
    assert same.sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"  # … but not the owner's device
    assert signed_by(same.client.get_cookie("ed24_device").value, NEW, "ed24-known-device")
    after.extensions["db_engine"].dispose()


def test_a_removed_key_is_no_longer_accepted(before: Flask) -> None:
    """A compromised key is removed, never kept as a fallback: what it signed ends."""
    parent = Browser(before)
    parent.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    asked = Browser(before)
    asked.start_recovery("ru", ERLAN)
    after = rotated(before, SECRET_KEY_FALLBACKS=[])
    assert not carried(parent, after).signed_in()
    assert carried(asked, after).page("/ru/cabinet/recovery").has_field("iin")  # its flow is not read
    after.extensions["db_engine"].dispose()
