"""The server-side session store: light cookie sessions, merging, expiry, regeneration."""
from __future__ import annotations

from flask import Flask, Response

from tests.helpers import Browser
from webapp.db import get_db
from webapp.models import WebSession


def open_with(app: Flask, cookie: str):
    ctx = app.test_request_context(headers={"Cookie": f"ed24_session={cookie}"})
    ctx.push()
    return ctx, app.session_interface.open_session(app, ctx.request)


def save(app: Flask, ctx, session) -> str:
    response = Response()
    app.session_interface.save_session(app, session, response)
    get_db().commit()
    ctx.pop()
    return response.headers.get("Set-Cookie", "")


def test_overlapping_requests_keep_each_others_changes(app: Flask) -> None:
    ctx, first = open_with(app, "")
    first["login"] = {"iin": "900515401230"}
    cookie = save(app, ctx, first).split(";")[0].split("=", 1)[1]
    # Two requests read the same session, then save in turn (a form POST, a late htmx check).
    ctx_a, a = open_with(app, cookie)
    ctx_a.pop()
    ctx_b, b = open_with(app, cookie)
    ctx_b.pop()
    a["login"] = {"iin": "870123302154"}
    ctx_a.push()
    save(app, ctx_a, a)
    b["draft.iin"] = "870123"
    ctx_b.push()
    save(app, ctx_b, b)
    ctx, now = open_with(app, cookie)
    assert now["login"] == {"iin": "870123302154"}
    assert now["draft.iin"] == "870123"
    ctx.pop()


def test_looking_at_pages_stores_nothing(web: Browser) -> None:
    for path in ("/ru/", "/ru/cabinet/login", "/kk/help/bmg"):
        web.get(path)
    with web.app.app_context():
        assert get_db().query(WebSession).count() == 0
    assert web.client.get_cookie("ed24_session").value.startswith("c.")


def test_a_forged_light_cookie_is_ignored(web: Browser) -> None:
    web.client.set_cookie("ed24_session", 'c.eyJjYWJpbmV0X2lkIjogMX0.forged')
    assert web.get("/ru/cabinet/").status_code == 302


def test_session_expires_after_idle_lifetime(web: Browser) -> None:
    from tests.helpers import AIGERIM, AIGERIM_PASSWORD

    web.post("/ru/cabinet/login", {"iin": AIGERIM, "agree_terms": "y", "agree_contacts": "y"})
    web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD, "action": "signin"})
    assert web.get("/ru/cabinet/").status_code == 200
    web.clock.advance(minutes=29)
    assert web.get("/ru/cabinet/").status_code == 200
    web.clock.advance(minutes=31)
    assert web.get("/ru/cabinet/").status_code == 302


def test_expired_sessions_are_purged(web: Browser) -> None:
    web.post("/ru/cabinet/login", {"iin": "900515401230", "agree_terms": "y", "agree_contacts": "y"})
    web.clock.advance(minutes=31)
    result = web.app.test_cli_runner().invoke(args=["sessions-purge"])
    assert result.exit_code == 0 and "expired sessions deleted: 1" in result.output
