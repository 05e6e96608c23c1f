"""Ports to the outside world: SMS, push and the national registries.

Each port is a Protocol; configuration names the class that implements it
("module:Class", see config.GATEWAYS). The sandbox's fakes are the default with
SANDBOX=1; webapp/adapters/ holds the real ones. A gateway class is built once
per process from the app's settings: `Class(settings)`, where `settings` is a
read-only mapping of the configuration (its constructor reads what it needs and
raises GatewayMisconfigured naming a missing setting).

Delivery (SMS, push) never happens in a parent's request: the outbox worker
(webapp/delivery) calls `send_sms` / `send_push` with the message's idempotency
key, the same on every retry of that message. The contract of a send:
- return Accepted: the gateway took the message (its reference, if it gives one);
- raise TemporaryFailure: not taken, or not known to be taken (a timeout, a
  connection error, 5xx, 429): the worker retries later with the SAME key, so a
  gateway that took it the first time can drop the duplicate;
- raise PermanentFailure: it will never be taken (a number or token the gateway
  refuses): the message fails at once.
Any other exception counts as a TemporaryFailure (logged with its type).
Every call has a timeout (a setting of each adapter); none waits for long.

The registries are read during a parent's request (the answer depends on them),
with a short timeout; RegistryUnavailable then, and the page says so.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# The request id of whatever is being done now (a parent's request, an outbox
# delivery), for the adapters to pass on (X-Request-ID), so one id follows a
# parent's action through every system it touches.
REQUEST_ID: ContextVar[str | None] = ContextVar("ed24_request_id", default=None)

Settings = Mapping[str, Any]


class GatewayError(Exception):
    """A gateway did not do what was asked."""


class TemporaryFailure(GatewayError):
    """Not taken, or not known to be taken: retry later with the same idempotency key."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after  # seconds, when the gateway said so (429, Retry-After)


class PermanentFailure(GatewayError):
    """Will never be taken (an invalid number, an unregistered push token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RegistryUnavailable(GatewayError):
    """A registry did not answer in time, or answered nonsense; nothing was decided."""


class GatewayMisconfigured(RuntimeError):
    """A gateway cannot be built from the settings; the message names the setting."""


@dataclass(frozen=True)
class Accepted:
    """The gateway took the message; `reference` is its own id for it, if it gives one."""

    reference: str | None = None


@dataclass(frozen=True)
class OutgoingSms:
    key: str              # idempotency key: "ed24-<outbox id>", the same on every retry
    phone: str            # "+77057546868"
    text: str             # final text, already in the parent's language (UCS-2 when not ASCII)
    request_id: str | None = None


@dataclass(frozen=True)
class OutgoingPush:
    """A wake-up for the ed24.kz app: no personal data; the app then reads its feed."""

    key: str
    push_token: str       # the device's registration token (FCM)
    data: dict[str, str] = field(default_factory=dict)   # e.g. {"type": "feed", "after": "41"}
    request_id: str | None = None


@runtime_checkable
class SmsGateway(Protocol):
    def send_sms(self, message: OutgoingSms) -> Accepted: ...


@runtime_checkable
class PushGateway(Protocol):
    def send_push(self, message: OutgoingPush) -> Accepted: ...


@dataclass(frozen=True)
class ChildRecord:
    """The children's registry: a child's birth certificate, parents and queue status."""

    iin: str
    birth_certificate: str
    parents: tuple[str, ...]   # in the certificate's order; the second may be absent
    status: str                # "attends" | "queue"
    full_name: str = ""


@runtime_checkable
class Registry(Protocol):
    """БМГ (the national database of citizens' mobile numbers) and the children's registry."""

    def phones_of(self, iin: str) -> list[str]:
        """The mobile numbers БМГ lists for this IIN ("+77…"), maybe none."""
        ...

    def holder_of(self, phone: str) -> str | None:
        """The IIN БМГ lists this number under now, or None when it lists it under nobody."""
        ...

    def child(self, iin: str) -> ChildRecord | None:
        """The child's record, or None when the registry has no such child."""
        ...


# What each setting must implement: the startup check compares a class against this.
PORTS: dict[str, type] = {"SMS_GATEWAY": SmsGateway, "PUSH_GATEWAY": PushGateway, "REGISTRY": Registry}
