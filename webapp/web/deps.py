"""What a request needs from outside, in one place: the time, who is asking, the
gateways, and the Deps the flows in services/ take.

- The clock: production reads the system clock; the sandbox adds an offset its API
  moves (kept in the request's database, so each test namespace has its own);
  tests put a FakeClock in app.extensions["clock"]. One request sees one time.
- The client: its address (IPv4, or the /64 of IPv6; X-Forwarded-For only for
  TRUSTED_PROXIES hops) and the signed known-device cookie.
- The gateways: built once at start from their import paths, refused when a path
  does not import or a class lacks the port's methods.
"""
from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.utils import import_string
from werkzeug.wrappers import Response

from ..config import UnsafeConfiguration
from ..db import get_db
from ..services.clock import SystemClock
from ..services.context import Client, Deps, Policy
from ..services.gateways import PORTS, GatewayMisconfigured, Registry
from ..services.keys import Keys, Pseudonyms
from ..services.limits import CONFIGURABLE, AccountLimits
from ..services.outbox import FernetSealer
from ..observability import LogEvents

KNOWN_DEVICE_MAX_AGE = 365 * 24 * 3600
KNOWN_CABINETS_MAX = 10


# -- the sandbox namespace -----------------------------------------------------------

def namespace() -> Any:
    """The sandbox namespace this request carries (header or cookie), or None: its data,
    outbox, clock and counts are its own (webapp/sandbox/namespaces.py)."""
    if "namespace" not in g:
        resolve = current_app.extensions.get("namespace_resolver")
        g.namespace = resolve() if resolve is not None else None
    return g.namespace


# -- the clock ----------------------------------------------------------------------

def now() -> datetime:
    """The time of this request: read once, so one request never sees two times."""
    if "now" not in g:
        g.now = current_app.extensions["clock"].now()
    return g.now


# -- who is asking -------------------------------------------------------------------

def client_address() -> str:
    """An IPv4 address, or the /64 of an IPv6 one (one household's network)."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def secret_keys() -> list[str]:
    """Signing keys, oldest first, as itsdangerous takes them: the newest signs."""
    config = current_app.config
    return [*reversed(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]


def signer(salt: str, key: str | None = None) -> URLSafeSerializer:
    """The serializer of a cookie kind under one key (the current one by default), made once."""
    made: dict[tuple[str, str], URLSafeSerializer] = current_app.extensions.setdefault("signers", {})
    key = key or current_app.config["SECRET_KEY"]
    if (salt, key) not in made:
        made[(salt, key)] = URLSafeSerializer(key, salt=salt)
    return made[(salt, key)]


def unsign(raw: str, salt: str) -> tuple[Any, bool] | None:
    """A signed cookie's value and whether an older key (SECRET_KEY_FALLBACKS) signed it, so it
    is signed again with the current one; None when no key did. The current key is tried first:
    the common case costs one HMAC."""
    for key in reversed(secret_keys()):
        try:
            return signer(salt, key).loads(raw), key != current_app.config["SECRET_KEY"]
        except BadSignature:
            continue
    return None


def _known_device() -> tuple[str | None, list[int], bool]:
    """(device id, cabinets, signed by an older key) from the signed known-device cookie."""
    raw = request.cookies.get(current_app.config["KNOWN_DEVICE_COOKIE"])
    opened = unsign(raw, "ed24-known-device") if raw and len(raw) <= 500 else None
    if opened is None:
        return None, [], False
    value, stale = opened
    space = namespace()
    if not isinstance(value, dict) or value.get("ns") != (space.id if space else None):
        return None, [], False
    device, cabinets = value.get("d"), value.get("c")
    if not isinstance(device, str) or not isinstance(cabinets, list):
        return None, [], False
    return device, [c for c in cabinets if isinstance(c, int)], stale


def client() -> Client:
    if "client" not in g:
        device, cabinets, stale = _known_device()
        if stale and device:
            g.resign_device = True
        g.client = Client(address=client_address(), device=device, known_cabinets=frozenset(cabinets))
    return g.client


def remember_device(cabinet_id: int) -> None:
    """This browser signed in or confirmed a code: it becomes a known device of the cabinet."""
    g.remember_cabinet = cabinet_id


def _set_known_device_cookie(response: Response) -> Response:
    cabinet_id = g.get("remember_cabinet")
    if cabinet_id is None and not g.get("resign_device"):
        return response
    device, cabinets, _stale = _known_device()
    if cabinet_id is not None:
        cabinets = ([c for c in cabinets if c != cabinet_id] + [cabinet_id])[-KNOWN_CABINETS_MAX:]
    space = namespace()
    value = signer("ed24-known-device").dumps({"d": device or secrets.token_urlsafe(16), "c": cabinets,
                                               "ns": space.id if space else None})
    response.set_cookie(current_app.config["KNOWN_DEVICE_COOKIE"], value, max_age=KNOWN_DEVICE_MAX_AGE,
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response


# -- gateways -------------------------------------------------------------------------

def settings_view(app: Flask) -> Mapping[str, Any]:
    return MappingProxyType(app.config)


def build_gateways(app: Flask) -> dict[str, Any]:
    """Import, check and build each gateway; refuse the start naming what is wrong."""
    built: dict[str, Any] = {}
    found: list[str] = []
    for setting, port in PORTS.items():
        path = app.config.get(setting) or ""
        try:
            cls = import_string(path.replace(":", ".")) if ":" in path else import_string(path)
        except (ImportError, ValueError) as exc:
            found.append(f"{setting}: {path!r} does not import ({exc})")
            continue
        missing = [name for name in _port_methods(port) if not callable(getattr(cls, name, None))]
        if missing:
            found.append(f"{setting}: {path} does not implement {port.__name__} (missing {', '.join(missing)})")
            continue
        try:
            built[setting] = cls(settings_view(app))
        except GatewayMisconfigured as exc:
            found.append(f"{setting}: {exc}")
    if found:
        raise UnsafeConfiguration("the app refuses to start:\n  " + "\n  ".join(found))
    return built


def _port_methods(port: type) -> list[str]:
    return [name for name, value in vars(port).items() if callable(value) and not name.startswith("_")]


def gateway(setting: str) -> Any:
    return current_app.extensions["gateways"][setting]


# -- the flows' Deps ------------------------------------------------------------------

class BabelWords:
    """What a phone receives, worded in the language of the page that sent it."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def message(self, channel: str, kind: str, params: Mapping[str, str]) -> str:
        from . import messages  # messages words durations with i18n, which reads the clock here

        with force_locale(self.lang):
            return messages.delivered_text(channel, kind, params)


def policy(app: Flask) -> Policy:
    config = app.config
    sizes = {field: config[name] for name, field in CONFIGURABLE.items() if config.get(name)}
    return Policy(public_origin=config["PUBLIC_ORIGIN"], limits=AccountLimits().sized(**sizes),
                  outbox_max_age=timedelta(minutes=config["OUTBOX_MAX_AGE_MINUTES"]))


def keys(app: Flask) -> Keys:
    config = app.config
    return Keys(config["SECRET_KEY"].encode(), tuple(k.encode() for k in config.get("SECRET_KEY_FALLBACKS") or []))


def sealer(app: Flask) -> FernetSealer:
    return FernetSealer([app.config["OUTBOX_KEY"], *app.config.get("OUTBOX_KEY_FALLBACKS", [])])


def deps() -> Deps:
    if "deps" not in g:
        from .i18n import current_lang

        shared = current_app.extensions["deps_shared"]
        registry: Registry = gateway("REGISTRY")
        g.deps = Deps(db=get_db(), now=now(), keys=shared["keys"], pseudonyms=shared["pseudonyms"],
                      client=client(), registry=registry, words=BabelWords(current_lang()),
                      sealer=shared["sealer"], events=LogEvents(shared["pseudonyms"]),
                      policy=shared["policy"], request_id=g.get("request_id"))
    return g.deps


def init_app(app: Flask) -> None:
    if "clock" not in app.extensions:
        if app.config["SANDBOX"]:
            from ..sandbox.offset_clock import SandboxClock

            app.extensions["clock"] = SandboxClock()
        else:
            app.extensions["clock"] = SystemClock()
    app.extensions["gateways"] = build_gateways(app)
    app.extensions["deps_shared"] = {
        "keys": keys(app), "policy": policy(app), "sealer": sealer(app),
        "pseudonyms": Pseudonyms(app.config["PSEUDONYM_KEY"].encode(), app.config["PSEUDONYM_KEY_VERSION"]),
    }
    app.after_request(_set_known_device_cookie)
