"""Engine and one SQLAlchemy session per request."""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool


def make_engine(url: str, *, pooled: bool = True) -> Engine:
    options: dict[str, Any] = {"future": True}
    if not pooled:
        options["poolclass"] = NullPool  # tests create many apps: no idle connections kept
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if url in ("sqlite://", "sqlite:///:memory:"):
            options["poolclass"] = StaticPool  # one shared in-memory database
    else:
        options["pool_pre_ping"] = True
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], pooled=app.config.get("DATABASE_POOL", True))
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.before_request
    def _refuse_while_database_is_down() -> None:
        # Registered before CSRF checks, so a parent is told "unavailable", not "page expired".
        if g.get("database_down"):
            abort(503)

    @app.teardown_appcontext
    def _close(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def get_db() -> Session:
    """The request's session, opened on first use."""
    from flask import current_app

    if "db" not in g:
        g.db = current_app.extensions["db_sessionmaker"]()
    return g.db


def new_session(app: Flask) -> Session:
    return app.extensions["db_sessionmaker"]()
