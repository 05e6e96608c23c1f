"""Восстановление забытого пароля and Установка пароля: one route per thing a parent does."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from .. import flowstate, messages
from ..auth import remember_device, renew_session_id, start_signed_in_session
from ..context import deps
from ..db import get_db
from ..extensions import forms_limit, limiter, only_posts
from ..forms import CodeForm, IinForm, NewPasswordForm
from ..services import accounts
from ..services import recovery as flow
from ..services.recovery import Recovery, RecoveryState, Step
from ..services.signin import SignInState
from .qr import store_qr
from .steps import at_step

bp = Blueprint("recovery", __name__, url_prefix="/<lang>/cabinet/recovery")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)

TEMPLATES = {
    Step.CODE: "recovery_code.html",
    Step.BIND: "recovery_bind.html",
    Step.PASSWORD: "recovery_password.html",
    Step.NO_CABINET: "recovery_no_cabinet.html",
}


def _show(state: RecoveryState, *, form: Any = None, problem: str | None = None) -> ResponseReturnValue:
    """The page of the step the visitor is at, with what went wrong if anything did."""
    context: dict[str, Any] = {"state": state, "problem": problem}
    if state.step is Step.CODE:
        context.update(form=form or CodeForm(formdata=None), resend_in=Recovery(deps()).resend_in(state))
    elif state.step is Step.PASSWORD:
        context["form"] = form or NewPasswordForm(formdata=None, data={"username": state.iin})
    elif state.step is Step.BIND:
        context["store_qr"] = store_qr()
    return render_template(TEMPLATES[state.step], **context)


def _ask_iin(form: IinForm, problem: str | None = None) -> ResponseReturnValue:
    return render_template("recovery_iin.html", form=form, problem=problem)


def begin(iin: str, *, quiet: bool = False) -> ResponseReturnValue | None:
    """Start for this IIN (a counted POST): the code goes, or case 2, or "not found".
    Past this address's starts: the IIN form with the wait, or None when `quiet`."""
    state, outcome = Recovery(deps()).start(iin)
    if isinstance(outcome, flow.TooManyStarts):
        if quiet:
            return None
        return _ask_iin(IinForm(formdata=None, data={"iin": iin}), messages.recovery_starts_blocked(outcome))
    assert state is not None
    flowstate.save(state)
    problem = messages.code_send_problem(outcome.sent)
    if problem:
        flash(problem, "error")
    return redirect(url_for("recovery.page"))


def _state() -> RecoveryState | None:
    return flowstate.load(RecoveryState)


@bp.get("")
def page() -> ResponseReturnValue:
    state = _state()
    if state is None:
        signin = flowstate.load(SignInState)
        return _ask_iin(IinForm(formdata=None, data={"iin": signin.iin if signin else ""}))
    return _show(state)


@bp.post("/start")
def start() -> ResponseReturnValue:
    form = IinForm()
    if not form.validate():
        return _ask_iin(form)
    return begin(form.iin.data) or redirect(url_for("recovery.page"))


def _at(*steps: Step) -> Any:
    return at_step(_state, lambda state: state.step in steps, "recovery.page")


@bp.post("/resend")
@_at(Step.CODE)
def resend(state: RecoveryState) -> ResponseReturnValue:
    problem = messages.code_send_problem(Recovery(deps()).resend(state))
    if problem:
        return _show(state, problem=problem)
    flash(str(messages.CODE_SENT_AGAIN), "success")
    return redirect(url_for("recovery.page"))


@bp.post("/code")
@_at(Step.CODE)
def confirm(state: RecoveryState) -> ResponseReturnValue:
    form = CodeForm()
    if not form.validate():
        return _show(state, form=form)
    result = Recovery(deps()).confirm(state, form.code.data)
    if isinstance(result, flow.Confirmed):
        flowstate.save(state)
        renew_session_id()
        remember_device(result.cabinet_id)
        get_db().commit()
        return redirect(url_for("recovery.page"))
    form.add_error("code", messages.code_refusal(result))
    return _show(state, form=form)


@bp.post("/sms")
@_at(Step.BIND, Step.CODE)
def send_sms(state: RecoveryState) -> ResponseReturnValue:
    problem = messages.sms_problem(Recovery(deps()).send_sms(state))
    flowstate.save(state)
    if problem:
        return _show(state, problem=problem)
    if state.step is Step.CODE:  # a new handset: the code page says where the password went
        flash(messages.sms_sent(state.masked_phone), "success")
    return redirect(url_for("recovery.page"))


@bp.post("/send")
@_at(Step.BIND)
def send(state: RecoveryState) -> ResponseReturnValue:
    """Case 2, Шаг 3 "Отправить": once the app is bound, the code goes (case 1)."""
    result = Recovery(deps()).app_bound(state)
    if isinstance(result, flow.NotBoundYet):
        return _show(state, problem=messages.not_bound_yet(state.masked_phone))
    flowstate.save(state)
    problem = messages.code_send_problem(result.sent)
    if problem:
        flash(problem, "error")
    return redirect(url_for("recovery.page"))


@bp.post("/password")
@_at(Step.PASSWORD)
def set_password(state: RecoveryState) -> ResponseReturnValue:
    form = NewPasswordForm()
    if not form.validate():
        return _show(state, form=form)
    result = Recovery(deps()).set_password(state, form.password.data)
    if isinstance(result, accounts.ConfirmationExpired):
        flowstate.save(state)
        flash(str(messages.CONFIRMATION_EXPIRED), "error")
        return redirect(url_for("recovery.page"))
    if isinstance(result, accounts.PasswordRefused):
        form.add_error("password", messages.password_problem(result.check))
        return _show(state, form=form)
    if isinstance(result, accounts.AlreadyDone):  # a double submit: the first one signs the parent in
        return redirect(url_for("cabinet.home"))
    start_signed_in_session(result.cabinet)
    get_db().commit()  # the new password and the new session, together or not at all
    flash(str(messages.PASSWORD_UPDATED), "success")
    return redirect(url_for("cabinet.home"))


@bp.post("/back")
def back() -> ResponseReturnValue:
    """"Назад": leave the recovery; back to the step of the sign-in it came from."""
    state = _state()
    flowstate.clear(RecoveryState)
    signin = flowstate.load(SignInState)
    if signin and signin.passed and not (state and state.setup):
        return redirect(url_for("login.step2"))
    return redirect(url_for("login.step1"))


@bp.get("/unknown-number")
def unknown_number() -> ResponseReturnValue:
    state = _state()
    return render_template("unknown_number.html", in_code_step=bool(state and state.step is Step.CODE))
