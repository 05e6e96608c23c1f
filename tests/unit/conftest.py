"""What the v3 services need from outside, for unit tests: a real database (in-memory
SQLite), a clock that moves only when a test moves it, keys, an outbox sealer, plain
words, a registry a test can fill or take down, and the parent's phone, which reads
what was queued for a number the way the parent would once it is delivered."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from webapp.db import make_engine
from webapp.delivery.worker import Worker
from webapp.models import AppDevice, Base, Cabinet, OutboxMessage
from webapp.services import passwords
from webapp.services.clock import FakeClock
from webapp.services.context import Client, Deps, Policy
from webapp.services.gateways import (Accepted, ChildRecord, OutgoingPush, OutgoingSms,
                                      RegistryUnavailable)
from webapp.services.keys import Keys, Pseudonyms
from webapp.services.outbox import FernetSealer, open_message

SECRET = b"unit-test secret key"
PSEUDONYM_KEY = b"unit-test pseudonym key"

# argon2 at its cheapest: the rules are the same, the tests fast.
passwords.configure(time_cost=1, memory_kib=64)
# Examples touch a database: no per-example deadline (a busy machine is no failure).
settings.register_profile("unit", deadline=None)
settings.load_profile("unit")


def wrong(code: str) -> str:
    """A code that is certainly not `code` (same length, digits only)."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


# -- the database ------------------------------------------------------------------------

@pytest.fixture
def engine() -> Iterator[Any]:
    eng = make_engine("sqlite://")
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Any) -> sessionmaker[Session]:
    """Other sessions on the same database (the outbox worker's, a second browser's)."""
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cabinet(db: Session, clock: FakeClock) -> Cabinet:
    """A cabinet without a password on +77057546868 (a module may define its own)."""
    row = Cabinet(iin="900515401230", phone="+77057546868", session_epoch=0, created_at=clock.now())
    db.add(row)
    db.commit()
    return row


# -- what a flow needs ----------------------------------------------------------------------

@pytest.fixture
def keys() -> Keys:
    return Keys(SECRET)


@pytest.fixture
def sealer() -> FernetSealer:
    return FernetSealer([Fernet.generate_key()])


class Words:
    """Plain words: "sms:code_recovery:[('code', '123456'), …]", so a test reads every param."""

    lang = "ru"

    def message(self, channel: str, kind: str, params: Mapping[str, str]) -> str:
        return f"{channel}:{kind}:{sorted(params.items())}"


class Events:
    """The event log (JSON lines and metrics in the app): names and fields, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def emit(self, name: str, **fields: Any) -> None:
        self.seen.append((name, fields))

    def names(self) -> list[str]:
        return [name for name, _ in self.seen]


@pytest.fixture
def events() -> Events:
    return Events()


class FakeRegistry:
    """БМГ (phones per IIN) and the children's registry; `down` makes every call fail."""

    def __init__(self) -> None:
        self.children: dict[str, ChildRecord] = {}
        self.phones: dict[str, list[str]] = {}
        self.down = False
        self.calls: list[str] = []

    def _ask(self, what: str) -> None:
        self.calls.append(what)
        if self.down:
            raise RegistryUnavailable("the registry did not answer")

    def phones_of(self, iin: str) -> list[str]:
        self._ask("phones_of")
        return list(self.phones.get(iin, []))

    def holder_of(self, phone: str) -> str | None:
        self._ask("holder_of")
        return next((iin for iin, phones in self.phones.items() if phone in phones), None)

    def child(self, iin: str) -> ChildRecord | None:
        self._ask("child")
        return self.children.get(iin)


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
def policy() -> Policy:
    return Policy(public_origin="https://cabinet.ed24.kz")


MakeDeps = Callable[..., Deps]


@pytest.fixture
def make_deps(db: Session, clock: FakeClock, keys: Keys, sealer: FernetSealer, registry: FakeRegistry,
              events: Events, policy: Policy) -> MakeDeps:
    """Deps for one request: `make_deps(address=..., device=..., known=...)`; the time is read
    now, as a request reads it once. `keys=` and `policy=` replace the test's own."""

    def build(address: str = "10.0.0.1", device: str | None = None, known: frozenset[int] = frozenset(),
              *, keys: Keys = keys, policy: Policy = policy, session: Session | None = None) -> Deps:
        return Deps(db=session or db, now=clock.now(), keys=keys, pseudonyms=Pseudonyms(PSEUDONYM_KEY),
                    client=Client(address=address, device=device, known_cabinets=known),
                    registry=registry, words=Words(), sealer=sealer, events=events, policy=policy)

    return build


# -- the parent's phone ------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    """A message as the phone reads it: the code and link while they still work."""

    id: int
    channel: str
    kind: str
    text: str
    code: str | None
    link: str | None
    status: str
    sealed: bool = field(repr=False, default=False)


class Phone:
    """What was queued for a number (app notifications and SMS), read through the outbox
    sealer, newest first: the rows as the phone shows them once they are delivered."""

    def __init__(self, db: Session, sealer: FernetSealer, clock: FakeClock) -> None:
        self.db, self.sealer, self.clock = db, sealer, clock

    def _read(self, rows: list[OutboxMessage]) -> list[Received]:
        found = []
        for row in rows:
            opened = open_message(self.sealer, self.clock.now(), row)
            code = "".join(opened.code.split()) if opened.code else None
            found.append(Received(row.id, row.channel, row.kind, opened.text, code, opened.link, row.status,
                                  row.sealed is not None))
        return found

    def __call__(self, number: str) -> list[Received]:
        self.db.flush()
        self.db.expire_all()  # the worker changes rows from its own session
        return self._read(list(self.db.scalars(select(OutboxMessage).where(OutboxMessage.phone == number)
                                               .order_by(OutboxMessage.id.desc()))))

    def handset(self, device_id: int) -> list[Received]:
        """Messages addressed to one handset (its binding ended: "number_moved")."""
        self.db.flush()
        self.db.expire_all()
        return self._read(list(self.db.scalars(select(OutboxMessage).where(OutboxMessage.device_id == device_id)
                                               .order_by(OutboxMessage.id.desc()))))

    def kinds(self, number: str) -> list[str]:
        """What reached the number, oldest first, as "app:kind" / "sms:kind"."""
        return [f"{m.channel}:{m.kind}" for m in reversed(self(number))]

    def code(self, number: str, channel: str | None = None) -> str:
        """The newest confirmation code the number can read."""
        for m in self(number):
            if m.kind.startswith("code_") and m.kind != "code_wrong_streak" and channel in (None, m.channel):
                assert m.code, f"the newest code message to {number} no longer shows its code"
                return m.code
        raise AssertionError(f"no code was sent to {number}")

    def link(self, number: str) -> str:
        for m in self(number):
            if m.link:
                return m.link
        raise AssertionError(f"no working link on {number}")

    def token(self, number: str) -> str:
        """The token of the newest working link (what /r/<token> carries)."""
        return self.link(number).rsplit("/r/", 1)[1]

    def otp(self, number: str) -> str:
        """The newest binding one-time password by SMS, without its spaces."""
        for m in self(number):
            if m.kind == "binding_otp":
                assert m.code
                return m.code
        raise AssertionError(f"no binding password was sent to {number}")


@pytest.fixture
def phone(db: Session, sealer: FernetSealer, clock: FakeClock) -> Phone:
    return Phone(db, sealer, clock)


# -- small builders ------------------------------------------------------------------------------

def bind_app(db: Session, number: str, now: datetime, *, push_token: str | None = None,
             install_id: str | None = None) -> AppDevice:
    """The ed24.kz app is already bound to `number` (as sandbox data would have it)."""
    device = AppDevice(phone=number, bound_phone=number, bound_at=now, last_seen_at=now,
                       push_token=push_token, install_id=install_id)
    db.add(device)
    db.commit()
    return device


# -- gateways and the outbox worker ----------------------------------------------------------------

class FakeGateway:
    """Records every call; `plan` holds what the next calls raise (an exception) or, when
    it is None, accept. Accepts once the plan is used up."""

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self.plan: list[BaseException | None] = []

    def _take(self, message: Any) -> Accepted:
        self.calls.append(message)
        outcome = self.plan.pop(0) if self.plan else None
        if outcome is not None:
            raise outcome
        return Accepted(f"ref-{message.key}")

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.calls]


class FakeSms(FakeGateway):
    def send_sms(self, message: OutgoingSms) -> Accepted:
        return self._take(message)


class FakePush(FakeGateway):
    def send_push(self, message: OutgoingPush) -> Accepted:
        return self._take(message)


@pytest.fixture
def sms() -> FakeSms:
    return FakeSms()


@pytest.fixture
def push() -> FakePush:
    return FakePush()


@pytest.fixture
def worker(sms: FakeSms, push: FakePush, sealer: FernetSealer, policy: Policy, clock: FakeClock) -> Worker:
    return Worker({"SMS_GATEWAY": sms, "PUSH_GATEWAY": push}, sealer, policy.limits, lambda _db: clock.now())


@pytest.fixture
def deliver(db: Session, sessions: sessionmaker[Session], worker: Worker) -> Callable[[], int]:
    """One pass of the outbox worker now, in a session of its own (as the worker service runs);
    how many messages it handled."""

    def run() -> int:
        db.commit()
        handled = worker.deliver_due(sessions)
        db.expire_all()
        return handled

    return run
