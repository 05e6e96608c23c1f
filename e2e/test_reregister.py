"""Re-registration end to end: from "Забыли пароль?" through the unknown-number page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.pages import TEXT, check_a11y, no_horizontal_scroll, open_app_on, read_code, sign_in, step1
from tests.helpers import (AMINA, AMINA_CERT, ARMAN, ARMAN_PHONE, GULNAR, GULNAR_PASSWORD,
                           GULNAR_PHONE, MADINA, MADINA_PHONE)

NEW = "Amina!Kezek2026"
T = {
    "ru": {"unknown": "Что делать, если уведомление не пришло или вам не знаком этот номер?",
           "update_number": "Обновить номер", "yes": "Да, обновить", "child": "ИИН ребенка",
           "cert": "Номер свидетельства о рождении", "p1": "Введите ИИН мамы/папы",
           "p2": "Введите ИИН мамы/папы (второй родитель)", "queue": "Стоит в очереди",
           "next": "Далее", "your_iin": "Ваш ИИН", "phone": "Введите номер телефона",
           "get_code": "Получить код", "code": "Введите код подтверждения из приложения",
           "password": "Придумайте пароль Личного кабинета", "repeat": "Повторите пароль", "rereg": "Переоформить",
           "passed": "Вы верно ответили на все вопросы!"},
    "kk": {"unknown": "Хабарлама келмесе немесе бұл нөмір сізге таныс болмаса, не істеу керек?",
           "update_number": "Нөмірді жаңарту", "yes": "Иә, жаңарту", "child": "Баланың ЖСН-і",
           "cert": "Туу туралы куәліктің нөмірі", "p1": "Анасының/әкесінің ЖСН-ін енгізіңіз",
           "p2": "Анасының/әкесінің ЖСН-ін енгізіңіз (екінші ата-ана)", "queue": "Кезекте тұр",
           "next": "Әрі қарай", "your_iin": "Сіздің ЖСН-іңіз", "phone": "Телефон нөмірін енгізіңіз",
           "get_code": "Код алу", "code": "Қосымшадағы растау кодын енгізіңіз",
           "password": "Жеке кабинет үшін құпиясөз ойлап табыңыз", "repeat": "Құпиясөзді қайталаңыз",
           "rereg": "Қайта ресімдеу", "passed": "Сіз барлық сұраққа дұрыс жауап бердіңіз!"},
}


def answer_step1(page: Page, lang: str, cert: str = AMINA_CERT) -> None:
    t = T[lang]
    page.get_by_label(t["child"], exact=True).fill(AMINA)
    page.get_by_label(t["cert"], exact=True).fill(cert)
    page.get_by_label(t["p1"], exact=True).fill(MADINA)
    page.get_by_label(t["p2"], exact=True).fill(ARMAN)
    page.get_by_label(t["queue"]).check()
    page.get_by_role("button", name=t["next"]).click()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_from_forgotten_password_to_a_new_owner(page: Page, lang: str) -> None:
    t = T[lang]
    page.goto(f"/{lang}/cabinet/login")
    step1(page, lang, GULNAR)
    page.get_by_role("link", name=TEXT[lang]["forgot"]).click()
    expect(page.get_by_text("+770****9223").first).to_be_visible()
    page.get_by_role("link", name=t["unknown"]).first.click()
    check_a11y(page, f"{lang} unknown number")
    page.get_by_role("button", name=t["update_number"]).click()
    check_a11y(page, f"{lang} confirm update")
    page.get_by_role("button", name=t["yes"]).click()
    check_a11y(page, f"{lang} rereg step 1")
    no_horizontal_scroll(page)
    answer_step1(page, lang, cert="0000000")
    expect(page.locator(".notice-error")).to_be_visible()
    check_a11y(page, f"{lang} rereg step 1 mismatch")
    answer_step1(page, lang)
    expect(page.get_by_text(t["passed"])).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Шаг 2|2-қадам"))).to_be_focused()
    check_a11y(page, f"{lang} rereg step 2")
    no_horizontal_scroll(page)
    page.get_by_label(t["your_iin"]).fill(MADINA)
    page.get_by_label(t["phone"]).fill("+7 775 987 65 43")
    page.get_by_role("button", name=t["get_code"]).click()
    expect(page.locator("#countdown")).to_be_visible()
    expect(page.get_by_role("button", name=t["get_code"])).to_be_disabled()
    check_a11y(page, f"{lang} rereg code sent")
    app = open_app_on(page.context, MADINA_PHONE)
    code = read_code(app)
    page.bring_to_front()
    page.get_by_label(t["code"]).fill(code)
    page.get_by_label(t["password"], exact=True).fill(NEW)
    page.get_by_label(t["repeat"]).fill(NEW)
    page.get_by_role("button", name=t["rereg"], exact=True).click()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    expect(page.get_by_text("Серикова Амина")).to_be_visible()
    check_a11y(page, f"{lang} cabinet after rereg")
    # The old owner's app shows the notice; old credentials no longer work, new ones do.
    old_app = open_app_on(page.context, GULNAR_PHONE)
    expect(old_app.locator("#app-feed")).to_contain_text(re.compile("другой номер|басқа телефон нөміріне"))
    page.get_by_role("button", name=TEXT[lang]["logout"]).click()
    sign_in(page, lang, GULNAR, GULNAR_PASSWORD)
    expect(page.locator("#password-error")).to_contain_text(TEXT[lang]["wrong"])
    sign_in(page, lang, MADINA, NEW)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))


def test_unbound_phone_offers_binding_in_place(page: Page) -> None:
    page.goto("/ru/cabinet/reregister")
    answer_step1(page, "ru")
    page.get_by_label("Ваш ИИН").fill(ARMAN)
    page.get_by_label("Введите номер телефона").fill(ARMAN_PHONE)
    page.get_by_role("button", name="Получить код").click()
    expect(page.get_by_role("heading", name="Шаг 2. Привяжите приложение к номеру")).to_be_visible()
    expect(page.get_by_label("Ваш ИИН")).to_have_value(ARMAN)
    check_a11y(page, "ru rereg binding in place")


def test_inline_validation_of_iin_and_phone(page: Page) -> None:
    page.goto("/ru/cabinet/reregister")
    page.get_by_label("ИИН ребенка").fill("210905604210")
    expect(page.locator("#child_iin-error")).to_contain_text("контрольная цифра")
    answer_step1(page, "ru")
    page.get_by_label("Введите номер телефона").fill("12345")
    page.get_by_label("Введите номер телефона").blur()
    expect(page.locator("#phone-error")).to_contain_text("Казахстана")


def test_reregistration_without_javascript(no_js_page: Page) -> None:
    page = no_js_page
    page.goto("/ru/cabinet/recovery/unknown-number")
    page.get_by_role("button", name="Обновить номер").click()
    page.get_by_role("button", name="Да, обновить").click()
    answer_step1(page, "ru")
    page.get_by_label("Ваш ИИН").fill(MADINA)
    page.get_by_label("Введите номер телефона").fill(MADINA_PHONE)
    page.get_by_role("button", name="Получить код").click()
    code = read_code(open_app_on(page.context, MADINA_PHONE))
    page.get_by_label("Введите код подтверждения из приложения").fill(code)
    page.get_by_label("Придумайте пароль Личного кабинета").fill(NEW)
    page.get_by_label("Повторите пароль").fill(NEW)
    page.get_by_role("button", name="Переоформить", exact=True).click()
    expect(page).to_have_url(re.compile("/ru/cabinet/$"))
