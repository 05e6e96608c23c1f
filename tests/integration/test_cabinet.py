"""The cabinet: children, Лента событий, the binding password and QR, the new-phone SMS, sign-out."""
from __future__ import annotations

import re

from sqlalchemy.exc import OperationalError

from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, ERLAN, ERLAN_PASSWORD, ERLAN_PHONE, Browser,
                           Page, kinds, latest_sms_otp, location, t)


def test_cabinet_needs_a_sign_in(web: Browser, lang: str) -> None:
    page = web.get(f"/{lang}/cabinet/")
    assert page.status_code == 302 and "/cabinet/login?next=" in page.headers["Location"]


def test_children_phone_and_feed(web: Browser, lang: str) -> None:
    web.sign_in(lang, AIGERIM, AIGERIM_PASSWORD)
    page = web.page(f"/{lang}/cabinet/")
    assert page.h1 == t(lang, "Личный кабинет")
    assert "+770****6868" in page.text and AIGERIM_PHONE not in page.html
    assert t(lang, "ходит в детский сад") in page.text
    assert t(lang, "Вход в Личный кабинет (%(device)s)", device="?") in page.text
    assert t(lang, "Привязать приложение на новом телефоне") in page.buttons()


def test_an_unbound_phone_gets_the_grouped_password_qr_copy_and_deep_link(web: Browser) -> None:
    web.sign_in("ru", ERLAN, ERLAN_PASSWORD)
    page = web.page("/ru/cabinet/")
    # v3: a read-only field (long-press copies it on any phone), grouped "7036 1088 7203".
    otp = page.soup.find("input", id="binding-otp")
    assert otp.has_attr("readonly") and re.fullmatch(r"\d{4} \d{4} \d{4}", otp["value"])
    assert otp["data-copy"] == otp["value"].replace(" ", "")
    label = page.soup.find("label", attrs={"for": "binding-otp"})
    assert label is not None and label.get_text(strip=True)
    assert page.soup.select_one(".qr svg")
    assert page.soup.select_one("button.copy-button")["hidden"] is not None  # shown by JavaScript
    link = page.soup.find("a", string="Открыть приложение ed24.kz")["href"]
    assert link.startswith("/ru/sandbox/app/bind?token=ED24BIND")
    refreshed = web.get("/ru/cabinet/binding", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert refreshed.strip().startswith('<div id="binding"') and "<html" not in refreshed


def test_the_deep_link_binds_the_emulator_after_one_tap(web: Browser) -> None:
    web.sign_in("ru", ERLAN, ERLAN_PASSWORD)
    link = web.page("/ru/cabinet/").soup.find("a", string="Открыть приложение ed24.kz")["href"]
    phone = Browser(web.app)
    opened = Page(phone.get(phone.get(link).headers["Location"]))
    assert opened.value("app-phone") == ERLAN_PHONE
    bound = phone.submit("/ru/sandbox/app/phone", {"phone": ERLAN_PHONE, "consent": "y"})
    assert "Устройство успешно привязано к номеру" in bound.text
    assert kinds(web.app, ERLAN_PHONE)[-1] == "sms:app_bound"
    feed = web.page("/ru/cabinet/")
    assert "Приложение ed24.kz привязано к номеру +770****1885" in feed.text
    assert not feed.soup.find(id="binding-otp")


def test_a_new_handset_gets_the_password_by_sms_and_the_old_one_is_told(web: Browser) -> None:
    web.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    old = Browser(web.app)
    old.post("/ru/sandbox/app/open", {"phone": AIGERIM_PHONE})  # the handset bound now
    sent = web.submit("/ru/cabinet/binding/sms")
    assert t("ru", "Одноразовый пароль отправлен в SMS на номер %(phone)s. Введите его в приложении ed24.kz.",
             phone="+770****6868") in sent.notices()
    new = Browser(web.app)
    new.post("/ru/sandbox/app/phone", {"phone": AIGERIM_PHONE, "consent": "y"})
    bound = new.submit("/ru/sandbox/app/otp", {"otp": latest_sms_otp(web.app, AIGERIM_PHONE)})
    assert "Устройство успешно привязано к номеру: +77057546868" in bound.text
    assert "привязан к приложению на другом телефоне" in old.page("/ru/sandbox/app").text
    again = web.submit("/ru/cabinet/binding/sms")  # within 10 minutes: no second SMS, and it says so
    assert again.url == "/ru/cabinet/" and "SMS с одноразовым паролем уже отправлено" in again.text
    assert kinds(web.app, AIGERIM_PHONE).count("sms:binding_otp") == 1


def test_sign_out_ends_the_session_for_real(web: Browser) -> None:
    web.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    cookie = web.client.get_cookie("ed24_session").value
    web.post("/ru/cabinet/logout")
    replay = web.app.test_client()
    replay.set_cookie("ed24_session", cookie)
    assert replay.get("/ru/cabinet/").status_code == 302


def test_a_failed_sign_out_says_so_and_the_parent_can_try_again(web: Browser, monkeypatch) -> None:
    web.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)

    def broken_commit(*_a, **_k):
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    token = web.token()
    from sqlalchemy.orm import Session

    monkeypatch.setattr(Session, "commit", broken_commit)
    failed = web.client.post("/ru/cabinet/logout", data={"csrf_token": token})
    monkeypatch.undo()
    assert failed.status_code == 503 and "Set-Cookie" not in failed.headers
    assert web.signed_in()  # not reported as signed out: it was not
    assert location(web.post("/ru/cabinet/logout")) == "/ru/cabinet/login?signed_out=1"
    assert not web.signed_in()


def test_a_failed_sign_in_write_answers_503_and_signs_nobody_in(web: Browser, monkeypatch) -> None:
    web.step1("ru", AIGERIM)
    token = web.token()
    from sqlalchemy.orm import Session

    real_commit = Session.commit
    calls = {"n": 0}

    def commit_fails_last(self, *a, **k):
        calls["n"] += 1
        if calls["n"] >= 2:  # the count of the try is committed; the sign-in itself is not
            raise OperationalError("COMMIT", {}, Exception("gone"))
        return real_commit(self, *a, **k)

    monkeypatch.setattr(Session, "commit", commit_fails_last)
    failed = web.client.post("/ru/cabinet/login/password", data={"password": AIGERIM_PASSWORD, "csrf_token": token})
    monkeypatch.undo()
    assert failed.status_code == 503
    assert not web.signed_in()
    from sqlalchemy import select

    from webapp.db import new_session
    from webapp.models import CabinetEvent

    with new_session(web.app) as db:  # nothing of the sign-in was kept
        assert db.scalars(select(CabinetEvent).where(CabinetEvent.kind == "signin")).all() == []
