"""Binding the ed24.kz app to a phone, and the app's device tokens.

Two ways to get a binding secret, and only these (a public page never shows one):
- the signed-in cabinet shows a 12-digit password and a QR token that rotate every
  60 s (the previous pair is accepted 30 s more). They are derived from the secret
  key, the phone, the minute and the phone's last binding, so nothing readable is
  stored and a binding retires every earlier pair;
- an SMS to the phone itself (valid 10 minutes; a new one cancels the previous),
  stored as a keyed hash: receiving it proves the SIM is in the parent's hands.

Wrong secrets count per (phone, client address): 5 per 10 minutes, then that
address waits; a 12-digit secret needs no rule a stranger could use against the
owner's. A handset may move to another number once per 30 days (the manual's
courtesy, keyed on the id the app gives; not a security control). Binding tells
the parent: an SMS to the number, a Лента событий entry, and a message to the
handset that held the number before; it raises the cabinet's security epoch.

A binding gives the app a device token (256 bits, stored as SHA-256, so rotating
SECRET_KEY unbinds nobody); a newer binding of the number kills it
("device_replaced"), and it expires after 180 days unused.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..models import AppDevice, BindingSecret, Cabinet, OutboxMessage
from . import limits, outbox
from .audit import audit, feed
from .clock import as_utc
from .context import Deps
from .epoch import raise_epoch
from .phone import mask
from .sql import affected

OTP_DIGITS = 12
CABINET_STEP = timedelta(seconds=60)
CABINET_GRACE = timedelta(seconds=30)
SMS_LIFETIME = timedelta(minutes=10)
SWITCH_EVERY = timedelta(days=30)
TOKEN_UNUSED_FOR = timedelta(days=180)
EXPIRED_LOOKBACK = timedelta(hours=24)
QR_PREFIX = "ED24BIND:"
FEED_PAGE = 50


def group(otp: str) -> str:
    """7036 1088 7203: easier to read out and to type."""
    return " ".join(otp[i:i + 4] for i in range(0, len(otp), 4))


def is_bound(db: Session, phone: str) -> bool:
    return db.scalar(select(AppDevice.id).where(AppDevice.phone == phone).limit(1)) is not None


# -- the cabinet's rotating password and QR --------------------------------------

@dataclass(frozen=True)
class Shown:
    """The cabinet's current binding password and QR token."""

    phone: str
    otp: str
    token: str
    rotates_at: datetime

    @property
    def grouped(self) -> str:
        return group(self.otp)

    @property
    def qr_payload(self) -> str:
        return f"{QR_PREFIX}{self.phone}:{self.token}"

    @property
    def valid_until(self) -> datetime:
        """A shown password works until the next one has been shown for 30 s."""
        return self.rotates_at + CABINET_GRACE


def _generation(db: Session, phone: str) -> str:
    """Changes at every binding of the phone, so a used cabinet secret dies with it."""
    last = db.scalar(select(func.max(AppDevice.bound_at)).where(
        or_(AppDevice.phone == phone, AppDevice.bound_phone == phone)))
    return as_utc(last).isoformat() if last else "-"


def _step(moment: datetime) -> int:
    return int(moment.timestamp() // CABINET_STEP.total_seconds())


def _derived(key: bytes, phone: str, step: int, generation: str) -> tuple[str, str]:
    def mac(label: str) -> bytes:
        return hmac.new(key, "\x1f".join((label, phone, str(step), generation)).encode(), hashlib.sha256).digest()

    otp = f"{int.from_bytes(mac('bind-otp')[:8], 'big') % 10 ** OTP_DIGITS:0{OTP_DIGITS}d}"
    token = base64.urlsafe_b64encode(mac("bind-qr")[:24]).decode().rstrip("=")  # 192 bits
    return otp, token


def for_cabinet(deps: Deps, phone: str) -> Shown:
    step = _step(deps.now)
    otp, token = _derived(deps.keys.current, phone, step, _generation(deps.db, phone))
    rotates = datetime.fromtimestamp((step + 1) * CABINET_STEP.total_seconds(), tz=deps.now.tzinfo)
    return Shown(phone=phone, otp=otp, token=token, rotates_at=rotates)


def _accepted_steps(now: datetime) -> list[int]:
    step = _step(now)
    started = datetime.fromtimestamp(step * CABINET_STEP.total_seconds(), tz=now.tzinfo)
    return [step, step - 1] if now - started < CABINET_GRACE else [step]


# -- the binding password by SMS ---------------------------------------------------

@dataclass(frozen=True)
class SmsSent:
    phone: str


@dataclass(frozen=True)
class SmsTooSoon:
    """An SMS went to this phone less than 10 minutes ago."""

    wait: timedelta


@dataclass(frozen=True)
class SmsCapped:
    """Too many binding SMS to this phone, or from this address, today."""

    wait: timedelta


@dataclass(frozen=True)
class SmsBudgetSpent:
    """The service's SMS budget (the operator's circuit breaker) is spent for now."""


SmsOutcome = SmsSent | SmsTooSoon | SmsCapped | SmsBudgetSpent


def send_sms(deps: Deps, phone: str, cabinet_id: int | None) -> SmsOutcome:
    """A binding one-time password by SMS to `phone` (valid 10 minutes); committed."""
    db, now, client, rules = deps.db, deps.now, deps.client, deps.limits
    counted = limits.take_all(db, [
        (rules.binding_sms_wait_per_phone, client.bucket(phone, cabinet_id)),
        (rules.binding_sms_per_phone, client.bucket(phone, cabinet_id)),
        (rules.binding_sms_per_address, client.per_address(cabinet_id)),
        (rules.sms_budget, "all"),
    ], now)
    if isinstance(counted, limits.Refused):
        db.commit()
        deps.events.emit("binding_sms_refused", reason=counted.kind)
        if counted.kind == rules.binding_sms_wait_per_phone.kind:
            return SmsTooSoon(counted.wait)
        if counted.kind == rules.sms_budget.kind:
            deps.events.emit("sms_budget_spent")
            return SmsBudgetSpent()
        return SmsCapped(counted.wait)
    otp = f"{secrets.randbelow(10 ** OTP_DIGITS):0{OTP_DIGITS}d}"
    _end_sms_secrets(db, phone, now)  # a new one cancels the previous
    db.add(BindingSecret(phone=phone, otp_hash=deps.keys.hash("sms-otp", phone, otp),
                         created_at=now, expires_at=now + SMS_LIFETIME))
    outbox.queue(deps, channel="sms", kind="binding_otp", phone=phone,
                 secret=outbox.Secret(code=group(otp), code_until=now + SMS_LIFETIME),
                 deliver_by=now + SMS_LIFETIME)
    audit(deps, "binding_sms_sent", phone=phone)
    db.commit()
    return SmsSent(phone)


def _end_sms_secrets(db: Session, phone: str, now: datetime) -> None:
    db.execute(update(BindingSecret).where(BindingSecret.phone == phone, BindingSecret.ended_at.is_(None))
               .values(ended_at=now))


# -- binding a handset ------------------------------------------------------------

@dataclass(frozen=True)
class Bound:
    token: str           # the device token, shown to the app once
    device: AppDevice


@dataclass(frozen=True)
class SwitchTooSoon:
    """This handset moved to another number less than 30 days ago."""

    wait: timedelta


@dataclass(frozen=True)
class WrongSecretsLocked:
    wait: timedelta


class SecretRefusal(enum.Enum):
    INVALID = "invalid_otp"   # wrong, used, cancelled, or for another number: one answer for all
    EXPIRED = "expired_otp"   # it was this number's secret, but its time is over


BindOutcome = Bound | SwitchTooSoon | WrongSecretsLocked | SecretRefusal


def parse_qr(raw: str) -> tuple[str, str] | None:
    """ "ED24BIND:+77057546868:<token>" → (phone, token)."""
    value = raw.strip()
    if not value.upper().startswith(QR_PREFIX):
        return None
    phone, _, token = value[len(QR_PREFIX):].partition(":")
    return (phone, token) if phone and token else None


def _cabinet_step(deps: Deps, phone: str, secret: str, steps: list[int], qr: bool) -> int | None:
    generation = _generation(deps.db, phone)
    for key in (deps.keys.current, *deps.keys.fallbacks):
        for step in steps:
            otp, token = _derived(key, phone, step, generation)
            if hmac.compare_digest(secret, token if qr else otp):
                return step
    return None


def _match(deps: Deps, phone: str, secret: str) -> BindingSecret | int | SecretRefusal:
    """The SMS secret that matches, the minute of a cabinet secret that matches, or a refusal."""
    db, now = deps.db, deps.now
    qr = parse_qr(secret)
    if qr is not None:
        if qr[0] != phone:
            return SecretRefusal.INVALID
        found = _cabinet_step(deps, phone, qr[1], _accepted_steps(now), qr=True)
        return found if found is not None else SecretRefusal.INVALID
    digits = "".join(secret.split())
    if len(digits) != OTP_DIGITS or not digits.isascii() or not digits.isdigit():
        return SecretRefusal.INVALID
    hashes = deps.keys.hashes("sms-otp", phone, digits)
    rows = list(db.scalars(select(BindingSecret).where(
        BindingSecret.phone == phone, BindingSecret.otp_hash.in_(hashes),
        BindingSecret.created_at > now - EXPIRED_LOOKBACK)))
    live = next((r for r in rows if r.ended_at is None and as_utc(r.expires_at) > now), None)
    step = _cabinet_step(deps, phone, digits, _accepted_steps(now), qr=False)
    if live is not None:
        return live
    if step is not None:
        return step
    recent = [_step(now) - n for n in range(1, 11)]  # the previous minute too, once past its grace
    lapsed = any(r.ended_at is None for r in rows) or _cabinet_step(deps, phone, digits, recent, qr=False)
    return SecretRefusal.EXPIRED if lapsed else SecretRefusal.INVALID


def switch_wait(db: Session, install_id: str, phone: str, now: datetime) -> timedelta | None:
    """Time left before this handset may move to another number, if it must wait."""
    last = db.scalar(select(AppDevice).where(AppDevice.install_id == install_id)
                     .order_by(AppDevice.bound_at.desc(), AppDevice.id.desc()).limit(1))
    if last is None or last.bound_phone in (None, phone) or last.bound_at is None:
        return None
    left = as_utc(last.bound_at) + SWITCH_EVERY - now
    return left if left > timedelta(0) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bind(deps: Deps, *, phone: str, secret: str, install_id: str, name: str,
         push_token: str | None) -> BindOutcome:
    """Bind this handset to `phone` if `secret` is the phone's current binding secret; committed."""
    db, now, rules = deps.db, deps.now, deps.limits
    wait = switch_wait(db, install_id, phone, now)
    if wait:
        return SwitchTooSoon(wait)
    wrong = (rules.wrong_binding_passwords_per_phone_and_address, f"{phone}|addr:{deps.client.address}")
    counted = limits.take(db, *wrong, now)
    db.commit()  # counted before it is compared
    if isinstance(counted, limits.Refused):
        deps.events.emit("binding_locked")
        return WrongSecretsLocked(counted.wait)
    found = _match(deps, phone, secret[:200])
    used = False
    if isinstance(found, BindingSecret):  # single use, even for two handsets at once
        used = affected(db.execute(update(BindingSecret).where(BindingSecret.id == found.id,
                                                      BindingSecret.ended_at.is_(None))
                          .values(ended_at=now))) == 1
    elif isinstance(found, int):  # one minute's cabinet secret binds one handset
        used = isinstance(limits.take(db, rules.cabinet_binding_secret_uses, f"{phone}|{found}", now),
                          limits.Taken)
    if not used:
        audit(deps, "binding_failed", phone=phone)
        db.commit()
        return found if isinstance(found, SecretRefusal) else SecretRefusal.INVALID
    limits.release(db, *wrong)
    token = secrets.token_urlsafe(32)
    device = _bind_device(deps, phone, install_id=install_id, name=name, push_token=push_token,
                          token_hash=_token_hash(token))
    db.commit()
    return Bound(token, device)


def _end(device: AppDevice, now: datetime, reason: str) -> None:
    device.phone, device.ended_at, device.ended_reason = None, now, reason


def _bind_device(deps: Deps, phone: str, *, install_id: str, name: str, push_token: str | None,
                 token_hash: str) -> AppDevice:
    db, now = deps.db, deps.now
    # One app per number, one number per handset: earlier bindings of either end here.
    previous = list(db.scalars(select(AppDevice).where(
        AppDevice.ended_at.is_(None), or_(AppDevice.phone == phone, AppDevice.install_id == install_id))))
    for old in previous:
        _end(old, now, "replaced")
    device = AppDevice(install_id=install_id, name=name[:100], push_token=push_token, token_hash=token_hash,
                       phone=phone, bound_phone=phone, bound_at=now, last_seen_at=now)
    db.add(device)
    db.flush()
    for old in previous:
        if old.bound_phone == phone and old.install_id != install_id:
            outbox.queue(deps, channel="app", kind="number_moved", device_id=old.id,
                         params={"phone": mask(phone)})
    outbox.queue(deps, channel="sms", kind="app_bound", phone=phone)
    for cabinet in db.scalars(select(Cabinet).where(Cabinet.phone == phone)):
        raise_epoch(deps, cabinet)
        feed(deps, cabinet.id, "app_bound", phone=mask(phone))
    audit(deps, "app_bound", phone=phone)
    return device


# -- the app's device token ------------------------------------------------------

class TokenProblem(enum.Enum):
    UNKNOWN = "invalid_token"
    REPLACED = "device_replaced"
    EXPIRED = "token_expired"


def authenticate(deps: Deps, token: str) -> AppDevice | TokenProblem:
    """The device a bearer token belongs to, while its binding lives."""
    if not token or len(token) > 200:
        return TokenProblem.UNKNOWN
    device = deps.db.scalar(select(AppDevice).where(AppDevice.token_hash == _token_hash(token)))
    if device is None or device.ended_reason == "unbound":
        return TokenProblem.UNKNOWN
    if device.ended_reason == "replaced":
        return TokenProblem.REPLACED
    seen = as_utc(device.last_seen_at or device.bound_at or deps.now)
    if device.ended_reason == "expired" or deps.now - seen > TOKEN_UNUSED_FOR:
        if device.ended_at is None:
            _end(device, deps.now, "expired")
            deps.db.commit()
        return TokenProblem.EXPIRED
    if deps.now - seen > timedelta(days=1):  # written at most daily: the feed is polled often
        device.last_seen_at = deps.now
        deps.db.commit()
    return device


def unbind(deps: Deps, device: AppDevice) -> None:
    """"ввести другой номер": this handset lets its number go (the 30-day rule still counts)."""
    phone = device.phone
    _end(device, deps.now, "unbound")
    audit(deps, "app_unbound", phone=phone)
    deps.db.commit()


def unbind_phone(deps: Deps, cabinet: Cabinet) -> None:
    """The cabinet's "Отвязать": the app bound to its phone lets the number go."""
    for device in deps.db.scalars(select(AppDevice).where(AppDevice.phone == cabinet.phone)):
        _end(device, deps.now, "unbound")
    raise_epoch(deps, cabinet)
    feed(deps, cabinet.id, "app_unbound", phone=mask(cabinet.phone))
    audit(deps, "app_unbound", phone=cabinet.phone)
    deps.db.commit()


def set_push_token(deps: Deps, device: AppDevice, push_token: str | None) -> None:
    device.push_token = push_token
    deps.db.commit()


def issue_token(deps: Deps, device: AppDevice) -> str:
    """A new token for a binding made without one (sandbox data: "pick up the phone")."""
    token = secrets.token_urlsafe(32)
    device.token_hash, device.last_seen_at = _token_hash(token), deps.now
    deps.db.commit()
    return token


def feed_of(deps: Deps, device: AppDevice, after: int = 0, limit: int = FEED_PAGE) -> list[OutboxMessage]:
    """The device's notifications newer than `after`, newest first: those for its number since
    it was bound, and those addressed to the handset itself."""
    mine = [OutboxMessage.device_id == device.id]
    if device.phone and device.bound_at is not None:
        mine.append((OutboxMessage.phone == device.phone) & (OutboxMessage.created_at >= device.bound_at))
    return list(deps.db.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "app", OutboxMessage.id > after, or_(*mine))
        .order_by(OutboxMessage.id.desc()).limit(limit)))
