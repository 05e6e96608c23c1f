"""Keeps the outbox moving: `flask --app webapp worker` (a service of its own in production)
or a thread of the app itself (the embedded default, so `make run` is one command).

A request that queued messages wakes the runner when it commits (in the same process),
so the sandbox's messages arrive at once; otherwise it looks every POLL seconds. In the
sandbox it also looks in the namespaces where requests queued messages.
"""
from __future__ import annotations

import logging
import threading
from functools import partial
from datetime import datetime, timezone
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..services.outbox import QUEUED_FLAG
from .worker import Worker

log = logging.getLogger("ed24.outbox")
POLL = 1.0


def worker_for(app: Flask) -> Worker:
    shared = app.extensions["deps_shared"]
    clock = app.extensions["clock"]
    return Worker(app.extensions["gateways"], shared["sealer"], shared["policy"].limits, clock.at)


def deliver_everywhere(app: Flask, worker: Worker | None = None) -> int:
    """One pass: the app's database, then the sandbox namespaces waiting for delivery."""
    worker = worker or worker_for(app)
    handled = worker.deliver_due(app.extensions["db_sessionmaker"])
    if app.config.get("SANDBOX"):
        from ..sandbox import namespaces

        databases = app.extensions["namespace_databases"]
        for ns in namespaces.pending(app):
            factory = partial(databases.session, ns)
            handled += worker.deliver_due(factory)
            if not worker.has_due(factory):
                namespaces.settled(app, ns)
    return handled


class Runner:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.worker = worker_for(app)
        self.wake = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        log.info("outbox worker started")
        while not self.stop.is_set():
            try:
                handled = deliver_everywhere(self.app, self.worker)
            except Exception as exc:  # the database away: keep trying, say so once a pass
                log.warning("outbox pass failed: %s", type(exc).__name__)
                handled = 0
            if handled == 0:
                self.wake.wait(POLL)
                self.wake.clear()
        log.info("outbox worker stopped")

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="ed24-outbox", daemon=True)
        thread.start()
        return thread


def _after_commit(session: Session) -> None:
    if session.info.pop(QUEUED_FLAG, None):
        wake: Any = session.info.get("wake")
        if wake is not None:
            wake(session.info.get("namespace"))


def init_app(app: Flask) -> None:
    """Wake delivery when a request's transaction that queued messages commits."""
    runner = Runner(app) if app.config.get("OUTBOX_INPROCESS") else None

    def wake(ns: str | None) -> None:
        if ns is not None:
            from ..sandbox import namespaces

            namespaces.mark_pending(app, ns, datetime.now(timezone.utc))
        if runner is not None:
            runner.wake.set()

    app.extensions["outbox_wake"] = wake
    if runner is not None:
        app.extensions["outbox_runner"] = runner
        runner.start_thread()
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
