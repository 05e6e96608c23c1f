"""Languages: the URL prefix decides (/ru, /kk); a cookie remembers the choice."""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask import Flask, abort, current_app, g, request, url_for
from markupsafe import Markup, escape
from flask_babel import Babel, get_locale, get_translations

from .services.clock import as_utc, reference_time

babel = Babel()
LANG_COOKIE = "lang"
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский"}


def current_lang() -> str:
    return getattr(g, "lang", None) or current_app.config["BABEL_DEFAULT_LOCALE"]


def preferred_lang() -> str:
    """For "/": the cookie, else Accept-Language (kk if preferred over ru), else ru."""
    languages = current_app.config["LANGUAGES"]
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "ru"


def switch_url(lang: str) -> str:
    """The same page in another language: flow state lives in the session, so it is kept."""
    if request.endpoint and request.url_rule and "lang" in request.url_rule.arguments:
        args = dict(request.view_args or {})
        args["lang"] = lang
        query = {k: v for k, v in request.args.items() if k in ("next",)}
        return url_for(request.endpoint, **args, **query)
    return url_for("site.home", lang=lang)


def duration(td: timedelta) -> str:
    """"через 14 минут": a wait in words, in the page's language."""
    seconds = max(1, int(-(-td.total_seconds() // 1)))
    if seconds < 60:
        return ngettext("через %(num)d секунду", "через %(num)d секунд", seconds)
    minutes = -(-seconds // 60)
    if minutes <= 180:
        return ngettext("через %(num)d минуту", "через %(num)d минут", minutes)
    hours = -(-minutes // 60)
    if hours <= 48:
        return ngettext("через %(num)d час", "через %(num)d часов", hours)
    return ngettext("через %(num)d день", "через %(num)d дней", -(-hours // 24))


# Translations per language, looked up once: Flask-Babel walks several context
# proxies on every call, and a page makes ~60 of them.
_translations: dict[str, Any] = {}


def current_translations() -> Any:
    lang = getattr(g, "lang", None)
    if lang is None:  # outside a /ru or /kk request (CLI, force_locale): Flask-Babel decides
        return get_translations()
    found = _translations.get(lang)
    if found is None:
        found = get_translations()
        if str(get_locale()) == lang:  # not inside a force_locale() block
            _translations[lang] = found
    return found


class LazyText:
    """A message translated when shown, in the language of the page showing it."""

    __slots__ = ("msgid",)

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return current_translations().ugettext(self.msgid)

    def __html__(self) -> Markup:
        return escape(str(self))

    def __repr__(self) -> str:
        return f"LazyText({self.msgid!r})"

    def lower(self) -> str:
        return str(self).lower()


lazy_gettext = LazyText


def gettext(msgid: str, **variables: Any) -> str:
    """flask_babel.gettext, through the per-language cache (same %-formatting)."""
    text = current_translations().ugettext(msgid)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return current_translations().ungettext(singular, plural, num) % variables


def _install_fast_template_helpers(app: Flask) -> None:
    """Templates call gettext ~60 and url_for ~20 times a page: resolve both cheaply.

    URLs depend only on the endpoint, its values, the language and the script
    root, so each is built once.
    """
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: current_translations().ugettext(s),
        lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
    )
    expects_lang: dict[str, bool] = {}

    @lru_cache(maxsize=4096)
    def build(script_root: str, endpoint: str, items: tuple[tuple[str, Any], ...]) -> str:
        return url_for(endpoint, **dict(items))

    def cached_url_for(endpoint: str, **values: Any) -> str:
        if endpoint not in expects_lang:
            expects_lang[endpoint] = app.url_map.is_endpoint_expecting(endpoint, "lang")
        if expects_lang[endpoint]:
            values.setdefault("lang", current_lang())
        if "_external" in values:  # depends on the host: never cached
            return url_for(endpoint, **values)
        try:
            return build(request.script_root, endpoint, tuple(sorted(values.items())))
        except TypeError:  # an unhashable value: build it directly
            return url_for(endpoint, **values)

    app.jinja_env.globals["url_for"] = cached_url_for


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=current_lang)
    _install_fast_template_helpers(app)

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

    @app.url_defaults
    def _push_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
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
            "server_time": reference_time(app.extensions["clock"].now()),
            "site_city": app.config["SITE_CITY"],
            "duration": duration,
            "error_title": error_title,
            "format_time": lambda moment: reference_time(as_utc(moment)),
        }


def error_title(title: str, has_errors: bool) -> str:
    return gettext("Ошибка: %(title)s", title=title) if has_errors else title
