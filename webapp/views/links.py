"""The link in a code message: /r/<token> → the link's page → "Продолжить" opens the
password step in this browser. Opening the link (GET) uses nothing: previews and
scanners open links; only the page's POST redeems it."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..db import get_db
from ..services import links
from ..services.recovery import Recovery
from ..web import flowstate, messages
from ..web.auth import renew_session_id
from ..web.deps import deps
from ..web.errors import error_page
from ..web.extensions import forms_limit, limiter, only_posts
from ..web.i18n import preferred_lang

bp = Blueprint("links", __name__, url_prefix="/<lang>/cabinet/recovery/link")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)
SESSION_KEY = "link"  # the opened link's hash (never the token) until "Продолжить"


def _private(response: Response) -> Response:
    """The link's pages are nobody's business but the browser's: no caching, no referrer, no index."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def register_short_url(app: Flask) -> None:
    @app.get(f"{links.PATH}<token>")
    def open_link(token: str) -> ResponseReturnValue:
        if not links.well_formed(token):
            abort(404)
        found = links.look(deps(), token)
        if isinstance(found, links.TooManyUnknown):
            return _private(app.make_response(error_page(429)))
        if isinstance(found, links.Opened):
            session[SESSION_KEY] = found.token_hash
        else:
            session.pop(SESSION_KEY, None)
        lang = found.lang or preferred_lang()  # the message's language (a dead link's too), else the visitor's
        return _private(redirect(url_for("links.page", lang=lang), code=303))


def _opened() -> str | None:
    token_hash = session.get(SESSION_KEY)
    return token_hash if isinstance(token_hash, str) and len(token_hash) == 64 else None


@bp.get("")
def page() -> ResponseReturnValue:
    token_hash = _opened()
    valid = token_hash is not None and links.still_valid(deps(), token_hash)
    response = render_template("recovery_link.html", valid=valid,
                               problem=None if valid else str(messages.LINK_INVALID))
    return _private(Response(response, mimetype="text/html"))


@bp.post("")
def use() -> ResponseReturnValue:
    token_hash = _opened()
    session.pop(SESSION_KEY, None)
    state = Recovery(deps()).open_link(token_hash) if token_hash else links.Invalid()
    if isinstance(state, links.Invalid):
        return _private(redirect(url_for("links.page"), code=303))
    flowstate.start_afresh(keep=state)
    renew_session_id()  # the session may now set the password: a new id, written with it
    get_db().commit()
    return _private(redirect(url_for("recovery.page"), code=303))
