"""Восстановление забытого пароля and Установка пароля: one route per thing a parent does."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, get_template_attribute, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from ..db import get_db
from ..services import accounts, codes
from ..services import recovery as flow
from ..services.recovery import Recovery, RecoveryState, Step
from ..services.signin import SignInState
from ..web import answers, flowstate, messages
from ..web.auth import renew_session_id, start_signed_in_session
from ..web.deps import deps, remember_device
from ..web.extensions import forms_limit, limiter, only_posts
from ..web.forms import CodeForm, IinForm, NewPasswordForm
from ..web.qr import store_qr
from ..web.sessions import passive

bp = Blueprint("recovery", __name__, url_prefix="/<lang>/cabinet/recovery")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)
PAGE = "recovery.page"

TEMPLATES = {
    Step.CODE: "recovery_code.html",
    Step.NO_APP: "recovery_no_app.html",
    Step.FOREIGN: "recovery_foreign.html",
    Step.PASSWORD: "recovery_password.html",
    Step.NO_CABINET: "recovery_no_cabinet.html",
}


def _state() -> RecoveryState | None:
    return flowstate.load(RecoveryState)


def _show(state: RecoveryState) -> ResponseReturnValue:
    """The page of the step the visitor is at, with the refused answer if there was one."""
    answer = answers.take(PAGE)
    context: dict[str, Any] = {"state": state, "problem": answer.problem if answer else None}
    if state.step is Step.CODE:
        context.update(form=answers.restore(CodeForm, answer), delivery=Recovery(deps()).delivery(state))
    elif state.step is Step.PASSWORD:
        context["form"] = answers.restore(NewPasswordForm, answer, username=state.iin)
    elif state.step is Step.NO_APP:
        context["store_qr"] = store_qr()
    return render_template(TEMPLATES[state.step], **context)


def begin(iin: str, *, quiet: bool = False) -> ResponseReturnValue | None:
    """Start for this IIN (a counted POST): the code goes, or case 2, or "not found".
    Past this address's starts: the IIN form with the wait, or None when `quiet`."""
    state, outcome = Recovery(deps()).start(iin)
    if isinstance(outcome, flow.TooManyStarts):
        if quiet:
            return None
        return answers.back_to(PAGE, IinForm(formdata=None, data={"iin": iin}),
                               problem=messages.recovery_starts_blocked(outcome))
    assert state is not None
    flowstate.save(state)
    problem = messages.code_send_problem(outcome.sent) if outcome.sent is not None else None
    if problem:
        flash(problem, "error")
    return redirect(url_for(PAGE), code=303)


@bp.get("")
def page() -> ResponseReturnValue:
    state = _state()
    if state is None:
        signin = flowstate.load(SignInState)
        answer = answers.take(PAGE)
        return render_template("recovery_iin.html", problem=answer.problem if answer else None,
                               form=answers.restore(IinForm, answer, iin=signin.iin if signin else ""))
    return _show(state)


@bp.post("/start")
def start() -> ResponseReturnValue:
    form = IinForm()
    if not form.validate():
        return answers.back_to(PAGE, form)
    return begin(form.iin.data) or redirect(url_for(PAGE), code=303)


def _at(*steps: Step) -> Any:
    return flowstate.at_step(RecoveryState, lambda state: state.step in steps, PAGE)


@bp.post("/sms-code")
@_at(Step.NO_APP, Step.CODE)
def sms_code(state: RecoveryState) -> ResponseReturnValue:
    """"Получить код по SMS": the code and its link by SMS to the cabinet's phone."""
    result = Recovery(deps()).send_sms_code(state)
    problem = messages.sms_code_problem(result, state.masked_phone)
    if problem and not isinstance(result, flow.NumberElsewhere):
        return answers.back_to(PAGE, problem=problem)
    return redirect(url_for(PAGE), code=303)


@bp.post("/resend")
@_at(Step.CODE)
def resend(state: RecoveryState) -> ResponseReturnValue:
    problem = messages.code_send_problem(Recovery(deps()).resend(state))
    if problem:
        return answers.back_to(PAGE, problem=problem, anchor="code-step")
    flash(str(messages.CODE_SENT_AGAIN), "success")
    return redirect(url_for(PAGE), code=303)


@bp.post("/code")
@_at(Step.CODE)
def confirm(state: RecoveryState) -> ResponseReturnValue:
    form = CodeForm()
    if not form.validate():
        return answers.back_to(PAGE, form)
    result = Recovery(deps()).confirm(state, form.code.data)
    if isinstance(result, flow.Confirmed):
        flowstate.save(state)
        renew_session_id()
        remember_device(result.cabinet_id)
        get_db().commit()
        return redirect(url_for(PAGE), code=303)
    form.add_error("code", messages.code_refusal(result))
    return answers.back_to(PAGE, form)


@bp.get("/status")
def status() -> ResponseReturnValue:
    """Where the code is ("Отправляем…", "Отправлено в 14:05"), asked again by the page while
    it is on its way (htmx)."""
    passive()  # the page asks, not the parent: the session's idle time runs on
    state = _state()
    if state is None or state.step is not Step.CODE:
        return "", 204  # nothing to swap: htmx leaves the page as it is
    delivery = Recovery(deps()).delivery(state)
    return get_template_attribute("macros/codes.html", "delivery_status")(
        delivery, url_for("recovery.status"), url_for("recovery.resend"))


@bp.post("/sms")
@_at(Step.NO_APP, Step.CODE)
def binding_sms(state: RecoveryState) -> ResponseReturnValue:
    """"Получить одноразовый пароль по SMS": binding the app (case 2, or a new handset)."""
    problem = messages.binding_sms_problem(Recovery(deps()).send_binding_sms(state))
    if problem:
        return answers.back_to(PAGE, problem=problem, anchor="binding-sms")
    return redirect(url_for(PAGE) + "#binding-sent", code=303)


@bp.post("/send")
@_at(Step.NO_APP)
def send(state: RecoveryState) -> ResponseReturnValue:
    """Case 2, Шаг 3 "Отправить": once the app is bound, the code goes (case 1)."""
    result = Recovery(deps()).app_bound(state)
    if isinstance(result, flow.NotBoundYet):
        return answers.back_to(PAGE, problem=messages.not_bound_yet(state.masked_phone), anchor="send")
    problem = messages.code_send_problem(result.sent)
    if problem:
        flash(problem, "error")
    return redirect(url_for(PAGE), code=303)


@bp.post("/password")
@_at(Step.PASSWORD)
def set_password(state: RecoveryState) -> ResponseReturnValue:
    form = NewPasswordForm()
    if not form.validate():
        return answers.back_to(PAGE, form)
    result = Recovery(deps()).set_password(state, form.password.data)
    if isinstance(result, accounts.ConfirmationExpired):
        flash(messages.confirmation_expired(), "error")
        return redirect(url_for(PAGE), code=303)
    if isinstance(result, accounts.PasswordRefused):
        form.add_error("password", messages.password_problem(result.check) or "")
        return answers.back_to(PAGE, form)
    if isinstance(result, accounts.AlreadyDone):  # a double submit: the first one signs the parent in
        return redirect(url_for("cabinet.home"), code=303)
    start_signed_in_session(result.cabinet)
    get_db().commit()  # the new password and the new session, together or not at all
    flash(str(messages.PASSWORD_UPDATED), "success")
    return redirect(url_for("cabinet.home"), code=303)


@bp.post("/back")
def back() -> ResponseReturnValue:
    """"Назад": leave the recovery; back to the step of the sign-in it came from."""
    state = _state()
    flowstate.clear(RecoveryState)
    signin = flowstate.load(SignInState)
    if signin and signin.passed and not (state and state.setup):
        return redirect(url_for("login.step2"), code=303)
    return redirect(url_for("login.step1"), code=303)


@bp.get("/unknown-number")
def unknown_number() -> ResponseReturnValue:
    state = _state()
    return render_template("unknown_number.html", in_code_step=bool(state and state.step is Step.CODE),
                           channel=state.channel if state else codes.Channel.APP.value)
