"""Sandbox implementations of the gateways, over the application's database.

What a phone receives (app notifications and SMS) is stored, worded in the
language of the page that sent it, with the code as its own field: that is the
sandbox's outbox (the app emulator, `flask sandbox outbox`, the HTTP API).
"""
from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from sqlalchemy import select

from .. import messages
from ..gateways import GatewayContext
from ..models import Child, CitizenPhone, Notification
from ..services import binding
from ..services.gateways import ChildRecord


class SandboxRegistry:
    """БМГ and the children's registry: the sandbox data."""

    def __init__(self, context: GatewayContext) -> None:
        self.db = context.db

    def phones_of(self, iin: str) -> list[str]:
        return list(self.db.scalars(select(CitizenPhone.phone).where(CitizenPhone.citizen_iin == iin)))

    def child(self, iin: str) -> ChildRecord | None:
        row = self.db.get(Child, iin)
        if row is None:
            return None
        return ChildRecord(iin=row.iin, birth_certificate=row.birth_certificate,
                           parents=row.parents, status=row.status)


class _Outbox:
    channel = ""

    def __init__(self, context: GatewayContext) -> None:
        self.context = context

    def _store(self, kind: str, params: dict[str, Any], *, phone: str | None = None,
               device_id: int | None = None) -> None:
        with force_locale(self.context.lang):
            text = messages.delivered_text(self.channel, kind, params)
        code = params.get("code") or params.get("otp")
        self.context.db.add(Notification(
            channel=self.channel, phone=phone, device_id=device_id, kind=kind, text=text,
            code="".join(str(code).split()) if code else None, created_at=self.context.now))


class SandboxNotifier(_Outbox):
    """The ed24.kz app's feed: what /sandbox/app shows for the phone bound in that browser."""

    channel = "app"

    def is_bound(self, phone: str) -> bool:
        return binding.is_bound(self.context.db, phone)

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        self._store(kind, params, phone=phone)

    def send_to_device(self, device_id: int, kind: str, params: dict[str, Any]) -> None:
        self._store(kind, params, device_id=device_id)


class SandboxSms(_Outbox):
    """SMS: shown above the app on the emulator of the phone with that number."""

    channel = "sms"

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        self._store(kind, params, phone=phone)
