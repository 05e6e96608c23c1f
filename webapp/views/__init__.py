"""Blueprints (one per flow), error pages and what every template may use."""
from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request, url_for
from ..i18n import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from markupsafe import Markup

from .. import messages
from ..i18n import current_lang

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static"


@lru_cache(maxsize=64)
def _static_version(path: str) -> str:
    try:
        return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(path: str) -> str:
    """Static files carry a content hash, so they can be cached for a year."""
    return _static_url(request.script_root, path)


@lru_cache(maxsize=64)
def _static_url(script_root: str, path: str) -> str:
    return url_for("static", filename=path, v=_static_version(path))


def shared_partial(template: str, section: str | None = None) -> Markup:
    """Page parts that depend only on the language (and menu section): rendered once each."""
    return _shared_partial(current_lang(), request.script_root, template, section)


@lru_cache(maxsize=64)
def _shared_partial(lang: str, script_root: str, template: str, section: str | None) -> Markup:
    return Markup(render_template(template, section=section))


def checklist_summary(check: Any) -> str:
    met = sum(check.met.values()) if check else 0
    total = len(messages.CHECKLIST)
    return _("Требования к паролю: выполнено %(met)d из %(total)d", met=met, total=total)


def init_app(app: Flask) -> None:
    from . import cabinet, fragments, help, login, recovery, reregister, sandbox_app, site

    for module in (site, login, cabinet, recovery, reregister, help, fragments):
        app.register_blueprint(module.bp)
    if app.config["SANDBOX"]:
        app.register_blueprint(sandbox_app.bp)
        sandbox_app.register_short_url(app)
    site.register_root(app)

    # Globals, not a context processor: macros imported by templates see globals only.
    app.jinja_env.globals.update(
        static_url=static_url,
        shared_partial=shared_partial,
        checklist_rules=list(messages.CHECKLIST.items()),
        password_problems=messages.PASSWORD_PROBLEMS,
        checklist_summary=checklist_summary,
        sandbox=app.config["SANDBOX"],
    )

    @app.after_request
    def _long_cache_for_static(response: Any) -> Any:
        if request.endpoint == "static" and request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    def error_page(status: int, title: str, text: str) -> Any:
        if request.headers.get("HX-Request"):
            return text, status
        return render_template("error.html", title=title, text=text, status=status), status

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> Any:
        return error_page(400, _("Страница устарела"),
                          _("Страница устарела. Обновите страницу и повторите."))

    @app.errorhandler(404)
    def _not_found(_e: Exception) -> Any:
        return error_page(404, _("Страница не найдена"),
                          _("Такой страницы нет. Проверьте адрес или начните с главной страницы."))

    @app.errorhandler(405)
    def _method(_e: Exception) -> Any:
        return error_page(405, _("Действие недоступно"),
                          _("Это действие так не выполняется. Начните с главной страницы."))

    @app.errorhandler(413)
    def _too_large(_e: Exception) -> Any:
        return error_page(413, _("Слишком много данных"),
                          _("Отправлено слишком много данных. Проверьте поля и повторите."))

    @app.errorhandler(429)
    def _too_many(_e: Exception) -> Any:
        return error_page(429, _("Слишком много запросов"),
                          _("С вашего адреса слишком много запросов. Подождите минуту и повторите."))

    @app.errorhandler(503)
    def _unavailable(_e: Exception) -> Any:
        return error_page(503, _("Сервис временно недоступен"), str(messages.UNAVAILABLE))

    @app.errorhandler(OperationalError)
    def _database_down(e: OperationalError) -> Any:
        log.error("database unavailable: %s", type(e.orig).__name__ if e.orig else "?")
        return error_page(503, _("Сервис временно недоступен"), str(messages.UNAVAILABLE))

    @app.errorhandler(HTTPException)
    def _other_http(e: HTTPException) -> Any:
        return error_page(e.code or 500, e.name, _("Не удалось выполнить запрос. Начните с главной страницы."))

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> Any:
        log.exception("unexpected error")
        return error_page(500, _("Внутренняя ошибка"),
                          _("Что-то пошло не так. Мы уже знаем об этом. Попробуйте ещё раз позже."))
