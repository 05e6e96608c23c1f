"""The recovery flow as a service: start (counted), the code or the link first, then the password."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.unit.conftest import bind_app, wrong
from webapp.models import AuditEvent, Cabinet, CabinetEvent
from webapp.services import accounts, binding, codes, links, passwords
from webapp.services.accounts import AlreadyDone, ConfirmationExpired, PasswordRefused
from webapp.services.recovery import (Confirmed, NotBoundYet, NumberElsewhere, PasswordSet, Recovery,
                                      RecoveryState, RegistryDown, Started, Step, TooManyStarts)

IIN, PHONE = "900515401230", "+77057546868"
NEW_PASSWORD = "Samal!Kokshe2026"
UNKNOWN = "850505309997"
APP, SMS = codes.Channel.APP, codes.Channel.SMS


@pytest.fixture
def cabinet(db, clock, registry) -> Cabinet:
    row = Cabinet(iin=IIN, phone=PHONE, password_hash=passwords.hash_password("Tulpar!2024abc"),
                  session_epoch=0, created_at=clock.now())
    db.add(row)
    db.commit()
    registry.phones[IIN] = [PHONE]
    return row


@pytest.fixture
def bound(db, clock, cabinet) -> Cabinet:
    bind_app(db, PHONE, clock.now())
    return cabinet


def test_start_sends_the_code_and_tells_only_the_masked_phone(bound, make_deps, phone) -> None:
    state, outcome = Recovery(make_deps()).start(IIN)
    assert outcome == Started(sent=codes.Sent(APP))
    assert state.step is Step.CODE and state.masked_phone == "+770****6868" and not state.setup
    assert PHONE not in str(state.to_dict())
    assert phone.kinds(PHONE) == ["app:code_recovery"]


def test_the_audit_trail_holds_a_pseudonym_not_the_iin(bound, make_deps, db) -> None:
    deps = make_deps()
    Recovery(deps).start(IIN)
    row = db.scalars(select(AuditEvent).where(AuditEvent.kind == "recovery_started")).one()
    assert row.subject == deps.pseudonyms.of(IIN) and IIN not in str(row.subject) + str(row.detail)


def test_unknown_iin(bound, make_deps, phone) -> None:
    state, _ = Recovery(make_deps()).start(UNKNOWN)
    assert state.step is Step.NO_CABINET and state.masked_phone == ""


def test_no_app_is_case_2_until_the_app_is_bound(cabinet, make_deps, phone, db, clock) -> None:
    flow = Recovery(make_deps())
    state, outcome = flow.start(IIN)
    assert state.step is Step.NO_APP and outcome == Started() and phone(PHONE) == []
    assert flow.app_bound(state) == NotBoundYet()
    bind_app(db, PHONE, clock.now())
    assert flow.app_bound(state) == Started(sent=codes.Sent(APP)) and state.step is Step.CODE


def test_starts_are_counted_per_address(bound, make_deps) -> None:
    for _ in range(20):
        Recovery(make_deps()).start(UNKNOWN)
    state, outcome = Recovery(make_deps()).start(IIN)
    assert state is None and isinstance(outcome, TooManyStarts)
    assert Recovery(make_deps(address="2.2.2.2")).start(IIN)[0] is not None


def test_code_then_password(bound, make_deps, phone, db) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert isinstance(flow.set_password(state, NEW_PASSWORD), ConfirmationExpired)
    assert flow.confirm(state, phone.code(PHONE)) == Confirmed(bound.id)
    assert state.step is Step.PASSWORD
    refused = flow.set_password(state, f"Aa!{IIN}")
    assert isinstance(refused, PasswordRefused)
    done = flow.set_password(state, NEW_PASSWORD)
    db.commit()
    assert done == PasswordSet(bound, first=False)
    assert bound.session_epoch == 1 and passwords.verify_password(bound.password_hash, NEW_PASSWORD)
    # the app is bound: it hears of it, and no SMS goes
    assert phone.kinds(PHONE) == ["app:code_recovery", "app:password_changed"]
    assert [e.kind for e in db.scalars(select(CabinetEvent))] == ["password_changed"]


def test_a_double_submit_changes_the_password_once(bound, make_deps, phone, db) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    flow.confirm(state, phone.code(PHONE))
    twin = RecoveryState.from_dict(state.to_dict())  # the second click carries the same session
    assert isinstance(flow.set_password(state, NEW_PASSWORD), PasswordSet)
    db.commit()
    assert not isinstance(Recovery(make_deps()).set_password(twin, "Other!Kokshe2026"), PasswordSet)
    assert passwords.verify_password(bound.password_hash, NEW_PASSWORD)


def test_one_confirmation_allows_one_change(bound, make_deps) -> None:
    deps = make_deps()
    until = deps.now + timedelta(minutes=30)
    ask = dict(confirmed_until=until, nonce="n", password=NEW_PASSWORD, iin=IIN, phone=PHONE)
    assert accounts.confirmed_password(deps, **ask) is None
    assert accounts.confirmed_password(deps, **ask) == AlreadyDone()


def test_without_an_app_the_password_change_is_told_by_sms(cabinet, make_deps, phone, db) -> None:
    # v3: with no app bound to the number, the SIM hears of a password change.
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert flow.send_sms_code(state) == codes.Sent(SMS)
    flow.confirm(state, phone.code(PHONE))
    flow.set_password(state, NEW_PASSWORD)
    db.commit()
    assert phone.kinds(PHONE)[-2:] == ["app:password_changed", "sms:password_changed"]


def test_the_confirmation_holds_30_minutes(bound, make_deps, phone, clock) -> None:
    state, _ = Recovery(make_deps()).start(IIN)
    Recovery(make_deps()).confirm(state, phone.code(PHONE))
    clock.advance(minutes=29, seconds=59)
    assert isinstance(Recovery(make_deps()).set_password(state, "short"), PasswordRefused)
    clock.advance(1)
    assert isinstance(Recovery(make_deps()).set_password(state, NEW_PASSWORD), ConfirmationExpired)
    assert state.step is Step.CODE


def test_a_change_of_the_cabinet_ends_the_confirmation(bound, make_deps, phone, db, clock) -> None:
    state, _ = Recovery(make_deps()).start(IIN)
    Recovery(make_deps()).confirm(state, phone.code(PHONE))
    # meanwhile the app is bound anew on another handset: the security epoch moves
    binding.send_sms(make_deps(address="5.5.5.5"), PHONE, bound.id)
    assert isinstance(binding.bind(make_deps(address="5.5.5.5"), phone=PHONE, secret=phone.otp(PHONE),
                                   install_id="new", name="Pixel", push_token=None), binding.Bound)
    assert isinstance(Recovery(make_deps()).set_password(state, NEW_PASSWORD), ConfirmationExpired)


def test_the_phone_inside_a_password_is_refused_after_proof(bound, make_deps, phone) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    flow.confirm(state, phone.code(PHONE))
    assert isinstance(flow.set_password(state, "Aa!x7057546868"), PasswordRefused)


def test_state_round_trips_through_the_session(bound, make_deps) -> None:
    state, _ = Recovery(make_deps()).start(IIN)
    assert RecoveryState.from_dict(state.to_dict()) == state
    assert RecoveryState.from_dict({"step": "nonsense"}) is None
    assert RecoveryState.from_dict("garbage") is None


# -- case 2: the code by SMS ---------------------------------------------------------------------

def test_case_2_sends_the_code_and_a_link_by_sms(cabinet, make_deps, phone) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert flow.send_sms_code(state) == codes.Sent(SMS)
    assert state.step is Step.CODE and state.channel == "sms"
    message = phone(PHONE)[0]
    assert (message.channel, message.kind, message.status) == ("sms", "code_recovery", "queued")
    assert message.link.startswith("https://cabinet.ed24.kz/r/")
    assert flow.confirm(state, message.code) == Confirmed(cabinet.id)


def test_the_sms_code_is_also_offered_under_the_app_code(bound, make_deps, phone, clock) -> None:
    # the owner holds the SIM but not the handset the app is bound to
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    clock.advance(60)
    flow = Recovery(make_deps())  # a request of its own, a minute later
    assert flow.send_sms_code(state) == codes.Sent(SMS)
    assert flow.delivery(state) == codes.Delivery("sending", SMS)
    assert flow.confirm(state, phone.code(PHONE, "sms")) == Confirmed(bound.id)


def test_resend_goes_the_way_the_last_code_went(cabinet, make_deps, phone, deliver, clock) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    flow.send_sms_code(state)
    deliver()
    clock.advance(120)
    assert Recovery(make_deps()).resend(state) == codes.Sent(SMS)
    assert phone.kinds(PHONE) == ["sms:code_recovery", "sms:code_recovery"]


def test_no_sms_to_a_number_bmg_lists_under_another_iin(cabinet, make_deps, registry, phone) -> None:
    registry.phones = {"651120401014": [PHONE]}  # the number was passed on
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert flow.send_sms_code(state) == NumberElsewhere()
    assert state.step is Step.FOREIGN and phone(PHONE) == []
    assert flow.send_sms_code(state) is None


def test_a_number_bmg_lists_under_nobody_still_gets_the_sms(cabinet, make_deps, registry) -> None:
    registry.phones = {}
    state, _ = Recovery(make_deps()).start(IIN)
    assert Recovery(make_deps()).send_sms_code(state) == codes.Sent(SMS)


def test_the_registry_away_sends_and_counts_nothing(cabinet, make_deps, registry, phone) -> None:
    state, _ = Recovery(make_deps()).start(IIN)
    registry.down = True
    for _ in range(10):
        assert Recovery(make_deps()).send_sms_code(state) == RegistryDown()
    assert phone(PHONE) == [] and state.step is Step.NO_APP
    registry.down = False
    assert Recovery(make_deps()).send_sms_code(state) == codes.Sent(SMS)


def test_the_binding_sms_of_the_apps_instructions(cabinet, make_deps, phone) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert flow.send_binding_sms(state) == binding.SmsSent(PHONE)
    assert state.binding_sms_sent and phone.kinds(PHONE) == ["sms:binding_otp"]
    assert len(phone.otp(PHONE)) == 12


# -- the link ---------------------------------------------------------------------------------------

def test_the_link_opens_the_password_step_in_any_browser(bound, make_deps, phone, db) -> None:
    Recovery(make_deps()).start(IIN)
    other_browser = make_deps(address="7.7.7.7")
    opened = links.look(other_browser, phone.token(PHONE))
    assert isinstance(opened, links.Opened)
    state = Recovery(other_browser).open_link(opened.token_hash)
    assert isinstance(state, RecoveryState) and state.step is Step.PASSWORD
    assert state.masked_phone == "+770****6868" and not state.setup
    assert isinstance(Recovery(other_browser).set_password(state, NEW_PASSWORD), PasswordSet)
    db.commit()
    assert passwords.verify_password(bound.password_hash, NEW_PASSWORD)


def test_a_link_used_once_does_not_open_again(bound, make_deps, phone, db) -> None:
    Recovery(make_deps()).start(IIN)
    opened = links.look(make_deps(), phone.token(PHONE))
    assert isinstance(Recovery(make_deps()).open_link(opened.token_hash), RecoveryState)
    db.commit()
    assert isinstance(Recovery(make_deps(address="8.8.8.8")).open_link(opened.token_hash), links.Invalid)


def test_the_new_password_retires_every_other_code_and_link(bound, make_deps, phone, db, clock) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    first_link = phone.token(PHONE)
    clock.advance(60)
    flow.resend(state)
    code = phone.code(PHONE)
    opened = links.look(make_deps(), phone.token(PHONE))
    by_link = Recovery(make_deps()).open_link(opened.token_hash)
    assert isinstance(Recovery(make_deps()).set_password(by_link, NEW_PASSWORD), PasswordSet)
    db.commit()
    assert isinstance(links.look(make_deps(), first_link), links.Invalid)
    assert flow.confirm(state, code) is codes.Refusal.NO_CODE
    assert all(m.code is None and m.link is None for m in phone(PHONE))


def test_first_password_by_code(db, make_deps, phone, clock) -> None:
    row = Cabinet(iin="950630406127", phone="+77479223344", password_hash=None, session_epoch=0,
                  created_at=clock.now())
    db.add(row)
    db.commit()
    bind_app(db, row.phone, clock.now())
    flow = Recovery(make_deps())
    state, _ = flow.start(row.iin)
    assert state.setup and phone.kinds(row.phone) == ["app:code_setup"]
    flow.confirm(state, phone.code(row.phone))
    assert flow.set_password(state, NEW_PASSWORD) == PasswordSet(row, first=True)
    db.commit()
    assert [e.kind for e in db.scalars(select(CabinetEvent))] == ["password_set"]


def test_first_password_by_link_stays_a_first_password(db, make_deps, phone, clock) -> None:
    row = Cabinet(iin="950630406127", phone="+77479223344", password_hash=None, session_epoch=0,
                  created_at=clock.now())
    db.add(row)
    db.commit()
    bind_app(db, row.phone, clock.now())
    Recovery(make_deps()).start(row.iin)
    opened = links.look(make_deps(), phone.token(row.phone))
    state = Recovery(make_deps()).open_link(opened.token_hash)
    assert state.setup
    assert Recovery(make_deps()).set_password(state, NEW_PASSWORD) == PasswordSet(row, first=True)


def test_the_link_works_after_typed_codes_are_locked(bound, make_deps, phone, clock) -> None:
    # Wrong codes from other browsers close typed codes to them; links keep working.
    for n in range(3):
        address = f"6.6.6.{n}"
        for _ in range(2):
            state, _ = Recovery(make_deps(address=address)).start(IIN)
            for _ in range(5):
                Recovery(make_deps(address=address)).confirm(state, wrong(phone.code(PHONE)))
            clock.advance(60)
        clock.advance(hours=1)
    state, _ = Recovery(make_deps(address="1.2.3.4")).start(IIN)
    assert isinstance(Recovery(make_deps(address="1.2.3.4")).confirm(state, phone.code(PHONE)), codes.Locked)
    opened = links.look(make_deps(address="1.2.3.4"), phone.token(PHONE))
    assert isinstance(Recovery(make_deps(address="1.2.3.4")).open_link(opened.token_hash), RecoveryState)


def test_the_code_step_says_when_it_went(cabinet, make_deps, deliver, clock) -> None:
    flow = Recovery(make_deps())
    state, _ = flow.start(IIN)
    assert flow.delivery(state) == codes.Delivery("none")
    flow.send_sms_code(state)
    clock.advance(5)
    deliver()
    clock.advance(10)
    assert Recovery(make_deps()).delivery(state) == codes.Delivery("sent", SMS, clock.now() - timedelta(seconds=10),
                                                                   50)
