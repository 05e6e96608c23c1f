"""Sliding-window limits counted in the database (per cabinet, IIN, phone, address).

Counting in the database (not in process memory) keeps the limits right across
several gunicorn workers and restarts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Attempt
from .clock import as_utc


@dataclass(frozen=True)
class Limit:
    kind: str
    max_count: int
    window: timedelta


def blocked_for(db: Session, limit: Limit, key: str, now: datetime) -> timedelta | None:
    """Time left until the key may act again, or None when it may act now."""
    recent = db.scalars(
        select(Attempt.created_at)
        .where(Attempt.kind == limit.kind, Attempt.key == key,
               Attempt.created_at > now - limit.window)
        .order_by(Attempt.created_at.desc())
        .limit(limit.max_count)
    ).all()
    if len(recent) < limit.max_count:
        return None
    # Free again once the oldest of the last max_count leaves the window.
    return as_utc(recent[-1]) + limit.window - now


def count(db: Session, limit: Limit, key: str, now: datetime) -> int:
    return len(db.scalars(
        select(Attempt.id).where(Attempt.kind == limit.kind, Attempt.key == key,
                                 Attempt.created_at > now - limit.window)
    ).all())


def record(db: Session, limit: Limit, key: str, now: datetime) -> None:
    db.add(Attempt(kind=limit.kind, key=key, created_at=now))
    db.flush()


def clear(db: Session, limit: Limit, key: str) -> None:
    db.execute(delete(Attempt).where(Attempt.kind == limit.kind, Attempt.key == key))
