"""Configuration from the environment, parsed strictly, and the checks the app refuses to
start without.

The embedded default (no environment but SANDBOX=1): SQLite under instance/, the
sandbox gateways. Every setting is read here and nowhere else; a value that does
not parse (a flag that is not 1/0/true/false/yes/no/on/off, a number that is not
one) refuses the start and names the variable. With PRODUCTION=1 the app also
refuses what is only safe on a developer's machine, naming each setting.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .services.limits import CONFIGURABLE

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
# The ports (services/gateways.py) and the sandbox's implementations of them.
GATEWAYS = {
    "SMS_GATEWAY": "webapp.sandbox.fake_gateways:SandboxSms",
    "PUSH_GATEWAY": "webapp.sandbox.fake_gateways:SandboxPush",
    "REGISTRY": "webapp.sandbox.fake_gateways:SandboxRegistry",
}
# Settings of the real adapters are passed to them as they are (webapp/adapters, README).
ADAPTER_PREFIXES = ("SMSC_", "FCM_", "REGISTRY_")
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
DEV_KEY = "dev-only-not-secret-key-for-the-local-sandbox"


class UnsafeConfiguration(RuntimeError):
    """The app was asked to start with settings it cannot run with safely; says which."""


class _Reader:
    """Reads variables of `env`, noting every value that does not parse."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        return value.strip() if value is not None and value.strip() else None

    def text(self, name: str, default: str = "") -> str:
        return self.raw(name) or default

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        self.problems.append(f"{name}: {value!r} is not a flag; use 1/0, true/false, yes/no or on/off")
        return default

    def number(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if not value.isascii() or not value.isdigit() or int(value) < minimum:
            self.problems.append(f"{name}: {value!r} is not a whole number of at least {minimum}")
            return default
        return int(value)

    def items(self, name: str) -> list[str]:
        return [item.strip() for item in (self.raw(name) or "").split(",") if item.strip()]


def scheme(uri: str) -> str:
    """"memory", "redis", "postgresql+psycopg": judged case-insensitively, after trimming."""
    return urlsplit(uri.strip()).scheme.lower()


def from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    """Every setting the app reads, from `env` (os.environ), with the embedded defaults.
    Values that did not parse are listed under "_PROBLEMS" (check() refuses them)."""
    read = _Reader(env)
    production = read.flag("PRODUCTION", False)
    sandbox = read.flag("SANDBOX", False)  # on only when asked for (make run, the tests)
    secure = read.flag("SESSION_COOKIE_SECURE", production)
    secret = read.text("SECRET_KEY") or (DEV_KEY if sandbox and not production else "")
    settings: dict[str, Any] = {
        "PRODUCTION": production,
        # Signs sessions, CSRF tokens and known devices; keys the hashes of codes and links.
        # Older keys still verify what they signed, so a rotation signs nobody out.
        "SECRET_KEY": secret,
        "SECRET_KEY_FALLBACKS": read.items("SECRET_KEY_FALLBACKS"),
        # The IIN pseudonym of logs and audit rows: a key of its own, versioned.
        "PSEUDONYM_KEY": read.text("PSEUDONYM_KEY") or (secret and f"pseudonym:{secret}"),
        "PSEUDONYM_KEY_VERSION": read.text("PSEUDONYM_KEY_VERSION", "v1"),
        # Codes and links in the outbox: Fernet keys (newest first in rotation).
        "OUTBOX_KEY": read.text("OUTBOX_KEY"),
        "OUTBOX_KEY_FALLBACKS": read.items("OUTBOX_KEY_FALLBACKS"),
        "OUTBOX_MAX_AGE_MINUTES": read.number("OUTBOX_MAX_AGE_MINUTES", 24 * 60, minimum=1),
        # The embedded default delivers in the app's own process (make run is one command).
        "OUTBOX_INPROCESS": read.flag("OUTBOX_INPROCESS", not production),
        # Where links and the WebOTP line point: never the request's Host.
        "PUBLIC_ORIGIN": read.text("PUBLIC_ORIGIN", "" if production else "http://127.0.0.1:5000").rstrip("/"),
        "DATABASE_URL": read.text("DATABASE_URL", f"sqlite:///{INSTANCE / 'ed24.sqlite3'}"),
        "SANDBOX": sandbox,
        "SANDBOX_API_TOKEN": read.raw("SANDBOX_API_TOKEN"),
        # Only for a load-test stack that runs the production config on sandbox data.
        "ALLOW_SANDBOX_IN_PRODUCTION": read.flag("ALLOW_SANDBOX_IN_PRODUCTION", False),
        "SANDBOX_NAMESPACES_MAX": read.number("SANDBOX_NAMESPACES_MAX", 200, minimum=1),
        "SANDBOX_NAMESPACE_IDLE_HOURS": read.number("SANDBOX_NAMESPACE_IDLE_HOURS", 24, minimum=1),
        "REGISTRY_SERVER_TOKEN": read.raw("REGISTRY_SERVER_TOKEN"),
        "SITE_CITY": read.text("SITE_CITY", "Павлодар"),
        "ACCESSIBILITY_EMAIL": read.text("ACCESSIBILITY_EMAIL", "support@ed24.kz"),
        "APP_STORE_URL": read.text("APP_STORE_URL", "https://play.google.com/store/search?q=ed24.kz&c=apps"),
        # Hosts this site answers for (Flask refuses others; /livez and /readyz answer any),
        # and the reverse proxies in front of it. Off production, loopback only unless set:
        # a web page cannot reach a local sandbox through DNS rebinding.
        "TRUSTED_HOSTS": read.items("TRUSTED_HOSTS") or (None if production else list(LOOPBACK_HOSTS)),
        "TRUSTED_PROXIES": read.number("TRUSTED_PROXIES", 0) if read.raw("TRUSTED_PROXIES") else None,
        "SESSION_COOKIE_SECURE": secure,
        # Over https the cookies carry the __Host- prefix: set by this host only, for all of it.
        "SESSION_COOKIE_NAME": "__Host-ed24_session" if secure else "ed24_session",
        "KNOWN_DEVICE_COOKIE": "__Host-ed24_device" if secure else "ed24_device",
        "SESSION_LIFETIME_MINUTES": read.number("SESSION_LIFETIME_MINUTES", 30, minimum=1),
        # Request rates per client address (Flask-Limiter, real time).
        "RATELIMIT_STORAGE_URI": read.text("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": read.flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_FORMS": read.text("RATELIMIT_FORMS", "60 per minute;600 per hour"),
        "RATELIMIT_FRAGMENTS": read.text("RATELIMIT_FRAGMENTS", "300 per minute"),
        "RATELIMIT_API": read.text("RATELIMIT_API", "120 per minute"),
        "RATELIMIT_BAD_CSRF": read.text("RATELIMIT_BAD_CSRF", "30 per minute"),
        # Operations.
        "AUDIT_RETENTION_DAYS": read.number("AUDIT_RETENTION_DAYS", 90, minimum=1),
        "OUTBOX_KEEP_DAYS": read.number("OUTBOX_KEEP_DAYS", 7, minimum=1),
        "LOG_LEVEL": read.text("LOG_LEVEL", "INFO").upper(),
        "METRICS_ADDRESS": read.raw("METRICS_ADDRESS"),   # host:port of the private listener
        "METRICS_ALLOW": read.items("METRICS_ALLOW") or ["127.0.0.1", "::1"],
        # Password hashing cost (argon2id); lower only in tests.
        "ARGON2_TIME_COST": read.number("ARGON2_TIME_COST", 2, minimum=1),
        "ARGON2_MEMORY_KIB": read.number("ARGON2_MEMORY_KIB", 19 * 1024, minimum=8),
    }
    # Account-protecting counts per client address (database, app clock): sized for a
    # carrier-grade NAT address; the defaults are the table in services/limits.py.
    for name in CONFIGURABLE:
        if read.raw(name):
            settings[name] = read.number(name, 0, minimum=1)
    for name in GATEWAYS:
        settings[name] = read.raw(name)
    for name, value in env.items():
        if name.startswith(ADAPTER_PREFIXES) and name not in settings:
            settings[name] = value
    settings["_PROBLEMS"] = read.problems
    return settings


def complete(config: dict[str, Any]) -> None:
    """With the sandbox on, the gateways not named otherwise are the sandbox's; the outbox
    key of a developer's machine is derived from its SECRET_KEY."""
    for name, sandbox_path in GATEWAYS.items():
        if config.get("SANDBOX") and not config.get(name):
            config[name] = sandbox_path
    if not config.get("OUTBOX_KEY") and config.get("SECRET_KEY") and not config.get("PRODUCTION"):
        from .services.outbox import FernetSealer

        config["OUTBOX_KEY"] = FernetSealer.derive_key(config["SECRET_KEY"])


# Fixed for every deployment.
DEFAULTS: dict[str, Any] = {
    "LANGUAGES": ("ru", "kk"),
    "BABEL_DEFAULT_LOCALE": "ru",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "WTF_CSRF_HEADERS": ["X-CSRFToken"],
    "WTF_I18N_ENABLED": False,    # every message is ours (messages.py), in both languages
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Redis away (a restart): each worker keeps limiting in its own memory until it is
    # back; the limits never open. The account limits live in the database regardless.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # gzip first: for pages of a few KB it is within 80 bytes of brotli at two thirds of
    # its CPU; brotli for a client without gzip. Static files too, and streamed ones.
    "COMPRESS_ALGORITHM": ["gzip", "br"],
    "COMPRESS_ALGORITHM_STREAMING": ["gzip", "br"],
    "COMPRESS_STREAMS": True,
    "COMPRESS_MIN_SIZE": 300,
    # Pages are a few KB: level 4 compresses them within 2 % of level 6 at two thirds of its CPU.
    "COMPRESS_LEVEL": 4,
    "COMPRESS_REGISTER": True,
    # Pages are no-store and static files answer conditional requests themselves.
    "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript", "text/javascript",
                           "image/svg+xml", "application/manifest+json", "application/json"],
    # Static files carry a content hash in their URL and live a year (views/__init__.py).
    "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
}


def _fernet_keys(keys: list[str | bytes]) -> bool:
    """Does every one of these read as a Fernet key (the outbox refuses to start otherwise)?"""
    from cryptography.fernet import Fernet

    try:
        for key in keys:
            Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def problems(config: Mapping[str, Any]) -> list[str]:
    """What every deployment needs, one line per setting, naming it."""
    found = list(config.get("_PROBLEMS", []))
    if not config.get("SECRET_KEY"):
        found.append("SECRET_KEY: set a random value of 32+ characters (or SANDBOX=1 on a developer's machine)")
    for name in GATEWAYS:
        if not config.get(name):
            found.append(f"{name}: set the import path of the adapter (module:Class), or SANDBOX=1")
    if not config.get("OUTBOX_KEY"):
        found.append("OUTBOX_KEY: set a Fernet key (python -c 'from cryptography.fernet import Fernet; "
                     "print(Fernet.generate_key().decode())')")
    for name in ("OUTBOX_KEY", "OUTBOX_KEY_FALLBACKS"):
        value = config.get(name) or []
        if not _fernet_keys([value] if isinstance(value, (str, bytes)) else value):
            found.append(f"{name}: not a Fernet key (32 url-safe base64-encoded bytes; see OUTBOX_KEY)")
    if not str(config.get("PUBLIC_ORIGIN", "")).startswith(("https://", "http://")):
        found.append("PUBLIC_ORIGIN: the site's own origin, e.g. https://cabinet.ed24.kz (links in SMS use it)")
    return found


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """What PRODUCTION=1 refuses besides, one line per setting, naming it."""
    found = []
    allowed = config.get("ALLOW_SANDBOX_IN_PRODUCTION")
    key = config.get("SECRET_KEY") or ""
    if key and (len(key) < 32 or len(set(key)) < 16 or key == DEV_KEY):
        found.append("SECRET_KEY: set a random value of 32+ characters")
    if config.get("PSEUDONYM_KEY", "").startswith("pseudonym:"):
        found.append("PSEUDONYM_KEY: set a random key of its own for the IIN pseudonyms of logs and audit rows")
    if config.get("SANDBOX") and not allowed:
        found.append("SANDBOX: must be 0 in production (codes are readable by anyone in the sandbox)")
    if config.get("SANDBOX") and allowed and not config.get("SANDBOX_API_TOKEN"):
        found.append("SANDBOX_API_TOKEN: a sandbox on the production stack needs a token for its pages and API")
    for name in GATEWAYS:
        path = config.get(name) or ""
        if path.startswith("webapp.sandbox") and not allowed:
            found.append(f"{name}: {path} is the sandbox; set the real adapter's import path")
    if scheme(str(config.get("RATELIMIT_STORAGE_URI", ""))) in ("memory", ""):
        found.append("RATELIMIT_STORAGE_URI: memory:// is per worker; use redis://host:6379")
    if not config.get("TRUSTED_HOSTS"):
        found.append("TRUSTED_HOSTS: list the host names this site answers for (comma-separated)")
    if config.get("TRUSTED_PROXIES") is None:
        found.append("TRUSTED_PROXIES: say how many reverse proxies stand in front (1 behind one nginx, 0 for none)")
    if not config.get("RATELIMIT_ENABLED", True):
        found.append("RATELIMIT_ENABLED: request limits cannot be off in production")
    if not config.get("SESSION_COOKIE_SECURE") and not allowed:
        found.append("SESSION_COOKIE_SECURE: cookies must be https-only in production")
    if scheme(str(config.get("DATABASE_URL", ""))).startswith("sqlite") and not allowed:
        found.append("DATABASE_URL: use PostgreSQL (postgresql+psycopg://…) with several workers")
    if not str(config.get("PUBLIC_ORIGIN", "")).startswith("https://") and not allowed:
        found.append("PUBLIC_ORIGIN: must be the site's https:// origin in production")
    if config.get("OUTBOX_INPROCESS") and not allowed:
        found.append("OUTBOX_INPROCESS: run the outbox worker as its own service in production "
                     "(flask --app webapp worker; deploy/systemd)")
    return found


def check(config: dict[str, Any]) -> None:
    complete(config)
    found = problems(config) + (production_problems(config) if config.get("PRODUCTION") else [])
    if found:
        raise UnsafeConfiguration("the app refuses to start:\n  " + "\n  ".join(found))


def environment() -> dict[str, Any]:
    return from_environment(os.environ)
