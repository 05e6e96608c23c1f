"""6-digit confirmation codes sent to the ed24.kz app: lifetime, resend and try limits.

Six digits (20 bits, as NIST SP 800-63B asks of an out-of-band secret), valid
5 minutes, only the newest one of the session that asked for it works, 5 tries
per code. Every try is counted (atomically) before it is compared, per code,
per (subject, client), per subject and per client address, so one address
cannot spray many cabinets and a stranger cannot lock the owner's known device
out. Codes are stored as keyed hashes.
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from ..models import ConfirmationCode
from . import limits
from .clock import as_utc, whole_seconds
from .context import Deps
from .gateways import GatewayUnavailable, tell
from .limits import Limit
from .secrets_hash import keyed_hash, same

LENGTH = 6
LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
TRIES_PER_CODE = 5
ASCII_DIGITS = frozenset("0123456789")

# Sends: one per 60 s for a subject, 5 per phone per hour.
RESEND = Limit("code_resend", 1, RESEND_AFTER)
SENDS_PER_PHONE = Limit("code_sends_phone", 5, timedelta(hours=1))
# Wrong codes: per (subject, client), per subject from other browsers, per client address.
WRONG_NEAR = Limit("code_wrong_near", 10, timedelta(hours=2), lockout=timedelta(hours=2))
WRONG_SUBJECT = Limit("code_wrong_subject", 30, timedelta(hours=24), lockout=timedelta(hours=24))
# Three wrong codes in a row for a subject: the owner's app is told.
STREAK = Limit("code_wrong_streak", 3, timedelta(hours=24))
# A confirmed code allows one change: a double submit makes it once.
SPENT = Limit("code_confirmation_spent", 1, timedelta(hours=1))


def wrong_per_address(size: int) -> Limit:
    return Limit("code_wrong_client", size, timedelta(hours=1), lockout=timedelta(hours=1))


class FormatError(enum.Enum):
    EMPTY = "empty"
    NOT_6_DIGITS = "not_6_digits"


def clean(raw: str | None) -> tuple[str, FormatError | None]:
    """The code as typed, spaces ignored; ASCII digits only."""
    value = "".join((raw or "").split())
    if not value:
        return value, FormatError.EMPTY
    if len(value) != LENGTH or not set(value) <= ASCII_DIGITS:
        return value, FormatError.NOT_6_DIGITS
    return value, None


@dataclass(frozen=True)
class Target:
    """Whose code: the purpose, the subject it confirms, and where it goes."""

    purpose: str          # "recovery" | "reregister"
    subject: str          # "cab:12" | "rereg:210905604213"
    phone: str
    cabinet_id: int | None  # for the known-device buckets

    def resend_key(self, deps: Deps) -> str:
        return deps.client.bucket(self.subject, self.cabinet_id)


@dataclass(frozen=True)
class Sent:
    resend_in: int


@dataclass(frozen=True)
class TooEarly:
    resend_in: int


@dataclass(frozen=True)
class Blocked:
    """Too many wrong codes, or too many sends: wait this long."""

    wait: timedelta


@dataclass(frozen=True)
class SendFailed:
    """The app's push service could not deliver; nothing was counted."""


@dataclass(frozen=True)
class Verified:
    pass


class Refusal(enum.Enum):
    NO_CODE = "no_code"    # none asked in this session, or already used: request a new one
    EXPIRED = "expired"
    USED_UP = "used_up"    # 5 wrong tries on this code: request a new one


@dataclass(frozen=True)
class Wrong:
    tries_left: int
    locked_for: timedelta | None = None


def _requester(deps: Deps, nonce: str) -> str:
    return keyed_hash(deps.pepper, "requester", nonce)


def _code_hash(deps: Deps, target: Target, code: str) -> str:
    return keyed_hash(deps.pepper, target.purpose, target.subject, target.phone, code)


def send(deps: Deps, target: Target, nonce: str) -> Sent | TooEarly | Blocked | SendFailed:
    """Send a new code for this session (`nonce`), if the limits allow."""
    db, now = deps.db, deps.now
    resend = limits.take(db, RESEND, target.resend_key(deps), now)
    if isinstance(resend, limits.Blocked):
        return TooEarly(whole_seconds(resend.wait))
    per_phone = limits.take(db, SENDS_PER_PHONE, deps.client.bucket(target.phone, target.cabinet_id), now)
    if isinstance(per_phone, limits.Blocked):
        limits.release(db, RESEND, target.resend_key(deps))
        db.commit()
        return Blocked(per_phone.wait)
    db.commit()  # counted before anything is sent
    code = f"{secrets.randbelow(10 ** LENGTH):0{LENGTH}d}"
    try:
        deps.notifier.send(target.phone, "code", {"code": code, "purpose": target.purpose})
    except GatewayUnavailable:
        limits.release_all(db, [resend, per_phone])
        db.commit()
        return SendFailed()
    db.add(ConfirmationCode(
        purpose=target.purpose, subject=target.subject, requester_hash=_requester(deps, nonce),
        phone=target.phone, code_hash=_code_hash(deps, target, code),
        created_at=now, expires_at=now + LIFETIME, tries=0,
    ))
    db.commit()
    return Sent(resend_in=whole_seconds(RESEND_AFTER))


def resend_in(deps: Deps, target: Target) -> int:
    """Seconds until this browser may ask for another code (0: now). Countdowns come from this."""
    return min(limits.window_left(deps.db, RESEND, target.resend_key(deps), deps.now),
               whole_seconds(RESEND_AFTER))


def _latest(deps: Deps, target: Target, nonce: str) -> ConfirmationCode | None:
    return deps.db.scalar(
        select(ConfirmationCode)
        .where(ConfirmationCode.purpose == target.purpose, ConfirmationCode.subject == target.subject,
               ConfirmationCode.requester_hash == _requester(deps, nonce))
        .order_by(ConfirmationCode.created_at.desc(), ConfirmationCode.id.desc())
        .limit(1)
    )


def _wrong_limits(deps: Deps, target: Target) -> list[tuple[Limit, str]]:
    client = deps.client
    return [
        (wrong_per_address(deps.address_limits.code_failures), client.per_address(target.cabinet_id)),
        (WRONG_NEAR, client.near(target.subject, target.cabinet_id)),
        (WRONG_SUBJECT, client.bucket(target.subject, target.cabinet_id)),
    ]


def verify(deps: Deps, target: Target, nonce: str, code: str) -> Verified | Wrong | Refusal | Blocked:
    """Check a well-formed code of this session. A match is used up at once."""
    db, now = deps.db, deps.now
    row = _latest(deps, target, nonce)
    if row is None or row.used_at is not None or row.phone != target.phone:
        return Refusal.NO_CODE
    if now >= as_utc(row.expires_at):
        return Refusal.EXPIRED
    counted = limits.take_all(db, _wrong_limits(deps, target), now)
    if isinstance(counted, limits.Blocked):
        db.commit()
        return Blocked(counted.wait)
    tries = db.execute(
        update(ConfirmationCode)
        .where(ConfirmationCode.id == row.id, ConfirmationCode.tries < TRIES_PER_CODE,
               ConfirmationCode.used_at.is_(None))
        .values(tries=ConfirmationCode.tries + 1)
        .returning(ConfirmationCode.tries)
    ).scalar()
    if tries is None:
        limits.release_all(db, counted)
        db.commit()
        return Refusal.USED_UP
    db.commit()  # the try is counted before the code is compared
    if same(row.code_hash, _code_hash(deps, target, code)):
        # A conditional update, so two simultaneous submits cannot both use the code.
        claimed = db.execute(
            update(ConfirmationCode)
            .where(ConfirmationCode.id == row.id, ConfirmationCode.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if claimed != 1:
            db.commit()
            return Refusal.NO_CODE
        limits.release_all(db, counted)
        limits.clear(db, STREAK, target.subject)
        db.commit()
        return Verified()
    streak = limits.take(db, STREAK, target.subject, now)
    if isinstance(streak, limits.Taken) and streak.left == 0:
        tell(deps.notifier.send, target.phone, "code_wrong_streak", {"purpose": target.purpose})
    db.commit()
    locked = limits.longest_wait(db, _wrong_limits(deps, target), now)
    return Wrong(tries_left=TRIES_PER_CODE - tries, locked_for=locked)


def spend_confirmation(deps: Deps, nonce: str) -> bool:
    """Use up this session's confirmation; False when it was already used. Not committed:
    it commits with the change it allows (a second submit waits on the counter's row
    lock until then), so a failed change leaves the confirmation unspent."""
    return isinstance(limits.take(deps.db, SPENT, _requester(deps, nonce), deps.now), limits.Taken)
