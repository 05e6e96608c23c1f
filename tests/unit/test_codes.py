"""Confirmation codes with a fake clock: every edge of lifetime, resend and limits."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import ConfirmationCode
from webapp.services import codes
from webapp.services.clock import FakeClock

PEPPER = b"test pepper"
PHONE = "+77057546868"
SUBJECT = "cabinet:1"


def send(db: Session, notifier, clock: FakeClock, subject: str = SUBJECT, phone: str = PHONE):
    return codes.send(db, notifier, purpose="recovery", subject=subject, phone=phone,
                      now=clock.now(), pepper=PEPPER)


def verify(db: Session, clock: FakeClock, code: str, subject: str = SUBJECT, phone: str = PHONE):
    return codes.verify(db, purpose="recovery", subject=subject, phone=phone, code=code,
                        now=clock.now(), pepper=PEPPER)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10000:04d}"


def test_code_is_four_digits_and_stored_hashed(db, notifier, clock) -> None:
    assert isinstance(send(db, notifier, clock), codes.Sent)
    code = notifier.last_code()
    assert len(code) == 4 and code.isdigit()
    row = db.scalars(select(ConfirmationCode)).one()
    assert code not in row.code_hash and len(row.code_hash) == 64


def test_right_code_verifies_once(db, notifier, clock) -> None:
    send(db, notifier, clock)
    code = notifier.last_code()
    assert isinstance(verify(db, clock, code), codes.Verified)
    assert verify(db, clock, code) is codes.Refusal.NO_CODE


def test_expiry_at_exactly_five_minutes(db, notifier, clock) -> None:
    send(db, notifier, clock)
    code = notifier.last_code()
    clock.advance(minutes=4, seconds=59)
    assert codes.has_active(db, "recovery", SUBJECT, clock.now())
    clock.advance(seconds=1)
    assert verify(db, clock, code) is codes.Refusal.EXPIRED


def test_resend_at_59_and_60_seconds(db, notifier, clock) -> None:
    send(db, notifier, clock)
    clock.advance(59)
    early = send(db, notifier, clock)
    assert isinstance(early, codes.TooEarly) and early.resend_in == 1
    clock.advance(1)
    assert isinstance(send(db, notifier, clock), codes.Sent)
    assert len(notifier.sent) == 2


def test_countdown_follows_the_server(db, notifier, clock) -> None:
    assert codes.resend_in(db, "recovery", SUBJECT, clock.now()) == 0
    send(db, notifier, clock)
    clock.advance(seconds=12.5)
    assert codes.resend_in(db, "recovery", SUBJECT, clock.now()) == 48


def test_fifth_and_sixth_wrong_try(db, notifier, clock) -> None:
    send(db, notifier, clock)
    code = notifier.last_code()
    for left in (4, 3, 2, 1):
        assert verify(db, clock, wrong(code)) == codes.Wrong(tries_left=left)
    assert verify(db, clock, wrong(code)) == codes.Wrong(tries_left=0)  # the 5th
    assert verify(db, clock, code) is codes.Refusal.USED_UP            # the 6th, even right


def test_resend_never_resets_the_cabinet_count(db, notifier, clock) -> None:
    for _ in range(2):
        send(db, notifier, clock)
        code = notifier.last_code()
        for _ in range(5):
            verify(db, clock, wrong(code))
        clock.advance(61)
    blocked = send(db, notifier, clock)
    assert isinstance(blocked, codes.Blocked)
    assert timedelta(hours=1, minutes=50) < blocked.wait <= timedelta(hours=2)


def test_block_ends_after_two_hours(db, notifier, clock) -> None:
    send(db, notifier, clock)
    code = notifier.last_code()
    for _ in range(5):
        verify(db, clock, wrong(code))
    clock.advance(61)
    send(db, notifier, clock)
    code = notifier.last_code()
    for _ in range(4):
        verify(db, clock, wrong(code))
    result = verify(db, clock, wrong(code))  # the 10th wrong code in 2 hours
    assert isinstance(result, codes.Blocked)
    assert isinstance(verify(db, clock, code), codes.Blocked)
    clock.advance(hours=2)
    assert isinstance(send(db, notifier, clock), codes.Sent)
    assert isinstance(verify(db, clock, notifier.last_code()), codes.Verified)


def test_at_most_five_sends_per_hour_per_phone(db, notifier, clock) -> None:
    for n in range(5):
        assert isinstance(send(db, notifier, clock, subject=f"cabinet:{n}"), codes.Sent)
    blocked = send(db, notifier, clock, subject="cabinet:99")
    assert isinstance(blocked, codes.Blocked) and blocked.wait == timedelta(hours=1)
    clock.advance(hours=1)
    assert isinstance(send(db, notifier, clock, subject="cabinet:99"), codes.Sent)


def test_notifier_failure_counts_nothing(db, notifier, clock) -> None:
    notifier.failing = True
    assert isinstance(send(db, notifier, clock), codes.SendFailed)
    assert db.scalars(select(ConfirmationCode)).all() == []
    notifier.failing = False
    assert isinstance(send(db, notifier, clock), codes.Sent)


def test_code_of_another_subject_or_phone_is_wrong(db, notifier, clock) -> None:
    send(db, notifier, clock, subject="cabinet:2")
    other = notifier.last_code()
    send(db, notifier, clock)
    own = notifier.last_code()
    if own != other:
        assert isinstance(verify(db, clock, other), codes.Wrong)
    assert isinstance(verify(db, clock, own, phone="+77011231885"), codes.Wrong)


@pytest.mark.parametrize("raw, expected", [
    ("1234", ("1234", None)), (" 12 34 ", ("1234", None)), ("", ("", codes.FormatError.EMPTY)),
    ("123", ("123", codes.FormatError.NOT_4_DIGITS)), ("12345", ("12345", codes.FormatError.NOT_4_DIGITS)),
    ("١٢٣٤", ("١٢٣٤", codes.FormatError.NOT_4_DIGITS)), ("12a4", ("12a4", codes.FormatError.NOT_4_DIGITS)),
])
def test_format(raw: str, expected) -> None:
    assert codes.clean(raw) == expected


def test_resend_wait_is_capped_at_the_full_minute(db, notifier, clock) -> None:
    send(db, notifier, clock)
    clock.advance(seconds=-0.5)  # a reading taken just before the send
    assert codes.resend_in(db, "recovery", SUBJECT, clock.now()) == 60
