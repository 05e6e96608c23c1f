"""Переоформление Личного кабинета: Шаг 1 (questions) and Шаг 2 in three parts."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from .. import flowstate, messages
from ..auth import renew_session_id, start_signed_in_session
from ..context import deps
from ..db import get_db
from ..extensions import forms_limit, limiter, only_posts
from ..forms import STATUS_CHOICES, AnswersForm, ApplicantForm, NewPasswordForm, ReregCodeForm
from ..services import accounts, codes
from ..services import reregistration as flow
from ..services.phone import mask
from ..services.reregistration import Answers, Part, Reregistration, ReregState
from .qr import store_qr
from .steps import at_step

bp = Blueprint("reregister", __name__, url_prefix="/<lang>/cabinet/reregister")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)


def _state() -> ReregState:
    return flowstate.load(ReregState) or ReregState()


def _step1(state: ReregState, form: AnswersForm | None = None, problem: str | None = None) -> ResponseReturnValue:
    if form is None:
        form = AnswersForm(formdata=None, data=state.answers)
        if state.expired:
            problem, state.expired = str(messages.STEP1_EXPIRED), False  # said once
            flowstate.save(state)
    return render_template("reregister_step1.html", form=form, problem=problem, status_choices=STATUS_CHOICES)


def _step2(state: ReregState, *, form: Any = None, problem: str | None = None) -> ResponseReturnValue:
    """Шаг 2: the part the visitor is at is open; the parts done show their answers."""
    applicant = form if isinstance(form, ApplicantForm) else ApplicantForm(
        formdata=None, data={"applicant_iin": state.applicant_iin, "phone": state.phone})
    code_form = form if isinstance(form, ReregCodeForm) else ReregCodeForm(formdata=None)
    password_form = form if isinstance(form, NewPasswordForm) else NewPasswordForm(
        formdata=None, data={"username": state.applicant_iin})
    return render_template(
        "reregister_step2.html", state=state, form=form, applicant=applicant, code_form=code_form,
        password_form=password_form, problem=problem, masked_phone=mask(state.phone) if state.phone else "",
        resend_in=Reregistration(deps()).resend_in(state) if state.part is Part.CODE else 0,
        store_qr=store_qr() if state.part is Part.BIND else None)


@bp.get("")
def page() -> ResponseReturnValue:
    state = _state()
    if state.passed(deps().now):
        return _step2(state)
    return _step1(state)


@bp.post("/answers")
def answers() -> ResponseReturnValue:
    """Шаг 1, "Далее"."""
    state = _state()
    form = AnswersForm()
    if not form.validate():
        state.answers = {f.name: str(f.data or "") for f in form}
        flowstate.save(state)
        return _step1(state, form)
    result = Reregistration(deps()).answer(state, Answers(
        child_iin=form.child_iin.data, certificate=form.certificate.data,
        parent1_iin=form.parent1_iin.data, parent2_iin=form.parent2_iin.data or "",
        status=form.status.data))
    flowstate.save(state)
    if isinstance(result, flow.Passed):
        return redirect(url_for("reregister.page"))
    return _step1(state, form, messages.rereg_refusal(result))


def _at(*parts: Part) -> Any:
    """Шаг 2's actions need a passed Шаг 1 that still holds."""
    return at_step(_state, lambda state: state.passed(deps().now) and state.part in parts, "reregister.page")


@bp.post("/applicant")
@_at(Part.APPLICANT, Part.BIND)
def applicant(state: ReregState) -> ResponseReturnValue:
    """Part (a), "Получить код"."""
    form = ApplicantForm()
    if not form.validate():
        state.applicant_iin, state.phone = form.applicant_iin.data or "", ""
        state.change_applicant()
        flowstate.save(state)
        return _step2(state, form=form)
    result = Reregistration(deps()).applicant(state, form.applicant_iin.data, form.phone.data)
    flowstate.save(state)
    if isinstance(result, flow.WrongApplicant):
        field = "applicant_iin" if result.error is flow.ApplicantError.NOT_A_PARENT else "phone"
        form.add_error(field, messages.rereg_refusal(result))
        return _step2(state, form=form)
    if isinstance(result, flow.NeedsApp):  # the page opens the binding steps in part (a)
        return redirect(url_for("reregister.page"))
    problem = messages.code_send_problem(result) if not isinstance(result, flow.Locked | flow.Unavailable) \
        else messages.rereg_refusal(result)
    if problem:
        return _step2(state, form=form, problem=problem)
    return redirect(url_for("reregister.page"))


@bp.post("/sms")
@_at(Part.BIND)
def send_sms(state: ReregState) -> ResponseReturnValue:
    problem = messages.sms_problem(Reregistration(deps()).send_sms(state))
    flowstate.save(state)
    if problem:
        return _step2(state, problem=problem)
    return redirect(url_for("reregister.page"))


@bp.post("/resend")
@_at(Part.CODE)
def resend(state: ReregState) -> ResponseReturnValue:
    problem = messages.code_send_problem(Reregistration(deps()).resend(state))
    if problem:
        return _step2(state, problem=problem)
    flash(str(messages.CODE_SENT_AGAIN), "success")
    return redirect(url_for("reregister.page"))


@bp.post("/code")
@_at(Part.CODE)
def confirm(state: ReregState) -> ResponseReturnValue:
    """Part (b), "Подтвердить"."""
    form = ReregCodeForm()
    if not form.validate():
        return _step2(state, form=form)
    result = Reregistration(deps()).confirm(state, form.code.data)
    flowstate.save(state)
    if not isinstance(result, codes.Verified):
        form.add_error("code", messages.code_refusal(result))
        return _step2(state, form=form)
    renew_session_id()  # the session may now move a cabinet: a new id, written with it
    get_db().commit()
    return redirect(url_for("reregister.page"))


@bp.post("/change")
@_at(Part.BIND, Part.CODE, Part.PASSWORD)
def change(state: ReregState) -> ResponseReturnValue:
    """"Изменить" on part (a): the later parts start again."""
    state.change_applicant()
    flowstate.save(state)
    return redirect(url_for("reregister.page"))


@bp.post("/finish")
@_at(Part.PASSWORD)
def finish(state: ReregState) -> ResponseReturnValue:
    """Part (c), "Переоформить"."""
    form = NewPasswordForm()
    if not form.validate():
        return _step2(state, form=form)
    result = Reregistration(deps()).finish(state, form.password.data)
    if isinstance(result, accounts.ConfirmationExpired):
        flowstate.save(state)
        return _step2(state, problem=str(messages.CONFIRMATION_EXPIRED))
    if isinstance(result, accounts.PasswordRefused):
        form.add_error("password", messages.password_problem(result.check))
        return _step2(state, form=form)
    if isinstance(result, accounts.AlreadyDone):  # a double submit: the first one signs the parent in
        return redirect(url_for("cabinet.home"))
    start_signed_in_session(result.cabinet)
    get_db().commit()  # the move and the new session, together or not at all
    flash(messages.rereg_done(result.outcome, mask(result.cabinet.phone)), "success")
    return redirect(url_for("cabinet.home"))


@bp.post("/cancel")
def cancel() -> ResponseReturnValue:
    """"Отмена": nothing of the re-registration is kept."""
    flowstate.clear(ReregState)
    flash(str(messages.REREG_CANCELLED), "info")
    return redirect(url_for("login.step1"))


@bp.post("/restart")
def restart() -> ResponseReturnValue:
    """"Изменить" on Шаг 1's answers: back to the questions, the answers kept."""
    state = _state()
    state.child_iin, state.parents, state.passed_at = "", [], None
    state.change_applicant()
    flowstate.save(state)
    return redirect(url_for("reregister.page"))
