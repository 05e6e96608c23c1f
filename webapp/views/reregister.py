"""Переоформление Личного кабинета: Шаг 1 (questions) and Шаг 2 in three parts."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, get_template_attribute, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from ..db import get_db
from ..services import accounts, codes
from ..services import reregistration as flow
from ..services.phone import mask
from ..services.reregistration import Answers, Part, Reregistration, ReregState
from ..web import answers, flowstate, messages
from ..web.auth import renew_session_id, start_signed_in_session
from ..web.deps import deps
from ..web.extensions import forms_limit, limiter, only_posts
from ..web.forms import STATUS_CHOICES, AnswersForm, ApplicantForm, CodeForm, NewPasswordForm
from ..web.qr import store_qr
from ..web.sessions import passive

bp = Blueprint("reregister", __name__, url_prefix="/<lang>/cabinet/reregister")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)
PAGE = "reregister.page"


def _state() -> ReregState:
    return flowstate.load(ReregState) or ReregState()


def _step1(state: ReregState, answer: answers.Answer | None) -> ResponseReturnValue:
    problem = answer.problem if answer else None
    if state.expired and not problem:
        problem, state.expired = messages.step1_expired(), False  # said once
        flowstate.save(state)
    form = answers.restore(AnswersForm, answer, **state.answers)
    return render_template("reregister_step1.html", form=form, problem=problem, status_choices=STATUS_CHOICES,
                           phone_confirmed=state.phone_confirmed)


def _step2(state: ReregState, answer: answers.Answer | None) -> ResponseReturnValue:
    """Шаг 2: the part the visitor is at is open; the parts done show their answers."""
    return render_template(
        "reregister_step2.html", state=state, problem=answer.problem if answer else None,
        applicant=answers.restore(ApplicantForm, answer, applicant_iin=state.applicant_iin, phone=state.phone),
        code_form=answers.restore(CodeForm, answer),
        password_form=answers.restore(NewPasswordForm, answer, username=state.applicant_iin),
        masked_phone=mask(state.phone) if state.phone else "",
        delivery=Reregistration(deps()).delivery(state) if state.part is Part.CODE else None,
        store_qr=store_qr() if state.part is Part.NO_APP else None)


@bp.get("")
def page() -> ResponseReturnValue:
    state = _state()
    answer = answers.take(PAGE)
    if state.step2_open(deps().now):
        return _step2(state, answer)
    return _step1(state, answer)


@bp.post("/answers")
@flowstate.at_step(ReregState, lambda state: not state.step2_open(deps().now), PAGE, start=ReregState)
def submit_answers(state: ReregState) -> ResponseReturnValue:
    """Шаг 1, "Далее"."""
    form = AnswersForm()
    if not form.validate():
        state.answers = {f.name: str(f.data or "") for f in form}
        return answers.back_to(PAGE, form)
    result = Reregistration(deps()).answer(state, Answers(
        child_iin=form.child_iin.data, certificate=form.certificate.data,
        parent1_iin=form.parent1_iin.data, parent2_iin=form.parent2_iin.data or "",
        status=form.status.data))
    if isinstance(result, flow.Passed):
        return redirect(url_for(PAGE), code=303)
    if isinstance(result, flow.PhoneFirst):
        return answers.back_to(PAGE, problem=messages.rereg_refusal(result))
    return answers.back_to(PAGE, form, problem=messages.rereg_refusal(result))


def _at(*parts: Part) -> Any:
    """Шаг 2's actions: a passed Шаг 1 that still holds, or (under attack) the phone first."""
    return flowstate.at_step(ReregState, lambda state: state.step2_open(deps().now) and state.part in parts,
                             PAGE)


@bp.post("/applicant")
@_at(Part.APPLICANT, Part.NO_APP)
def applicant(state: ReregState) -> ResponseReturnValue:
    """Part (a), "Получить код"."""
    form = ApplicantForm()
    if not form.validate():
        state.applicant_iin, state.phone = form.applicant_iin.data or "", ""
        state.change_applicant()
        return answers.back_to(PAGE, form, anchor="part-a")
    result = Reregistration(deps()).applicant(state, form.applicant_iin.data, form.phone.data)
    if isinstance(result, flow.WrongApplicant):
        field = "applicant_iin" if result.error is flow.ApplicantError.NOT_A_PARENT else "phone"
        form.add_error(field, messages.rereg_refusal(result))
        return answers.back_to(PAGE, form, anchor="part-a")
    if isinstance(result, flow.NeedsApp):  # the page opens the choice in part (a)
        return redirect(url_for(PAGE) + "#part-a-no-app", code=303)
    if isinstance(result, flow.Locked | flow.Unavailable):
        return answers.back_to(PAGE, form, problem=messages.rereg_refusal(result), anchor="part-a")
    problem = messages.code_send_problem(result, links=False)
    if problem:
        return answers.back_to(PAGE, form, problem=problem, anchor="part-a")
    return redirect(url_for(PAGE) + "#part-b", code=303)


def _code_sent(result: codes.SendOutcome | None) -> ResponseReturnValue:
    problem = messages.code_send_problem(result, links=False)
    if problem:
        return answers.back_to(PAGE, problem=problem, anchor="part-a-no-app")
    return redirect(url_for(PAGE) + "#part-b", code=303)


@bp.post("/sms-code")
@_at(Part.NO_APP)
def sms_code(state: ReregState) -> ResponseReturnValue:
    """Part (a) with no app on the phone: "Получить код по SMS"."""
    return _code_sent(Reregistration(deps()).send_sms_code(state))


@bp.post("/send")
@_at(Part.NO_APP)
def send(state: ReregState) -> ResponseReturnValue:
    """Part (a) after binding the app: "Отправить" sends the code to it."""
    result = Reregistration(deps()).app_bound(state)
    if isinstance(result, flow.NeedsApp):
        return answers.back_to(PAGE, problem=messages.not_bound_yet(mask(state.phone)), anchor="send")
    return _code_sent(result)


@bp.post("/sms")
@_at(Part.NO_APP)
def binding_sms(state: ReregState) -> ResponseReturnValue:
    problem = messages.binding_sms_problem(Reregistration(deps()).send_binding_sms(state))
    if problem:
        return answers.back_to(PAGE, problem=problem, anchor="binding-sms")
    return redirect(url_for(PAGE) + "#binding-sent", code=303)


@bp.post("/resend")
@_at(Part.CODE)
def resend(state: ReregState) -> ResponseReturnValue:
    problem = messages.code_send_problem(Reregistration(deps()).resend(state), links=False)
    if problem:
        return answers.back_to(PAGE, problem=problem, anchor="part-b")
    flash(str(messages.CODE_SENT_AGAIN), "success")
    return redirect(url_for(PAGE) + "#part-b", code=303)


@bp.get("/status")
def status() -> ResponseReturnValue:
    passive()
    state = _state()
    if state.part is not Part.CODE:
        return "", 204
    return get_template_attribute("macros/codes.html", "delivery_status")(
        Reregistration(deps()).delivery(state), url_for("reregister.status"), url_for("reregister.resend"))


@bp.post("/code")
@_at(Part.CODE)
def confirm(state: ReregState) -> ResponseReturnValue:
    """Part (b), "Подтвердить"."""
    form = CodeForm()
    if not form.validate():
        return answers.back_to(PAGE, form, anchor="part-b")
    result = Reregistration(deps()).confirm(state, form.code.data)
    if isinstance(result, flow.PhoneConfirmed):  # Шаг 1's page says so while it is shown
        return redirect(url_for(PAGE), code=303)
    if not isinstance(result, codes.Verified):
        form.add_error("code", messages.code_refusal(result, links=False))
        return answers.back_to(PAGE, form, anchor="part-b")
    flowstate.save(state)
    renew_session_id()  # the session may now move a cabinet: a new id, written with it
    get_db().commit()
    return redirect(url_for(PAGE) + "#part-c", code=303)


@bp.post("/change")
@_at(Part.NO_APP, Part.CODE, Part.PASSWORD)
def change(state: ReregState) -> ResponseReturnValue:
    """"Изменить" on part (a): the later parts start again."""
    state.change_applicant()
    return redirect(url_for(PAGE) + "#part-a", code=303)


@bp.post("/finish")
@_at(Part.PASSWORD)
def finish(state: ReregState) -> ResponseReturnValue:
    """Part (c), "Переоформить"."""
    form = NewPasswordForm()
    if not form.validate():
        return answers.back_to(PAGE, form, anchor="part-c")
    result = Reregistration(deps()).finish(state, form.password.data)
    if isinstance(result, accounts.ConfirmationExpired):
        return answers.back_to(PAGE, problem=messages.confirmation_expired(), anchor="part-a")
    if isinstance(result, accounts.PasswordRefused):
        form.add_error("password", messages.password_problem(result.check) or "")
        return answers.back_to(PAGE, form, anchor="part-c")
    if isinstance(result, flow.Unavailable):
        return answers.back_to(PAGE, problem=messages.rereg_refusal(result), anchor="part-c")
    if isinstance(result, accounts.AlreadyDone):  # a double submit: the first one signs the parent in
        return redirect(url_for("cabinet.home"), code=303)
    start_signed_in_session(result.cabinet)
    get_db().commit()  # the move and the new session, together or not at all
    flash(messages.rereg_done(result.outcome, mask(result.cabinet.phone)), "success")
    return redirect(url_for("cabinet.home"), code=303)


@bp.get("/cancel")
def confirm_cancel() -> ResponseReturnValue:
    """"Отмена" asks first: the answers typed so far would be thrown away."""
    return render_template("reregister_cancel.html")


@bp.post("/cancel")
def cancel() -> ResponseReturnValue:
    """"Да, отменить": nothing of the re-registration is kept."""
    flowstate.clear(ReregState)
    flash(str(messages.REREG_CANCELLED), "info")
    return redirect(url_for("login.step1"), code=303)


@bp.post("/restart")
@flowstate.at_step(ReregState, lambda state: True, PAGE)
def restart(state: ReregState) -> ResponseReturnValue:
    """"Изменить" on Шаг 1's answers: back to the questions, the answers kept."""
    state.child_iin, state.parents, state.passed_at = "", [], None
    state.change_applicant()
    return redirect(url_for(PAGE), code=303)
