"""Re-registration: Шаг 1 truth table, limits, the three parts of Шаг 2, what moves."""
from __future__ import annotations

import pytest

from datetime import timedelta

from sqlalchemy import select

from webapp.models import Cabinet, CabinetEvent, Child
from webapp.services import accounts, codes, passwords, reregistration
from webapp.services.gateways import ChildRecord
from webapp.services.reregistration import (Answers, ApplicantError, Locked, NeedsApp, Part,
                                            Passed, Reregistration, ReregState, Unavailable,
                                            WrongApplicant, matches)

MOTHER, FATHER, CHILD = "920314405125", "900702307339", "210905604213"
RECORD = ChildRecord(iin=CHILD, birth_certificate="I-АЛ 0567890", parents=(MOTHER, FATHER), status="queue")
RIGHT = Answers(CHILD, "I-АЛ 0567890", MOTHER, FATHER, "queue")


def answers(**changes: str) -> Answers:
    return Answers(**{**RIGHT.__dict__, **changes})


def test_all_right() -> None:
    assert matches(RECORD, RIGHT)


@pytest.mark.parametrize("changes", [
    {"certificate": "I-АЛ 0567891"}, {"parent1_iin": FATHER, "parent2_iin": MOTHER},
    {"parent2_iin": ""}, {"parent1_iin": "880302301234"}, {"parent2_iin": "880302301234"},
    {"status": "attends"},
], ids=["certificate", "swapped parents", "missing second parent", "wrong first parent",
        "wrong second parent", "status"])
def test_each_single_wrong_answer_fails(changes: dict[str, str]) -> None:
    assert not matches(RECORD, answers(**changes))


@pytest.mark.parametrize("certificate", ["i-ал 0567890", "№ I-АЛ 0567890", " I-АЛ0567890 ", "#I-АЛ 0567 890"])
def test_certificate_spaces_number_sign_and_case(certificate: str) -> None:
    assert matches(RECORD, answers(certificate=certificate))


def test_one_parent_certificate() -> None:
    record = ChildRecord(CHILD, "1", (MOTHER,), "attends")
    assert matches(record, Answers(CHILD, "1", MOTHER, "", "attends"))
    assert not matches(record, Answers(CHILD, "1", MOTHER, FATHER, "attends"))


def test_unknown_child() -> None:
    assert not matches(None, RIGHT)

OLD_HOLDER, OLD_PHONE = "651120401014", "+77022229223"
MOTHER_PHONE = "+77759876543"
SIBLING = "230211602097"


@pytest.fixture
def world(db, clock, registry, notifier):
    """Amina in queue, in a cabinet of someone else with a foreign number; a sibling of
    another mother in the same cabinet."""
    old = Cabinet(iin=OLD_HOLDER, phone=OLD_PHONE, session_epoch=3, created_at=clock.now(),
                  password_hash=passwords.hash_password("Bayterek?1997x"))
    db.add(old)
    db.flush()
    db.add_all([Child(iin=CHILD, full_name="Амина", birth_certificate="I-АЛ 0567890", parent1_iin=MOTHER,
                      parent2_iin=FATHER, status="queue", cabinet_id=old.id),
                Child(iin=SIBLING, full_name="Другой", birth_certificate="2", parent1_iin="880302301234",
                      parent2_iin=None, status="attends", cabinet_id=old.id)])
    db.commit()
    registry.children[CHILD] = RECORD
    registry.phones[MOTHER] = [MOTHER_PHONE]
    notifier.bound.update({OLD_PHONE, MOTHER_PHONE})
    return old


def passed(make_deps) -> ReregState:
    state = ReregState()
    assert Reregistration(make_deps()).answer(state, RIGHT) == Passed()
    return state


def test_failures_are_counted_per_child_and_address_with_tries_left(world, make_deps) -> None:
    state = ReregState()
    results = [Reregistration(make_deps()).answer(state, answers(status="attends")) for _ in range(5)]
    assert [r.tries_left for r in results] == [4, 3, 2, 1, 0]
    assert results[-1].locked_for == timedelta(hours=1)
    assert isinstance(Reregistration(make_deps()).answer(state, RIGHT), Locked)
    assert Reregistration(make_deps(address="5.6.7.8")).answer(state, RIGHT) == Passed()


def test_twenty_per_child_per_day_from_any_address(world, make_deps) -> None:
    for n in range(20):
        Reregistration(make_deps(address=f"10.0.0.{n}")).answer(ReregState(), answers(status="attends"))
    assert isinstance(Reregistration(make_deps(address="10.0.1.1")).answer(ReregState(), RIGHT), Locked)


def test_registry_outage_consumes_no_attempt(world, make_deps, registry) -> None:
    registry.down = True
    for _ in range(10):
        assert Reregistration(make_deps()).answer(ReregState(), RIGHT) is Unavailable.REGISTRY
    registry.down = False
    assert Reregistration(make_deps()).answer(ReregState(), RIGHT) == Passed()


def test_step1_holds_30_minutes(world, make_deps, clock) -> None:
    state = passed(make_deps)
    clock.advance(minutes=29)
    assert state.passed(clock.now())
    clock.advance(minutes=1)
    assert not state.passed(clock.now()) and state.expired


def test_applicant_must_be_a_parent_with_a_bmg_phone_and_wrong_answers_count(world, make_deps) -> None:
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    first = flow.applicant(state, "880302301234", MOTHER_PHONE)
    assert first == WrongApplicant(ApplicantError.NOT_A_PARENT, tries_left=4)
    second = flow.applicant(state, FATHER, MOTHER_PHONE)
    assert second == WrongApplicant(ApplicantError.PHONE_NOT_IN_BMG, tries_left=3)


def test_no_app_on_the_phone_opens_the_binding_steps(world, make_deps, registry, notifier) -> None:
    registry.phones[FATHER] = ["+77087654321"]
    state = passed(make_deps)
    assert Reregistration(make_deps()).applicant(state, FATHER, "+77087654321") == NeedsApp()
    assert state.part is Part.BIND and notifier.kinds() == []


def test_changing_the_applicant_cancels_the_later_parts(world, make_deps, notifier) -> None:
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    assert flow.applicant(state, MOTHER, MOTHER_PHONE) == codes.Sent(60)
    assert flow.confirm(state, notifier.last("code")) == codes.Verified()
    assert state.part is Part.PASSWORD
    state.change_applicant()
    assert state.part is Part.APPLICANT and state.confirmed_until is None


def test_completion_moves_only_the_children_naming_the_applicant(world, make_deps, notifier, db) -> None:
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    flow.applicant(state, MOTHER, MOTHER_PHONE)
    flow.confirm(state, notifier.last("code"))
    done = flow.finish(state, "Amina!Kezek2026")
    db.commit()
    assert done.outcome is reregistration.Outcome.NEW and done.children == 1
    assert done.cabinet.iin == MOTHER and done.cabinet.phone == MOTHER_PHONE
    assert [c.iin for c in done.cabinet.children] == [CHILD]
    old = accounts.find(db, OLD_HOLDER)
    assert [c.iin for c in old.children] == [SIBLING]
    assert old.session_epoch == 4  # the previous holder's sessions end
    # The new owner's Лента событий starts without the previous holder's history.
    events = db.scalars(select(CabinetEvent).where(CabinetEvent.cabinet_id == done.cabinet.id)).all()
    assert [e.kind for e in events] == ["reregistered"]
    assert [(p, k) for p, k, _ in notifier.sent][-2:] == [(OLD_PHONE, "rereg_away"), (MOTHER_PHONE, "rereg_here")]


def test_the_old_phone_without_an_app_hears_by_sms(world, make_deps, notifier, sms) -> None:
    notifier.bound.discard(OLD_PHONE)
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    flow.applicant(state, MOTHER, MOTHER_PHONE)
    flow.confirm(state, notifier.last("code"))
    flow.finish(state, "Amina!Kezek2026")
    assert sms.sent == [(OLD_PHONE, "rereg_away", {"phone": "+777****6543"})]


def test_an_applicant_with_a_cabinet_gets_the_children_in_it(world, make_deps, notifier, db, clock) -> None:
    own = Cabinet(iin=MOTHER, phone="+77010000001", session_epoch=0, created_at=clock.now(),
                  password_hash=passwords.hash_password("Old!password12"))
    db.add(own)
    db.commit()
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    flow.applicant(state, MOTHER, MOTHER_PHONE)
    flow.confirm(state, notifier.last("code"))
    done = flow.finish(state, "Amina!Kezek2026")
    assert done.cabinet.id == own.id and done.outcome is reregistration.Outcome.JOINED
    assert own.phone == MOTHER_PHONE and own.session_epoch == 1


def test_finish_needs_a_confirmed_code(world, make_deps) -> None:
    state = passed(make_deps)
    assert isinstance(Reregistration(make_deps()).finish(state, "Amina!Kezek2026"),
                      accounts.ConfirmationExpired)


def test_weak_password_or_one_with_the_applicants_phone_is_refused(world, make_deps, notifier) -> None:
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    flow.applicant(state, MOTHER, MOTHER_PHONE)
    flow.confirm(state, notifier.last("code"))
    assert isinstance(flow.finish(state, "Aa!x7759876543"), accounts.PasswordRefused)
    assert isinstance(flow.finish(state, "short"), accounts.PasswordRefused)
