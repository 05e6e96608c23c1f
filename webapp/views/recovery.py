"""Восстановление забытого пароля (and Установка пароля): cases 1 and 2 of the manual."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from ..i18n import gettext as _

from .. import messages
from ..db import get_db
from ..extensions import forms_limit, limiter, only_posts
from ..forms import IinOnlyForm, RecoveryForm
from ..models import Cabinet
from ..services import accounts, codes
from ..services.phone import mask
from . import binding_panel
from .common import client_address, notifier, now, pepper

bp = Blueprint("recovery", __name__, url_prefix="/<lang>/cabinet/recovery")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)
PURPOSE = "recovery"


def subject(cabinet: Cabinet) -> str:
    return f"cabinet:{cabinet.id}"


def _state() -> dict[str, Any] | None:
    state = session.get("recovery")
    if state is None and (session.get("login") or {}).get("iin"):
        state = {"iin": session["login"]["iin"], "mode": "recovery"}
        session["recovery"] = state
    return state


def _title(state: dict[str, Any] | None) -> str:
    if state and state.get("mode") == "setup":
        return _("Установка пароля")
    return _("Восстановление забытого пароля")


def _step_title(state: dict[str, Any] | None, template: str) -> str:
    """The <title> names the step: entering the code, or binding the app first."""
    setup = bool(state and state.get("mode") == "setup")
    if template == "recovery_case1.html":
        return _("Установка пароля — ввод кода") if setup else _(
            "Восстановление забытого пароля — ввод кода")
    if template == "recovery_case2.html":
        return _("Установка пароля — привязка приложения") if setup else _(
            "Восстановление забытого пароля — привязка приложения")
    return _title(state)


def _page(template: str, state: dict[str, Any] | None, **context: Any) -> ResponseReturnValue:
    title = _title(state)
    return render_template(template, title=title, crumb=title, section="cabinet", state=state,
                           page_title=_step_title(state, template), **context)


@bp.route("", methods=["GET", "POST"])
def start() -> ResponseReturnValue:
    action = request.form.get("action") if request.method == "POST" else None
    if action == "start":
        return _start_with_iin()
    state = _state()
    if state is None:
        if request.method == "POST":
            return redirect(url_for("recovery.start"))
        form = IinOnlyForm()
        form.iin.data = ""
        return _page("recovery_iin.html", None, form=form, page_errors=[])
    if action == "back":
        session.pop("recovery", None)
        session.pop("binding", None)
        setup = state.get("mode") == "setup"
        return redirect(url_for("login.step1" if setup else "login.step2"))
    db = get_db()
    cabinet = accounts.find(db, state["iin"])
    if cabinet is None:
        return _page("recovery_no_cabinet.html", state, iin=state["iin"])
    if cabinet.password_hash is None and state.get("mode") != "setup":
        state = {**state, "mode": "setup"}
        session["recovery"] = state
    if not notifier().is_bound(cabinet.phone):
        return _case2(state, cabinet, check_bound=action == "send")
    if action == "send":
        return redirect(url_for("recovery.start"))  # bound now: case 1 sends the code
    if action == "update":
        return _update(state, cabinet)
    if action == "resend":
        return _resend(state, cabinet)
    return _case1(state, cabinet, RecoveryForm(formdata=None), ensure_sent=True)


def _start_with_iin() -> ResponseReturnValue:
    form = IinOnlyForm()
    if not form.validate():
        return _page("recovery_iin.html", None, form=form, page_errors=form.error_list())
    session.pop("binding", None)
    session["recovery"] = {"iin": form.iin.data, "mode": "recovery"}
    return redirect(url_for("recovery.start"))


def _case1(state: dict[str, Any], cabinet: Cabinet, form: RecoveryForm, *,
           ensure_sent: bool = False, notice: str | None = None) -> ResponseReturnValue:
    db = get_db()
    problem = None
    if ensure_sent and not codes.has_active(db, PURPOSE, subject(cabinet), now()):
        problem = _send(cabinet)
        db.commit()
    return _page(
        "recovery_case1.html", state, form=form, phone=mask(cabinet.phone),
        page_errors=form.error_list(), problem=problem or notice,
        resend_in=codes.resend_in(db, PURPOSE, subject(cabinet), now()))


def _send(cabinet: Cabinet) -> str | None:
    """Send a code; the words for what went wrong, or None when it went."""
    return messages.code_send_problem(codes.send(
        get_db(), notifier(), purpose=PURPOSE, subject=subject(cabinet), phone=cabinet.phone,
        now=now(), pepper=pepper()))


def _resend(state: dict[str, Any], cabinet: Cabinet) -> ResponseReturnValue:
    problem = _send(cabinet)
    get_db().commit()
    if problem:
        return _case1(state, cabinet, RecoveryForm(formdata=None), notice=problem)
    flash(_("Новый код подтверждения отправлен в приложение ed24.kz."), "success")
    return redirect(url_for("recovery.start"))


def _update(state: dict[str, Any], cabinet: Cabinet) -> ResponseReturnValue:
    form = RecoveryForm()
    form.validate()
    form.check_new_password(iin_value=cabinet.iin, phone_value=cabinet.phone)
    if form.errors:
        return _case1(state, cabinet, form)
    db = get_db()
    result = codes.verify(db, purpose=PURPOSE, subject=subject(cabinet), phone=cabinet.phone,
                          code=form.code.data, now=now(), pepper=pepper())
    if not isinstance(result, codes.Verified):
        db.commit()  # the wrong try is counted
        form.add_error("code", messages.code_refusal(result))
        return _case1(state, cabinet, form)
    first = state.get("mode") == "setup"
    accounts.set_password(db, cabinet, form.password.data, now(), client=client_address(),
                          first=first)
    db.commit()
    session.pop("recovery", None)
    session.pop("binding", None)
    session.pop("cabinet_id", None)
    session.regenerate()  # type: ignore[attr-defined]
    session["login"] = {"iin": cabinet.iin}
    flash(_("Пароль успешно установлен. Войдите с новым паролем.") if first else
          _("Пароль успешно изменён. Войдите с новым паролем."), "success")
    return redirect(url_for("login.step2"))


def _case2(state: dict[str, Any], cabinet: Cabinet, *, check_bound: bool) -> ResponseReturnValue:
    problem = None
    if check_bound:
        problem = _("Приложение ed24.kz ещё не привязано к номеру %(phone)s. Выполните Шаг 2 и нажмите «Отправить».",
                    phone=mask(cabinet.phone))
    panel = binding_panel.current(cabinet.phone)
    get_db().commit()
    return _page("recovery_case2.html", state, phone=mask(cabinet.phone), panel=panel,
                 store_qr=binding_panel.store_qr(), problem=problem,
                 page_errors=[("send", problem)] if problem else [])


@bp.get("/unknown-number")
def unknown_number() -> ResponseReturnValue:
    title = _("Что делать, если уведомление не пришло или вам не знаком этот номер?")
    return render_template("unknown_number.html", title=title, crumb=title, section="cabinet",
                           confirm=request.args.get("confirm") == "1")


def code_target() -> tuple[str, str, str] | None:
    """(purpose, subject, form action) of this session's recovery code, for the countdown."""
    state = session.get("recovery")
    cabinet = accounts.find(get_db(), state["iin"]) if state else None
    if cabinet is None:
        return None
    return PURPOSE, subject(cabinet), url_for("recovery.start")
