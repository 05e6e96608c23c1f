"""The outbox worker with fake gateways: at least once, one idempotency key per message, retries
with backoff and jitter until the message's deliver-by moment, then failed."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from webapp.delivery import retry
from webapp.delivery.worker import CLAIM_FOR, Worker, failed_messages, idempotency_key
from webapp.models import OutboxMessage
from webapp.services import codes, outbox
from webapp.services.clock import as_utc
from webapp.services.codes import Channel, Target
from webapp.services.epoch import raise_epoch, subject
from webapp.services.gateways import OutgoingPush, OutgoingSms, PermanentFailure, TemporaryFailure
from webapp.services.outbox import Secret

PHONE = "+77057546868"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


# -- when to try again ------------------------------------------------------------------------------

@given(attempts=st.integers(min_value=1, max_value=40), seed=st.integers(min_value=0, max_value=2 ** 32),
       room=st.integers(min_value=0, max_value=24 * 3600))
def test_the_next_try_is_backed_off_with_jitter_and_never_past_deliver_by(attempts: int, seed: int,
                                                                          room: int) -> None:
    deliver_by = T0 + timedelta(seconds=room)
    moment = retry.next_attempt(T0, attempts, deliver_by, rng=random.Random(seed))
    base = min(retry.CAP, retry.FIRST * 2 ** (attempts - 1))
    if T0 + base * 1.5 < deliver_by:  # even the longest jittered wait fits: a try is planned
        assert moment is not None
    if moment is not None:
        assert T0 + base * 0.5 <= moment <= T0 + base * 1.5
        assert moment < deliver_by


@given(retry_after=st.floats(min_value=0, max_value=3600), seed=st.integers(min_value=0, max_value=2 ** 32))
def test_a_gateways_retry_after_is_honoured(retry_after: float, seed: int) -> None:
    far = T0 + timedelta(days=1)
    moment = retry.next_attempt(T0, 1, far, retry_after=retry_after, rng=random.Random(seed))
    assert moment is not None and moment >= T0 + timedelta(seconds=retry_after)


def test_a_retry_after_past_deliver_by_fails_the_message() -> None:
    assert retry.next_attempt(T0, 1, T0 + timedelta(minutes=5), retry_after=301) is None


def test_the_waits_grow_and_are_capped() -> None:
    middle = random.Random(0)
    middle.uniform = lambda a, b: 1.0  # type: ignore[method-assign]
    far = T0 + timedelta(days=1)
    waits = [retry.next_attempt(T0, n, far, rng=middle) - T0 for n in range(1, 11)]
    assert waits[:5] == [timedelta(seconds=s) for s in (2, 4, 8, 16, 32)]
    assert max(waits) == retry.CAP == waits[-1]


def test_jitter_spreads_retries_of_many_messages() -> None:
    rng = random.Random(7)
    far = T0 + timedelta(days=1)
    moments = {retry.next_attempt(T0, 3, far, rng=rng) for _ in range(50)}
    assert len(moments) > 40


# -- the worker -------------------------------------------------------------------------------------

def queue_sms(make_deps, db, kind: str = "notice", deliver_by: timedelta | None = None) -> OutboxMessage:
    deps = make_deps()
    row = outbox.queue(deps, channel="sms", kind=kind, phone=PHONE,
                       deliver_by=deps.now + deliver_by if deliver_by else None)
    db.commit()
    return row


def reload(db, row: OutboxMessage) -> OutboxMessage:
    db.expire_all()
    return db.get(OutboxMessage, row.id)


def test_a_taken_message_is_delivered(db, make_deps, sms, deliver, clock) -> None:
    row = queue_sms(make_deps, db)
    clock.advance(3)
    assert deliver() == 1
    assert [(m.key, m.phone, m.text) for m in sms.calls] == [(f"ed24-{row.id}", PHONE, row.text)]
    row = reload(db, row)
    assert (row.status, as_utc(row.delivered_at), row.attempts) == ("delivered", clock.now(), 1)
    assert row.gateway_ref == f"ref-ed24-{row.id}"
    assert deliver() == 0 and len(sms.calls) == 1


def test_the_sms_carries_the_code_the_row_shows_masked(db, make_deps, cabinet, sms, deliver, phone) -> None:
    codes.send(make_deps(), Target("recovery", subject(cabinet), PHONE, cabinet), "n", Channel.SMS)
    code, link = phone.code(PHONE), phone.link(PHONE)
    deliver()
    assert code in sms.calls[0].text and link in sms.calls[0].text
    assert code not in db.scalars(select(OutboxMessage.text)).one()


def test_temporary_failures_are_retried_with_the_same_key_and_delivered_once(db, make_deps, sms, deliver,
                                                                            clock) -> None:
    row = queue_sms(make_deps, db)
    sms.plan = [TemporaryFailure("timeout"), TemporaryFailure("503"), TemporaryFailure("429", retry_after=20)]
    for _ in range(3):
        assert deliver() == 1
        waiting = reload(db, row)
        assert waiting.status == "queued" and as_utc(waiting.next_attempt_at) > clock.now()
        assert deliver() == 0  # not before its next try
        clock.advance((as_utc(waiting.next_attempt_at) - clock.now()).total_seconds())
    assert deliver() == 1
    assert sms.keys == [idempotency_key(row.id)] * 4
    row = reload(db, row)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 4, "429")
    assert deliver() == 0


def test_retry_after_sets_the_next_try(db, make_deps, sms, deliver, clock) -> None:
    row = queue_sms(make_deps, db)
    sms.plan = [TemporaryFailure("429", retry_after=40)]
    deliver()
    assert as_utc(reload(db, row).next_attempt_at) >= clock.now() + timedelta(seconds=40)


def test_a_permanent_failure_fails_at_once(db, make_deps, sms, deliver) -> None:
    row = queue_sms(make_deps, db)
    sms.plan = [PermanentFailure("not a mobile number")]
    deliver()
    row = reload(db, row)
    assert (row.status, row.last_error) == ("failed", "not a mobile number") and row.failed_at is not None
    assert deliver() == 0 and len(sms.calls) == 1
    assert [m.id for m in failed_messages(db)] == [row.id]


def test_an_adapters_own_exception_is_retried(db, make_deps, sms, deliver, clock) -> None:
    row = queue_sms(make_deps, db)
    sms.plan = [KeyError("a bug in the adapter")]
    assert deliver() == 1
    waiting = reload(db, row)
    assert (waiting.status, waiting.last_error, waiting.attempts) == ("queued", "KeyError", 1)
    clock.advance(5)
    deliver()
    assert reload(db, row).status == "delivered" and sms.keys == [f"ed24-{row.id}"] * 2


def test_a_message_past_its_deliver_by_fails_without_a_call(db, make_deps, sms, deliver, clock) -> None:
    row = queue_sms(make_deps, db, deliver_by=timedelta(minutes=5))
    clock.advance(minutes=5)
    assert deliver() == 1
    assert sms.calls == [] and reload(db, row).status == "failed"


def test_retries_stop_at_deliver_by(db, make_deps, sms, deliver, clock) -> None:
    row = queue_sms(make_deps, db, deliver_by=timedelta(minutes=5))
    sms.plan = [TemporaryFailure("down")] * 1000
    for _ in range(200):
        deliver()
        current = reload(db, row)
        if current.status != "queued":
            break
        clock.advance(max(1.0, (as_utc(current.next_attempt_at) - clock.now()).total_seconds()))
    current = reload(db, row)
    assert current.status == "failed" and as_utc(current.failed_at) < as_utc(current.deliver_by)
    assert 5 <= len(sms.calls) <= 20  # backed off: not a call a second


class Killed(BaseException):
    """The worker's process is killed while a gateway call is in flight."""


def test_a_claim_that_expires_is_delivered_again_with_the_same_key(db, make_deps, sms, deliver, clock) -> None:
    row = queue_sms(make_deps, db)
    sms.plan = [Killed()]
    with pytest.raises(Killed):
        deliver()
    assert reload(db, row).status == "queued"
    clock.advance(CLAIM_FOR.total_seconds() - 1)
    assert deliver() == 0  # still claimed by the worker that died
    clock.advance(2)
    assert deliver() == 1
    assert sms.keys == [f"ed24-{row.id}", f"ed24-{row.id}"]
    assert reload(db, row).status == "delivered"


def test_a_claimed_message_is_not_claimed_by_another_worker(db, sessions, make_deps, sealer, policy, clock) -> None:
    from tests.unit.conftest import FakePush, FakeSms

    row = queue_sms(make_deps, db)
    first, second = FakeSms(), FakeSms()
    during = []

    class Slow(FakeSms):
        def send_sms(self, message: OutgoingSms):
            # while the first worker holds the message, a second worker looks
            other = Worker({"SMS_GATEWAY": second, "PUSH_GATEWAY": FakePush()}, sealer, policy.limits,
                           lambda _db: clock.now())
            during.append(other.deliver_due(sessions))
            return first.send_sms(message)

    Worker({"SMS_GATEWAY": Slow(), "PUSH_GATEWAY": FakePush()}, sealer, policy.limits,
           lambda _db: clock.now()).deliver_due(sessions)
    assert during == [0] and second.calls == [] and first.keys == [f"ed24-{row.id}"]


def test_a_failed_code_message_lets_a_new_code_go_at_once(db, make_deps, cabinet, sms, deliver, phone) -> None:
    target = Target("recovery", subject(cabinet), PHONE, cabinet)
    codes.send(make_deps(), target, "n", Channel.SMS)
    assert codes.send(make_deps(), target, "n", Channel.SMS) == codes.StillSending()
    sms.plan = [PermanentFailure("refused")]
    deliver()
    assert codes.delivery(make_deps(), target, "n").state == "failed"
    assert codes.send(make_deps(), target, "n", Channel.SMS) == codes.Sent(Channel.SMS)
    deliver()
    assert [m.status for m in phone(PHONE)] == ["delivered", "failed"]


def test_a_retired_secret_is_not_sent(db, make_deps, cabinet, sms, deliver) -> None:
    # the cabinet changed before the SMS went: its code and link are dead, nothing goes
    codes.send(make_deps(), Target("recovery", subject(cabinet), PHONE, cabinet), "n", Channel.SMS)
    raise_epoch(make_deps(), cabinet)
    db.commit()
    deliver()
    assert sms.calls == []
    assert db.scalars(select(OutboxMessage.status)).one() == "failed"


def test_pushes_go_to_the_push_gateway(db, make_deps, push, sms, deliver, clock) -> None:
    from tests.unit.conftest import bind_app

    bind_app(db, PHONE, clock.now(), push_token="fcm-token")
    row = outbox.queue(make_deps(), channel="app", kind="code_recovery", phone=PHONE,
                       secret=Secret(code="123456", code_until=clock.now() + timedelta(minutes=5)))
    db.commit()
    deliver()
    assert sms.calls == []
    assert len(push.calls) == 1
    call: OutgoingPush = push.calls[0]
    assert call.push_token == "fcm-token" and call.data == {"type": "feed"} and "123456" not in repr(call)
    assert reload(db, row).status == "delivered"


def test_a_push_to_a_device_that_ended_fails_without_a_call(db, make_deps, push, deliver, clock) -> None:
    from tests.unit.conftest import bind_app

    device = bind_app(db, PHONE, clock.now(), push_token="fcm-token")
    outbox.queue(make_deps(), channel="app", kind="k", phone=PHONE)
    device.ended_at, device.phone = clock.now(), None
    db.commit()
    deliver()
    assert push.calls == []
    assert db.scalars(select(OutboxMessage.status).where(OutboxMessage.channel == "push")).one() == "failed"


def test_a_push_token_the_push_service_refuses_is_forgotten_and_the_binding_stays(
        db, make_deps, push, deliver, clock) -> None:
    from tests.unit.conftest import bind_app

    device = bind_app(db, PHONE, clock.now(), push_token="fcm-token")
    push.plan = [PermanentFailure("UNREGISTERED")]
    outbox.queue(make_deps(), channel="app", kind="k", phone=PHONE)
    db.commit()
    deliver()
    db.refresh(device)
    assert len(push.calls) == 1 and device.push_token is None and device.ended_at is None
    outbox.queue(make_deps(), channel="app", kind="k", phone=PHONE)  # the next notification wakes nobody
    db.commit()
    deliver()
    assert len(push.calls) == 1


def test_the_request_id_reaches_the_gateway(db, make_deps, sms, deliver) -> None:
    import dataclasses

    outbox.queue(dataclasses.replace(make_deps(), request_id="req-7"), channel="sms", kind="k", phone=PHONE)
    db.commit()
    deliver()
    assert sms.calls[0].request_id == "req-7"


def test_messages_go_oldest_first_in_batches(db, make_deps, sms, worker, sessions, clock) -> None:
    rows = [queue_sms(make_deps, db) for _ in range(5)]
    assert worker.deliver_due(sessions, limit=3) == 3
    assert worker.deliver_due(sessions, limit=3) == 2
    assert sms.keys == [f"ed24-{r.id}" for r in rows]
