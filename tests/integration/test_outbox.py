"""Delivery through the outbox (contract v3): no parent waits on a gateway. The code works from
the moment it is stored; the code page says "Отправляем…", then "Отправлено в 14:05", or
"Не удалось отправить" and then a new code may be asked at once."""
from __future__ import annotations

import os
import threading
from datetime import timedelta
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.helpers import (ERLAN, ERLAN_PHONE, Browser, counts, deliver, kinds, make_app, outbox, say)
from webapp.services import codes
from webapp.services.gateways import Accepted, OutgoingSms, PermanentFailure, TemporaryFailure
from webapp.web import messages

SLOW = 10.0  # seconds the SMS provider takes to answer


class SlowSms:
    """An SMS gateway that takes 10 s to answer (the test lets it answer sooner: no test sleeps)."""

    def __init__(self, _settings: Any) -> None:
        self.entered = threading.Event()   # a delivery reached the gateway
        self.answer = threading.Event()    # the test lets it answer now
        self.taken: list[OutgoingSms] = []

    def send_sms(self, message: OutgoingSms) -> Accepted:
        self.entered.set()
        self.answer.wait(SLOW)
        self.taken.append(message)
        return Accepted(f"slow-{message.key}")


class BusySms:
    """An SMS gateway that never takes anything (timeouts, 503s): the outbox retries, then gives up."""

    def __init__(self, _settings: Any) -> None:
        self.tries = 0

    def send_sms(self, message: OutgoingSms) -> Accepted:
        self.tries += 1
        raise TemporaryFailure("503 from the provider")


class RefusingSms:
    def __init__(self, _settings: Any) -> None: ...

    def send_sms(self, message: OutgoingSms) -> Accepted:
        raise PermanentFailure("the provider refuses this number")


def app_with(gateway: str) -> Flask:
    return make_app(SMS_GATEWAY=f"tests.integration.test_outbox:{gateway}")


@pytest.fixture
def slow() -> Iterator[Flask]:
    app = app_with("SlowSms")
    yield app
    app.extensions["gateways"]["SMS_GATEWAY"].answer.set()
    app.extensions["db_engine"].dispose()


def delivery_words(lang: str, state: str, app: Flask | None = None) -> str:
    sent_at = app.extensions["clock"].now() if app is not None else None
    return say(lang, messages.delivery_state, codes.Delivery(state, codes.Channel.SMS, sent_at))


def status_fragment(web: Browser, lang: str) -> str:
    response = web.get(f"/{lang}/cabinet/recovery/status", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_a_post_answers_while_a_10_second_gateway_would_block(slow: Flask, lang: str) -> None:
    gateway: SlowSms = slow.extensions["gateways"]["SMS_GATEWAY"]
    web = Browser(slow)
    web.start_recovery(lang, ERLAN)
    token = web.token()
    started = time.perf_counter()
    answered = web.client.post(f"/{lang}/cabinet/recovery/sms-code", data={"csrf_token": token})
    took = time.perf_counter() - started
    assert answered.status_code == 303 and took < SLOW / 2, took
    assert not gateway.entered.is_set()  # the parent's request never called the gateway
    [queued] = outbox(slow, ERLAN_PHONE)
    assert queued.status == "queued" and queued.code

    worker = threading.Thread(target=deliver, args=(slow,))
    worker.start()
    assert gateway.entered.wait(5)  # the worker is at the gateway, waiting for its answer…
    assert outbox(slow, ERLAN_PHONE)[0].status == "queued"
    assert web.page(f"/{lang}/cabinet/recovery").status == 200  # … and the site answers meanwhile
    gateway.answer.set()  # … the answer comes
    worker.join(30)
    assert not worker.is_alive()
    assert outbox(slow, ERLAN_PHONE)[0].status == "delivered"
    [taken] = gateway.taken
    assert taken.phone == ERLAN_PHONE and taken.key.startswith("ed24-")  # the row id: the idempotency key
    assert queued.code in taken.text
    assert web.confirm_code(lang, queued.code).has_field("password")


def test_a_code_works_before_any_gateway_took_it(slow: Flask, lang: str) -> None:
    gateway: SlowSms = slow.extensions["gateways"]["SMS_GATEWAY"]
    web = Browser(slow)
    web.start_recovery(lang, ERLAN)
    web.post(f"/{lang}/cabinet/recovery/sms-code")
    [queued] = outbox(slow, ERLAN_PHONE)
    assert queued.status == "queued"
    assert web.confirm_code(lang, queued.code).has_field("password")  # valid from the moment it is stored
    gateway.answer.set()
    deliver(slow)
    assert gateway.taken == []  # a used code is not sent any more


def test_the_code_page_says_sending_then_sent_at_and_the_countdown_starts_then(slow: Flask, lang: str) -> None:
    gateway: SlowSms = slow.extensions["gateways"]["SMS_GATEWAY"]
    web = Browser(slow)
    web.start_recovery(lang, ERLAN)
    page = web.submit(f"/{lang}/cabinet/recovery/sms-code")
    sending = delivery_words(lang, "sending")
    assert sending in page.text and "Отправляем…" in say("ru", messages.delivery_state, codes.Delivery("sending"))
    assert page.soup.find(id="delivery").has_attr("data-hx-get")  # the box asks again while it is on its way
    assert sending in status_fragment(web, lang)
    early = web.submit(f"/{lang}/cabinet/recovery/resend")  # no second code while the first is on its way
    assert say(lang, messages.STILL_SENDING) in early.text

    slow.extensions["clock"].advance(20)  # the provider answers 20 s later
    worker = threading.Thread(target=deliver, args=(slow,))
    worker.start()
    assert gateway.entered.wait(5)
    assert sending in status_fragment(web, lang)
    gateway.answer.set()
    worker.join(30)
    sent = delivery_words(lang, "sent", slow)
    assert sent.endswith("14:00") or sent.endswith("14:01")  # 09:00:20 UTC is 14:00 in Almaty
    assert sent in status_fragment(web, lang)
    page = web.page(f"/{lang}/cabinet/recovery")
    assert sent in page.text and not page.soup.find(id="delivery").has_attr("data-hx-get")
    # The resend countdown runs from the moment the gateway took it.
    assert page.soup.find(id="resend-countdown")["data-countdown"] == "60"
    slow.extensions["clock"].advance(30)
    assert web.page(f"/{lang}/cabinet/recovery").soup.find(id="resend-countdown")["data-countdown"] == "30"


def test_a_message_no_gateway_took_within_the_codes_lifetime_failed_and_a_new_code_may_be_asked_at_once(
        lang: str) -> None:
    app = app_with("BusySms")
    gateway: BusySms = app.extensions["gateways"]["SMS_GATEWAY"]
    web = Browser(app)
    web.start_recovery(lang, ERLAN)
    web.post(f"/{lang}/cabinet/recovery/sms-code")
    send_key = ("code_sends_phone", f"{ERLAN_PHONE}|recovery")
    assert counts(app)[send_key] == 1
    clock = app.extensions["clock"]
    for _ in range(12):  # the worker retries with backoff while the code lives
        deliver(app)
        clock.advance(30)
    assert gateway.tries >= 3
    assert outbox(app, ERLAN_PHONE)[0].status == "failed"
    page = web.page(f"/{lang}/cabinet/recovery")
    assert delivery_words(lang, "failed") in page.text
    assert counts(app)[send_key] == 0  # the send was given back
    again = web.submit(f"/{lang}/cabinet/recovery/resend")  # at once: no 60 s wait after a failure
    assert say(lang, messages.CODE_SENT_AGAIN) in again.notices()
    assert kinds(app, ERLAN_PHONE) == ["sms:code_recovery", "sms:code_recovery"]
    app.extensions["db_engine"].dispose()


def test_a_refused_message_fails_at_once_and_the_send_comes_back_at_most_once_an_hour(lang: str) -> None:
    app = app_with("RefusingSms")
    web = Browser(app)
    web.start_recovery(lang, ERLAN)
    web.post(f"/{lang}/cabinet/recovery/sms-code")
    send_key = ("code_sends_phone", f"{ERLAN_PHONE}|recovery")
    assert deliver(app) == 1 and outbox(app, ERLAN_PHONE)[0].status == "failed"
    page = web.page(f"/{lang}/cabinet/recovery")
    assert delivery_words(lang, "failed") in page.text
    assert page.soup.find(id="resend-countdown")["data-countdown"] == "0"
    assert counts(app)[send_key] == 0
    web.post(f"/{lang}/cabinet/recovery/resend")
    assert deliver(app) == 1 and [n.status for n in outbox(app, ERLAN_PHONE)] == ["failed", "failed"]
    assert counts(app)[send_key] == 1  # the second failure within the hour is not given back
    # … nor the growing wait between SMS to one phone: the next SMS waits its minute.
    waits = web.submit(f"/{lang}/cabinet/recovery/resend")
    assert say(lang, messages.code_capped, timedelta(minutes=1), links=True) in waits.text
    app.extensions["clock"].advance(60)
    assert web.submit(f"/{lang}/cabinet/recovery/resend").notices() == [say(lang, messages.CODE_SENT_AGAIN)]
    app.extensions["db_engine"].dispose()


class CountingSms:
    """Takes everything, slowly enough (10 ms) that two workers' passes overlap."""

    def __init__(self, _settings: Any) -> None:
        self.lock = threading.Lock()
        self.keys: list[str] = []

    def send_sms(self, message: OutgoingSms) -> Accepted:
        time.sleep(0.01)
        with self.lock:
            self.keys.append(message.key)
        return Accepted(message.key)


@pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgres",
                    reason="make test-postgres: the in-memory SQLite of this suite is one "
                           "connection for all threads (tests/unit/test_concurrency.py claims on a SQLite file)")
def test_two_workers_never_deliver_one_message_twice() -> None:
    """20 messages, 2 workers at once, each on its own connection: FOR UPDATE SKIP LOCKED."""
    from webapp.delivery.runner import worker_for
    from webapp.models import OutboxMessage

    app = app_with("CountingSms")
    now = app.extensions["clock"].now()
    with app.extensions["db_sessionmaker"]() as db:
        db.add_all(OutboxMessage(channel="sms", phone=f"+770100000{n:02d}", kind="notice", lang="ru",
                                 text=f"message {n}", status="queued", attempts=0, next_attempt_at=now,
                                 deliver_by=now + timedelta(hours=1), created_at=now) for n in range(20))
        db.commit()
    workers = [worker_for(app), worker_for(app)]
    start = threading.Barrier(2)
    handled = [0, 0]

    errors: list[BaseException] = []
    sessions = app.extensions["db_sessionmaker"]

    def run(i: int) -> None:
        start.wait()
        try:
            deadline = time.monotonic() + 30
            while workers[i].has_due(sessions) and time.monotonic() < deadline:  # a pass may find
                # that the other worker took all it saw: look again until nothing is queued
                handled[i] += workers[i].deliver_due(sessions, limit=3)
        except BaseException as exc:  # noqa: B036 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    keys = app.extensions["gateways"]["SMS_GATEWAY"].keys
    assert len(keys) == 20 and len(set(keys)) == 20, keys
    assert sum(handled) == 20 and all(handled), handled  # both took part, neither took a row twice
    app.extensions["db_engine"].dispose()
