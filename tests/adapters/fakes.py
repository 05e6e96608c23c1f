"""Fake outside parties for the adapters' contract tests, each a pytest-httpserver
server on loopback that emulates the party's documented API, plus faults to inject
(hang, canned answers) in front of it.

- FakeSmsc: SMSC.kz's /sys/send.php and /sys/status.php (fmt=3), with its duplicate
  rule: a request identical to one received in the last minute gets error 9.
- FakeFcm: FCM HTTP v1's messages:send and a service account's OAuth token endpoint
  (it checks the signed JWT grant against the key it made).
- FakeRegistry: the sandbox's registry blueprint (webapp/sandbox/registry_server.py),
  mounted on a small Flask app with its own in-memory database.
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import google.auth.exceptions
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from google.auth import jwt
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response
from werkzeug.datastructures import Headers

from webapp import db
from webapp.models import Base, Child, Citizen, CitizenPhone
from webapp.sandbox.registry_server import registry_server

HANG_SECONDS = 5.0   # longer than every adapter timeout the tests set; released at reset


@dataclass(frozen=True)
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    headers: Headers
    form: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Fault = Callable[[Seen], Response]


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None, *,
          raw: str | None = None, content_type: str = "application/json") -> Fault:
    """A canned answer: `body` as JSON, or `raw` text as it is."""
    text = raw if raw is not None else json.dumps(body)
    return lambda seen: Response(text, status, headers=headers, content_type=content_type)


class FakeServer:
    """Every request goes to `handle`, unless a fault injected for its path answers it."""

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._dispatch)
        self.release = threading.Event()
        self.seen: list[Seen] = []
        self.faults: dict[str | None, Fault] = {}

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.release.set()
        self.server.stop()

    def reset(self) -> None:
        self.release.set()          # let a hung request go
        self.release = threading.Event()
        self.seen = []
        self.faults = {}
        self.server.clear_log()

    def url(self, path: str = "") -> str:
        return self.server.url_for(path).rstrip("/")

    def inject(self, fault: Fault, path: str | None = None) -> None:
        """Answer requests to `path` (every path when None) with `fault` from now on."""
        self.faults[path] = fault

    def hang(self) -> Fault:
        """A fault: answer nothing until the test is over (or HANG_SECONDS)."""
        release = self.release

        def hung(seen: Seen) -> Response:
            release.wait(HANG_SECONDS)
            return Response("late", 200)
        return hung

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def _dispatch(self, request: Request) -> Response:
        seen = Seen(request.method, request.path, Headers(request.headers), request.form.to_dict(),
                    request.get_data())
        self.seen.append(seen)
        fault = self.faults.get(seen.path) or self.faults.get(None)
        return fault(seen) if fault else self.handle(seen, request)

    def handle(self, seen: Seen, request: Request) -> Response:
        raise NotImplementedError


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


@dataclass
class Sms:
    id: str
    phone: str
    text: str
    sender: str | None


class FakeSmsc(FakeServer):
    """SMSC.kz's HTTP API as documented at https://smsc.kz/api/http/ (answers with fmt=3)."""

    LOGIN = "ed24"
    PASSWORD = "smsc-secret"
    DUPLICATE_WINDOW = 60.0

    def reset(self) -> None:
        super().reset()
        self.messages: list[Sms] = []
        self.recent: dict[tuple[tuple[str, str], ...], float] = {}
        self.auto_ids = itertools.count(1000)

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"SMSC_LOGIN": self.LOGIN, "SMSC_PASSWORD": self.PASSWORD, "SMSC_API_URL": self.url(),
                "SMSC_TIMEOUT_SECONDS": 0.5, **extra}

    def handle(self, seen: Seen, request: Request) -> Response:
        form = seen.form
        if form.get("fmt") != "3":
            return Response("ERROR = 1 (parameters error)", 200, content_type="text/plain")
        if form.get("login") != self.LOGIN or form.get("psw") != self.PASSWORD:
            return _json({"error": "authorise error", "error_code": 2})
        if seen.path == "/sys/send.php":
            return self._send(form)
        if seen.path == "/sys/status.php":
            return self._status(form)
        return Response("<html>not found</html>", 404, content_type="text/html")

    def _send(self, form: dict[str, str]) -> Response:
        signature = tuple(sorted(form.items()))
        now = time.monotonic()
        if now - self.recent.get(signature, -self.DUPLICATE_WINDOW) < self.DUPLICATE_WINDOW:
            return _json({"error": "duplicate request, wait a minute", "error_code": 9})
        self.recent[signature] = now
        message_id = form.get("id") or str(next(self.auto_ids))
        phone, text = form.get("phones", ""), form.get("mes", "")
        if not re.fullmatch(r"[0-9A-Za-z._-]{1,40}", message_id) or not text:
            return _json({"error": "parameters error", "error_code": 1})
        if not re.fullmatch(r"\+?[0-9]{11,15}", phone):
            return _json({"error": "invalid number", "error_code": 7, "id": message_id})
        if form.get("charset") != "utf-8":   # SMSC reads windows-1251 unless told otherwise
            text = text.encode("utf-8").decode("cp1251", errors="replace")
        self.messages.append(Sms(message_id, phone, text, form.get("sender")))
        return _json({"id": message_id, "cnt": 1})

    def _status(self, form: dict[str, str]) -> Response:
        found = any(m.id == form.get("id") and m.phone == form.get("phone") for m in self.messages)
        if not found:
            return _json({"status": -3})
        return _json({"status": 1, "last_date": "01.09.2025 10:00:00", "last_timestamp": 1756720800})


SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth addresses the grant to Google's token endpoint whatever the key's token_uri.
JWT_AUDIENCE = "https://oauth2.googleapis.com/token"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


def fcm_error(http: int, status: str, code: str | None = None) -> dict[str, Any]:
    """An FCM HTTP v1 error body as https://firebase.google.com/docs/cloud-messaging/error-codes shows."""
    error: dict[str, Any] = {"code": http, "message": "(fake)", "status": status}
    if code:
        error["details"] = [{"@type": FCM_ERROR, "errorCode": code}]
    return {"error": error}


# Registration tokens the fake treats as FCM treats such tokens.
UNREGISTERED_TOKEN = "token-of-an-uninstalled-app"
MALFORMED_TOKEN = "not-a-registration-token"
FOREIGN_TOKEN = "token-of-another-project"


@dataclass
class ServiceAccount:
    """A service account key of our own making: the fake checks the JWTs signed with it."""

    project: str = "ed24-test"
    email: str = "push@ed24-test.iam.gserviceaccount.com"
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)

    def write(self, path: Path, token_uri: str, **changes: Any) -> Path:
        private = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
        info = {"type": "service_account", "project_id": self.project, "private_key_id": "k1",
                "private_key": private, "client_email": self.email, "client_id": "1",
                "token_uri": token_uri, **changes}
        path.write_text(json.dumps({k: v for k, v in info.items() if v is not None}), encoding="utf-8")
        return path


class FakeFcm(FakeServer):
    """FCM HTTP v1 (POST /v1/projects/{project}/messages:send) and the OAuth token endpoint (/token)."""

    def __init__(self, account: ServiceAccount) -> None:
        super().__init__()
        self.account = account

    def reset(self) -> None:
        super().reset()
        self.pushes: list[dict[str, Any]] = []      # the messages taken
        self.tokens: set[str] = set()
        self.issued = itertools.count(1)

    @property
    def token_uri(self) -> str:
        return self.url("/token")

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def handle(self, seen: Seen, request: Request) -> Response:
        if seen.path == "/token" and seen.method == "POST":
            return self._token(seen.form)
        match = re.fullmatch(r"/v1/projects/([^/]+)/messages:send", seen.path)
        if match and seen.method == "POST":
            return self._send(match.group(1), seen)
        return _json(fcm_error(404, "NOT_FOUND"), 404)

    def _token(self, form: dict[str, str]) -> Response:
        try:
            claims = jwt.decode(form.get("assertion", ""), certs=self.account.public_pem(),
                                audience=JWT_AUDIENCE)
        except (ValueError, google.auth.exceptions.GoogleAuthError):
            return _json({"error": "invalid_grant", "error_description": "Invalid JWT"}, 400)
        if form.get("grant_type") != JWT_GRANT or claims.get("iss") != self.account.email \
                or claims.get("scope") != SCOPE:
            return _json({"error": "invalid_grant"}, 400)
        token = f"access-token-{next(self.issued)}"
        self.tokens.add(token)
        return _json({"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    def _send(self, project: str, seen: Seen) -> Response:
        if project != self.account.project:
            return _json(fcm_error(404, "NOT_FOUND"), 404)
        if seen.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _json(fcm_error(401, "UNAUTHENTICATED"), 401)
        try:
            message = seen.json()["message"]
            token, data = message["token"], message.get("data", {})
        except (ValueError, KeyError, TypeError):
            return _json(fcm_error(400, "INVALID_ARGUMENT"), 400)
        if not all(isinstance(v, str) for v in data.values()):
            return _json(fcm_error(400, "INVALID_ARGUMENT"), 400)
        if token == UNREGISTERED_TOKEN:
            return _json(fcm_error(404, "NOT_FOUND", "UNREGISTERED"), 404)
        if token == MALFORMED_TOKEN:
            return _json(fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"), 400)
        if token == FOREIGN_TOKEN:
            return _json(fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), 403)
        self.pushes.append(message)
        return _json({"name": f"projects/{project}/messages/0:{len(self.pushes)}%fake"})


# The registries' sandbox data for the contract tests.
AIGERIM, AIGERIM_PHONES = "900515401230", ["+77057546868", "+77017001234"]
ERLAN, ERLAN_PHONE = "870123302154", "+77011231885"
NOBODY_IIN, NOBODY_PHONE = "850505309997", "+77000000000"
ALIKHAN = "210610501239"       # both parents on the certificate, attends
AMINA = "210905604213"         # one parent, in the queue
NO_CHILD = "220101500000"
REGISTRY_TOKEN = "registry-test-token"


def registry_app() -> Flask:
    """A Flask app serving only the sandbox registry blueprint, on an in-memory database."""
    app = Flask("registry_fake")
    app.config.update(DATABASE_URL="sqlite://", SANDBOX=True, REGISTRY_SERVER_TOKEN=REGISTRY_TOKEN)
    db.init_app(app)
    Base.metadata.create_all(app.extensions["db_engine"])
    app.register_blueprint(registry_server)
    with app.app_context():
        session = db.get_db()
        session.add_all([
            Citizen(iin=AIGERIM, full_name="Ахметова Айгерим",
                    phones=[CitizenPhone(phone=p) for p in AIGERIM_PHONES]),
            Citizen(iin=ERLAN, full_name="Серіков Ерлан", phones=[CitizenPhone(phone=ERLAN_PHONE)]),
            Citizen(iin=NOBODY_IIN, full_name="Без Телефона", phones=[]),
            Child(iin=ALIKHAN, full_name="Ахметов Алихан", birth_certificate="0123456",
                  parent1_iin=AIGERIM, parent2_iin=ERLAN, status="attends"),
            Child(iin=AMINA, full_name="Серікова Амина", birth_certificate="I-АЛ № 0567890",
                  parent1_iin=ERLAN, parent2_iin=None, status="queue"),
        ])
        session.commit()
    return app


class FakeRegistry(FakeServer):
    """The sandbox's registry server (the blueprint itself), over real HTTP."""

    PREFIX = "/sandbox/registry"

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"REGISTRY_URL": self.url(self.PREFIX), "REGISTRY_TOKEN": REGISTRY_TOKEN,
                "REGISTRY_TIMEOUT_SECONDS": 0.5, **extra}

    def handle(self, seen: Seen, request: Request) -> Response:
        return Response.from_app(self.app, request.environ)
