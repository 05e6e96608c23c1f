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
    """An ed24.kz app installation, bound to one phone number."""

    __tablename__ = "app_devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Hash of the emulator's device cookie; null for devices loaded from sandbox data.
    device_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(12), index=True)
    # When it was last bound: moving to another number waits 30 days from here.
    bound_at: Mapped[datetime | None]


class Notification(Base):
    """What a phone received: an app notification or an SMS (the sandbox's outbox).

    In production these go to the real push service and SMS gateway and are not
    stored; the sandbox keeps them so testers can read codes.
    """

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(3))  # "app" | "sms"
    # App notifications go to the app bound to the phone; a device-addressed one
    # (the number moved to another handset) goes to that handset only.
    phone: Mapped[str | None] = mapped_column(String(12), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("app_devices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]


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
    """Every security-relevant event, for the operators (never codes or passwords)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(40))
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


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
    __table_args__ = (Index("ix_codes_lookup", "purpose", "subject", "requester_hash", "created_at"),)


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


class SandboxSetting(Base):
    """Sandbox-only values every worker must see (the clock's offset)."""

    __tablename__ = "sandbox_settings"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


__all__ = [
    "AppDevice", "AuditEvent", "Base", "BindingSecret", "Cabinet", "CabinetEvent", "Child",
    "Citizen", "CitizenPhone", "ConfirmationCode", "Counter", "Notification", "SandboxSetting",
    "WebSession",
]
