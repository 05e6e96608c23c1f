"""Parallel requests never get past a limit, not even by one: real threads, each with its own
database session, on a SQLite file (the database serialises the writes, as PostgreSQL does)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.unit.conftest import FakePush, FakeSms
from webapp.db import make_engine
from webapp.delivery.worker import Worker
from webapp.models import Base, Cabinet, ConfirmationCode, Counter, OutboxMessage
from webapp.services import codes, limits, links, outbox
from webapp.services.codes import Channel, Target
from webapp.services.epoch import subject
from webapp.services.limits import Backoff, Limit, Refused, Taken

PHONE = "+77057546868"


@pytest.fixture
def files(tmp_path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'parallel.sqlite3'}", create=True)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; their results in order."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: B036 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_twenty_parallel_tries_see_the_counts_one_to_twenty(files, clock) -> None:
    five = Limit("parallel_five", 5, timedelta(minutes=15), lockout=timedelta(minutes=15))

    def attempt(_i: int):
        with files() as db:
            result = limits.take(db, five, "iin", clock.now())
            db.commit()
            return result

    results = in_parallel(20, attempt)
    taken = sorted(r.count for r in results if isinstance(r, Taken))
    assert taken == [1, 2, 3, 4, 5]
    assert sum(isinstance(r, Refused) for r in results) == 15


def test_of_parallel_uses_of_a_growing_wait_one_finds_the_slot_open(files, clock) -> None:
    growing = Backoff("parallel_backoff", timedelta(minutes=1), timedelta(minutes=60), timedelta(days=1))

    def attempt(_i: int):
        with files() as db:
            result = limits.take_backoff(db, growing, PHONE, clock.now())
            db.commit()
            return result

    first = in_parallel(10, attempt)
    assert first.count(1) == 1 and sum(isinstance(r, Refused) for r in first) == 9
    clock.advance(60)
    second = in_parallel(10, attempt)
    assert second.count(2) == 1 and sum(isinstance(r, Refused) for r in second) == 9


@pytest.fixture
def cabinet(files, clock) -> Cabinet:
    with files() as db:
        row = Cabinet(iin="900515401230", phone=PHONE, session_epoch=0, created_at=clock.now())
        db.add(row)
        db.commit()
        return row


def test_two_browsers_redeeming_one_link_at_once(files, make_deps, cabinet, sealer, clock) -> None:
    with files() as db:
        codes.send(make_deps(session=db), Target("recovery", subject(cabinet), PHONE, cabinet), "n", Channel.APP)
        message = outbox.open_message(sealer, clock.now(), db.scalars(select(OutboxMessage)).one())
        opened = links.look(make_deps(session=db), message.link.rsplit("/r/", 1)[1])

    def redeem(i: int):
        with files() as db:
            result = links.redeem(make_deps(address=f"10.0.0.{i}", session=db), opened.token_hash)
            db.commit()
            return result

    results = in_parallel(8, redeem)
    assert sum(isinstance(r, links.Redeemed) for r in results) == 1
    assert results.count(links.Invalid()) == 7


def test_a_double_submitted_code_is_used_once(files, make_deps, cabinet, sealer, clock) -> None:
    target = Target("recovery", subject(cabinet), PHONE, cabinet)
    with files() as db:
        codes.send(make_deps(session=db), target, "n", Channel.APP)
        code = outbox.open_message(sealer, clock.now(), db.scalars(select(OutboxMessage)).one()).code

    def submit(_i: int):
        with files() as db:
            return codes.verify(make_deps(session=db), target, "n", code)

    results = in_parallel(6, submit)
    assert results.count(codes.Verified(Channel.APP)) == 1
    assert all(r in (codes.Refusal.NO_CODE, codes.Refusal.USED_UP) for r in results if not isinstance(
        r, codes.Verified))
    with files() as db:  # the extra submits of a right code cost no wrong tries
        counted = db.scalars(select(Counter.count).where(Counter.kind.startswith("code_wrong"))).all()
        assert set(counted) <= {0}


def test_parallel_requests_for_a_code_send_one(files, make_deps, cabinet, clock) -> None:
    target = Target("recovery", subject(cabinet), PHONE, cabinet)

    def ask(i: int):
        with files() as db:
            return codes.send(make_deps(address=f"10.0.0.{i}", session=db), target, f"browser-{i}", Channel.SMS)

    results = in_parallel(8, ask)
    assert results.count(codes.Sent(Channel.SMS)) == 1
    with files() as db:
        assert db.scalar(select(func.count()).select_from(ConfirmationCode)) == 1


def test_parallel_workers_hand_each_message_over_once(files, make_deps, sealer, policy, clock) -> None:
    with files() as db:
        for n in range(20):
            outbox.queue(make_deps(session=db), channel="sms", kind="notice", phone=f"+770100000{n:02d}")
        db.commit()
    sms = FakeSms()
    lock = threading.Lock()
    original = sms._take

    def take(message):
        with lock:
            return original(message)

    sms._take = take  # type: ignore[method-assign]
    workers = [Worker({"SMS_GATEWAY": sms, "PUSH_GATEWAY": FakePush()}, sealer, policy.limits,
                      lambda _db: clock.now()) for _ in range(4)]
    handled = in_parallel(4, lambda i: workers[i].deliver_due(files, limit=20))
    assert sum(handled) == 20
    assert sorted(sms.keys) == sorted(set(sms.keys)) and len(sms.keys) == 20
