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
    sandbox = _flag(env, "SANDBOX", not production)
    settings: dict[str, Any] = {
        "PRODUCTION": production,
        "SECRET_KEY": env.get("SECRET_KEY") or ("" if production else "dev-only-not-secret"),
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
        "TRUSTED_HOSTS": _list(env, "TRUSTED_HOSTS"),
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "SESSION_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", production),
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
    for name, sandbox_path in SANDBOX_GATEWAYS.items():
        settings[name] = env.get(name) or (sandbox_path if sandbox else None)
    return settings


# Fixed for every deployment.
DEFAULTS: dict[str, Any] = {
    "LANGUAGES": ("ru", "kk"),
    "BABEL_DEFAULT_LOCALE": "ru",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "WTF_CSRF_HEADERS": ["X-CSRFToken"],
    "WTF_I18N_ENABLED": False,    # every message is ours (messages.py), in both languages
    "SESSION_COOKIE_NAME": "ed24_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Redis away (a restart): each worker keeps limiting in its own memory until it is
    # back; the limits never open. The account limits live in the database regardless.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_MIN_SIZE": 300,
    # Pages are no-store and static files answer conditional requests themselves.
    "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript", "text/javascript",
                           "image/svg+xml", "application/manifest+json", "application/json"],
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
}


class UnsafeConfiguration(RuntimeError):
    """Production was asked to start with a setting that is only safe in a sandbox."""


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """What PRODUCTION=1 refuses, one line per setting, naming it."""
    problems = []
    allowed = config.get("ALLOW_SANDBOX_IN_PRODUCTION")
    if len(config.get("SECRET_KEY") or "") < 32:
        problems.append("SECRET_KEY: set a random value of 32+ characters")
    if config.get("SANDBOX") and not allowed:
        problems.append("SANDBOX: must be 0 in production (codes are readable by anyone in the sandbox)")
    if config.get("SANDBOX") and allowed and not config.get("SANDBOX_API_TOKEN"):
        problems.append("SANDBOX_API_TOKEN: a sandbox on the production stack needs a token for its API")
    for name in SANDBOX_GATEWAYS:
        path = config.get(name) or ""
        if not path:
            problems.append(f"{name}: set the import path of the real adapter (module:Class)")
        elif path.startswith("webapp.sandbox") and not allowed:
            problems.append(f"{name}: {path} is the sandbox; set the real adapter's import path")
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        problems.append("RATELIMIT_STORAGE_URI: memory:// is per worker; use redis://host:6379")
    if not config.get("TRUSTED_HOSTS"):
        problems.append("TRUSTED_HOSTS: list the host names this site answers for (comma-separated)")
    if str(config.get("DATABASE_URL", "")).startswith("sqlite") and not allowed:
        problems.append("DATABASE_URL: use PostgreSQL (postgresql+psycopg://…) with several workers")
    return problems


def check(config: Mapping[str, Any]) -> None:
    if config.get("PRODUCTION"):
        problems = production_problems(config)
        if problems:
            raise UnsafeConfiguration("production refuses to start:\n  " + "\n  ".join(problems))


def environment() -> dict[str, Any]:
    return from_environment(os.environ)
