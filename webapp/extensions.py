"""Flask extensions, created once and bound in create_app."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from .auth import client_address

csrf = CSRFProtect()
compress = Compress()
htmx = Htmx()
# Request rates per client address (the same address the account limits use).
limiter = Limiter(key_func=client_address, default_limits=[])


def forms_limit() -> str:
    return current_app.config["RATELIMIT_FORMS"]


def fragments_limit() -> str:
    return current_app.config["RATELIMIT_FRAGMENTS"]


def only_posts() -> bool:
    """Pages can be read freely; what a client address may repeat is the POSTs."""
    return request.method != "POST"


def init_app(app: Flask) -> None:
    # The limiter first: requests are counted even when their CSRF token is bad.
    limiter.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    htmx.init_app(app)
