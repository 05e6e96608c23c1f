"""Binding secrets: derived in the cabinet, by SMS on public pages; tries and notices."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.models import AppDevice, BindingSecret, Cabinet, CabinetEvent
from webapp.services import binding
from tests.unit.conftest import PEPPER

PHONE = "+77011231885"
OTHER = "+77087654321"


def bind(make_deps, secret: str, device: str = "device-1", phone: str = PHONE):
    return binding.bind(make_deps(), phone=phone, secret=secret, device_key_hash=device)


def test_cabinet_secret_is_12_digits_grouped_with_a_long_token(db, clock) -> None:
    shown = binding.for_cabinet(db, PHONE, clock.now(), PEPPER)
    assert len(shown.otp) == 12 and shown.otp.isdigit()
    assert shown.grouped == f"{shown.otp[:4]} {shown.otp[4:8]} {shown.otp[8:]}"
    assert len(shown.token) >= 32  # 192 bits, base64
    assert shown.qr_payload == f"ED24BIND:{PHONE}:{shown.token}"
    assert 0 < (shown.expires_at - clock.now()).total_seconds() <= 60


def test_nothing_readable_is_stored_for_the_cabinet_secret(db, clock) -> None:
    binding.for_cabinet(db, PHONE, clock.now(), PEPPER)
    assert db.scalars(select(BindingSecret)).all() == []


def test_cabinet_secret_rotates_and_the_previous_holds_30_seconds(db, clock, make_deps) -> None:
    clock.advance(seconds=60 - clock.now().second)  # the start of a minute
    first = binding.for_cabinet(db, PHONE, clock.now(), PEPPER)
    clock.advance(60)
    assert binding.for_cabinet(db, PHONE, clock.now(), PEPPER).otp != first.otp
    clock.advance(29)
    assert bind(make_deps, first.otp) == binding.Bound(PHONE)


def test_a_stale_cabinet_secret_is_refused(db, clock, make_deps) -> None:
    clock.advance(seconds=60 - clock.now().second)
    first = binding.for_cabinet(db, PHONE, clock.now(), PEPPER)
    clock.advance(90)
    assert bind(make_deps, first.otp) is binding.Refusal.INVALID


def test_qr_token_binds_and_only_for_its_phone(db, clock, make_deps) -> None:
    shown = binding.for_cabinet(db, PHONE, clock.now(), PEPPER)
    assert bind(make_deps, shown.qr_payload, phone=OTHER) is binding.Refusal.INVALID
    assert bind(make_deps, shown.qr_payload) == binding.Bound(PHONE)


def test_a_used_cabinet_secret_dies_with_the_binding(db, clock, make_deps) -> None:
    shown = binding.for_cabinet(db, PHONE, clock.now(), PEPPER)
    assert bind(make_deps, shown.otp) == binding.Bound(PHONE)
    clock.advance(1)
    assert bind(make_deps, shown.otp, device="device-2") is binding.Refusal.INVALID


def test_sms_password_binds_once_within_ten_minutes(make_deps, sms, clock) -> None:
    assert binding.send_sms(make_deps(), PHONE, None) == binding.SmsSent(PHONE)
    otp = sms.last("otp")
    assert len(otp.replace(" ", "")) == 12
    clock.advance(minutes=9, seconds=59)
    assert bind(make_deps, otp) == binding.Bound(PHONE)
    assert bind(make_deps, otp, device="device-2") is binding.Refusal.INVALID


def test_sms_password_expires_after_ten_minutes(make_deps, sms, clock) -> None:
    binding.send_sms(make_deps(), PHONE, None)
    otp = sms.last("otp")
    clock.advance(minutes=10)
    assert bind(make_deps, otp) is binding.Refusal.INVALID


def test_sms_limits_per_phone_and_address(make_deps, sms, clock) -> None:
    assert isinstance(binding.send_sms(make_deps(), PHONE, None), binding.SmsSent)
    early = binding.send_sms(make_deps(), PHONE, None)
    assert isinstance(early, binding.TooSoon) and early.wait == timedelta(minutes=10)
    for _ in range(4):
        clock.advance(minutes=10)
        assert isinstance(binding.send_sms(make_deps(), PHONE, None), binding.SmsSent)
    clock.advance(minutes=10)
    assert isinstance(binding.send_sms(make_deps(), PHONE, None), binding.Blocked)  # 5 per phone per day
    for n in range(5):
        assert isinstance(binding.send_sms(make_deps(), f"+7701000000{n}", None), binding.SmsSent)
    assert isinstance(binding.send_sms(make_deps(), "+77010000009", None), binding.Blocked)  # 10 per address


def test_a_new_sms_cancels_the_previous(make_deps, sms, clock) -> None:
    binding.send_sms(make_deps(), PHONE, None)
    first = sms.last("otp")
    clock.advance(minutes=10, seconds=-1)
    clock.advance(1)
    binding.send_sms(make_deps(), PHONE, None)
    assert bind(make_deps, first) is binding.Refusal.INVALID
    assert bind(make_deps, sms.last("otp")) == binding.Bound(PHONE)


def test_five_wrong_kill_the_sms_password_and_lock_ten_minutes(make_deps, sms, clock) -> None:
    binding.send_sms(make_deps(), PHONE, None)
    otp = sms.last("otp")
    for _ in range(5):
        assert bind(make_deps, "000000000000") is binding.Refusal.INVALID
    assert isinstance(bind(make_deps, otp), binding.Blocked)
    clock.advance(minutes=10)
    assert bind(make_deps, otp) is binding.Refusal.INVALID  # dead


def test_binding_tells_the_number_the_feed_and_the_old_handset(db, make_deps, sms, notifier, clock) -> None:
    old = AppDevice(device_key_hash="old-phone", phone=PHONE, bound_at=clock.now() - timedelta(days=100))
    cabinet = Cabinet(iin="870123302154", phone=PHONE, session_epoch=0, created_at=clock.now())
    db.add_all([old, cabinet])
    db.commit()
    binding.send_sms(make_deps(), PHONE, cabinet.id)
    assert bind(make_deps, sms.last("otp"), device="new-phone") == binding.Bound(PHONE)
    assert sms.kinds() == ["binding_otp", "app_bound"]
    assert notifier.sent == [(old.id, "number_moved", {"phone": "+770****1885"})]
    assert [e.kind for e in db.scalars(select(CabinetEvent))] == ["app_bound"]
    assert binding.device_for(db, "new-phone").phone == PHONE
    assert db.get(AppDevice, old.id).phone is None


def test_device_switches_number_at_most_once_per_30_days(db, make_deps, sms, clock) -> None:
    binding.send_sms(make_deps(), PHONE, None)
    bind(make_deps, sms.last("otp"))
    clock.advance(days=29)
    result = bind(make_deps, binding.for_cabinet(db, OTHER, clock.now(), PEPPER).otp, phone=OTHER)
    assert isinstance(result, binding.TooSoon) and result.wait == timedelta(days=1)
    clock.advance(days=1)
    assert bind(make_deps, binding.for_cabinet(db, OTHER, clock.now(), PEPPER).otp, phone=OTHER) \
        == binding.Bound(OTHER)
    assert not binding.is_bound(db, PHONE)


def test_a_failed_sms_consumes_nothing(make_deps, sms) -> None:
    sms.failing = True
    assert binding.send_sms(make_deps(), PHONE, None) == binding.SendFailed()
    sms.failing = False
    assert isinstance(binding.send_sms(make_deps(), PHONE, None), binding.SmsSent)
