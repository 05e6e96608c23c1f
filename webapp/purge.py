"""Retention: one scheduled command deletes what has served its use.

    flask --app webapp purge        (or: ed24-purge, which needs only DATABASE_URL)

Sessions past their expiry; codes, links and binding passwords a day after they
expired; counts whose window ended a day ago; the secrets sealed in outbox rows
once dead; delivered outbox rows after OUTBOX_KEEP_DAYS, failed ones after 30
days; audit events after AUDIT_RETENTION_DAYS (default 90). deploy/systemd runs it
hourly (ed24-cabinet-purge.timer).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .db import make_engine
from .models import AuditEvent, BindingSecret, CodeLink, ConfirmationCode, OutboxMessage, WebSession
from .services import limits, outbox
from .services.sql import affected

DAY = timedelta(days=1)


def purge(db: Session, now: datetime, *, audit_days: int, outbox_days: int) -> dict[str, int]:
    """Delete what served its use; how many rows of each kind (committed)."""
    done = {
        "sessions": affected(db.execute(delete(WebSession).where(WebSession.expires_at < now))),
        "codes": affected(db.execute(delete(ConfirmationCode).where(ConfirmationCode.expires_at < now - DAY))),
        "links": affected(db.execute(delete(CodeLink).where(CodeLink.expires_at < now - DAY))),
        "binding_passwords": affected(db.execute(delete(BindingSecret).where(BindingSecret.expires_at < now - DAY))),
        "counters": limits.purge_ended(db, now),
        "outbox_secrets": outbox.forget_expired(db, now),
        "outbox_delivered": affected(db.execute(delete(OutboxMessage).where(
            OutboxMessage.status == "delivered", OutboxMessage.created_at < now - outbox_days * DAY))),
        "outbox_failed": affected(db.execute(delete(OutboxMessage).where(
            OutboxMessage.status == "failed", OutboxMessage.created_at < now - 30 * DAY))),
        "audit_events": affected(db.execute(delete(AuditEvent).where(AuditEvent.created_at < now - audit_days * DAY))),
    }
    db.commit()
    return {name: count or 0 for name, count in done.items()}


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name}: {raw!r} is not a whole number of days of at least 1")
    return int(raw)


def main(env: Mapping[str, str] = os.environ) -> int:
    """ed24-purge: needs only DATABASE_URL (and the retention settings)."""
    url = (env.get("DATABASE_URL") or "").strip()
    if not url:
        print("DATABASE_URL: set the database to purge", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            done = purge(db, datetime.now(timezone.utc), audit_days=_days(env, "AUDIT_RETENTION_DAYS", 90),
                         outbox_days=_days(env, "OUTBOX_KEEP_DAYS", 7))
    finally:
        engine.dispose()
    print(" ".join(f"{name}={count}" for name, count in done.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
