"""The outbox worker: claims due messages, hands each to its gateway, records what happened.

Claims are atomic, so several workers never hand one message over twice at once:
on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` then a claim time; on SQLite a
conditional UPDATE per row. A claim lasts CLAIM_FOR: a worker killed mid-delivery
leaves the message to be claimed again after that, with the same idempotency key
("ed24-<id>"), so the gateway can drop the duplicate. No transaction is open while
a gateway is called.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..models import AppDevice, OutboxMessage
from ..observability import DELIVERIES, GATEWAY_LATENCY, WORKER_BEAT
from ..services import codes
from ..services.clock import as_utc
from ..services.context import Sealer
from ..services.gateways import (
    REQUEST_ID,
    Accepted,
    OutgoingPush,
    OutgoingSms,
    PermanentFailure,
    TemporaryFailure,
)
from ..services.limits import AccountLimits
from ..services.sql import affected
from .retry import next_attempt

log = logging.getLogger("ed24.outbox")
CLAIM_FOR = timedelta(seconds=60)
BATCH = 20
GATEWAY_OF = {"sms": "SMS_GATEWAY", "push": "PUSH_GATEWAY"}


def idempotency_key(message_id: int) -> str:
    return f"ed24-{message_id}"


@dataclass(frozen=True)
class Backlog:
    queued: int
    oldest_age_seconds: float
    failed: int


def backlog(engine: Engine) -> Backlog:
    now = datetime.now(timezone.utc)
    with Session(engine) as db:
        queued, oldest = db.execute(select(func.count(), func.min(OutboxMessage.created_at))
                                    .where(OutboxMessage.status == "queued")).one()
        failed = db.scalar(select(func.count()).where(OutboxMessage.status == "failed")) or 0
    age = (now - as_utc(oldest)).total_seconds() if oldest else 0.0
    return Backlog(int(queued or 0), max(0.0, age), int(failed))


class Worker:
    def __init__(self, gateways: dict[str, Any], sealer: Sealer, rules: AccountLimits,
                 clock: Callable[[Session], datetime]) -> None:
        self.gateways, self.sealer, self.rules, self.clock = gateways, sealer, rules, clock

    # -- one pass over one database --------------------------------------------------
    def deliver_due(self, session_factory: Callable[[], Session], limit: int = BATCH) -> int:
        """Deliver what is due in this database now; how many messages were handled."""
        handled = 0
        with session_factory() as db:
            for message_id in self._claim(db, limit):
                self._deliver(db, message_id)
                handled += 1
        WORKER_BEAT.set(time.time())
        return handled

    def has_due(self, session_factory: Callable[[], Session]) -> bool:
        with session_factory() as db:
            return db.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "queued").limit(1)) is not None

    def _claim(self, db: Session, limit: int) -> list[int]:
        now = self.clock(db)
        due = [OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)]
        query = select(OutboxMessage.id).where(*due).order_by(OutboxMessage.id).limit(limit)
        if db.get_bind().dialect.name == "postgresql":
            ids = list(db.scalars(query.with_for_update(skip_locked=True)))
            if ids:
                db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                           .values(claimed_until=now + CLAIM_FOR))
            db.commit()
            return ids
        claimed = []
        for message_id in list(db.scalars(query)):
            taken = affected(db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, *due)
                               .values(claimed_until=now + CLAIM_FOR)))
            if taken == 1:
                claimed.append(message_id)
        db.commit()
        return claimed

    def _deliver(self, db: Session, message_id: int) -> None:
        row = db.get(OutboxMessage, message_id)
        if row is None:
            return
        now = self.clock(db)
        if now >= as_utc(row.deliver_by):
            self._fail(db, row, "not taken before its deliver-by moment", now)
            return
        setting = GATEWAY_OF.get(row.channel)
        outgoing = self._outgoing(db, row) if setting else None
        if setting is None or outgoing is None:
            self._fail(db, row, "nothing to deliver it to", now)
            return
        db.commit()  # no transaction stays open while the gateway is called
        token = REQUEST_ID.set(row.request_id)
        started = time.perf_counter()
        gateway_name = type(self.gateways[setting]).__name__
        try:
            accepted = self._call(self.gateways[setting], outgoing)
        except PermanentFailure as exc:
            if isinstance(outgoing, OutgoingPush):
                _forget_push_token(db, row.device_id, outgoing.push_token)
            self._fail(db, row, exc.reason, self.clock(db))
            return
        except TemporaryFailure as exc:
            self._retry(db, row, exc.reason, exc.retry_after)
            return
        except Exception as exc:  # an adapter's bug must not stop the worker: retried, logged
            log.exception("gateway %s raised %s", gateway_name, type(exc).__name__)
            self._retry(db, row, f"{type(exc).__name__}", None)
            return
        finally:
            GATEWAY_LATENCY.labels(gateway=gateway_name).observe(time.perf_counter() - started)
            REQUEST_ID.reset(token)
        row.status, row.delivered_at, row.claimed_until = "delivered", self.clock(db), None
        row.attempts += 1
        row.gateway_ref = (accepted.reference or "")[:200] or None
        db.commit()
        DELIVERIES.labels(gateway=gateway_name, outcome="delivered").inc()
        log.info("outbox delivered", extra={"event": "outbox_delivered", "message_id": row.id,
                                            "channel": row.channel, "kind": row.kind, "attempts": row.attempts})

    @staticmethod
    def _call(gateway: Any, outgoing: OutgoingSms | OutgoingPush) -> Accepted:
        if isinstance(outgoing, OutgoingSms):
            return gateway.send_sms(outgoing)
        return gateway.send_push(outgoing)

    def _outgoing(self, db: Session, row: OutboxMessage) -> OutgoingSms | OutgoingPush | None:
        key = idempotency_key(row.id)
        if row.channel == "sms":
            payload = self.sealer.open(row.sealed) if row.sealed else None
            if row.sealed_until is not None and payload is None:  # it carried a code or link, now gone:
                return None  # its secret was retired (used, or the cabinet changed): nothing to send
            text = payload["text"] if payload else row.text
            return OutgoingSms(key=key, phone=row.phone or "", text=text, request_id=row.request_id)
        device = db.get(AppDevice, row.device_id) if row.device_id else None
        if device is None or not device.push_token or device.ended_at is not None:
            return None
        return OutgoingPush(key=key, push_token=device.push_token, data={"type": "feed"},
                            request_id=row.request_id)

    def _retry(self, db: Session, row: OutboxMessage, reason: str, retry_after: float | None) -> None:
        now = self.clock(db)
        row.attempts += 1
        row.last_error = reason[:200]
        moment = next_attempt(now, row.attempts, as_utc(row.deliver_by), retry_after)
        if moment is None:
            self._fail(db, row, reason, now)
            return
        row.next_attempt_at, row.claimed_until = moment, None
        db.commit()
        DELIVERIES.labels(gateway=GATEWAY_OF[row.channel], outcome="retry").inc()
        log.warning("outbox retry", extra={"event": "outbox_retry", "message_id": row.id, "channel": row.channel,
                                           "attempts": row.attempts, "reason": reason[:200]})

    def _fail(self, db: Session, row: OutboxMessage, reason: str, now: datetime) -> None:
        row.last_error = reason[:200]
        db.flush()
        codes.message_failed(db, now, self.rules, row.id)  # a code's send is given back
        db.commit()
        DELIVERIES.labels(gateway=GATEWAY_OF.get(row.channel, row.channel), outcome="failed").inc()
        log.error("outbox failed", extra={"event": "outbox_failed", "message_id": row.id, "channel": row.channel,
                                          "kind": row.kind, "reason": reason[:200]})


def _forget_push_token(db: Session, device_id: int | None, push_token: str) -> None:
    """A token the push service refuses for good (the app was uninstalled, the token rotated)
    would fail every later push too: the device keeps its binding and its feed, and wakes
    again once the app sends a new token (PUT bindings/current/push-token)."""
    db.execute(update(AppDevice).where(AppDevice.id == device_id, AppDevice.push_token == push_token)
               .values(push_token=None))


def failed_messages(db: Session, limit: int = 100) -> Iterable[OutboxMessage]:
    return db.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")
                      .order_by(OutboxMessage.failed_at.desc()).limit(limit))
