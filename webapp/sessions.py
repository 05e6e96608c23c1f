"""Server-side sessions in the database: the browser holds only a random id.

Flow state (step, entered IIN) is kept on the server as the contract asks, a
session can be ended for real at sign-out, and a new id is issued whenever the
user's privilege changes (sign-in, code verified, password changed).

A visitor who has only a CSRF token (anyone who merely opened a page) keeps it
in a signed cookie instead: no database row, no write, for every anonymous view.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, g
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from .db import get_db
from .models import WebSession
from .services.clock import as_utc

log = logging.getLogger(__name__)
# Keys that may live in the signed cookie; anything else goes to the database.
COOKIE_ONLY_KEYS = frozenset({"csrf_token"})
SERVER_PREFIX, COOKIE_PREFIX = "s.", "c."
_MISSING = object()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.loaded = dict(initial or {})
        self.modified = False
        self.regenerate_requested = False
        self.expires_at: Any = None

    def regenerate(self) -> None:
        """Give this session a new id at the next save (against session fixation)."""
        self.regenerate_requested = True
        self.modified = True


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _read_row(app: Flask, id_hash: str) -> tuple[dict[str, Any], datetime] | None:
    """(data, expires_at) of a stored session, read straight through the DBAPI.

    This read happens on every request of a visitor in a flow and most fragments need
    nothing else from the database, so it skips SQLAlchemy's statement machinery.
    The values are decoded by their type: SQLite hands back text, PostgreSQL objects.
    """
    engine = app.extensions["db_engine"]
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    try:
        conn = engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(f"SELECT data, expires_at FROM web_sessions WHERE id_hash = {marker}",
                           (id_hash,))
            row = cursor.fetchone()
            cursor.close()
        finally:
            conn.close()
    except engine.dialect.loaded_dbapi.Error as exc:  # answered like SQLAlchemy's own errors
        raise SQLAlchemyError(type(exc).__name__) from exc
    if row is None:
        return None
    data, expires = row
    if isinstance(data, (str, bytes)):
        data = json.loads(data)
    if isinstance(expires, str):
        expires = datetime.fromisoformat(expires)
    return dict(data), as_utc(expires)


class DatabaseSessionInterface(SessionInterface):
    def _signer(self, app: Flask) -> URLSafeSerializer:
        return URLSafeSerializer(app.secret_key, salt="ed24-light-session")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        raw = request.cookies.get(self.get_cookie_name(app)) or ""
        if raw.startswith(COOKIE_PREFIX) and len(raw) < 400:
            try:
                data = self._signer(app).loads(raw[len(COOKIE_PREFIX):])
            except BadSignature:
                return ServerSession()
            if isinstance(data, dict) and set(data) <= COOKIE_ONLY_KEYS:
                return ServerSession(data)
            return ServerSession()
        if not (raw.startswith(SERVER_PREFIX) and len(raw) < 100):
            return ServerSession()
        sid = raw[len(SERVER_PREFIX):]
        try:
            row = _read_row(app, _hash(sid))
        except SQLAlchemyError:
            # The database is down: the request is answered with the 503 page.
            log.warning("session store unavailable")
            g.database_down = True
            return ServerSession(sid=sid)
        if row is None or row[1] <= _now(app):
            return ServerSession()
        session = ServerSession(row[0], sid=sid)
        session.expires_at = row[1]
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        try:
            self._save(app, session, response)
        except SQLAlchemyError:
            get_db().rollback()
            log.warning("session store unavailable; session not saved")

    def _cookie(self, app: Flask, response: Response, value: str) -> None:
        response.set_cookie(
            self.get_cookie_name(app), value, httponly=True, domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app), secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app))

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        db = get_db()
        data = dict(session)
        if session.sid and (session.regenerate_requested or not data or set(data) <= COOKIE_ONLY_KEYS):
            # Leaving the database (sign-out, or a new id): the old row dies now.
            if session.modified:
                db.execute(delete(WebSession).where(WebSession.id_hash == _hash(session.sid)))
                db.commit()
                session.sid = None
        if not data:
            if session.modified:
                response.delete_cookie(self.get_cookie_name(app), domain=self.get_cookie_domain(app),
                                       path=self.get_cookie_path(app))
            return
        if session.sid is None and set(data) <= COOKIE_ONLY_KEYS:
            if session.modified:
                self._cookie(app, response, COOKIE_PREFIX + self._signer(app).dumps(data))
            return
        lifetime = timedelta(minutes=app.config["SESSION_LIFETIME_MINUTES"])
        now = _now(app)
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            db.execute(insert(WebSession).values(id_hash=_hash(session.sid), data=data,
                                                 expires_at=now + lifetime))
        elif data != session.loaded:
            # Write only the keys this request changed, onto the row as it is now: two
            # overlapping requests (a debounced htmx check and a form POST) must not undo
            # each other's changes.
            changed = {k: v for k, v in data.items() if session.loaded.get(k, _MISSING) != v}
            removed = set(session.loaded) - set(data)
            current = db.execute(select(WebSession.data)
                                 .where(WebSession.id_hash == _hash(session.sid))
                                 .with_for_update()).scalar()
            merged = {k: v for k, v in (current or {}).items() if k not in removed}
            merged.update(changed)
            db.execute(update(WebSession).where(WebSession.id_hash == _hash(session.sid))
                       .values(data=merged, expires_at=now + lifetime))
        elif session.expires_at is None or session.expires_at - now < lifetime / 2:
            # Unchanged: only keep an active session alive, at most once per half lifetime.
            db.execute(update(WebSession).where(WebSession.id_hash == _hash(session.sid))
                       .values(expires_at=now + lifetime))
        else:
            return
        db.commit()
        self._cookie(app, response, SERVER_PREFIX + session.sid)


def _now(app: Flask) -> Any:
    return app.extensions["clock"].now()


def purge_expired(app: Flask) -> int:
    from .db import new_session

    with new_session(app) as db:
        count = db.execute(delete(WebSession).where(WebSession.expires_at < _now(app))).rowcount
        db.commit()
        return count
