"""htmx fragments: inline validation and countdown refreshes.

Each answers with a piece rendered by the same macro the full page uses, from
the same service function the full-page POST calls.
"""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, render_template, request, session
from flask.typing import ResponseReturnValue

from .. import messages
from ..db import get_db
from ..extensions import fragments_limit, limiter
from ..i18n import current_lang
from ..services import codes, iin, passwords
from ..services import phone as phone_rules
from . import binding_panel
from .common import form_text, keep_draft, now

bp = Blueprint("fragments", __name__, url_prefix="/<lang>/fragments")
limiter.limit(fragments_limit)(bp)


def _still_typing(raw: str, complete_length: int) -> bool:
    """Digits so far, fewer than needed, while the user types: nothing to say yet."""
    cleaned = iin.clean(raw)
    return (request.form.get("event") == "input" and len(cleaned) < complete_length
            and set(cleaned) <= iin.ASCII_DIGITS)


@bp.post("/iin", endpoint="iin")
def iin_message() -> ResponseReturnValue:
    """The message under any IIN field; the field is the one htmx says triggered it."""
    name = request.headers.get("HX-Trigger-Name") or "iin"
    raw = form_text(name, 64)
    keep_draft(name, raw[:20])
    if name == "parent2_iin" and not iin.clean(raw):
        return _message(None)
    if _still_typing(raw, 12):
        return _message(None)
    return _message(messages.iin_error(iin.validate(raw)[1]))


@bp.post("/phone", endpoint="phone")
def phone_message() -> ResponseReturnValue:
    raw = form_text("phone", 64)
    keep_draft("phone", raw[:30])
    digits = "".join(ch for ch in raw if ch.isdigit())
    if request.form.get("event") == "input" and len(digits) < 10 and not any(
            ch.isalpha() for ch in raw):
        return _message(None)
    error = phone_rules.normalise(raw)[1]
    return _message(str(messages.PHONE_ERRORS[error]) if error else None)


@bp.post("/password-rules")
def password_rules() -> ResponseReturnValue:
    password = form_text("password", passwords.MAX_LENGTH + 64)
    context_iin, context_phone = _password_context()
    check = passwords.check(password, iin=context_iin, phone=context_phone)
    return _checklist(current_lang(), tuple(check.met.values()), check.problems)


@lru_cache(maxsize=1024)
def _checklist(lang: str, met: tuple[bool, ...], problems: tuple[passwords.Problem, ...]) -> str:
    """The checklist depends only on the language and which rules hold: render each once."""
    check = passwords.Check(met=dict(zip(passwords.Rule, met, strict=True)), problems=problems)
    return render_template("fragments/checklist.html", check=check)


def _password_context() -> tuple[str | None, str | None]:
    """The IIN and phone the new password must not contain, from the form or the flow."""
    applicant, _error = iin.validate(form_text("applicant_iin", 64))
    phone, _perror = phone_rules.normalise(form_text("phone", 64))
    if applicant or phone:
        return (applicant if not _error else None), (phone if not _perror else None)
    recovery = session.get("recovery") or {}
    if recovery.get("iin"):
        from ..services.accounts import find

        cabinet = find(get_db(), recovery["iin"])
        return recovery["iin"], cabinet.phone if cabinet else None
    return None, None


@bp.get("/resend/<flow>")
def resend(flow: str) -> ResponseReturnValue:
    """The resend block with the server's own count of seconds left."""
    from .recovery import code_target as recovery_target
    from .reregister import code_target as rereg_target

    target = {"recovery": recovery_target, "reregister": rereg_target}.get(flow)
    found = target() if target else None
    if found is None:
        return "", 204
    purpose, subject, action = found
    seconds = codes.resend_in(get_db(), purpose, subject, now())
    return render_template("fragments/resend.html", seconds=seconds, flow=flow, action=action)


@bp.get("/binding")
def binding() -> ResponseReturnValue:
    """A fresh one-time password and QR once the last one has run out."""
    phone = binding_panel.current_phone()
    if phone is None:
        return "", 204
    panel = binding_panel.current(phone)
    get_db().commit()
    return render_template("fragments/binding.html", panel=panel)


def _message(message: str | None) -> ResponseReturnValue:
    return _message_html(current_lang(), message)


@lru_cache(maxsize=256)
def _message_html(lang: str, message: str | None) -> str:
    """A field message depends only on its text and language: render each once."""
    return render_template("fragments/message.html", message=message)
