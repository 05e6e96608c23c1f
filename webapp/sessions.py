"""Server-side sessions in the database: the browser holds only a random id.

Flow state (step, entered IIN) is kept on the server as the contract asks, a
session can be ended for real at sign-out, and a new id is issued whenever the
user's privilege changes (sign-in, code verified, password changed).
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response, g
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from .db import get_db
from .models import WebSession
from .services.clock import as_utc

log = logging.getLogger(__name__)


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.modified = False
        self.regenerate_requested = False
        self.expires_at: Any = None

    def regenerate(self) -> None:
        """Give this session a new id at the next save (against session fixation)."""
        self.regenerate_requested = True
        self.modified = True


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and len(sid) < 100:
            try:
                row = get_db().get(WebSession, _hash(sid))
            except SQLAlchemyError:
                # The database is down: the view's own query fails next and answers 503.
                get_db().rollback()
                log.warning("session store unavailable")
                g.database_down = True
                return ServerSession(sid=sid)
            if row is not None and as_utc(row.expires_at) > _now(app):
                session = ServerSession(dict(row.data), sid=sid)
                session.expires_at = as_utc(row.expires_at)
                return session
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        try:
            self._save(app, session, response)
        except SQLAlchemyError:
            get_db().rollback()
            log.warning("session store unavailable; session not saved")

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        db = get_db()
        if not session:
            if session.sid and session.modified:
                db.execute(delete(WebSession).where(WebSession.id_hash == _hash(session.sid)))
                db.commit()
                response.delete_cookie(name, domain=domain, path=path)
            return
        lifetime = timedelta(minutes=app.config["SESSION_LIFETIME_MINUTES"])
        expires = _now(app) + lifetime
        # An untouched session is still kept alive once half its idle lifetime has passed.
        if not session.modified and session.expires_at and session.expires_at - _now(app) > lifetime / 2:
            return
        if session.regenerate_requested and session.sid:
            db.execute(delete(WebSession).where(WebSession.id_hash == _hash(session.sid)))
            session.sid = None
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            db.add(WebSession(id_hash=_hash(session.sid), data=dict(session), expires_at=expires))
        else:
            row = db.get(WebSession, _hash(session.sid))
            if row is None:
                db.add(WebSession(id_hash=_hash(session.sid), data=dict(session), expires_at=expires))
            else:
                row.data = dict(session)
                row.expires_at = expires
        db.commit()
        response.set_cookie(
            name, session.sid, httponly=True, domain=domain, path=path,
            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
        )


def _now(app: Flask) -> Any:
    return app.extensions["clock"].now()


def purge_expired(app: Flask) -> int:
    from .db import new_session

    with new_session(app) as db:
        count = db.execute(delete(WebSession).where(WebSession.expires_at < _now(app))).rowcount
        db.commit()
        return count


