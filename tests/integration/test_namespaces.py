"""Sandbox namespaces for parallel test runs (contract v3): each one's data, outbox, clock,
counts, sessions and request-rate buckets are its own; an unknown id is 404, never the default
data. The apps here run on the sandbox's own movable clock, as a sandbox deployment does."""
from __future__ import annotations

import copy
import os
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import (AGREE, AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, AMINA_ANSWERS, DEMO_DATA, ERLAN,
                           ERLAN_PASSWORD, MADINA, MADINA_PHONE, NEW_PASSWORD, Browser, make_app, say, t)
from webapp.services import iin as iin_rules
from webapp.services.phone import mask
from webapp.web import messages

HEADER = "X-Sandbox-Namespace"


@pytest.fixture
def sandbox() -> Iterator[Flask]:
    app = make_app(clock=None)
    yield app
    app.extensions["db_engine"].dispose()


def create(client: FlaskClient, body: Any = None) -> str:
    response = client.post("/sandbox/api/namespaces", json=body if body is not None else {})
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["header"] == HEADER and answer["cookie"]["value"] == answer["namespace"]
    return answer["namespace"]


def api(client: FlaskClient, ns: str | None, method: str, path: str, **kwargs: Any) -> Any:
    headers = {HEADER: ns} if ns else {}
    return getattr(client, method)(f"/sandbox/api{path}", headers=headers, **kwargs)


def received(client: FlaskClient, ns: str | None, phone: str, **filters: str) -> list[dict[str, Any]]:
    answer = api(client, ns, "get", "/outbox", query_string={"phone": phone, **filters})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["messages"]


def code_of(client: FlaskClient, ns: str | None, phone: str) -> str:
    """The newest code the phone received; like the kit's `ns.code`, it waits a little (a message
    another pass is delivering at that moment arrives a moment later)."""
    deadline = time.monotonic() + 10
    while True:
        found = [m["code"] for m in received(client, ns, phone) if m["kind"].startswith("code_") and m["code"]]
        if found or time.monotonic() > deadline:
            assert found, f"no code reached {phone} in namespace {ns}: {received(client, ns, phone)}"
            return str(found[0])
        time.sleep(0.2)


def test_two_namespaces_data_outbox_clock_and_counts_never_meet(sandbox: Flask) -> None:
    client = sandbox.test_client()
    only_erlan = copy.deepcopy(DEMO_DATA)
    only_erlan["cabinets"] = [c for c in only_erlan["cabinets"] if c["iin"] == ERLAN]
    only_erlan["children"] = [c for c in only_erlan["children"] if c["cabinet_iin"] == ERLAN]
    a, b = create(client, only_erlan), create(client)
    assert a != b and len(a) == 32 and int(a, 16) >= 0  # 128 bits of hex

    # Data: Айгерим has no cabinet in A; in B and in the default data she has.
    assert Browser(sandbox, namespace=a).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/login/password"
    assert Browser(sandbox, namespace=b).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"
    assert Browser(sandbox).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"

    # Outbox: a code asked for in B is in B's outbox only.
    in_b = Browser(sandbox, namespace=b)
    in_b.start_recovery("ru", AIGERIM)
    code = code_of(client, b, AIGERIM_PHONE)
    assert received(client, a, AIGERIM_PHONE) == []
    assert [m for m in received(client, None, AIGERIM_PHONE) if m["kind"] == "code_recovery"] == []
    # … and works only there: the same browser session is not read in another namespace.
    cookie = in_b.client.get_cookie("ed24_session").value
    elsewhere = Browser(sandbox, namespace=a)
    elsewhere.client.set_cookie("ed24_session", cookie)
    assert not elsewhere.page("/ru/cabinet/recovery").has_field("code")
    assert in_b.confirm_code("ru", code).has_field("password")

    # Clock: forward in A, back again; B and the default data stay at real time.
    moved = api(client, a, "post", "/clock", json={"advance_seconds": 7200}).get_json()
    assert moved["offset_seconds"] == 7200
    assert api(client, b, "get", "/clock").get_json()["offset_seconds"] == 0
    assert api(client, None, "get", "/clock").get_json()["offset_seconds"] == 0
    assert api(client, a, "post", "/clock", json={"offset_seconds": 60}).get_json()["offset_seconds"] == 60  # back
    assert api(client, a, "post", "/clock", json={"reset": True}).get_json()["offset_seconds"] == 0

    # Counts: five wrong passwords lock Ерлан's sign-in from this address in A only.
    stranger = Browser(sandbox, namespace=a)
    for _ in range(5):
        stranger.sign_in("ru", ERLAN, "Wrong!pass2026")
    assert stranger.page("/ru/cabinet/login/password").soup.select_one("#locked")
    for ns in (b, None):
        same_address = Browser(sandbox, namespace=ns)
        same_address.step1("ru", ERLAN)
        assert not same_address.page("/ru/cabinet/login/password").soup.select_one("#locked")
        assert same_address.submit("/ru/cabinet/login/password", {"password": ERLAN_PASSWORD}).url == "/ru/cabinet/"


def test_request_rate_buckets_are_the_namespaces_own() -> None:
    app = make_app(clock=None, RATELIMIT_ENABLED=True, RATELIMIT_FORMS="3 per minute")
    client = app.test_client()
    a, b = create(client), create(client)
    in_a, in_b = Browser(app, namespace=a), Browser(app, namespace=b)
    assert [in_a.post("/ru/cabinet/login", {"iin": "1", **AGREE}).status_code for _ in range(4)] == [303] * 3 + [429]
    assert in_b.post("/ru/cabinet/login", {"iin": "1", **AGREE}).status_code == 303
    assert Browser(app).post("/ru/cabinet/login", {"iin": "1", **AGREE}).status_code == 303
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("ns", ["0" * 32, "f" * 32, "not-a-namespace", "0" * 31, "A" * 32 + "x"])
def test_an_unknown_namespace_is_404_never_the_default_data(sandbox: Flask, ns: str) -> None:
    client = sandbox.test_client()
    for method, path in (("get", "/sandbox/api/outbox?phone=87057546868"), ("get", "/sandbox/api/clock"),
                         ("post", "/sandbox/api/reset"), ("get", "/ru/cabinet/login"), ("get", "/ru/sandbox/app"),
                         ("get", "/api/app/v1/notifications"), ("post", "/ru/cabinet/login")):
        kwargs = {"json": {}} if method == "post" else {}
        response = getattr(client, method)(path, headers={HEADER: ns}, **kwargs)
        assert response.status_code == 404, (path, response.status_code)
        assert response.get_json()["error"] == "no such namespace"
    by_cookie = sandbox.test_client()
    by_cookie.set_cookie("ed24_ns", ns)
    response = by_cookie.get("/ru/cabinet/login")
    assert response.status_code == 404 and "ed24_ns=;" in response.headers["Set-Cookie"]  # the cookie goes


def test_the_namespace_cookie_works_like_the_header(sandbox: Flask) -> None:
    client = sandbox.test_client()
    ns = create(client, {"citizens": [{"iin": ERLAN, "full_name": "Сапаров Ерлан", "phones": ["+77011231885"]}],
                         "cabinets": [{"iin": ERLAN, "phone": "+77011231885", "password": ERLAN_PASSWORD}]})
    browser = Browser(sandbox)
    browser.client.set_cookie("ed24_ns", ns)
    assert browser.sign_in("ru", ERLAN, ERLAN_PASSWORD).url == "/ru/cabinet/"
    assert Browser(sandbox).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"  # default data
    assert browser.sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/login/password"


def test_delete_removes_a_namespace(sandbox: Flask) -> None:
    client = sandbox.test_client()
    ns = create(client)
    browser = Browser(sandbox, namespace=ns)
    assert browser.sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"
    assert client.delete(f"/sandbox/api/namespaces/{ns}").status_code == 204
    assert browser.get("/ru/cabinet/").status_code == 404
    assert api(client, ns, "get", "/clock").status_code == 404
    assert client.post(f"/sandbox/api/namespaces/{ns}/people", json={"kind": "no_app"}).status_code == 404
    assert client.delete(f"/sandbox/api/namespaces/{ns}").status_code == 404


def test_the_default_reset_never_ends_a_namespaces_sessions(sandbox: Flask) -> None:
    client = sandbox.test_client()
    ns = create(client)
    inside = Browser(sandbox, namespace=ns)
    assert inside.sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"
    outside = Browser(sandbox)
    assert outside.sign_in("ru", ERLAN, ERLAN_PASSWORD).url == "/ru/cabinet/"
    assert client.post("/sandbox/api/reset", json={}).status_code == 200
    assert inside.signed_in()
    assert not outside.signed_in()  # the default data's own sessions went with its data


def test_at_most_the_configured_number_of_namespaces() -> None:
    app = make_app(clock=None, SANDBOX_NAMESPACES_MAX=2)
    client = app.test_client()
    first = create(client)
    create(client)
    refused = client.post("/sandbox/api/namespaces", json={})
    assert refused.status_code == 429 and "2" in refused.get_json()["error"]
    client.delete(f"/sandbox/api/namespaces/{first}")
    create(client)
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("body, location", [
    ({"citizens": [], "teachers": []}, "teachers"),
    ({"cabinets": [{"iin": AIGERIM, "phone": AIGERIM_PHONE, "pin": "1234"}]}, "cabinets[0].pin"),
    ({}, "(top level)"),
    ([], "(top level)"),
    ({"children": [{"iin": "210905604213", "full_name": "x", "birth_certificate": "1", "parents": [],
                    "status": "queue"}]}, "children[0].parents"),
    ({"citizens": [{"iin": "90051540123", "full_name": "x"}]}, "citizens[0].iin"),
    # Longer than the database column holds (PostgreSQL refuses it): said, never a 500.
    ({"children": [{"iin": "210905604213", "full_name": "x", "birth_certificate": "7" * 41,
                    "parents": ["920314405125"], "status": "queue"}]}, "children[0].birth_certificate"),
    ({"citizens": [{"iin": AIGERIM, "full_name": "Ә" * 201}]}, "citizens[0].full_name"),
])
def test_load_is_checked_against_the_json_schema(sandbox: Flask, body: Any, location: str) -> None:
    client = sandbox.test_client()
    ns = create(client)
    for target in (None, ns):
        response = api(client, target, "post", "/load", json=body)
        assert response.status_code == 400 and response.get_json()["location"] == location, response.get_json()
    if body != {}:  # {} creates a namespace with the demo data; anything else must be valid data
        refused = client.post("/sandbox/api/namespaces", json=body)
        assert refused.status_code == 400 and refused.get_json()["location"] == location
    empty = api(client, ns, "post", "/load", data=b"", content_type="application/json")
    assert empty.status_code == 400 and empty.get_json()["location"] == "(top level)"
    assert Browser(sandbox, namespace=ns).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"  # unchanged


def test_the_schema_is_served_and_describes_the_demo_data(sandbox: Flask) -> None:
    from jsonschema import Draft202012Validator

    schema = sandbox.test_client().get("/sandbox/api/schema.json").get_json()
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(DEMO_DATA)
    assert schema["additionalProperties"] is False


# -- people builders ----------------------------------------------------------------------------

def person(client: FlaskClient, ns: str, kind: str) -> dict[str, Any]:
    response = client.post(f"/sandbox/api/namespaces/{ns}/people", json={"kind": kind})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    for someone in (made["person"], made["other_parent"], made.get("holder") or made["person"]):
        assert iin_rules.validate(someone["iin"])[1] is None  # valid IINs, check digits included
    assert iin_rules.validate(made["child"]["iin"])[1] is None
    assert made["child"]["parents"] == [made["person"]["iin"], made["other_parent"]["iin"]]
    return made


@pytest.mark.parametrize("kind", ["app_bound", "no_app", "no_password", "foreign_number"])
def test_people_builders_give_working_people(sandbox: Flask, kind: str, lang: str) -> None:
    client = sandbox.test_client()
    ns = create(client)
    made = person(client, ns, kind)
    who = made["person"]
    assert person(client, ns, kind)["person"]["iin"] != who["iin"]  # two tests never share a parent
    web = Browser(sandbox, namespace=ns)
    if kind == "app_bound":
        assert who["app_bound"] and who["password"]
        assert web.sign_in(lang, who["iin"], who["password"]).url == f"/{lang}/cabinet/"
        assert made["child"]["full_name"] in web.page(f"/{lang}/cabinet/").text
        recovery = Browser(sandbox, namespace=ns)
        recovery.start_recovery(lang, who["iin"])
        assert [m["channel"] for m in received(client, ns, who["phone"])][0] == "app"
        assert recovery.confirm_code(lang, code_of(client, ns, who["phone"])).has_field("password")
    elif kind == "no_app":
        assert not who["app_bound"] and who["password"]
        page = web.start_recovery(lang, who["iin"])
        assert t(lang, "Система не смогла отправить код подтверждения") in page.text
        web.post(f"/{lang}/cabinet/recovery/sms-code")
        [sms] = received(client, ns, who["phone"], channel="sms")
        assert web.confirm_code(lang, sms["code"]).has_field("password")
        assert web.new_password(lang, NEW_PASSWORD).url == f"/{lang}/cabinet/"
    elif kind == "no_password":
        assert who["password"] is None and who["app_bound"]
        page = web.submit(f"/{lang}/cabinet/login", {"iin": who["iin"], **AGREE})
        assert page.h1 == t(lang, "Установка пароля")
        assert web.confirm_code(lang, code_of(client, ns, who["phone"])).has_field("password")
        assert web.new_password(lang, NEW_PASSWORD).url == f"/{lang}/cabinet/"
    else:
        holder = made["holder"]
        assert holder["bmg_lists_the_number_under"] != holder["iin"]
        web.start_recovery(lang, holder["iin"])  # the holder's number went to someone else
        refused = web.submit(f"/{lang}/cabinet/recovery/sms-code")
        assert say(lang, messages.number_elsewhere, mask(holder["cabinet_phone"])) in refused.text
        assert received(client, ns, holder["cabinet_phone"]) == []
        # The mother re-registers the child's cabinet onto her own IIN and number.
        child = made["child"]
        rereg = Browser(sandbox, namespace=ns)
        step2 = rereg.submit(f"/{lang}/cabinet/reregister/answers", {
            "child_iin": child["iin"], "certificate": child["birth_certificate"], "parent1_iin": child["parents"][0],
            "parent2_iin": child["parents"][1], "status": child["status"]})
        assert step2.has_field("applicant_iin"), step2.text[:300]
        rereg.post(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": who["iin"], "phone": who["phone"]})
        rereg.post(f"/{lang}/cabinet/reregister/code", {"code": code_of(client, ns, who["phone"])})
        done = rereg.submit(f"/{lang}/cabinet/reregister/finish", {"password": NEW_PASSWORD,
                                                                   "password_repeat": NEW_PASSWORD})
        assert done.url == f"/{lang}/cabinet/" and child["full_name"] in done.text


# -- four namespaces at once ----------------------------------------------------------------------

def journey(app: Flask, ns: str) -> None:
    """Recovery, a lock ended by the namespace's clock, and a re-registration, in one namespace."""
    client = app.test_client()
    owner = Browser(app, namespace=ns)
    owner.start_recovery("ru", AIGERIM)
    assert owner.confirm_code("ru", code_of(client, ns, AIGERIM_PHONE)).has_field("password")
    assert owner.new_password("ru", NEW_PASSWORD).url == "/ru/cabinet/"

    stranger = Browser(app, namespace=ns)
    for _ in range(5):
        stranger.sign_in("ru", ERLAN, "Wrong!pass2026")
    assert stranger.page("/ru/cabinet/login/password").soup.select_one("#locked")
    assert api(client, ns, "post", "/clock", json={"advance_seconds": 15 * 60}).status_code == 200
    assert not stranger.page("/ru/cabinet/login/password").soup.select_one("#locked")
    assert stranger.submit("/ru/cabinet/login/password", {"password": ERLAN_PASSWORD}).url == "/ru/cabinet/"

    madina = Browser(app, namespace=ns)
    assert madina.submit("/ru/cabinet/reregister/answers", AMINA_ANSWERS).has_field("applicant_iin")
    madina.post("/ru/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
    madina.post("/ru/cabinet/reregister/code", {"code": code_of(client, ns, MADINA_PHONE)})
    done = madina.submit("/ru/cabinet/reregister/finish", {"password": "Amina!Kezek2026",
                                                           "password_repeat": "Amina!Kezek2026"})
    assert done.url == "/ru/cabinet/" and "Серикова Амина" in done.text
    assert api(client, ns, "get", "/clock").get_json()["offset_seconds"] == 15 * 60


def test_four_namespaces_in_parallel_do_not_interfere(tmp_path) -> None:
    app = make_app(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'parallel.sqlite3'}", clock=None)
    client = app.test_client()
    spaces = [create(client) for _ in range(4)]
    errors: list[str] = []
    finished: list[str] = []
    start = threading.Barrier(len(spaces))

    def run(ns: str) -> None:
        try:
            start.wait()
            journey(app, ns)
            finished.append(ns)
        except BaseException:  # noqa: BLE001 - reported below, with the namespace
            errors.append(f"{ns}: {traceback.format_exc()}")

    threads = [threading.Thread(target=run, args=(ns,)) for ns in spaces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and sorted(finished) == sorted(spaces), "\n".join(errors)
    # Nothing leaked into the default data: its clock, its cabinet, its outbox.
    assert api(client, None, "get", "/clock").get_json()["offset_seconds"] == 0
    assert Browser(app).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/"
    assert [m for m in received(client, None, AIGERIM_PHONE) if m["kind"].startswith("code_")] == []
    for ns in spaces:  # each namespace saw its own journey once
        assert [m["kind"] for m in received(client, ns, MADINA_PHONE)].count("code_reregister") == 1
        client.delete(f"/sandbox/api/namespaces/{ns}")
    app.extensions["db_engine"].dispose()
