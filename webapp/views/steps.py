"""Actions that belong to a step of a flow (recovery, re-registration)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import redirect, url_for
from flask.typing import ResponseReturnValue

from .. import flowstate
from ..services.state import FlowState


def at_step(load: Callable[[], FlowState | None], here: Callable[[Any], bool], page: str) -> Any:
    """The view runs with the flow's state when the visitor is at a step where this action
    exists; otherwise (no flow, another step, a lapsed step) they see the page of the step
    they are at."""
    def decorate(view: Callable[[Any], ResponseReturnValue]) -> Callable[[], ResponseReturnValue]:
        @wraps(view)
        def wrapped() -> ResponseReturnValue:
            state = load()
            if state is None or not here(state):
                if state is not None:
                    flowstate.save(state)  # what `here` noticed (a lapsed step) is kept
                return redirect(url_for(page))
            return view(state)

        return wrapped

    return decorate
