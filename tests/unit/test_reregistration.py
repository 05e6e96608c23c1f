"""Step 1 matching truth table and the all-or-nothing completion."""
from __future__ import annotations

import pytest

from webapp.models import Cabinet, CabinetEvent, Child
from webapp.services import accounts, passwords, reregistration
from webapp.services.gateways import ChildRecord, GatewayUnavailable
from webapp.services.reregistration import Answers, matches

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


class Registry:
    def __init__(self, record: ChildRecord | None = RECORD, phones: dict | None = None, down: bool = False):
        self.record, self.phones, self.down = record, phones or {}, down

    def child(self, iin: str):
        if self.down:
            raise GatewayUnavailable()
        return self.record

    def phones_of(self, iin: str):
        if self.down:
            raise GatewayUnavailable()
        return self.phones.get(iin, [])


LIMIT = reregistration.client_limit(30)


def test_failures_are_limited_per_child_and_told_in_time(db, clock) -> None:
    for _ in range(4):
        result = reregistration.check_answers(db, Registry(), answers(status="attends"),
                                              client="1.2.3.4", now=clock.now(), per_client=LIMIT)
        assert result == reregistration.Mismatch(None)
    fifth = reregistration.check_answers(db, Registry(), answers(status="attends"),
                                         client="1.2.3.4", now=clock.now(), per_client=LIMIT)
    assert fifth.locked_for is not None
    locked = reregistration.check_answers(db, Registry(), RIGHT, client="5.6.7.8",
                                          now=clock.now(), per_client=LIMIT)
    assert isinstance(locked, reregistration.Locked)


def test_registry_outage_consumes_no_attempt(db, clock) -> None:
    for _ in range(10):
        assert reregistration.check_answers(db, Registry(down=True), RIGHT, client="c",
                                            now=clock.now(), per_client=LIMIT) is reregistration.Unavailable.REGISTRY
    assert isinstance(reregistration.check_answers(db, Registry(), RIGHT, client="c", now=clock.now(),
                                                   per_client=LIMIT), reregistration.Passed)


def test_applicant_checks() -> None:
    registry = Registry(phones={MOTHER: ["+77759876543"]})
    parents = (MOTHER, FATHER)
    assert reregistration.check_applicant(registry, parents, MOTHER, "+77759876543") is None
    assert reregistration.check_applicant(registry, parents, "880302301234", "+77759876543") \
        is reregistration.ApplicantError.NOT_A_PARENT
    assert reregistration.check_applicant(registry, parents, FATHER, "+77759876543") \
        is reregistration.ApplicantError.PHONE_NOT_IN_BMG


def test_completion_moves_the_cabinet_with_all_children(db, clock, notifier) -> None:
    old = Cabinet(iin="651120401014", phone="+77022229223", session_epoch=3, created_at=clock.now(),
                  password_hash=passwords.hash_password("Bayterek?1997x"))
    db.add(old)
    db.flush()
    db.add_all([Child(iin=CHILD, full_name="A", birth_certificate="1", parent1_iin=MOTHER,
                      parent2_iin=FATHER, status="queue", cabinet_id=old.id),
                Child(iin="230211602097", full_name="B", birth_certificate="2", parent1_iin=MOTHER,
                      parent2_iin=None, status="attends", cabinet_id=old.id)])
    notifier.bound = {"+77022229223", "+77759876543"}
    done = reregistration.complete(db, notifier, child_iin=CHILD, applicant_iin=MOTHER,
                                   phone="+77759876543", password="Amina!Kezek2026", client="c",
                                   now=clock.now())
    assert done.outcome is reregistration.Outcome.MOVED
    assert done.cabinet.iin == MOTHER and done.cabinet.phone == "+77759876543"
    assert done.cabinet.session_epoch == 4
    assert len(done.cabinet.children) == 2
    assert accounts.find(db, "651120401014") is None
    assert [(p, k) for p, k, _ in notifier.sent] == [("+77022229223", "rereg_away"),
                                                       ("+77759876543", "rereg_here")]
    kinds = {e.kind for e in db.query(CabinetEvent).all()}
    assert {"reregistered", "password_changed"} <= kinds
