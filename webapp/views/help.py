"""Help pages: what БМГ is, and how to register the ed24.kz app."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..web.i18n import current_lang
from ..web.qr import store_qr

bp = Blueprint("help", __name__, url_prefix="/<lang>/help")

# Pages a help page may send the reader back to (never an arbitrary URL).
BACK = {"reregister": "reregister.page", "recovery": "recovery.page", "login": "login.step1"}
EGOV_BMG_GUIDE = {"ru": "https://egov.kz/cms/ru", "kk": "https://egov.kz/cms/kk"}
EGOV_BMG_CHECK = "https://egov.kz/services/CMDSearch/#/"


def _back_url() -> str | None:
    endpoint = BACK.get(request.args.get("back", ""))
    return url_for(endpoint) if endpoint else None


@bp.get("/bmg")
def bmg() -> ResponseReturnValue:
    return render_template("help_bmg.html", back_url=_back_url(),
                           guide_url=EGOV_BMG_GUIDE[current_lang()], check_url=EGOV_BMG_CHECK)


@bp.get("/app")
def app_help() -> ResponseReturnValue:
    return render_template("help_app.html", back_url=_back_url(), store_qr=store_qr())
