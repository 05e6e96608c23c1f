"""6-digit confirmation codes, sent to the ed24.kz app or by SMS: lifetime, resend and tries.

Six digits (20 bits, as NIST SP 800-63B asks of an out-of-band secret), valid
5 minutes. The last 3 unexpired codes of the session that asked work (messages
may arrive out of order); each wrong try counts against all of them, at most 5
per code. Every try is counted (atomically) before it is compared: per code, per
(cabinet, client), per cabinet and per client address, so one address cannot
spray many cabinets and a stranger cannot lock the owner's known device out.
Codes are stored as keyed hashes; the message that carries one (and, for a
recovery or first password, a link) is queued in the same transaction.

Sending is never waited on: a code works from the moment it is stored. The
resend countdown starts when a gateway took the message; a message that finally
failed allows a new code at once and gives the send back (at most once an hour).
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Cabinet, ConfirmationCode, OutboxMessage
from . import limits, links, outbox
from .clock import as_utc, seconds_until, whole_seconds
from .context import Deps
from .limits import AccountLimits
from .sql import affected

LENGTH = 6
LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
TRIES_PER_CODE = 5
LIVE_PER_SESSION = 3
ASCII_DIGITS = frozenset("0123456789")


class Channel(enum.Enum):
    APP = "app"
    SMS = "sms"


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

    purpose: str            # "recovery" | "setup" | "reregister"
    subject: str            # "cab:12" | "rereg:210905604213"
    phone: str
    cabinet: Cabinet | None = None  # for links, the security epoch and the known-device buckets

    @property
    def cabinet_id(self) -> int | None:
        return self.cabinet.id if self.cabinet is not None else None

    @property
    def epoch(self) -> int:
        return self.cabinet.security_epoch if self.cabinet is not None else 0

    def resend_key(self, deps: Deps) -> str:
        return deps.client.bucket(self.subject, self.cabinet_id)

    def phone_key(self, deps: Deps) -> str:
        return deps.client.bucket(f"{self.phone}|{self.purpose}", self.cabinet_id)


# -- sending -----------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    channel: Channel


@dataclass(frozen=True)
class TooSoon:
    """"Вы можете запросить код повторно через N сек."."""

    seconds: int


@dataclass(frozen=True)
class StillSending:
    """The previous code's message is on its way: "Отправляем…"."""


@dataclass(frozen=True)
class Capped:
    """This phone had its codes for now; each message carries a working link."""

    wait: timedelta


@dataclass(frozen=True)
class BudgetSpent:
    """The service's SMS budget (the operator's circuit breaker) is spent for now."""


SendOutcome = Sent | TooSoon | StillSending | Capped | BudgetSpent


def send(deps: Deps, target: Target, nonce: str, channel: Channel) -> SendOutcome:
    """Queue a new code for this session (`nonce`), if the limits allow; committed."""
    db, now, rules = deps.db, deps.now, deps.limits
    waiting = _previous_wait(deps, target, nonce)
    if waiting is not None:
        return waiting
    taken: list[limits.Taken] = []
    for limit, key in ((rules.code_resend_wait, target.resend_key(deps)),
                       (rules.codes_per_phone_and_purpose, target.phone_key(deps))):
        counted = limits.take(db, limit, key, now)
        if isinstance(counted, limits.Refused):
            limits.release_all(db, taken)
            db.commit()
            deps.events.emit("code_refused", reason=counted.kind, purpose=target.purpose)
            if counted.kind == rules.code_resend_wait.kind and _latest(deps, target, nonce) is not None:
                return TooSoon(whole_seconds(counted.wait))
            # Another browser's code went to this phone a moment ago: its message carries a link.
            return Capped(counted.wait)
        taken.append(counted)
    if channel is Channel.SMS:
        refused = _take_sms(deps, target)
        if refused is not None:
            limits.release_all(db, taken)
            db.commit()
            return refused
    code = f"{secrets.randbelow(10 ** LENGTH):0{LENGTH}d}"
    link, link_row = (links.create(deps, target.cabinet, target.purpose)
                      if target.cabinet is not None and target.purpose != "reregister" else (None, None))
    message = outbox.queue(
        deps, channel=channel.value, kind=f"code_{target.purpose}", phone=target.phone,
        params={"host": _host(deps)},
        secret=outbox.Secret(code=code, code_until=now + LIFETIME, link=link,
                             link_until=now + links.LIFETIME if link else None),
        deliver_by=now + LIFETIME)
    if link_row is not None:
        link_row.message_id = message.id
    db.add(ConfirmationCode(
        purpose=target.purpose, subject=target.subject, requester_hash=_requester(deps, nonce),
        phone=target.phone, code_hash=_code_hash(deps, target, code), created_at=now,
        expires_at=now + LIFETIME, tries=0, channel=channel.value, message_id=message.id,
        epoch=target.epoch, send_bucket=target.phone_key(deps)))
    db.commit()
    deps.events.emit("code_sent", channel=channel.value, purpose=target.purpose)
    return Sent(channel)


def _host(deps: Deps) -> str:
    return deps.policy.public_origin.split("://", 1)[-1].split("/", 1)[0]


def _take_sms(deps: Deps, target: Target) -> Capped | BudgetSpent | None:
    """An SMS also waits longer after each one to this phone, and spends the service's budget."""
    db, now, rules = deps.db, deps.now, deps.limits
    budget = limits.take(db, rules.sms_budget, "all", now)
    if isinstance(budget, limits.Refused):
        deps.events.emit("sms_budget_spent")
        return BudgetSpent()
    # Per (phone, purpose), like the sends: re-registration's SMS never slow recovery's down.
    slot = limits.take_backoff(db, rules.code_sms_wait_per_phone_and_purpose, f"{target.phone}|{target.purpose}", now)
    if isinstance(slot, limits.Refused):
        limits.release(db, rules.sms_budget, "all")
        deps.events.emit("code_refused", reason=slot.kind, purpose=target.purpose)
        return Capped(slot.wait)
    return None


def _previous_wait(deps: Deps, target: Target, nonce: str) -> TooSoon | StillSending | None:
    """The previous code of this session: still on its way, or taken less than 60 s ago."""
    row = _latest(deps, target, nonce)
    message = deps.db.get(OutboxMessage, row.message_id) if row and row.message_id else None
    if message is None:
        return None
    if message.status == "queued":
        if deps.now < as_utc(message.deliver_by):
            return StillSending()
        message_failed(deps.db, deps.now, deps.limits, message.id)  # overdue: the worker is away
        return None
    if message.status == "delivered" and message.delivered_at is not None:
        left = seconds_until(as_utc(message.delivered_at) + RESEND_AFTER, deps.now)
        return TooSoon(left) if left > 0 else None
    return None


def message_failed(db: Session, now: datetime, rules: AccountLimits, message_id: int) -> bool:
    """A code's message finally failed: a new code may be asked at once, and the send is given
    back (at most once an hour per phone). False when it was settled already."""
    settled = affected(db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                     OutboxMessage.status == "queued")
                         .values(status="failed", failed_at=now, claimed_until=None)))
    if settled != 1:  # delivered or failed meanwhile: nothing to give back
        return False
    code = db.scalar(select(ConfirmationCode).where(ConfirmationCode.message_id == message_id))
    if code is None:
        return settled == 1
    limits.clear_subject(db, rules.code_resend_wait, code.subject)
    refund = limits.take(db, rules.failed_sends_given_back_per_phone, code.phone, now)
    if isinstance(refund, limits.Taken) and code.send_bucket:
        limits.release(db, rules.codes_per_phone_and_purpose, code.send_bucket)
        if code.channel == Channel.SMS.value:
            limits.give_back_backoff(db, rules.code_sms_wait_per_phone_and_purpose, f"{code.phone}|{code.purpose}", now)
    return True


@dataclass(frozen=True)
class Delivery:
    """Where the session's newest code is: what the code page says."""

    state: str                  # "sending" | "sent" | "failed" | "none"
    channel: Channel | None = None
    sent_at: datetime | None = None
    resend_in: int = 0          # seconds until "Запросить код повторно" works


def delivery(deps: Deps, target: Target, nonce: str) -> Delivery:
    row = _latest(deps, target, nonce)
    if row is None:
        return Delivery("none")
    channel = Channel(row.channel)
    message = deps.db.get(OutboxMessage, row.message_id) if row.message_id else None
    if message is None or message.status == "failed" or (
            message.status == "queued" and deps.now >= as_utc(message.deliver_by)):
        return Delivery("failed", channel)
    if message.status == "queued":
        return Delivery("sending", channel)
    sent_at = as_utc(message.delivered_at or message.created_at)
    gate = limits.window_left(deps.db, deps.limits.code_resend_wait, target.resend_key(deps), deps.now)
    left = max(seconds_until(sent_at + RESEND_AFTER, deps.now), min(gate, whole_seconds(RESEND_AFTER)))
    return Delivery("sent", channel, sent_at, left)


# -- typing a code ------------------------------------------------------------

@dataclass(frozen=True)
class Verified:
    channel: Channel


class Refusal(enum.Enum):
    NO_CODE = "no_code"    # none asked in this session, or already used: request a new one
    EXPIRED = "expired"
    USED_UP = "used_up"    # 5 wrong tries: request a new one


@dataclass(frozen=True)
class Wrong:
    tries_left: int
    locked_for: timedelta | None = None


@dataclass(frozen=True)
class Locked:
    """Too many wrong codes from this browser or for this cabinet: typed codes wait; the
    link in the message still works."""

    wait: timedelta


VerifyOutcome = Verified | Wrong | Refusal | Locked


def _requester(deps: Deps, nonce: str) -> str:
    return deps.keys.hash("requester", nonce)


def _code_parts(target: Target, code: str) -> tuple[str, ...]:
    return (target.purpose, target.subject, target.phone, code)


def _code_hash(deps: Deps, target: Target, code: str) -> str:
    return deps.keys.hash(*_code_parts(target, code))


def _session_codes(deps: Deps, target: Target, nonce: str) -> list[ConfirmationCode]:
    """This session's codes for the target, newest first (a rotated key still finds them)."""
    return list(deps.db.scalars(
        select(ConfirmationCode)
        .where(ConfirmationCode.purpose == target.purpose, ConfirmationCode.subject == target.subject,
               ConfirmationCode.requester_hash.in_(deps.keys.hashes("requester", nonce)))
        .order_by(ConfirmationCode.created_at.desc(), ConfirmationCode.id.desc())
        .limit(LIVE_PER_SESSION)))


def _latest(deps: Deps, target: Target, nonce: str) -> ConfirmationCode | None:
    found = _session_codes(deps, target, nonce)
    return found[0] if found else None


def _wrong_limits(deps: Deps, target: Target) -> list[tuple[limits.Limit, str]]:
    client, rules, cabinet_id = deps.client, deps.limits, target.cabinet_id
    return [(rules.wrong_codes_per_address, client.per_address(cabinet_id)),
            (rules.wrong_codes_per_cabinet_and_client, client.near(target.subject, cabinet_id)),
            (rules.wrong_codes_per_cabinet, client.bucket(target.subject, cabinet_id))]


def verify(deps: Deps, target: Target, nonce: str, code: str) -> VerifyOutcome:
    """Check a well-formed code against this session's live codes. A match is used up at once."""
    db, now = deps.db, deps.now
    candidates = _session_codes(deps, target, nonce)
    live = [c for c in candidates if c.used_at is None and c.phone == target.phone
            and c.epoch == target.epoch and now < as_utc(c.expires_at)]
    if not live:
        newest = candidates[0] if candidates else None
        if newest is not None and newest.used_at is None and now >= as_utc(newest.expires_at):
            return Refusal.EXPIRED
        return Refusal.NO_CODE
    counted = limits.take_all(db, _wrong_limits(deps, target), now)
    if isinstance(counted, limits.Refused):
        db.commit()
        deps.events.emit("code_locked", purpose=target.purpose)
        return Locked(counted.wait)
    tried = db.execute(
        update(ConfirmationCode)
        .where(ConfirmationCode.id.in_([c.id for c in live]), ConfirmationCode.tries < TRIES_PER_CODE,
               ConfirmationCode.used_at.is_(None))
        .values(tries=ConfirmationCode.tries + 1)
        .returning(ConfirmationCode.id, ConfirmationCode.code_hash, ConfirmationCode.tries,
                   ConfirmationCode.created_at)).all()
    if not tried:
        limits.release_all(db, counted)
        db.commit()
        return Refusal.USED_UP
    db.commit()  # the try is counted before the code is compared
    match = next((row for row in tried if deps.keys.matches(row.code_hash, *_code_parts(target, code))), None)
    if match is not None:
        # A conditional update, so two simultaneous submits cannot both use the code.
        claimed = affected(db.execute(update(ConfirmationCode)
                             .where(ConfirmationCode.id == match.id, ConfirmationCode.used_at.is_(None))
                             .values(used_at=now)))
        if claimed != 1:  # a second submit of the right code: used by the first, no wrong try
            limits.release_all(db, counted)
            db.commit()
            return Refusal.NO_CODE
        limits.release_all(db, counted)
        limits.clear(db, deps.limits.wrong_codes_in_a_row, target.subject)
        used = next(c for c in live if c.id == match.id)
        outbox.retire(deps, [used.message_id])
        db.commit()
        deps.events.emit("code_confirmed", purpose=target.purpose, channel=used.channel)
        return Verified(Channel(used.channel))
    streak = limits.take(db, deps.limits.wrong_codes_in_a_row, target.subject, now)
    if isinstance(streak, limits.Taken) and streak.left == 0:
        outbox.queue(deps, channel="app", kind="code_wrong_streak", phone=target.phone)
    db.commit()
    deps.events.emit("code_wrong", purpose=target.purpose)
    newest_tries = max(tried, key=lambda row: as_utc(row.created_at)).tries
    locked = limits.longest_wait(db, _wrong_limits(deps, target), now)
    return Wrong(tries_left=TRIES_PER_CODE - newest_tries, locked_for=locked)


def spend_confirmation(deps: Deps, nonce: str) -> bool:
    """Use up this session's confirmation; False when it was already used. Not committed:
    it commits with the change it allows (a second submit waits on the counter's row
    lock until then), so a failed change leaves the confirmation unspent."""
    taken = limits.take(deps.db, deps.limits.confirmation_uses, _requester(deps, nonce), deps.now)
    return isinstance(taken, limits.Taken)


def live_message_ids(deps: Deps, subject: str) -> list[int | None]:
    """The messages whose codes for this subject still live (retired with the epoch)."""
    return list(deps.db.scalars(select(ConfirmationCode.message_id).where(
        ConfirmationCode.subject == subject, ConfirmationCode.used_at.is_(None),
        ConfirmationCode.expires_at > deps.now)))
