"""Atomic counts: every try is counted before it is compared, windows and lock-outs."""
from __future__ import annotations

from datetime import timedelta

from webapp.services import limits
from webapp.services.limits import Blocked, Limit, Taken

FIVE = Limit("test_five", 5, timedelta(minutes=15), lockout=timedelta(minutes=15))
QUOTA = Limit("test_quota", 3, timedelta(hours=1))
ONE = Limit("test_one", 1, timedelta(seconds=60))


def test_counts_up_to_the_limit_then_blocks_with_the_wait(db, clock) -> None:
    results = [limits.take(db, FIVE, "k", clock.now()) for _ in range(5)]
    assert [r.count for r in results if isinstance(r, Taken)] == [1, 2, 3, 4, 5]
    assert results[-1].left == 0
    clock.advance(minutes=1)
    sixth = limits.take(db, FIVE, "k", clock.now())
    assert sixth == Blocked("test_five", timedelta(minutes=14))


def test_the_lockout_runs_from_the_try_that_reached_the_limit(db, clock) -> None:
    for _ in range(4):
        limits.take(db, FIVE, "k", clock.now())
    clock.advance(minutes=10)
    limits.take(db, FIVE, "k", clock.now())  # the 5th, 10 minutes after the first
    assert limits.wait(db, FIVE, "k", clock.now()) == timedelta(minutes=15)
    clock.advance(minutes=15)
    assert isinstance(limits.take(db, FIVE, "k", clock.now()), Taken)


def test_a_quota_window_starts_at_the_first_count(db, clock) -> None:
    for _ in range(3):
        limits.take(db, QUOTA, "k", clock.now())
        clock.advance(minutes=10)
    assert limits.take(db, QUOTA, "k", clock.now()) == Blocked("test_quota", timedelta(minutes=30))
    clock.advance(minutes=30)
    assert limits.take(db, QUOTA, "k", clock.now()).count == 1


def test_one_per_window_edges(db, clock) -> None:
    assert isinstance(limits.take(db, ONE, "k", clock.now()), Taken)
    clock.advance(59)
    assert limits.take(db, ONE, "k", clock.now()) == Blocked("test_one", timedelta(seconds=1))
    assert limits.window_left(db, ONE, "k", clock.now()) == 1
    clock.advance(1)
    assert isinstance(limits.take(db, ONE, "k", clock.now()), Taken)


def test_keys_and_kinds_are_separate(db, clock) -> None:
    for _ in range(5):
        limits.take(db, FIVE, "a", clock.now())
    assert isinstance(limits.take(db, FIVE, "b", clock.now()), Taken)
    assert isinstance(limits.take(db, QUOTA, "a", clock.now()), Taken)


def test_release_and_clear(db, clock) -> None:
    for _ in range(5):
        limits.take(db, FIVE, "k", clock.now())
    limits.release(db, FIVE, "k")
    assert limits.wait(db, FIVE, "k", clock.now()) is None
    limits.clear(db, FIVE, "k")
    assert limits.take(db, FIVE, "k", clock.now()).count == 1


def test_take_all_uses_up_nothing_when_one_refuses(db, clock) -> None:
    limits.take(db, ONE, "x", clock.now())
    result = limits.take_all(db, [(QUOTA, "q"), (ONE, "x")], clock.now())
    assert isinstance(result, Blocked) and result.kind == "test_one"
    assert limits.take(db, QUOTA, "q", clock.now()).count == 1


def test_longest_wait(db, clock) -> None:
    assert limits.longest_wait(db, [(FIVE, "k"), (ONE, "x")], clock.now()) is None
    limits.take(db, ONE, "x", clock.now())
    for _ in range(5):
        limits.take(db, FIVE, "k", clock.now())
    assert limits.longest_wait(db, [(FIVE, "k"), (ONE, "x")], clock.now()) == timedelta(minutes=15)
