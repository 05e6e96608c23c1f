"""Sign in: ШАГ 1 (IIN and consents) and ШАГ 2 (password)."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from ..i18n import gettext as _

from ..db import get_db
from ..extensions import forms_limit, limiter, only_posts
from ..forms import LoginStep1Form, LoginStep2Form
from ..i18n import duration
from ..services import accounts
from .common import (client_address, draft, keep_draft, now, safe_next, signed_in_cabinet,
                     start_signed_in_session)

bp = Blueprint("login", __name__, url_prefix="/<lang>/cabinet/login")
limiter.limit(forms_limit, exempt_when=only_posts)(bp)


def _flow() -> dict:
    return session.get("login") or {}


def _remember(**values: object) -> None:
    session["login"] = {**_flow(), **values}


def _per_client() -> accounts.Limit:
    return accounts.client_limit(current_app.config["SIGNIN_FAILURES_PER_ADDRESS"])


@bp.route("", methods=["GET", "POST"])
def step1() -> ResponseReturnValue:
    if request.method == "GET" and signed_in_cabinet() is not None:
        return redirect(url_for("cabinet.home"))
    form = LoginStep1Form()
    nxt = safe_next(request.args.get("next"))
    if request.method == "GET":
        form.iin.data = draft("iin") or _flow().get("iin", "")
        form.agree_terms.data = bool(_flow().get("agree_terms"))
        form.agree_contacts.data = bool(_flow().get("agree_contacts"))
        return _render_step1(form)
    valid = form.validate()
    keep_draft("iin", (request.form.get("iin") or "")[:20])
    _remember(agree_terms=bool(form.agree_terms.data), agree_contacts=bool(form.agree_contacts.data))
    if not valid:
        return _render_step1(form)
    _remember(iin=form.iin.data, next=nxt)
    # A new IIN starts afresh: no recovery or binding state of another person carries over.
    session.pop("recovery", None)
    session.pop("binding", None)
    cabinet = accounts.find(get_db(), form.iin.data)
    if cabinet is not None and cabinet.password_hash is None:
        # Created when the child was queued: the parent sets a first password.
        session["recovery"] = {"iin": cabinet.iin, "mode": "setup"}
        return redirect(url_for("recovery.start"))
    return redirect(url_for("login.step2"))


def _render_step1(form: LoginStep1Form) -> ResponseReturnValue:
    return render_template("login_step1.html", form=form, page_errors=form.error_list(),
                           title=_("Вход в Личный кабинет"), section="cabinet",
                           page_title=_("Вход в Личный кабинет — шаг 1"),
                           crumb=_("Вход"), next=safe_next(request.args.get("next")))


@bp.route("/password", methods=["GET", "POST"])
def step2() -> ResponseReturnValue:
    iin = _flow().get("iin")
    if not iin:
        return redirect(url_for("login.step1"))
    form = LoginStep2Form()
    if request.method == "GET":
        return _render_step2(form, iin)
    if request.form.get("action") == "back":
        return redirect(url_for("login.step1"))
    if form.validate():
        db = get_db()
        result = accounts.sign_in(
            db, iin, form.password.data, client=client_address(), now=now(),
            device=accounts.device_summary(request.user_agent.string), per_client=_per_client())
        db.commit()
        if isinstance(result, accounts.SignedIn):
            target = _flow().get("next") or url_for("cabinet.home")
            start_signed_in_session(result.cabinet)
            return redirect(target)
        if result.locked_for:
            notice = _("Слишком много неудачных попыток входа. Вход временно заблокирован, "
                       "попробуйте снова %(when)s.", when=duration(result.locked_for))
            form.add_error("password", notice)
        else:
            form.add_error("password", _("Неверный ИИН или пароль"))
    return _render_step2(form, iin)


def _render_step2(form: LoginStep2Form, iin: str) -> ResponseReturnValue:
    return render_template("login_step2.html", form=form, iin=iin, page_errors=form.error_list(),
                           title=_("Вход в Личный кабинет"), section="cabinet", crumb=_("Вход"),
                           page_title=_("Вход в Личный кабинет — шаг 2"))
