"""Engine and one SQLAlchemy session per request."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .models import Base

MEMORY = ("sqlite://", "sqlite:///:memory:")


def make_engine(url: str, *, create: bool = False) -> Engine:
    """An engine for `url`. A SQLite file is opened read-write only (a missing file is an
    error, not a new empty database) unless `create` (the migration command)."""
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if url in MEMORY:
            options["poolclass"] = StaticPool  # one shared in-memory database
        else:
            path = make_url(url).database
            mode = "rwc" if create else "rw"
            url = f"sqlite:///file:{path}?mode={mode}&uri=true"
    else:
        options["pool_pre_ping"] = True
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if "mode=" in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def get_db() -> Session:
    """The request's session, opened on first use: on the database of the request's sandbox
    namespace when it carries one (webapp/sandbox/namespaces.py), else the app's."""
    if "db" not in g:
        from .web.deps import namespace

        space = namespace()
        if space is not None:
            g.db = current_app.extensions["namespace_databases"].session(space.id)
        else:
            g.db = current_app.extensions["db_sessionmaker"]()
        # What the outbox worker needs to hear when this session commits queued messages.
        g.db.info.update(wake=current_app.extensions.get("outbox_wake"),
                         namespace=space.id if space is not None else None)
    return g.db


def new_session(app: Flask) -> Session:
    return app.extensions["db_sessionmaker"]()


def schema_ok(db: Session) -> bool:
    """Every table of the models answers a query (an empty or foreign file does not)."""
    for table in Base.metadata.sorted_tables:
        db.execute(select(table).limit(0))
    return True
