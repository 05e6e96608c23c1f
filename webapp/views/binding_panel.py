"""The binding steps of case 2: a one-time password and QR that rotate every 60 s.

The secret is stored hashed; its plain value is kept in this user's session
only while it is valid, so a reload or a language switch shows the same one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import segno
from flask import current_app, session
from markupsafe import Markup

from ..db import get_db
from ..services import binding
from ..services.clock import seconds_until
from ..services.phone import mask
from .common import now, pepper


@dataclass(frozen=True)
class Panel:
    phone_masked: str
    otp: str
    qr_payload: str
    seconds_left: int

    @property
    def qr_svg(self) -> Markup:
        return qr_svg(self.qr_payload)


@lru_cache(maxsize=256)
def qr_svg(data: str) -> Markup:
    svg = segno.make(data, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=True)
    return Markup(svg)


def store_qr() -> Markup:
    return qr_svg(current_app.config["APP_STORE_URL"])


def current(phone: str) -> Panel:
    """The valid secret for this phone, issuing a fresh one when the last ran out."""
    entry = session.get("binding")
    moment = now()
    if not (entry and entry.get("phone") == phone
            and datetime.fromisoformat(entry["expires_at"]) > moment):
        issued = binding.issue(get_db(), phone, moment, pepper())
        entry = {"phone": phone, "otp": issued.otp, "qr": issued.qr_payload,
                 "expires_at": issued.expires_at.isoformat()}
        session["binding"] = entry
    return Panel(phone_masked=mask(phone), otp=entry["otp"], qr_payload=entry["qr"],
                 seconds_left=seconds_until(datetime.fromisoformat(entry["expires_at"]), moment))


def current_phone() -> str | None:
    entry = session.get("binding")
    return entry.get("phone") if entry else None
