"""Главная, the agreement, the accessibility statement, the language redirect, health."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_db, schema_ok
from ..web.i18n import current_lang, preferred_lang

bp = Blueprint("site", __name__, url_prefix="/<lang>")


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("home.html")


@bp.get("/agreement")
def agreement() -> ResponseReturnValue:
    return render_template("agreement.html")


@bp.get("/accessibility")
def accessibility() -> ResponseReturnValue:
    return render_template("accessibility.html")


@bp.get("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    """Lets parents add the cabinet to the home screen; no service worker caches pages."""
    response = jsonify({
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
    })
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def register_root(app: Flask) -> None:
    @app.get("/")
    def root() -> ResponseReturnValue:
        return redirect(url_for("site.home", lang=preferred_lang()))

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        """200 when the app is up and its database answers with the expected tables."""
        try:
            schema_ok(get_db())
        except SQLAlchemyError as exc:
            current_app.logger.warning("healthz: %s", type(exc).__name__)
            return jsonify(status="unavailable"), 503
        return jsonify(status="ok")
