"""Sandbox namespaces: isolated copies of the sandbox for parallel test runs.

A namespace is a database of its own, with every table of the app: a schema
("ns_<id>") on PostgreSQL, a file beside the app's on SQLite (an in-memory
database when the app's is in memory). A request carrying the X-Sandbox-Namespace
header or the ed24_ns cookie uses that database for everything: data, outbox,
the sandbox clock (an offset kept there), every count of "Limits", its sessions;
the request limiter keys it apart too (web/extensions.py). So nothing of one
namespace can reach another, and the code of the flows does not know namespaces
exist. The registry of namespaces (sandbox_namespaces) lives in the app's own
database; an unknown id answers 404, never the default data.
"""
from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from ..db import MEMORY, make_engine
from ..models import Base, SandboxNamespace
from ..services.clock import as_utc
from ..services.sql import affected

HEADER = "X-Sandbox-Namespace"
COOKIE = "ed24_ns"
ID_FORMAT = re.compile(r"[0-9a-f]{32}")  # 128 bits
TOUCH_EVERY = timedelta(minutes=5)
ENGINES_KEPT = 64


@dataclass(frozen=True)
class Namespace:
    id: str
    known: bool = True


class NamespaceLimitReached(Exception):
    """As many namespaces exist as SANDBOX_NAMESPACES_MAX allows."""


class NamespaceDatabases:
    """The databases of the namespaces: an engine (or schema) each, kept for reuse."""

    def __init__(self, app: Flask) -> None:
        self.url: str = app.config["DATABASE_URL"]
        self.default: Engine = app.extensions["db_engine"]
        self.postgres = self.default.dialect.name == "postgresql"
        self.engines: OrderedDict[str, Engine] = OrderedDict()
        self.lock = threading.Lock()

    def _sqlite_url(self, ns: str) -> str:
        if self.url in MEMORY:
            return "sqlite://"
        folder = Path(make_url(self.url).database or ".").resolve().parent / "namespaces"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / f'{ns}.sqlite3'}"

    def engine(self, ns: str, *, create: bool = False) -> Engine:
        if self.postgres:
            return self.default.execution_options(schema_translate_map={None: f"ns_{ns}"})
        with self.lock:
            engine = self.engines.get(ns)
            if engine is None:
                engine = make_engine(self._sqlite_url(ns), create=create)
                self.engines[ns] = engine
                while len(self.engines) > ENGINES_KEPT and self.url not in MEMORY:
                    self.engines.popitem(last=False)[1].dispose()
            self.engines.move_to_end(ns)
            return engine

    def session(self, ns: str) -> Session:
        return sessionmaker(self.engine(ns), expire_on_commit=False)()

    def create(self, ns: str) -> None:
        if self.postgres:
            with self.default.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "ns_{ns}"'))
                Base.metadata.create_all(conn.execution_options(schema_translate_map={None: f"ns_{ns}"}))
            return
        Base.metadata.create_all(self.engine(ns, create=True))

    def drop(self, ns: str) -> None:
        if self.postgres:
            with self.default.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "ns_{ns}" CASCADE'))
            return
        with self.lock:
            engine = self.engines.pop(ns, None)
        if engine is not None:
            engine.dispose()
        if self.url not in MEMORY:
            url = self._sqlite_url(ns).removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                Path(url + suffix).unlink(missing_ok=True)


def _registry(app: Flask) -> Session:
    return app.extensions["db_sessionmaker"]()


def requested_id() -> str | None:
    raw = request.headers.get(HEADER) or request.cookies.get(COOKIE)
    return raw.strip().lower() if raw else None


def resolve() -> Namespace | None:
    """The namespace of this request, or None; Namespace(known=False) for an id that names none."""
    ns = requested_id()
    if ns is None:
        return None
    if not ID_FORMAT.fullmatch(ns):
        return Namespace(ns[:40], known=False)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = _real_now()
    with _registry(app) as db:
        row = db.get(SandboxNamespace, ns)
        if row is None:
            return Namespace(ns, known=False)
        if as_utc(row.last_seen_at) < now - TOUCH_EVERY:
            row.last_seen_at = now
            db.commit()
    return Namespace(ns)


def _real_now() -> datetime:
    """Namespaces idle by real time (each has a sandbox clock of its own)."""
    return datetime.now(timezone.utc)


def create(app: Flask, seed: dict[str, Any] | None, load: Callable[[Session, Any], Any]) -> str:
    """A new namespace with `seed` (the sandbox JSON) or the demo data; its id."""
    purge_idle(app)
    with _registry(app) as db:
        if db.scalar(select(func.count()).select_from(SandboxNamespace)) >= app.config["SANDBOX_NAMESPACES_MAX"]:
            raise NamespaceLimitReached()
        ns = secrets.token_hex(16)
        now = _real_now()
        db.add(SandboxNamespace(id=ns, created_at=now, last_seen_at=now, seed=seed))
        db.commit()
    databases: NamespaceDatabases = app.extensions["namespace_databases"]
    try:
        databases.create(ns)
        with databases.session(ns) as session:
            load(session, seed)
    except Exception:
        remove(app, ns)
        raise
    return ns


def seed_of(app: Flask, ns: str) -> dict[str, Any] | None:
    with _registry(app) as db:
        row = db.get(SandboxNamespace, ns)
        return row.seed if row else None


def remove(app: Flask, ns: str) -> bool:
    with _registry(app) as db:
        gone = affected(db.execute(delete(SandboxNamespace).where(SandboxNamespace.id == ns)))
        db.commit()
    app.extensions["namespace_databases"].drop(ns)
    return bool(gone)


def purge_idle(app: Flask) -> int:
    """Namespaces idle for SANDBOX_NAMESPACE_IDLE_HOURS go by themselves."""
    cutoff = _real_now() - timedelta(hours=app.config["SANDBOX_NAMESPACE_IDLE_HOURS"])
    with _registry(app) as db:
        idle = list(db.scalars(select(SandboxNamespace.id).where(SandboxNamespace.last_seen_at < cutoff)))
    for ns in idle:
        remove(app, ns)
    return len(idle)


def mark_pending(app: Flask, ns: str, now: datetime) -> None:
    """A request there queued messages: the outbox worker looks in this namespace."""
    with _registry(app) as db:
        db.execute(update(SandboxNamespace).where(SandboxNamespace.id == ns,
                                                  SandboxNamespace.pending_since.is_(None))
                   .values(pending_since=now))
        db.commit()


def pending(app: Flask) -> list[str]:
    with _registry(app) as db:
        return list(db.scalars(select(SandboxNamespace.id).where(SandboxNamespace.pending_since.is_not(None))))


def settled(app: Flask, ns: str) -> None:
    with _registry(app) as db:
        db.execute(update(SandboxNamespace).where(SandboxNamespace.id == ns).values(pending_since=None))
        db.commit()


def init_app(app: Flask) -> None:
    app.extensions["namespace_databases"] = NamespaceDatabases(app)
    app.extensions["namespace_resolver"] = resolve
