from datetime import timedelta

from webapp.models import AppDevice
from webapp.services import binding

PEPPER = b"pepper"
PHONE = "+77011231885"


def test_otp_is_12_digits_and_token_is_long(db, clock) -> None:
    issued = binding.issue(db, PHONE, clock.now(), PEPPER)
    assert len(issued.otp) == 12 and issued.otp.isdigit()
    assert len(issued.token) >= 32  # 192 random bits, base64
    assert issued.expires_at - clock.now() == timedelta(seconds=60)


def test_bind_with_otp_or_qr_token(db, clock) -> None:
    issued = binding.issue(db, PHONE, clock.now(), PEPPER)
    assert binding.bind(db, phone=PHONE, secret=issued.otp, device_key_hash="d1", now=clock.now(),
                        pepper=PEPPER) == binding.Bound(PHONE)
    assert binding.is_bound(db, PHONE)
    other = binding.issue(db, "+77087654321", clock.now(), PEPPER)
    assert isinstance(binding.bind(db, phone="+77087654321", secret=other.qr_payload,
                                   device_key_hash="d2", now=clock.now(), pepper=PEPPER), binding.Bound)


def test_expired_reused_or_foreign_secret_is_refused(db, clock) -> None:
    issued = binding.issue(db, PHONE, clock.now(), PEPPER)
    assert binding.bind(db, phone="+77087654321", secret=issued.otp, device_key_hash="d",
                        now=clock.now(), pepper=PEPPER) is binding.Refusal.INVALID
    clock.advance(60)
    assert binding.bind(db, phone=PHONE, secret=issued.otp, device_key_hash="d", now=clock.now(),
                        pepper=PEPPER) is binding.Refusal.INVALID
    fresh = binding.issue(db, PHONE, clock.now(), PEPPER)
    binding.bind(db, phone=PHONE, secret=fresh.otp, device_key_hash="d", now=clock.now(), pepper=PEPPER)
    assert binding.bind(db, phone=PHONE, secret=fresh.otp, device_key_hash="e", now=clock.now(),
                        pepper=PEPPER) is binding.Refusal.INVALID


def test_device_switches_number_at_most_once_per_30_days(db, clock) -> None:
    first = binding.issue(db, PHONE, clock.now(), PEPPER)
    binding.bind(db, phone=PHONE, secret=first.otp, device_key_hash="d", now=clock.now(), pepper=PEPPER)
    clock.advance(days=29)
    other = binding.issue(db, "+77087654321", clock.now(), PEPPER)
    result = binding.bind(db, phone="+77087654321", secret=other.otp, device_key_hash="d",
                          now=clock.now(), pepper=PEPPER)
    assert isinstance(result, binding.TooSoon) and result.wait == timedelta(days=1)
    clock.advance(days=1)
    other = binding.issue(db, "+77087654321", clock.now(), PEPPER)
    assert isinstance(binding.bind(db, phone="+77087654321", secret=other.otp, device_key_hash="d",
                                   now=clock.now(), pepper=PEPPER), binding.Bound)
    assert not binding.is_bound(db, PHONE)


def test_a_new_device_takes_the_number_over(db, clock) -> None:
    db.add(AppDevice(phone=PHONE, bound_at=clock.now()))
    issued = binding.issue(db, PHONE, clock.now(), PEPPER)
    binding.bind(db, phone=PHONE, secret=issued.otp, device_key_hash="new", now=clock.now(), pepper=PEPPER)
    assert binding.device_for(db, "new").phone == PHONE
    assert [d.phone for d in db.query(AppDevice).all()].count(PHONE) == 1
