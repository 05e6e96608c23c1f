"""The app's one clock: every rule, countdown and limit reads the time from here.

Production uses the system clock; the sandbox adds an offset that its API moves
(stored in the database, so every worker and app server sees it); tests put a
FakeClock in app.extensions["clock"].
"""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g

from .services.clock import SystemClock


def init_app(app: Flask) -> None:
    if app.config["SANDBOX"]:
        from .sandbox.clock import SandboxClock

        app.extensions["clock"] = SandboxClock()
    else:
        app.extensions["clock"] = SystemClock()


def now() -> datetime:
    """The time of this request: read once, so one request never sees two times."""
    if "now" not in g:
        g.now = current_app.extensions["clock"].now()
    return g.now
