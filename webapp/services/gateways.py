"""Ports to the outside world. The sandbox implements them over the database; a real
adapter is chosen by import path in configuration (webapp/gateways.py)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


class GatewayUnavailable(Exception):
    """The registry, the app's push service or the SMS gateway could not be reached;
    nothing was consumed."""


@dataclass(frozen=True)
class ChildRecord:
    iin: str
    birth_certificate: str
    parents: tuple[str, ...]
    status: str


class Registry(Protocol):
    """The national registries: БМГ phones and the children's queue records."""

    def phones_of(self, iin: str) -> list[str]: ...

    def child(self, iin: str) -> ChildRecord | None: ...


class AppNotifier(Protocol):
    """The ed24.kz app's push channel. `kind` and `params` name a message; the adapter
    words it in the parent's language."""

    def is_bound(self, phone: str) -> bool: ...

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        """Deliver or raise GatewayUnavailable."""
        ...

    def send_to_device(self, device_id: int, kind: str, params: dict[str, Any]) -> None:
        """Tell one handset (the number it held moved to another one)."""
        ...


class SmsGateway(Protocol):
    """SMS to a phone number: proves the SIM is in the parent's hands."""

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        """Deliver or raise GatewayUnavailable."""
        ...


def tell(send: Callable[..., None], *args: Any) -> bool:
    """Deliver a security notice. One that cannot go out does not undo what happened
    (the Лента событий and the audit still record it); the failure is logged."""
    try:
        send(*args)
    except GatewayUnavailable:
        log.warning("notice not delivered: %s", args[1] if len(args) > 1 else "?")
        return False
    return True
