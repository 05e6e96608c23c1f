"""Cabinets: sign-in with lockouts, setting a password, sessions' epoch."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Cabinet
from . import passwords
from .audit import audit, feed
from .limits import Limit, blocked_for, clear, record

# Wrong passwords for one IIN (known or not, so that locks reveal nothing).
SIGNIN_PER_IIN = Limit("signin_iin", 5, timedelta(minutes=15))


def client_limit(max_failures: int) -> Limit:
    """Wrong passwords from one client address; sized for a household or an office."""
    return Limit("signin_client", max_failures, timedelta(minutes=15))


@dataclass(frozen=True)
class SignedIn:
    cabinet: Cabinet


@dataclass(frozen=True)
class Refused:
    """Unknown IIN or wrong password: deliberately the same answer."""

    locked_for: timedelta | None = None


@dataclass(frozen=True)
class Locked:
    locked_for: timedelta


def find(db: Session, iin: str) -> Cabinet | None:
    return db.scalar(select(Cabinet).where(Cabinet.iin == iin))


def lock_left(db: Session, iin: str, client: str, now: datetime,
              per_client: Limit) -> timedelta | None:
    waits = [w for w in (blocked_for(db, SIGNIN_PER_IIN, iin, now),
                         blocked_for(db, per_client, client, now)) if w]
    return max(waits) if waits else None


def sign_in(db: Session, iin: str, password: str, *, client: str, device: str,
            now: datetime, per_client: Limit) -> SignedIn | Refused | Locked:
    wait = lock_left(db, iin, client, now, per_client)
    if wait:
        audit(db, "signin_locked", now, subject=iin, client=client)
        return Locked(wait)
    cabinet = find(db, iin)
    # verify_password also runs for an unknown IIN, so the answer takes as long.
    if passwords.verify_password(cabinet.password_hash if cabinet else None, password):
        assert cabinet is not None
        clear(db, SIGNIN_PER_IIN, iin)
        audit(db, "signin", now, subject=iin, client=client)
        feed(db, cabinet.id, "signin", now, device=device)
        return SignedIn(cabinet)
    record(db, SIGNIN_PER_IIN, iin, now)
    record(db, per_client, client, now)
    audit(db, "signin_failed", now, subject=iin, client=client)
    return Refused(lock_left(db, iin, client, now, per_client))


def set_password(db: Session, cabinet: Cabinet, password: str, now: datetime,
                 *, client: str | None, first: bool) -> None:
    """Replace the password and end every session signed in before now."""
    cabinet.password_hash = passwords.hash_password(password)
    cabinet.session_epoch += 1
    clear(db, SIGNIN_PER_IIN, cabinet.iin)
    kind = "password_set" if first else "password_changed"
    audit(db, kind, now, subject=cabinet.iin, client=client)
    feed(db, cabinet.id, kind, now)


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("YaBrowser", "Yandex Browser"),
             ("SamsungBrowser", "Samsung Internet"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def device_summary(user_agent: str | None) -> str:
    """"Chrome, Android": enough for a parent to recognise a sign-in, no fingerprint."""
    ua = (user_agent or "")[:500]
    browser = next((name for token, name in _BROWSERS if token in ua), "")
    system = next((name for token, name in _SYSTEMS if re.search(re.escape(token), ua)), "")
    return ", ".join(part for part in (browser, system) if part) or "?"
