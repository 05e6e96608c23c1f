"""The outbox: every message is a row in the transaction of what it announces; codes and links
are kept only sealed, and forgotten once used or expired."""
from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.unit.conftest import bind_app
from webapp.models import OutboxMessage
from webapp.services import codes, outbox
from webapp.services.clock import as_utc
from webapp.services.codes import Channel, Target
from webapp.services.context import Policy
from webapp.services.epoch import raise_epoch, subject
from webapp.services.outbox import FernetSealer, Secret, open_message

PHONE = "+77057546868"


def send_code(make_deps, cabinet, channel=Channel.SMS):
    return codes.send(make_deps(), Target("recovery", subject(cabinet), PHONE, cabinet), "n", channel)


def only_message(db) -> OutboxMessage:
    return db.scalars(select(OutboxMessage).where(OutboxMessage.channel != "push")).one()


def test_the_text_shows_the_code_and_link_masked(db, make_deps, cabinet, phone) -> None:
    send_code(make_deps, cabinet)
    row = only_message(db)
    received = phone(PHONE)[0]
    assert received.code not in row.text and received.link not in row.text
    assert outbox.CODE_MASK in row.text and outbox.LINK_MASK in row.text
    assert received.code not in row.sealed and received.link.rsplit("/", 1)[1] not in row.sealed


def test_the_code_is_readable_only_with_the_outbox_key(db, make_deps, cabinet, sealer) -> None:
    send_code(make_deps, cabinet)
    row = only_message(db)
    with_key = open_message(sealer, make_deps().now, row)
    assert with_key.code and with_key.link and with_key.code in with_key.text
    stranger = FernetSealer([Fernet.generate_key()])
    without = open_message(stranger, make_deps().now, row)
    assert (without.code, without.link, without.text) == (None, None, row.text)


def test_a_rotated_outbox_key_still_opens_what_the_old_one_sealed(db, make_deps, cabinet, sealer) -> None:
    old_key = Fernet.generate_key()
    old = FernetSealer([old_key])
    import dataclasses

    codes.send(dataclasses.replace(make_deps(), sealer=old), Target("recovery", subject(cabinet), PHONE, cabinet),
               "n", Channel.SMS)
    rotated = FernetSealer([Fernet.generate_key(), old_key])
    assert open_message(rotated, make_deps().now, only_message(db)).code


def test_sealer_refuses_tampering() -> None:
    sealer = FernetSealer([Fernet.generate_key()])
    sealed = sealer.seal({"code": "123456"})
    assert sealer.open(sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]) is None
    assert sealer.open("not even base64") is None
    assert sealer.open(FernetSealer([Fernet.generate_key()]).seal({"code": "1"})) is None


def test_a_used_code_is_retired_from_the_outbox(db, make_deps, cabinet, phone) -> None:
    send_code(make_deps, cabinet)
    codes.verify(make_deps(), Target("recovery", subject(cabinet), PHONE, cabinet), "n", phone.code(PHONE))
    assert only_message(db).sealed is None
    assert only_message(db).text  # the masked text stays


def test_retire_drops_the_secret_of_the_given_messages_only(db, make_deps, cabinet, clock) -> None:
    deps = make_deps()
    until = clock.now() + timedelta(minutes=5)
    a = outbox.queue(deps, channel="sms", kind="k", phone=PHONE, secret=Secret(code="111111", code_until=until))
    b = outbox.queue(deps, channel="sms", kind="k", phone=PHONE, secret=Secret(code="222222", code_until=until))
    outbox.retire(deps, [a.id, None])
    db.commit()
    db.expire_all()
    assert a.sealed is None and b.sealed is not None


def test_the_epoch_retires_every_outstanding_secret_of_the_cabinet(db, make_deps, cabinet, phone, clock) -> None:
    send_code(make_deps, cabinet)
    clock.advance(60)
    codes.send(make_deps(), Target("setup", subject(cabinet), PHONE, cabinet), "m", Channel.APP)
    raise_epoch(make_deps(), cabinet)
    db.commit()
    assert all(m.code is None and m.link is None for m in phone(PHONE))
    assert db.scalars(select(OutboxMessage.sealed).where(OutboxMessage.sealed.is_not(None))).all() == []


def test_forget_expired_drops_secrets_once_code_and_link_are_both_dead(db, make_deps, cabinet, clock) -> None:
    send_code(make_deps, cabinet)
    clock.advance(minutes=59)
    assert outbox.forget_expired(db, clock.now()) == 0  # the link still lives
    clock.advance(minutes=1, seconds=1)
    assert outbox.forget_expired(db, clock.now()) == 1
    assert only_message(db).sealed is None


def test_an_expired_code_is_hidden_while_the_link_lives(db, make_deps, cabinet, phone, clock) -> None:
    send_code(make_deps, cabinet)
    code = phone.code(PHONE)
    clock.advance(minutes=5)
    received = phone(PHONE)[0]
    assert received.code is None and received.link and code


def test_a_message_that_carries_nothing_secret_is_plain(db, make_deps) -> None:
    outbox.queue(make_deps(), channel="sms", kind="app_bound", phone=PHONE, params={"phone": "+770****6868"})
    row = only_message(db)
    assert row.sealed is None and row.sealed_until is None
    assert row.text == "sms:app_bound:[('phone', '+770****6868')]"


def test_app_notifications_are_in_the_feed_at_once_sms_wait_for_the_worker(db, make_deps, clock) -> None:
    deps = make_deps(address="1.2.3.4")
    app = outbox.queue(deps, channel="app", kind="k", phone=PHONE)
    sms = outbox.queue(deps, channel="sms", kind="k", phone=PHONE)
    assert (app.status, app.delivered_at) == ("delivered", clock.now())
    assert (sms.status, sms.delivered_at, sms.attempts) == ("queued", None, 0)
    assert sms.next_attempt_at == clock.now() and sms.lang == "ru"


def test_an_app_notification_wakes_only_devices_with_a_push_token(db, make_deps, clock) -> None:
    bind_app(db, PHONE, clock.now(), push_token="fcm-1")
    bind_app(db, "+77011231885", clock.now(), push_token="fcm-2")
    bind_app(db, "+77022229223", clock.now())
    outbox.queue(make_deps(), channel="app", kind="k", phone=PHONE)
    outbox.queue(make_deps(), channel="app", kind="k", phone="+77022229223")
    db.commit()
    pushes = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "push")).all()
    assert len(pushes) == 1 and pushes[0].text == "" and pushes[0].phone is None


def test_deliver_by_is_capped_by_the_configured_age(db, make_deps, clock) -> None:
    deps = make_deps(policy=Policy(outbox_max_age=timedelta(minutes=30)))
    long = outbox.queue(deps, channel="sms", kind="k", phone=PHONE, deliver_by=clock.now() + timedelta(hours=5))
    plain = outbox.queue(deps, channel="sms", kind="k", phone=PHONE)
    short = outbox.queue(deps, channel="sms", kind="k", phone=PHONE, deliver_by=clock.now() + timedelta(minutes=5))
    assert long.deliver_by == plain.deliver_by == clock.now() + timedelta(minutes=30)
    assert short.deliver_by == clock.now() + timedelta(minutes=5)


def test_a_code_message_must_go_within_the_codes_lifetime(db, make_deps, cabinet, clock) -> None:
    send_code(make_deps, cabinet)
    assert as_utc(only_message(db).deliver_by) == clock.now() + codes.LIFETIME


def test_the_message_is_queued_in_the_transaction_of_what_it_announces(db, make_deps, cabinet) -> None:
    deps = make_deps()
    outbox.queue(deps, channel="sms", kind="k", phone=PHONE)
    db.rollback()  # what it announced did not happen: neither did the message
    assert db.scalars(select(OutboxMessage)).all() == []


def test_the_request_id_follows_the_message(db, make_deps) -> None:
    import dataclasses

    outbox.queue(dataclasses.replace(make_deps(), request_id="req-42"), channel="sms", kind="k", phone=PHONE)
    assert only_message(db).request_id == "req-42"
