"""Shared test helpers: an app on fresh demo data, a CSRF-aware browser, page objects,
texts from the catalogs, and what a phone received."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext
from sqlalchemy import select

from webapp import create_app
from webapp.db import make_engine, new_session
from webapp.models import Base, Notification
from webapp.sandbox.loader import DEMO, load
from webapp.services.clock import FakeClock

DEMO_DATA: dict[str, Any] = json.loads(Path(DEMO).read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parent.parent

# Demo personas (README lists them too).
AIGERIM = "900515401230"            # password set, app bound
AIGERIM_PASSWORD = "Tulpar!2024abc"
AIGERIM_PHONE = "+77057546868"
ERLAN = "870123302154"              # password set, no app on the phone
ERLAN_PASSWORD = "Dala#Samal2025"
ERLAN_PHONE = "+77011231885"
DANA = "950630406127"               # no password yet, app bound
DANA_PHONE = "+77479223344"
GULNAR = "651120401014"             # holds the Serikovs' child's cabinet (a foreign number)
GULNAR_PASSWORD = "Bayterek?1997x"
GULNAR_PHONE = "+77022229223"
MADINA = "920314405125"             # mother on Amina's certificate; БМГ phone below, app bound
MADINA_PHONE = "+77759876543"
ARMAN = "900702307339"              # father, second on the certificate; phone without app
ARMAN_PHONE = "+77087654321"
AMINA = "210905604213"              # the child, in queue, cabinet on Gulnar
AMINA_CERT = "0567890"
UNKNOWN_IIN = "850505309997"        # valid IIN, nobody has it
NEW_PASSWORD = "Samal!Kokshe2026"
AGREE = {"agree_terms": "y", "agree_contacts": "y"}
AMINA_ANSWERS = {"child_iin": AMINA, "certificate": AMINA_CERT, "parent1_iin": MADINA,
                 "parent2_iin": ARMAN, "status": "queue"}

TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-of-thirty-two-characters",
    "SANDBOX": True,
    "RATELIMIT_ENABLED": False,
    "PRODUCTION": False,
}


def database_url() -> str:
    """TEST_DATABASE_URL runs the suite on PostgreSQL; otherwise an in-memory SQLite."""
    return os.environ.get("TEST_DATABASE_URL") or "sqlite://"


def make_app(database: str | None = None, *, clock: Any = "fake", **overrides: Any) -> Flask:
    """An app on fresh demo data. `clock="fake"` puts a FakeClock in; `None` keeps the
    app's own (the sandbox's movable clock)."""
    url = database or database_url()
    if url.startswith("sqlite:///"):
        created = make_engine(url, create=True)  # the file exists, as `flask db-upgrade` leaves it
        created.connect().close()
        created.dispose()
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, **overrides})
    if clock == "fake":
        app.extensions["clock"] = FakeClock()
    engine = app.extensions["db_engine"]
    if not url.startswith("sqlite"):
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with app.app_context(), new_session(app) as db:
        load(db, DEMO_DATA, app.extensions["clock"].now())
    return app


_catalogs: list[Flask] = []


def _catalog_app() -> Flask:
    if not _catalogs:
        from flask_babel import Babel

        app = Flask(__name__)
        Babel(app, default_translation_directories=str(ROOT / "webapp" / "translations"))
        _catalogs.append(app)
    return _catalogs[0]


def t(lang: str, msgid: str, **variables: Any) -> str:
    """A text as the catalog words it in `lang` (tests never retype Kazakh)."""
    with _catalog_app().test_request_context(), force_locale(lang):
        return _gettext(msgid, **variables)


def tn(lang: str, singular: str, plural: str, num: int) -> str:
    with _catalog_app().test_request_context(), force_locale(lang):
        return _ngettext(singular, plural, num)


class Page:
    """What a person sees on a page: its texts, errors, fields and buttons."""

    def __init__(self, response: Any) -> None:
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        self.soup = BeautifulSoup(self.html, "html.parser")

    @property
    def title(self) -> str:
        return self.soup.title.get_text(strip=True) if self.soup.title else ""

    @property
    def h1(self) -> str:
        h1 = self.soup.find("h1")
        return h1.get_text(" ", strip=True) if h1 else ""

    @property
    def text(self) -> str:
        for hidden in self.soup.select("script, style"):
            hidden.decompose()
        return " ".join(self.soup.get_text(" ").split())

    @property
    def summary(self) -> list[str]:
        """The error summary's lines, in order."""
        return [" ".join(li.get_text().split()) for li in self.soup.select(".error-summary li")]

    def error(self, field_id: str) -> str:
        el = self.soup.find(id=f"{field_id}-error")
        return " ".join(el.get_text(" ").split()) if el else ""

    def value(self, field_id: str) -> str | None:
        el = self.soup.find(id=field_id)
        return el.get("value") if el else None

    def buttons(self) -> list[str]:
        return [" ".join(b.get_text(" ").split()) for b in self.soup.find_all("button") if not b.has_attr("hidden")]

    def notices(self) -> list[str]:
        return [" ".join(n.get_text(" ").split()) for n in self.soup.select(".notice")]

    def has_field(self, field_id: str) -> bool:
        return self.soup.find(id=field_id) is not None

    def __contains__(self, text: str) -> bool:
        return text in self.text


class Browser:
    """A test client that sends the page's CSRF token, like a browser submitting a form."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.last: Any = None

    @property
    def clock(self) -> FakeClock:
        return self.app.extensions["clock"]

    def token(self) -> str:
        page = self.client.get("/ru/")
        found = re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True))
        assert found, "no CSRF token on the page"
        return found.group(1)

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

    def page(self, url: str) -> Page:
        return Page(self.get(url))

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Page:
        """POST a form and follow the redirect, as a browser would."""
        response = self.post(url, data, **kwargs)
        if response.status_code in (302, 303) and "Location" in response.headers:
            response = self.get(response.headers["Location"])
        return Page(response)

    # -- journeys --
    def step1(self, lang: str, iin: str) -> Any:
        return self.post(f"/{lang}/cabinet/login", {"iin": iin, **AGREE})

    def sign_in(self, lang: str, iin: str, password: str) -> Any:
        self.step1(lang, iin)
        return self.post(f"/{lang}/cabinet/login/password", {"password": password})

    def start_recovery(self, lang: str, iin: str) -> Page:
        return self.submit(f"/{lang}/cabinet/recovery/start", {"iin": iin})

    def confirm_code(self, lang: str, code: str) -> Any:
        return self.post(f"/{lang}/cabinet/recovery/code", {"code": code})

    def new_password(self, lang: str, password: str = NEW_PASSWORD, repeat: str | None = None) -> Any:
        return self.post(f"/{lang}/cabinet/recovery/password",
                         {"password": password, "password_repeat": password if repeat is None else repeat})

    def answer_step1(self, lang: str, **answers: str) -> Any:
        return self.post(f"/{lang}/cabinet/reregister/answers", {**AMINA_ANSWERS, **answers})


def outbox(app: Flask, phone: str) -> list[Notification]:
    """What the phone received, newest first (app notifications and SMS)."""
    with new_session(app) as db:
        return list(db.scalars(select(Notification).where(Notification.phone == phone)
                               .order_by(Notification.id.desc())))


def latest_secret(app: Flask, phone: str, channel: str, kind: str) -> str:
    """What the parent reads on the phone: the newest code (app) or one-time password (SMS)."""
    for n in outbox(app, phone):
        if n.channel == channel and n.kind == kind:
            assert n.code
            return n.code
    raise AssertionError(f"nothing of {channel}:{kind} was sent to {phone}")


def latest_code(app: Flask, phone: str) -> str:
    return latest_secret(app, phone, "app", "code")


def latest_sms_otp(app: Flask, phone: str) -> str:
    return latest_secret(app, phone, "sms", "binding_otp")


def kinds(app: Flask, phone: str) -> list[str]:
    """What reached the phone, oldest first, as "app:kind" / "sms:kind"."""
    return [f"{n.channel}:{n.kind}" for n in reversed(outbox(app, phone))]


def take_the_database_down(app: Flask) -> None:
    """Every later request finds the database unreachable (an engine on a missing directory)."""
    from sqlalchemy.orm import sessionmaker

    down = make_engine("sqlite:////nonexistent-dir/down.sqlite3")
    app.extensions["db_engine"] = down
    app.extensions["db_sessionmaker"] = sessionmaker(down)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
