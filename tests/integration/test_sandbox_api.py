"""The sandbox HTTP API for test runs: outbox, load, reset, a clock every worker follows."""
from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import (AIGERIM, AIGERIM_PHONE, DEMO_DATA, ERLAN, SANDBOX_OFF, Browser, make_app, say, t,
                           take_the_database_down, wrong)
from webapp.services import codes
from webapp.web import messages

TOKEN = "api-token-for-tests"


@pytest.fixture
def sandbox(tmp_path) -> Iterator[Flask]:
    """The app with its own movable clock (not a test clock), as a sandbox deployment runs."""
    app = make_app(f"sqlite:///{tmp_path / 'sandbox.sqlite3'}", clock=None)
    yield app
    app.extensions["db_engine"].dispose()


def api(app: Flask) -> FlaskClient:
    return app.test_client()


def test_outbox_lists_app_notifications_and_sms_with_the_code(sandbox: Flask) -> None:
    Browser(sandbox).start_recovery("ru", AIGERIM)
    erlan = Browser(sandbox)
    erlan.start_recovery("kk", ERLAN)
    erlan.post("/kk/cabinet/recovery/sms")
    app_msgs = api(sandbox).get("/sandbox/api/outbox?phone=%2B77057546868").get_json()
    assert app_msgs["phone"] == AIGERIM_PHONE
    [message] = app_msgs["messages"]
    assert message["channel"] == "app" and len(message["code"]) == 6 and message["code"] in message["text"]
    assert message["sent_at"].endswith("+00:00")
    [sms] = api(sandbox).get("/sandbox/api/outbox?phone=87011231885").get_json()["messages"]
    assert sms["channel"] == "sms" and len(sms["code"]) == 12
    grouped = f"{sms['code'][:4]} {sms['code'][4:8]} {sms['code'][8:]}"
    assert sms["text"] == t("kk", "ED24.KZ: одноразовый пароль для привязки приложения: %(otp)s. Никому не "
                                  "сообщайте его.", otp=grouped)  # in the language of the page that sent it
    assert api(sandbox).get("/sandbox/api/outbox?phone=12").status_code == 400


def test_the_outbox_filters_by_channel_since_and_limit_and_gives_each_messages_link(sandbox: Flask) -> None:
    client = api(sandbox)
    erlan = Browser(sandbox)
    erlan.start_recovery("ru", ERLAN)
    erlan.post("/ru/cabinet/recovery/sms")       # the binding password: no link
    erlan.post("/ru/cabinet/recovery/sms-code")  # the code: a link
    messages_ = client.get("/sandbox/api/outbox?phone=87011231885").get_json()["messages"]
    assert [m["kind"] for m in messages_] == ["code_recovery", "binding_otp"]  # newest first
    assert messages_[0]["link"].startswith("http://127.0.0.1:5000/r/") and messages_[1]["link"] is None
    assert all(m["delivered_at"] for m in messages_)  # the sandbox's gateways delivered them
    assert [m["kind"] for m in client.get("/sandbox/api/outbox?phone=87011231885&limit=1").get_json()["messages"]] \
        == ["code_recovery"]
    assert client.get("/sandbox/api/outbox?phone=87011231885&channel=app").get_json()["messages"] == []
    since = messages_[0]["sent_at"]
    later = client.get("/sandbox/api/outbox", query_string={"phone": "87011231885", "since": since}).get_json()
    assert {m["kind"] for m in later["messages"]} <= {"code_recovery", "binding_otp"}
    future = client.get("/sandbox/api/outbox", query_string={"phone": "87011231885",
                                                             "since": "2999-01-01T00:00:00+00:00"}).get_json()
    assert future["messages"] == []
    for bad in ("channel=fax", "limit=0", "limit=201", "limit=x", "since=yesterday"):
        answer = client.get(f"/sandbox/api/outbox?phone=87011231885&{bad}")
        assert answer.status_code == 400 and answer.get_json()["location"] == bad.split("=")[0]


def test_the_clock_moves_every_rule_and_resets(sandbox: Flask) -> None:
    client = api(sandbox)
    before = client.get("/sandbox/api/clock").get_json()
    assert before["offset_seconds"] == 0
    web = Browser(sandbox)
    web.start_recovery("ru", AIGERIM)
    early = web.submit("/ru/cabinet/recovery/resend")
    assert say("ru", messages.resend_wait, 60) in early.text or say("ru", messages.resend_wait, 59) in early.text
    moved = client.post("/sandbox/api/clock", json={"advance_seconds": 61}).get_json()
    assert moved["offset_seconds"] == 61
    sent = web.submit("/ru/cabinet/recovery/resend")  # the resend wait is over
    assert say("ru", messages.CODE_SENT_AGAIN) in sent.notices()
    assert "г.Павлодар" in web.page("/ru/").text
    assert client.post("/sandbox/api/clock", json={"reset": True}).get_json()["offset_seconds"] == 0


def test_the_clock_moves_a_lock_to_its_end(sandbox: Flask) -> None:
    web = Browser(sandbox)
    for _ in range(5):
        web.sign_in("ru", AIGERIM, "Wrong!pass2026")
    assert web.page("/ru/cabinet/login/password").soup.select_one("#locked")
    api(sandbox).post("/sandbox/api/clock", json={"advance_seconds": 15 * 60})
    page = web.page("/ru/cabinet/login/password")
    assert page.has_field("password") and not page.soup.select_one("#locked")


def test_the_clock_expires_a_code(sandbox: Flask) -> None:
    web = Browser(sandbox)
    web.start_recovery("ru", AIGERIM)
    code = api(sandbox).get("/sandbox/api/outbox?phone=%2B77057546868").get_json()["messages"][0]["code"]
    api(sandbox).post("/sandbox/api/clock", json={"advance_seconds": 300})
    assert say("ru", messages.code_refusal, codes.Refusal.EXPIRED) in web.confirm_code("ru", code).error("code")
    assert wrong(code) != code


@pytest.mark.parametrize("body", [{"advance_seconds": 0}, {"advance_seconds": -5}, {"advance_seconds": 31536001},
                                  {"advance_seconds": "60"}, {"advance_seconds": True}, {}, []])
def test_bad_clock_requests_say_what_is_wrong(sandbox: Flask, body) -> None:
    response = api(sandbox).post("/sandbox/api/clock", json=body)
    assert response.status_code == 400 and "error" in response.get_json()


def test_load_replaces_the_data_and_a_bad_file_changes_nothing(sandbox: Flask) -> None:
    small = {"citizens": [], "cabinets": [copy.deepcopy(DEMO_DATA["cabinets"][0])]}
    assert api(sandbox).post("/sandbox/api/load", json=small).get_json()["loaded"]["cabinets"] == 1
    bad = copy.deepcopy(DEMO_DATA)
    bad["children"][0]["parents"].append("900515401231")
    response = api(sandbox).post("/sandbox/api/load", json=bad)
    assert response.status_code == 400
    # v3: checked against the JSON Schema first: the list that is too long is the location.
    assert response.get_json()["location"] == "children[0].parents"
    assert Browser(sandbox).sign_in("ru", AIGERIM, "Tulpar!2024abc").url == "/ru/cabinet/"  # still the small data
    assert Browser(sandbox).sign_in("ru", ERLAN, "Dala#Samal2025").url == "/ru/cabinet/login/password"


def test_reset_brings_back_the_demo(sandbox: Flask) -> None:
    api(sandbox).post("/sandbox/api/load", json={"citizens": []})
    assert api(sandbox).post("/sandbox/api/reset", json={}).status_code == 200
    assert Browser(sandbox).sign_in("ru", ERLAN, "Dala#Samal2025").url == "/ru/cabinet/"


def test_posts_must_be_json_so_a_form_on_another_site_cannot_send_them(sandbox: Flask) -> None:
    response = api(sandbox).post("/sandbox/api/reset", data={"x": "1"})
    assert response.status_code == 415
    assert api(sandbox).post("/sandbox/api/clock", data="advance_seconds=60",
                             content_type="text/plain").status_code == 415


def test_the_token_is_required_when_set(tmp_path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'token.sqlite3'}", clock=None, SANDBOX_API_TOKEN=TOKEN)
    client = app.test_client()
    assert client.get("/sandbox/api/clock").status_code == 401
    assert client.get("/sandbox/api/clock", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/sandbox/api/clock", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_api_is_404_when_the_sandbox_is_off() -> None:
    app = make_app(**SANDBOX_OFF)
    assert app.test_client().get("/sandbox/api/clock").status_code == 404
    assert app.test_client().post("/sandbox/api/clock", json={"reset": True}).status_code == 404


def test_an_unreachable_database_is_a_json_503_to_retry(sandbox: Flask) -> None:
    take_the_database_down(sandbox)
    for response in (api(sandbox).get("/sandbox/api/outbox?phone=87057546868"),
                     api(sandbox).post("/sandbox/api/reset", json={})):
        assert response.status_code == 503
        assert "retry" in response.get_json()["error"]
