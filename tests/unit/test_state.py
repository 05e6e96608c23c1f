"""Flow state travels through the session as a plain dict and back, refusing junk."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from webapp.services.recovery import RecoveryState, Step
from webapp.services.reregistration import Part, ReregState
from webapp.services.signin import SignInState


def test_round_trips() -> None:
    moment = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    for state in (SignInState(iin="900515401230", agree_terms=True, passed=True, next="/ru/cabinet/"),
                  RecoveryState(iin="900515401230", step=Step.PASSWORD, confirmed_until=moment),
                  ReregState(answers={"child_iin": "1"}, child_iin="210905604213", parents=["1", "2"],
                             passed_at=moment, part=Part.CODE, phone="+77759876543")):
        assert type(state).from_dict(state.to_dict()) == state


@pytest.mark.parametrize("kind, junk", [
    (RecoveryState, None), (RecoveryState, "x"), (RecoveryState, []), (RecoveryState, {"step": "nope"}),
    (RecoveryState, {"iin": 5}), (RecoveryState, {"confirmed_until": "not a date"}),
    (ReregState, {"parents": "abc"}), (ReregState, {"answers": ["a"]}), (SignInState, {"passed": "yes"}),
])
def test_junk_is_refused(kind, junk) -> None:
    assert kind.from_dict(junk) is None


def test_unknown_keys_are_ignored() -> None:
    assert SignInState.from_dict({"iin": "1", "removed_in_a_later_version": True}) == SignInState(iin="1")
