"""The server-side session store: a signed cookie, a row only for flows, expiry, new ids."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.helpers import AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, Browser, latest_code, location
from webapp.db import new_session
from webapp.models import WebSession


def rows(app) -> int:
    with new_session(app) as db:
        return db.scalar(select(func.count()).select_from(WebSession))


def test_looking_at_pages_stores_nothing(web: Browser) -> None:
    for path in ("/ru/", "/ru/cabinet/login", "/kk/help/bmg", "/ru/cabinet/reregister"):
        web.get(path)
    assert rows(web.app) == 0
    assert web.client.get_cookie("ed24_session") is not None  # the CSRF token rides in the signed cookie


def test_a_flow_gets_a_row_and_a_forged_cookie_gets_nothing(web: Browser) -> None:
    web.step1("ru", AIGERIM)
    assert rows(web.app) == 1
    forged = web.app.test_client()
    forged.set_cookie("ed24_session", web.client.get_cookie("ed24_session").value[:-3] + "abc")
    assert location(forged.get("/ru/cabinet/login/password")) == "/ru/cabinet/login"


def test_sign_in_and_a_right_code_give_a_new_session_id(web: Browser) -> None:
    web.step1("ru", AIGERIM)
    before = web.client.get_cookie("ed24_session").value
    web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD})
    after = web.client.get_cookie("ed24_session").value
    assert before != after
    stale = web.app.test_client()
    stale.set_cookie("ed24_session", before)
    assert location(stale.get("/ru/cabinet/")).startswith("/ru/cabinet/login")
    other = Browser(web.app)
    other.start_recovery("ru", AIGERIM)
    before = other.client.get_cookie("ed24_session").value
    assert other.confirm_code("ru", latest_code(web.app, AIGERIM_PHONE)).has_field("password")
    assert other.client.get_cookie("ed24_session").value != before


def test_session_expires_after_its_idle_lifetime(web: Browser) -> None:
    web.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    web.clock.advance(minutes=29)
    assert web.get("/ru/cabinet/").status_code == 200
    web.clock.advance(minutes=29)
    assert web.get("/ru/cabinet/").status_code == 200  # kept alive by use
    web.clock.advance(minutes=31)
    assert web.get("/ru/cabinet/").status_code == 302


def test_expired_sessions_are_purged(web: Browser) -> None:
    """v3: one purge command for everything that served its use (sessions among them)."""
    from webapp.purge import purge

    web.step1("ru", AIGERIM)
    with new_session(web.app) as db:
        assert purge(db, web.clock.now() + timedelta(minutes=29), audit_days=90, outbox_days=7)["sessions"] == 0
    assert rows(web.app) == 1
    with new_session(web.app) as db:
        assert purge(db, web.clock.now() + timedelta(minutes=31), audit_days=90, outbox_days=7)["sessions"] == 1
    assert rows(web.app) == 0
    result = web.app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "sessions=0" in result.output


def test_the_known_device_cookie_is_signed_and_per_cabinet(web: Browser) -> None:
    web.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    cookie = web.client.get_cookie("ed24_device")
    assert cookie is not None and cookie.http_only and cookie.max_age and cookie.max_age > 300 * 24 * 3600
    web.client.set_cookie("ed24_device", cookie.value + "x")
    assert web.get("/ru/cabinet/").status_code == 200  # a bad mark is simply no mark


def test_a_right_reregistration_code_gives_a_new_session_id(web: Browser) -> None:
    from tests.helpers import MADINA, MADINA_PHONE

    web.answer_step1("ru")
    web.post("/ru/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
    before = web.client.get_cookie("ed24_session").value
    web.post("/ru/cabinet/reregister/code", {"code": latest_code(web.app, MADINA_PHONE)})
    assert web.client.get_cookie("ed24_session").value != before
    fixated = web.app.test_client()
    fixated.set_cookie("ed24_session", before)
    refused = fixated.post("/ru/cabinet/reregister/finish", data={
        "password": "Mine!Forever2026", "password_repeat": "Mine!Forever2026", "csrf_token": web.token()})
    assert refused.status_code == 303 and location(refused) == "/ru/cabinet/reregister"  # no flow in that id
    assert fixated.get("/ru/cabinet/").status_code == 302  # the old id moves nothing and signs nobody in


def test_a_signed_in_session_ends_after_12_hours_however_active(web: Browser) -> None:
    web.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    for _ in range(24):  # 11 h 36 min of use
        web.clock.advance(minutes=29)
        assert web.get("/ru/cabinet/").status_code == 200
    web.clock.advance(minutes=25)
    assert web.get("/ru/cabinet/").status_code == 302


def test_the_pages_own_timer_does_not_keep_a_session_alive(web: Browser) -> None:
    from tests.helpers import ERLAN, ERLAN_PASSWORD

    web.sign_in("ru", ERLAN, ERLAN_PASSWORD)
    for _ in range(40):
        web.clock.advance(minutes=1)
        web.get("/ru/cabinet/binding", headers={"HX-Request": "true"})
    assert web.get("/ru/cabinet/").status_code == 302
