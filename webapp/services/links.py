"""The link in a code message: <PUBLIC_ORIGIN>/r/<token>.

Exactly 22 base64url characters (128 bits); only a keyed hash is stored, tied to
the cabinet, its phone, the purpose and the cabinet's security epoch. It works
for 60 minutes, once, in any browser; a newer message does not cancel it. Opening
it (GET) uses nothing: the page's POST redeems it and opens the password step,
as a right code does. Unknown tokens are counted per client address in a bucket
of their own; no limit ever refuses a valid token.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from ..models import Cabinet, CodeLink
from . import limits
from .clock import as_utc
from .context import Deps
from .outbox import retire
from .sql import affected

LIFETIME = timedelta(minutes=60)
TOKEN_BYTES = 16  # 128 bits: 22 base64url characters
TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{22}")
PATH = "/r/"


def well_formed(token: str) -> bool:
    return TOKEN_FORMAT.fullmatch(token) is not None


def _hashes(deps: Deps, token: str) -> list[str]:
    return deps.keys.hashes("link", token)


def create(deps: Deps, cabinet: Cabinet, purpose: str) -> tuple[str, CodeLink]:
    """A new link for this cabinet's phone (not committed); the URL goes into the message."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = CodeLink(token_hash=_hashes(deps, token)[0], cabinet_id=cabinet.id, phone=cabinet.phone,
                   purpose=purpose, epoch=cabinet.security_epoch, lang=deps.words.lang,
                   created_at=deps.now, expires_at=deps.now + LIFETIME)
    deps.db.add(row)
    return f"{deps.policy.public_origin}{PATH}{token}", row


@dataclass(frozen=True)
class Opened:
    """A link that works now: its hash (kept in the browser's session) and language."""

    token_hash: str
    lang: str


@dataclass(frozen=True)
class Invalid:
    """Used, expired, retired (the cabinet changed since) or unknown."""

    lang: str | None = None  # the message's language, when the token is known


@dataclass(frozen=True)
class TooManyUnknown:
    wait: timedelta


def _usable(deps: Deps, row: CodeLink | None) -> Cabinet | None:
    if row is None or row.used_at is not None or deps.now >= as_utc(row.expires_at):
        return None
    cabinet = deps.db.get(Cabinet, row.cabinet_id)
    if cabinet is None or cabinet.security_epoch != row.epoch or cabinet.phone != row.phone:
        return None
    return cabinet


def look(deps: Deps, token: str) -> Opened | Invalid | TooManyUnknown:
    """What opening the link shows (GET: nothing is used). An unknown token is counted
    against this address; a known one never is."""
    row = deps.db.scalar(select(CodeLink).where(CodeLink.token_hash.in_(_hashes(deps, token))))
    if row is None:
        counted = limits.take(deps.db, deps.limits.unknown_links_per_address, deps.client.address, deps.now)
        deps.db.commit()
        deps.events.emit("link_unknown")
        return TooManyUnknown(counted.wait) if isinstance(counted, limits.Refused) else Invalid()
    if _usable(deps, row) is None:
        return Invalid(row.lang)
    return Opened(row.token_hash, row.lang)


def still_valid(deps: Deps, token_hash: str) -> bool:
    """Does the link this browser opened still work (the page says so before "Продолжить")?"""
    row = deps.db.scalar(select(CodeLink).where(CodeLink.token_hash == token_hash))
    return _usable(deps, row) is not None


@dataclass(frozen=True)
class Redeemed:
    cabinet: Cabinet
    purpose: str
    epoch: int


def redeem(deps: Deps, token_hash: str) -> Redeemed | Invalid:
    """The POST of the link's page: the link is used (once, even for two browsers at once)."""
    row = deps.db.scalar(select(CodeLink).where(CodeLink.token_hash == token_hash))
    cabinet = _usable(deps, row)
    if row is None or cabinet is None:
        return Invalid()
    claimed = affected(deps.db.execute(update(CodeLink).where(CodeLink.id == row.id, CodeLink.used_at.is_(None))
                              .values(used_at=deps.now)))
    if claimed != 1:
        return Invalid()
    retire(deps, [row.message_id])
    deps.events.emit("link_used", purpose=row.purpose)
    return Redeemed(cabinet, row.purpose, row.epoch)


def live_message_ids(deps: Deps, cabinet_id: int) -> list[int | None]:
    """The messages whose links of this cabinet still live (to retire them with the epoch)."""
    return list(deps.db.scalars(select(CodeLink.message_id).where(
        CodeLink.cabinet_id == cabinet_id, CodeLink.used_at.is_(None), CodeLink.expires_at > deps.now)))
