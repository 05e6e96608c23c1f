"""Flask extensions, created once and bound in create_app."""
from __future__ import annotations

from flask import Flask, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

csrf = CSRFProtect()
compress = Compress()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def forms_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_FORMS"]


def fragments_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_FRAGMENTS"]


def only_posts() -> bool:
    """Pages can be read freely; what a client address may repeat is the POSTs."""
    return request.method != "POST"


def init_app(app: Flask) -> None:
    # The limiter first: requests are counted even when their CSRF token is bad.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    htmx.init_app(app)
    if app.config.get("PROXY_FIX_X_FOR"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
