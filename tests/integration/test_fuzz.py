"""Property-based fuzzing of every form and fragment endpoint, in both languages.

Arbitrary Unicode, NUL bytes, huge values, missing fields, fields sent as file parts,
JSON bodies and wrong methods: the answer is never 5xx, and the stored data of
cabinets, children and devices never changes (random input cannot be a valid code,
so no flow can complete). A session is signed in nowhere, so the cabinet's own
actions answer with a redirect. A field sent as a file part, or a JSON body, is no
answer: the page says what is missing, in its language.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers import (AIGERIM, AIGERIM_PHONE, MADINA, MADINA_PHONE, Browser, at_code, at_new_password,
                           at_password_step, latest_code, make_app, say, t)
from webapp.db import new_session
from webapp.models import AppDevice, Cabinet, Child
from webapp.services import codes, passwords
from webapp.services.iin import IinError
from webapp.services.phone import PhoneError
from webapp.web import messages

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

values = st.one_of(
    st.none(),                                   # the field is missing
    st.text(max_size=40),                        # any Unicode, control characters included
    st.text(alphabet="0123456789 ٠١٢٣٤٥٦٧٨٩０１２３", max_size=16),
    st.sampled_from([AIGERIM, "", " ", "<script>x</script>", "' OR 1=1 --", "١٢٣٤", "\x00", "9005\x0015401230",
                     "\x00" * 64]),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(1000, 20_000)),  # huge
)
# How a client may send the fields: a form, multipart with some fields as file parts, or JSON.
encodings = st.sampled_from(["form", "multipart", "json"])



def at_applicant(web: Browser, lang: str) -> None:
    assert web.answer_step1(lang).has_field("applicant_iin")


def at_rereg_code(web: Browser, lang: str) -> None:
    at_applicant(web, lang)
    web.post(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})


def at_rereg_password(web: Browser, lang: str) -> None:
    at_rereg_code(web, lang)
    page = web.submit(f"/{lang}/cabinet/reregister/code", {"code": latest_code(web.app, MADINA_PHONE)})
    assert page.has_field("password")


def at_app_otp(web: Browser, lang: str) -> None:
    web.post(f"/{lang}/sandbox/app/phone", {"phone": AIGERIM_PHONE, "consent": "y"})


def nowhere(web: Browser, lang: str) -> None:
    pass


Setup = Callable[[Browser, str], None]
# name: (path, fields, where the visitor is when sending it)
FORMS: dict[str, tuple[str, list[str], Setup]] = {
    "login": ("/cabinet/login", ["iin", "agree_terms", "agree_contacts"], nowhere),
    "login_password": ("/cabinet/login/password", ["password", "username"], at_password_step),
    "logout": ("/cabinet/logout", [], nowhere),
    "recovery_start": ("/cabinet/recovery/start", ["iin"], nowhere),
    "recovery_code": ("/cabinet/recovery/code", ["code"], at_code),
    "recovery_resend": ("/cabinet/recovery/resend", [], at_code),
    "recovery_sms_code": ("/cabinet/recovery/sms-code", [], at_code),
    "recovery_sms": ("/cabinet/recovery/sms", [], at_code),
    "recovery_send": ("/cabinet/recovery/send", [], at_code),
    "recovery_password": ("/cabinet/recovery/password", ["password", "password_repeat", "username"],
                          at_new_password),
    "recovery_back": ("/cabinet/recovery/back", [], at_code),
    "link_use": ("/cabinet/recovery/link", [], nowhere),
    "rereg_answers": ("/cabinet/reregister/answers",
                      ["child_iin", "certificate", "parent1_iin", "parent2_iin", "status"], nowhere),
    "rereg_applicant": ("/cabinet/reregister/applicant", ["applicant_iin", "phone"], at_applicant),
    "rereg_sms_code": ("/cabinet/reregister/sms-code", [], at_applicant),
    "rereg_send": ("/cabinet/reregister/send", [], at_applicant),
    "rereg_sms": ("/cabinet/reregister/sms", [], at_applicant),
    "rereg_code": ("/cabinet/reregister/code", ["code"], at_rereg_code),
    "rereg_resend": ("/cabinet/reregister/resend", [], at_rereg_code),
    "rereg_finish": ("/cabinet/reregister/finish", ["password", "password_repeat", "phone"], at_rereg_password),
    "rereg_change": ("/cabinet/reregister/change", [], at_rereg_code),
    "rereg_restart": ("/cabinet/reregister/restart", [], at_applicant),
    "rereg_cancel": ("/cabinet/reregister/cancel", [], at_applicant),
    "check_iin": ("/check/iin", ["iin", "event", "child_iin", "parent2_iin"], nowhere),
    "check_phone": ("/check/phone", ["phone", "event"], nowhere),
    "check_password": ("/check/password", ["password", "username", "phone"], nowhere),
    "app_phone": ("/sandbox/app/phone", ["phone", "consent"], nowhere),
    "app_otp": ("/sandbox/app/otp", ["otp"], at_app_otp),
    "app_open": ("/sandbox/app/open", ["phone"], nowhere),
    "app_other_number": ("/sandbox/app/other-number", [], nowhere),
    "app_back_to_feed": ("/sandbox/app/back-to-feed", [], nowhere),
    "app_new_device": ("/sandbox/app/new-device", [], nowhere),
    "cabinet_sms": ("/cabinet/binding/sms", [], nowhere),
    "cabinet_unbind": ("/cabinet/binding/unbind", [], nowhere),
}
FRAGMENTS = {"check_iin", "check_phone", "check_password"}
GETS = ["/cabinet/binding", "/sandbox/app/feed", "/sandbox/app/bind", "/cabinet/reregister",
        "/cabinet/recovery", "/cabinet/recovery/unknown-number", "/cabinet/recovery/status",
        "/cabinet/reregister/status", "/cabinet/recovery/link", "/cabinet/reregister/cancel"]


def test_every_form_endpoint_is_fuzzed(fuzz_app: Any) -> None:
    """A new POST route gets a line in FORMS (or this fails)."""
    posted = {rule.rule.removeprefix("/<lang>") for rule in fuzz_app.url_map.iter_rules()
              if "POST" in rule.methods and rule.rule.startswith("/<lang>/")}
    assert posted == {path for path, _fields, _setup in FORMS.values()}


# What a form says when its first field reads as missing (a file part, or a JSON body).
MISSING: dict[str, Callable[[str], str]] = {
    "login": lambda lang: say(lang, messages.IIN_ERRORS[IinError.EMPTY]),
    "login_password": lambda lang: say(lang, messages.REQUIRED_PASSWORD),
    "recovery_start": lambda lang: say(lang, messages.IIN_ERRORS[IinError.EMPTY]),
    "recovery_code": lambda lang: say(lang, messages.CODE_FORMAT[codes.FormatError.EMPTY]),
    "recovery_password": lambda lang: say(lang, messages.REQUIRED_PASSWORD),
    "rereg_answers": lambda lang: say(lang, messages.IIN_ERRORS[IinError.EMPTY]),
    "rereg_applicant": lambda lang: say(lang, messages.IIN_ERRORS[IinError.EMPTY]),
    "rereg_code": lambda lang: say(lang, messages.CODE_FORMAT[codes.FormatError.EMPTY]),
    "rereg_finish": lambda lang: say(lang, messages.REQUIRED_PASSWORD),
    "app_phone": lambda lang: say(lang, messages.PHONE_ERRORS[PhoneError.EMPTY]),
    "app_otp": lambda lang: t(lang, "Введите одноразовый пароль или содержимое QR-кода"),
    "check_password": lambda lang: say(lang, messages.checklist_summary, passwords.check("")),
}


def snapshot(app: Any) -> list[tuple]:
    with new_session(app) as db:
        return ([(c.iin, c.phone, c.password_hash, c.session_epoch) for c in db.scalars(select(Cabinet).order_by(Cabinet.id))]
                + [(c.iin, c.cabinet_id, c.status) for c in db.scalars(select(Child).order_by(Child.iin))]
                + [(d.id, d.phone) for d in db.scalars(select(AppDevice).order_by(AppDevice.id))])


@pytest.fixture(scope="module")
def fuzz_app() -> Any:
    return make_app(SIGNIN_FAILURES_PER_ADDRESS=10**6, REREG_FAILURES_PER_ADDRESS=10**6,
                    RECOVERY_STARTS_PER_ADDRESS=10**6, CODE_FAILURES_PER_ADDRESS=10**6)


def in_flow(app: Any, lang: str) -> Browser:
    """A visitor deep in every flow, so fuzzed posts reach the inner steps."""
    web = Browser(app)
    web.step1(lang, AIGERIM)
    web.post(f"/{lang}/cabinet/recovery/start", {"iin": AIGERIM})
    web.answer_step1(lang)
    web.post(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
    return web


def send(web: Browser, url: str, data: dict[str, Any], encoding: str, *, htmx: bool = False,
         as_files: frozenset[str] = frozenset()) -> Any:
    """POST the fields as a form, as multipart with `as_files` sent as file parts, or as JSON."""
    if encoding == "json":
        headers = {"X-CSRFToken": web.token(), **({"HX-Request": "true"} if htmx else {})}
        return web.client.post(url, data=json.dumps(data), content_type="application/json", headers=headers)
    payload: dict[str, Any] = {k: v for k, v in data.items() if v is not None}
    if encoding == "multipart":
        for name in as_files:
            content = (payload.get(name) or "\x00").encode("utf-8", "surrogatepass")
            payload[name] = (io.BytesIO(content), f"{name}.txt", "application/octet-stream")
        return web.post(url, payload, htmx=htmx, content_type="multipart/form-data")
    return web.post(url, payload, htmx=htmx)


@pytest.mark.parametrize("name", sorted(FORMS))
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_forms_never_fail_and_never_change_stored_data(fuzz_app: Any, name: str, lang: str) -> None:
    path, fields, _setup = FORMS[name]
    web = in_flow(fuzz_app, lang)
    before = snapshot(fuzz_app)
    prefix = f"/{lang}"

    @FUZZ
    @given(data=st.fixed_dictionaries({f: values for f in fields}), htmx=st.booleans(), encoding=encodings,
           files=st.sets(st.sampled_from(fields or ["upload"])))
    def run(data: dict[str, Any], htmx: bool, encoding: str, files: set[str]) -> None:
        response = send(web, f"{prefix}{path}", data, encoding, htmx=htmx, as_files=frozenset(files))
        assert response.status_code < 500, (path, encoding, data)

    run()
    assert snapshot(fuzz_app) == before


@pytest.mark.parametrize("encoding", ["file", "json"])
@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_field_sent_as_a_file_or_json_is_no_answer_and_gets_a_message_in_the_pages_language(
        app: Any, lang: str, name: str, encoding: str) -> None:
    path, fields, setup = FORMS[name]
    web = Browser(app)
    setup(web, lang)
    typed = {field: AIGERIM for field in fields}
    if encoding == "file":  # each field a file part holding what would otherwise be typed
        response = send(web, f"/{lang}{path}", typed, "multipart", htmx=name in FRAGMENTS,
                        as_files=frozenset(fields or ["upload"]))
    else:
        response = send(web, f"/{lang}{path}", typed, "json", htmx=name in FRAGMENTS)
    assert response.status_code < 500
    page = web.follow(response)
    assert page.status < 500, page.url
    other = "ru" if lang == "kk" else "kk"
    if name in FRAGMENTS:
        assert page.soup.find("html") is None  # a piece of the page, never a whole one
        if name in MISSING:
            assert MISSING[name](lang) in page.text
        assert say(other, messages.IIN_ERRORS[IinError.EMPTY]) not in page.text
        return
    assert page.soup.html["lang"] == lang
    if name in MISSING:
        assert MISSING[name](lang) in page.text, page.url
        assert MISSING[name](other) not in page.text


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_wrong_methods_and_bare_requests(fuzz_app: Any, lang: str) -> None:
    web = in_flow(fuzz_app, lang)
    for path, *_ in FORMS.values():
        for method in ("put", "delete", "patch"):
            assert getattr(web.client, method)(f"/{lang}{path}").status_code in (400, 405)
        assert web.post(f"/{lang}{path}", {}, csrf=False).status_code == 400
    for path in GETS:
        assert web.get(f"/{lang}{path}").status_code < 500
        assert web.get(f"/{lang}{path}", headers={"HX-Request": "true"}).status_code < 500


@FUZZ
@given(path=st.text(max_size=60))
def test_arbitrary_paths_never_fail(fuzz_app: Any, path: str) -> None:
    response = fuzz_app.test_client().get("/" + path.lstrip("/"))
    assert response.status_code < 500


@FUZZ
@given(token=st.one_of(st.text(max_size=40), st.from_regex(r"[A-Za-z0-9_-]{22}", fullmatch=True)))
def test_arbitrary_link_tokens_never_fail(fuzz_app: Any, token: str) -> None:
    response = fuzz_app.test_client().get("/r/" + token.lstrip("/"))
    assert response.status_code < 500
    assert not token or token not in response.headers.get("Location", "")  # never carried on
