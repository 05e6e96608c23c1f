"""Shared test helpers: an app on a fresh database with demo data, a CSRF-aware client."""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app
from webapp.config import TestConfig
from webapp.db import new_session
from webapp.models import Base
from webapp.sandbox.loader import load
from webapp.services.clock import FakeClock

DEMO = Path(__file__).resolve().parent.parent / "webapp" / "sandbox" / "demo.json"
DEMO_DATA: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))

# Demo personas (README lists them too).
AIGERIM = "900515401230"            # password set, app bound
AIGERIM_PASSWORD = "Tulpar!2024abc"
AIGERIM_PHONE = "+77057546868"
ERLAN = "870123302154"              # password set, no app on the phone
ERLAN_PHONE = "+77011231885"
DANA = "950630406127"               # no password yet, app bound
DANA_PHONE = "+77479223344"
GULNAR = "651120401014"             # holds the Serikovs' child's cabinet (foreign number)
GULNAR_PASSWORD = "Bayterek?1997x"
GULNAR_PHONE = "+77022229223"
MADINA = "920314405125"             # mother on Amina's certificate; БМГ phone below, app bound
MADINA_PHONE = "+77759876543"
ARMAN = "900702307339"              # father, second on the certificate; phone without app
ARMAN_PHONE = "+77087654321"
AMINA = "210905604213"              # the child, in queue, cabinet on Gulnar
AMINA_CERT = "0567890"
UNKNOWN_IIN = "850505309997"        # valid IIN, nobody has it


def make_app(database_url: str | None = None, **overrides: Any) -> Flask:
    """An app on fresh demo data; TEST_DATABASE_URL runs the suite on another database."""
    config: dict[str, Any] = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    url = database_url or os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    config.update(DATABASE_URL=url, DATABASE_POOL=url.startswith("sqlite"), **overrides)
    app = create_app(config)
    app.extensions["clock"] = FakeClock()
    Base.metadata.create_all(app.extensions["db_engine"])
    with new_session(app) as db:
        load(db, DEMO_DATA, app.extensions["clock"].now())
    return app


class Browser:
    """A test client that sends the page's CSRF token, like a browser submitting a form."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self._token: str | None = None
        self.last: Any = None

    @property
    def clock(self) -> FakeClock:
        return self.app.extensions["clock"]

    def token(self) -> str:
        page = self.client.get("/ru/")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page.text)
        assert found, "no CSRF token on the page"
        self._token = found.group(1)
        return self._token

    def get(self, url: str, **kwargs: Any) -> Any:
        self.last = self.client.get(url, **kwargs)
        return self.last

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             htmx: bool = False, **kwargs: Any) -> Any:
        payload = dict(data or {})
        headers = dict(kwargs.pop("headers", {}) or {})
        if csrf:
            token = self.token()
            if htmx:
                headers["X-CSRFToken"] = token
            else:
                payload.setdefault("csrf_token", token)
        if htmx:
            headers["HX-Request"] = "true"
        self.last = self.client.post(url, data=payload, headers=headers, **kwargs)
        return self.last


def text_of(response: Any) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    body = re.sub(r"</?(a|span|strong|em|code|time|abbr)\b[^>]*>", "", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def title_of(response: Any) -> str:
    found = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def latest_code(app: Flask, phone: str) -> str:
    """What the parent reads in the app: the newest code sent to that phone."""
    from sqlalchemy import select

    from webapp.models import Notification

    with new_session(app) as db:
        row = db.scalars(select(Notification).where(Notification.phone == phone,
                                                    Notification.kind == "code")
                         .order_by(Notification.id.desc())).first()
        assert row is not None, f"no code was sent to {phone}"
        return row.params["code"]


def notifications(app: Flask, phone: str) -> list[str]:
    from sqlalchemy import select

    from webapp.models import Notification

    with new_session(app) as db:
        return [n.kind for n in db.scalars(select(Notification).where(Notification.phone == phone)
                                           .order_by(Notification.id))]
