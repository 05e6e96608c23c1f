"""Atomic counts: every try is counted before it is compared, windows, lock-outs, growing waits,
and the one table of every limit."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from webapp.models import Counter
from webapp.services import limits
from webapp.services.limits import CONFIGURABLE, AccountLimits, Backoff, Limit, Refused, Taken

FIVE = Limit("test_five", 5, timedelta(minutes=15), lockout=timedelta(minutes=15))
QUOTA = Limit("test_quota", 3, timedelta(hours=1))
ONE = Limit("test_one", 1, timedelta(seconds=60))
GROWING = Backoff("test_backoff", timedelta(minutes=1), timedelta(minutes=60), timedelta(days=1))


def test_counts_up_to_the_limit_then_refuses_with_the_wait(db, clock) -> None:
    results = [limits.take(db, FIVE, "k", clock.now()) for _ in range(5)]
    assert [r.count for r in results if isinstance(r, Taken)] == [1, 2, 3, 4, 5]
    assert results[-1].left == 0
    clock.advance(minutes=1)
    sixth = limits.take(db, FIVE, "k", clock.now())
    assert sixth == Refused("test_five", timedelta(minutes=14))


def test_the_lockout_runs_from_the_try_that_reached_the_limit(db, clock) -> None:
    for _ in range(4):
        limits.take(db, FIVE, "k", clock.now())
    clock.advance(minutes=10)
    limits.take(db, FIVE, "k", clock.now())  # the 5th, 10 minutes after the first
    assert limits.wait(db, FIVE, "k", clock.now()) == timedelta(minutes=15)
    clock.advance(minutes=15)
    assert isinstance(limits.take(db, FIVE, "k", clock.now()), Taken)


def test_tries_while_locked_do_not_lengthen_the_lock(db, clock) -> None:
    for _ in range(5):
        limits.take(db, FIVE, "k", clock.now())
    for _ in range(10):
        clock.advance(minutes=1)
        assert isinstance(limits.take(db, FIVE, "k", clock.now()), Refused)
    assert limits.wait(db, FIVE, "k", clock.now()) == timedelta(minutes=5)


def test_a_quota_window_starts_at_the_first_count(db, clock) -> None:
    for _ in range(3):
        limits.take(db, QUOTA, "k", clock.now())
        clock.advance(minutes=10)
    assert limits.take(db, QUOTA, "k", clock.now()) == Refused("test_quota", timedelta(minutes=30))
    clock.advance(minutes=30)
    assert limits.take(db, QUOTA, "k", clock.now()).count == 1


def test_one_per_window_edges(db, clock) -> None:
    assert isinstance(limits.take(db, ONE, "k", clock.now()), Taken)
    clock.advance(59)
    assert limits.take(db, ONE, "k", clock.now()) == Refused("test_one", timedelta(seconds=1))
    assert limits.window_left(db, ONE, "k", clock.now()) == 1
    clock.advance(1)
    assert isinstance(limits.take(db, ONE, "k", clock.now()), Taken)
    assert limits.window_left(db, ONE, "nobody", clock.now()) == 0


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


def test_release_never_goes_below_zero(db, clock) -> None:
    limits.take(db, QUOTA, "k", clock.now())
    for _ in range(3):
        limits.release(db, QUOTA, "k")
    assert db.scalar(select(Counter.count).where(Counter.kind == QUOTA.kind)) == 0


def test_clear_subject_clears_the_strangers_and_every_known_devices_bucket(db, clock) -> None:
    for key in ("cab:1", "cab:1|dev:a", "cab:1|dev:b", "cab:12", "cab:1|addr:1.2.3.4"):
        limits.take(db, ONE, key, clock.now())
    limits.clear_subject(db, ONE, "cab:1")
    left = set(db.scalars(select(Counter.key).where(Counter.kind == ONE.kind)))
    assert left == {"cab:12", "cab:1|addr:1.2.3.4"}


def test_take_all_uses_up_nothing_when_one_refuses(db, clock) -> None:
    limits.take(db, ONE, "x", clock.now())
    result = limits.take_all(db, [(QUOTA, "q"), (ONE, "x")], clock.now())
    assert isinstance(result, Refused) and result.kind == "test_one"
    assert limits.take(db, QUOTA, "q", clock.now()).count == 1


def test_longest_wait(db, clock) -> None:
    assert limits.longest_wait(db, [(FIVE, "k"), (ONE, "x")], clock.now()) is None
    limits.take(db, ONE, "x", clock.now())
    for _ in range(5):
        limits.take(db, FIVE, "k", clock.now())
    assert limits.longest_wait(db, [(FIVE, "k"), (ONE, "x")], clock.now()) == timedelta(minutes=15)


def test_purge_keeps_counts_that_still_matter(db, clock) -> None:
    limits.take(db, ONE, "old", clock.now())
    clock.advance(hours=2)
    limits.take(db, ONE, "new", clock.now())
    clock.advance(days=1)
    assert limits.purge_ended(db, clock.now()) == 1
    assert set(db.scalars(select(Counter.key))) == {"new"}


class Model:
    """The rule as the docstring states it: at most `max` per `window`, the window starting at
    the first count; the count that reaches `max` locks the key for `lockout` from then."""

    def __init__(self, limit: Limit) -> None:
        self.limit, self.count, self.ends = limit, 0, None

    def take(self, now) -> bool:
        limit = self.limit
        if self.ends is None or self.ends <= now:
            self.count = 1
            self.ends = now + (limit.lockout if limit.lockout and limit.max == 1 else limit.window)
        else:
            self.count += 1
            if limit.lockout and self.count == limit.max:
                self.ends = now + limit.lockout
        return self.count <= limit.max


LIMITS = [FIVE, QUOTA, ONE, Limit("test_lock_one", 1, timedelta(minutes=5), lockout=timedelta(minutes=20)),
          Limit("test_long_lock", 3, timedelta(minutes=10), lockout=timedelta(hours=1))]


@settings(max_examples=60, deadline=None)
@given(limit=st.sampled_from(LIMITS), gaps=st.lists(st.integers(min_value=0, max_value=1200), max_size=40))
def test_the_database_counts_as_the_rule_says(limit: Limit, gaps: list[int]) -> None:
    from sqlalchemy.orm import Session

    from webapp.db import make_engine
    from webapp.models import Base
    from webapp.services.clock import FakeClock

    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    clock, model = FakeClock(), Model(limit)
    try:
        with Session(engine) as db:
            for gap in gaps:
                clock.advance(gap)
                result = limits.take(db, limit, "k", clock.now())
                assert isinstance(result, Taken) == model.take(clock.now())
                if isinstance(result, Refused):
                    assert result.wait == model.ends - clock.now()
    finally:
        engine.dispose()


# -- a growing wait ----------------------------------------------------------------------------------

def test_each_use_waits_twice_as_long_up_to_the_cap(db, clock) -> None:
    waits = []
    for n in range(1, 10):
        assert limits.take_backoff(db, GROWING, "phone", clock.now()) == n
        refused = limits.take_backoff(db, GROWING, "phone", clock.now())
        assert isinstance(refused, Refused) and refused.kind == "test_backoff"
        waits.append(refused.wait)
        clock.advance(refused.wait.total_seconds())
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)]


def test_a_refused_use_counts_nothing(db, clock) -> None:
    limits.take_backoff(db, GROWING, "phone", clock.now())
    for _ in range(20):
        clock.advance(1)
        limits.take_backoff(db, GROWING, "phone", clock.now())
    clock.advance(60)
    assert limits.take_backoff(db, GROWING, "phone", clock.now()) == 2


def test_the_wait_left_shrinks_with_time(db, clock) -> None:
    limits.take_backoff(db, GROWING, "phone", clock.now())
    clock.advance(45)
    assert limits.take_backoff(db, GROWING, "phone", clock.now()) == Refused("test_backoff",
                                                                              timedelta(seconds=15))


def test_a_quiet_day_starts_the_waits_again(db, clock) -> None:
    for _ in range(5):
        limits.take_backoff(db, GROWING, "phone", clock.now())
        clock.advance(hours=1)
    clock.advance(days=1)
    assert limits.take_backoff(db, GROWING, "phone", clock.now()) == 1


def test_keys_wait_apart(db, clock) -> None:
    assert limits.take_backoff(db, GROWING, "a", clock.now()) == 1
    assert limits.take_backoff(db, GROWING, "b", clock.now()) == 1


def test_giving_back_opens_the_slot_and_steps_the_count_back(db, clock) -> None:
    for _ in range(3):
        limits.take_backoff(db, GROWING, "phone", clock.now())
        clock.advance(hours=1)
    assert limits.take_backoff(db, GROWING, "phone", clock.now()) == 4
    limits.give_back_backoff(db, GROWING, "phone", clock.now())
    assert limits.take_backoff(db, GROWING, "phone", clock.now()) == 4  # at once, and the same wait again


def test_giving_back_an_unknown_key_does_nothing(db, clock) -> None:
    limits.give_back_backoff(db, GROWING, "nobody", clock.now())
    assert db.scalars(select(Counter)).all() == []


@pytest.mark.parametrize("count, minutes", [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (11, 60)])
def test_wait_after(count: int, minutes: int) -> None:
    assert GROWING.wait_after(count) == timedelta(minutes=minutes)


# -- the table of every limit -------------------------------------------------------------------------

def test_sized_changes_only_the_size() -> None:
    table = AccountLimits()
    bigger = table.sized(wrong_passwords_per_address=80, sms_budget=10)
    assert bigger.wrong_passwords_per_address == dataclasses.replace(table.wrong_passwords_per_address, max=80)
    assert bigger.sms_budget.max == 10 and bigger.sms_budget.window == table.sms_budget.window
    changed = {f.name for f in dataclasses.fields(table) if getattr(table, f.name) != getattr(bigger, f.name)}
    assert changed == {"wrong_passwords_per_address", "sms_budget"}
    assert table.wrong_passwords_per_address.max == 50  # the original stays as it was


def test_sized_refuses_a_name_that_is_no_limit() -> None:
    with pytest.raises(AttributeError):
        AccountLimits().sized(no_such_limit=3)


def test_every_configurable_size_names_a_limit_of_the_table() -> None:
    table = AccountLimits()
    for setting, name in CONFIGURABLE.items():
        assert isinstance(getattr(table, name), Limit), setting
        assert table.sized(**{name: 7}).__getattribute__(name).max == 7


def test_every_limit_counts_under_a_kind_of_its_own() -> None:
    table = AccountLimits()
    kinds = [getattr(table, f.name).kind for f in dataclasses.fields(table)]
    assert len(kinds) == len(set(kinds))


def test_the_table_is_the_contracts() -> None:
    t = AccountLimits()
    hour, day, minute = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
    assert (t.wrong_passwords_per_iin_and_client.max, t.wrong_passwords_per_iin_and_client.lockout) == \
        (5, 15 * minute)
    assert t.wrong_passwords_in_a_row_per_iin.max == 100
    assert (t.wrong_codes_per_cabinet_and_client.max, t.wrong_codes_per_cabinet_and_client.window) == \
        (10, 2 * hour)
    assert (t.wrong_codes_per_cabinet.max, t.wrong_codes_per_cabinet.window) == (30, day)
    assert (t.wrong_codes_per_address.max, t.wrong_codes_per_address.window) == (20, hour)
    assert (t.codes_per_phone_and_purpose.max, t.codes_per_phone_and_purpose.window) == (5, hour)
    assert (t.code_resend_wait.max, t.code_resend_wait.window) == (1, minute)
    assert (t.code_sms_wait_per_phone_and_purpose.first, t.code_sms_wait_per_phone_and_purpose.cap) == (minute, 60 * minute)
    assert (t.failed_sends_given_back_per_phone.max, t.failed_sends_given_back_per_phone.window) == (1, hour)
    assert t.recovery_starts_per_address.max == 20
    assert (t.binding_sms_wait_per_phone.window, t.binding_sms_per_phone.max, t.binding_sms_per_address.max) == \
        (10 * minute, 5, 10)
    wrong_binding = t.wrong_binding_passwords_per_phone_and_address
    assert (wrong_binding.max, wrong_binding.window, wrong_binding.lockout) == (5, 10 * minute, 10 * minute)
    assert (t.wrong_answers_per_child_and_address.max, t.wrong_answers_per_child.max) == (5, 20)
    assert (t.wrong_answers_per_confirmed_phone.max, t.wrong_answers_per_child_from_confirmed_phones.max) == \
        (5, 20)
