"""The sandbox's movable clock: real time plus an offset kept in the database, so every
worker and app server sees it, and each test namespace (a database of its own) has its
own, moved forward and back without touching any other."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..db import get_db
from ..models import SandboxSetting

OFFSET = "clock_offset_seconds"
MAX_ADVANCE = 365 * 24 * 3600

log = logging.getLogger(__name__)


class SandboxClock:
    def now(self) -> datetime:
        return self.at(get_db())

    def at(self, db: Session) -> datetime:
        try:
            moved = offset(db)
        except SQLAlchemyError:
            # The database is away: real time, so the page can still say "unavailable".
            log.warning("sandbox clock: offset unreadable, using real time")
            db.rollback()
            moved = 0
        return datetime.now(timezone.utc) + timedelta(seconds=moved)


def offset(db: Session) -> int:
    row = db.get(SandboxSetting, OFFSET)
    return row.value if row else 0


def _row(db: Session) -> SandboxSetting:
    row = db.get(SandboxSetting, OFFSET, with_for_update=True)
    if row is None:
        row = SandboxSetting(name=OFFSET, value=0)
        db.add(row)
    return row


def set_offset(db: Session, seconds: int) -> int:
    """Put this database's clock `seconds` away from real time (forward, or back to 0)."""
    row = _row(db)
    row.value = seconds
    db.commit()
    return seconds


def advance(db: Session, seconds: int) -> int:
    """Move the clock forward for every worker; the new offset."""
    row = _row(db)
    row.value += seconds
    db.commit()
    return row.value


def reset(db: Session) -> None:
    set_offset(db, 0)
