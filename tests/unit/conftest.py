from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from webapp.db import make_engine
from webapp.models import Base
from webapp.services.clock import FakeClock
from webapp.services.context import Client, Deps
from webapp.services.gateways import ChildRecord, GatewayUnavailable

PEPPER = b"unit-test pepper"


@pytest.fixture
def db() -> Iterator[Session]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Recorder:
    """What the app or the SMS gateway would have delivered; can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str | int, str, dict[str, Any]]] = []
        self.failing = False
        self.bound: set[str] = set()

    def is_bound(self, phone: str) -> bool:
        return phone in self.bound

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        if self.failing:
            raise GatewayUnavailable()
        self.sent.append((phone, kind, params))

    def send_to_device(self, device_id: int, kind: str, params: dict[str, Any]) -> None:
        self.send(device_id, kind, params)  # type: ignore[arg-type]

    def kinds(self) -> list[str]:
        return [kind for _, kind, _ in self.sent]

    def last(self, key: str) -> str:
        return next(params[key] for _, _, params in reversed(self.sent) if key in params)


class FakeRegistry:
    def __init__(self, children: dict[str, ChildRecord] | None = None,
                 phones: dict[str, list[str]] | None = None) -> None:
        self.children, self.phones, self.down = children or {}, phones or {}, False

    def child(self, iin: str) -> ChildRecord | None:
        if self.down:
            raise GatewayUnavailable()
        return self.children.get(iin)

    def phones_of(self, iin: str) -> list[str]:
        if self.down:
            raise GatewayUnavailable()
        return self.phones.get(iin, [])


@pytest.fixture
def notifier() -> Recorder:
    return Recorder()


@pytest.fixture
def sms() -> Recorder:
    return Recorder()


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
def make_deps(db: Session, clock: FakeClock, notifier: Recorder, sms: Recorder, registry: FakeRegistry):
    """Deps for one request: `make_deps(address=..., device=..., known=...)`; the time is read now."""

    def build(address: str = "10.0.0.1", device: str | None = None, known: frozenset[int] = frozenset()) -> Deps:
        return Deps(db=db, now=clock.now(), pepper=PEPPER,
                    client=Client(address=address, device=device, known_cabinets=known),
                    notifier=notifier, sms=sms, registry=registry)

    return build
