"""Cabinets: finding one, replacing its password, raising its security epoch, and what a
sign-in looks like in the feed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Cabinet
from . import codes, limits, outbox, passwords
from .audit import audit, feed
from .binding import is_bound
from .context import Deps
from .epoch import raise_epoch, subject


def find(db: Session, iin: str) -> Cabinet | None:
    return db.scalar(select(Cabinet).where(Cabinet.iin == iin))


def password_limits(deps: Deps, iin: str, cabinet_id: int | None) -> list[tuple[limits.Limit, str]]:
    """Wrong passwords: per client address, per (IIN, client), per IIN in a row (other browsers)."""
    client, rules = deps.client, deps.limits
    return [(rules.wrong_passwords_per_address, client.per_address(cabinet_id)),
            (rules.wrong_passwords_per_iin_and_client, client.near(iin, cabinet_id)),
            (rules.wrong_passwords_in_a_row_per_iin, client.bucket(iin, cabinet_id))]


def forget_failures(deps: Deps, cabinet: Cabinet) -> None:
    """A success reopens the IIN for everyone and clears this browser's own count."""
    limits.clear_all(deps.db, [(deps.limits.wrong_passwords_in_a_row_per_iin, cabinet.iin),
                               *password_limits(deps, cabinet.iin, cabinet.id)[1:]])


def forget_sends(deps: Deps, cabinet: Cabinet) -> None:
    """The owner just proved the SIM and every link died with the old password: the phone's
    sends start afresh, so a stranger's later sends again leave a working link each."""
    rules = deps.limits
    for purpose in ("recovery", "setup"):
        limits.clear_subject(deps.db, rules.codes_per_phone_and_purpose, f"{cabinet.phone}|{purpose}")
        limits.clear_subject(deps.db, rules.code_sms_wait_per_phone_and_purpose, f"{cabinet.phone}|{purpose}")
    limits.clear_subject(deps.db, rules.code_resend_wait, subject(cabinet))


@dataclass(frozen=True)
class ConfirmationExpired:
    """The code was confirmed more than 30 minutes ago (or never), or the cabinet changed since."""


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
    """Replace the password, end every session signed in before now, and retire every code
    and link (not committed: the caller commits it with the parent's new session).

    `kind` is what happened: "password_set" (first password), "password_changed"
    (recovery) or "reregistered"; the feed and the phone are told.
    """
    cabinet.password_hash = passwords.hash_password(password)
    cabinet.session_epoch += 1
    raise_epoch(deps, cabinet)
    forget_failures(deps, cabinet)  # the locks of the old password go with it
    forget_sends(deps, cabinet)
    if kind == "reregistered":  # a re-registration is audited and told once, with what moved
        return
    audit(deps, kind, iin=cabinet.iin)
    feed(deps, cabinet.id, kind)
    outbox.queue(deps, channel="app", kind=kind, phone=cabinet.phone)
    if not is_bound(deps.db, cabinet.phone):  # no app to read it: the SIM hears of it
        outbox.queue(deps, channel="sms", kind=kind, phone=cabinet.phone)


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
