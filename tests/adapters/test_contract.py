"""The contract of services/gateways.py, run against every adapter (over real HTTP, to a
fake of its outside party, tests/adapters/fakes.py) and against the sandbox's fake of
the same port.

What applies to whom is said by the parametrization: SMS, PUSH and REGISTRY name
every subject; the *_OVER_HTTP marks name only the adapters, for the cases that need a
network (timeouts, refused connections, HTTP statuses, odd answers, headers): the
sandbox's fakes have none, so those cases do not apply to them.
"""
from __future__ import annotations

import dataclasses
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.conftest import PushSubject, RegistrySubject, SmsSubject
from tests.adapters.fakes import (
    AIGERIM,
    AIGERIM_PHONES,
    ALIKHAN,
    AMINA,
    ERLAN,
    ERLAN_PHONE,
    FOREIGN_TOKEN,
    MALFORMED_TOKEN,
    NO_CHILD,
    NOBODY_IIN,
    NOBODY_PHONE,
    REGISTRY_TOKEN,
    UNREGISTERED_TOKEN,
    FakeFcm,
    FakeRegistry,
    FakeSmsc,
    ServiceAccount,
    fcm_error,
    reply,
)
from webapp.adapters.fcm import FcmPush
from webapp.adapters.registry_http import HttpRegistry
from webapp.adapters.sms_smsc import SmscSms
from webapp.sandbox.fake_gateways import SandboxPush, SandboxRegistry, SandboxSms
from webapp.services.gateways import (
    REQUEST_ID,
    Accepted,
    ChildRecord,
    GatewayMisconfigured,
    OutgoingPush,
    OutgoingSms,
    PermanentFailure,
    PushGateway,
    Registry,
    RegistryUnavailable,
    SmsGateway,
    TemporaryFailure,
)

SMS = pytest.mark.parametrize("sms", ["smsc", "sandbox"], indirect=True)
SMS_OVER_HTTP = pytest.mark.parametrize("sms", ["smsc"], indirect=True)
PUSH = pytest.mark.parametrize("push", ["fcm", "sandbox"], indirect=True)
PUSH_OVER_HTTP = pytest.mark.parametrize("push", ["fcm"], indirect=True)
REGISTRY = pytest.mark.parametrize("registry", ["http", "sandbox"], indirect=True)
REGISTRY_OVER_HTTP = pytest.mark.parametrize("registry", ["http"], indirect=True)

TIMEOUT = 0.5          # every adapter's timeout in these tests (see the fakes' settings)
SEND = "/v1/projects/ed24-test/messages:send"     # FCM, for the fake's service account
PHONE = "+77057546868"
TEXT = "ed24.kz: код 123456. Кодты ешкімге айтпаңыз — қызметкерлер сұрамайды."
SMS_MESSAGE = OutgoingSms(key="ed24-17", phone=PHONE, text=TEXT, request_id="req-sms-1")
PUSH_TOKEN = "registration-token-of-aigerims-phone"
PUSH_MESSAGE = OutgoingPush(key="ed24-18", push_token=PUSH_TOKEN, data={"type": "feed", "after": "41"},
                            request_id="req-push-1")


@contextmanager
def within(seconds: float) -> Iterator[None]:
    started = time.monotonic()
    yield
    assert time.monotonic() - started < seconds


def closed_port_url() -> str:
    """A loopback URL nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def in_30_seconds() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)


def assert_not_leaked(secrets: list[str], failure: BaseException | None,
                      caplog: pytest.LogCaptureFixture) -> None:
    """Nothing the adapter logs (at any level, httpx's and httpcore's too) or raises names them;
    the fake server's own access log ("werkzeug") is the outside party's, not ours."""
    texts = [r.getMessage() for r in caplog.records if r.name != "werkzeug"]
    texts += [str(failure)] if failure else []
    for secret in secrets:
        assert not any(secret in text for text in texts), "personal data or a secret in a reason or a log"


# ---------------------------------------------------------------- every port: shape, settings

def test_every_adapter_and_fake_implements_its_port(smsc: FakeSmsc, fcm_settings: dict[str, object],
                                                      fake_registry: FakeRegistry) -> None:
    gateways: list[tuple[object, type]] = [
        (SmscSms(smsc.settings()), SmsGateway), (SandboxSms({}), SmsGateway),
        (FcmPush(fcm_settings), PushGateway), (SandboxPush({}), PushGateway),
        (HttpRegistry(fake_registry.settings()), Registry), (SandboxRegistry({}), Registry),
    ]
    for gateway, port in gateways:
        assert isinstance(gateway, port), f"{type(gateway).__name__} does not implement {port.__name__}"


REQUIRED: list[tuple[Callable[..., object], str, str]] = [
    (SmscSms, "smsc", "SMSC_LOGIN"),
    (SmscSms, "smsc", "SMSC_PASSWORD"),
    (FcmPush, "fcm", "FCM_CREDENTIALS_FILE"),
    (HttpRegistry, "registry", "REGISTRY_URL"),
    (HttpRegistry, "registry", "REGISTRY_TOKEN"),
]
TIMEOUTS = [(SmscSms, "smsc", "SMSC_TIMEOUT_SECONDS"), (FcmPush, "fcm", "FCM_TIMEOUT_SECONDS"),
            (HttpRegistry, "registry", "REGISTRY_TIMEOUT_SECONDS")]


@pytest.fixture
def settings_of(smsc: FakeSmsc, fcm_settings: dict[str, object],
                fake_registry: FakeRegistry) -> Callable[[str], dict[str, object]]:
    return lambda which: {"smsc": smsc.settings(), "fcm": dict(fcm_settings),
                          "registry": fake_registry.settings()}[which]


@pytest.mark.parametrize(("adapter", "which", "name"), REQUIRED)
@pytest.mark.parametrize("absent", [None, "", "  "])
def test_a_missing_required_setting_is_named(adapter: Callable[..., object], which: str, name: str,
                                             absent: str | None,
                                             settings_of: Callable[[str], dict[str, object]]) -> None:
    settings = settings_of(which)
    if absent is None:
        del settings[name]
    else:
        settings[name] = absent
    with pytest.raises(GatewayMisconfigured, match=rf"^{name}: "):
        adapter(settings)


@pytest.mark.parametrize(("adapter", "which", "name"), TIMEOUTS)
@pytest.mark.parametrize("value", ["abc", "0", "-1", "61", "nan", [5]])
def test_a_timeout_out_of_range_is_named(adapter: Callable[..., object], which: str, name: str, value: object,
                                         settings_of: Callable[[str], dict[str, object]]) -> None:
    with pytest.raises(GatewayMisconfigured, match=rf"^{name}: "):
        adapter({**settings_of(which), name: value})


@pytest.mark.parametrize(("adapter", "which", "name"), TIMEOUTS)
def test_a_timeout_may_come_as_text_from_the_environment(
        adapter: Callable[..., object], which: str, name: str,
        settings_of: Callable[[str], dict[str, object]]) -> None:
    adapter({**settings_of(which), name: "1.5"})
    adapter({**settings_of(which), name: ""})     # blank: the default


@pytest.mark.parametrize("content", [None, "not json", "{}", '{"client_email": "x", "token_uri": "y"}',
                                     '{"private_key": "-----BEGIN PRIVATE KEY-----\\nnope\\n", '
                                     '"client_email": "x", "token_uri": "y"}', "[]"])
def test_fcm_needs_a_readable_service_account_key(tmp_path: Path, fcm_settings: dict[str, object],
                                                  content: str | None) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(GatewayMisconfigured, match=r"^FCM_CREDENTIALS_FILE: "):
        FcmPush({**fcm_settings, "FCM_CREDENTIALS_FILE": str(path)})


def test_fcm_needs_a_project(tmp_path: Path, fcm: FakeFcm, service_account: ServiceAccount,
                             fcm_settings: dict[str, object]) -> None:
    key = service_account.write(tmp_path / "no-project.json", fcm.token_uri, project_id=None)
    with pytest.raises(GatewayMisconfigured, match=r"^FCM_PROJECT_ID: "):
        FcmPush({**fcm_settings, "FCM_CREDENTIALS_FILE": str(key)})
    settings = {**fcm_settings, "FCM_CREDENTIALS_FILE": str(key), "FCM_PROJECT_ID": service_account.project}
    assert FcmPush(settings).send_push(PUSH_MESSAGE).reference


# ---------------------------------------------------------------- SMS

@SMS
def test_sms_is_accepted_as_it_was_written(sms: SmsSubject) -> None:
    accepted = sms.gateway.send_sms(SMS_MESSAGE)
    assert isinstance(accepted, Accepted) and accepted.reference
    if sms.fake:
        assert [(m.id, m.phone, m.text) for m in sms.fake.messages] == [(SMS_MESSAGE.key, PHONE, TEXT)]
        assert accepted.reference == SMS_MESSAGE.key


@SMS
def test_sms_the_same_key_twice_is_one_message(sms: SmsSubject) -> None:
    first = sms.gateway.send_sms(SMS_MESSAGE)
    again = sms.gateway.send_sms(dataclasses.replace(SMS_MESSAGE, request_id="req-sms-retry"))
    assert first.reference == again.reference
    if sms.fake:
        sends = sms.fake.requests_to("/sys/send.php")
        assert [s.form["id"] for s in sends] == [SMS_MESSAGE.key] * 2
        assert len(sms.fake.messages) == 1


@SMS
def test_sms_different_keys_are_different_messages(sms: SmsSubject) -> None:
    first = sms.gateway.send_sms(SMS_MESSAGE)
    second = sms.gateway.send_sms(dataclasses.replace(SMS_MESSAGE, key="ed24-19"))
    assert first.reference != second.reference
    if sms.fake:
        assert [m.id for m in sms.fake.messages] == ["ed24-17", "ed24-19"]


@SMS_OVER_HTTP
@pytest.mark.parametrize("status_answer", [None, {"error": "authorise error", "error_code": 2}, {}])
def test_sms_duplicate_refusal_of_a_message_not_known_taken_is_temporary(
        sms: SmsSubject, status_answer: dict[str, Any] | None) -> None:
    """Error 9 also answers too many concurrent requests: taken only if status.php knows the id."""
    assert sms.fake
    duplicate = {"error": "duplicate request, wait a minute", "error_code": 9}
    sms.fake.inject(reply(200, duplicate), "/sys/send.php")
    if status_answer is not None:
        sms.fake.inject(reply(200, status_answer), "/sys/status.php")
    with pytest.raises(TemporaryFailure) as failure:
        sms.gateway.send_sms(SMS_MESSAGE)
    assert failure.value.retry_after == 60
    [status] = sms.fake.requests_to("/sys/status.php")
    assert (status.form["phone"], status.form["id"]) == (PHONE, SMS_MESSAGE.key)


def test_sms_sender_name_is_passed(smsc: FakeSmsc) -> None:
    SmscSms(smsc.settings(SMSC_SENDER="ed24.kz")).send_sms(SMS_MESSAGE)
    assert [m.sender for m in smsc.messages] == ["ed24.kz"]


@SMS_OVER_HTTP
def test_sms_timeout_is_temporary_and_quick(sms: SmsSubject) -> None:
    assert sms.fake
    sms.fake.inject(sms.fake.hang())
    with within(TIMEOUT + 1), pytest.raises(TemporaryFailure):
        sms.gateway.send_sms(SMS_MESSAGE)


def test_sms_connection_refused_is_temporary(smsc: FakeSmsc) -> None:
    with pytest.raises(TemporaryFailure):
        SmscSms(smsc.settings(SMSC_API_URL=closed_port_url())).send_sms(SMS_MESSAGE)


@SMS_OVER_HTTP
@pytest.mark.parametrize("status", [500, 502, 503, 504, 400, 403, 404])
def test_sms_http_error_is_temporary(sms: SmsSubject, status: int) -> None:
    assert sms.fake
    sms.fake.inject(reply(status, raw="<html>error</html>", content_type="text/html"))
    with pytest.raises(TemporaryFailure) as failure:
        sms.gateway.send_sms(SMS_MESSAGE)
    assert failure.value.retry_after is None


@SMS_OVER_HTTP
@pytest.mark.parametrize(("retry_after", "expected"), [
    pytest.param(lambda: "7", (7, 7), id="seconds"),
    pytest.param(in_30_seconds, (25, 30), id="http-date"),
    pytest.param(lambda: "soon", None, id="garbage")])
def test_sms_429_passes_retry_after(sms: SmsSubject, retry_after: Callable[[], str],
                                    expected: tuple[float, float] | None) -> None:
    assert sms.fake
    sms.fake.inject(reply(429, raw="Too Many Requests", headers={"Retry-After": retry_after()}))
    with pytest.raises(TemporaryFailure) as failure:
        sms.gateway.send_sms(SMS_MESSAGE)
    if expected is None:
        assert failure.value.retry_after is None
    else:
        assert failure.value.retry_after is not None
        assert expected[0] <= failure.value.retry_after <= expected[1]


@SMS_OVER_HTTP
@pytest.mark.parametrize(("code", "outcome"), [
    (1, PermanentFailure), (5, PermanentFailure), (6, PermanentFailure), (7, PermanentFailure),
    (8, PermanentFailure), (2, TemporaryFailure), (3, TemporaryFailure), (4, TemporaryFailure),
    (42, TemporaryFailure)])
def test_sms_documented_refusals(sms: SmsSubject, code: int, outcome: type[Exception]) -> None:
    assert sms.fake
    sms.fake.inject(reply(200, {"error": "(fake)", "error_code": code, "id": SMS_MESSAGE.key}))
    with pytest.raises(outcome):
        sms.gateway.send_sms(SMS_MESSAGE)


@SMS_OVER_HTTP
def test_sms_invalid_number_is_permanent(sms: SmsSubject) -> None:
    with pytest.raises(PermanentFailure):
        sms.gateway.send_sms(dataclasses.replace(SMS_MESSAGE, phone="+7705"))


def test_sms_bad_credentials_are_temporary(smsc: FakeSmsc) -> None:
    """The operator fixes the password; the messages wait in the outbox meanwhile."""
    with pytest.raises(TemporaryFailure):
        SmscSms(smsc.settings(SMSC_PASSWORD="wrong")).send_sms(SMS_MESSAGE)


@SMS_OVER_HTTP
@pytest.mark.parametrize("raw", ["OK - 1 SMS, ID - 17", "<html>maintenance</html>", "", "[]", "null",
                                 '{"cnt": 1}', '{"error": "odd"}', '{"error_code": "7"}', '{"id": null}',
                                 '{"error_code": [7]}', '{"error_code": true}', '{"id": ""}', '{"id": true}'])
def test_sms_malformed_answer_is_temporary(sms: SmsSubject, raw: str) -> None:
    assert sms.fake
    sms.fake.inject(reply(200, raw=raw))
    with pytest.raises(TemporaryFailure):
        sms.gateway.send_sms(SMS_MESSAGE)


@SMS_OVER_HTTP
def test_sms_request_id_is_forwarded(sms: SmsSubject) -> None:
    assert sms.fake
    sms.gateway.send_sms(SMS_MESSAGE)
    sms.gateway.send_sms(dataclasses.replace(SMS_MESSAGE, key="ed24-20", request_id=None))
    first, second = sms.fake.requests_to("/sys/send.php")
    assert first.headers.get("X-Request-ID") == "req-sms-1"
    assert "X-Request-ID" not in second.headers


@SMS_OVER_HTTP
def test_sms_phone_text_and_password_stay_out_of_reasons_and_logs(sms: SmsSubject,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    assert sms.fake
    caplog.set_level(logging.DEBUG)
    sms.gateway.send_sms(SMS_MESSAGE)
    for fault in [reply(503, raw="down"), reply(200, {"error": "invalid number", "error_code": 7})]:
        sms.fake.inject(fault)
        with pytest.raises((TemporaryFailure, PermanentFailure)) as failure:
            sms.gateway.send_sms(SMS_MESSAGE)
        assert_not_leaked([PHONE, "77057546868", "123456", FakeSmsc.PASSWORD], failure.value, caplog)


# ---------------------------------------------------------------- push

EXPECTED_FCM_MESSAGE = {
    "token": PUSH_TOKEN,
    "data": {"type": "feed", "after": "41"},
    "android": {"priority": "high"},
    "apns": {"headers": {"apns-push-type": "background", "apns-priority": "5"},
             "payload": {"aps": {"content-available": 1}}},
}


@PUSH
def test_push_is_a_data_only_wake_up(push: PushSubject) -> None:
    accepted = push.gateway.send_push(PUSH_MESSAGE)
    assert isinstance(accepted, Accepted) and accepted.reference
    if push.fake:
        assert push.fake.pushes == [EXPECTED_FCM_MESSAGE]     # no "notification": nothing on the lock screen
        assert accepted.reference.startswith("projects/ed24-test/messages/")


@PUSH
def test_push_the_same_key_twice(push: PushSubject) -> None:
    """FCM takes no idempotency key: a retry wakes the app twice with the same payload, harmless."""
    first = push.gateway.send_push(PUSH_MESSAGE)
    again = push.gateway.send_push(PUSH_MESSAGE)
    assert first.reference and again.reference
    if push.fake:
        sends = push.fake.requests_to(SEND)
        assert len(sends) == 2 and sends[0].json() == sends[1].json()
    else:
        assert first.reference == again.reference


@PUSH_OVER_HTTP
def test_push_token_is_fetched_once_and_reused(push: PushSubject) -> None:
    assert push.fake
    push.gateway.send_push(PUSH_MESSAGE)
    push.gateway.send_push(dataclasses.replace(PUSH_MESSAGE, key="ed24-21"))
    assert len(push.fake.requests_to("/token")) == 1
    authorizations = {s.headers["Authorization"] for s in push.fake.requests_to(SEND)}
    assert authorizations == {"Bearer access-token-1"}


@PUSH_OVER_HTTP
@pytest.mark.parametrize("token", [UNREGISTERED_TOKEN, MALFORMED_TOKEN, FOREIGN_TOKEN])
def test_push_to_a_token_fcm_refuses_is_permanent(push: PushSubject, token: str) -> None:
    with pytest.raises(PermanentFailure):
        push.gateway.send_push(dataclasses.replace(PUSH_MESSAGE, push_token=token))


@PUSH_OVER_HTTP
def test_push_payload_fcm_refuses_is_permanent(push: PushSubject) -> None:
    assert push.fake
    push.fake.inject(reply(400, fcm_error(400, "INVALID_ARGUMENT")), SEND)
    with pytest.raises(PermanentFailure):
        push.gateway.send_push(PUSH_MESSAGE)


@PUSH_OVER_HTTP
@pytest.mark.parametrize(("status", "body"), [
    (503, fcm_error(503, "UNAVAILABLE", "UNAVAILABLE")),
    (500, fcm_error(500, "INTERNAL", "INTERNAL")),
    (401, fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR")),
    (403, fcm_error(403, "PERMISSION_DENIED")),
    (404, fcm_error(404, "NOT_FOUND")),
    (502, None),
])
def test_push_unavailable_or_operators_problem_is_temporary(push: PushSubject, status: int,
                                                            body: dict[str, Any] | None) -> None:
    assert push.fake
    fault = reply(status, body) if body else reply(status, raw="<html>502</html>", content_type="text/html")
    push.fake.inject(fault, SEND)
    with pytest.raises(TemporaryFailure):
        push.gateway.send_push(PUSH_MESSAGE)
    assert len(push.fake.requests_to("/token")) == 1      # THIRD_PARTY_AUTH_ERROR is the APNs key, not ours


def test_push_wrong_project_is_temporary_not_permanent(fcm: FakeFcm, fcm_settings: dict[str, object]) -> None:
    """A misconfiguration must not fail every message at once."""
    with pytest.raises(TemporaryFailure):
        FcmPush({**fcm_settings, "FCM_PROJECT_ID": "someone-else"}).send_push(PUSH_MESSAGE)


@PUSH_OVER_HTTP
def test_push_quota_exceeded_passes_retry_after(push: PushSubject) -> None:
    assert push.fake
    quota = fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")
    push.fake.inject(reply(429, quota, {"Retry-After": "12"}), SEND)
    with pytest.raises(TemporaryFailure) as failure:
        push.gateway.send_push(PUSH_MESSAGE)
    assert failure.value.retry_after == 12


@PUSH_OVER_HTTP
def test_push_rejected_access_token_is_refreshed_once(push: PushSubject) -> None:
    assert push.fake
    push.gateway.send_push(PUSH_MESSAGE)
    push.fake.revoke_tokens()
    assert push.gateway.send_push(PUSH_MESSAGE).reference
    assert len(push.fake.requests_to("/token")) == 2


@PUSH_OVER_HTTP
def test_push_access_token_rejected_twice_is_temporary(push: PushSubject) -> None:
    assert push.fake
    push.fake.inject(reply(401, fcm_error(401, "UNAUTHENTICATED")), SEND)
    with pytest.raises(TemporaryFailure):
        push.gateway.send_push(PUSH_MESSAGE)
    assert len(push.fake.requests_to("/token")) == 2
    assert len(push.fake.requests_to(SEND)) == 2


@PUSH_OVER_HTTP
@pytest.mark.parametrize("answer", ["500", "400", "hang", "not json"])
def test_push_token_endpoint_failure_is_temporary_at_once(push: PushSubject, answer: str) -> None:
    """No google-auth backoff: the outbox retries."""
    assert push.fake
    faults = {"500": reply(500, raw="oops"), "400": reply(400, {"error": "invalid_grant"}),
              "hang": push.fake.hang(), "not json": reply(200, raw="<html></html>")}
    push.fake.inject(faults[answer], "/token")
    with within(TIMEOUT + 1), pytest.raises(TemporaryFailure):
        push.gateway.send_push(PUSH_MESSAGE)
    assert len(push.fake.requests_to("/token")) == 1
    assert not push.fake.requests_to(SEND)


def test_push_key_the_token_endpoint_refuses_is_temporary(tmp_path: Path, fcm: FakeFcm,
                                                          fcm_settings: dict[str, object]) -> None:
    """A revoked or wrong key is the operator's to fix."""
    stranger = ServiceAccount(email="push@ed24-test.iam.gserviceaccount.com")
    key = stranger.write(tmp_path / "stranger.json", fcm.token_uri)
    with pytest.raises(TemporaryFailure):
        FcmPush({**fcm_settings, "FCM_CREDENTIALS_FILE": str(key)}).send_push(PUSH_MESSAGE)
    assert not fcm.pushes


@PUSH_OVER_HTTP
def test_push_timeout_is_temporary_and_quick(push: PushSubject) -> None:
    assert push.fake
    push.fake.inject(push.fake.hang(), SEND)
    with within(TIMEOUT + 1), pytest.raises(TemporaryFailure):
        push.gateway.send_push(PUSH_MESSAGE)


def test_push_connection_refused_is_temporary(fcm_settings: dict[str, object]) -> None:
    with pytest.raises(TemporaryFailure):
        FcmPush({**fcm_settings, "FCM_API_URL": closed_port_url()}).send_push(PUSH_MESSAGE)


@PUSH_OVER_HTTP
@pytest.mark.parametrize("raw", ["", "<html>ok</html>", "[]", "{}", '{"name": ""}', '{"name": 7}'])
def test_push_malformed_answer_is_temporary(push: PushSubject, raw: str) -> None:
    assert push.fake
    push.fake.inject(reply(200, raw=raw), SEND)
    with pytest.raises(TemporaryFailure):
        push.gateway.send_push(PUSH_MESSAGE)


@PUSH_OVER_HTTP
def test_push_request_id_is_forwarded(push: PushSubject) -> None:
    assert push.fake
    push.gateway.send_push(PUSH_MESSAGE)
    push.gateway.send_push(dataclasses.replace(PUSH_MESSAGE, request_id=None))
    first, second = push.fake.requests_to(SEND)
    assert first.headers.get("X-Request-ID") == "req-push-1"
    assert "X-Request-ID" not in second.headers


@PUSH_OVER_HTTP
def test_push_tokens_stay_out_of_reasons_and_logs(push: PushSubject,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    assert push.fake
    caplog.set_level(logging.DEBUG)
    push.gateway.send_push(PUSH_MESSAGE)
    push.fake.inject(reply(503, fcm_error(503, "UNAVAILABLE", "UNAVAILABLE")), SEND)
    with pytest.raises(TemporaryFailure) as failure:
        push.gateway.send_push(PUSH_MESSAGE)
    assert_not_leaked([PUSH_TOKEN, "access-token-1"], failure.value, caplog)


# ---------------------------------------------------------------- registries

@REGISTRY
def test_registry_phones_of(registry: RegistrySubject) -> None:
    assert registry.gateway.phones_of(AIGERIM) == AIGERIM_PHONES
    assert registry.gateway.phones_of(NOBODY_IIN) == []
    assert registry.gateway.phones_of("990101300000") == []


@REGISTRY
def test_registry_holder_of(registry: RegistrySubject) -> None:
    assert registry.gateway.holder_of(AIGERIM_PHONES[1]) == AIGERIM
    assert registry.gateway.holder_of(ERLAN_PHONE) == ERLAN
    assert registry.gateway.holder_of(NOBODY_PHONE) is None


@REGISTRY
def test_registry_child(registry: RegistrySubject) -> None:
    assert registry.gateway.child(ALIKHAN) == ChildRecord(
        iin=ALIKHAN, birth_certificate="0123456", parents=(AIGERIM, ERLAN), status="attends",
        full_name="Ахметов Алихан")
    assert registry.gateway.child(AMINA) == ChildRecord(
        iin=AMINA, birth_certificate="I-АЛ № 0567890", parents=(ERLAN,), status="queue",
        full_name="Серікова Амина")
    assert registry.gateway.child(NO_CHILD) is None


CALLS: dict[str, Callable[[Registry], object]] = {
    "phones_of": lambda r: r.phones_of(AIGERIM),
    "holder_of": lambda r: r.holder_of(PHONE),
    "child": lambda r: r.child(ALIKHAN),
}


@REGISTRY_OVER_HTTP
@pytest.mark.parametrize("call", CALLS)
def test_registry_timeout_is_unavailable_and_quick(registry: RegistrySubject, call: str) -> None:
    assert registry.fake
    registry.fake.inject(registry.fake.hang())
    with within(TIMEOUT + 1), pytest.raises(RegistryUnavailable):
        CALLS[call](registry.gateway)


@pytest.mark.parametrize("call", CALLS)
def test_registry_connection_refused_is_unavailable(fake_registry: FakeRegistry, call: str) -> None:
    registry = HttpRegistry(fake_registry.settings(REGISTRY_URL=closed_port_url()))
    with pytest.raises(RegistryUnavailable):
        CALLS[call](registry)


@REGISTRY_OVER_HTTP
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("status", [500, 502, 503, 429, 401, 403, 400, 404])
def test_registry_error_status_is_unavailable(registry: RegistrySubject, call: str, status: int) -> None:
    assert registry.fake
    registry.fake.inject(reply(status, {"error": {"code": "unavailable", "message": "(fake)"}},
                               {"Retry-After": "1"}))
    with pytest.raises(RegistryUnavailable):
        CALLS[call](registry.gateway)


@pytest.mark.parametrize("call", CALLS)
def test_registry_wrong_token_is_unavailable(fake_registry: FakeRegistry, call: str) -> None:
    with pytest.raises(RegistryUnavailable):
        CALLS[call](HttpRegistry(fake_registry.settings(REGISTRY_TOKEN="not-the-token")))


@pytest.mark.parametrize("call", CALLS)
def test_registry_misrouted_404_is_unavailable_never_nobody(fake_registry: FakeRegistry, call: str) -> None:
    """A wrong REGISTRY_URL answers 404 everywhere: that must not read as "no phones" or "no child"."""
    registry = HttpRegistry(fake_registry.settings(REGISTRY_URL=fake_registry.url("/sandbox/registry/v0")))
    with pytest.raises(RegistryUnavailable):
        CALLS[call](registry)
    fake_registry.inject(reply(404, raw="<html>Not Found</html>", content_type="text/html"))
    with pytest.raises(RegistryUnavailable):
        CALLS[call](HttpRegistry(fake_registry.settings()))


def child_answer(**changes: Any) -> dict[str, Any]:
    """A well-formed answer about Alikhan, with `changes` (None: the field left out)."""
    answer = {"iin": ALIKHAN, "full_name": "A", "birth_certificate": "1", "parents": [AIGERIM],
              "status": "queue", **changes}
    return {k: v for k, v in answer.items() if v is not None}


FULLWIDTH_PHONE = "+" + "".join(chr(0xFF10 + int(d)) for d in "77057546868")   # digits, but not ASCII
MALFORMED: list[tuple[str, Any]] = [
    ("phones_of", "<html>"), ("phones_of", []), ("phones_of", {"iin": AIGERIM}),
    ("phones_of", {"iin": ERLAN, "phones": []}),
    ("phones_of", {"iin": AIGERIM, "phones": "+77057546868"}),
    ("phones_of", {"iin": AIGERIM, "phones": ["87057546868"]}),
    ("phones_of", {"iin": AIGERIM, "phones": ["+7705754686"]}),
    ("phones_of", {"iin": AIGERIM, "phones": ["+77057546868 "]}),
    ("phones_of", {"iin": AIGERIM, "phones": [FULLWIDTH_PHONE]}),
    ("phones_of", {"iin": AIGERIM, "phones": ["+79057546868"]}),
    ("phones_of", {"iin": AIGERIM, "phones": [None]}),
    ("holder_of", {"phone": PHONE}),
    ("holder_of", {"phone": PHONE, "iin": "90051540123"}),
    ("holder_of", {"phone": PHONE, "iin": "٩٠٠٥١٥٤٠١٢٣٠"}),
    ("holder_of", {"phone": PHONE, "iin": 900515401230}),
    ("holder_of", {"phone": ERLAN_PHONE, "iin": None}),
    ("holder_of", {"iin": AIGERIM}),
    ("child", child_answer(status="expelled")), ("child", child_answer(parents=[])),
    ("child", child_answer(parents=[AIGERIM, ERLAN, AIGERIM])), ("child", child_answer(parents=["x"])),
    ("child", child_answer(birth_certificate=" ")), ("child", child_answer(iin=AMINA)),
    ("child", child_answer(full_name=None)), ("child", child_answer(status=None)),
    ("child", {"error": {"code": "child_not_found", "message": "200 is not 404"}}),
]


@REGISTRY_OVER_HTTP
@pytest.mark.parametrize(("call", "body"), MALFORMED)
def test_registry_malformed_answer_is_unavailable(registry: RegistrySubject, call: str, body: Any) -> None:
    assert registry.fake
    registry.fake.inject(reply(200, raw=body) if isinstance(body, str) else reply(200, body))
    with pytest.raises(RegistryUnavailable):
        CALLS[call](registry.gateway)


@REGISTRY_OVER_HTTP
def test_registry_request_id_and_token_are_sent(registry: RegistrySubject) -> None:
    assert registry.fake
    token = REQUEST_ID.set("req-registry-1")
    try:
        registry.gateway.phones_of(AIGERIM)
    finally:
        REQUEST_ID.reset(token)
    registry.gateway.holder_of(PHONE)
    first, second = registry.fake.seen
    assert first.headers.get("X-Request-ID") == "req-registry-1"
    assert "X-Request-ID" not in second.headers
    assert first.headers.get("Authorization") == f"Bearer {REGISTRY_TOKEN}"
    assert second.path == "/sandbox/registry/bmg/v1/phones/+77057546868/holder"   # sent as %2B


@REGISTRY_OVER_HTTP
def test_registry_iins_and_phones_stay_out_of_reasons_and_logs(registry: RegistrySubject,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    assert registry.fake
    caplog.set_level(logging.DEBUG)
    registry.gateway.phones_of(AIGERIM)
    registry.gateway.holder_of(PHONE)
    registry.fake.inject(reply(503, {"error": {"code": "unavailable", "message": "(fake)"}}))
    with pytest.raises(RegistryUnavailable) as failure:
        registry.gateway.child(ALIKHAN)
    assert_not_leaked([AIGERIM, ALIKHAN, PHONE, "77057546868", REGISTRY_TOKEN], failure.value, caplog)
