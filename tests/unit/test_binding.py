"""Binding the ed24.kz app: the cabinet's rotating password and QR, the password by SMS, the
wrong-password counts, the 30-day rule, and the app's device tokens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.unit.conftest import bind_app, wrong
from webapp.models import AppDevice, BindingSecret, Cabinet, CabinetEvent, OutboxMessage
from webapp.services import binding, codes, links
from webapp.services.binding import Bound, SecretRefusal, TokenProblem
from webapp.services.codes import Channel, Target
from webapp.services.epoch import subject
from webapp.services.keys import Keys

PHONE = "+77011231885"
OTHER = "+77087654321"


def bind(make_deps, secret: str, install: str = "install-1", number: str = PHONE, address: str = "10.0.0.1",
         push_token: str | None = None):
    return binding.bind(make_deps(address=address), phone=number, secret=secret, install_id=install,
                        name="Redmi 9A", push_token=push_token)


def at_minute_start(clock) -> None:
    clock.advance(seconds=(60 - clock.now().second) % 60)


# -- the cabinet's rotating password and QR --------------------------------------------------------

def test_cabinet_secret_is_12_digits_grouped_with_a_long_token(make_deps, clock) -> None:
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert len(shown.otp) == 12 and shown.otp.isdigit()
    assert shown.grouped == f"{shown.otp[:4]} {shown.otp[4:8]} {shown.otp[8:]}"
    assert len(shown.token) >= 32  # 192 bits, base64
    assert shown.qr_payload == f"ED24BIND:{PHONE}:{shown.token}"
    assert 0 < (shown.rotates_at - clock.now()).total_seconds() <= 60
    assert shown.valid_until == shown.rotates_at + timedelta(seconds=30)


def test_nothing_readable_is_stored_for_the_cabinet_secret(db, make_deps) -> None:
    binding.for_cabinet(make_deps(), PHONE)
    assert db.scalars(select(BindingSecret)).all() == []


def test_cabinet_secret_rotates_and_the_previous_holds_30_seconds(make_deps, clock) -> None:
    at_minute_start(clock)
    first = binding.for_cabinet(make_deps(), PHONE)
    clock.advance(60)
    assert binding.for_cabinet(make_deps(), PHONE).otp != first.otp
    clock.advance(29)
    result = bind(make_deps, first.otp)
    assert isinstance(result, Bound) and result.device.phone == PHONE


def test_a_cabinet_secret_past_its_grace_has_expired(make_deps, clock) -> None:
    # v3: the app is told the difference (expired_otp), once it was this number's password
    at_minute_start(clock)
    first = binding.for_cabinet(make_deps(), PHONE)
    clock.advance(90)
    assert bind(make_deps, first.otp) is SecretRefusal.EXPIRED
    clock.advance(minutes=5)
    assert bind(make_deps, first.otp) is SecretRefusal.EXPIRED
    clock.advance(minutes=10)
    assert bind(make_deps, first.otp) is SecretRefusal.INVALID


def test_a_cabinet_secret_of_another_number_is_invalid(make_deps) -> None:
    shown = binding.for_cabinet(make_deps(), OTHER)
    assert bind(make_deps, shown.otp) is SecretRefusal.INVALID


def test_the_secret_is_typed_with_or_without_spaces(make_deps) -> None:
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert isinstance(bind(make_deps, f" {shown.grouped} "), Bound)


@pytest.mark.parametrize("secret", ["", "1234", "12345678901", "1234567890123", "abcdefghijkl",
                                    "١٢٣٤٥٦٧٨٩٠١٢", "ED24BIND:", "ED24BIND:+77011231885:", "x" * 5000])
def test_malformed_secrets_are_invalid(make_deps, secret: str) -> None:
    assert bind(make_deps, secret) is SecretRefusal.INVALID


def test_qr_token_binds_and_only_for_its_phone(make_deps) -> None:
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert bind(make_deps, shown.qr_payload, number=OTHER) is SecretRefusal.INVALID
    assert isinstance(bind(make_deps, shown.qr_payload), Bound)


def test_a_used_cabinet_secret_dies_with_the_binding(make_deps, clock) -> None:
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert isinstance(bind(make_deps, shown.otp), Bound)
    clock.advance(1)
    assert bind(make_deps, shown.otp, install="install-2") is SecretRefusal.INVALID
    assert bind(make_deps, shown.qr_payload, install="install-2") is SecretRefusal.INVALID


def test_a_rotated_secret_key_still_accepts_the_shown_password(make_deps) -> None:
    shown = binding.for_cabinet(make_deps(keys=Keys(b"old key")), PHONE)
    rotated = Keys(b"new key", fallbacks=(b"old key",))
    assert isinstance(binding.bind(make_deps(keys=rotated), phone=PHONE, secret=shown.otp, install_id="i",
                                   name="n", push_token=None), Bound)


# -- the password by SMS ---------------------------------------------------------------------------------

def test_sms_password_binds_once_within_ten_minutes(make_deps, phone, clock) -> None:
    assert binding.send_sms(make_deps(), PHONE, None) == binding.SmsSent(PHONE)
    otp = phone.otp(PHONE)
    assert len(otp) == 12 and otp.isdigit()
    assert phone(PHONE)[0].text.count(" ") >= 2  # grouped "7036 1088 7203" in the SMS
    clock.advance(minutes=9, seconds=59)
    assert isinstance(bind(make_deps, otp), Bound)
    assert bind(make_deps, otp, install="install-2") is SecretRefusal.INVALID


def test_sms_password_expires_after_ten_minutes(make_deps, phone, clock) -> None:
    # v3: expired_otp, not invalid_otp: the app can say "request a new one"
    binding.send_sms(make_deps(), PHONE, None)
    otp = phone.otp(PHONE)
    clock.advance(minutes=10)
    assert bind(make_deps, otp) is SecretRefusal.EXPIRED
    assert phone(PHONE)[0].code is None  # the phone's copy is gone too


def test_the_binding_password_is_only_stored_hashed(db, make_deps, phone) -> None:
    binding.send_sms(make_deps(), PHONE, None)
    otp = phone.otp(PHONE)
    row = db.scalars(select(BindingSecret)).one()
    assert otp not in row.otp_hash
    message = db.scalars(select(OutboxMessage)).one()
    assert otp not in message.text and otp[:4] not in message.text


def test_sms_limits_per_phone_and_address(make_deps, clock) -> None:
    assert isinstance(binding.send_sms(make_deps(), PHONE, None), binding.SmsSent)
    early = binding.send_sms(make_deps(), PHONE, None)
    assert early == binding.SmsTooSoon(timedelta(minutes=10))
    for _ in range(4):
        clock.advance(minutes=10)
        assert isinstance(binding.send_sms(make_deps(), PHONE, None), binding.SmsSent)
    clock.advance(minutes=10)
    assert isinstance(binding.send_sms(make_deps(), PHONE, None), binding.SmsCapped)  # 5 per phone per day
    for n in range(5):
        assert isinstance(binding.send_sms(make_deps(), f"+7701000000{n}", None), binding.SmsSent)
    assert isinstance(binding.send_sms(make_deps(), "+77010000009", None), binding.SmsCapped)  # 10 per address
    assert isinstance(binding.send_sms(make_deps(address="2.2.2.2"), "+77010000009", None), binding.SmsSent)


def test_the_owners_known_device_has_its_own_binding_sms(db, make_deps, clock) -> None:
    cabinet = Cabinet(iin="870123302154", phone=PHONE, session_epoch=0, created_at=clock.now())
    db.add(cabinet)
    db.commit()
    for _ in range(5):
        binding.send_sms(make_deps(address="6.6.6.6"), PHONE, cabinet.id)
        clock.advance(minutes=10)
    assert isinstance(binding.send_sms(make_deps(address="6.6.6.6"), PHONE, cabinet.id), binding.SmsCapped)
    owner = make_deps(address="6.6.6.6", device="owner", known=frozenset({cabinet.id}))
    assert isinstance(binding.send_sms(owner, PHONE, cabinet.id), binding.SmsSent)


def test_a_new_sms_cancels_the_previous(make_deps, phone, clock) -> None:
    binding.send_sms(make_deps(), PHONE, None)
    first = phone.otp(PHONE)
    clock.advance(minutes=10)
    binding.send_sms(make_deps(), PHONE, None)
    second = phone.otp(PHONE)
    assert bind(make_deps, first) is SecretRefusal.INVALID
    assert isinstance(bind(make_deps, second), Bound)


def test_wrong_passwords_count_per_phone_and_address(make_deps, phone, clock) -> None:
    # v3: 5 wrong per (phone, address) per 10 minutes lock that address only, and no longer
    # kill the SMS password: a 12-digit password needs no rule a stranger could use.
    binding.send_sms(make_deps(), PHONE, None)
    otp = phone.otp(PHONE)
    for _ in range(5):
        assert bind(make_deps, wrong(otp), address="6.6.6.6") is SecretRefusal.INVALID
    locked = bind(make_deps, otp, address="6.6.6.6")
    assert locked == binding.WrongSecretsLocked(timedelta(minutes=10))
    assert isinstance(bind(make_deps, otp, address="1.2.3.4"), Bound)


def test_the_lock_ends_after_ten_minutes(make_deps, phone, clock) -> None:
    for _ in range(5):
        bind(make_deps, "000000000000")
    clock.advance(minutes=5)
    binding.send_sms(make_deps(), PHONE, None)
    otp = phone.otp(PHONE)
    clock.advance(minutes=4, seconds=59)
    assert isinstance(bind(make_deps, otp), binding.WrongSecretsLocked)
    clock.advance(1)
    assert isinstance(bind(make_deps, otp), Bound)


def test_wrong_passwords_for_one_number_do_not_lock_another(make_deps) -> None:
    for _ in range(5):
        bind(make_deps, "000000000000", number=OTHER)
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert isinstance(bind(make_deps, shown.otp), Bound)


def test_a_right_password_gives_back_its_try(make_deps, clock) -> None:
    for _ in range(4):
        bind(make_deps, "000000000000")
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert isinstance(bind(make_deps, shown.otp), Bound)
    assert bind(make_deps, "000000000000", install="install-2") is SecretRefusal.INVALID  # the 5th, not locked


def test_one_minutes_cabinet_secret_binds_one_handset(make_deps, db, clock) -> None:
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert isinstance(bind(make_deps, shown.otp), Bound)
    db.execute(AppDevice.__table__.delete())  # even were the binding gone, the minute's secret is used
    db.commit()
    assert bind(make_deps, shown.otp, install="install-2") is SecretRefusal.INVALID


# -- what binding does ------------------------------------------------------------------------------

def test_binding_tells_the_number_the_feed_and_the_old_handset(db, make_deps, phone, clock) -> None:
    old = bind_app(db, PHONE, clock.now() - timedelta(days=100), install_id="old-phone")
    cabinet = Cabinet(iin="870123302154", phone=PHONE, session_epoch=0, created_at=clock.now())
    db.add(cabinet)
    db.commit()
    binding.send_sms(make_deps(), PHONE, cabinet.id)
    result = bind(make_deps, phone.otp(PHONE), install="new-phone")
    assert isinstance(result, Bound) and result.device.phone == PHONE
    assert phone.kinds(PHONE) == ["sms:binding_otp", "sms:app_bound"]
    moved = phone.handset(old.id)
    assert [(m.channel, m.kind) for m in moved] == [("app", "number_moved")]
    assert "+770****1885" in moved[0].text
    assert [e.kind for e in db.scalars(select(CabinetEvent))] == ["app_bound"]
    assert binding.is_bound(db, PHONE)
    old = db.get(AppDevice, old.id)
    assert old.phone is None and old.ended_reason == "replaced"
    assert cabinet.security_epoch == 1


def test_binding_retires_the_cabinets_codes_and_links(db, make_deps, phone, clock) -> None:
    cabinet = Cabinet(iin="870123302154", phone=PHONE, session_epoch=0, created_at=clock.now())
    db.add(cabinet)
    db.commit()
    target = Target("recovery", subject(cabinet), PHONE, cabinet)
    codes.send(make_deps(), target, "n", Channel.SMS)
    code, token = phone.code(PHONE), phone.token(PHONE)
    shown = binding.for_cabinet(make_deps(), PHONE)
    assert isinstance(bind(make_deps, shown.otp), Bound)
    assert codes.verify(make_deps(), Target("recovery", subject(cabinet), PHONE, cabinet), "n", code) \
        is codes.Refusal.NO_CODE
    assert isinstance(links.look(make_deps(), token), links.Invalid)


def test_a_device_token_is_256_bits_stored_as_sha256(db, make_deps) -> None:
    import hashlib

    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp)
    assert len(result.token) >= 43  # 32 bytes, base64url
    row = db.get(AppDevice, result.device.id)
    assert row.token_hash == hashlib.sha256(result.token.encode()).hexdigest()
    assert binding.authenticate(make_deps(), result.token) == row


def test_the_device_token_survives_a_key_rotation(make_deps) -> None:
    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp)
    assert binding.authenticate(make_deps(keys=Keys(b"a brand new key")), result.token) == result.device


def test_a_newer_binding_of_the_number_replaces_the_device(make_deps, clock) -> None:
    first = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp, install="handset-a")
    clock.advance(60)
    second = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp, install="handset-b")
    assert isinstance(second, Bound)
    assert binding.authenticate(make_deps(), first.token) is TokenProblem.REPLACED
    assert binding.authenticate(make_deps(), second.token) == second.device


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 201])
def test_unknown_tokens(make_deps, token: str) -> None:
    assert binding.authenticate(make_deps(), token) is TokenProblem.UNKNOWN


def test_a_device_may_switch_number_once_per_30_days(db, make_deps, phone, clock) -> None:
    binding.send_sms(make_deps(), PHONE, None)
    bind(make_deps, phone.otp(PHONE))
    clock.advance(days=29)
    result = bind(make_deps, binding.for_cabinet(make_deps(), OTHER).otp, number=OTHER)
    assert result == binding.SwitchTooSoon(timedelta(days=1))
    clock.advance(days=1)
    assert isinstance(bind(make_deps, binding.for_cabinet(make_deps(), OTHER).otp, number=OTHER), Bound)
    assert not binding.is_bound(db, PHONE)


def test_the_30_day_rule_is_keyed_on_the_apps_install_id(make_deps, clock) -> None:
    bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp, install="handset-a")
    clock.advance(days=1)
    # another install (a second handset) binds the other number at once
    assert isinstance(bind(make_deps, binding.for_cabinet(make_deps(), OTHER).otp, number=OTHER,
                           install="handset-b"), Bound)
    # the same handset binding its own number again is no switch
    clock.advance(60)
    assert isinstance(bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp, install="handset-a"), Bound)


def test_the_switch_refusal_costs_no_try(make_deps, clock) -> None:
    bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp, install="handset-a")
    for _ in range(10):
        assert isinstance(bind(make_deps, "000000000000", number=OTHER, install="handset-a"),
                          binding.SwitchTooSoon)
    assert isinstance(bind(make_deps, binding.for_cabinet(make_deps(), OTHER).otp, number=OTHER,
                           install="handset-b"), Bound)


def test_a_token_expires_after_180_days_unused(db, make_deps, clock) -> None:
    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp)
    clock.advance(days=180)
    assert binding.authenticate(make_deps(), result.token) == result.device
    clock.advance(days=180)
    clock.advance(1)
    assert binding.authenticate(make_deps(), result.token) is TokenProblem.EXPIRED
    assert binding.authenticate(make_deps(), result.token) is TokenProblem.EXPIRED
    assert not binding.is_bound(db, PHONE)


def test_a_token_in_use_does_not_expire(make_deps, clock) -> None:
    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp)
    for _ in range(4):
        clock.advance(days=170)
        assert binding.authenticate(make_deps(), result.token) == result.device


def test_unbind_lets_the_number_go(db, make_deps, clock) -> None:
    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp, install="handset-a")
    binding.unbind(make_deps(), result.device)
    assert not binding.is_bound(db, PHONE)
    assert binding.authenticate(make_deps(), result.token) is TokenProblem.UNKNOWN
    # "ввести другой номер": the 30-day rule still counts
    clock.advance(days=2)
    assert isinstance(bind(make_deps, binding.for_cabinet(make_deps(), OTHER).otp, number=OTHER,
                           install="handset-a"), binding.SwitchTooSoon)


def test_the_cabinets_unbind_ends_the_binding_and_the_codes(db, make_deps, phone, clock) -> None:
    cabinet = Cabinet(iin="870123302154", phone=PHONE, session_epoch=0, created_at=clock.now())
    db.add(cabinet)
    db.commit()
    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp)
    codes.send(make_deps(), Target("recovery", subject(cabinet), PHONE, cabinet), "n", Channel.APP)
    token = phone.token(PHONE)
    binding.unbind_phone(make_deps(), cabinet)
    assert not binding.is_bound(db, PHONE)
    assert binding.authenticate(make_deps(), result.token) is TokenProblem.UNKNOWN
    assert isinstance(links.look(make_deps(), token), links.Invalid)
    assert [e.kind for e in db.scalars(select(CabinetEvent).order_by(CabinetEvent.id))] == ["app_bound",
                                                                                              "app_unbound"]


# -- the feed and push -------------------------------------------------------------------------------

def test_the_feed_holds_only_what_came_after_the_binding(db, make_deps, clock) -> None:
    from webapp.services import outbox

    outbox.queue(make_deps(), channel="app", kind="before", phone=PHONE)
    db.commit()
    clock.advance(60)
    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp)
    clock.advance(60)
    outbox.queue(make_deps(), channel="app", kind="after", phone=PHONE)
    outbox.queue(make_deps(), channel="app", kind="elsewhere", phone=OTHER)
    outbox.queue(make_deps(), channel="sms", kind="an sms", phone=PHONE)
    db.commit()
    feed = binding.feed_of(make_deps(), result.device)
    assert [m.kind for m in feed] == ["after"]
    assert binding.feed_of(make_deps(), result.device, after=feed[0].id) == []


def test_the_feed_is_newest_first(db, make_deps, clock) -> None:
    from webapp.services import outbox

    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp)
    for n in range(3):
        clock.advance(1)
        outbox.queue(make_deps(), channel="app", kind=f"k{n}", phone=PHONE)
    db.commit()
    assert [m.kind for m in binding.feed_of(make_deps(), result.device)] == ["k2", "k1", "k0"]
    assert [m.kind for m in binding.feed_of(make_deps(), result.device, limit=2)] == ["k2", "k1"]


def test_a_notification_wakes_the_app_by_push(db, make_deps, push, deliver) -> None:
    from webapp.services import outbox

    result = bind(make_deps, binding.for_cabinet(make_deps(), PHONE).otp, push_token="fcm-token")
    outbox.queue(make_deps(), channel="app", kind="code_recovery", phone=PHONE)
    db.commit()
    deliver()
    assert [(m.push_token, m.data) for m in push.calls] == [("fcm-token", {"type": "feed"})]
    binding.set_push_token(make_deps(), result.device, None)
    outbox.queue(make_deps(), channel="app", kind="code_recovery", phone=PHONE)
    db.commit()
    deliver()
    assert len(push.calls) == 1
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "push")).one().status == "delivered"
