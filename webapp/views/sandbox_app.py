"""/sandbox/app: the ed24.kz phone app, emulated in the browser (SANDBOX only).

The device identity is a random cookie of the emulator; the screens follow the
manual: УКАЖИТЕ ТЕЛЕФОН, ВВЕДИТЕ ОДНОРАЗОВЫЙ ПАРОЛЬ, success, the feed.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import (Blueprint, Flask, Response, flash, redirect, render_template, request, session,
                   url_for)
from flask.typing import ResponseReturnValue
from ..i18n import gettext as _
from sqlalchemy import select

from .. import messages
from ..db import get_db
from ..i18n import duration, preferred_lang
from ..models import AppDevice, Notification
from ..services import binding
from ..services import phone as phone_rules
from .common import form_text, now, pepper

bp = Blueprint("sandbox_app", __name__, url_prefix="/<lang>/sandbox/app")
DEVICE_COOKIE = "ed24_app_device"
FEED_SIZE = 50


def notification_text(n: Notification) -> str:
    if n.kind == "code" and n.params.get("purpose") == "reregister":
        return _("Код для переоформления Личного кабинета: %(code)s. Никому не сообщайте этот код.",
                 code=n.params.get("code", ""))
    if n.kind == "code":
        return _("Код подтверждения для Личного кабинета: %(code)s. Никому не сообщайте этот код.",
                 code=n.params.get("code", ""))
    if n.kind == "rereg_away":
        return _("Личный кабинет, оформленный на этот номер, переоформлен на другой номер телефона. "
                 "Если это сделали не вы, обратитесь в отдел образования.")
    if n.kind == "rereg_here":
        return _("Личный кабинет переоформлен на ваш номер телефона. Уведомления будут приходить сюда.")
    return _("Уведомление Электронного детского сада")


def _device_key() -> str | None:
    key = request.cookies.get(DEVICE_COOKIE)
    return key if key and len(key) < 100 else None


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _device() -> AppDevice | None:
    key = _device_key()
    return binding.device_for(get_db(), _key_hash(key)) if key else None


def _with_new_device(response: Response, key: str | None = None) -> Response:
    response.set_cookie(DEVICE_COOKIE, key or secrets.token_urlsafe(32), max_age=365 * 24 * 3600,
                        httponly=True, samesite="Lax", path="/")
    return response


def _app_state() -> dict[str, Any]:
    return session.get("app") or {}


def _page(screen: str, **context: Any) -> ResponseReturnValue:
    title = _("Эмулятор приложения ed24.kz")
    return render_template("sandbox_app.html", title=title, crumb=title, section="home_sub",
                           screen=screen, **context)


@bp.get("")
def home() -> ResponseReturnValue:
    device = _device()
    state = _app_state()
    if device and device.phone and not state.get("switching"):
        if state.get("just_bound"):
            session["app"] = {**state, "just_bound": False}
            return _page("bound", phone=device.phone)
        notifications = _feed(device.phone)
        return _page("feed", phone=device.phone, notifications=notifications,
                     newest=notifications[0].id if notifications else 0)
    if state.get("pending_phone"):
        return _page("otp", phone=state["pending_phone"], error=None)
    demo = get_db().scalars(
        select(AppDevice.phone).where(AppDevice.phone.is_not(None)).order_by(AppDevice.phone)
    ).all()
    response = _page("phone", error=None, consent_error=None, typed=state.get("typed", ""),
                     demo_phones=sorted(set(demo)), bound_phone=device.phone if device else None)
    return response


def _feed(phone: str) -> list[Notification]:
    return list(get_db().scalars(
        select(Notification).where(Notification.phone == phone)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(FEED_SIZE)))


@bp.context_processor
def _texts() -> dict[str, Any]:
    return {"notification_text": notification_text}


@bp.get("/feed")
def feed() -> ResponseReturnValue:
    """The feed, refreshed every few seconds; 204 (no swap) while nothing new arrived."""
    device = _device()
    if device is None or not device.phone:
        return "", 204
    notifications = _feed(device.phone)
    newest = notifications[0].id if notifications else 0
    if str(newest) == request.args.get("after"):
        return "", 204
    return render_template("fragments/app_feed.html", notifications=notifications, newest=newest)


@bp.post("/phone")
def enter_phone() -> ResponseReturnValue:
    raw = form_text("phone", 64)
    normalised, error = phone_rules.normalise(raw)
    consent = bool(request.form.get("consent"))
    if error or not consent:
        session["app"] = {**_app_state(), "typed": raw[:30]}
        demo = get_db().scalars(select(AppDevice.phone).where(AppDevice.phone.is_not(None))).all()
        return _page("phone", typed=raw[:30], demo_phones=sorted(set(demo)),
                     error=str(messages.PHONE_ERRORS[error]) if error else None,
                     consent_error=None if consent else _(
                         "Отметьте, что ознакомились с условиями и практикой авторизации"),
                     bound_phone=None)
    session["app"] = {**_app_state(), "pending_phone": normalised, "typed": raw[:30]}
    return redirect(url_for("sandbox_app.home"))


@bp.post("/otp")
def enter_otp() -> ResponseReturnValue:
    state = _app_state()
    phone = state.get("pending_phone")
    if request.form.get("action") == "other" or not phone:
        session["app"] = {"switching": state.get("switching", False)}
        return redirect(url_for("sandbox_app.home"))
    secret = form_text("otp", 200)
    key = _device_key() or secrets.token_urlsafe(32)
    db = get_db()
    result = binding.bind(db, phone=phone, secret=secret, device_key_hash=_key_hash(key),
                          now=now(), pepper=pepper())
    if isinstance(result, binding.Bound):
        db.commit()
        session["app"] = {"just_bound": True}
        return _with_new_device(redirect(url_for("sandbox_app.home")), key)
    db.rollback()
    if isinstance(result, binding.TooSoon):
        error = _("На этом устройстве сменить номер можно не чаще, чем один раз в 30 дней. "
                  "Попробуйте %(when)s.", when=duration(result.wait))
    elif not secret.strip():
        error = _("Введите одноразовый пароль или содержимое QR-кода")
    else:
        error = _("Одноразовый пароль неверный или устарел. Возьмите новый на странице "
                  "восстановления пароля или в Ленте событий Личного кабинета.")
    return _page("otp", phone=phone, error=error, typed_otp=secret[:40])


@bp.post("/switch")
def switch_number() -> ResponseReturnValue:
    """"ввести другой номер": at most once per 30 days on one device."""
    if request.form.get("action") == "cancel":
        session["app"] = {}
        return redirect(url_for("sandbox_app.home"))
    device = _device()
    wait = binding.switch_wait(device, "", now()) if device else None
    if wait:
        flash(_("На этом устройстве сменить номер можно не чаще, чем один раз в 30 дней. "
                "Попробуйте %(when)s.", when=duration(wait)), "warning")
        return redirect(url_for("sandbox_app.home"))
    session["app"] = {"switching": True}
    return redirect(url_for("sandbox_app.home"))


@bp.post("/open")
def open_device() -> ResponseReturnValue:
    """Pick up the phone whose app is already bound (sandbox data), to read its feed."""
    phone, error = phone_rules.normalise(form_text("phone", 64))
    db = get_db()
    device = db.scalar(select(AppDevice).where(AppDevice.phone == phone)) if not error else None
    if device is None:
        return redirect(url_for("sandbox_app.home"))
    key = secrets.token_urlsafe(32)
    device.device_key_hash = _key_hash(key)
    db.commit()
    session["app"] = {}
    return _with_new_device(redirect(url_for("sandbox_app.home")), key)


@bp.post("/new-device")
def new_device() -> ResponseReturnValue:
    """Put this phone down and pick up a fresh one with the app not yet bound."""
    session["app"] = {}
    return _with_new_device(redirect(url_for("sandbox_app.home")))


def register_short_url(app: Flask) -> None:
    @app.get("/sandbox/app")
    def sandbox_app_short() -> ResponseReturnValue:
        return redirect(url_for("sandbox_app.home", lang=preferred_lang()))
