"""Error pages in the page's language (a sentence for htmx), and the localized 503 when the
database is away. An error page never asks the session store again: it may be what failed."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from . import messages
from .extensions import bad_csrf_over_limit
from .sessions import ServerSession

log = logging.getLogger("ed24")


def _texts(status: int) -> tuple[str, str]:
    """The title and the sentence of an error page, in the page's language."""
    titles = {
        400: (_("Неверный запрос"), _("Не удалось выполнить запрос. Начните с главной страницы.")),
        404: (_("Страница не найдена"),
              _("Такой страницы нет. Проверьте адрес или начните с главной страницы.")),
        405: (_("Действие недоступно"), _("Это действие так не выполняется. Начните с главной страницы.")),
        413: (_("Слишком много данных"), _("Отправлено слишком много данных. Проверьте поля и повторите.")),
        429: (_("Слишком много запросов"),
              _("С вашего IP-адреса слишком много запросов. Подождите минуту и повторите.")),
        503: (_("Сервис временно недоступен"), str(messages.UNAVAILABLE)),
    }
    return titles.get(status) or (_("Внутренняя ошибка"), _(
        "Что-то пошло не так. Мы уже знаем об этом. Попробуйте ещё раз позже."))


def error_page(status: int, title: str | None = None, text: str | None = None) -> Any:
    default_title, default_text = _texts(status)
    title, text = title or default_title, text or default_text
    if request.htmx:  # type: ignore[attr-defined]
        return text, status
    return render_template("error.html", title=title, text=text), status


def _set_session_aside() -> None:
    if isinstance(session, ServerSession):
        session.set_aside()


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def _untrusted_host(_e: SecurityError) -> Any:
        # A Host outside TRUSTED_HOSTS: no URL of this site can be built for it.
        return "Неверный запрос · Қате сұрау", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> Any:
        # Counted apart from the address's budget: another site's form cannot spend it.
        if bad_csrf_over_limit():
            return error_page(429)
        return error_page(400, _("Страница устарела"), _("Страница устарела. Обновите страницу и повторите."))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> Any:
        return error_page(e.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(e: Exception) -> Any:
        log.error("database unavailable", extra={"event": "database_unavailable", "error": type(e).__name__})
        _set_session_aside()
        return error_page(503)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> Any:
        current_app.logger.error("unexpected error", exc_info=e, extra={"event": "unexpected_error"})
        _set_session_aside()
        return error_page(500)
