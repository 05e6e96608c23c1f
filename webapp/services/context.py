"""What a flow needs from outside: the database, the time, the gateways, who is asking."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from .gateways import AppNotifier, Registry, SmsGateway


@dataclass(frozen=True)
class Client:
    """The browser asking: its address (IPv4, or IPv6 /64) and its known-device mark.

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


@dataclass(frozen=True)
class AddressLimits:
    """Per-client-address sizes (configuration): sized for a carrier-grade NAT address."""

    signin_failures: int = 50          # wrong passwords per 15 minutes
    recovery_starts: int = 20          # recovery / first-password starts per hour
    code_failures: int = 20            # wrong codes per hour, across all cabinets
    rereg_failures: int = 30           # wrong re-registration answers per hour
    binding_sms: int = 10              # binding SMS per day


@dataclass(frozen=True)
class Deps:
    db: Session
    now: datetime
    pepper: bytes
    client: Client
    notifier: AppNotifier
    sms: SmsGateway
    registry: Registry
    address_limits: AddressLimits = field(default_factory=AddressLimits)
