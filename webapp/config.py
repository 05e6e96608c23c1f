"""Configuration from the environment, and the checks production refuses to start without.

The embedded default (no environment): SQLite under instance/, sandbox on. With
PRODUCTION=1 the app refuses settings that are only safe on a developer's
machine and says which one to change.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
SANDBOX_GATEWAYS = {
    "APP_NOTIFIER": "webapp.sandbox.gateways:SandboxNotifier",
    "SMS_GATEWAY": "webapp.sandbox.gateways:SandboxSms",
    "REGISTRY": "webapp.sandbox.gateways:SandboxRegistry",
}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    return default if raw is None or not raw.strip() else raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    return int(raw) if raw.isdigit() else default


def _list(env: Mapping[str, str], name: str) -> list[str] | None:
    items = [h.strip() for h in (env.get(name) or "").split(",") if h.strip()]
    return items or None


def from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    """Every setting the app reads, from `env` (os.environ) with the embedded defaults."""
    production = _flag(env, "PRODUCTION", False)
    sandbox = _flag(env, "SANDBOX", False)  # on only when asked for (make run, the tests)
    secure = _flag(env, "SESSION_COOKIE_SECURE", production)
    settings: dict[str, Any] = {
        "PRODUCTION": production,
        # A development key only for a sandbox on a developer's machine.
        "SECRET_KEY": env.get("SECRET_KEY") or ("dev-only-not-secret" if sandbox and not production else ""),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'ed24.sqlite3'}",
        "SANDBOX": sandbox,
        "SANDBOX_API_TOKEN": env.get("SANDBOX_API_TOKEN") or None,
        # Only for a load-test stack that runs the production config on sandbox data.
        "ALLOW_SANDBOX_IN_PRODUCTION": _flag(env, "ALLOW_SANDBOX_IN_PRODUCTION", False),
        "SITE_CITY": env.get("SITE_CITY") or "Павлодар",
        "ACCESSIBILITY_EMAIL": env.get("ACCESSIBILITY_EMAIL") or "support@ed24.kz",
        "APP_STORE_URL": env.get("APP_STORE_URL") or "https://play.google.com/store/search?q=ed24.kz&c=apps",
        # Hosts this site answers for (Flask refuses others), and the reverse proxies
        # in front of it (X-Forwarded-For is trusted for exactly that many hops).
        # Off production, loopback only unless set: a web page cannot reach a local
        # sandbox through DNS rebinding.
        "TRUSTED_HOSTS": _list(env, "TRUSTED_HOSTS") or (None if production else list(LOOPBACK_HOSTS)),
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", -1) if env.get("TRUSTED_PROXIES") else None,
        "SESSION_COOKIE_SECURE": secure,
        # Over https the cookies carry the __Host- prefix: set by this host only, for all of it.
        "SESSION_COOKIE_NAME": "__Host-ed24_session" if secure else "ed24_session",
        "KNOWN_DEVICE_COOKIE": "__Host-ed24_device" if secure else "ed24_device",
        "SESSION_LIFETIME_MINUTES": _int(env, "SESSION_LIFETIME_MINUTES", 30),
        # Request rates per client address (Flask-Limiter, real time).
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_ENABLED": _flag(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_FORMS": env.get("RATELIMIT_FORMS") or "60 per minute;600 per hour",
        "RATELIMIT_FRAGMENTS": env.get("RATELIMIT_FRAGMENTS") or "300 per minute",
        # Account-protecting counts per client address (database, app clock).
        "SIGNIN_FAILURES_PER_ADDRESS": _int(env, "SIGNIN_FAILURES_PER_ADDRESS", 50),
        "RECOVERY_STARTS_PER_ADDRESS": _int(env, "RECOVERY_STARTS_PER_ADDRESS", 20),
        "CODE_FAILURES_PER_ADDRESS": _int(env, "CODE_FAILURES_PER_ADDRESS", 20),
        "REREG_FAILURES_PER_ADDRESS": _int(env, "REREG_FAILURES_PER_ADDRESS", 30),
        "BINDING_SMS_PER_ADDRESS": _int(env, "BINDING_SMS_PER_ADDRESS", 10),
    }
    for name in SANDBOX_GATEWAYS:
        settings[name] = env.get(name) or None
    return settings


def complete(config: dict[str, Any]) -> None:
    """With the sandbox on, the gateways not named otherwise are the sandbox's."""
    for name, sandbox_path in SANDBOX_GATEWAYS.items():
        if config.get("SANDBOX") and not config.get(name):
            config[name] = sandbox_path


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
    # its CPU (measured: 0.031 against 0.050 ms a page); brotli for a client without gzip.
    "COMPRESS_ALGORITHM": ["gzip", "br"],
    "COMPRESS_MIN_SIZE": 300,
    # Pages are no-store and static files answer conditional requests themselves.
    "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript", "text/javascript",
                           "image/svg+xml", "application/manifest+json", "application/json"],
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
}


ADDRESS_LIMITS = ("SIGNIN_FAILURES_PER_ADDRESS", "RECOVERY_STARTS_PER_ADDRESS", "CODE_FAILURES_PER_ADDRESS",
                  "REREG_FAILURES_PER_ADDRESS", "BINDING_SMS_PER_ADDRESS")


class UnsafeConfiguration(RuntimeError):
    """The app was asked to start with settings it cannot run with safely; says which."""


def problems(config: Mapping[str, Any]) -> list[str]:
    """What every deployment needs, one line per setting, naming it."""
    found = []
    if not config.get("SECRET_KEY"):
        found.append("SECRET_KEY: set a random value of 32+ characters (or SANDBOX=1 on a developer's machine)")
    for name in SANDBOX_GATEWAYS:
        if not config.get(name):
            found.append(f"{name}: set the import path of the adapter (module:Class), or SANDBOX=1")
    for name in ADDRESS_LIMITS:
        if int(config.get(name) or 0) < 1:
            found.append(f"{name}: must be at least 1")
    return found


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """What PRODUCTION=1 refuses besides, one line per setting, naming it."""
    problems = []
    allowed = config.get("ALLOW_SANDBOX_IN_PRODUCTION")
    key = config.get("SECRET_KEY") or ""
    if key and (len(key) < 32 or len(set(key)) < 16):
        problems.append("SECRET_KEY: set a random value of 32+ characters")
    if config.get("SANDBOX") and not allowed:
        problems.append("SANDBOX: must be 0 in production (codes are readable by anyone in the sandbox)")
    if config.get("SANDBOX") and allowed and not config.get("SANDBOX_API_TOKEN"):
        problems.append("SANDBOX_API_TOKEN: a sandbox on the production stack needs a token for its API")
    for name in SANDBOX_GATEWAYS:
        path = config.get(name) or ""
        if path.startswith("webapp.sandbox") and not allowed:
            problems.append(f"{name}: {path} is the sandbox; set the real adapter's import path")
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        problems.append("RATELIMIT_STORAGE_URI: memory:// is per worker; use redis://host:6379")
    if not config.get("TRUSTED_HOSTS"):
        problems.append("TRUSTED_HOSTS: list the host names this site answers for (comma-separated)")
    if config.get("TRUSTED_PROXIES") is None or config["TRUSTED_PROXIES"] < 0:
        problems.append("TRUSTED_PROXIES: say how many reverse proxies stand in front (1 behind one nginx, 0 for none)")
    if not config.get("RATELIMIT_ENABLED", True):
        problems.append("RATELIMIT_ENABLED: request limits cannot be off in production")
    if not config.get("SESSION_COOKIE_SECURE") and not allowed:
        problems.append("SESSION_COOKIE_SECURE: cookies must be https-only in production")
    if str(config.get("DATABASE_URL", "")).startswith("sqlite") and not allowed:
        problems.append("DATABASE_URL: use PostgreSQL (postgresql+psycopg://…) with several workers")
    return problems


def check(config: dict[str, Any]) -> None:
    complete(config)
    found = problems(config) + (production_problems(config) if config.get("PRODUCTION") else [])
    if found:
        raise UnsafeConfiguration("the app refuses to start:\n  " + "\n  ".join(found))


def environment() -> dict[str, Any]:
    return from_environment(os.environ)
