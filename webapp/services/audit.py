"""Audit trail and the cabinet's Лента событий."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEvent, CabinetEvent


def audit(db: Session, kind: str, now: datetime, *, subject: str | None = None,
          client: str | None = None, **detail: Any) -> None:
    db.add(AuditEvent(kind=kind, subject=subject, client=client, detail=detail, created_at=now))


def feed(db: Session, cabinet_id: int, kind: str, now: datetime, **params: Any) -> None:
    db.add(CabinetEvent(cabinet_id=cabinet_id, kind=kind, params=params, created_at=now))
