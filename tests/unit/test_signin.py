"""Sign-in: the same answer for an unknown IIN, tries left, locks that keep the owner in."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.models import Cabinet, CabinetEvent
from webapp.services import passwords
from webapp.services.signin import Locked, Refused, SignedIn, SignIn, SignInState

IIN, PASSWORD = "900515401230", "Tulpar!2024abc"
UNKNOWN = "850505309997"


@pytest.fixture
def cabinet(db, clock) -> Cabinet:
    row = Cabinet(iin=IIN, phone="+77057546868", password_hash=passwords.hash_password(PASSWORD),
                  session_epoch=0, created_at=clock.now())
    db.add(row)
    db.commit()
    return row


def attempt(make_deps, password: str, iin: str = IIN, **client):
    return SignIn(make_deps(**client)).password(SignInState(iin=iin, passed=True), password, device="Chrome, Android")


def test_right_password_signs_in_and_is_recorded(cabinet, make_deps, db) -> None:
    assert attempt(make_deps, PASSWORD) == SignedIn(cabinet)
    assert [e.params for e in db.scalars(select(CabinetEvent))] == [{"device": "Chrome, Android"}]


def test_unknown_iin_is_refused_exactly_like_a_wrong_password(cabinet, make_deps) -> None:
    assert attempt(make_deps, "Wrong!pass123", iin=UNKNOWN) == attempt(make_deps, "Wrong!pass123")


def test_tries_left_are_said_from_the_third_wrong_password(cabinet, make_deps) -> None:
    results = [attempt(make_deps, "Wrong!pass123") for _ in range(4)]
    assert [r.tries_left for r in results] == [None, None, 2, 1]
    fifth = attempt(make_deps, "Wrong!pass123")
    assert fifth == Refused(tries_left=0, locked_for=timedelta(minutes=15))
    assert attempt(make_deps, PASSWORD) == Locked(timedelta(minutes=15))


def test_the_lock_is_per_address_so_a_stranger_cannot_lock_the_owner_out(cabinet, make_deps) -> None:
    for _ in range(5):
        attempt(make_deps, "Wrong!pass123", address="6.6.6.6")
    assert isinstance(attempt(make_deps, PASSWORD, address="6.6.6.6"), Locked)
    assert isinstance(attempt(make_deps, PASSWORD, address="1.2.3.4"), SignedIn)


def test_a_hundred_in_a_row_close_the_iin_to_other_browsers_not_the_known_device(cabinet, make_deps) -> None:
    for n in range(100):
        attempt(make_deps, "Wrong!pass123", address=f"10.0.{n // 250}.{n % 250}")
    assert attempt(make_deps, PASSWORD, address="11.0.0.1").closed
    assert SignIn(make_deps(address="11.0.0.1")).lock(SignInState(iin=IIN, passed=True)).closed
    owner = {"address": "11.0.0.1", "device": "owner", "known": frozenset({cabinet.id})}
    assert isinstance(attempt(make_deps, PASSWORD, **owner), SignedIn)
    # the success reopens the IIN for everyone
    assert isinstance(attempt(make_deps, PASSWORD, address="12.0.0.1"), SignedIn)


def test_the_lock_ends_after_15_minutes(cabinet, make_deps, clock) -> None:
    for _ in range(5):
        attempt(make_deps, "Wrong!pass123")
    clock.advance(minutes=15)
    assert isinstance(attempt(make_deps, PASSWORD), SignedIn)


def test_lock_is_shown_before_a_try(cabinet, make_deps) -> None:
    state = SignInState(iin=IIN, passed=True)
    assert SignIn(make_deps()).lock(state) is None
    for _ in range(5):
        attempt(make_deps, "Wrong!pass123")
    assert SignIn(make_deps()).lock(state) == Locked(timedelta(minutes=15))


def test_old_hash_parameters_are_replaced_at_sign_in(cabinet, make_deps, db) -> None:
    from argon2 import PasswordHasher

    cabinet.password_hash = PasswordHasher(memory_cost=8 * 1024, time_cost=1, parallelism=1).hash(PASSWORD)
    db.commit()
    assert isinstance(attempt(make_deps, PASSWORD), SignedIn)
    assert not passwords.needs_rehash(cabinet.password_hash)
    assert passwords.verify_password(cabinet.password_hash, PASSWORD)


def test_first_password_needed(cabinet, make_deps, db, clock) -> None:
    db.add(Cabinet(iin="950630406127", phone="+77479223344", password_hash=None, session_epoch=0,
                   created_at=clock.now()))
    db.commit()
    flow = SignIn(make_deps())
    assert flow.needs_first_password("950630406127")
    assert not flow.needs_first_password(IIN) and not flow.needs_first_password(UNKNOWN)
