"""Sign in without JavaScript (plain POSTs, CSRF on), in both languages."""
from __future__ import annotations

import pytest

from tests.helpers import AGREE, AIGERIM, AIGERIM_PASSWORD, DANA, UNKNOWN_IIN, Browser, Page, location, t


def test_step1_has_the_contract_texts(web: Browser, lang: str) -> None:
    page = web.page(f"/{lang}/cabinet/login")
    assert page.h1 == t(lang, "Вход в Личный кабинет")
    for text in ("ШАГ 1", "Введите ИИН", "Продолжить",
                 "Я согласен на использование своих контактных данных для получения сведений, "
                 "оповещений и уведомлений"):
        assert t(lang, text) in page.text
    assert page.soup.find("form")["novalidate"] is not None
    assert page.soup.find(id="iin")["inputmode"] == "numeric"
    assert page.soup.find(id="iin")["autocomplete"] == "username"
    assert "910412405176" in page.text  # a made-up example, nobody's real IIN


def test_happy_path_reaches_the_cabinet(web: Browser, lang: str) -> None:
    first = web.step1(lang, AIGERIM)
    # v3: every form POST answers 303 (post/redirect/get), a success as much as a refusal.
    assert first.status_code == 303 and location(first) == f"/{lang}/cabinet/login/password"
    step2 = web.page(f"/{lang}/cabinet/login/password")
    assert t(lang, "ШАГ 2") in step2 and AIGERIM in step2.text
    assert step2.soup.find("input", attrs={"name": "username", "value": AIGERIM})
    second = web.post(f"/{lang}/cabinet/login/password", {"password": AIGERIM_PASSWORD})
    assert second.status_code == 303 and location(second) == f"/{lang}/cabinet/"
    cabinet = web.page(f"/{lang}/cabinet/")
    assert "Ахметова Айгерим" in cabinet.text and "+770****6868" in cabinet.text
    assert "Ахметов Алихан" in cabinet.text


def test_iin_with_spaces_is_accepted(web: Browser) -> None:
    assert location(web.step1("ru", "900515 401230")) == "/ru/cabinet/login/password"


@pytest.mark.parametrize("value, message", [
    ("", "Введите ИИН из 12 цифр"),
    ("90051540123", "ИИН должен состоять из 12 цифр"),
    ("abcdefghijkl", "ИИН должен состоять из 12 цифр"),
    ("٩٠٠٥١٥٤٠١٢٣٠", "ИИН должен состоять из 12 цифр"),
    ("９００５１５４０１２３０", "ИИН должен состоять из 12 цифр"),
    ("901315401230", "В ИИН неверная дата рождения: первые 6 цифр — ГГММДД, 7-я цифра — от 1 до 6"),
    ("900515401231", "Неверный ИИН: не сходится контрольная цифра. Проверьте, нет ли опечатки."),
    ("1" * 10_000, "ИИН должен состоять из 12 цифр"),
    ("<script>alert(1)</script>", "ИИН должен состоять из 12 цифр"),
    ("' OR 1=1 --", "ИИН должен состоять из 12 цифр"),
])
def test_bad_iin_gets_its_message_in_both_languages(web: Browser, lang: str, value: str, message: str) -> None:
    page = web.submit(f"/{lang}/cabinet/login", {"iin": value, **AGREE})
    # v3: the refusal answers 303 and the page of step 1 shows it (post/redirect/get).
    assert page.redirects == [303] and page.status == 200 and page.url == f"/{lang}/cabinet/login"
    assert page.error("iin") == f"{t(lang, 'Ошибка:')} {t(lang, message)}"
    assert page.summary == [f"{t(lang, 'ИИН')}: {t(lang, message)}"]
    assert page.title.startswith(t(lang, "Ошибка: %(title)s", title=""))
    assert "<script>alert(1)</script>" not in page.html


def test_both_consents_are_required_and_the_summary_is_in_field_order(web: Browser, lang: str) -> None:
    page = web.submit(f"/{lang}/cabinet/login", {"iin": ""})
    assert page.summary == [
        f"{t(lang, 'ИИН')}: {t(lang, 'Введите ИИН из 12 цифр')}",
        t(lang, "Подтвердите, что ознакомились с соглашением об ответственности сторон"),
        t(lang, "Подтвердите согласие на использование контактных данных")]
    assert [a["href"] for a in page.soup.select(".error-summary a")] == ["#iin", "#agree_terms", "#agree_contacts"]


def test_typed_iin_and_ticks_are_kept_after_an_error_and_a_language_switch(web: Browser) -> None:
    page = web.submit("/ru/cabinet/login", {"iin": AIGERIM, "agree_terms": "y"})
    assert page.value("iin") == AIGERIM
    other = web.page("/kk/cabinet/login")
    assert other.value("iin") == AIGERIM
    assert other.soup.find(id="agree_terms").has_attr("checked")
    assert not other.soup.find(id="agree_contacts").has_attr("checked")


def test_unknown_iin_looks_exactly_like_a_wrong_password(app, lang: str) -> None:
    stranger, owner = Browser(app), Browser(app)
    assert location(stranger.step1(lang, UNKNOWN_IIN)) == location(owner.step1(lang, AIGERIM))
    unknown = stranger.submit(f"/{lang}/cabinet/login/password", {"password": "Whatever!2024x"})
    wrong = owner.submit(f"/{lang}/cabinet/login/password", {"password": "Whatever!2024x"})
    assert unknown.url == wrong.url == f"/{lang}/cabinet/login/password"
    assert unknown.error("password") == wrong.error("password")
    assert t(lang, "Неверный ИИН или пароль") in wrong.error("password")
    assert unknown.html.replace(UNKNOWN_IIN, AIGERIM).count("<") == wrong.html.count("<")


def test_tries_left_from_the_third_wrong_password_then_a_lock_with_forgot_password(web: Browser, lang: str) -> None:
    web.step1(lang, AIGERIM)
    errors = [web.submit(f"/{lang}/cabinet/login/password", {"password": "Wrong!pass123"}).error("password")
              for _ in range(4)]
    assert errors[1].endswith(t(lang, "Неверный ИИН или пароль"))
    assert t(lang, "Неверный ИИН или пароль. Осталось попыток: %(num)d.", num=2) in errors[2]
    assert t(lang, "Неверный ИИН или пароль. Осталось попыток: %(num)d.", num=1) in errors[3]
    locked = web.submit(f"/{lang}/cabinet/login/password", {"password": "Wrong!pass123"})
    assert t(lang, "через %(num)d минуту", num=15).split()[0] in locked.text or "15" in locked.text
    assert locked.soup.select_one("#locked a")["href"] == f"/{lang}/cabinet/recovery"
    assert not locked.has_field("password")  # the blocked form does not invite a submit
    # Still locked for the right password, on the next visit too.
    again = web.page(f"/{lang}/cabinet/login/password")
    assert again.soup.select_one("#locked") and not again.has_field("password")


def test_empty_password_gets_a_message(web: Browser, lang: str) -> None:
    web.step1(lang, AIGERIM)
    page = web.submit(f"/{lang}/cabinet/login/password", {"password": ""})
    assert page.summary == [f"{t(lang, 'Пароль')}: {t(lang, 'Введите пароль')}"]


def test_back_is_a_plain_link_back_to_step1_with_the_iin(web: Browser) -> None:
    web.step1("ru", AIGERIM)
    step2 = web.page("/ru/cabinet/login/password")
    back = step2.soup.find("form", id="back")
    assert back["method"] == "get" and back["action"] == "/ru/cabinet/login"
    assert step2.soup.find("button", attrs={"form": "back"}).get_text(strip=True) == "Назад"
    assert web.page("/ru/cabinet/login").value("iin") == AIGERIM


def test_enter_in_the_password_field_signs_in(web: Browser) -> None:
    """The first submit button of the password's own form is "Войти" (Enter does that)."""
    web.step1("ru", AIGERIM)
    form = web.page("/ru/cabinet/login/password").soup.find(id="password").find_parent("form")
    first = next(b for b in form.find_all("button") if not b.get("form") and b.get("type") == "submit")
    assert first.get_text(strip=True) == "Войти"


def test_step2_without_step1_goes_to_step1(web: Browser) -> None:
    assert location(web.get("/ru/cabinet/login/password")) == "/ru/cabinet/login"
    post = web.post("/ru/cabinet/login/password", {"password": "x"})
    assert post.status_code == 303 and location(post) == "/ru/cabinet/login"


def test_missing_csrf_is_refused_with_a_localized_page(web: Browser, lang: str) -> None:
    page = Page(web.post(f"/{lang}/cabinet/login", {"iin": AIGERIM, **AGREE}, csrf=False))
    assert page.status == 400 and page.h1 == t(lang, "Страница устарела")


def test_a_cabinet_without_a_password_goes_to_setting_one(web: Browser, lang: str) -> None:
    page = web.submit(f"/{lang}/cabinet/login", {"iin": DANA, **AGREE})
    assert page.h1 == t(lang, "Установка пароля")
    assert t(lang, "Для этого Личного кабинета ещё не задан пароль. Чтобы задать его, подтвердите номер "
                   "телефона кодом из приложения ed24.kz.") in page.text


def test_next_goes_back_where_the_parent_was(web: Browser) -> None:
    assert location(web.get("/ru/cabinet/")) == "/ru/cabinet/login?next=/ru/cabinet/"
    web.post("/ru/cabinet/login?next=/ru/cabinet/", {"iin": AIGERIM, **AGREE})
    done = web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD})
    assert done.headers["Location"] == "/ru/cabinet/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/ru/\r\nSet-Cookie: x=1",
                                    "/ru/%0d%0aX: y", "\\\\evil", "/ru/\x00"])
def test_next_cannot_leave_the_site_or_split_headers(web: Browser, target: str) -> None:
    web.post(f"/ru/cabinet/login?next={target}", {"iin": AIGERIM, **AGREE})
    done = web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD})
    target = done.headers["Location"]
    assert done.status_code == 303 and target.startswith("/") and not target.startswith("//")
    assert "evil" not in target and "\n" not in target and "\r" not in target


def test_signed_in_parent_skips_step1_and_can_sign_out(web: Browser, lang: str) -> None:
    web.sign_in(lang, AIGERIM, AIGERIM_PASSWORD)
    assert location(web.get(f"/{lang}/cabinet/login")) == f"/{lang}/cabinet/"
    out = web.post(f"/{lang}/cabinet/logout")
    assert location(out) == f"/{lang}/cabinet/login?signed_out=1"
    assert t(lang, "Вы вышли из Личного кабинета.") in web.page(location(out))
    assert web.get(f"/{lang}/cabinet/").status_code == 302


def test_head_is_never_a_form_submission(web: Browser) -> None:
    web.step1("ru", AIGERIM)
    for _ in range(10):
        assert web.client.head("/ru/cabinet/login/password").status_code == 200
    assert location(web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD})) == "/ru/cabinet/"
