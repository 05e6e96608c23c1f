"""Главная, the agreement, the language redirect, health and the web app manifest."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from ..i18n import gettext as _
from sqlalchemy import text

from ..db import get_db
from ..i18n import current_lang, preferred_lang

bp = Blueprint("site", __name__, url_prefix="/<lang>")


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("home.html", title=_("Главная"), section="home")


@bp.get("/agreement")
def agreement() -> ResponseReturnValue:
    return render_template("agreement.html", title=_("Соглашение об ответственности сторон"),
                           section="home_sub", crumb=_("Соглашение об ответственности сторон"))


@bp.get("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    """Lets parents add the cabinet to the home screen; no service worker caches pages."""
    data = {
        "name": _("INDIGO · Электронный детский сад"),
        "short_name": "INDIGO",
        "lang": current_lang(),
        "start_url": url_for("login.step1"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#0b4f8a",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


def register_root(app: Flask) -> None:
    @app.get("/")
    def root() -> ResponseReturnValue:
        return redirect(url_for("site.home", lang=preferred_lang()))

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        try:
            get_db().execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            current_app.logger.warning("healthz: database unreachable")
            return jsonify(status="unavailable"), 503
        return jsonify(status="ok")
