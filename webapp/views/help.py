"""Help pages: what БМГ is, and how to register the ed24.kz app."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from ..i18n import gettext as _

from . import binding_panel

bp = Blueprint("help", __name__, url_prefix="/<lang>/help")

# Pages a help page may send the reader back to (never an arbitrary URL).
BACK = {"reregister": "reregister.start", "recovery": "recovery.start", "login": "login.step1"}

EGOV_BMG_GUIDE = "https://egov.kz/cms/ru"
EGOV_BMG_CHECK = "https://egov.kz/services/CMDSearch/#/"


def _back_url() -> str | None:
    endpoint = BACK.get(request.args.get("back", ""))
    return url_for(endpoint) if endpoint else None


@bp.get("/bmg")
def bmg() -> ResponseReturnValue:
    title = _("Что такое БМГ?")
    return render_template("help_bmg.html", title=title, crumb=title, section="cabinet",
                           back_url=_back_url(), guide_url=EGOV_BMG_GUIDE,
                           check_url=EGOV_BMG_CHECK)


@bp.get("/app")
def app_help() -> ResponseReturnValue:
    title = _("Инструкция по регистрации мобильного приложения ed24.kz")
    return render_template("help_app.html", title=title, crumb=title, section="cabinet",
                           back_url=_back_url(), store_qr=binding_panel.store_qr())
