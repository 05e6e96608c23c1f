"""Limits that protect accounts: atomic counts in the database, and the one table of them.

Each limit is one counter row per (kind, key). Taking a count is one statement
(INSERT … ON CONFLICT DO UPDATE … RETURNING) that the database serialises, so 20
parallel requests see the counts 1…20 and only the first `max` may go on: a try
is counted before the secret is compared, and no read-then-write race lets a
request slip past. Counting in the database keeps every worker and app server
on the same numbers, on the app's clock (the sandbox can move it).

AccountLimits below is the table of every such limit, named by what it counts;
the per-client-address sizes come from configuration.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.orm import Session

from ..models import Counter
from .clock import as_utc, seconds_until
from .sql import affected

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    """At most `max` per `window` (the window starts at the first count).

    With a `lockout`, the count that reaches `max` also locks the key for that
    long from that moment: "5 wrong passwords → wait 15 minutes".
    """

    kind: str
    max: int
    window: timedelta
    lockout: timedelta | None = None


@dataclass(frozen=True)
class Backoff:
    """Each use waits longer before the next: `first`, doubled each time, at most `cap`;
    after `quiet` without use the wait starts again from `first`."""

    kind: str
    first: timedelta
    cap: timedelta
    quiet: timedelta

    def wait_after(self, count: int) -> timedelta:
        return min(self.cap, self.first * 2 ** (count - 1))


def _address(kind: str, size: int, window: timedelta) -> Limit:
    return Limit(kind, size, window, lockout=window)


@dataclass(frozen=True)
class AccountLimits:
    """Every limit that protects an account. "client" is this address, or this known
    device of the cabinet (its own bucket, which no stranger can use up)."""

    # Sign-in: wrong passwords.
    wrong_passwords_per_iin_and_client: Limit = Limit("pw_wrong_near", 5, 15 * MINUTE, lockout=15 * MINUTE)
    wrong_passwords_in_a_row_per_iin: Limit = Limit("pw_wrong_iin", 100, 3650 * DAY)  # closed until a success
    wrong_passwords_per_address: Limit = _address("pw_wrong_client", 50, 15 * MINUTE)
    # Confirmation codes: sending.
    code_resend_wait: Limit = Limit("code_resend", 1, MINUTE)
    codes_per_phone_and_purpose: Limit = Limit("code_sends_phone", 5, HOUR)
    code_sms_wait_per_phone_and_purpose: Backoff = Backoff("code_sms_backoff", MINUTE, 60 * MINUTE, DAY)
    failed_sends_given_back_per_phone: Limit = Limit("code_sends_refund", 1, HOUR)
    sms_budget: Limit = Limit("sms_budget", 2000, HOUR)  # the whole service: a circuit breaker
    # Confirmation codes: typing them.
    wrong_codes_per_cabinet_and_client: Limit = Limit("code_wrong_near", 10, 2 * HOUR, lockout=2 * HOUR)
    wrong_codes_per_cabinet: Limit = Limit("code_wrong_subject", 30, DAY, lockout=DAY)
    wrong_codes_per_address: Limit = _address("code_wrong_client", 20, HOUR)
    wrong_codes_in_a_row: Limit = Limit("code_wrong_streak", 3, DAY)  # then the app is told
    confirmation_uses: Limit = Limit("code_confirmation_spent", 1, HOUR)  # a double submit changes once
    # Recovery and first-password starts, and links.
    recovery_starts_per_address: Limit = Limit("recovery_starts", 20, HOUR)
    unknown_links_per_address: Limit = Limit("link_unknown", 20, HOUR)
    # Binding the app.
    binding_sms_wait_per_phone: Limit = Limit("bind_sms_wait", 1, 10 * MINUTE)
    binding_sms_per_phone: Limit = Limit("bind_sms_phone", 5, DAY)
    binding_sms_per_address: Limit = Limit("bind_sms_client", 10, DAY)
    wrong_binding_passwords_per_phone_and_address: Limit = Limit("bind_wrong", 5, 10 * MINUTE,
                                                                 lockout=10 * MINUTE)
    cabinet_binding_secret_uses: Limit = Limit("bind_cabinet_used", 1, timedelta(seconds=90))
    # Re-registration: Шаг 1's answers, and part (a)'s "who are you".
    wrong_answers_per_child_and_address: Limit = Limit("rereg_wrong_near", 5, HOUR, lockout=HOUR)
    wrong_answers_per_child: Limit = Limit("rereg_wrong_child", 20, DAY, lockout=DAY)
    wrong_answers_per_address: Limit = _address("rereg_wrong_client", 30, HOUR)
    wrong_answers_per_confirmed_phone: Limit = Limit("rereg_wrong_phone", 5, HOUR, lockout=HOUR)
    wrong_answers_per_child_from_confirmed_phones: Limit = Limit("rereg_wrong_child_confirmed", 20, DAY,
                                                                 lockout=DAY)
    wrong_applicants_per_iin_and_address: Limit = Limit("rereg_applicant_near", 5, HOUR, lockout=HOUR)
    wrong_applicants_per_address: Limit = _address("rereg_applicant_client", 30, HOUR)

    def sized(self, **sizes: int) -> AccountLimits:
        """The same table with other sizes (configuration), e.g. wrong_passwords_per_address=80."""
        changes: dict[str, Any] = {}
        for name, size in sizes.items():
            limit = getattr(self, name)
            changes[name] = dataclasses.replace(limit, max=size)
        return dataclasses.replace(self, **changes)


# The per-client-address sizes operators may set (README "Configuration").
CONFIGURABLE = {
    "SIGNIN_FAILURES_PER_ADDRESS": "wrong_passwords_per_address",
    "RECOVERY_STARTS_PER_ADDRESS": "recovery_starts_per_address",
    "CODE_FAILURES_PER_ADDRESS": "wrong_codes_per_address",
    "REREG_FAILURES_PER_ADDRESS": "wrong_answers_per_address",
    "BINDING_SMS_PER_ADDRESS": "binding_sms_per_address",
    "LINK_GUESSES_PER_ADDRESS": "unknown_links_per_address",
    "SMS_BUDGET_PER_HOUR": "sms_budget",
}


@dataclass(frozen=True)
class Taken:
    limit: Limit
    key: str
    count: int

    @property
    def left(self) -> int:
        """How many more this key may take in the window."""
        return self.limit.max - self.count


@dataclass(frozen=True)
class Refused:
    """The limit was used up; `kind` says which, `wait` for how long."""

    kind: str
    wait: timedelta


def _dialect_insert(db: Session) -> Any:
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert


def take(db: Session, limit: Limit, key: str, now: datetime) -> Taken | Refused:
    """Count one for `key`; Refused (with the wait) when the limit was already used up."""
    first_end = now + (limit.lockout if limit.lockout and limit.max == 1 else limit.window)
    expired = Counter.window_ends <= now
    ends = case((expired, first_end), else_=Counter.window_ends)
    if limit.lockout:
        ends = case((expired, first_end), (Counter.count + 1 == limit.max, now + limit.lockout),
                    else_=Counter.window_ends)
    stmt = (_dialect_insert(db)(Counter)
            .values(kind=limit.kind, key=key, count=1, window_ends=first_end)
            .on_conflict_do_update(
                index_elements=[Counter.kind, Counter.key],
                set_={"count": case((expired, 1), else_=Counter.count + 1), "window_ends": ends})
            .returning(Counter.count, Counter.window_ends))
    count, window_ends = db.execute(stmt).one()
    if count > limit.max:
        return Refused(limit.kind, as_utc(window_ends) - now)
    return Taken(limit, key, count)


def take_all(db: Session, wanted: list[tuple[Limit, str]], now: datetime) -> list[Taken] | Refused:
    """Take one from each limit, or from none: a refused try uses up nothing else."""
    taken: list[Taken] = []
    for limit, key in wanted:
        result = take(db, limit, key, now)
        if isinstance(result, Refused):
            release_all(db, taken)
            return result
        taken.append(result)
    return taken


def take_backoff(db: Session, backoff: Backoff, key: str, now: datetime) -> int | Refused:
    """Use the next slot of a growing wait: the use's number (1, 2, …), or Refused with the
    wait left. Atomic: of parallel requests only one finds the slot open."""
    waits = {n: now + backoff.wait_after(n) for n in range(1, 12)}
    next_count = case((Counter.window_ends <= now - backoff.quiet, 1), else_=Counter.count + 1)
    next_end = case(*[(next_count == n, end) for n, end in waits.items()], else_=now + backoff.cap)
    opened = db.execute(
        update(Counter).where(Counter.kind == backoff.kind, Counter.key == key, Counter.window_ends <= now)
        .values(count=next_count, window_ends=next_end).returning(Counter.count)).scalar()
    if opened is not None:
        return int(opened)
    created = db.execute(
        _dialect_insert(db)(Counter).values(kind=backoff.kind, key=key, count=1, window_ends=waits[1])
        .on_conflict_do_nothing().returning(Counter.count)).scalar()
    if created is not None:
        return 1
    ends = db.scalar(select(Counter.window_ends).where(Counter.kind == backoff.kind, Counter.key == key))
    return Refused(backoff.kind, as_utc(ends) - now if ends else backoff.first)


def give_back_backoff(db: Session, backoff: Backoff, key: str, now: datetime) -> None:
    """The use did not happen (the message failed): the slot opens now, the count steps back."""
    db.execute(update(Counter).where(Counter.kind == backoff.kind, Counter.key == key, Counter.count > 0)
               .values(count=Counter.count - 1, window_ends=now))


def release(db: Session, limit: Limit, key: str) -> None:
    """Give one back (the try did not count: the code was right, the registry was away)."""
    db.execute(update(Counter).where(Counter.kind == limit.kind, Counter.key == key, Counter.count > 0)
               .values(count=Counter.count - 1))


def release_all(db: Session, taken: list[Taken]) -> None:
    for t in taken:
        release(db, t.limit, t.key)


def clear(db: Session, limit: Limit, key: str) -> None:
    clear_all(db, [(limit, key)])


def clear_all(db: Session, wanted: list[tuple[Limit, str]]) -> None:
    """Forget these counts (one statement)."""
    if wanted:
        db.execute(delete(Counter).where(or_(*(and_(Counter.kind == limit.kind, Counter.key == key)
                                               for limit, key in wanted))))


def clear_subject(db: Session, limit: Limit | Backoff, subject: str) -> None:
    """Forget a subject's counts in every bucket (the strangers' and each known device's)."""
    db.execute(delete(Counter).where(Counter.kind == limit.kind,
                                     or_(Counter.key == subject, Counter.key.startswith(f"{subject}|dev:"))))


def wait(db: Session, limit: Limit, key: str, now: datetime) -> timedelta | None:
    """Time left while `key` has used up `limit` (without counting anything), else None."""
    row = db.execute(select(Counter.count, Counter.window_ends)
                     .where(Counter.kind == limit.kind, Counter.key == key)).first()
    if row is None or row[0] < limit.max:
        return None
    left = as_utc(row[1]) - now
    return left if left > timedelta(0) else None


def longest_wait(db: Session, wanted: list[tuple[Limit, str]], now: datetime) -> timedelta | None:
    """The lock a visitor would meet now, if any: the longest of `wanted`'s waits."""
    waits = [w for limit, key in wanted if (w := wait(db, limit, key, now))]
    return max(waits) if waits else None


def window_left(db: Session, limit: Limit, key: str, now: datetime) -> int:
    """Whole seconds until the current window of `key` ends (0 when none is running)."""
    row = db.execute(select(Counter.window_ends)
                     .where(Counter.kind == limit.kind, Counter.key == key)).scalar()
    if row is None:
        return 0
    return seconds_until(row, now)


def purge_ended(db: Session, now: datetime, keep: timedelta = DAY) -> int:
    """Delete counts whose window ended more than `keep` ago (a growing wait remembers a day)."""
    return affected(db.execute(delete(Counter).where(Counter.window_ends < now - keep))) or 0


