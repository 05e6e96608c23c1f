"""/sandbox/app: the ed24.kz phone app, emulated in the browser (SANDBOX only).

Each browser is one phone: a random device cookie is the handset, and the
number typed (or picked) on the first screen is its SIM, whose SMS are shown
above the app. The screens follow the manual: УКАЖИТЕ ТЕЛЕФОН, ВВЕДИТЕ
ОДНОРАЗОВЫЙ ПАРОЛЬ (or a QR token), success, then the notification feed.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from jinja2_fragments.flask import render_block
from sqlalchemy import or_, select

from .. import messages
from ..context import deps
from ..db import get_db
from ..i18n import duration, preferred_lang
from ..models import AppDevice, Notification
from ..services import binding
from ..services import phone as phone_rules

bp = Blueprint("sandbox_app", __name__, url_prefix="/<lang>/sandbox/app")
DEVICE_COOKIE = "ed24_app_device"
STATE_KEY = "sandbox_app"  # this emulator's screen state (sandbox only)
FEED_SIZE = 50


def _device_key() -> str | None:
    key = request.cookies.get(DEVICE_COOKIE)
    return key if key and len(key) < 100 else None


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _device() -> AppDevice | None:
    key = _device_key()
    return binding.device_for(get_db(), _key_hash(key)) if key else None


def _with_device(response: Response, key: str | None = None) -> Response:
    response.set_cookie(DEVICE_COOKIE, key or secrets.token_urlsafe(32), max_age=365 * 24 * 3600,
                        httponly=True, samesite="Lax", path="/")
    return response


def _app() -> dict[str, Any]:
    value = session.get(STATE_KEY)
    return value if isinstance(value, dict) else {}


def _set_app(**values: Any) -> None:
    session[STATE_KEY] = values


def _inbox(sim: str | None, device: AppDevice | None) -> tuple[list[Notification], list[Notification]]:
    """(SMS to this phone's number, app notifications for its bound number or the handset)."""
    db = get_db()
    sms = list(db.scalars(select(Notification).where(Notification.channel == "sms", Notification.phone == sim)
                          .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(FEED_SIZE))) \
        if sim else []
    feed: list[Notification] = []
    if device is not None:
        mine = [Notification.device_id == device.id]
        if device.phone:
            mine.append(Notification.phone == device.phone)
        feed = list(db.scalars(select(Notification).where(Notification.channel == "app", or_(*mine))
                               .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(FEED_SIZE)))
    return sms, feed


def _page(screen: str, **context: Any) -> ResponseReturnValue:
    device = _device()
    state = _app()
    sim = state.get("sim") or (device.phone if device else None)
    sms, feed = _inbox(sim, device)
    demo = get_db().scalars(select(AppDevice.phone).where(AppDevice.phone.is_not(None))
                            .order_by(AppDevice.phone)).all()
    return render_template("sandbox_app.html", screen=screen, device=device, sim=sim, sms=sms, feed=feed,
                           newest=max([n.id for n in sms + feed], default=0),
                           demo_phones=sorted(set(demo)), typed=state.get("typed", ""),
                           token=state.get("token", ""), **context)


@bp.get("")
def home() -> ResponseReturnValue:
    device, state = _device(), _app()
    if state.get("pending"):
        return _page("otp", phone=state["pending"], error=None)
    if state.get("just_bound") and device and device.phone:
        _set_app(sim=device.phone)
        return _page("bound", phone=device.phone)
    if device and device.phone and not state.get("switching"):
        return _page("feed", phone=device.phone)
    return _page("phone", error=None, consent_error=None)


@bp.get("/feed")
def feed() -> ResponseReturnValue:
    """The SMS and the feed, refreshed every few seconds; 204 (no swap) while nothing new came."""
    device, state = _device(), _app()
    sim = state.get("sim") or (device.phone if device else None)
    sms, notes = _inbox(sim, device)
    newest = max([n.id for n in sms + notes], default=0)
    if str(newest) == request.args.get("after"):
        return "", 204
    return render_block("sandbox_app.html", "inbox", sms=sms, feed=notes, newest=newest, sim=sim,
                        device=device, screen=request.args.get("screen", "feed"))


@bp.get("/bind")
def deep_link() -> ResponseReturnValue:
    """"Открыть приложение ed24.kz" from the cabinet: the app opens with the token filled in."""
    token = (request.args.get("token") or "")[:200]
    found = binding.parse_qr(token)
    if found is None:
        flash(_("Ссылка для привязки неполная. Отсканируйте QR-код или введите одноразовый пароль."), "error")
        return redirect(url_for("sandbox_app.home"))
    _set_app(typed=found[0], token=token, sim=found[0])
    return redirect(url_for("sandbox_app.home"))


@bp.post("/phone")
def enter_phone() -> ResponseReturnValue:
    raw = (request.form.get("phone") or "")[:64]
    normalised, error = phone_rules.normalise(raw)
    consent = bool(request.form.get("consent"))
    state = _app()
    if error or not consent:
        _set_app(**{**state, "typed": raw[:30]})
        return _page("phone", error=messages.phone_error(error),
                     consent_error=None if consent else _(
                         "Отметьте, что ознакомились с условиями и практикой авторизации"))
    token = state.get("token", "")
    if token and binding.parse_qr(token) and binding.parse_qr(token)[0] == normalised:  # type: ignore[index]
        return _bind(normalised, token)
    _set_app(pending=normalised, sim=normalised, typed=raw[:30])
    return redirect(url_for("sandbox_app.home"))


def _bind(phone: str, secret: str) -> ResponseReturnValue:
    key = _device_key() or secrets.token_urlsafe(32)
    result = binding.bind(deps(), phone=phone, secret=secret, device_key_hash=_key_hash(key))
    if isinstance(result, binding.Bound):
        _set_app(just_bound=True, sim=phone)
        return _with_device(redirect(url_for("sandbox_app.home")), key)
    if isinstance(result, binding.TooSoon):
        error = _("На этом устройстве сменить номер можно не чаще, чем один раз в 30 дней. "
                  "Попробуйте %(when)s.", when=duration(result.wait))
    elif isinstance(result, binding.Blocked):
        error = _("Слишком много неверных одноразовых паролей для этого номера. Попробуйте снова %(when)s.",
                  when=duration(result.wait))
    elif not secret.strip():
        error = _("Введите одноразовый пароль или содержимое QR-кода")
    else:
        error = _("Одноразовый пароль неверный или устарел. Возьмите новый в Ленте событий Личного "
                  "кабинета или получите его по SMS на странице восстановления пароля.")
    _set_app(pending=phone, sim=phone)
    return _page("otp", phone=phone, error=error, typed_otp=secret[:40])


@bp.post("/otp")
def enter_otp() -> ResponseReturnValue:
    phone = _app().get("pending")
    if not phone:
        return redirect(url_for("sandbox_app.home"))
    return _bind(phone, (request.form.get("otp") or "")[:200])


@bp.post("/other-number")
def other_number() -> ResponseReturnValue:
    """"ввести другой номер": back to the first screen (moving the device waits 30 days)."""
    device = _device()
    bound = bool(device and device.phone)
    wait = binding.switch_wait(device, "", deps().now) if bound else None
    if wait:
        flash(_("На этом устройстве сменить номер можно не чаще, чем один раз в 30 дней. "
                "Попробуйте %(when)s.", when=duration(wait)), "warning")
        return redirect(url_for("sandbox_app.home"))
    _set_app(switching=bound)
    return redirect(url_for("sandbox_app.home"))


@bp.post("/back-to-feed")
def back_to_feed() -> ResponseReturnValue:
    _set_app()
    return redirect(url_for("sandbox_app.home"))


@bp.post("/open")
def open_device() -> ResponseReturnValue:
    """Pick up a phone whose app is already bound (sandbox data), to read its feed."""
    phone, error = phone_rules.normalise((request.form.get("phone") or "")[:64])
    db = get_db()
    device = db.scalar(select(AppDevice).where(AppDevice.phone == phone)) if not error else None
    if device is None:
        return redirect(url_for("sandbox_app.home"))
    key = secrets.token_urlsafe(32)
    device.device_key_hash = _key_hash(key)
    db.commit()
    _set_app(sim=phone)
    return _with_device(redirect(url_for("sandbox_app.home")), key)


@bp.post("/new-device")
def new_device() -> ResponseReturnValue:
    """Put this phone down and pick up a fresh one with the app not yet bound."""
    _set_app()
    return _with_device(redirect(url_for("sandbox_app.home")))


def register_short_url(app: Flask) -> None:
    @app.get("/sandbox/app")
    def sandbox_app_short() -> ResponseReturnValue:
        lang = request.args.get("lang")
        return redirect(url_for("sandbox_app.home", lang=lang if lang in ("ru", "kk") else preferred_lang()))

    @app.get("/sandbox/app/bind")
    def sandbox_app_bind_short() -> ResponseReturnValue:
        lang = request.args.get("lang")
        return redirect(url_for("sandbox_app.deep_link", lang=lang if lang in ("ru", "kk") else preferred_lang(),
                                token=request.args.get("token", "")))
