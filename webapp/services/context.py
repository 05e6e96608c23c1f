"""What a flow needs from outside: the database, the time, the registries, the words of
messages, who is asking, and where events go. Built once per request (webapp/web/deps.py)
or by a test; services import nothing of Flask."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from .gateways import Registry
from .keys import Keys, Pseudonyms
from .limits import AccountLimits


@dataclass(frozen=True)
class Client:
    """The browser (or app) asking: its address (IPv4, or IPv6 /64) and its known-device mark.

    A browser that signed in to a cabinet, or confirmed a code for it, holds a
    signed known-device cookie for that cabinet. Counts per IIN, cabinet or phone
    then go to that browser's own bucket, which no one else can use up.
    """

    address: str
    device: str | None = None
    known_cabinets: frozenset[int] = frozenset()

    def device_for(self, cabinet_id: int | None) -> str | None:
        return self.device if cabinet_id is not None and cabinet_id in self.known_cabinets else None

    def bucket(self, subject: str, cabinet_id: int | None) -> str:
        """The key of a per-IIN/cabinet/phone count: shared by strangers, own for a known device."""
        device = self.device_for(cabinet_id)
        return f"{subject}|dev:{device}" if device else subject

    def per_address(self, cabinet_id: int | None) -> str:
        """The key of a per-client-address count: the address, except that the owner's known
        device counts on its own (a neighbour behind the same address cannot use it up)."""
        device = self.device_for(cabinet_id)
        return f"dev:{device}" if device else self.address

    def near(self, subject: str, cabinet_id: int | None) -> str:
        """The key of a per-(subject, client) count: this address, or this known device."""
        device = self.device_for(cabinet_id)
        return f"{subject}|dev:{device}" if device else f"{subject}|addr:{self.address}"


class Words(Protocol):
    """The parent's language: the words of every message a phone receives."""

    lang: str

    def message(self, channel: str, kind: str, params: Mapping[str, str]) -> str: ...


class Events(Protocol):
    """Where notable events go (a JSON log line and a metric); never a secret in `fields`."""

    def emit(self, name: str, **fields: Any) -> None: ...


class NoEvents:
    def emit(self, name: str, **fields: Any) -> None:
        pass


class Sealer(Protocol):
    """Encrypts what only the outbox may read (a code, a link) under the outbox key."""

    def seal(self, payload: Mapping[str, str]) -> str: ...

    def open(self, sealed: str) -> dict[str, str] | None: ...


@dataclass(frozen=True)
class Policy:
    """The settings flows read (configuration), with the embedded defaults."""

    public_origin: str = "http://127.0.0.1:5000"
    limits: AccountLimits = field(default_factory=AccountLimits)
    # A message not taken by a gateway within this age has failed (codes: their lifetime).
    outbox_max_age: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Deps:
    db: Session
    now: datetime
    keys: Keys
    pseudonyms: Pseudonyms
    client: Client
    registry: Registry
    words: Words
    sealer: Sealer
    events: Events = field(default_factory=NoEvents)
    policy: Policy = field(default_factory=Policy)
    request_id: str | None = None

    @property
    def limits(self) -> AccountLimits:
        return self.policy.limits
