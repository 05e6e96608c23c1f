"""Sign in without JavaScript (plain POSTs, CSRF on), in both languages."""
from __future__ import annotations

import pytest

from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, DANA, UNKNOWN_IIN, Browser, text_of,
                           title_of)

AGREE = {"agree_terms": "y", "agree_contacts": "y"}
WRONG_CREDENTIALS = {"ru": "Неверный ИИН или пароль", "kk": "ЖСН немесе құпиясөз қате"}
ERROR_PREFIX = {"ru": "Ошибка: ", "kk": "Қате: "}


def step1(web: Browser, lang: str, iin: str, **extra: str):
    return web.post(f"/{lang}/cabinet/login", {"iin": iin, **AGREE, **extra})


def sign_in(web: Browser, lang: str, iin: str, password: str):
    step1(web, lang, iin)
    return web.post(f"/{lang}/cabinet/login/password", {"password": password, "action": "signin"})


def test_step1_page_has_the_contract_texts(web: Browser) -> None:
    page = web.get("/ru/cabinet/login")
    text = text_of(page)
    assert page.status_code == 200
    assert "ШАГ 1" in text and "Введите ИИН" in text and "Продолжить" in text
    assert "Я ознакомлен с соглашением об ответственности сторон, согласен с ними" in text
    assert "Я согласен на использование своих контактных данных" in text
    assert 'novalidate' in page.text


def test_happy_path_reaches_the_cabinet(web: Browser, lang: str) -> None:
    first = step1(web, lang, AIGERIM)
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/{lang}/cabinet/login/password")
    second = web.post(f"/{lang}/cabinet/login/password", {"password": AIGERIM_PASSWORD, "action": "signin"})
    assert second.status_code == 302 and second.headers["Location"].endswith(f"/{lang}/cabinet/")
    cabinet = web.get(f"/{lang}/cabinet/")
    assert cabinet.status_code == 200
    assert "Ахметова Айгерим" in cabinet.text and "+770****6868" in cabinet.text
    assert "Ахметов Алихан" in cabinet.text


def test_iin_with_spaces_is_accepted(web: Browser) -> None:
    assert step1(web, "ru", "900515 401230").status_code == 302


@pytest.mark.parametrize("value, message", [
    ("", "Укажите ИИН"),
    ("90051540123", "ИИН должен состоять из 12 цифр"),
    ("9005154012301", "ИИН должен состоять из 12 цифр"),
    ("abcdefghijkl", "ИИН должен состоять из 12 цифр"),
    ("٩٠٠٥١٥٤٠١٢٣٠", "ИИН должен состоять из 12 цифр"),
    ("９００５１５４０１２３０", "ИИН должен состоять из 12 цифр"),
    ("901315401230", "неверная дата рождения"),
    ("900515401231", "контрольная цифра"),
    ("1" * 10_000, "ИИН должен состоять из 12 цифр"),
    ("<script>alert(1)</script>", "ИИН должен состоять из 12 цифр"),
    ("' OR 1=1 --", "ИИН должен состоять из 12 цифр"),
])
def test_bad_iin_gets_a_message_and_stays_on_step1(web: Browser, value: str, message: str) -> None:
    page = step1(web, "ru", value)
    assert page.status_code == 200
    assert message in text_of(page)
    assert title_of(page).startswith("Ошибка: ")
    assert 'class="error-summary"' in page.text and 'href="#iin"' in page.text
    assert "<script>alert(1)</script>" not in page.text


def test_error_title_prefix_in_kazakh(web: Browser) -> None:
    page = step1(web, "kk", "123")
    assert title_of(page).startswith("Қате: ")
    assert "ЖСН" in text_of(page)


def test_both_consents_are_required(web: Browser, lang: str) -> None:
    page = web.post(f"/{lang}/cabinet/login", {"iin": AIGERIM})
    assert page.status_code == 200
    assert 'href="#agree_terms"' in page.text and 'href="#agree_contacts"' in page.text
    assert title_of(page).startswith(ERROR_PREFIX[lang])


def test_typed_iin_is_kept_after_an_error(web: Browser) -> None:
    page = web.post("/ru/cabinet/login", {"iin": AIGERIM})
    assert f'value="{AIGERIM}"' in page.text


def test_unknown_iin_looks_like_a_wrong_password(web: Browser, lang: str) -> None:
    unknown = sign_in(web, lang, UNKNOWN_IIN, "Whatever!2024x")
    other = Browser(web.app)
    wrong = sign_in(other, lang, AIGERIM, "Whatever!2024x")
    assert unknown.status_code == wrong.status_code == 200
    assert WRONG_CREDENTIALS[lang] in text_of(unknown)
    assert WRONG_CREDENTIALS[lang] in text_of(wrong)


def test_empty_password_gets_a_message(web: Browser) -> None:
    step1(web, "ru", AIGERIM)
    page = web.post("/ru/cabinet/login/password", {"password": "", "action": "signin"})
    assert title_of(page).startswith("Ошибка: ")
    assert 'href="#password"' in page.text


def test_back_returns_to_step1_with_the_iin(web: Browser) -> None:
    step1(web, "ru", AIGERIM)
    back = web.post("/ru/cabinet/login/password", {"action": "back"})
    assert back.status_code == 302 and back.headers["Location"].endswith("/ru/cabinet/login")
    assert f'value="{AIGERIM}"' in web.get("/ru/cabinet/login").text


def test_step2_without_step1_goes_to_step1(web: Browser) -> None:
    assert web.get("/ru/cabinet/login/password").headers["Location"].endswith("/ru/cabinet/login")
    post = web.post("/ru/cabinet/login/password", {"password": "x", "action": "signin"})
    assert post.status_code == 302 and post.headers["Location"].endswith("/ru/cabinet/login")


def test_missing_csrf_is_refused_with_a_localized_page(web: Browser, lang: str) -> None:
    page = web.post(f"/{lang}/cabinet/login", {"iin": AIGERIM, **AGREE}, csrf=False)
    assert page.status_code == 400
    assert ("Страница устарела" if lang == "ru" else "Бет ескірді") in text_of(page)


def test_lockout_after_five_wrong_passwords(web: Browser, lang: str) -> None:
    for _ in range(4):
        page = sign_in(web, lang, AIGERIM, "Wrong!password1")
        assert WRONG_CREDENTIALS[lang] in text_of(page)
    page = sign_in(web, lang, AIGERIM, "Wrong!password1")
    locked_words = {"ru": "через 15 минут", "kk": "15 минуттан кейін"}[lang]
    assert locked_words in text_of(page)
    # Even the right password is refused while locked, and the time left is told.
    page = sign_in(web, lang, AIGERIM, AIGERIM_PASSWORD)
    assert locked_words in text_of(page)
    web.clock.advance(minutes=15, seconds=1)
    page = sign_in(web, lang, AIGERIM, AIGERIM_PASSWORD)
    assert page.status_code == 302


def test_lock_is_also_per_client_address() -> None:
    from tests.helpers import make_app

    app = make_app(SIGNIN_FAILURES_PER_ADDRESS=3)
    web = Browser(app)
    for iin in ("850505309997", "000101500001", "900515401230"):
        sign_in(web, "ru", iin, "Wrong!password1")
    page = sign_in(web, "ru", "870123302154", "Dala#Samal2025")
    assert "через 15 минут" in text_of(page)


def test_cabinet_without_password_is_led_to_setting_one(web: Browser) -> None:
    page = step1(web, "ru", DANA)
    assert page.headers["Location"].endswith("/ru/cabinet/recovery")
    page = web.get("/ru/cabinet/recovery")
    assert "Установка пароля" in title_of(page)


def test_signed_out_visitor_is_sent_to_sign_in_and_back(web: Browser) -> None:
    page = web.get("/ru/cabinet/")
    assert page.status_code == 302 and "/ru/cabinet/login?next=" in page.headers["Location"]
    web.post("/ru/cabinet/login?next=/ru/cabinet/", {"iin": AIGERIM, **AGREE})
    page = web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD, "action": "signin"})
    assert page.headers["Location"].endswith("/ru/cabinet/")


def test_next_cannot_point_off_site(web: Browser) -> None:
    web.post("/ru/cabinet/login?next=//evil.example/x", {"iin": AIGERIM, **AGREE})
    page = web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD, "action": "signin"})
    assert page.headers["Location"].endswith("/ru/cabinet/")


def test_sign_out_ends_the_session(web: Browser) -> None:
    sign_in(web, "ru", AIGERIM, AIGERIM_PASSWORD)
    cookie_before = web.client.get_cookie("ed24_session").value
    out = web.post("/ru/cabinet/logout")
    assert out.status_code == 302
    assert web.get("/ru/cabinet/").status_code == 302
    # The old session id is dead even if someone kept it.
    thief = Browser(web.app)
    thief.client.set_cookie("ed24_session", cookie_before)
    assert thief.get("/ru/cabinet/").status_code == 302


def test_sign_in_issues_a_new_session_id(web: Browser) -> None:
    step1(web, "ru", AIGERIM)
    before = web.client.get_cookie("ed24_session").value
    web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD, "action": "signin"})
    assert web.client.get_cookie("ed24_session").value != before


def test_cabinet_feed_records_the_sign_in(web: Browser) -> None:
    web.client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36")
    sign_in(web, "ru", AIGERIM, AIGERIM_PASSWORD)
    page = web.get("/ru/cabinet/")
    assert "Лента событий" in page.text
    assert "Вход в Личный кабинет (Chrome, Android)" in text_of(page)

