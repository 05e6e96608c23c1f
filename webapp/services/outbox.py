"""Queueing what a phone should receive: one outbox row per app notification, push or SMS,
in the transaction of what it announces (webapp/delivery delivers them).

A message's words are fixed when it is queued, in the parent's language. A code or
link it carries is kept only sealed (encrypted under the outbox key, which rotates
like SECRET_KEY) until it is used or expires; the row's plain `text` shows it masked.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import AppDevice, OutboxMessage
from .context import Deps, Sealer
from .sql import affected

CODE_MASK = "••••••"
LINK_MASK = "—"
# Where a session remembers that it queued messages (the in-process worker is woken).
QUEUED_FLAG = "outbox_queued"


class FernetSealer:
    """Fernet (AES-128-CBC + HMAC-SHA256) under the outbox key and its older keys."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @staticmethod
    def derive_key(secret: str) -> str:
        """A Fernet key derived from a passphrase (the embedded default only)."""
        return base64.urlsafe_b64encode(hashlib.sha256(b"ed24-outbox\x1f" + secret.encode()).digest()).decode()

    def seal(self, payload: Mapping[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(dict(payload)).encode()).decode()

    def open(self, sealed: str) -> dict[str, str] | None:
        try:
            value = json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return None
        return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class Secret:
    """A code and/or link a message carries, each valid until its moment."""

    code: str | None = None
    code_until: datetime | None = None
    link: str | None = None
    link_until: datetime | None = None

    def masked(self) -> dict[str, str]:
        return {"code": CODE_MASK if self.code else "", "link": LINK_MASK if self.link else ""}

    def shown(self) -> dict[str, str]:
        return {"code": self.code or "", "link": self.link or ""}


def _flag(db: Session) -> None:
    db.info[QUEUED_FLAG] = True


def queue(deps: Deps, *, channel: str, kind: str, params: Mapping[str, str] | None = None,
          phone: str | None = None, device_id: int | None = None, secret: Secret | None = None,
          deliver_by: datetime | None = None) -> OutboxMessage:
    """Queue one message (not committed: it commits with what it announces). App
    notifications are in the feed at once and wake the app by push when it gave a token."""
    now, base = deps.now, dict(params or {})
    words = deps.words
    latest = now + deps.policy.outbox_max_age
    deliver_by = min(deliver_by, latest) if deliver_by else latest
    row = OutboxMessage(
        channel=channel, phone=phone, device_id=device_id, kind=kind, lang=words.lang,
        text=words.message(channel, kind, {**base, **(secret.masked() if secret else {})}),
        status="queued", attempts=0, next_attempt_at=now, deliver_by=deliver_by, created_at=now,
        request_id=deps.request_id)
    if secret is not None:
        row.sealed = deps.sealer.seal({
            "text": words.message(channel, kind, {**base, **secret.shown()}),
            # Once the code has expired (5 minutes) the link may still work (60): the text shows it alone.
            "text_link_only": words.message(channel, kind, {**base, **secret.shown(), "code": CODE_MASK}),
            "code": secret.code or "", "link": secret.link or "",
            "code_until": secret.code_until.isoformat() if secret.code_until else "",
            "link_until": secret.link_until.isoformat() if secret.link_until else ""})
        row.sealed_until = max(t for t in (secret.code_until, secret.link_until) if t is not None)
    if channel == "app":
        # The feed is the truth: the app reads it there; a push only wakes the app.
        row.status, row.delivered_at = "delivered", now
    deps.db.add(row)
    deps.db.flush()
    if channel == "app":
        for device in _devices_to_wake(deps.db, phone, device_id):
            deps.db.add(OutboxMessage(
                channel="push", phone=None, device_id=device.id, kind="wake", lang=words.lang,
                text="", status="queued", attempts=0, next_attempt_at=now,
                deliver_by=min(deliver_by, latest), created_at=now, request_id=deps.request_id))
    if row.status == "queued" or channel == "app":
        _flag(deps.db)
    deps.events.emit("message_queued", channel=channel, kind=kind)
    return row


def _devices_to_wake(db: Session, phone: str | None, device_id: int | None) -> list[AppDevice]:
    query = select(AppDevice).where(AppDevice.push_token.is_not(None), AppDevice.ended_at.is_(None))
    if device_id is not None:
        query = query.where(AppDevice.id == device_id)
    elif phone is not None:
        query = query.where(AppDevice.phone == phone)
    else:
        return []
    return list(db.scalars(query))


@dataclass(frozen=True)
class Opened:
    """A message as its recipient reads it now: the code and link while they still work."""

    text: str
    code: str | None
    link: str | None


def open_message(sealer: Sealer, now: datetime, row: OutboxMessage) -> Opened:
    payload = sealer.open(row.sealed) if row.sealed else None
    if not payload:
        return Opened(row.text, None, None)

    def live(value: str, until: str) -> str | None:
        return value if value and until and datetime.fromisoformat(until) > now else None

    code, link = live(payload["code"], payload["code_until"]), live(payload["link"], payload["link_until"])
    if code:
        return Opened(payload["text"], code, link)
    if link:
        return Opened(payload.get("text_link_only", row.text), None, link)
    return Opened(row.text, None, None)


def retire(deps: Deps, message_ids: Sequence[int | None]) -> None:
    """A code or link of these messages was used, or every secret of a cabinet died (its
    security epoch moved): the outbox forgets their secrets (the masked text stays)."""
    wanted = [m for m in message_ids if m is not None]
    if wanted:
        deps.db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(wanted)).values(sealed=None))


def forget_expired(db: Session, now: datetime) -> int:
    """The purge: secrets whose code and link have both expired are dropped (no key needed)."""
    return affected(db.execute(update(OutboxMessage).where(OutboxMessage.sealed.is_not(None),
                                                  OutboxMessage.sealed_until < now)
                      .values(sealed=None))) or 0
