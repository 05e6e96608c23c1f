"""The audit trail (for operators) and the cabinet's Лента событий (for the parent).

Audit rows and log events never hold an IIN, phone, code or password: the IIN is a
keyed pseudonym, a phone is masked; rows are purged after AUDIT_RETENTION_DAYS.
"""
from __future__ import annotations

from typing import Any

from ..models import AuditEvent, CabinetEvent
from .context import Deps
from .phone import mask


def audit(deps: Deps, kind: str, *, iin: str | None = None, phone: str | None = None, **detail: Any) -> None:
    """Record a security-relevant event (not committed) and tell the event log."""
    subject = deps.pseudonyms.of(iin) if iin else (mask(phone) if phone else None)
    deps.db.add(AuditEvent(kind=kind, subject=subject, client=deps.client.address, detail=detail,
                           created_at=deps.now))
    deps.events.emit(kind, subject=subject, **detail)


def feed(deps: Deps, cabinet_id: int, kind: str, **params: Any) -> None:
    deps.db.add(CabinetEvent(cabinet_id=cabinet_id, kind=kind, params=params, created_at=deps.now))
