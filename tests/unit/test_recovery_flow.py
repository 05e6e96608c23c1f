"""The recovery flow as a service: start (counted), code first, then the password."""
from __future__ import annotations

from datetime import timedelta

import pytest

from webapp.models import Cabinet
from webapp.services import codes, passwords
from webapp.services.accounts import ConfirmationExpired, PasswordRefused
from webapp.services.recovery import (Confirmed, NotBoundYet, PasswordSet, Recovery, RecoveryState, Started, Step,
                                      TooManyStarts)

IIN, PHONE = "900515401230", "+77057546868"


@pytest.fixture
def cabinet(db, clock, notifier) -> Cabinet:
    row = Cabinet(iin=IIN, phone=PHONE, password_hash=passwords.hash_password("Tulpar!2024abc"),
                  session_epoch=0, created_at=clock.now())
    db.add(row)
    db.commit()
    notifier.bound.add(PHONE)
    return row


def test_start_sends_the_code_and_tells_only_the_masked_phone(cabinet, make_deps, notifier) -> None:
    state, outcome = Recovery(make_deps()).start(IIN)
    assert outcome == Started(sent=codes.Sent(60))
    assert state.step is Step.CODE and state.masked_phone == "+770****6868" and not state.setup
    assert PHONE not in str(state.to_dict())
    assert notifier.kinds() == ["code"]


def test_unknown_iin(cabinet, make_deps) -> None:
    state, _ = Recovery(make_deps()).start("850505309997")
    assert state.step is Step.NO_CABINET and state.masked_phone == ""


def test_no_app_is_case_2_until_the_app_is_bound(cabinet, make_deps, notifier) -> None:
    notifier.bound.clear()
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert state.step is Step.BIND and notifier.kinds() == []
    assert flow.app_bound(state) == NotBoundYet()
    notifier.bound.add(PHONE)
    assert flow.app_bound(state) == Started(sent=codes.Sent(60)) and state.step is Step.CODE


def test_starts_are_counted_per_address(cabinet, make_deps) -> None:
    for _ in range(20):
        Recovery(make_deps()).start("850505309997")
    state, outcome = Recovery(make_deps()).start(IIN)
    assert state is None and isinstance(outcome, TooManyStarts)
    assert Recovery(make_deps(address="2.2.2.2")).start(IIN)[0] is not None


def test_code_then_password(cabinet, make_deps, notifier, db) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert isinstance(flow.set_password(state, "Samal!Kokshe2026"), ConfirmationExpired)
    assert flow.confirm(state, notifier.last("code")) == Confirmed(cabinet.id)
    assert state.step is Step.PASSWORD
    refused = flow.set_password(state, f"Aa!{IIN}")
    assert isinstance(refused, PasswordRefused)
    done = flow.set_password(state, "Samal!Kokshe2026")
    assert done == PasswordSet(cabinet, first=False)
    assert cabinet.session_epoch == 1 and "password_changed" in notifier.kinds()


def test_the_confirmation_holds_30_minutes(cabinet, make_deps, notifier, clock) -> None:
    state, _ = Recovery(make_deps()).start(IIN)
    Recovery(make_deps()).confirm(state, notifier.last("code"))
    clock.advance(timedelta(minutes=30).total_seconds())
    assert isinstance(Recovery(make_deps()).set_password(state, "Samal!Kokshe2026"), ConfirmationExpired)
    assert state.step is Step.CODE


def test_the_phone_inside_a_password_is_refused_after_proof(cabinet, make_deps, notifier) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    flow.confirm(state, notifier.last("code"))
    assert isinstance(flow.set_password(state, "Aa!x7057546868"), PasswordRefused)


def test_state_round_trips_through_the_session(cabinet, make_deps) -> None:
    state, _ = Recovery(make_deps()).start(IIN)
    assert RecoveryState.from_dict(state.to_dict()) == state
    assert RecoveryState.from_dict({"step": "nonsense"}) is None
    assert RecoveryState.from_dict("garbage") is None
