"""Server-side sessions in the database (through the ORM); the browser holds a signed cookie.

The cookie carries the CSRF token and, once the visitor is in a flow, the id of
a database row with the flow's state. The row is read only when a request
touches flow state: a visitor who only looks at pages, and every htmx
validation request, costs no database work and creates no row.

A change of privilege (sign-in, a confirmed code, sign-out, a new password) is
written into the same transaction as the change itself (`persist_now`), so a
failed write answers 503 and changes nothing, never a success page.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response, current_app, g, session
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, update
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_db
from ..models import WebSession
from ..services.clock import as_utc
from .deps import namespace, now, signer, unsign

log = logging.getLogger(__name__)
SALT = "ed24-session"
# Kept in the signed cookie itself; everything else lives in the database row.
COOKIE_KEYS = frozenset({"csrf_token"})


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class ServerSession(SessionMixin):
    """Cookie keys at hand; the database row loaded on first use of any other key."""

    def __init__(self, cookie: dict[str, Any] | None = None, sid: str | None = None) -> None:
        self.cookie = dict(cookie or {})
        self.sid = sid
        self.opened_sid = sid
        self._data: dict[str, Any] | None = None if sid else {}
        self._loaded: dict[str, Any] = {}
        self.modified = False
        self.accessed = False
        self.new_id = False       # a new id at the next save (privilege changed)
        self.written = False      # written in this request: its expiry is fresh

    # -- the mapping --
    def _rows(self) -> dict[str, Any]:
        if self._data is None:
            self._data = _load(self.sid) if self.sid else {}
            self._loaded = dict(self._data)
            if not self._data:  # expired or gone: this id is not used again
                self.sid, self.modified = None, True
        return self._data

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return self.cookie[key] if key in COOKIE_KEYS else self._rows()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        (self.cookie if key in COOKIE_KEYS else self._rows())[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del (self.cookie if key in COOKIE_KEYS else self._rows())[key]
        self.modified = True

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return key in self.cookie if key in COOKIE_KEYS else key in self._rows()

    def __iter__(self) -> Iterator[str]:
        yield from self.cookie
        yield from self._rows()

    def __len__(self) -> int:
        return len(self.cookie) + len(self._rows())

    def set_aside(self) -> None:
        """The store is down: the rest of the request (the error page) sees an empty session
        and does not ask the store again; the 503 answer keeps the browser's cookie."""
        if self._data is None:
            self._data, self._loaded = {}, {}

    def regenerate(self) -> None:
        """Against session fixation: the next write uses a new id, the old row dies."""
        self._rows()
        self.new_id = True
        self.modified = True

    @property
    def row_changed(self) -> bool:
        return self._data is not None and (self._data != self._loaded or self.new_id)


def _load(sid: str) -> dict[str, Any]:
    """The row's data; a database error propagates (the parent gets the localized 503)."""
    row = get_db().get(WebSession, _hash(sid))
    if row is None or as_utc(row.expires_at) <= now():
        return {}
    return dict(row.data)


def _lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_LIFETIME_MINUTES"])


def _write(s: ServerSession) -> None:
    """Stage the row's new state in the request's transaction (the caller commits)."""
    db = get_db()
    data = s._rows()
    if s.sid and (s.new_id or not data):
        db.execute(delete(WebSession).where(WebSession.id_hash == _hash(s.sid)))
        s.sid = None
    if data:
        expires = now() + _lifetime()
        if s.sid is None:
            s.sid = secrets.token_urlsafe(32)
            db.add(WebSession(id_hash=_hash(s.sid), data=dict(data), expires_at=expires))
        else:
            db.execute(update(WebSession).where(WebSession.id_hash == _hash(s.sid))
                       .values(data=dict(data), expires_at=expires))
    s.new_id = False
    s.written = True
    s._loaded = dict(data)


def passive() -> None:
    """This request was made by the page itself (a timer), not the person: it does not keep
    the session alive."""
    g.passive = True


def persist_now() -> None:
    """Write the session into the current transaction; the view commits both together."""
    assert isinstance(session, ServerSession)
    _write(session)


class DatabaseSessionInterface(SessionInterface):
    """Cookies signed with SECRET_KEY; one signed by a key of SECRET_KEY_FALLBACKS is still
    read, and signed again with the current key. A session belongs to one sandbox
    namespace (or none): a cookie of another is not read."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        raw = request.cookies.get(self.get_cookie_name(app)) or ""
        opened = unsign(raw, SALT) if raw and len(raw) <= 400 else None
        if opened is None:
            return ServerSession()
        value, stale = opened
        space = namespace()
        if not isinstance(value, dict) or value.pop("ns", None) != (space.id if space else None):
            return ServerSession()
        sid = value.pop("sid", None)
        cookie = {k: v for k, v in value.items() if k in COOKIE_KEYS}
        session = ServerSession(cookie, sid if isinstance(sid, str) and len(sid) < 64 else None)
        session.modified = stale  # read with an older key: signed again with the current one
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if response.status_code >= 500:
            return  # nothing was committed: the browser keeps the session it had
        if session.row_changed:  # what the request changed after any persist_now
            try:
                _write(session)
                get_db().commit()
            except SQLAlchemyError:
                get_db().rollback()
                log.warning("session store unavailable; session not saved")
                return
        elif session.sid and session._data and not session.written and not g.get("passive"):
            self._keep_alive(session)
        if not session.modified and session.opened_sid == session.sid:
            return
        value = dict(session.cookie)
        if session.sid:
            value["sid"] = session.sid
        name = self.get_cookie_name(app)
        space = namespace()
        if value and space is not None:
            value["ns"] = space.id
        if not value:
            response.delete_cookie(name, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app))
            return
        response.set_cookie(
            name, signer(SALT).dumps(value), httponly=True, domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app), secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app))

    @staticmethod
    def _keep_alive(session: ServerSession) -> None:
        """An unchanged session read in this request lives on, written at most every few minutes."""
        db = get_db()
        try:
            row = db.get(WebSession, _hash(session.sid or ""))
            if row is not None and as_utc(row.expires_at) - now() < _lifetime() - timedelta(minutes=5):
                row.expires_at = now() + _lifetime()
                db.commit()
        except SQLAlchemyError:
            db.rollback()


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface()
