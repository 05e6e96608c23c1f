"""The signed-in cabinet: the session's cabinet, login_required, and the privilege changes
(sign-in, a right code or link, sign-out), each written with what it changes."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from ..db import get_db
from ..models import Cabinet
from . import flowstate
from .deps import now, remember_device
from .flowstate import SignedInState
from .security import safe_next
from .sessions import persist_now

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])
SIGNED_IN_AT_MOST = timedelta(hours=12)  # however active the session, then sign in again


def current_cabinet() -> Cabinet | None:
    """The session's cabinet, unless its password changed since (the epoch moved on)."""
    if "cabinet" not in g:
        state = flowstate.load(SignedInState)
        cabinet = get_db().get(Cabinet, state.cabinet_id) if state else None
        if state is not None and (cabinet is None or cabinet.session_epoch != state.epoch or state.since is None
                                  or now() - state.since > SIGNED_IN_AT_MOST):
            flowstate.clear(SignedInState)
            cabinet = None
        g.cabinet = cabinet
    return g.cabinet


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if current_cabinet() is None:
            if request.method != "GET":  # a POST's URL is no page to come back to: the cabinet is
                return redirect(url_for("login.step1", next=url_for("cabinet.home")), code=303)
            return redirect(url_for("login.step1", next=safe_next(request.full_path.rstrip("?"))))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def start_signed_in_session(cabinet: Cabinet) -> None:
    """A new session id at every sign-in, written with the sign-in itself; the caller commits."""
    session.regenerate()  # type: ignore[attr-defined]
    flowstate.start_afresh(keep=SignedInState(cabinet.id, cabinet.session_epoch, since=now()))
    persist_now()
    remember_device(cabinet.id)
    g.cabinet = cabinet


def renew_session_id() -> None:
    """A right code or link raised what this session may do: a new id; the caller commits."""
    session.regenerate()  # type: ignore[attr-defined]
    persist_now()


def end_session() -> None:
    """Sign-out: the row is deleted in the caller's transaction; nothing of it is kept."""
    flowstate.clear(*flowstate.KEYS)
    session.clear()
    persist_now()
    g.cabinet = None
