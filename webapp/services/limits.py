"""Limits that protect accounts: atomic counts in the database.

Each limit is one counter row per (kind, key). Taking a count is one statement
(INSERT … ON CONFLICT DO UPDATE … RETURNING) that the database serialises, so 20
parallel requests see the counts 1…20 and only the first `max` may go on: a try
is counted before the secret is compared, and no read-then-write race lets a
request slip past. Counting in the database keeps every worker and app server
on the same numbers, on the app's clock (the sandbox can move it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.orm import Session

from ..models import Counter
from .clock import as_utc, seconds_until


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
class Taken:
    limit: Limit
    key: str
    count: int

    @property
    def left(self) -> int:
        """How many more this key may take in the window."""
        return self.limit.max - self.count


@dataclass(frozen=True)
class Blocked:
    kind: str
    wait: timedelta


def _insert(db: Session):  # type: ignore[no-untyped-def]
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def take(db: Session, limit: Limit, key: str, now: datetime) -> Taken | Blocked:
    """Count one for `key`; Blocked (with the wait) when the limit was already used up."""
    first_end = now + (limit.lockout if limit.lockout and limit.max == 1 else limit.window)
    expired = Counter.window_ends <= now
    ends = case((expired, first_end), else_=Counter.window_ends)
    if limit.lockout:
        ends = case((expired, first_end), (Counter.count + 1 == limit.max, now + limit.lockout),
                    else_=Counter.window_ends)
    stmt = (_insert(db)(Counter)
            .values(kind=limit.kind, key=key, count=1, window_ends=first_end)
            .on_conflict_do_update(
                index_elements=[Counter.kind, Counter.key],
                set_={"count": case((expired, 1), else_=Counter.count + 1), "window_ends": ends})
            .returning(Counter.count, Counter.window_ends))
    count, window_ends = db.execute(stmt).one()
    if count > limit.max:
        return Blocked(limit.kind, as_utc(window_ends) - now)
    return Taken(limit, key, count)


def take_all(db: Session, wanted: list[tuple[Limit, str]], now: datetime) -> list[Taken] | Blocked:
    """Take one from each limit, or from none: a refused try uses up nothing else."""
    taken: list[Taken] = []
    for limit, key in wanted:
        result = take(db, limit, key, now)
        if isinstance(result, Blocked):
            release_all(db, taken)
            return result
        taken.append(result)
    return taken


def release(db: Session, limit: Limit, key: str) -> None:
    """Give one back (the try did not count: the message was not delivered, the code was right)."""
    db.execute(update(Counter).where(Counter.kind == limit.kind, Counter.key == key, Counter.count > 0)
               .values(count=Counter.count - 1))


def release_all(db: Session, taken: list[Taken]) -> None:
    for t in taken:
        release(db, t.limit, t.key)


def clear(db: Session, limit: Limit, key: str) -> None:
    clear_all(db, [(limit, key)])


def clear_all(db: Session, wanted: list[tuple[Limit, str]]) -> None:
    """Forget these counts (one statement)."""
    db.execute(delete(Counter).where(or_(*(and_(Counter.kind == limit.kind, Counter.key == key)
                                           for limit, key in wanted))))


def wait(db: Session, limit: Limit, key: str, now: datetime) -> timedelta | None:
    """Time left while `key` has used up `limit` (without counting anything), else None."""
    row = db.execute(select(Counter.count, Counter.window_ends)
                     .where(Counter.kind == limit.kind, Counter.key == key)).first()
    if row is None or row.count < limit.max:
        return None
    left = as_utc(row.window_ends) - now
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
