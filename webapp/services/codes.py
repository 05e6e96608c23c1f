"""4-digit confirmation codes sent to the ed24.kz app: lifetime, resend and try limits."""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import ConfirmationCode
from .clock import as_utc, seconds_until
from .gateways import AppNotifier, GatewayUnavailable
from .limits import Limit, blocked_for, record
from .secrets_hash import keyed_hash, same

LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
TRIES_PER_CODE = 5
# Wrong codes per subject (a cabinet, or a re-registration) over all its codes:
# a resend gives a new code but never resets this count.
WRONG_CODES = Limit("code_wrong", 10, timedelta(hours=2))
SENDS_PER_PHONE = Limit("code_send", 5, timedelta(hours=1))
ASCII_DIGITS = frozenset("0123456789")


class FormatError(enum.Enum):
    EMPTY = "empty"
    NOT_4_DIGITS = "not_4_digits"


def clean(raw: str | None) -> tuple[str, FormatError | None]:
    value = "".join((raw or "").split())
    if not value:
        return value, FormatError.EMPTY
    if len(value) != 4 or not set(value) <= ASCII_DIGITS:
        return value, FormatError.NOT_4_DIGITS
    return value, None


@dataclass(frozen=True)
class Sent:
    resend_in: int


@dataclass(frozen=True)
class TooEarly:
    resend_in: int


@dataclass(frozen=True)
class Blocked:
    """Too many wrong codes, or too many sends to the phone: wait this long."""

    wait: timedelta


@dataclass(frozen=True)
class SendFailed:
    """The notifier could not deliver; nothing was counted."""


@dataclass(frozen=True)
class Verified:
    pass


class Refusal(enum.Enum):
    NO_CODE = "no_code"
    EXPIRED = "expired"
    USED_UP = "used_up"  # 5 wrong tries on this code: request a new one


@dataclass(frozen=True)
class Wrong:
    tries_left: int


def latest(db: Session, purpose: str, subject: str) -> ConfirmationCode | None:
    return db.scalar(
        select(ConfirmationCode)
        .where(ConfirmationCode.purpose == purpose, ConfirmationCode.subject == subject)
        .order_by(ConfirmationCode.created_at.desc(), ConfirmationCode.id.desc())
        .limit(1)
    )


def resend_in(db: Session, purpose: str, subject: str, now: datetime) -> int:
    """Seconds until a new code may be sent (0: now). Countdowns come from this."""
    last = latest(db, purpose, subject)
    if last is None:
        return 0
    # Never more than the full wait, whatever the clock's jitter between requests.
    return min(seconds_until(as_utc(last.created_at) + RESEND_AFTER, now),
               int(RESEND_AFTER.total_seconds()))


def send(db: Session, notifier: AppNotifier, *, purpose: str, subject: str, phone: str,
         now: datetime, pepper: bytes) -> Sent | TooEarly | Blocked | SendFailed:
    wait = resend_in(db, purpose, subject, now)
    if wait:
        return TooEarly(wait)
    blocked = (blocked_for(db, WRONG_CODES, subject, now)
               or blocked_for(db, SENDS_PER_PHONE, phone, now))
    if blocked:
        return Blocked(blocked)
    code = f"{secrets.randbelow(10_000):04d}"
    try:
        notifier.send(phone, "code", {"code": code, "purpose": purpose})
    except GatewayUnavailable:
        return SendFailed()
    db.add(ConfirmationCode(
        purpose=purpose, subject=subject, phone=phone,
        code_hash=keyed_hash(pepper, purpose, subject, phone, code),
        created_at=now, expires_at=now + LIFETIME, wrong_tries=0,
    ))
    record(db, SENDS_PER_PHONE, phone, now)
    return Sent(resend_in=int(RESEND_AFTER.total_seconds()))


def verify(db: Session, *, purpose: str, subject: str, phone: str, code: str, now: datetime,
           pepper: bytes) -> Verified | Wrong | Refusal | Blocked:
    """Check a well-formed code; a match is used up at once (no second use)."""
    blocked = blocked_for(db, WRONG_CODES, subject, now)
    if blocked:
        return Blocked(blocked)
    row = latest(db, purpose, subject)
    if row is None or row.used_at is not None:
        return Refusal.NO_CODE
    if now >= as_utc(row.expires_at):
        return Refusal.EXPIRED
    if row.wrong_tries >= TRIES_PER_CODE:
        return Refusal.USED_UP
    if row.phone == phone and same(row.code_hash, keyed_hash(pepper, purpose, subject, phone, code)):
        # A conditional update, so two simultaneous submits cannot both use the code.
        claimed = db.execute(
            update(ConfirmationCode)
            .where(ConfirmationCode.id == row.id, ConfirmationCode.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        return Verified() if claimed == 1 else Refusal.NO_CODE
    row.wrong_tries += 1
    record(db, WRONG_CODES, subject, now)
    blocked = blocked_for(db, WRONG_CODES, subject, now)
    if blocked:
        return Blocked(blocked)
    return Wrong(tries_left=TRIES_PER_CODE - row.wrong_tries)


def has_active(db: Session, purpose: str, subject: str, now: datetime) -> bool:
    """A sent code that can still be entered (so a page reload sends nothing new)."""
    row = latest(db, purpose, subject)
    return bool(row and row.used_at is None and now < as_utc(row.expires_at)
                and row.wrong_tries < TRIES_PER_CODE)
