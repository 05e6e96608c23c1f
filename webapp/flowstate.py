"""Where each flow's state lives in the session: this module owns every session key.

A flow's state is a dataclass from services (it turns into a plain dict);
the signed-in cabinet is the cabinet id with its session epoch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from flask import session

from .services.recovery import RecoveryState
from .services.reregistration import ReregState
from .services.signin import SignInState
from .services.state import FlowState


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
    for kind in kinds:
        session.pop(KEYS[kind], None)


def start_afresh(keep: FlowState | None = None) -> None:
    """A new person or a new privilege: nothing of the previous flows carries over."""
    flashes = session.get(FLASH_KEY)
    for key in KEYS.values():
        session.pop(key, None)
    if flashes:
        session[FLASH_KEY] = flashes
    if keep is not None:
        save(keep)
