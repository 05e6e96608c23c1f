"""Case 2 of recovery by a code in SMS (contract v3): Ерлан has no app on his phone; the SMS
that carries the code proves the SIM is in his hands. Its text ends with the WebOTP line and
fits 3 UCS-2 segments; a number that БМГ lists under another IIN gets no SMS."""
from __future__ import annotations

import copy
import math
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.helpers import (AIGERIM, AIGERIM_PHONE, DANA, DANA_PHONE, DEMO_DATA, ERLAN, ERLAN_PHONE, Browser,
                           counts, deliver, kinds, latest_code, location, make_app, outbox, say, t)
from webapp.web import messages

ORIGIN = "https://cabinet.ed24.kz"
SEGMENT = 67       # UCS-2 characters per segment of a concatenated SMS
SINGLE = 70        # … and of a single one


def segments(text: str) -> int:
    """How many SMS a text costs: Cyrillic goes as UCS-2 (UTF-16 code units)."""
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= SINGLE else math.ceil(units / SEGMENT)


@pytest.fixture
def site() -> Any:
    app = make_app(PUBLIC_ORIGIN=ORIGIN)
    yield app
    app.extensions["db_engine"].dispose()


def test_the_code_by_sms_end_to_end(site: Flask, lang: str) -> None:
    web = Browser(site)
    page = web.start_recovery(lang, ERLAN)
    top = page.soup.find("main")
    # At the top: what happened, for which number, and the one main button.
    assert t(lang, "Система не смогла отправить код подтверждения") in page.text
    assert "+770****1885" in page.text
    first_button = top.find("button")
    assert " ".join(first_button.get_text().split()) == t(lang, "Получить код по SMS")
    assert first_button.find_parent("form")["action"] == f"/{lang}/cabinet/recovery/sms-code"
    instructions = t(lang, "Инструкция по регистрации мобильного приложения ed24.kz")
    assert page.html.index(t(lang, "Получить код по SMS")) < page.html.rindex(instructions)
    assert kinds(site, ERLAN_PHONE) == []  # opening the page sent nothing

    code_page = web.submit(f"/{lang}/cabinet/recovery/sms-code")
    assert code_page.url == f"/{lang}/cabinet/recovery" and code_page.redirects == [303]
    assert say(lang, messages.code_sent_where, "sms", "+770****1885") in code_page.text
    assert say(lang, messages.code_hint, "sms") in code_page.text
    field = code_page.soup.find("input", attrs={"name": "code"})
    assert field["autocomplete"] == "one-time-code" and field.find_parent("form").has_attr("data-web-otp")
    assert t(lang, "Получить код по SMS") not in code_page.buttons()  # it went by SMS already

    [sms] = outbox(site, ERLAN_PHONE)
    assert (sms.channel, sms.kind) == ("sms", "code_recovery")
    assert sms.code and len(sms.code) == 6 and sms.code in sms.text.splitlines()[0]
    assert sms.link and sms.link.startswith(f"{ORIGIN}/r/") and sms.link in sms.text
    assert sms.text.splitlines()[-1] == f"@cabinet.ed24.kz #{sms.code}"  # the WebOTP line, last
    assert sms.text.startswith("ED24.KZ:")
    assert deliver(site) == 1  # the SMS gateway took it

    step = web.confirm_code(lang, sms.code)
    assert step.has_field("password")
    done = web.new_password(lang)
    assert done.url == f"/{lang}/cabinet/"
    # No app to tell: the SIM hears of the change by SMS too.
    assert kinds(site, ERLAN_PHONE)[-2:] == ["app:password_changed", "sms:password_changed"]


def test_the_link_in_the_sms_opens_the_password_step_instead_of_the_code(site: Flask, lang: str) -> None:
    Browser(site).start_recovery(lang, ERLAN)
    asked = Browser(site)
    asked.start_recovery(lang, ERLAN)
    asked.post(f"/{lang}/cabinet/recovery/sms-code")
    link = outbox(site, ERLAN_PHONE)[0].link
    phone_browser = Browser(site)
    phone_browser.follow(phone_browser.get(urlsplit(link).path))
    assert phone_browser.submit(f"/{lang}/cabinet/recovery/link").has_field("password")


@pytest.mark.parametrize("kind", ["recovery", "setup"])
def test_the_code_sms_fits_three_ucs2_segments(site: Flask, lang: str, kind: str) -> None:
    """A 22-character token and the configured host: at most 3 segments, in ru and in kk."""
    web = Browser(site)
    if kind == "recovery":
        web.start_recovery(lang, ERLAN)
        phone = ERLAN_PHONE
    else:  # the first password: Дана's app is bound; the owner asks for the code by SMS instead
        web.submit(f"/{lang}/cabinet/login", {"iin": DANA, "agree_terms": "y", "agree_contacts": "y"})
        site.extensions["clock"].advance(61)
        phone = DANA_PHONE
    web.post(f"/{lang}/cabinet/recovery/sms-code")
    [sms] = [n for n in outbox(site, phone) if n.channel == "sms"]
    assert sms.kind == f"code_{kind}" and len(urlsplit(sms.link).path) == len("/r/") + 22
    assert any("\u0400" <= ch <= "\u04ff" for ch in sms.text)  # Cyrillic: UCS-2
    assert segments(sms.text) <= 3, (len(sms.text), sms.text)


def test_a_number_bmg_lists_under_another_iin_gets_no_sms_and_offers_reregistration(lang: str) -> None:
    data = copy.deepcopy(DEMO_DATA)
    for citizen in data["citizens"]:
        if citizen["iin"] == ERLAN:
            citizen["phones"] = []  # the number was recycled: БМГ lists it under a stranger now
    data["citizens"].append({"iin": "790303300017", "full_name": "Новый владелец номера",
                             "phones": [ERLAN_PHONE]})
    app = make_app()
    assert app.test_client().post("/sandbox/api/load", json=data).status_code == 200
    web = Browser(app)
    web.start_recovery(lang, ERLAN)
    before = counts(app)
    page = web.submit(f"/{lang}/cabinet/recovery/sms-code")
    assert say(lang, messages.number_elsewhere, "+770****1885") in page.text
    link = page.soup.find("a", href=f"/{lang}/cabinet/reregister")
    assert link is not None and " ".join(link.get_text().split()) == t(lang, "Переоформить Личный кабинет")
    assert not page.has_field("code")
    assert outbox(app, ERLAN_PHONE) == []  # nothing went to the stranger's SIM
    assert {k: v for k, v in counts(app).items() if k[0].startswith("code_")} == \
        {k: v for k, v in before.items() if k[0].startswith("code_")}
    again = web.submit(f"/{lang}/cabinet/recovery/sms-code")  # asking again does not send either
    assert outbox(app, ERLAN_PHONE) == [] and again.url == f"/{lang}/cabinet/recovery"
    app.extensions["db_engine"].dispose()


def test_case1_offers_the_code_by_sms_under_the_code_field(site: Flask, lang: str) -> None:
    """The owner who holds the SIM may not hold the handset the app is bound to."""
    web = Browser(site)
    page = web.start_recovery(lang, AIGERIM)
    assert say(lang, messages.code_sent_where, "app", "+770****6868") in page.text
    button = page.soup.find("button", string=lambda s: s and s.strip() == t(lang, "Получить код по SMS"))
    assert button is not None and button.find_parent("form")["action"] == f"/{lang}/cabinet/recovery/sms-code"
    assert page.html.index('name="code"') < page.html.index(t(lang, "Получить код по SMS"))
    too_soon = web.post(f"/{lang}/cabinet/recovery/sms-code")  # within the 60 s of the app's code
    assert too_soon.status_code == 303
    assert say(lang, messages.resend_wait, 60) in web.follow(too_soon).text
    assert [n.channel for n in outbox(site, AIGERIM_PHONE)] == ["app"]
    site.extensions["clock"].advance(60)
    sms_page = web.submit(f"/{lang}/cabinet/recovery/sms-code")
    assert say(lang, messages.code_sent_where, "sms", "+770****6868") in sms_page.text
    assert [n.channel for n in outbox(site, AIGERIM_PHONE)] == ["sms", "app"]
    # The session's last codes all work (messages may arrive out of order): the app's one too.
    app_code = [n.code for n in outbox(site, AIGERIM_PHONE) if n.channel == "app"][0]
    assert web.confirm_code(lang, app_code).has_field("password")
    assert location(web.post(f"/{lang}/cabinet/recovery/sms-code")) == f"/{lang}/cabinet/recovery"
    assert latest_code(site, AIGERIM_PHONE, "sms") != app_code
