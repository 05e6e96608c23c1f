"""The cabinet itself: children, phone, Лента событий, binding the app, sign-out."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from .. import messages
from ..auth import current_cabinet, end_session, login_required
from ..clock import now
from ..context import deps
from ..db import get_db
from ..extensions import forms_limit, limiter, only_posts
from ..models import Cabinet, CabinetEvent, Citizen
from ..sessions import passive
from ..services import binding
from ..services.clock import seconds_until
from ..services.phone import mask
from .qr import qr_svg

bp = Blueprint("cabinet", __name__, url_prefix="/<lang>/cabinet")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)
FEED_SIZE = 30


def _binding(cabinet: Cabinet) -> dict[str, Any]:
    """While the app is not bound: the rotating one-time password and its QR."""
    if binding.is_bound(get_db(), cabinet.phone):
        return {"app_bound": True, "secret": None, "qr": None}
    secret = binding.for_cabinet(get_db(), cabinet.phone, now(), current_app.config["SECRET_KEY"].encode())
    return {"app_bound": False, "secret": secret, "qr": qr_svg(secret.qr_payload),
            "seconds_left": max(1, seconds_until(secret.expires_at, now()))}


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    cabinet = current_cabinet()
    assert cabinet is not None
    db = get_db()
    citizen = db.get(Citizen, cabinet.iin)
    events = db.scalars(
        select(CabinetEvent).where(CabinetEvent.cabinet_id == cabinet.id)
        .order_by(CabinetEvent.created_at.desc(), CabinetEvent.id.desc()).limit(FEED_SIZE)
    ).all()
    return render_template("cabinet.html", cabinet=cabinet, name=citizen.full_name if citizen else None,
                           phone=mask(cabinet.phone), children=cabinet.children, events=events,
                           **_binding(cabinet))


@bp.get("/binding")
@login_required
def binding_secret() -> ResponseReturnValue:
    """The next one-time password and QR, when the shown ones run out (htmx)."""
    passive()  # a timer asks, not the parent: the session's idle time runs on
    cabinet = current_cabinet()
    assert cabinet is not None
    return render_block("cabinet.html", "binding", cabinet=cabinet, phone=mask(cabinet.phone),
                        **_binding(cabinet))


@bp.post("/binding/sms")
@login_required
def binding_sms() -> ResponseReturnValue:
    """"Привязать приложение на новом телефоне": the one-time password by SMS."""
    cabinet = current_cabinet()
    assert cabinet is not None
    problem = messages.sms_problem(binding.send_sms(deps(), cabinet.phone, cabinet.id))
    if problem:
        flash(problem, "error")
    else:
        flash(messages.sms_sent(mask(cabinet.phone)), "success")
    return redirect(url_for("cabinet.home"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    end_session()
    get_db().commit()  # the session ends for real, or the parent is told it did not
    return redirect(url_for("login.step1", signed_out=1))
