"""Blueprints (one per flow), error pages and what every template may use."""
from __future__ import annotations

import hashlib
from urllib.parse import quote
import logging
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from .. import messages
from ..sessions import ServerSession

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static"


def static_versions() -> dict[str, str]:
    """A content hash per static file, computed at start: files are cached for a year."""
    return {str(p.relative_to(STATIC)): hashlib.sha256(p.read_bytes()).hexdigest()[:10]
            for p in STATIC.rglob("*") if p.is_file()}


def init_app(app: Flask) -> None:
    from . import cabinet, fragments, help, login, recovery, reregister, site

    for module in (site, login, cabinet, recovery, reregister, help, fragments):
        app.register_blueprint(module.bp)
    site.register_root(app)
    if app.config["SANDBOX"]:
        from . import sandbox_api, sandbox_app

        app.register_blueprint(sandbox_app.bp)
        app.register_blueprint(sandbox_api.bp)
        sandbox_app.register_short_url(app)

    versions = static_versions()

    def static_url(path: str) -> str:
        return url_for("static", filename=path, v=versions.get(path))

    # Globals, not a context processor: macros imported by templates see globals only.
    app.jinja_env.globals.update(
        static_url=static_url,
        checklist_rules=list(messages.CHECKLIST.items()),
        checklist_summary=messages.checklist_summary,
        password_problems=messages.PASSWORD_PROBLEMS,
        example_iin=messages.EXAMPLE_IIN,
        example_phone=messages.EXAMPLE_PHONE,
        event_text=messages.event_text,
        accessibility_email=app.config["ACCESSIBILITY_EMAIL"],
        # 188 bytes inline: one request less for a first visit on a slow network.
        icon_data_uri="data:image/svg+xml," + quote((STATIC / "icons/icon.svg").read_text(encoding="utf-8")),
    )

    @app.after_request
    def _long_cache_for_static(response: Any) -> Any:
        if request.endpoint == "static" and request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    _register_error_pages(app)


def _error_texts(status: int) -> tuple[str, str]:
    """The title and the sentence of an error page, in the page's language."""
    titles = {
        400: (_("Неверный запрос"), _("Не удалось выполнить запрос. Начните с главной страницы.")),
        404: (_("Страница не найдена"),
              _("Такой страницы нет. Проверьте адрес или начните с главной страницы.")),
        405: (_("Действие недоступно"), _("Это действие так не выполняется. Начните с главной страницы.")),
        413: (_("Слишком много данных"), _("Отправлено слишком много данных. Проверьте поля и повторите.")),
        429: (_("Слишком много запросов"),
              _("С вашего адреса слишком много запросов. Подождите минуту и повторите.")),
        503: (_("Сервис временно недоступен"), str(messages.UNAVAILABLE)),
    }
    return titles.get(status) or (_("Внутренняя ошибка"), _(
        "Что-то пошло не так. Мы уже знаем об этом. Попробуйте ещё раз позже."))


def error_page(status: int, title: str | None = None, text: str | None = None) -> Any:
    default_title, default_text = _error_texts(status)
    title, text = title or default_title, text or default_text
    if request.htmx:  # type: ignore[attr-defined]
        return text, status
    return render_template("error.html", title=title, text=text), status


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def _untrusted_host(_e: SecurityError) -> Any:
        # A Host outside TRUSTED_HOSTS: no URL of this site can be built for it.
        return "Неверный запрос · Қате сұрау", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> Any:
        return error_page(400, _("Страница устарела"), _("Страница устарела. Обновите страницу и повторите."))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> Any:
        return error_page(e.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(e: Exception) -> Any:
        log.error("database unavailable: %s", type(e).__name__)
        _set_session_aside()
        return error_page(503)

    @app.errorhandler(Exception)
    def _unexpected(_e: Exception) -> Any:
        log.exception("unexpected error")
        _set_session_aside()
        return error_page(500)


def _set_session_aside() -> None:
    """An error page must not ask the session store again: it may be what failed."""
    if isinstance(session, ServerSession):
        session.set_aside()
