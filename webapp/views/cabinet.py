"""The cabinet itself: children, phone, Лента событий, binding the app, sign-out."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from ..db import get_db
from ..models import Cabinet, CabinetEvent, Citizen
from ..services import binding
from ..services.clock import seconds_until
from ..services.phone import mask
from ..web import messages
from ..web.auth import current_cabinet, end_session, login_required
from ..web.deps import deps
from ..web.extensions import forms_limit, limiter, only_posts
from ..web.qr import qr_svg
from ..web.sessions import passive

bp = Blueprint("cabinet", __name__, url_prefix="/<lang>/cabinet")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)
FEED_SIZE = 30


def _cabinet() -> Cabinet:
    cabinet = current_cabinet()
    assert cabinet is not None  # login_required
    return cabinet


def _binding(cabinet: Cabinet) -> dict[str, Any]:
    """While the app is not bound: the rotating one-time password and its QR. The page says how
    long the shown password works (its minute and the 30 s after), and refreshes at the minute."""
    if binding.is_bound(get_db(), cabinet.phone):
        return {"app_bound": True, "secret": None, "qr": None}
    secret = binding.for_cabinet(deps(), cabinet.phone)
    return {"app_bound": False, "secret": secret, "qr": qr_svg(secret.qr_payload),
            "valid_for": max(1, seconds_until(secret.valid_until, deps().now)),
            "rotates_in": max(1, seconds_until(secret.rotates_at, deps().now))}


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    cabinet = _cabinet()
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
    """The next one-time password and QR, when the shown ones rotate (htmx)."""
    passive()  # a timer asks, not the parent: the session's idle time runs on
    cabinet = _cabinet()
    return render_block("cabinet.html", "binding", cabinet=cabinet, phone=mask(cabinet.phone),
                        **_binding(cabinet))


@bp.post("/binding/sms")
@login_required
def binding_sms() -> ResponseReturnValue:
    """"Привязать приложение на новом телефоне": the one-time password by SMS."""
    cabinet = _cabinet()
    problem = messages.binding_sms_problem(binding.send_sms(deps(), cabinet.phone, cabinet.id))
    flash(problem or messages.binding_sms_sent(mask(cabinet.phone)), "error" if problem else "success")
    return redirect(url_for("cabinet.home") + "#binding", code=303)


@bp.post("/binding/unbind")
@login_required
def unbind() -> ResponseReturnValue:
    """"Отвязать": the app on the cabinet's phone lets the number go."""
    cabinet = _cabinet()
    binding.unbind_phone(deps(), cabinet)
    flash(messages.app_unbound(mask(cabinet.phone)), "success")
    return redirect(url_for("cabinet.home") + "#binding", code=303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    end_session()
    get_db().commit()  # the session ends for real, or the parent is told it did not
    return redirect(url_for("login.step1", signed_out=1), code=303)
