"""Sign in: ШАГ 1 (IIN and consents) and ШАГ 2 (password)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..db import get_db
from ..services.accounts import device_summary
from ..services.recovery import RecoveryState
from ..services.signin import SignedIn, SignIn, SignInState
from ..web import answers, flowstate, messages
from ..web.auth import current_cabinet, start_signed_in_session
from ..web.deps import deps
from ..web.extensions import forms_limit, limiter, only_posts
from ..web.forms import LoginForm, PasswordForm
from ..web.security import safe_next
from . import recovery

bp = Blueprint("login", __name__, url_prefix="/<lang>/cabinet/login")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)


@bp.get("")
def step1() -> ResponseReturnValue:
    if current_cabinet() is not None:
        return redirect(url_for("cabinet.home"))
    state = flowstate.load(SignInState) or SignInState()
    form = answers.restore(LoginForm, answers.take("login.step1"), iin=state.iin,
                           agree_terms=state.agree_terms, agree_contacts=state.agree_contacts)
    return render_template("login_step1.html", form=form, next=safe_next(request.args.get("next")) or state.next,
                           signed_out=request.args.get("signed_out") == "1")


@bp.post("")
def submit_iin() -> ResponseReturnValue:
    form = LoginForm()
    valid = form.validate()
    state = SignInState(iin=form.iin.data or "", agree_terms=bool(form.agree_terms.data),
                        agree_contacts=bool(form.agree_contacts.data),
                        next=safe_next(request.args.get("next")), passed=valid)
    flowstate.save(state)
    if not valid:
        return answers.back_to("login.step1", form)
    flowstate.clear(RecoveryState)  # a new IIN: nothing of another person's recovery carries over
    if SignIn(deps()).needs_first_password(state.iin):
        # Created when the child was queued: the parent sets a first password (a counted
        # start; past this address's starts, step 2 as for any IIN, so nothing is told).
        started = recovery.begin(state.iin, quiet=True)
        if started is not None:
            return started
    return redirect(url_for("login.step2"), code=303)


def _signin_state() -> SignInState | None:
    state = flowstate.load(SignInState)
    return state if state is not None and state.passed else None


@bp.get("/password")
def step2() -> ResponseReturnValue:
    state = _signin_state()
    if state is None:
        return redirect(url_for("login.step1"))
    lock = SignIn(deps()).lock(state)
    form = answers.restore(PasswordForm, answers.take("login.step2"))
    return render_template("login_step2.html", form=form, iin=state.iin,
                           locked=messages.signin_locked(lock) if lock else None)


@bp.post("/password")
def sign_in() -> ResponseReturnValue:
    state = _signin_state()
    if state is None:
        return redirect(url_for("login.step1"), code=303)
    form = PasswordForm()
    if not form.validate():
        return answers.back_to("login.step2", form)
    result = SignIn(deps()).password(state, form.password.data,
                                     device=device_summary(request.user_agent.string))
    if isinstance(result, SignedIn):
        start_signed_in_session(result.cabinet)
        get_db().commit()  # the sign-in and its new session, together or not at all
        return redirect(state.next or url_for("cabinet.home"), code=303)
    message, locked = messages.signin_refusal(result)
    if not locked:
        form.add_error("password", message)
    return answers.back_to("login.step2", form)  # a lock is shown by the page itself
