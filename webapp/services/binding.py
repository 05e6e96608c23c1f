"""Binding the ed24.kz app to a phone: 12-digit one-time passwords and QR tokens."""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import AppDevice, BindingSecret
from .clock import as_utc
from .secrets_hash import keyed_hash

LIFETIME = timedelta(seconds=60)
SWITCH_EVERY = timedelta(days=30)
QR_PREFIX = "ED24BIND:"


@dataclass(frozen=True)
class Issued:
    otp: str
    token: str
    expires_at: datetime

    @property
    def qr_payload(self) -> str:
        return QR_PREFIX + self.token


class Refusal(enum.Enum):
    INVALID = "invalid"  # wrong, expired or used: the app cannot tell which


@dataclass(frozen=True)
class TooSoon:
    wait: timedelta


@dataclass(frozen=True)
class Bound:
    phone: str


def is_bound(db: Session, phone: str) -> bool:
    return db.scalar(select(AppDevice.id).where(AppDevice.phone == phone).limit(1)) is not None


def issue(db: Session, phone: str, now: datetime, pepper: bytes) -> Issued:
    otp = "".join(secrets.choice("0123456789") for _ in range(12))
    token = secrets.token_urlsafe(24)  # 192 bits
    db.add(BindingSecret(
        phone=phone, otp_hash=keyed_hash(pepper, "otp", phone, otp),
        token_hash=keyed_hash(pepper, "token", token),
        created_at=now, expires_at=now + LIFETIME,
    ))
    return Issued(otp=otp, token=token, expires_at=now + LIFETIME)


def _find_secret(db: Session, phone: str, secret: str, pepper: bytes) -> BindingSecret | None:
    secret = secret.strip()
    if secret.upper().startswith(QR_PREFIX):
        secret = secret[len(QR_PREFIX):]
    candidates = (
        BindingSecret.otp_hash == keyed_hash(pepper, "otp", phone, "".join(secret.split())),
        BindingSecret.token_hash == keyed_hash(pepper, "token", secret),
    )
    for condition in candidates:
        row = db.scalar(select(BindingSecret).where(condition, BindingSecret.phone == phone))
        if row is not None:
            return row
    return None


def device_for(db: Session, device_key_hash: str) -> AppDevice | None:
    return db.scalar(select(AppDevice).where(AppDevice.device_key_hash == device_key_hash))


def switch_wait(device: AppDevice | None, phone: str, now: datetime) -> timedelta | None:
    """Time left before this device may move to another number, if it must wait."""
    if device is None or device.phone in (None, phone) or device.bound_at is None:
        return None
    left = as_utc(device.bound_at) + SWITCH_EVERY - now
    return left if left > timedelta(0) else None


def bind(db: Session, *, phone: str, secret: str, device_key_hash: str, now: datetime,
         pepper: bytes) -> Bound | TooSoon | Refusal:
    device = device_for(db, device_key_hash)
    wait = switch_wait(device, phone, now)
    if wait:
        return TooSoon(wait)
    row = _find_secret(db, phone, secret[:200], pepper)
    if row is None or row.used_at is not None or now >= as_utc(row.expires_at):
        return Refusal.INVALID
    row.used_at = now
    # One app per number: a device bound to this phone before lets go of it.
    db.execute(update(AppDevice).where(AppDevice.phone == phone).values(phone=None))
    if device is None:
        device = AppDevice(device_key_hash=device_key_hash)
        db.add(device)
    device.phone = phone
    device.bound_at = now
    return Bound(phone)
