"""/api/app/v1: the ed24.kz app's API (the sandbox emulator is one client of it).

JSON only, no cookies, no CSRF: the app authenticates with a bearer device token
it got from a binding. Errors are JSON with a stable `code` and a `message` in the
language of Accept-Language (kk or ru). The same limits as the pages apply (the
services count them); request rates per address come from RATELIMIT_API.
The contract is openapi.json beside this file (served at /api/app/v1/openapi.json).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask_babel import force_locale
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ..web.extensions import api_limit, csrf, limiter

OPENAPI = Path(__file__).resolve().parent / "openapi.json"
LANGS = ("ru", "kk")

bp = Blueprint("app_api", __name__, url_prefix="/api/app/v1")
csrf.exempt(bp)
limiter.limit(api_limit)(bp)


class ApiError(Exception):
    """A refusal with a stable code; its message is worded in the caller's language."""

    def __init__(self, status: int, code: str, message: Any, *, retry_after: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.retry_after, self.field = retry_after, field


def caller_lang() -> str:
    return request.accept_languages.best_match(LANGS) or "ru"


def error_response(error: ApiError) -> Response:
    with force_locale(caller_lang()):
        body: dict[str, Any] = {"code": error.code, "message": str(error.message)}
    if error.retry_after is not None:
        body["retry_after"] = error.retry_after
    if error.field is not None:
        body["field"] = error.field
    response = jsonify(body)
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ed24.kz app"'
    return response


@bp.errorhandler(ApiError)
def _refused(error: ApiError) -> Response:
    return error_response(error)


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> Response:
    from flask_babel import lazy_gettext as _l

    codes = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
             415: "unsupported_media_type", 429: "rate_limited"}
    words = {429: _l("Слишком много запросов. Подождите минуту и повторите."),
             413: _l("Слишком большой запрос.")}
    status = error.code or 500
    response = error_response(ApiError(status, codes.get(status, "error"),
                                       words.get(status, _l("Неверный запрос."))))
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def _database_down(_error: Exception) -> Response:
    from flask_babel import lazy_gettext as _l

    return error_response(ApiError(503, "unavailable",
                                   _l("Сервис временно недоступен. Попробуйте ещё раз через несколько минут."),
                                   retry_after=30))


def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document


def init_app(app: Flask) -> None:
    from . import app_v1  # noqa: F401  (its routes)

    app.register_blueprint(bp)

    def _unrouted(error: HTTPException) -> Any:
        """No route matched (404), or not with this method (405): Flask asks no blueprint then,
        so the API's own paths are answered in JSON here; every other path gets the page."""
        if request.path.startswith(f"{bp.url_prefix}/"):
            return _http(error)
        from ..web.errors import error_page

        return error_page(error.code or 404)

    app.register_error_handler(404, _unrouted)
    app.register_error_handler(405, _unrouted)
