"""The link in every recovery and first-password message: /r/<token> (contract, "Links in code
messages"). Opening it uses nothing; the link's page's "Продолжить" opens the password step
in any browser; a saved password retires every other link and code."""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, DANA, DANA_PHONE, NEW_PASSWORD, Browser,
                           counts, database, latest_code, latest_link, location, make_app, outbox, say, t)
from webapp.models import CodeLink
from webapp.web import messages


def path(link: str) -> str:
    return urlsplit(link).path


def token_of(link: str) -> str:
    return path(link).rsplit("/", 1)[1]


def link_rows(app: Flask) -> list[tuple[Any, Any]]:
    with database(app) as db:
        return [(row.used_at, row.epoch) for row in db.scalars(select(CodeLink).order_by(CodeLink.id))]


def sent_link(app: Flask, lang: str, iin: str = AIGERIM, phone: str = AIGERIM_PHONE) -> str:
    """A parent asks for a code in one browser; the link is in the message on the phone."""
    Browser(app).start_recovery(lang, iin)
    return latest_link(app, phone)


def test_every_recovery_and_first_password_message_carries_a_link(app: Flask, lang: str) -> None:
    link = sent_link(app, lang)
    assert link.startswith("http://127.0.0.1:5000/r/")  # PUBLIC_ORIGIN, never the request's Host
    assert len(token_of(link)) == 22 and token_of(link).replace("-", "").replace("_", "").isalnum()
    [message] = outbox(app, AIGERIM_PHONE)
    assert message.kind == "code_recovery" and message.code and message.code in message.text
    Browser(app).submit(f"/{lang}/cabinet/login", {"iin": DANA, "agree_terms": "y", "agree_contacts": "y"})
    [setup] = outbox(app, DANA_PHONE)
    assert setup.kind == "code_setup" and setup.link and path(setup.link).startswith("/r/")


def test_opening_the_link_answers_303_to_a_page_without_the_token_in_the_messages_language(
        app: Flask, lang: str) -> None:
    link = sent_link(app, lang)
    other = "kk" if lang == "ru" else "ru"
    browser = Browser(app)
    browser.client.set_cookie("lang", other)  # this browser reads the site in the other language
    opened = browser.get(path(link))
    assert opened.status_code == 303
    assert location(opened) == f"/{lang}/cabinet/recovery/link"  # the language of the message
    assert token_of(link) not in opened.headers["Location"]
    page = browser.follow(opened)
    assert page.url == f"/{lang}/cabinet/recovery/link" and token_of(link) not in page.html
    assert page.h1 == t(lang, "Ссылка из сообщения с кодом")
    assert page.buttons() == [t(lang, "Продолжить")]  # one button: it says only what the link is for
    assert not page.has_field("password") and AIGERIM not in page.text


def test_the_link_page_is_private(app: Flask, lang: str) -> None:
    link = sent_link(app, lang)
    browser = Browser(app)
    for response in (browser.get(path(link)), browser.get(f"/{lang}/cabinet/recovery/link")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "noindex" in response.headers["X-Robots-Tag"]


def test_previews_three_in_a_row_use_nothing(app: Flask, lang: str) -> None:
    """Messengers and scanners open links (GET, HEAD) before the parent does: nothing is used."""
    link = sent_link(app, lang)
    before_counts, before_links = counts(app), link_rows(app)
    for _ in range(3):
        bot = Browser(app)
        bot.page(path(link))  # /r/<token>, then the link's page
        bot.client.head(path(link))
    assert link_rows(app) == before_links and link_rows(app)[0][0] is None  # not used
    assert counts(app) == before_counts  # a known token is counted nowhere
    assert outbox(app, AIGERIM_PHONE)[0].link == link  # still readable on the phone
    owner = Browser(app)
    page = owner.follow(owner.get(path(link)))
    assert page.buttons() == [t(lang, "Продолжить")]
    assert owner.submit(f"/{lang}/cabinet/recovery/link").has_field("password")


def test_the_link_works_in_a_second_browser_and_only_once(app: Flask, lang: str) -> None:
    asked = Browser(app)
    asked.start_recovery(lang, AIGERIM)
    link = latest_link(app, AIGERIM_PHONE)
    laptop = Browser(app)  # another device: no session, no cookie of the one that asked
    laptop.follow(laptop.get(path(link)))
    before = laptop.client.get_cookie("ed24_session").value
    step = laptop.submit(f"/{lang}/cabinet/recovery/link")
    assert step.url == f"/{lang}/cabinet/recovery" and step.has_field("password")
    assert laptop.client.get_cookie("ed24_session").value != before  # a new session id, as a right code gives
    assert laptop.client.get_cookie("ed24_device") is None  # a known device only once the password is saved
    done = laptop.submit(f"/{lang}/cabinet/recovery/password", {"password": NEW_PASSWORD,
                                                                "password_repeat": NEW_PASSWORD})
    assert done.url == f"/{lang}/cabinet/" and say(lang, messages.PASSWORD_UPDATED) in done.notices()
    assert laptop.client.get_cookie("ed24_device") is not None
    again = Browser(app)
    again.follow(again.get(path(link)))
    used = again.submit(f"/{lang}/cabinet/recovery/link")
    assert say(lang, messages.LINK_INVALID) in used.text and not used.has_field("password")
    assert used.soup.find("a", href=f"/{lang}/cabinet/recovery")  # a way to request a new code


def test_a_saved_password_retires_every_other_link_and_code(app: Flask, lang: str) -> None:
    asked = Browser(app)
    asked.start_recovery(lang, AIGERIM)
    first = latest_link(app, AIGERIM_PHONE)
    app.extensions["clock"].advance(61)
    asked.post(f"/{lang}/cabinet/recovery/resend")
    second, code = latest_link(app, AIGERIM_PHONE), latest_code(app, AIGERIM_PHONE)
    assert second != first
    user = Browser(app)
    user.follow(user.get(path(first)))
    assert user.submit(f"/{lang}/cabinet/recovery/link").has_field("password")
    # Opening a link is no change of the cabinet: the other link still works until a password is saved.
    meanwhile = Browser(app)
    assert meanwhile.follow(meanwhile.get(path(second))).buttons() == [t(lang, "Продолжить")]
    user.submit(f"/{lang}/cabinet/recovery/password", {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    late = Browser(app)
    late.follow(late.get(path(second)))
    assert say(lang, messages.LINK_INVALID) in late.submit(f"/{lang}/cabinet/recovery/link").text
    refused = asked.confirm_code(lang, code)
    assert not refused.has_field("password") and refused.error("code")
    assert [n.link for n in outbox(app, AIGERIM_PHONE) if n.kind == "code_recovery"] == [None, None]


def test_a_password_changed_by_code_retires_the_links(app: Flask, lang: str) -> None:
    link = sent_link(app, lang)
    app.extensions["clock"].advance(61)
    owner = Browser(app)
    owner.start_recovery(lang, AIGERIM)
    owner.confirm_code(lang, latest_code(app, AIGERIM_PHONE))
    assert owner.new_password(lang).url == f"/{lang}/cabinet/"
    later = Browser(app)
    page = later.follow(later.get(path(link)))
    assert say(lang, messages.LINK_INVALID) in page.text and page.buttons() == []


def test_a_link_works_for_60_minutes(app: Flask) -> None:
    link = sent_link(app, "ru")
    app.extensions["clock"].advance(minutes=59)
    works = Browser(app)
    works.follow(works.get(path(link)))
    app.extensions["clock"].advance(minutes=1)
    assert say("ru", messages.LINK_INVALID) in works.submit("/ru/cabinet/recovery/link").text


def test_unknown_tokens_count_per_address_and_never_refuse_a_valid_token() -> None:
    app = make_app(LINK_GUESSES_PER_ADDRESS=3)
    link = sent_link(app, "ru")
    guesser = Browser(app, address="198.51.100.7")
    answers = [guesser.get(f"/r/{'A' * 21}{n}").status_code for n in range(5)]
    assert answers == [303, 303, 303, 429, 429]
    assert {key for (kind, key) in counts(app) if kind == "link_unknown"} == {"198.51.100.7"}
    # The same address, a valid token: opened, and it works.
    page = guesser.follow(guesser.get(path(link)))
    assert page.buttons() == [t("ru", "Продолжить")]
    assert guesser.submit("/ru/cabinet/recovery/link").has_field("password")
    # Another address has its own count.
    assert Browser(app, address="203.0.113.9").get(f"/r/{'B' * 22}").status_code == 303
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("token", ["short", "A" * 23, "A" * 21 + "=", "A" * 21 + ".", "%00" + "A" * 19])
def test_only_the_token_format_is_accepted(app: Flask, token: str) -> None:
    assert Browser(app).get(f"/r/{token}").status_code == 404
    assert counts(app) == {}


def test_an_unknown_token_says_the_link_does_not_work_with_a_way_to_a_new_code(app: Flask, lang: str) -> None:
    browser = Browser(app)
    browser.client.set_cookie("lang", lang)
    page = browser.follow(browser.get(f"/r/{'Z' * 22}"))
    assert page.url == f"/{lang}/cabinet/recovery/link"
    assert say(lang, messages.LINK_INVALID) in page.text
    assert page.soup.find("a", href=f"/{lang}/cabinet/recovery")


def test_no_token_ever_reaches_a_log_line(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    link = sent_link(app, "ru")
    user = Browser(app)
    user.follow(user.get(path(link)))
    user.submit("/ru/cabinet/recovery/link")
    user.submit("/ru/cabinet/recovery/password", {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    unknown = "Q" * 22
    Browser(app).get(f"/r/{unknown}")
    Browser(app).get("/r/not-a-token-at-all")
    assert Browser(app).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/login/password"
    logged = caplog.text + " ".join(str(value) for record in caplog.records for value in record.__dict__.values())
    assert caplog.records  # the requests were logged
    for secret in (token_of(link), unknown, "not-a-token-at-all"):
        assert secret not in logged


def test_the_emulator_shows_the_link_as_a_button(app: Flask, lang: str) -> None:
    link = sent_link(app, lang)
    phone = Browser(app)
    phone.post(f"/{lang}/sandbox/app/open", {"phone": AIGERIM_PHONE})  # the handset the app is bound on
    feed = phone.page(f"/{lang}/sandbox/app")
    button = feed.soup.find("a", href=link)
    assert button is not None and " ".join(button.get_text().split()) == t(lang, "Открыть")
