"""Languages: the URL prefix decides (/ru, /kk); a cookie remembers the choice for "/".

Flask-Babel does the translating, as it is: gettext, ngettext and lazy_gettext
everywhere, so force_locale and the per-request locale always hold.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask, abort, current_app, g, request, url_for
from flask_babel import Babel, gettext, ngettext
from werkzeug.exceptions import HTTPException

from .deps import now
from ..services.clock import as_utc, reference_time, whole_seconds

babel = Babel()
LANG_COOKIE = "lang"
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский"}
# Query parameters that are part of a page's place, kept by the language switch.
KEPT_QUERY = ("next", "back", "confirm", "token")


def current_lang() -> str:
    return getattr(g, "lang", None) or current_app.config["BABEL_DEFAULT_LOCALE"]


def preferred_lang() -> str:
    """For "/": the cookie, else Accept-Language (kk if preferred over ru), else ru."""
    languages = current_app.config["LANGUAGES"]
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie is not None and cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "ru"


def switch_url(lang: str) -> str:
    """The same page in another language; the flow's state is in the session, so it stays.

    A page shown in answer to a POST links to the page at that address (or the
    flow's page): the same step, without sending the form again."""
    args: dict[str, Any] = {}
    endpoint = request.endpoint if request.method == "GET" else None
    if endpoint is None and request.url_rule is not None:
        try:
            endpoint, matched = current_app.url_map.bind("").match(request.path, method="GET")
            args = dict(matched)
        except HTTPException:
            candidate = f"{request.blueprint}.page"
            endpoint = candidate if candidate in current_app.view_functions else None
    elif request.view_args:
        args = dict(request.view_args)
    if endpoint is None or not current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        return url_for("site.home", lang=lang)
    args.update(lang=lang)
    args.update({k: v for k, v in request.args.items() if k in KEPT_QUERY})
    return url_for(endpoint, **args)


def duration(td: timedelta) -> str:
    """"через 14 минут" / "14 минуттан кейін": a wait in words, in the page's language."""
    seconds = max(1, whole_seconds(td))
    if seconds < 60:
        return ngettext("через %(num)d секунду", "через %(num)d секунд", seconds)
    minutes = -(-seconds // 60)
    if minutes < 60:
        return ngettext("через %(num)d минуту", "через %(num)d минут", minutes)
    hours = -(-minutes // 60)
    if hours <= 48:
        return ngettext("через %(num)d час", "через %(num)d часов", hours)
    return ngettext("через %(num)d день", "через %(num)d дней", -(-hours // 24))


def error_title(title: str, has_errors: bool) -> str:
    return gettext("Ошибка: %(title)s", title=title) if has_errors else title


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=current_lang)

    @app.url_value_preprocessor
    def _pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None and "lang" in values:
            lang = values.pop("lang")
            if lang not in app.config["LANGUAGES"]:
                abort(404)
            g.lang = lang

    @app.before_request
    def _lang_of_unmatched_paths() -> None:
        """A 404 under /kk/ is still answered in Kazakh."""
        if getattr(g, "lang", None) is None:
            prefix = request.path.strip("/").split("/", 1)[0]
            if prefix in app.config["LANGUAGES"]:
                g.lang = prefix

    localized: set[str] = set()  # the endpoints under /<lang>, read once the URL map is complete

    @app.url_defaults
    def _push_lang(endpoint: str, values: dict[str, Any]) -> None:
        if not localized:
            localized.update(rule.endpoint for rule in app.url_map.iter_rules() if "lang" in rule.arguments)
        if "lang" not in values and endpoint in localized:
            values["lang"] = current_lang()

    @app.after_request
    def _remember(response: Any) -> Any:
        lang = getattr(g, "lang", None)
        if lang and request.cookies.get(LANG_COOKIE) != lang and response.mimetype == "text/html":
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True, secure=app.config["SESSION_COOKIE_SECURE"])
        return response

    @app.context_processor
    def _shell() -> dict[str, Any]:
        lang = current_lang()
        other = "kk" if lang == "ru" else "ru"
        return {
            "lang": lang,
            "other_lang": other,
            "other_lang_name": LANG_NAMES[other],
            "switch_url": switch_url,
            "server_time": lambda: reference_time(now()),  # read only by pages that show it
            "site_city": app.config["SITE_CITY"],
            "duration": duration,
            "error_title": error_title,
            "format_time": lambda moment: reference_time(as_utc(moment)),
            "format_iso": lambda text: reference_time(as_utc(datetime.fromisoformat(text))),
            "sandbox": app.config["SANDBOX"],
        }
