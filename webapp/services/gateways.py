"""Ports to the outside world; the sandbox implements them over the database."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class GatewayUnavailable(Exception):
    """The registry or the notifier could not be reached; nothing was consumed."""


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
    """The ed24.kz app's push channel."""

    def is_bound(self, phone: str) -> bool: ...

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        """Deliver or raise GatewayUnavailable."""
        ...
