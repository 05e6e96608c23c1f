"""Flask extensions, created once and bound in create_app."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect, validate_csrf
from htmx_flask import Htmx
from wtforms import ValidationError

from .deps import client_address, namespace, secret_keys


class RotatingCSRFProtect(CSRFProtect):
    """CSRF tokens signed with SECRET_KEY, or with a key of SECRET_KEY_FALLBACKS (Flask-WTF
    reads only the one key): a key rotation does not break the form a parent has open."""

    def protect(self, apply_exemptions: bool = False) -> None:
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        token = self._get_csrf_token()
        problem = "The CSRF token is missing."
        for key in reversed(secret_keys()):  # the current key first
            try:
                validate_csrf(token, secret_key=key)
            except ValidationError as exc:
                problem = exc.args[0]
                continue
            g.csrf_valid = True
            return
        self._error_response(problem)


def limit_key() -> str:
    """Request rates count per client address, and per sandbox namespace apart."""
    space = namespace()
    return f"{space.id}|{client_address()}" if space is not None else client_address()


csrf = RotatingCSRFProtect()
compress = Compress()
htmx = Htmx()
limiter = Limiter(key_func=limit_key, default_limits=[])


def forms_limit() -> str:
    return current_app.config["RATELIMIT_FORMS"]


def fragments_limit() -> str:
    return current_app.config["RATELIMIT_FRAGMENTS"]


def api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def only_posts() -> bool:
    """Pages can be read freely; what a client address may repeat is the POSTs."""
    return request.method != "POST"


def bad_csrf_over_limit() -> bool:
    """A POST with a missing or bad CSRF token (another site's form can send those) counts in
    a bucket of its own, never against the parents behind the same address."""
    from limits import parse

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False
    item = parse(current_app.config["RATELIMIT_BAD_CSRF"])
    return not limiter.limiter.hit(item, "bad-csrf", limit_key())


def init_app(app: Flask) -> None:
    # CSRF first: a request is counted against its address only once its token is valid.
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    htmx.init_app(app)

