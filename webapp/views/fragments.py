"""htmx inline validation: pure functions of what was sent (no session, no database).

Each answers with the markup the full page uses for the same message: the page's
own macro, called directly (no page context is needed for a piece of a field),
from the same service rule the full-page POST applies.
"""
from __future__ import annotations

from flask import Blueprint, get_template_attribute, request
from flask.typing import ResponseReturnValue

from ..web import messages
from ..web.extensions import fragments_limit, limiter
from ..services import iin, passwords, phone

bp = Blueprint("fragments", __name__, url_prefix="/<lang>/check")
limiter.limit(fragments_limit)(bp)
IIN_FIELDS = frozenset({"iin", "child_iin", "parent1_iin", "parent2_iin", "applicant_iin"})


def _typing() -> bool:
    """app.js says whether the visitor is still typing ("input") or left the field."""
    return request.form.get("event") == "input"


def _value(name: str, limit: int = 64) -> str:
    return (request.form.get(name) or "")[:limit]


@bp.post("/iin")
def iin_message() -> ResponseReturnValue:
    """The message under any IIN field (htmx names the field that asked)."""
    name = request.htmx.trigger_name if request.htmx.trigger_name in IIN_FIELDS else "iin"  # type: ignore[attr-defined]
    error = iin.inline_error(_value(name), typing=_typing())
    return _message(messages.iin_error(error))


@bp.post("/phone")
def phone_message() -> ResponseReturnValue:
    error = phone.inline_error(_value("phone"), typing=_typing())
    return _message(messages.phone_error(error))


@bp.post("/password")
def password_rules() -> ResponseReturnValue:
    """The checklist for what is typed; compared only with the IIN and phone the same form
    carries (the visitor's own), never with anything stored."""
    typed_iin, iin_error = iin.validate(_value("username"))
    typed_phone, phone_error = phone.normalise(_value("phone"))
    check = passwords.check(_value("password", passwords.MAX_LENGTH + 64),
                            iin=None if iin_error else typed_iin, phone=None if phone_error else typed_phone)
    return get_template_attribute("macros/forms.html", "checklist_update")("password", check)


def _message(message: str | None) -> ResponseReturnValue:
    return get_template_attribute("macros/forms.html", "error_text")(message)
