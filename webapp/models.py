"""SQLAlchemy 2 typed models: the sandbox registries, cabinets, their history, and counts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class Citizen(Base):
    """БМГ, the national database of citizens' mobile numbers (sandbox copy)."""

    __tablename__ = "citizens"
    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phones: Mapped[list[CitizenPhone]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="CitizenPhone.id"
    )


class CitizenPhone(Base):
    __tablename__ = "citizen_phones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_iin: Mapped[str] = mapped_column(ForeignKey("citizens.iin", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(12), unique=True)
    citizen: Mapped[Citizen] = relationship(back_populates="phones")


class Cabinet(Base):
    __tablename__ = "cabinets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), unique=True)
    phone: Mapped[str] = mapped_column(String(12))
    # Null until the parent sets a password (the cabinet is created when a child is queued).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Stored in each signed-in session; bumping it ends every other session.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # Raised by any change of the password, phone, bound app or holder: every code, link
    # and confirmation issued before dies (sessions end only with session_epoch).
    security_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    children: Mapped[list[Child]] = relationship(back_populates="cabinet", order_by="Child.iin")


class Child(Base):
    __tablename__ = "children"
    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_certificate: Mapped[str] = mapped_column(String(40))
    # Parents in the order of the birth certificate; the second may be absent.
    parent1_iin: Mapped[str] = mapped_column(String(12))
    parent2_iin: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10))  # "attends" | "queue"
    cabinet_id: Mapped[int | None] = mapped_column(ForeignKey("cabinets.id"), index=True)
    cabinet: Mapped[Cabinet | None] = relationship(back_populates="children")

    @property
    def parents(self) -> tuple[str, ...]:
        return tuple(p for p in (self.parent1_iin, self.parent2_iin) if p)


class AppDevice(Base):
    """One binding of the ed24.kz app on a handset to a phone number.

    Each binding is a row of its own with its device token (stored as SHA-256, never
    readable); a newer binding of the same number ends the older one
    ("device_replaced"). Rows loaded from sandbox data have no token.
    """

    __tablename__ = "app_devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The previous release's emulator cookie hash; unused since v3 (dropped with notifications).
    device_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The number this binding holds now; null once it ended.
    phone: Mapped[str | None] = mapped_column(String(12), index=True)
    bound_at: Mapped[datetime | None]
    # v3: the app's own id for the handset (the 30-day rule), its name, its token and push token.
    install_id: Mapped[str | None] = mapped_column(String(100), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    push_token: Mapped[str | None] = mapped_column(Text)
    bound_phone: Mapped[str | None] = mapped_column(String(12))  # kept after the binding ends
    last_seen_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(20))  # "replaced" | "unbound" | "expired"


class Notification(Base):
    """The previous release's sandbox outbox. Unused since v3 (see OutboxMessage); kept so
    app servers still on the previous release keep working during a rolling deploy, and
    dropped by the next release's contract migration."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(12), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("app_devices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """Every app notification, push and SMS, written in the transaction of what it
    announces and delivered by the worker (webapp/delivery).

    `text` never holds a secret: a code or link is masked there, and the full text lives
    only in `sealed` (encrypted with the outbox key) until it is used or expires.
    The row id is the idempotency key of every delivery attempt ("ed24-<id>").
    """

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(4))  # "app" | "sms" | "push"
    phone: Mapped[str | None] = mapped_column(String(12))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("app_devices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    sealed: Mapped[str | None] = mapped_column(Text)
    sealed_until: Mapped[datetime | None]  # after this the sealed secrets are dead: purged
    status: Mapped[str] = mapped_column(String(10))  # "queued" | "delivered" | "failed"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    deliver_by: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    gateway_ref: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_phone", "phone", "channel", "id"))


class CabinetEvent(Base):
    """Лента событий: what the parent should know happened to the cabinet."""

    __tablename__ = "cabinet_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cabinet_id: Mapped[int] = mapped_column(ForeignKey("cabinets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    __table_args__ = (Index("ix_cabinet_events_cabinet_created", "cabinet_id", "created_at"),)


class AuditEvent(Base):
    """Every security-relevant event, for the operators (never codes or passwords). The
    subject is a keyed pseudonym of the IIN (or a masked phone); rows older than
    AUDIT_RETENTION_DAYS are purged."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(40))
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Counter(Base):
    """One limit's count for one key (services/limits.py changes it atomically)."""

    __tablename__ = "counters"
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # The count starts again after this moment; a lock-out moves it forward.
    window_ends: Mapped[datetime] = mapped_column(index=True)


class ConfirmationCode(Base):
    """A 6-digit code sent to the app; only its keyed hash is kept."""

    __tablename__ = "confirmation_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(40))
    # Keyed hash of the flow's nonce: the code works only in the session that asked.
    requester_hash: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(12))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
    # v3: how it went (app or SMS), the message that carries it, the cabinet's security
    # epoch when sent, and the per-phone count it was taken from (given back on failure).
    channel: Mapped[str] = mapped_column(String(4), default="app", server_default="app")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    send_bucket: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (Index("ix_codes_lookup", "purpose", "subject", "requester_hash", "created_at"),)


class CodeLink(Base):
    """The link in a code message (/r/<token>): 60 minutes, once, any browser; only the
    token's keyed hash is kept. Tied to the cabinet, its phone, the purpose and the
    cabinet's security epoch."""

    __tablename__ = "code_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cabinet_id: Mapped[int] = mapped_column(ForeignKey("cabinets.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(12))
    purpose: Mapped[str] = mapped_column(String(20))
    epoch: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(2))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class BindingSecret(Base):
    """A 12-digit binding one-time password sent by SMS; only its keyed hash is kept.

    The cabinet's rotating password and QR token are derived, not stored
    (services/binding.py).
    """

    __tablename__ = "binding_secrets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(12), index=True)
    otp_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # Used, cancelled by a newer SMS, or killed by wrong tries: no longer accepted.
    ended_at: Mapped[datetime | None]


class WebSession(Base):
    """Server-side session data; the browser holds only a random id."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SandboxNamespace(Base):
    """A sandbox namespace for one parallel test worker (its data live in a database of
    their own: a schema on PostgreSQL, a file on SQLite). Kept in the default database."""

    __tablename__ = "sandbox_namespaces"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(index=True)
    # Set when a request queued messages there: the worker looks in that namespace.
    pending_since: Mapped[datetime | None]
    # The sandbox JSON it was created with ("reset" returns to it); null: the demo data.
    seed: Mapped[dict[str, Any] | None]


class SandboxSetting(Base):
    """Sandbox-only values every worker must see (the clock's offset)."""

    __tablename__ = "sandbox_settings"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


__all__ = [
    "AppDevice", "AuditEvent", "Base", "BindingSecret", "Cabinet", "CabinetEvent", "Child",
    "Citizen", "CitizenPhone", "CodeLink", "ConfirmationCode", "Counter", "Notification",
    "OutboxMessage", "SandboxNamespace", "SandboxSetting", "WebSession",
]
