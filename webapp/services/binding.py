"""Binding the ed24.kz app to a phone with a 12-digit one-time password or a QR token.

Two ways to get a binding secret, and only these (a public page never shows one):
- the signed-in cabinet shows a password and a QR token that rotate every 60 s
  (the previous pair is accepted 30 s more). They are derived from the secret
  key, the phone, the minute and the phone's last binding, so nothing readable is
  stored and a binding retires every earlier pair;
- an SMS to the phone itself (valid 10 minutes; a new one cancels the previous),
  stored as a keyed hash: receiving it proves the SIM is in the parent's hands.

5 wrong tries per phone per 10 minutes, counted before they are compared, kill
the phone's SMS password. A device may move to another number once per 30 days.
Binding tells the parent: an SMS to the number, a Лента событий entry, and a
message to the handset that held the number before.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..models import AppDevice, BindingSecret, Cabinet
from . import limits
from .audit import audit, feed
from .clock import as_utc
from .context import Deps
from .gateways import GatewayUnavailable, tell
from .limits import Limit
from .phone import mask
from .secrets_hash import keyed_hash, same

OTP_DIGITS = 12
CABINET_STEP = timedelta(seconds=60)
CABINET_GRACE = timedelta(seconds=30)
SMS_LIFETIME = timedelta(minutes=10)
SWITCH_EVERY = timedelta(days=30)
QR_PREFIX = "ED24BIND:"

SMS_WAIT = Limit("bind_sms_wait", 1, SMS_LIFETIME)
SMS_PER_PHONE = Limit("bind_sms_phone", 5, timedelta(days=1))
WRONG = Limit("bind_wrong", 5, timedelta(minutes=10), lockout=timedelta(minutes=10))
# A cabinet secret (one minute's password or token) binds one handset, even in parallel.
CABINET_USED = Limit("bind_cabinet_used", 1, CABINET_STEP + CABINET_GRACE)


def sms_per_address(size: int) -> Limit:
    return Limit("bind_sms_client", size, timedelta(days=1))


def group(otp: str) -> str:
    """7036 1088 7203: easier to read out and to type."""
    return " ".join(otp[i:i + 4] for i in range(0, len(otp), 4))


@dataclass(frozen=True)
class Shown:
    """The cabinet's current binding password and QR token."""

    phone: str
    otp: str
    token: str
    expires_at: datetime

    @property
    def grouped(self) -> str:
        return group(self.otp)

    @property
    def qr_payload(self) -> str:
        return f"{QR_PREFIX}{self.phone}:{self.token}"


def is_bound(db: Session, phone: str) -> bool:
    return db.scalar(select(AppDevice.id).where(AppDevice.phone == phone).limit(1)) is not None


def _generation(db: Session, phone: str) -> str:
    """Changes at every binding of the phone, so a used cabinet secret dies with it."""
    last = db.scalar(select(func.max(AppDevice.bound_at)).where(AppDevice.phone == phone))
    return as_utc(last).isoformat() if last else "-"


def _mac(pepper: bytes, *parts: str) -> bytes:
    return hmac.new(pepper, "\x1f".join(parts).encode(), hashlib.sha256).digest()


def _step(moment: datetime) -> int:
    return int(moment.timestamp() // CABINET_STEP.total_seconds())


def _derived(pepper: bytes, phone: str, step: int, generation: str) -> tuple[str, str]:
    mac = _mac(pepper, "bind-otp", phone, str(step), generation)
    otp = f"{int.from_bytes(mac[:8], 'big') % 10 ** OTP_DIGITS:0{OTP_DIGITS}d}"
    token_mac = _mac(pepper, "bind-qr", phone, str(step), generation)
    token = base64.urlsafe_b64encode(token_mac[:24]).decode().rstrip("=")  # 192 bits
    return otp, token


def for_cabinet(db: Session, phone: str, now: datetime, pepper: bytes) -> Shown:
    step = _step(now)
    otp, token = _derived(pepper, phone, step, _generation(db, phone))
    ends = datetime.fromtimestamp((step + 1) * CABINET_STEP.total_seconds(), tz=now.tzinfo)
    return Shown(phone=phone, otp=otp, token=token, expires_at=ends)


def _accepted_steps(now: datetime) -> list[int]:
    step = _step(now)
    started = datetime.fromtimestamp(step * CABINET_STEP.total_seconds(), tz=now.tzinfo)
    return [step, step - 1] if now - started < CABINET_GRACE else [step]


@dataclass(frozen=True)
class SmsSent:
    phone: str


@dataclass(frozen=True)
class TooSoon:
    """An SMS went to this phone less than 10 minutes ago, or the device moved numbers
    less than 30 days ago."""

    wait: timedelta


@dataclass(frozen=True)
class Blocked:
    wait: timedelta


@dataclass(frozen=True)
class SendFailed:
    pass


def send_sms(deps: Deps, phone: str, cabinet_id: int | None) -> SmsSent | TooSoon | Blocked | SendFailed:
    """A binding one-time password by SMS to `phone` (valid 10 minutes)."""
    db, now, client = deps.db, deps.now, deps.client
    counted = limits.take_all(db, [
        (SMS_WAIT, client.bucket(phone, cabinet_id)),
        (SMS_PER_PHONE, client.bucket(phone, cabinet_id)),
        (sms_per_address(deps.address_limits.binding_sms), client.per_address(cabinet_id)),
    ], now)
    db.commit()  # counted before anything is sent
    if isinstance(counted, limits.Blocked):
        return TooSoon(counted.wait) if counted.kind == SMS_WAIT.kind else Blocked(counted.wait)
    otp = f"{secrets.randbelow(10 ** OTP_DIGITS):0{OTP_DIGITS}d}"
    try:
        deps.sms.send(phone, "binding_otp", {"otp": group(otp)})
    except GatewayUnavailable:
        limits.release_all(db, counted)
        db.commit()
        return SendFailed()
    _end_sms_secrets(db, phone, now)  # a new one cancels the previous
    db.add(BindingSecret(phone=phone, otp_hash=keyed_hash(deps.pepper, "sms-otp", phone, otp),
                         created_at=now, expires_at=now + SMS_LIFETIME))
    audit(db, "binding_sms_sent", now, subject=mask(phone), client=client.address)
    db.commit()
    return SmsSent(phone)


def _end_sms_secrets(db: Session, phone: str, now: datetime) -> None:
    db.execute(update(BindingSecret).where(BindingSecret.phone == phone, BindingSecret.ended_at.is_(None))
               .values(ended_at=now))


class Refusal(enum.Enum):
    INVALID = "invalid"  # wrong, expired or used: the app cannot tell which


@dataclass(frozen=True)
class Bound:
    phone: str


def device_for(db: Session, device_key_hash: str) -> AppDevice | None:
    return db.scalar(select(AppDevice).where(AppDevice.device_key_hash == device_key_hash))


def switch_wait(device: AppDevice | None, phone: str, now: datetime) -> timedelta | None:
    """Time left before this device may move to another number, if it must wait."""
    if device is None or device.phone in (None, phone) or device.bound_at is None:
        return None
    left = as_utc(device.bound_at) + SWITCH_EVERY - now
    return left if left > timedelta(0) else None


def parse_qr(raw: str) -> tuple[str, str] | None:
    """ "ED24BIND:+77057546868:<token>" → (phone, token)."""
    value = raw.strip()
    if not value.upper().startswith(QR_PREFIX):
        return None
    phone, _, token = value[len(QR_PREFIX):].partition(":")
    return (phone, token) if phone and token else None


def _matches(deps: Deps, phone: str, secret: str) -> BindingSecret | int | None:
    """The SMS secret that matches, the minute of a cabinet secret that matches, or None."""
    db, now = deps.db, deps.now
    qr = parse_qr(secret)
    generation = _generation(db, phone)
    steps = _accepted_steps(now)
    if qr is not None:
        qr_phone, token = qr
        if qr_phone != phone:
            return None
        return next((step for step in steps if same(token, _derived(deps.pepper, phone, step, generation)[1])),
                    None)
    digits = "".join(secret.split())
    if len(digits) != OTP_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    wanted = keyed_hash(deps.pepper, "sms-otp", phone, digits)
    for row in db.scalars(select(BindingSecret).where(
            BindingSecret.phone == phone, BindingSecret.ended_at.is_(None),
            BindingSecret.expires_at > now)):
        if same(row.otp_hash, wanted):
            return row
    return next((step for step in steps if same(digits, _derived(deps.pepper, phone, step, generation)[0])), None)


def bind(deps: Deps, *, phone: str, secret: str, device_key_hash: str) -> Bound | TooSoon | Blocked | Refusal:
    """Bind this device to `phone` if `secret` is the phone's current binding secret."""
    db, now = deps.db, deps.now
    device = device_for(db, device_key_hash)
    wait = switch_wait(device, phone, now)
    if wait:
        return TooSoon(wait)
    counted = limits.take(db, WRONG, phone, now)
    db.commit()  # counted before it is compared
    if isinstance(counted, limits.Blocked):
        return Blocked(counted.wait)
    found = _matches(deps, phone, secret[:200])
    if isinstance(found, BindingSecret):  # single use, even for two handsets at once
        found = db.execute(update(BindingSecret).where(BindingSecret.id == found.id,
                                                       BindingSecret.ended_at.is_(None))
                           .values(ended_at=now)).rowcount == 1
    elif found is not None:
        found = isinstance(limits.take(db, CABINET_USED, f"{phone}|{found}", now), limits.Taken)
    if not found:
        if counted.left == 0:
            _end_sms_secrets(db, phone, now)  # 5 wrong: that password is dead
        audit(db, "binding_failed", now, subject=mask(phone), client=deps.client.address)
        db.commit()
        return Refusal.INVALID
    limits.release(db, WRONG, phone)
    _bind_device(deps, device, device_key_hash, phone)
    db.commit()
    return Bound(phone)


def _bind_device(deps: Deps, device: AppDevice | None, device_key_hash: str, phone: str) -> None:
    db, now = deps.db, deps.now
    # One app per number: a handset bound to it before lets go, and is told so.
    previous = [d for d in db.scalars(select(AppDevice).where(AppDevice.phone == phone))
                if device is None or d.id != device.id]
    for old in previous:
        old.phone = None
    if device is None:
        device = AppDevice(device_key_hash=device_key_hash)
        db.add(device)
    device.phone = phone
    device.bound_at = now
    db.flush()
    for old in previous:
        tell(deps.notifier.send_to_device, old.id, "number_moved", {"phone": mask(phone)})
    tell(deps.sms.send, phone, "app_bound", {})
    for cabinet in db.scalars(select(Cabinet).where(Cabinet.phone == phone)):
        feed(db, cabinet.id, "app_bound", now, phone=mask(phone))
    audit(db, "app_bound", now, subject=mask(phone), client=deps.client.address)
