"""Confirmation codes with a fake clock: lifetime, resend, tries, limits, and sending by SMS.

Codes are read from the phone (the outbox, opened with the sealer), as the parent reads them.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.unit.conftest import wrong
from webapp.models import Cabinet, ConfirmationCode, OutboxMessage
from webapp.services import codes, links
from webapp.services.codes import Channel, Target
from webapp.services.context import Policy
from webapp.services.epoch import subject
from webapp.services.gateways import PermanentFailure
from webapp.services.limits import AccountLimits, Limit

PHONE, OTHER_PHONE = "+77057546868", "+77011231885"
NONCE = "session-nonce"
APP, SMS = Channel.APP, Channel.SMS


def cabinet_for(db, clock, iin: str, number: str) -> Cabinet:
    row = Cabinet(iin=iin, phone=number, session_epoch=0, created_at=clock.now())
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def cabinet(db, clock) -> Cabinet:
    return cabinet_for(db, clock, "900515401230", PHONE)


@pytest.fixture
def target(cabinet) -> Target:
    return Target("recovery", subject(cabinet), PHONE, cabinet)


@pytest.fixture
def other(db, clock) -> Target:
    row = cabinet_for(db, clock, "870123302154", OTHER_PHONE)
    return Target("recovery", subject(row), OTHER_PHONE, row)


def send(make_deps, target: Target, nonce: str = NONCE, channel: Channel = APP, **client):
    return codes.send(make_deps(**client), target, nonce, channel)


def verify(make_deps, target: Target, code: str, nonce: str = NONCE, **client):
    return codes.verify(make_deps(**client), target, nonce, code)


@pytest.mark.parametrize("raw, cleaned, error", [
    ("123456", "123456", None), (" 123 456 ", "123456", None), ("", "", codes.FormatError.EMPTY),
    (None, "", codes.FormatError.EMPTY),
    ("12345", "12345", codes.FormatError.NOT_6_DIGITS), ("1234567", "1234567", codes.FormatError.NOT_6_DIGITS),
    ("١٢٣٤٥٦", "١٢٣٤٥٦", codes.FormatError.NOT_6_DIGITS), ("12a456", "12a456", codes.FormatError.NOT_6_DIGITS),
])
def test_format(raw, cleaned: str, error) -> None:
    assert codes.clean(raw) == (cleaned, error)


def test_code_is_six_digits_and_stored_hashed(db, make_deps, target, phone) -> None:
    assert send(make_deps, target) == codes.Sent(APP)
    code = phone.code(PHONE)
    assert len(code) == 6 and code.isdigit()
    row = db.scalars(select(ConfirmationCode)).one()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert NONCE not in row.requester_hash
    message = db.get(OutboxMessage, row.message_id)
    assert code not in message.text and code not in (message.sealed or "")


def test_right_code_verifies_once(make_deps, target, phone) -> None:
    send(make_deps, target)
    code = phone.code(PHONE)
    assert verify(make_deps, target, code) == codes.Verified(APP)
    assert verify(make_deps, target, code) is codes.Refusal.NO_CODE


def test_a_used_code_leaves_the_phone(make_deps, target, phone) -> None:
    send(make_deps, target)
    verify(make_deps, target, phone.code(PHONE))
    newest = phone(PHONE)[0]
    assert newest.kind == "code_recovery" and newest.code is None and newest.link is None


def test_a_code_works_only_in_the_session_that_asked(make_deps, target, phone) -> None:
    send(make_deps, target)
    assert verify(make_deps, target, phone.code(PHONE), nonce="another session") is codes.Refusal.NO_CODE


def test_the_last_three_codes_of_a_session_work(make_deps, target, phone, clock) -> None:
    # v3: messages may arrive out of order, so the session's last 3 unexpired codes work
    # (v2: only the newest).
    sent = []
    for _ in range(4):
        assert send(make_deps, target) == codes.Sent(APP)
        sent.append(phone.code(PHONE))
        clock.advance(60)
    oldest, *last_three = sent
    if oldest not in last_three:
        assert isinstance(verify(make_deps, target, oldest), codes.Wrong)
    assert verify(make_deps, target, last_three[0]) == codes.Verified(APP)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_any_of_the_last_three_works(make_deps, target, phone, clock, which: int) -> None:
    sent = []
    for _ in range(3):
        send(make_deps, target)
        sent.append(phone.code(PHONE))
        clock.advance(60)
    assert verify(make_deps, target, sent[which]) == codes.Verified(APP)


def test_tries_count_across_the_live_codes(make_deps, target, phone, clock) -> None:
    # v3: a wrong try counts against every live code of the session: 3 codes give no more
    # than 5 tries in all.
    sent = []
    for _ in range(3):
        send(make_deps, target)
        sent.append(phone.code(PHONE))
        clock.advance(60)
    bad = next(c for c in (f"{n:06d}" for n in range(1000)) if c not in sent)
    lefts = [verify(make_deps, target, bad).tries_left for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    for code in sent:
        assert verify(make_deps, target, code) is codes.Refusal.USED_UP


def test_a_new_code_after_five_wrong_tries_has_tries_of_its_own(make_deps, target, phone, clock) -> None:
    send(make_deps, target)
    dead = phone.code(PHONE)
    for _ in range(5):
        verify(make_deps, target, wrong(dead))
    clock.advance(60)
    send(make_deps, target)
    fresh = phone.code(PHONE)
    assert verify(make_deps, target, fresh) == codes.Verified(APP)


def test_expiry_at_exactly_five_minutes(make_deps, target, phone, clock) -> None:
    send(make_deps, target)
    code = phone.code(PHONE)
    clock.advance(minutes=4, seconds=59)
    assert isinstance(verify(make_deps, target, wrong(code)), codes.Wrong)
    clock.advance(seconds=1)
    assert verify(make_deps, target, code) is codes.Refusal.EXPIRED


def test_the_phone_stops_showing_an_expired_code(make_deps, target, phone, clock) -> None:
    send(make_deps, target)
    clock.advance(minutes=5)
    newest = phone(PHONE)[0]
    assert newest.code is None and newest.link is not None  # the link lives 60 minutes


def test_resend_at_59_and_60_seconds(make_deps, target, clock, phone) -> None:
    send(make_deps, target)
    assert codes.delivery(make_deps(), target, NONCE).resend_in == 60
    clock.advance(59)
    assert send(make_deps, target) == codes.TooSoon(1)
    assert codes.delivery(make_deps(), target, NONCE).resend_in == 1
    clock.advance(1)
    assert send(make_deps, target) == codes.Sent(APP)
    assert phone.kinds(PHONE) == ["app:code_recovery", "app:code_recovery"]


def test_another_browser_also_waits_60_seconds_and_is_told_of_the_link(make_deps, target, clock) -> None:
    # Not "TooSoon": that browser asked for nothing yet; the code just sent carries a link.
    send(make_deps, target)
    clock.advance(30)
    assert send(make_deps, target, nonce="other browser", address="2.2.2.2") == codes.Capped(timedelta(seconds=30))


def test_five_wrong_tries_per_code_then_it_is_dead(make_deps, target, phone) -> None:
    send(make_deps, target)
    code = phone.code(PHONE)
    lefts = [verify(make_deps, target, wrong(code)).tries_left for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    assert verify(make_deps, target, code) is codes.Refusal.USED_UP


def test_a_resend_never_resets_the_counts(make_deps, target, phone, clock) -> None:
    for _ in range(2):
        send(make_deps, target)
        for _ in range(5):
            verify(make_deps, target, wrong(phone.code(PHONE)))
        clock.advance(60)
    send(make_deps, target)
    result = verify(make_deps, target, phone.code(PHONE))
    assert isinstance(result, codes.Locked) and result.wait > timedelta(hours=1, minutes=50)


def test_ten_wrong_per_cabinet_and_address_lock_for_two_hours(make_deps, target, phone, clock) -> None:
    for _round in range(2):
        send(make_deps, target)
        for _ in range(5):
            last = verify(make_deps, target, wrong(phone.code(PHONE)))
        clock.advance(60)
    assert last.locked_for == timedelta(hours=2)
    clock.advance(hours=2)
    send(make_deps, target)
    assert verify(make_deps, target, phone.code(PHONE)) == codes.Verified(APP)


def test_a_stranger_cannot_lock_the_owners_known_device_out(make_deps, target, cabinet, phone, clock) -> None:
    for address in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        for _ in range(2):
            send(make_deps, target, address=address)
            for _ in range(5):
                verify(make_deps, target, wrong(phone.code(PHONE)), address=address)
            clock.advance(60)
        clock.advance(hours=1)  # past the 5 sends per (phone, purpose) per hour
    # 30 wrong from other browsers: typed codes are closed to them for 24 hours...
    send(make_deps, target, address="4.4.4.4")
    assert isinstance(verify(make_deps, target, phone.code(PHONE), address="4.4.4.4"), codes.Locked)
    # ...but the owner's known device has counts of its own.
    owner = {"address": "1.1.1.1", "device": "owners-phone", "known": frozenset({cabinet.id})}
    clock.advance(60)
    assert send(make_deps, target, nonce="owner", **owner) == codes.Sent(APP)
    assert verify(make_deps, target, phone.code(PHONE), nonce="owner", **owner) == codes.Verified(APP)


def test_twenty_wrong_per_address_across_cabinets(db, make_deps, phone, clock) -> None:
    targets = []
    for n in range(6):
        row = cabinet_for(db, clock, f"iin-{n}", f"+7701000000{n}")
        targets.append(Target("recovery", subject(row), row.phone, row))
    *five, fresh = targets
    for target in five:
        send(make_deps, target)
        for _ in range(4):
            verify(make_deps, target, wrong(phone.code(target.phone)))
    send(make_deps, fresh)
    assert isinstance(verify(make_deps, fresh, phone.code(fresh.phone)), codes.Locked)
    assert verify(make_deps, fresh, phone.code(fresh.phone), address="9.9.9.9") == codes.Verified(APP)


def test_three_wrong_in_a_row_tell_the_app_once(make_deps, target, phone) -> None:
    send(make_deps, target)
    code = phone.code(PHONE)
    for _ in range(4):
        verify(make_deps, target, wrong(code))
    assert phone.kinds(PHONE).count("app:code_wrong_streak") == 1


def test_a_right_code_ends_the_streak(make_deps, target, phone, clock) -> None:
    send(make_deps, target)
    code = phone.code(PHONE)
    for _ in range(2):
        verify(make_deps, target, wrong(code))
    verify(make_deps, target, code)
    clock.advance(60)
    send(make_deps, target)
    for _ in range(2):
        verify(make_deps, target, wrong(phone.code(PHONE)))
    assert "app:code_wrong_streak" not in phone.kinds(PHONE)


def test_codes_of_other_cabinets_are_wrong(make_deps, target, other, phone) -> None:
    send(make_deps, other)
    other_code = phone.code(OTHER_PHONE)
    send(make_deps, target)
    own = phone.code(PHONE)
    if own != other_code:
        assert isinstance(verify(make_deps, target, other_code), codes.Wrong)
    assert verify(make_deps, target, own) == codes.Verified(APP)


def test_a_code_for_another_purpose_is_not_taken(make_deps, target, cabinet, phone) -> None:
    setup = Target("setup", subject(cabinet), PHONE, cabinet)
    send(make_deps, setup)
    assert verify(make_deps, target, phone.code(PHONE)) is codes.Refusal.NO_CODE


def test_a_code_dies_when_the_cabinet_changes(db, make_deps, target, cabinet, phone) -> None:
    send(make_deps, target)
    code = phone.code(PHONE)
    cabinet.security_epoch += 1
    db.commit()
    assert verify(make_deps, target, code) is codes.Refusal.NO_CODE


# -- sends per (phone, purpose) ----------------------------------------------------------------------

def test_five_sends_per_phone_and_purpose_per_hour(make_deps, target, clock) -> None:
    for _ in range(5):
        assert isinstance(send(make_deps, target), codes.Sent)
        clock.advance(60)
    capped = send(make_deps, target)
    assert capped == codes.Capped(timedelta(minutes=55))
    clock.advance(minutes=55)
    assert send(make_deps, target) == codes.Sent(APP)


def test_sends_of_one_purpose_never_use_up_anothers(make_deps, target, cabinet, clock) -> None:
    # v3: sends are capped per (phone, purpose), so re-registration's never use up recovery's.
    rereg = Target("reregister", "rereg:210905604213", PHONE, None)
    for _ in range(5):
        send(make_deps, rereg)
        clock.advance(60)
    assert isinstance(send(make_deps, rereg), codes.Capped)
    assert send(make_deps, target) == codes.Sent(APP)


def test_a_capped_phone_has_a_working_link_from_each_send(make_deps, target, phone, clock) -> None:
    for _ in range(5):
        send(make_deps, target, address="6.6.6.6", nonce="stranger")
        clock.advance(60)
    assert isinstance(send(make_deps, target, address="1.2.3.4", nonce="owner"), codes.Capped)
    tokens = [m.link.rsplit("/r/", 1)[1] for m in phone(PHONE) if m.link]
    assert len(set(tokens)) == 5
    assert all(isinstance(links.look(make_deps(address="1.2.3.4"), t), links.Opened) for t in tokens)


def test_the_known_device_has_its_own_sends(make_deps, target, cabinet, clock) -> None:
    for _ in range(5):
        send(make_deps, target, address="6.6.6.6", nonce="stranger")
        clock.advance(60)
    owner = {"address": "6.6.6.6", "device": "owners-laptop", "known": frozenset({cabinet.id})}
    assert send(make_deps, target, nonce="owner", **owner) == codes.Sent(APP)


# -- codes by SMS ----------------------------------------------------------------------------------------

def test_an_sms_code_is_sending_until_a_gateway_takes_it(make_deps, target, phone, deliver, clock) -> None:
    assert send(make_deps, target, channel=SMS) == codes.Sent(SMS)
    assert codes.delivery(make_deps(), target, NONCE) == codes.Delivery("sending", SMS)
    assert phone(PHONE)[0].status == "queued"
    clock.advance(90)
    assert send(make_deps, target, channel=SMS) == codes.StillSending()
    deliver()
    assert codes.delivery(make_deps(), target, NONCE) == codes.Delivery("sent", SMS, clock.now(), 60)


def test_the_code_works_before_it_is_delivered(make_deps, target, phone) -> None:
    send(make_deps, target, channel=SMS)
    assert verify(make_deps, target, phone.code(PHONE, "sms")) == codes.Verified(SMS)


def test_the_resend_countdown_starts_when_the_gateway_takes_it(make_deps, target, deliver, clock) -> None:
    send(make_deps, target, channel=SMS)
    clock.advance(30)
    deliver()
    clock.advance(40)
    assert send(make_deps, target, channel=SMS) == codes.TooSoon(20)
    assert codes.delivery(make_deps(), target, NONCE).resend_in == 20
    clock.advance(20)
    assert send(make_deps, target, channel=SMS) == codes.Sent(SMS)


def test_the_sms_message_carries_the_code_and_a_link(make_deps, target, phone) -> None:
    send(make_deps, target, channel=SMS)
    message = phone(PHONE)[0]
    assert (message.channel, message.kind) == ("sms", "code_recovery")
    assert message.code in message.text and message.link in message.text
    assert "('host', 'cabinet.ed24.kz')" in message.text  # the WebOTP line's host: PUBLIC_ORIGIN's


MANY = Policy(public_origin="https://cabinet.ed24.kz",
              limits=AccountLimits().sized(codes_per_phone_and_purpose=1000))


def next_sms(make_deps, target, deliver, clock) -> timedelta:
    """The previous SMS is delivered; send the next as soon as the limits allow (many sends per
    (phone, purpose), so the SMS wait per phone shows on its own); how long that took."""
    deliver()
    clock.advance(60)  # the resend countdown
    waited = timedelta(seconds=60)
    result = codes.send(make_deps(policy=MANY), target, NONCE, SMS)
    if isinstance(result, codes.Capped):
        clock.advance(result.wait.total_seconds())
        waited += result.wait
        result = codes.send(make_deps(policy=MANY), target, NONCE, SMS)
    assert result == codes.Sent(SMS)
    return waited


def test_the_wait_between_sms_to_a_phone_doubles_up_to_an_hour(make_deps, target, deliver, clock) -> None:
    assert codes.send(make_deps(policy=MANY), target, NONCE, SMS) == codes.Sent(SMS)
    waits = [next_sms(make_deps, target, deliver, clock) for _ in range(8)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]


def test_sms_to_a_phone_stay_near_30_a_day(make_deps, target, deliver, clock) -> None:
    start, day = clock.now(), timedelta(days=1)
    codes.send(make_deps(policy=MANY), target, NONCE, SMS)
    times = [clock.now()]
    while times[-1] < start + day:
        next_sms(make_deps, target, deliver, clock)
        times.append(clock.now())
    # minutes 0, 1, 3, 7, 15, 31, 63, then one an hour
    assert len([t for t in times if t < start + day]) == 29


def test_the_sms_wait_is_per_phone_whoever_asks(make_deps, target, deliver, phone, clock) -> None:
    assert send(make_deps, target, channel=SMS, address="6.6.6.6", nonce="stranger") == codes.Sent(SMS)
    deliver()
    clock.advance(60)
    send(make_deps, target, channel=SMS, address="6.6.6.6", nonce="stranger")
    deliver()
    clock.advance(60)
    owner = send(make_deps, target, channel=SMS, address="1.2.3.4", nonce="owner")
    assert owner == codes.Capped(timedelta(minutes=1))
    # ...and the stranger's SMS put a working link in the owner's hands.
    assert phone.link(PHONE).startswith("https://cabinet.ed24.kz/r/")


def test_the_sms_wait_starts_again_after_a_quiet_day(make_deps, target, deliver, clock) -> None:
    codes.send(make_deps(policy=MANY), target, NONCE, SMS)
    for _ in range(4):
        next_sms(make_deps, target, deliver, clock)  # the next wait is 16 minutes
    deliver()
    clock.advance(days=1, minutes=16)
    assert next_sms(make_deps, target, deliver, clock) == timedelta(minutes=1)
    assert next_sms(make_deps, target, deliver, clock) == timedelta(minutes=1)  # the first wait again


def test_app_codes_never_wait_for_sms(make_deps, target, deliver, clock) -> None:
    send(make_deps, target, channel=SMS)
    deliver()
    clock.advance(60)
    send(make_deps, target, channel=SMS)
    deliver()
    clock.advance(60)
    assert send(make_deps, target, channel=APP) == codes.Sent(APP)


def test_the_sms_budget_is_a_circuit_breaker_for_the_whole_service(db, make_deps, events, clock) -> None:
    from webapp.services.limits import AccountLimits as Table

    small = Policy(public_origin="https://cabinet.ed24.kz", limits=Table().sized(sms_budget=2))
    targets = []
    for n in range(3):
        row = cabinet_for(db, clock, f"iin-{n}", f"+7701000000{n}")
        targets.append(Target("recovery", subject(row), row.phone, row))
    for t in targets[:2]:
        assert codes.send(make_deps(policy=small), t, NONCE, SMS) == codes.Sent(SMS)
    assert codes.send(make_deps(policy=small), targets[2], NONCE, SMS) == codes.BudgetSpent()
    assert "sms_budget_spent" in events.names()
    # the app is no SMS: it still gets its code
    assert codes.send(make_deps(policy=small), targets[2], NONCE, APP) == codes.Sent(APP)
    clock.advance(hours=1)
    assert codes.send(make_deps(policy=small), targets[2], "later", SMS) == codes.Sent(SMS)


# -- a message that failed ---------------------------------------------------------------------------------

def test_a_failed_sms_lets_a_new_code_go_at_once(make_deps, target, sms, deliver, phone) -> None:
    # v3: sends are queued; a message that failed gives the send back (it cost nothing visible).
    send(make_deps, target, channel=SMS)
    sms.plan = [PermanentFailure("unknown subscriber")]
    deliver()
    assert codes.delivery(make_deps(), target, NONCE) == codes.Delivery("failed", SMS)
    assert phone(PHONE)[0].status == "failed"
    assert send(make_deps, target, channel=SMS) == codes.Sent(SMS)


def test_a_message_overdue_with_the_worker_away_counts_as_failed(make_deps, target, clock) -> None:
    send(make_deps, target, channel=SMS)
    clock.advance(minutes=4, seconds=59)
    assert send(make_deps, target, channel=SMS) == codes.StillSending()
    clock.advance(1)
    assert codes.delivery(make_deps(), target, NONCE) == codes.Delivery("failed", SMS)
    assert send(make_deps, target, channel=SMS) == codes.Sent(SMS)


# One send per (phone, purpose) an hour: whether a send was given back shows at once.
ONE_AN_HOUR = Policy(public_origin="https://cabinet.ed24.kz", limits=AccountLimits(
    codes_per_phone_and_purpose=Limit("code_sends_phone", 1, timedelta(hours=1))))


def test_a_failed_message_gives_the_send_back_at_most_once_an_hour(db, make_deps, target, sessions,
                                                                  sealer, clock) -> None:
    from webapp.delivery.worker import Worker
    from tests.unit.conftest import FakePush, FakeSms

    small = ONE_AN_HOUR
    failing = FakeSms()
    worker = Worker({"SMS_GATEWAY": failing, "PUSH_GATEWAY": FakePush()}, sealer, small.limits,
                    lambda _db: clock.now())

    def attempt():
        return codes.send(make_deps(policy=small), target, NONCE, SMS)

    def fail_it():
        failing.plan = [PermanentFailure("refused")]
        db.commit()
        worker.deliver_due(sessions)
        db.expire_all()

    assert attempt() == codes.Sent(SMS)
    fail_it()                                  # given back: the phone's only send of the hour
    assert attempt() == codes.Sent(SMS)
    fail_it()                                  # not given back again within the hour
    clock.advance(minutes=5)                   # past the SMS wait
    capped = attempt()
    assert isinstance(capped, codes.Capped) and capped.wait > timedelta(minutes=50)
    clock.advance(capped.wait.total_seconds())
    assert attempt() == codes.Sent(SMS)
    fail_it()                                  # an hour later, a failure gives back again
    assert attempt() == codes.Sent(SMS)


def test_a_message_delivered_meanwhile_gives_nothing_back(db, make_deps, target, deliver, phone, clock) -> None:
    # A page that read the message as overdue races the worker that delivered it: the
    # parent has the code, so the resend countdown and the SMS wait stay.
    send(make_deps, target, channel=SMS)
    deliver()
    message_id = db.scalars(select(ConfirmationCode.message_id)).one()
    assert codes.message_failed(db, clock.now(), make_deps().limits, message_id) is False
    db.commit()
    assert phone(PHONE)[0].status == "delivered"
    assert send(make_deps, target, nonce="other browser", address="2.2.2.2",
                channel=SMS) == codes.Capped(timedelta(seconds=60))


def test_message_failed_settles_a_message_once(db, make_deps, target, clock) -> None:
    send(make_deps, target, channel=SMS)
    message_id = db.scalars(select(ConfirmationCode.message_id)).one()
    rules = make_deps().limits
    assert codes.message_failed(db, clock.now(), rules, message_id) is True
    assert codes.message_failed(db, clock.now(), rules, message_id) is False


class OtherClickFirst:
    """Keys whose first comparison lets another submit of the same code finish first: the
    moment between counting a try and using the code."""

    def __init__(self, keys, other_click) -> None:
        self.keys, self.other_click, self.raced = keys, other_click, False
        self.current, self.fallbacks = keys.current, keys.fallbacks

    def hash(self, *parts):
        return self.keys.hash(*parts)

    def hashes(self, *parts):
        return self.keys.hashes(*parts)

    def matches(self, stored, *parts):
        if not self.raced:
            self.raced = True
            self.other_click()
        return self.keys.matches(stored, *parts)


def test_a_double_click_uses_the_code_once_and_costs_no_wrong_try(db, make_deps, keys, target, phone) -> None:
    from webapp.models import Counter

    send(make_deps, target)
    code = phone.code(PHONE)
    first: list = []
    racing = OtherClickFirst(keys, lambda: first.append(verify(make_deps, target, code)))
    second = codes.verify(make_deps(keys=racing), target, NONCE, code)
    assert first == [codes.Verified(APP)] and second is codes.Refusal.NO_CODE
    counted = db.scalars(select(Counter.count).where(Counter.kind.startswith("code_wrong"))).all()
    assert set(counted) <= {0}
