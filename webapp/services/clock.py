"""Injectable clock, so that timing rules are tested without sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time of the request's database, timezone-aware UTC."""
        ...

    def at(self, db: Any) -> datetime:
        """Current time of this database (the sandbox keeps an offset in each one)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def at(self, db: Any) -> datetime:
        return self.now()


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._now

    def at(self, db: Any) -> datetime:
        return self._now

    def advance(self, seconds: float = 0, **kwargs: float) -> None:
        self._now += timedelta(seconds=seconds, **kwargs)


def as_utc(value: datetime) -> datetime:
    """Stored datetimes come back naive from SQLite: they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def whole_seconds(td: timedelta) -> int:
    """Whole seconds, rounded up, never negative."""
    return max(0, int(-(-td.total_seconds() // 1)))


def seconds_until(deadline: datetime, now: datetime) -> int:
    """Whole seconds left until a deadline, rounded up, never negative."""
    return whole_seconds(as_utc(deadline) - now)


def reference_time(now: datetime) -> str:
    """The header's "Эталонное время сервера" value: YYYY.MM.DD HH:MM in Almaty."""
    return now.astimezone(ALMATY).strftime("%Y.%m.%d %H:%M")
