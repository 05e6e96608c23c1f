"""The ed24.kz app's API (/api/app/v1) as the app itself uses it: nothing but an HTTP client and
the OpenAPI document. JSON everywhere (never a 500, never a cookie), messages in the language of
Accept-Language; and schemathesis against the app's and the sandbox's OpenAPI documents."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from tests.helpers import AIGERIM_PHONE, ERLAN, ERLAN_PHONE, Browser, make_app, say
from webapp.api import app_v1
from webapp.services import binding
from webapp.services.phone import PhoneError
from webapp.web import messages

BASE = "http://127.0.0.1:5000"


class Api:
    """The app's side: an HTTP client, and the OpenAPI document it reads its paths and shapes from."""

    def __init__(self, app: Flask, lang: str = "ru") -> None:
        self.http = httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE,
                                 headers={"Accept-Language": lang})
        self.responses: list[httpx.Response] = []
        self.doc = self.call("GET", "/api/app/v1/openapi.json").json()
        self.base = self.doc["servers"][0]["url"]
        self.registry = Registry().with_resource("urn:app-api", Resource(contents=self.doc, specification=DRAFT202012))

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, url, **kwargs)
        self.responses.append(response)
        return response

    def operation(self, operation_id: str) -> tuple[str, str]:
        """(method, URL) of an operation, from the document."""
        for path, item in self.doc["paths"].items():
            for method, operation in item.items():
                if operation.get("operationId") == operation_id:
                    return method.upper(), self.base + path
        raise AssertionError(f"no operation {operation_id}")

    def do(self, operation_id: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        method, url = self.operation(operation_id)
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.call(method, url, headers=headers, **kwargs)
        self.conforms(operation_id, response)
        return response

    def conforms(self, operation_id: str, response: httpx.Response) -> None:
        """The answer is one the document names for this operation, with the shape it gives."""
        method, url = self.operation(operation_id)
        documented = self.doc["paths"][url.removeprefix(self.base)][method.lower()]["responses"]
        assert str(response.status_code) in documented, (operation_id, response.status_code, response.text)
        content = documented[str(response.status_code)].get("content")
        if content is None:
            assert not response.content
            return
        assert response.headers["Content-Type"].startswith("application/json")
        schema = content["application/json"]["schema"]
        Draft202012Validator({"$ref": "urn:app-api" + schema["$ref"]} if "$ref" in schema else schema,
                             registry=self.registry).validate(response.json())


@pytest.fixture
def api_app() -> Iterator[Flask]:
    app = make_app()
    yield app
    app.extensions["db_engine"].dispose()


def sms_otp(api: Api, phone: str) -> str:
    """What the SIM received, read from the sandbox's outbox over HTTP."""
    answer = api.call("GET", "/sandbox/api/outbox", params={"phone": phone, "channel": "sms"}).json()
    return next(m["code"] for m in answer["messages"] if m["kind"] == "binding_otp")


def bind(api: Api, phone: str, otp: str, handset: str) -> httpx.Response:
    return api.do("bind", json={"phone": phone, "otp": otp, "consent": True,
                                "device": {"id": handset, "name": "Redmi 9A"}})


def test_bind_with_the_sms_password_and_read_a_recovery_code_from_the_feed(api_app: Flask, lang: str) -> None:
    parent = Browser(api_app)
    parent.start_recovery(lang, ERLAN)                       # case 2: no app on Ерлан's phone
    parent.post(f"/{lang}/cabinet/recovery/sms")             # "Получить одноразовый пароль по SMS"
    api = Api(api_app, lang)
    otp = sms_otp(api, ERLAN_PHONE)
    assert len(otp) == 12

    bound = bind(api, ERLAN_PHONE, f"{otp[:4]} {otp[4:8]} {otp[8:]}", "handset-erlan-1")
    assert bound.status_code == 201
    token = bound.json()["device_token"]
    assert len(token) >= 43 and bound.json()["phone"] == ERLAN_PHONE
    assert bound.headers["Location"] == api.operation("currentBinding")[1]
    current = api.do("currentBinding", token=token)
    assert current.status_code == 200 and current.json()["phone"] == ERLAN_PHONE
    assert api.do("notifications", token=token).json()["notifications"] == []  # only what came after binding

    parent.post(f"/{lang}/cabinet/recovery/send")            # "Отправить": now the code goes to the app
    feed = api.do("notifications", token=token).json()
    [message] = feed["notifications"]
    assert message["kind"] == "code_recovery" and message["lang"] == lang
    assert len(message["code"]) == 6 and message["code"] in message["text"]
    assert message["link"].startswith(f"{BASE}/r/")
    assert feed["next_after"] == message["id"]
    assert api.do("notifications", token=token, params={"after": str(feed["next_after"])}).json() == {
        "notifications": [], "next_after": feed["next_after"]}

    assert parent.confirm_code(lang, message["code"]).has_field("password")
    # Once used, the feed no longer shows the code.
    assert api.do("notifications", token=token).json()["notifications"][0]["code"] is None
    assert api.do("setPushToken", token=token, json={"push_token": "fcm-token-1"}).status_code == 204
    assert api.do("currentBinding", token=token).json()["push"] is True
    assert api.do("unbind", token=token).status_code == 204
    assert api.do("currentBinding", token=token).status_code == 401
    for response in api.responses:
        assert "set-cookie" not in response.headers, response.request.url


def test_a_newer_binding_replaces_the_device(api_app: Flask, lang: str) -> None:
    parent = Browser(api_app)
    parent.start_recovery("ru", ERLAN)
    parent.post("/ru/cabinet/recovery/sms")
    api = Api(api_app, lang)
    old = bind(api, ERLAN_PHONE, sms_otp(api, ERLAN_PHONE), "old-handset").json()["device_token"]
    api_app.extensions["clock"].advance(minutes=10)
    parent.post("/ru/cabinet/recovery/sms")                  # a new SIM password for the new handset
    new = bind(api, ERLAN_PHONE, sms_otp(api, ERLAN_PHONE), "new-handset").json()["device_token"]
    replaced = api.do("notifications", token=old)
    assert replaced.status_code == 401 and replaced.json()["code"] == "device_replaced"
    assert replaced.json()["message"] == say(lang, app_v1.TOKEN_PROBLEMS[binding.TokenProblem.REPLACED])
    assert replaced.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.do("notifications", token=new).status_code == 200


def test_the_sms_password_binds_once_and_wrong_ones_lock_per_phone_and_address(api_app: Flask) -> None:
    parent = Browser(api_app)
    parent.start_recovery("ru", ERLAN)
    parent.post("/ru/cabinet/recovery/sms")
    api = Api(api_app)
    otp = sms_otp(api, ERLAN_PHONE)
    wrong = f"{(int(otp) + 1) % 10 ** 12:012d}"
    answers = [bind(api, ERLAN_PHONE, wrong, "h1") for _ in range(6)]
    assert [a.json()["code"] for a in answers] == ["invalid_otp"] * 5 + ["locked"]
    assert int(answers[-1].headers["Retry-After"]) == answers[-1].json()["retry_after"] > 0
    elsewhere = Api(api_app)
    elsewhere.http = httpx.Client(transport=httpx.WSGITransport(app=api_app, remote_addr="10.1.2.3"), base_url=BASE)
    assert bind(elsewhere, ERLAN_PHONE, otp, "h2").status_code == 201  # the owner's address was never locked
    again = bind(elsewhere, ERLAN_PHONE, otp, "h3")
    assert again.status_code == 400 and again.json()["code"] == "invalid_otp"


BAD_BINDINGS = [
    ({"phone": 77011231885, "otp": "123412341234", "consent": True, "device": {"id": "a", "name": "b"}}, "invalid_phone"),
    ({"phone": "+77011231885", "otp": 123412341234, "consent": True, "device": {"id": "a", "name": "b"}}, "invalid_request"),
    ({"phone": "+77011231885", "otp": "123412341234", "consent": "yes", "device": {"id": "a", "name": "b"}}, "invalid_request"),
    ({"phone": "+77011231885", "otp": "123412341234", "consent": False, "device": {"id": "a", "name": "b"}}, "consent_required"),
    ({"phone": "+77011231885", "otp": "123412341234", "consent": True, "device": "handset"}, "invalid_request"),
    ({"phone": "+77011231885", "otp": "123412341234", "consent": True, "device": {"id": 5, "name": "b"}}, "invalid_request"),
    ({"phone": "+77011231885", "otp": "123412341234", "consent": True, "device": {"id": "a", "name": "b"},
      "admin": True}, "invalid_request"),
    ({"phone": "+77011231885", "otp": "123412341234", "consent": True,
      "device": {"id": "a", "name": "b", "imei": "1"}}, "invalid_request"),
    ({"phone": "+77011231885", "otp": "1234\x001234", "consent": True, "device": {"id": "a", "name": "b"}}, "invalid_request"),
    ({"phone": "12", "otp": "123412341234", "consent": True, "device": {"id": "a", "name": "b"}}, "invalid_phone"),
    ({"phone": "+77011231885", "consent": True, "device": {"id": "a", "name": "b"}}, "invalid_request"),
    ([1, 2, 3], "invalid_request"),
    ("just a string", "invalid_request"),
    ("null", "invalid_request"),  # the JSON text null, sent as it is
]


@pytest.mark.parametrize("body, code", BAD_BINDINGS)
def test_wrong_types_and_unknown_fields_get_json_400(api_app: Flask, body: Any, code: str) -> None:
    api = Api(api_app)
    response = (api.do("bind", content=b"null", headers={"Content-Type": "application/json"}) if body == "null"
                else api.do("bind", json=body))
    assert response.status_code == 400 and response.json()["code"] == code and response.json()["message"]


@pytest.mark.parametrize("name, request_kwargs, status, code", [
    ("not json", {"content": b"phone=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
     415, "unsupported_media_type"),
    ("broken json", {"content": b"{\"phone\": ", "headers": {"Content-Type": "application/json"}},
     400, "invalid_request"),
    ("not utf-8", {"content": b"{\"phone\": \"\xff\xfe\"}", "headers": {"Content-Type": "application/json"}},
     400, "invalid_request"),
    ("huge", {"content": json.dumps({"phone": "1" * 70_000}).encode(), "headers": {"Content-Type": "application/json"}},
     413, "too_large"),
    ("deep", {"content": b"[" * 5000 + b"]" * 5000, "headers": {"Content-Type": "application/json"}},
     400, "invalid_request"),
])
def test_malformed_and_huge_bodies_get_json_4xx(api_app: Flask, name: str, request_kwargs: dict[str, Any],
                                               status: int, code: str) -> None:
    api = Api(api_app)
    response = api.do("bind", **request_kwargs)
    assert response.status_code == status and response.json()["code"] == code, response.text


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer nope",
                                           "Bearer " + "x" * 300, "bearer " + "y" * 43, "Token abc"])
@pytest.mark.parametrize("operation", ["notifications", "currentBinding", "unbind"])
def test_bad_tokens_get_json_401(api_app: Flask, authorization: str | None, operation: str) -> None:
    api = Api(api_app)
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = api.do(operation, headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


def test_a_bad_cursor_unknown_route_and_wrong_method_are_json(api_app: Flask) -> None:
    api = Api(api_app)
    token = api.call("POST", "/sandbox/api/devices", json={"phone": AIGERIM_PHONE}).json()["device_token"]
    for params in ({"after": "abc"}, {"after": "-1"}, {"limit": "0"}, {"limit": "51"}, {"after": "1" * 19}):
        response = api.do("notifications", token=token, params=params)
        assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    assert api.do("setPushToken", token=token, json={"push_token": 5}).status_code == 400
    assert api.do("setPushToken", token=token, json={}).status_code == 400
    # A cursor beyond any message id (the document allows 18 digits) finds nothing newer, on every database.
    beyond = api.do("notifications", token=token, params={"after": "9" * 18})
    assert beyond.status_code == 200 and beyond.json()["notifications"] == []
    missing = api.call("GET", "/api/app/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = api.call("PATCH", "/api/app/v1/notifications")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    for response in api.responses:
        assert "set-cookie" not in response.headers and response.status_code < 500


def test_messages_follow_accept_language(api_app: Flask) -> None:
    body = {"phone": "12", "otp": "123412341234", "consent": True, "device": {"id": "a", "name": "b"}}
    for lang, header in (("kk", "kk"), ("kk", "kk-KZ,kk;q=0.9,ru;q=0.8"), ("ru", "ru"), ("ru", "en"), ("ru", None)):
        client = httpx.Client(transport=httpx.WSGITransport(app=api_app), base_url=BASE,
                              headers={"Accept-Language": header} if header else {})
        answer = client.post("/api/app/v1/bindings", json=body).json()
        assert answer["message"] == say(lang, messages.PHONE_ERRORS[PhoneError.INVALID]), header
    kk = Api(api_app, "kk")
    wrong = kk.do("bind", json={**body, "phone": ERLAN_PHONE})
    assert wrong.json()["code"] == "invalid_otp" and wrong.json()["message"] == say("kk", app_v1.INVALID_OTP)
    assert say("kk", app_v1.INVALID_OTP) != say("ru", app_v1.INVALID_OTP)
    assert kk.do("notifications").json()["message"] == say("kk", app_v1.TOKEN_PROBLEMS[binding.TokenProblem.UNKNOWN])


# -- schemathesis --------------------------------------------------------------------------

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
EXAMPLES = 25


def run_schemathesis(app: Flask, document: str, *, fixed: dict[str, dict[str, Any]] | None = None
                     ) -> dict[str, dict[int, int]]:
    """Every operation, positive and negative data, a few examples each; `fixed` runs some
    operations once more with headers or path parameters that reach further (a real token, a
    real namespace), positive data only (what is fixed is valid). Raises on the first failure
    of a check; answers the statuses seen per operation."""
    schema = schemathesis.openapi.from_wsgi(document, app)
    seen: dict[str, dict[int, int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        runs = [({}, GenerationMode.POSITIVE), ({}, GenerationMode.NEGATIVE)]
        if fixed and operation.label in fixed:
            runs.append((fixed[operation.label], GenerationMode.POSITIVE))
        for given_values, mode in runs:
            strategy = operation.as_strategy(mode, **given_values)

            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def check(case: Any) -> None:
                # The WSGI client accepts gzip but does not unpack it; the app compresses JSON.
                response = case.call(headers={"Accept-Encoding": "identity"})
                statuses = seen.setdefault(operation.label, {})  # noqa: B023 - run in this iteration
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                case.validate_response(response, checks=CHECKS, headers={"Accept-Encoding": "identity"})

            check()
    return seen


def test_schemathesis_finds_nothing_in_the_app_api(api_app: Flask) -> None:
    started = time.monotonic()
    client = api_app.test_client()
    token = client.post("/sandbox/api/devices", json={"phone": AIGERIM_PHONE}).get_json()["device_token"]
    authorized = {"headers": {"Authorization": f"Bearer {token}"}}
    fixed = {label: authorized for label in ("GET /notifications", "GET /bindings/current",
                                             "PUT /bindings/current/push-token")}
    seen = run_schemathesis(api_app, "/api/app/v1/openapi.json", fixed=fixed)
    assert seen["GET /notifications"].get(200) and seen["GET /notifications"].get(401)
    assert seen["POST /bindings"].get(400)
    assert time.monotonic() - started < 60


def test_schemathesis_finds_nothing_in_the_sandbox_api() -> None:
    app = make_app(SANDBOX_NAMESPACES_MAX=4)
    started = time.monotonic()
    client = app.test_client()
    ns = client.post("/sandbox/api/namespaces", json={}).get_json()["namespace"]
    in_namespace = {"headers": {"X-Sandbox-Namespace": ns}}
    fixed = {label: in_namespace for label in ("GET /outbox", "GET /clock", "POST /clock", "GET /devices",
                                               "POST /devices", "POST /load", "POST /reset", "GET /schema.json")}
    fixed["POST /namespaces/{ns}/people"] = {"path_parameters": {"ns": ns}}
    seen = run_schemathesis(app, "/sandbox/api/openapi.json", fixed=fixed)
    assert seen["GET /outbox"].get(200) and seen["POST /namespaces/{ns}/people"].get(201)
    assert seen["POST /namespaces"].get(201) and seen["POST /load"].get(200)
    assert time.monotonic() - started < 60
    app.extensions["db_engine"].dispose()


def test_the_sandbox_document_names_every_route_of_the_sandbox_api() -> None:
    app = make_app()
    document = app.test_client().get("/sandbox/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    described = {(method.upper(), document["servers"][0]["url"] + path.replace("{ns}", "<ns>"))
                 for path, item in document["paths"].items() for method in item}
    routed = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("sandbox_api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == routed
    app.extensions["db_engine"].dispose()
