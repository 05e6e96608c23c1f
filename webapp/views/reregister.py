"""Переоформление Личного кабинета: Шаг 1 (questions) and Шаг 2 (IIN, phone, code, password)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from ..i18n import gettext as _

from .. import messages
from ..db import get_db
from ..extensions import forms_limit, limiter, only_posts
from ..forms import STATUS_CHOICES, ReregStep1Form, ReregStep2Form, code_rule
from ..i18n import duration
from ..services import binding, codes, reregistration
from ..services.phone import mask
from . import binding_panel
from .common import (client_address, draft, keep_draft, notifier, now, pepper, registry,
                     start_signed_in_session)

bp = Blueprint("reregister", __name__, url_prefix="/<lang>/cabinet/reregister")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)
PURPOSE = reregistration.CODE_PURPOSE
ANSWER_FIELDS = ("child_iin", "certificate", "parent1_iin", "parent2_iin", "status")


def _state() -> dict[str, Any]:
    return session.get("rereg") or {}


def _save(**values: Any) -> None:
    session["rereg"] = {**_state(), **values}


def _passed() -> dict[str, Any] | None:
    """Step 1's result, while it is still valid for this session."""
    passed = _state().get("passed")
    if not passed:
        return None
    if now() - datetime.fromisoformat(passed["at"]) > reregistration.STEP1_VALID_FOR:
        _save(passed=None, expired=True)
        return None
    return passed


def code_target() -> tuple[str, str, str] | None:
    passed = _passed()
    if passed is None:
        return None
    return PURPOSE, reregistration.code_subject(passed["child_iin"]), url_for("reregister.start")


def _title() -> str:
    return _("Переоформление Личного кабинета")


@bp.route("", methods=["GET", "POST"])
def start() -> ResponseReturnValue:
    action = request.form.get("action") if request.method == "POST" else None
    if action == "cancel":
        session.pop("rereg", None)
        session.pop("binding", None)
        flash(_("Переоформление отменено."), "info")
        return redirect(url_for("login.step1"))
    passed = _passed()
    if passed is None:
        if action == "next":
            return _step1_submit()
        if action is not None:
            flash(_("Сначала ответьте на вопросы Шага 1."), "warning")
            return redirect(url_for("reregister.start"))
        form = ReregStep1Form(formdata=None, data={name: draft(name) or "" for name in ANSWER_FIELDS})
        notice = None
        if _state().get("expired"):
            _save(expired=False)  # said once
            notice = _("Время на Шаг 2 истекло. Ответьте на вопросы ещё раз.")
        return _render_step1(form, notice=notice)
    if action == "code":
        return _get_code(passed)
    if action == "submit":
        return _finish(passed)
    form = ReregStep2Form(formdata=None, data={
        "applicant_iin": draft("applicant_iin") or "", "phone": draft("phone") or ""})
    return _render_step2(form, passed)


def _render_step1(form: ReregStep1Form, notice: str | None = None) -> ResponseReturnValue:
    return render_template("reregister_step1.html", title=_title(), crumb=_title(),
                           page_title=_("Переоформление Личного кабинета — шаг 1"),
                           section="cabinet", form=form, page_errors=form.error_list(),
                           notice=notice, status_choices=STATUS_CHOICES)


def _step1_submit() -> ResponseReturnValue:
    form = ReregStep1Form()
    valid = form.validate()
    for name in ANSWER_FIELDS:
        keep_draft(name, (request.form.get(name) or "")[:64])
    if not valid:
        return _render_step1(form)
    answers = reregistration.Answers(
        child_iin=form.child_iin.data, certificate=form.certificate.data,
        parent1_iin=form.parent1_iin.data, parent2_iin=form.parent2_iin.data or "",
        status=form.status.data)
    db = get_db()
    result = reregistration.check_answers(
        db, registry(), answers, client=client_address(), now=now(),
        per_client=reregistration.client_limit(current_app.config["REREG_ATTEMPTS_PER_ADDRESS"]))
    db.commit()
    if isinstance(result, reregistration.Passed):
        _save(passed={"child_iin": result.child_iin, "parents": list(result.parents),
                      "at": now().isoformat()})
        return redirect(url_for("reregister.start"))
    if result is reregistration.Unavailable.REGISTRY:
        notice = str(messages.UNAVAILABLE)
    elif result.locked_for:
        notice = _("Слишком много попыток. Повторите %(when)s.", when=duration(result.locked_for))
    else:
        notice = _("Ответы не совпадают с данными о ребенке. Проверьте все ответы и попробуйте ещё раз.")
    form.status.errors = []
    return _render_step1(form, notice=notice)


def _render_step2(form: ReregStep2Form, passed: dict[str, Any], *, notice: str | None = None,
                  panel: binding_panel.Panel | None = None, sent: bool = False) -> ResponseReturnValue:
    subject = reregistration.code_subject(passed["child_iin"])
    seconds = codes.resend_in(get_db(), PURPOSE, subject, now())
    return render_template(
        "reregister_step2.html", title=_title(), crumb=_title(), section="cabinet", form=form,
        page_title=_("Переоформление Личного кабинета — шаг 2"),
        page_errors=form.error_list(), notice=notice, panel=panel,
        store_qr=binding_panel.store_qr() if panel else None,
        code_sent=sent or bool(_state().get("code_phone")), resend_in=seconds)


def _applicant(form: ReregStep2Form, passed: dict[str, Any]) -> bool:
    """Check Ваш ИИН and the phone against the certificate and БМГ; errors go on the form."""
    ok = form.applicant_iin.validate(form) & form.phone.validate(form)
    keep_draft("applicant_iin", (request.form.get("applicant_iin") or "")[:20])
    keep_draft("phone", (request.form.get("phone") or "")[:30])
    if not ok:
        return False
    problem = reregistration.check_applicant(
        registry(), tuple(passed["parents"]), form.applicant_iin.data, form.phone.data)
    if problem is reregistration.Unavailable.REGISTRY:
        form.add_error("phone", str(messages.UNAVAILABLE))
        return False
    if problem is reregistration.ApplicantError.NOT_A_PARENT:
        form.add_error("applicant_iin", str(messages.APPLICANT_ERRORS[problem]))
        return False
    if problem is not None:
        form.add_error("phone", str(messages.APPLICANT_ERRORS[problem]))
        return False
    return True


def _get_code(passed: dict[str, Any]) -> ResponseReturnValue:
    form = ReregStep2Form()
    if not _applicant(form, passed):
        return _render_step2(form, passed)
    db = get_db()
    phone = form.phone.data
    if not binding.is_bound(db, phone):
        panel = binding_panel.current(phone)
        db.commit()
        return _render_step2(form, passed, panel=panel, notice=_(
            "На номере %(phone)s не привязано приложение ed24.kz. Привяжите его по инструкции ниже "
            "и нажмите «Получить код» ещё раз.", phone=mask(phone)))
    result = codes.send(db, notifier(), purpose=PURPOSE,
                        subject=reregistration.code_subject(passed["child_iin"]),
                        phone=phone, now=now(), pepper=pepper())
    db.commit()
    if isinstance(result, codes.Sent):
        _save(code_phone=phone)
        session.pop("binding", None)
        return _render_step2(form, passed, sent=True)
    return _render_step2(form, passed, notice=messages.code_send_problem(result))


def _finish(passed: dict[str, Any]) -> ResponseReturnValue:
    form = ReregStep2Form()
    applicant_ok = _applicant(form, passed)
    code_ok = form.code.validate(form, extra_validators=[code_rule])
    form.check_new_password(iin_value=form.applicant_iin.data if applicant_ok else None,
                            phone_value=form.phone.data if applicant_ok else None)
    if not (applicant_ok and code_ok) or form.errors:
        return _render_step2(form, passed)
    db = get_db()
    subject = reregistration.code_subject(passed["child_iin"])
    result = codes.verify(db, purpose=PURPOSE, subject=subject, phone=form.phone.data,
                          code=form.code.data, now=now(), pepper=pepper())
    if not isinstance(result, codes.Verified):
        db.commit()  # the wrong try is counted
        form.add_error("code", messages.code_refusal(result))
        return _render_step2(form, passed)
    done = reregistration.complete(
        db, notifier(), child_iin=passed["child_iin"], applicant_iin=form.applicant_iin.data,
        phone=form.phone.data, password=form.password.data, client=client_address(), now=now())
    db.commit()
    start_signed_in_session(done.cabinet)
    if done.outcome is reregistration.Outcome.JOINED:
        flash(_("Личный кабинет переоформлен: дети добавлены в ваш Личный кабинет. Вход выполнен."), "success")
    else:
        flash(_("Личный кабинет переоформлен на ваш ИИН и номер %(phone)s. Вход выполнен.",
                phone=mask(done.cabinet.phone)), "success")
    return redirect(url_for("cabinet.home"))

