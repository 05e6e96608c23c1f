"""Post/redirect/get for answers with errors: a POST that is refused keeps what was typed
(never a password or a code) and the messages in the session, and answers 303 to the
page, which shows them once. Reloading that page (pull-to-refresh) sends nothing again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import redirect, session, url_for
from werkzeug.wrappers import Response

from ..services import passwords
from .forms import Form

KEY = "_answer"
CHECKLIST_KEY = "_checklist"
NEVER_KEPT = frozenset({"PasswordField", "CSRFTokenField"})
F = TypeVar("F", bound=Form)


@dataclass
class Answer:
    form: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    problem: str | None = None


def _kept(form: Form) -> dict[str, Any]:
    return {f.name: f.data for f in form
            if f.type not in NEVER_KEPT and f.name != "code" and isinstance(f.data, str | bool | None)}


def _checklist(form: Form | None) -> dict[str, Any]:
    """A refused new password is not kept, but how it fared is: the checklist shows it
    after the reload too (without JavaScript it is the only time it is drawn)."""
    field = form["password"] if form is not None and "password" in form and "password_repeat" in form else None
    if field is None or not isinstance(field.data, str) or not field.data:
        return {}
    return {CHECKLIST_KEY: {rule.value: met for rule, met in passwords.check(field.data).met.items()}}


def back_to(endpoint: str, form: Form | None = None, *, problem: str | None = None, anchor: str | None = None,
            keep: dict[str, Any] | None = None) -> Response:
    """Remember the refused answer for the page `endpoint` and send the browser there."""
    session[KEY] = {"page": endpoint, "form": type(form).__name__ if form else None,
                    "data": {**(_kept(form) if form else {}), **_checklist(form), **(keep or {})},
                    "errors": {f.name: [str(e) for e in f.errors] for f in form if f.errors} if form else {},
                    "problem": problem}
    if problem and anchor:
        anchor = "problem"  # the page says it at its top: that is what must be in view
    target = url_for(endpoint) + (f"#{anchor}" if anchor else "")
    return redirect(target, code=303)


def take(endpoint: str) -> Answer | None:
    """The refused answer waiting for this page, once."""
    raw = session.get(KEY)
    if not isinstance(raw, dict) or raw.get("page") != endpoint:
        return None
    session.pop(KEY, None)
    return Answer(form=raw.get("form"), data=dict(raw.get("data") or {}),
                  errors={k: list(v) for k, v in (raw.get("errors") or {}).items()}, problem=raw.get("problem"))


def restore(form_class: type[F], answer: Answer | None, **defaults: Any) -> F:
    """The form as the visitor left it: what they typed and its messages (or the defaults)."""
    if answer is None or answer.form != form_class.__name__:
        return form_class(formdata=None, data=defaults)
    form = form_class(formdata=None, data={**defaults, **answer.data})
    form.checklist = answer.data.get(CHECKLIST_KEY)
    for name, errors in answer.errors.items():
        if name in form:
            form[name].errors = list(errors)
    return form
