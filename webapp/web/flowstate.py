"""Where each flow's state lives in the session, and the step guard that loads and saves it.

A flow's state is a dataclass from services (it turns into a plain dict). A view
of a flow's step gets the state from the guard and changes it through the
service; the guard saves it after the view, whatever the outcome, so no view has
to remember to. A view that ends the flow (sign-in, "Отмена") says so, and
nothing is saved back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, session, url_for
from flask.typing import ResponseReturnValue

from ..services.recovery import RecoveryState
from ..services.reregistration import ReregState
from ..services.signin import SignInState
from ..services.state import FlowState


@dataclass
class SignedInState(FlowState):
    cabinet_id: int = 0
    epoch: int = 0
    since: datetime | None = None  # a session signed in longer ago than auth.SIGNED_IN_AT_MOST ends


KEYS: dict[type[FlowState], str] = {
    SignInState: "signin",
    RecoveryState: "recovery",
    ReregState: "rereg",
    SignedInState: "signed_in",
}
FLASH_KEY = "_flashes"  # Flask's own: notices that survive a new session id

S = TypeVar("S", bound=FlowState)


def load(kind: type[S]) -> S | None:
    return kind.from_dict(session.get(KEYS[kind]))


def save(state: FlowState) -> None:
    session[KEYS[type(state)]] = state.to_dict()


def clear(*kinds: type[FlowState]) -> None:
    """These flows end here: their state goes, and a step guard saves nothing back."""
    ended: set[type[FlowState]] = g.setdefault("flows_ended", set())
    for kind in kinds:
        session.pop(KEYS[kind], None)
        ended.add(kind)


def start_afresh(keep: FlowState | None = None) -> None:
    """A new person or a new privilege: nothing of the previous flows carries over."""
    flashes = session.get(FLASH_KEY)
    clear(*KEYS)
    if flashes:
        session[FLASH_KEY] = flashes
    if keep is not None:
        save(keep)


def _ended(kind: type[FlowState]) -> bool:
    return kind in g.get("flows_ended", set())


def at_step(kind: type[S], here: Callable[[S], bool], page: str,
            start: Callable[[], S | None] | None = None) -> Callable[..., Any]:
    """The view runs with the flow's state when the visitor is at a step where this action
    exists (`here`); otherwise (no flow, another step, a lapsed step) they see the page of
    the step they are at. The state is saved after the view in every case."""
    def decorate(view: Callable[[S], ResponseReturnValue]) -> Callable[[], ResponseReturnValue]:
        @wraps(view)
        def wrapped() -> ResponseReturnValue:
            state = load(kind) or (start() if start else None)
            if state is None:
                return redirect(url_for(page), code=303)  # a POST refused: post/redirect/get
            if not here(state):
                save(state)  # what `here` noticed (a lapsed step) is kept
                return redirect(url_for(page), code=303)
            response = view(state)
            if not _ended(kind):
                save(state)
            return response

        return wrapped

    return decorate
