"""The sandbox's gateways: they implement the ports of services/gateways.py without
leaving the machine.

- SandboxSms and SandboxPush take every message: the outbox row, marked delivered,
  is what the phone received (the app emulator, `flask sandbox outbox`, the sandbox
  API show it). A retry with a key already taken is the same message (reference
  unchanged), as a real gateway that honours idempotency keys answers.
- SandboxRegistry answers from the sandbox data (the citizens and children tables of
  the request's database, so each test namespace has its own registry).
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from sqlalchemy import select

from ..db import get_db
from ..models import Child, CitizenPhone
from ..services.gateways import Accepted, ChildRecord, OutgoingPush, OutgoingSms, Settings

REMEMBERED_KEYS = 10_000


class _Taken:
    """The idempotency keys taken lately (a bounded memory, as a provider keeps them a while)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.keys: OrderedDict[str, str] = OrderedDict()
        self.lock = Lock()

    def take(self, key: str) -> Accepted:
        with self.lock:
            reference = self.keys.get(key) or f"{self.prefix}-{len(self.keys) + 1}-{key}"
            self.keys[key] = reference
            self.keys.move_to_end(key)
            while len(self.keys) > REMEMBERED_KEYS:
                self.keys.popitem(last=False)
        return Accepted(reference)


class SandboxSms:
    def __init__(self, settings: Settings) -> None:
        self.taken = _Taken("sandbox-sms")

    def send_sms(self, message: OutgoingSms) -> Accepted:
        return self.taken.take(message.key)


class SandboxPush:
    def __init__(self, settings: Settings) -> None:
        self.taken = _Taken("sandbox-push")

    def send_push(self, message: OutgoingPush) -> Accepted:
        return self.taken.take(message.key)


class SandboxRegistry:
    """БМГ and the children's registry: the sandbox data of the request's database."""

    def __init__(self, settings: Settings) -> None:
        pass

    def phones_of(self, iin: str) -> list[str]:
        return list(get_db().scalars(select(CitizenPhone.phone).where(CitizenPhone.citizen_iin == iin)
                                     .order_by(CitizenPhone.id)))

    def holder_of(self, phone: str) -> str | None:
        return get_db().scalar(select(CitizenPhone.citizen_iin).where(CitizenPhone.phone == phone))

    def child(self, iin: str) -> ChildRecord | None:
        row = get_db().get(Child, iin)
        if row is None:
            return None
        return ChildRecord(iin=row.iin, birth_certificate=row.birth_certificate, parents=row.parents,
                           status=row.status, full_name=row.full_name)
