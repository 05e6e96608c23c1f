"""Re-registration: Шаг 1 truth table, limits, the three parts of Шаг 2, what moves."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.unit.conftest import bind_app
from webapp.models import AppDevice, Cabinet, CabinetEvent, Child
from webapp.services import accounts, binding, codes, passwords, reregistration
from webapp.services.gateways import ChildRecord
from webapp.services.reregistration import (Answers, ApplicantError, Locked, Mismatch, NeedsApp, Part,
                                            Passed, PhoneConfirmed, PhoneFirst, Reregistration, ReregState,
                                            Unavailable, WrongApplicant, matches)

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
FATHER_PHONE = "+77087654321"
SIBLING = "230211602097"
PASSWORD = "Amina!Kezek2026"


@pytest.fixture
def world(db, clock, registry):
    """Amina in queue, in a cabinet of someone else with a foreign number; a sibling of
    another mother in the same cabinet. The mother's БМГ phone has the app; the father's not."""
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
    registry.phones[FATHER] = [FATHER_PHONE]
    bind_app(db, OLD_PHONE, clock.now())
    bind_app(db, MOTHER_PHONE, clock.now())
    return old


def passed(make_deps) -> ReregState:
    state = ReregState()
    assert Reregistration(make_deps()).answer(state, RIGHT) == Passed()
    return state


def confirmed(make_deps, phone, state: ReregState, iin: str = MOTHER, number: str = MOTHER_PHONE) -> None:
    flow = Reregistration(make_deps())
    assert flow.applicant(state, iin, number) == codes.Sent(codes.Channel.APP)
    assert flow.confirm(state, phone.code(number)) == codes.Verified(codes.Channel.APP)


# -- Шаг 1 -----------------------------------------------------------------------------------------

def test_failures_are_counted_per_child_and_address_with_tries_left(world, make_deps) -> None:
    state = ReregState()
    results = [Reregistration(make_deps()).answer(state, answers(status="attends")) for _ in range(5)]
    assert [r.tries_left for r in results] == [4, 3, 2, 1, 0]
    assert results[-1].locked_for == timedelta(hours=1)
    # v3: past the count, the page asks this applicant to confirm their own phone first
    # (v2: Locked for an hour).
    assert Reregistration(make_deps()).answer(state, RIGHT) == PhoneFirst()
    assert state.phone_first and state.step2_open(make_deps().now)
    assert Reregistration(make_deps(address="5.6.7.8")).answer(ReregState(), RIGHT) == Passed()


def test_twenty_per_child_per_day_from_any_address(world, make_deps) -> None:
    for n in range(20):
        Reregistration(make_deps(address=f"10.0.0.{n}")).answer(ReregState(), answers(status="attends"))
    # v3: past the per-child count, confirmed applicants only (v2: Locked)
    assert Reregistration(make_deps(address="10.0.1.1")).answer(ReregState(), RIGHT) == PhoneFirst()


def test_a_right_answer_gives_back_its_try(world, make_deps) -> None:
    for _ in range(4):
        Reregistration(make_deps()).answer(ReregState(), answers(status="attends"))
    passed(make_deps)
    assert Reregistration(make_deps()).answer(ReregState(), answers(status="attends")).tries_left == 0


def test_registry_outage_consumes_no_attempt(world, make_deps, registry) -> None:
    registry.down = True
    for _ in range(10):
        assert Reregistration(make_deps()).answer(ReregState(), RIGHT) is Unavailable.REGISTRY
    registry.down = False
    assert Reregistration(make_deps()).answer(ReregState(), answers(status="attends")).tries_left == 4


def test_an_unknown_child_fails_like_a_wrong_answer(world, make_deps) -> None:
    result = Reregistration(make_deps()).answer(ReregState(), answers(child_iin="190301500112"))
    assert result == Mismatch(tries_left=4)


def test_step1_holds_30_minutes(world, make_deps, clock) -> None:
    state = passed(make_deps)
    clock.advance(minutes=29)
    assert state.passed(clock.now())
    clock.advance(minutes=1)
    assert not state.passed(clock.now()) and state.expired and state.child_iin == ""


# -- Шаг 2, part (a) -------------------------------------------------------------------------------------

def test_applicant_must_be_a_parent_with_a_bmg_phone(world, make_deps) -> None:
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    first = flow.applicant(state, "880302301234", MOTHER_PHONE)
    assert first == WrongApplicant(ApplicantError.NOT_A_PARENT, tries_left=4)
    second = flow.applicant(state, FATHER, MOTHER_PHONE)
    # v3: part (a)'s mistakes count per (applicant IIN, address): the father has 5 of his own
    assert second == WrongApplicant(ApplicantError.PHONE_NOT_IN_BMG, tries_left=4)
    assert flow.applicant(state, FATHER, MOTHER_PHONE).tries_left == 3


def test_applicant_mistakes_count_apart_from_the_answers(world, make_deps) -> None:
    # v3: a phone typo in part (a) costs no answers of Шаг 1
    state = passed(make_deps)
    for n in range(5):
        result = Reregistration(make_deps()).applicant(state, FATHER, MOTHER_PHONE)
        assert result.tries_left == 4 - n
    assert Reregistration(make_deps()).applicant(state, FATHER, FATHER_PHONE) == Locked(timedelta(hours=1))
    assert Reregistration(make_deps()).answer(ReregState(), answers(status="attends")).tries_left == 4
    # another applicant IIN from this address is not locked
    assert isinstance(Reregistration(make_deps()).applicant(state, MOTHER, MOTHER_PHONE), codes.Sent)


def test_applicant_registry_outage_counts_nothing(world, make_deps, registry, phone) -> None:
    state = passed(make_deps)
    registry.down = True
    for _ in range(10):
        assert Reregistration(make_deps()).applicant(state, MOTHER, MOTHER_PHONE) is Unavailable.REGISTRY
    registry.down = False
    assert Reregistration(make_deps()).applicant(state, FATHER, MOTHER_PHONE).tries_left == 4


def test_no_app_on_the_phone_opens_the_binding_steps(world, make_deps, phone) -> None:
    state = passed(make_deps)
    assert Reregistration(make_deps()).applicant(state, FATHER, FATHER_PHONE) == NeedsApp()
    assert state.part is Part.NO_APP and phone(FATHER_PHONE) == []


def test_no_app_then_the_code_by_sms(world, make_deps, phone) -> None:
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    flow.applicant(state, FATHER, FATHER_PHONE)
    assert flow.send_sms_code(state) == codes.Sent(codes.Channel.SMS)
    assert state.part is Part.CODE and state.channel == "sms"
    message = phone(FATHER_PHONE)[0]
    assert (message.channel, message.kind, message.link) == ("sms", "code_reregister", None)
    assert flow.confirm(state, message.code) == codes.Verified(codes.Channel.SMS)
    assert state.part is Part.PASSWORD


def test_no_app_then_binding_the_app_then_the_code(world, make_deps, phone, db) -> None:
    state = passed(make_deps)
    flow = Reregistration(make_deps())
    flow.applicant(state, FATHER, FATHER_PHONE)
    assert flow.app_bound(state) == NeedsApp()
    assert flow.send_binding_sms(state) == binding.SmsSent(FATHER_PHONE)
    assert state.binding_sms_sent
    assert isinstance(binding.bind(make_deps(), phone=FATHER_PHONE, secret=phone.otp(FATHER_PHONE),
                                   install_id="fathers", name="A52", push_token=None), binding.Bound)
    assert flow.app_bound(state) == codes.Sent(codes.Channel.APP)
    assert flow.confirm(state, phone.code(FATHER_PHONE, "app")) == codes.Verified(codes.Channel.APP)


def test_changing_the_applicant_cancels_the_later_parts(world, make_deps, phone) -> None:
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    assert state.part is Part.PASSWORD
    state.change_applicant()
    assert state.part is Part.APPLICANT and state.confirmed_until is None
    assert isinstance(Reregistration(make_deps()).finish(state, PASSWORD), accounts.ConfirmationExpired)


def test_resend_and_delivery(world, make_deps, phone, clock) -> None:
    state = passed(make_deps)
    Reregistration(make_deps()).applicant(state, MOTHER, MOTHER_PHONE)
    assert Reregistration(make_deps()).resend(state) == codes.TooSoon(60)
    assert Reregistration(make_deps()).delivery(state).resend_in == 60
    clock.advance(60)
    assert Reregistration(make_deps()).resend(state) == codes.Sent(codes.Channel.APP)
    assert phone.kinds(MOTHER_PHONE) == ["app:code_reregister", "app:code_reregister"]


# -- part (c) and what moves -----------------------------------------------------------------------------

def test_completion_moves_only_the_children_naming_the_applicant(world, make_deps, phone, db) -> None:
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    done = Reregistration(make_deps()).finish(state, PASSWORD)
    db.commit()
    assert done.outcome is reregistration.Outcome.NEW and done.children == 1
    assert done.cabinet.iin == MOTHER and done.cabinet.phone == MOTHER_PHONE
    assert passwords.verify_password(done.cabinet.password_hash, PASSWORD)
    assert [c.iin for c in done.cabinet.children] == [CHILD]
    old = accounts.find(db, OLD_HOLDER)
    assert [c.iin for c in old.children] == [SIBLING]
    assert old.session_epoch == 4 and old.security_epoch == 1  # the previous holder's sessions end
    # The new owner's Лента событий starts without the previous holder's history.
    events = db.scalars(select(CabinetEvent).where(CabinetEvent.cabinet_id == done.cabinet.id)).all()
    assert [e.kind for e in events] == ["reregistered"]
    assert phone.kinds(OLD_PHONE) == ["app:rereg_away"]
    assert phone.kinds(MOTHER_PHONE)[-1] == "app:rereg_here"


def test_the_old_phone_without_an_app_hears_by_sms(world, make_deps, phone, db) -> None:
    db.execute(AppDevice.__table__.update().where(AppDevice.phone == OLD_PHONE).values(phone=None))
    db.commit()
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    Reregistration(make_deps()).finish(state, PASSWORD)
    received = phone(OLD_PHONE)
    assert [(m.channel, m.kind) for m in received] == [("sms", "rereg_away")]
    assert "+777****6543" in received[0].text


def test_an_applicant_with_a_cabinet_gets_the_children_in_it(world, make_deps, phone, db, clock) -> None:
    own = Cabinet(iin=MOTHER, phone="+77010000001", session_epoch=0, created_at=clock.now(),
                  password_hash=passwords.hash_password("Old!password12"))
    db.add(own)
    db.commit()
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    done = Reregistration(make_deps()).finish(state, PASSWORD)
    assert done.cabinet.id == own.id and done.outcome is reregistration.Outcome.JOINED
    assert own.phone == MOTHER_PHONE and own.session_epoch == 1


def test_a_child_known_only_to_the_registry_moves_too(world, make_deps, phone, db, registry) -> None:
    # no local queue record: re-registration makes one, in the applicant's new cabinet
    only_there = "190301500112"
    registry.children[only_there] = ChildRecord(only_there, "III-ПВ 112233", (FATHER,), "attends", "Санжар")
    registry.phones[FATHER] = [MOTHER_PHONE]  # a phone with the app, for a short test
    state = ReregState()
    right = Answers(only_there, "III-ПВ 112233", FATHER, "", "attends")
    assert Reregistration(make_deps()).answer(state, right) == Passed()
    confirmed(make_deps, phone, state, iin=FATHER)
    done = Reregistration(make_deps()).finish(state, PASSWORD)
    db.commit()
    assert (done.outcome, done.children) == (reregistration.Outcome.NEW, 1)
    child = db.get(Child, only_there)
    assert child.cabinet_id == done.cabinet.id and child.parents == (FATHER,)
    assert (child.full_name, child.status) == ("Санжар", "attends")
    assert phone.kinds(MOTHER_PHONE)[-1] == "app:rereg_here" and phone(OLD_PHONE) == []


def test_finish_needs_a_confirmed_code(world, make_deps) -> None:
    state = passed(make_deps)
    assert isinstance(Reregistration(make_deps()).finish(state, PASSWORD), accounts.ConfirmationExpired)


def test_the_confirmation_holds_30_minutes(world, make_deps, phone, clock) -> None:
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    clock.advance(minutes=30)
    assert isinstance(Reregistration(make_deps()).finish(state, PASSWORD), accounts.ConfirmationExpired)
    assert state.part is Part.APPLICANT


def test_weak_password_or_one_with_the_applicants_phone_is_refused(world, make_deps, phone) -> None:
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    assert isinstance(Reregistration(make_deps()).finish(state, "Aa!x7759876543"), accounts.PasswordRefused)
    assert isinstance(Reregistration(make_deps()).finish(state, "short"), accounts.PasswordRefused)
    assert isinstance(Reregistration(make_deps()).finish(state, PASSWORD), reregistration.Done)


def test_the_registry_away_at_the_end_keeps_the_confirmation(world, make_deps, phone, registry, db) -> None:
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    registry.down = True
    assert Reregistration(make_deps()).finish(state, PASSWORD) is Unavailable.REGISTRY
    registry.down = False
    assert isinstance(Reregistration(make_deps()).finish(state, PASSWORD), reregistration.Done)


# -- under attack: the phone first ------------------------------------------------------------------------

def strangers_use_up_the_child(make_deps) -> None:
    for n in range(20):
        Reregistration(make_deps(address=f"6.6.{n}.1")).answer(ReregState(), answers(status="attends"))


def test_phone_first_lets_the_parent_in_while_strangers_used_up_the_answers(world, make_deps, phone, db) -> None:
    strangers_use_up_the_child(make_deps)
    state = ReregState()
    flow = Reregistration(make_deps(address="1.2.3.4"))
    assert flow.answer(state, RIGHT) == PhoneFirst()
    assert state.phone_first and state.part is Part.APPLICANT
    assert flow.applicant(state, MOTHER, MOTHER_PHONE) == codes.Sent(codes.Channel.APP)
    assert flow.confirm(state, phone.code(MOTHER_PHONE)) == PhoneConfirmed()
    assert state.phone_confirmed and not state.passed(flow.deps.now)
    assert flow.answer(state, RIGHT) == Passed()
    assert state.part is Part.PASSWORD  # the phone is confirmed already: on to the password
    done = flow.finish(state, PASSWORD)
    db.commit()
    assert isinstance(done, reregistration.Done) and done.cabinet.iin == MOTHER


def test_confirmed_phones_have_answers_of_their_own(world, make_deps, phone, clock) -> None:
    strangers_use_up_the_child(make_deps)
    state = ReregState()
    flow = Reregistration(make_deps())
    flow.answer(state, RIGHT)
    flow.applicant(state, MOTHER, MOTHER_PHONE)
    flow.confirm(state, phone.code(MOTHER_PHONE))
    lefts = [Reregistration(make_deps()).answer(state, answers(status="attends")).tries_left for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]  # 5 per confirmed phone per hour
    assert Reregistration(make_deps()).answer(state, RIGHT) == Locked(timedelta(hours=1))
    clock.advance(hours=1)
    assert Reregistration(make_deps()).answer(state, RIGHT) == Passed()


def test_phone_first_still_needs_the_applicant_to_be_a_parent(world, make_deps, phone, registry) -> None:
    strangers_use_up_the_child(make_deps)
    stranger, stranger_phone = "880302301234", "+77770000000"
    registry.phones[stranger] = [stranger_phone]
    bind_app(make_deps().db, stranger_phone, make_deps().now)
    state = ReregState()
    flow = Reregistration(make_deps())
    flow.answer(state, RIGHT)
    flow.applicant(state, stranger, stranger_phone)  # their own phone: it confirms
    assert flow.confirm(state, phone.code(stranger_phone)) == PhoneConfirmed()
    assert isinstance(flow.answer(state, RIGHT), Mismatch)  # right answers, but not their child


def test_phone_first_codes_count_apart_from_the_childs(world, make_deps, phone) -> None:
    strangers_use_up_the_child(make_deps)
    state = ReregState()
    Reregistration(make_deps()).answer(state, RIGHT)
    Reregistration(make_deps()).applicant(state, MOTHER, MOTHER_PHONE)
    assert Reregistration(make_deps()).target(state).subject == f"rereg-phone:{MOTHER_PHONE}"


def test_the_old_holders_codes_and_links_die_with_the_change(world, make_deps, phone, db) -> None:
    from webapp.services import links
    from webapp.services.codes import Target
    from webapp.services.epoch import subject

    codes.send(make_deps(address="9.9.9.9"), Target("recovery", subject(world), OLD_PHONE, world), "old",
               codes.Channel.APP)
    token = phone.token(OLD_PHONE)
    state = passed(make_deps)
    confirmed(make_deps, phone, state)
    Reregistration(make_deps()).finish(state, PASSWORD)
    db.commit()
    assert isinstance(links.look(make_deps(), token), links.Invalid)
