"""Shared test helpers: an app on fresh demo data, a CSRF-aware browser, page objects,
texts from the catalogs, and what a phone received."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp import create_app
from webapp.db import make_engine, new_session
from webapp.models import Base, Counter, OutboxMessage
from webapp.sandbox.loader import DEMO, load
from webapp.services.clock import FakeClock
from webapp.services.outbox import open_message

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
    # Tests deliver the outbox themselves (deliver()), or read what was queued.
    "OUTBOX_INPROCESS": False,
    # argon2's cost comes from configuration: the lowest in tests, OWASP's in production.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 64,
}


# The sandbox's gateways named explicitly, for an app with SANDBOX off (a production-like app).
SANDBOX_OFF: dict[str, Any] = {
    "SANDBOX": False,
    "SMS_GATEWAY": "webapp.sandbox.fake_gateways:SandboxSms",
    "PUSH_GATEWAY": "webapp.sandbox.fake_gateways:SandboxPush",
    "REGISTRY": "webapp.sandbox.fake_gateways:SandboxRegistry",
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
    stamp_head(engine)
    with app.app_context(), new_session(app) as db:
        load(db, DEMO_DATA, app.extensions["clock"].at(db))
    return app


def stamp_head(engine: Any) -> None:
    """A database made from the models is at the newest migration (what /readyz checks)."""
    from sqlalchemy import text

    from webapp.cli import head_revision

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head_revision()})


_catalogs: list[Flask] = []


def _catalog_app() -> Flask:
    if not _catalogs:
        from flask_babel import Babel

        app = Flask(__name__)
        Babel(app, default_translation_directories=str(ROOT / "webapp" / "translations"))
        _catalogs.append(app)
    return _catalogs[0]


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def plain(text: str) -> str:
    """Typographic spaces (no-break, thin) read as spaces: what Page.text compares with."""
    return text.translate(_SPACES)


def _msgid(msgid: str) -> str:
    """The catalog's own spelling of a msgid typed with plain spaces (e.g. "12\u00a0цифр")."""
    from flask_babel import get_translations

    catalog = getattr(get_translations(), "_catalog", {})
    index = _msgids.get(id(catalog))
    if index is None:
        index = {plain(key): key for key in catalog if isinstance(key, str)}
        index.update({plain(key[0]): key[0] for key in catalog if isinstance(key, tuple)})  # plurals
        _msgids[id(catalog)] = index
    return index.get(plain(msgid), msgid)


_msgids: dict[int, dict[str, str]] = {}


def t(lang: str, msgid: str, **variables: Any) -> str:
    """A text as the catalog words it in `lang` (tests never retype Kazakh), with plain spaces."""
    with _catalog_app().test_request_context(), force_locale(lang):
        return plain(_gettext(_msgid(msgid), **variables))


def say(lang: str, what: Any, *args: Any, **kwargs: Any) -> str:
    """What webapp/web/messages.py says in `lang`: a (lazy) text of it, or one of its functions
    called with the services' answer (the wording is the app's own, from the catalogs)."""
    with _catalog_app().test_request_context(), force_locale(lang):
        return plain(str(what(*args, **kwargs) if callable(what) and not hasattr(what, "_args") else what))


def tn(lang: str, singular: str, plural: str, num: int) -> str:
    with _catalog_app().test_request_context(), force_locale(lang):
        return plain(_ngettext(_msgid(singular), _msgid(plural), num))


def location(response: Any) -> str:
    """Where a redirect sends the browser: a path of this site (never a host), no fragment."""
    target = response.headers.get("Location", "")
    parts = urlsplit(target)
    assert not parts.netloc or parts.netloc in ("localhost", "127.0.0.1"), target
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Page:
    """What a person sees on a page: its texts, errors, fields and buttons.

    `url` is the path the page was finally read from; `redirects` the statuses of the
    redirects followed to get there (a POST answered with 303 and its GET: [303])."""

    def __init__(self, response: Any, redirects: list[int] | None = None) -> None:
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        self.soup = BeautifulSoup(self.html, "html.parser")
        request = getattr(response, "request", None)
        query = request.query_string.decode() if request is not None else ""
        self.url = (request.path + (f"?{query}" if query else "")) if request is not None else ""
        self.redirects = list(redirects or [])

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

    CONTROLS = ("input", "select", "textarea", "fieldset")

    def control(self, field_id: str) -> Any:
        """The form control with this id (an element of another kind with the same id is no field)."""
        return self.soup.find(self.CONTROLS, id=field_id)

    def value(self, field_id: str) -> str | None:
        el = self.control(field_id)
        return el.get("value") if el else None

    def buttons(self) -> list[str]:
        return [" ".join(b.get_text(" ").split()) for b in self.soup.find_all("button") if not b.has_attr("hidden")]

    def notices(self) -> list[str]:
        return [" ".join(n.get_text(" ").split()) for n in self.soup.select(".notice")]

    def has_field(self, field_id: str) -> bool:
        return self.control(field_id) is not None

    def field_value(self, name: str) -> str | None:
        """The value an input named `name` carries now (None when there is no such input)."""
        el = self.soup.find("input", attrs={"name": name})
        return el.get("value") if el else None

    def __contains__(self, text: str) -> bool:
        return text in self.text


class Browser:
    """A test client that sends the page's CSRF token, like a browser submitting a form.

    `address` is the client address the server sees; `namespace` a sandbox namespace
    this browser carries (the X-Sandbox-Namespace header) on every request."""

    MAX_REDIRECTS = 3

    def __init__(self, app: Flask, *, address: str | None = None, namespace: str | None = None) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.last: Any = None
        self.namespace = namespace
        if address is not None:
            self.client.environ_base["REMOTE_ADDR"] = address
        if namespace is not None:
            self.client.environ_base["HTTP_X_SANDBOX_NAMESPACE"] = namespace

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

    def page(self, url: str, **kwargs: Any) -> Page:
        return Page(self.get(url, **kwargs))

    def follow(self, response: Any) -> Page:
        """Follow redirects (post/redirect/get answers 303) until a page, as a browser would."""
        statuses: list[int] = []
        while response.status_code in (301, 302, 303, 307, 308) and "Location" in response.headers:
            assert len(statuses) < self.MAX_REDIRECTS, f"more than {self.MAX_REDIRECTS} redirects: {statuses}"
            statuses.append(response.status_code)
            response = self.get(location(response))
        return Page(response, statuses)

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Page:
        """POST a form and follow the redirects to the page it leads to, as a browser would."""
        return self.follow(self.post(url, data, **kwargs))

    def signed_in(self, lang: str = "ru") -> bool:
        """Does this browser reach the cabinet (a GET: nothing is sent or counted)?"""
        return self.get(f"/{lang}/cabinet/").status_code == 200

    # -- journeys (each answers the page the browser lands on) --
    def step1(self, lang: str, iin: str) -> Any:
        return self.post(f"/{lang}/cabinet/login", {"iin": iin, **AGREE})

    def sign_in(self, lang: str, iin: str, password: str) -> Page:
        """ШАГ 1 and ШАГ 2; the page is the cabinet (url /<lang>/cabinet/) when it worked."""
        self.step1(lang, iin)
        return self.submit(f"/{lang}/cabinet/login/password", {"password": password})

    def start_recovery(self, lang: str, iin: str) -> Page:
        return self.submit(f"/{lang}/cabinet/recovery/start", {"iin": iin})

    def confirm_code(self, lang: str, code: str) -> Page:
        return self.submit(f"/{lang}/cabinet/recovery/code", {"code": code})

    def new_password(self, lang: str, password: str = NEW_PASSWORD, repeat: str | None = None) -> Page:
        return self.submit(f"/{lang}/cabinet/recovery/password",
                           {"password": password, "password_repeat": password if repeat is None else repeat})

    def answer_step1(self, lang: str, **answers: str) -> Page:
        return self.submit(f"/{lang}/cabinet/reregister/answers", {**AMINA_ANSWERS, **answers})


@dataclass(frozen=True)
class Received:
    """A message as the phone reads it: the code and link while they work."""

    channel: str
    kind: str
    text: str
    code: str | None
    link: str | None
    status: str


def database(app: Flask, namespace: str | None = None) -> Session:
    """A session on the app's database, or on a sandbox namespace's."""
    if namespace is not None:
        return app.extensions["namespace_databases"].session(namespace)
    return new_session(app)


def outbox(app: Flask, phone: str, *, namespace: str | None = None) -> list[Received]:
    """What was queued for the phone, newest first (app notifications and SMS): the outbox
    rows as the phone would read them once delivered."""
    sealer = app.extensions["deps_shared"]["sealer"]
    with database(app, namespace) as db:
        now = app.extensions["clock"].at(db)
        rows = list(db.scalars(select(OutboxMessage).where(OutboxMessage.phone == phone)
                               .order_by(OutboxMessage.id.desc())))
        found = []
        for row in rows:
            opened = open_message(sealer, now, row)
            code = "".join(opened.code.split()) if opened.code else None
            found.append(Received(row.channel, row.kind, opened.text, code, opened.link, row.status))
        return found


def deliver(app: Flask) -> int:
    """What the outbox worker would do now (the sandbox gateways take everything)."""
    from webapp.delivery.runner import deliver_everywhere

    return deliver_everywhere(app)


def latest_secret(app: Flask, phone: str, channel: str, kind: str, *, namespace: str | None = None) -> str:
    """What the parent reads on the phone: the newest code or one-time password of a kind."""
    for n in outbox(app, phone, namespace=namespace):
        if n.channel == channel and n.kind == kind:
            assert n.code
            return n.code
    raise AssertionError(f"nothing of {channel}:{kind} was sent to {phone}")


def latest_code(app: Flask, phone: str, channel: str = "app", *, namespace: str | None = None) -> str:
    """The newest confirmation code sent to the phone, whatever its purpose."""
    for n in outbox(app, phone, namespace=namespace):
        if n.channel == channel and n.kind.startswith("code_") and n.kind != "code_wrong_streak":
            assert n.code
            return n.code
    raise AssertionError(f"no code was sent to {phone} by {channel}")


def latest_link(app: Flask, phone: str, *, namespace: str | None = None) -> str:
    for n in outbox(app, phone, namespace=namespace):
        if n.link:
            return n.link
    raise AssertionError(f"no link was sent to {phone}")


def latest_sms_otp(app: Flask, phone: str, *, namespace: str | None = None) -> str:
    return latest_secret(app, phone, "sms", "binding_otp", namespace=namespace)


def kinds(app: Flask, phone: str, *, namespace: str | None = None) -> list[str]:
    """What reached the phone, oldest first, as "app:kind" / "sms:kind"."""
    return [f"{n.channel}:{n.kind}" for n in reversed(outbox(app, phone, namespace=namespace))]


def counts(app: Flask, *, namespace: str | None = None) -> dict[tuple[str, str], int]:
    """Every count of "Limits" now: (kind, key) → count."""
    with database(app, namespace) as db:
        return {(row.kind, row.key): row.count for row in db.scalars(select(Counter))}


def rows(app: Flask, model: Any, *, namespace: str | None = None) -> int:
    with database(app, namespace) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def take_the_database_down(app: Flask) -> None:
    """Every later request finds the database unreachable (an engine on a missing directory)."""
    from sqlalchemy.orm import sessionmaker

    down = make_engine("sqlite:////nonexistent-dir/down.sqlite3")
    app.extensions["db_engine"] = down
    app.extensions["db_sessionmaker"] = sessionmaker(down)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


# -- where a test starts: Aigerim's journeys, one step in ------------------------------------

def at_password_step(web: Browser, lang: str) -> None:
    """Sign-in step 2: the IIN and consents sent, the password asked."""
    web.step1(lang, AIGERIM)


def at_code(web: Browser, lang: str) -> None:
    """Recovery: the code went to her app, the code asked."""
    web.start_recovery(lang, AIGERIM)


def at_new_password(web: Browser, lang: str) -> None:
    """Recovery: the right code confirmed, the new password asked."""
    web.start_recovery(lang, AIGERIM)
    assert web.confirm_code(lang, latest_code(web.app, AIGERIM_PHONE)).has_field("password")
