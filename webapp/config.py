"""Configuration: defaults for the embedded sandbox, overridden by the environment."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw and raw.strip().isdigit() else default


class Config:
    """Development default: SQLite under instance/, sandbox on."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'ed24.sqlite3'}"
    SANDBOX = _flag("SANDBOX", True)
    SITE_CITY = os.environ.get("SITE_CITY") or "Павлодар"
    LANGUAGES = ("ru", "kk")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    # Every message is ours (messages.py); loading WTForms' own catalog per form cost
    # 0.4 ms a request.
    WTF_I18N_ENABLED = False
    SESSION_COOKIE_NAME = "ed24_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
    SESSION_LIFETIME_MINUTES = _int("SESSION_LIFETIME_MINUTES", 30)
    MAX_CONTENT_LENGTH = 64 * 1024
    # Per-client-address limits (Flask-Limiter syntax and failure counts), sized
    # for a household or an office behind one address.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    RATELIMIT_FORMS = os.environ.get("RATELIMIT_FORMS") or "60 per minute;600 per hour"
    RATELIMIT_FRAGMENTS = os.environ.get("RATELIMIT_FRAGMENTS") or "240 per minute"
    SIGNIN_FAILURES_PER_ADDRESS = _int("SIGNIN_FAILURES_PER_ADDRESS", 50)
    REREG_ATTEMPTS_PER_ADDRESS = _int("REREG_ATTEMPTS_PER_ADDRESS", 30)
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    APP_STORE_URL = os.environ.get("APP_STORE_URL") or "https://play.google.com/store/search?q=ed24.kz&c=apps"
    HSTS = False
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 300
    COMPRESS_MIMETYPES = ["text/html", "text/css", "application/javascript",
                          "text/javascript", "image/svg+xml", "application/manifest+json"]
    SEND_FILE_MAX_AGE_DEFAULT = 3600


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    DATABASE_URL = "sqlite://"
    SANDBOX = True
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    SANDBOX = _flag("SANDBOX", False)
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", True)
    HSTS = True

    @classmethod
    def check(cls) -> None:
        if not os.environ.get("SECRET_KEY") or len(os.environ["SECRET_KEY"]) < 32:
            raise RuntimeError("ProductionConfig needs SECRET_KEY (32+ characters) in the environment")
        if _flag("SANDBOX", False):
            raise RuntimeError("ProductionConfig refuses SANDBOX=1: the sandbox is for tests only")
