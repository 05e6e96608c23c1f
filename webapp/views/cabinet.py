"""The cabinet itself: children, phone, Лента событий, sign-out."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from ..i18n import gettext as _
from sqlalchemy import select

from ..db import get_db
from ..models import CabinetEvent, Citizen
from ..services import binding
from ..services.phone import mask
from . import binding_panel
from .common import login_required, signed_in_cabinet

bp = Blueprint("cabinet", __name__, url_prefix="/<lang>/cabinet")
FEED_SIZE = 30


def event_text(event: CabinetEvent) -> str:
    if event.kind == "signin":
        return _("Вход в Личный кабинет (%(device)s)", device=event.params.get("device", "?"))
    if event.kind == "password_set":
        return _("Пароль установлен")
    if event.kind == "password_changed":
        return _("Пароль изменён. Все другие сеансы завершены")
    if event.kind == "reregistered":
        return _("Личный кабинет переоформлен на этот ИИН и номер телефона")
    return _("Событие Личного кабинета")


@bp.context_processor
def _texts() -> dict[str, object]:
    return {"event_text": event_text}


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    cabinet = signed_in_cabinet()
    assert cabinet is not None
    db = get_db()
    citizen = db.get(Citizen, cabinet.iin)
    events = db.scalars(
        select(CabinetEvent).where(CabinetEvent.cabinet_id == cabinet.id)
        .order_by(CabinetEvent.created_at.desc(), CabinetEvent.id.desc()).limit(FEED_SIZE)
    ).all()
    app_bound = binding.is_bound(db, cabinet.phone)
    panel = None if app_bound else binding_panel.current(cabinet.phone)
    db.commit()
    return render_template(
        "cabinet.html", title=_("Личный кабинет"), section="cabinet", cabinet=cabinet,
        name=citizen.full_name if citizen else None, phone=mask(cabinet.phone),
        children=cabinet.children, events=events, app_bound=app_bound, panel=panel)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    flash(_("Вы вышли из Личного кабинета."), "success")
    return redirect(url_for("login.step1"))
