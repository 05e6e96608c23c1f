from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from webapp.db import make_engine
from webapp.models import Base
from webapp.services.clock import FakeClock
from webapp.services.gateways import GatewayUnavailable


@pytest.fixture
def db() -> Iterator[Session]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class RecordingNotifier:
    """Keeps what the app would have shown; can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.failing = False
        self.bound: set[str] = set()

    def is_bound(self, phone: str) -> bool:
        return phone in self.bound

    def send(self, phone: str, kind: str, params: dict[str, Any]) -> None:
        if self.failing:
            raise GatewayUnavailable()
        self.sent.append((phone, kind, params))

    def last_code(self) -> str:
        return self.sent[-1][2]["code"]


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()
