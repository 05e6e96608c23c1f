"""Post/redirect/get (contract v3, "Every form"): a refused POST answers 303 to its page, which
shows what was refused; reloading that page sends nothing again and counts nothing. What was
typed is kept (never a password, never a refused code)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.helpers import (AGREE, AIGERIM, AIGERIM_PHONE, AMINA, AMINA_ANSWERS, ARMAN, ERLAN, MADINA, MADINA_PHONE,
                           Browser, at_code, at_new_password, at_password_step, database, latest_code, location,
                           make_app, say, t, wrong)
from webapp.models import AuditEvent, CodeLink, ConfirmationCode, Counter, OutboxMessage
from webapp.services import reregistration
from webapp.web import messages


def written(app: Flask) -> tuple[Any, ...]:
    """Everything a POST may send or count: the counts, the outbox, codes and their tries, links, audit."""
    with database(app) as db:
        return (sorted((c.kind, c.key, c.count) for c in db.scalars(select(Counter))),
                db.scalar(select(func.count()).select_from(OutboxMessage)),
                sorted((c.id, c.tries, c.used_at) for c in db.scalars(select(ConfirmationCode))),
                db.scalar(select(func.count()).select_from(CodeLink)),
                db.scalar(select(func.count()).select_from(AuditEvent)))


def nothing(web: Browser, lang: str) -> None:
    pass



def at_case2(web: Browser, lang: str) -> None:
    web.start_recovery(lang, ERLAN)


def at_applicant(web: Browser, lang: str) -> None:
    web.answer_step1(lang)


def at_rereg_code(web: Browser, lang: str) -> None:
    web.answer_step1(lang)
    web.post(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})


def at_rereg_password(web: Browser, lang: str) -> None:
    at_rereg_code(web, lang)
    web.post(f"/{lang}/cabinet/reregister/code", {"code": latest_code(web.app, MADINA_PHONE)})


WEAK = {"password": "short1!A", "password_repeat": "short1!A", "username": AIGERIM}
# name: (where the visitor is, the form, what is sent, the page the refusal lands on)
REFUSALS: dict[str, tuple[Callable[[Browser, str], None], str, dict[str, str], str]] = {
    "bad iin": (nothing, "/cabinet/login", {"iin": "90051540123", "agree_terms": "y"}, "/cabinet/login"),
    "wrong password": (at_password_step, "/cabinet/login/password", {"password": "Wrong!pass2026"}, "/cabinet/login/password"),
    "bad recovery iin": (nothing, "/cabinet/recovery/start", {"iin": "123"}, "/cabinet/recovery"),
    "wrong code": (at_code, "/cabinet/recovery/code", {"code": "000000"}, "/cabinet/recovery"),
    "malformed code": (at_code, "/cabinet/recovery/code", {"code": "12"}, "/cabinet/recovery"),
    "early resend": (at_code, "/cabinet/recovery/resend", {}, "/cabinet/recovery"),
    "early sms code": (at_code, "/cabinet/recovery/sms-code", {}, "/cabinet/recovery"),
    "weak password": (at_new_password, "/cabinet/recovery/password", WEAK, "/cabinet/recovery"),
    "app not bound yet": (at_case2, "/cabinet/recovery/send", {}, "/cabinet/recovery"),
    "wrong answers": (nothing, "/cabinet/reregister/answers", {**AMINA_ANSWERS, "certificate": "0000001"},
                      "/cabinet/reregister"),
    "wrong applicant": (at_applicant, "/cabinet/reregister/applicant", {"applicant_iin": ARMAN,
                                                                        "phone": MADINA_PHONE}, "/cabinet/reregister"),
    "wrong rereg code": (at_rereg_code, "/cabinet/reregister/code", {"code": "000000"}, "/cabinet/reregister"),
    "passwords differ": (at_rereg_password, "/cabinet/reregister/finish",
                         {"password": "Amina!Kezek2026", "password_repeat": "Amina!Kezek2027"}, "/cabinet/reregister"),
    "not at that step": (nothing, "/cabinet/recovery/code", {"code": "123456"}, "/cabinet/recovery"),
    "no flow": (nothing, "/cabinet/reregister/finish", {"password": "x", "password_repeat": "x"},
                "/cabinet/reregister"),
    "not signed in": (nothing, "/cabinet/binding/sms", {}, "/cabinet/login?next=/{lang}/cabinet/"),
    "unused link": (nothing, "/cabinet/recovery/link", {}, "/cabinet/recovery/link"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_refused_post_answers_303_and_a_reload_sends_nothing_again(app: Flask, lang: str, name: str) -> None:
    setup, form, data, landing = REFUSALS[name]
    web = Browser(app)
    setup(web, lang)
    if name in ("wrong code", "wrong rereg code"):  # a code that is not the one sent
        phone = AIGERIM_PHONE if name == "wrong code" else MADINA_PHONE
        data = {"code": wrong(latest_code(app, phone))}
    refused = web.post(f"/{lang}{form}", data)
    assert refused.status_code == 303
    assert location(refused) == f"/{lang}{landing}".replace("{lang}", lang)
    before = written(app)
    page = web.follow(refused)
    assert page.status == 200 and page.soup.html["lang"] == lang
    for _ in range(3):  # pull-to-refresh, again and again
        assert web.get(location(refused)).status_code == 200
    assert written(app) == before


def test_a_refused_code_is_not_kept_and_the_field_takes_the_focus(app: Flask, lang: str) -> None:
    web = Browser(app)
    web.start_recovery(lang, AIGERIM)
    page = web.confirm_code(lang, wrong(latest_code(app, AIGERIM_PHONE)))
    field = page.soup.find("input", attrs={"name": "code"})
    assert field["value"] == "" and field.has_attr("data-focus-on-load") and field["aria-invalid"] == "true"
    assert page.error(field["id"])  # the message stays beside the emptied field
    rereg = Browser(app)
    at_rereg_code(rereg, lang)
    page = rereg.submit(f"/{lang}/cabinet/reregister/code", {"code": wrong(latest_code(app, MADINA_PHONE))})
    assert page.soup.find("input", attrs={"name": "code"})["value"] == ""


def test_typed_answers_are_kept_and_passwords_never(app: Flask, lang: str) -> None:
    web = Browser(app)
    typed = {**AMINA_ANSWERS, "certificate": "0567899"}
    page = web.submit(f"/{lang}/cabinet/reregister/answers", typed)
    assert say(lang, messages.rereg_refusal, reregistration.Mismatch(tries_left=4)) in page.text
    for name in ("child_iin", "certificate", "parent1_iin", "parent2_iin"):
        assert page.field_value(name) == typed[name]
    assert page.soup.find("input", attrs={"name": "status", "value": "queue"}).has_attr("checked")

    step2 = Browser(app)
    step2.answer_step1(lang)
    page = step2.submit(f"/{lang}/cabinet/reregister/applicant", {"applicant_iin": ARMAN, "phone": "8 775 987 65 43"})
    assert page.field_value("applicant_iin") == ARMAN
    assert page.field_value("phone") == MADINA_PHONE  # kept as the number it was read as

    login = Browser(app)
    page = login.submit(f"/{lang}/cabinet/login", {"iin": "90051540123", **AGREE})
    assert page.field_value("iin") == "90051540123"
    login.step1(lang, AIGERIM)
    page = login.submit(f"/{lang}/cabinet/login/password", {"password": "Wrong!pass2026"})
    assert page.field_value("password") == ""

    recovery = Browser(app)
    at_new_password(recovery, lang)
    page = recovery.submit(f"/{lang}/cabinet/recovery/password", WEAK)
    assert page.field_value("password") == "" and page.field_value("password_repeat") == ""
    assert page.field_value("username") == AIGERIM  # the IIN rides along for password managers
    assert "short1!A" not in page.html


def test_a_kept_answer_never_reaches_another_page(app: Flask) -> None:
    web = Browser(app)
    web.submit("/ru/cabinet/recovery/start", {"iin": "123"})
    other = web.page("/ru/cabinet/login")
    assert other.summary == [] and other.field_value("iin") != "123"


def test_a_refused_post_under_the_address_limit_answers_303_too() -> None:
    app = make_app(RECOVERY_STARTS_PER_ADDRESS=1)
    web = Browser(app)
    web.start_recovery("ru", "850505309997")
    fresh = Browser(app)
    refused = fresh.post("/ru/cabinet/recovery/start", {"iin": AMINA})
    assert refused.status_code == 303
    before = written(app)
    page = fresh.follow(refused)
    assert "слишком много попыток восстановления" in page.text and page.field_value("iin") == AMINA
    fresh.get(location(refused))
    assert written(app) == before
    assert t("ru", "Восстановление забытого пароля") in page.h1
    app.extensions["db_engine"].dispose()
