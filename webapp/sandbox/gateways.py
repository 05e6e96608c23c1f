"""Sandbox implementations of the gateways, over the application's database."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Child, CitizenPhone, Notification
from ..services import binding
from ..services.gateways import ChildRecord


class SandboxRegistry:
    def __init__(self, db: Session) -> None:
        self.db = db

    def phones_of(self, iin: str) -> list[str]:
        return list(self.db.scalars(select(CitizenPhone.phone).where(CitizenPhone.citizen_iin == iin)))

    def child(self, iin: str) -> ChildRecord | None:
        row = self.db.get(Child, iin)
        if row is None:
            return None
        parents = tuple(p for p in (row.parent1_iin, row.parent2_iin) if p)
        return ChildRecord(iin=row.iin, birth_certificate=row.birth_certificate,
                           parents=parents, status=row.status)


class SandboxNotifier:
    """Delivers by writing to the phone's app feed (what /sandbox/app shows)."""

    def __init__(self, db: Session, now: Callable[[], datetime]) -> None:
        self.db = db
        self.now = now

    def is_bound(self, phone: str) -> bool:
        return binding.is_bound(self.db, phone)

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        self.db.add(Notification(phone=phone, kind=kind, params=params, created_at=self.now()))
