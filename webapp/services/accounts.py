"""Cabinets: finding one, replacing its password, and what a sign-in looks like in the feed."""
from __future__ import annotations

import re

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Cabinet
from . import codes, limits, passwords
from .audit import audit, feed
from .context import Deps
from .gateways import tell
from .limits import Limit

# Wrong passwords. Per (IIN, client) — this address, or this known device — 5 then a
# 15-minute wait; per IIN 100 in a row from other browsers (a known device has its
# own 100), closed until a success; per client address, configurable.
WRONG_NEAR = Limit("pw_wrong_near", 5, timedelta(minutes=15), lockout=timedelta(minutes=15))
WRONG_IIN = Limit("pw_wrong_iin", 100, timedelta(days=3650))


def wrong_per_address(size: int) -> Limit:
    return Limit("pw_wrong_client", size, timedelta(minutes=15), lockout=timedelta(minutes=15))


def password_limits(deps: Deps, iin: str, cabinet_id: int | None) -> list[tuple[Limit, str]]:
    client = deps.client
    return [(wrong_per_address(deps.address_limits.signin_failures), client.per_address(cabinet_id)),
            (WRONG_NEAR, client.near(iin, cabinet_id)),
            (WRONG_IIN, client.bucket(iin, cabinet_id))]


def forget_failures(deps: Deps, cabinet: Cabinet) -> None:
    """A success reopens the IIN for everyone and clears this browser's own count."""
    limits.clear_all(deps.db, [(WRONG_IIN, cabinet.iin), *password_limits(deps, cabinet.iin, cabinet.id)[1:]])


def find(db: Session, iin: str) -> Cabinet | None:
    return db.scalar(select(Cabinet).where(Cabinet.iin == iin))


@dataclass(frozen=True)
class ConfirmationExpired:
    """The code was confirmed more than 30 minutes ago (or never): a new code is needed."""


@dataclass(frozen=True)
class PasswordRefused:
    check: passwords.Check


@dataclass(frozen=True)
class AlreadyDone:
    """A second submit of the same confirmed change (a double click): nothing more to do."""


NotYet = ConfirmationExpired | PasswordRefused | AlreadyDone


def confirmed_password(deps: Deps, *, confirmed_until: datetime | None, nonce: str, password: str,
                       iin: str, phone: str) -> NotYet | None:
    """May this session set `password` now? None when it may: a code proved the phone
    less than 30 minutes ago, the password meets every rule (the IIN and phone are
    proved, so they are compared), and this confirmation was not used already."""
    if confirmed_until is None or deps.now >= confirmed_until:
        return ConfirmationExpired()
    check = passwords.check(password, iin=iin, phone=phone)
    if not check.ok:
        return PasswordRefused(check)
    if not codes.spend_confirmation(deps, nonce):
        return AlreadyDone()
    return None


def set_password(deps: Deps, cabinet: Cabinet, password: str, *, kind: str) -> None:
    """Replace the password and end every session signed in before now (not committed:
    the caller commits it together with the parent's new session).

    `kind` is what happened: "password_set" (first password), "password_changed"
    (recovery) or "reregistered"; the feed and the app are told.
    """
    cabinet.password_hash = passwords.hash_password(password)
    cabinet.session_epoch += 1
    forget_failures(deps, cabinet)  # the locks of the old password go with it
    if kind != "reregistered":  # a re-registration is audited once, with what moved
        audit(deps.db, kind, deps.now, subject=cabinet.iin, client=deps.client.address)
        feed(deps.db, cabinet.id, kind, deps.now)
        tell(deps.notifier.send, cabinet.phone, "password_changed", {})


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("YaBrowser", "Yandex Browser"),
             ("SamsungBrowser", "Samsung Internet"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def device_summary(user_agent: str | None) -> str:
    """"Chrome, Android": enough for a parent to recognise a sign-in, no fingerprint."""
    ua = (user_agent or "")[:500]
    browser = next((name for token, name in _BROWSERS if token in ua), "")
    system = next((name for token, name in _SYSTEMS if re.search(re.escape(token), ua)), "")
    return ", ".join(part for part in (browser, system) if part) or "?"
