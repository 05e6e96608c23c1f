"""Confirmation codes with a fake clock: every edge of lifetime, resend, tries and limits."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.models import ConfirmationCode
from webapp.services import codes
from webapp.services.codes import Target

TARGET = Target("recovery", "cab:1", "+77057546868", 1)
OTHER = Target("recovery", "cab:2", "+77011231885", 2)
NONCE = "session-nonce"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def send(make_deps, target: Target = TARGET, nonce: str = NONCE, **client):
    return codes.send(make_deps(**client), target, nonce)


def verify(make_deps, code: str, target: Target = TARGET, nonce: str = NONCE, **client):
    return codes.verify(make_deps(**client), target, nonce, code)


@pytest.mark.parametrize("raw, cleaned, error", [
    ("123456", "123456", None), (" 123 456 ", "123456", None), ("", "", codes.FormatError.EMPTY),
    ("12345", "12345", codes.FormatError.NOT_6_DIGITS), ("1234567", "1234567", codes.FormatError.NOT_6_DIGITS),
    ("١٢٣٤٥٦", "١٢٣٤٥٦", codes.FormatError.NOT_6_DIGITS), ("12a456", "12a456", codes.FormatError.NOT_6_DIGITS),
])
def test_format(raw: str, cleaned: str, error) -> None:
    assert codes.clean(raw) == (cleaned, error)


def test_code_is_six_digits_and_stored_hashed(db, make_deps, notifier) -> None:
    assert send(make_deps) == codes.Sent(resend_in=60)
    code = notifier.last("code")
    assert len(code) == 6 and code.isdigit()
    row = db.scalars(select(ConfirmationCode)).one()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert NONCE not in row.requester_hash


def test_right_code_verifies_once(make_deps, notifier) -> None:
    send(make_deps)
    code = notifier.last("code")
    assert verify(make_deps, code) == codes.Verified()
    assert verify(make_deps, code) is codes.Refusal.NO_CODE


def test_a_code_works_only_in_the_session_that_asked(make_deps, notifier) -> None:
    send(make_deps)
    assert verify(make_deps, notifier.last("code"), nonce="another session") is codes.Refusal.NO_CODE


def test_only_the_newest_code_works(make_deps, notifier, clock) -> None:
    send(make_deps)
    first = notifier.last("code")
    clock.advance(60)
    send(make_deps)
    second = notifier.last("code")
    if first != second:
        assert isinstance(verify(make_deps, first), codes.Wrong)
    assert verify(make_deps, second) == codes.Verified()


def test_expiry_at_exactly_five_minutes(make_deps, notifier, clock) -> None:
    send(make_deps)
    code = notifier.last("code")
    clock.advance(minutes=4, seconds=59)
    assert isinstance(verify(make_deps, wrong(code)), codes.Wrong)
    clock.advance(seconds=1)
    assert verify(make_deps, code) is codes.Refusal.EXPIRED


def test_resend_at_59_and_60_seconds(make_deps, clock, notifier) -> None:
    send(make_deps)
    clock.advance(59)
    assert send(make_deps) == codes.TooEarly(1)
    assert codes.resend_in(make_deps(), TARGET) == 1
    clock.advance(1)
    assert send(make_deps) == codes.Sent(60)
    assert notifier.kinds().count("code") == 2


def test_five_tries_per_code_then_it_is_dead(make_deps, notifier) -> None:
    send(make_deps)
    code = notifier.last("code")
    lefts = [verify(make_deps, wrong(code)).tries_left for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    assert verify(make_deps, code) is codes.Refusal.USED_UP


def test_a_resend_never_resets_the_counts(make_deps, notifier, clock) -> None:
    for _ in range(2):
        send(make_deps)
        for _ in range(5):
            verify(make_deps, wrong(notifier.last("code")))
        clock.advance(60)
    send(make_deps)
    result = verify(make_deps, notifier.last("code"))
    assert isinstance(result, codes.Blocked) and result.wait > timedelta(hours=1, minutes=50)


def test_ten_wrong_per_cabinet_and_address_lock_for_two_hours(make_deps, notifier, clock) -> None:
    for _round in range(2):
        send(make_deps)
        for _ in range(5):
            last = verify(make_deps, wrong(notifier.last("code")))
        clock.advance(60)
    assert last.locked_for == timedelta(hours=2)
    clock.advance(hours=2)
    send(make_deps)
    assert verify(make_deps, notifier.last("code")) == codes.Verified()


def test_a_stranger_cannot_lock_the_owners_known_device_out(make_deps, notifier, clock) -> None:
    for address in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        for _ in range(2):
            send(make_deps, address=address)
            for _ in range(5):
                verify(make_deps, wrong(notifier.last("code")), address=address)
            clock.advance(60)
        clock.advance(hours=1)  # past the 5 sends per phone per hour
    # 30 wrong from other browsers: closed to them for 24 hours...
    send(make_deps, address="4.4.4.4")
    assert isinstance(verify(make_deps, notifier.last("code"), address="4.4.4.4"), codes.Blocked)
    # ...but the owner's known device has counts of its own.
    owner = {"address": "1.1.1.1", "device": "owners-phone", "known": frozenset({1})}
    clock.advance(60)
    assert send(make_deps, nonce="owner", **owner) == codes.Sent(60)
    assert verify(make_deps, notifier.last("code"), nonce="owner", **owner) == codes.Verified()


def test_twenty_wrong_per_address_across_cabinets(make_deps, notifier, clock) -> None:
    targets = [Target("recovery", f"cab:{n}", f"+7701000000{n}", n) for n in range(5)]
    for target in targets:
        send(make_deps, target)
        for _ in range(4):
            verify(make_deps, wrong(notifier.last("code")), target)
    fresh = Target("recovery", "cab:9", "+77010000009", 9)
    send(make_deps, fresh)
    assert isinstance(verify(make_deps, notifier.last("code"), fresh), codes.Blocked)
    assert verify(make_deps, notifier.last("code"), fresh, address="9.9.9.9") == codes.Verified()


def test_three_wrong_in_a_row_tell_the_app_once(make_deps, notifier) -> None:
    send(make_deps)
    code = notifier.last("code")
    for _ in range(4):
        verify(make_deps, wrong(code))
    assert notifier.kinds().count("code_wrong_streak") == 1


def test_five_sends_per_phone_per_hour(make_deps, clock) -> None:
    for _ in range(5):
        assert isinstance(send(make_deps), codes.Sent)
        clock.advance(60)
    blocked = send(make_deps)
    assert isinstance(blocked, codes.Blocked) and blocked.wait == timedelta(minutes=55)


def test_a_failed_delivery_consumes_nothing(make_deps, notifier) -> None:
    notifier.failing = True
    assert send(make_deps) == codes.SendFailed()
    notifier.failing = False
    assert send(make_deps) == codes.Sent(60)


def test_codes_of_other_cabinets_are_wrong(make_deps, notifier) -> None:
    send(make_deps, OTHER)
    other_code = notifier.last("code")
    send(make_deps)
    own = notifier.last("code")
    if own != other_code:
        assert isinstance(verify(make_deps, other_code), codes.Wrong)
