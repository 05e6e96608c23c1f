"""Recovery as a person does it: the code is read in the app emulator in a second tab."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.pages import (TEXT, check_a11y, expect_heading, no_horizontal_scroll, open_app_on,
                       read_code, step1)
from tests.helpers import AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, DANA, ERLAN

NEW = "Samal!Kokshe2026"
LABELS = {
    "ru": {"code": "Введите код подтверждения из уведомления", "new": "Придумайте пароль Личного кабинета",
           "repeat": "Повторите пароль",
           "update": "Обновить", "send": "Отправить"},
    "kk": {"code": "Хабарламадағы растау кодын енгізіңіз", "new": "Жеке кабинет үшін құпиясөз ойлап табыңыз",
           "repeat": "Құпиясөзді қайталаңыз",
           "update": "Жаңарту", "send": "Жіберу"},
}


def update_password(page: Page, lang: str, code: str) -> None:
    """Case 1's form: the code from the app, the new password twice, "Обновить"."""
    t = LABELS[lang]
    page.get_by_label(t["code"]).fill(code)
    page.get_by_label(t["new"]).fill(NEW)
    page.get_by_label(t["repeat"]).fill(NEW)
    page.get_by_role("button", name=t["update"], exact=True).click()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/login/password$"))


def to_recovery(page: Page, lang: str, iin: str) -> None:
    page.goto(f"/{lang}/cabinet/login")
    step1(page, lang, iin)
    page.get_by_role("link", name=TEXT[lang]["forgot"]).click()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_case1_reset_with_the_code_from_the_app(page: Page, lang: str) -> None:
    to_recovery(page, lang, AIGERIM)
    expect(page.get_by_text("+770****6868").first).to_be_visible()
    check_a11y(page, f"{lang} recovery case 1")
    no_horizontal_scroll(page)
    app = open_app_on(page.context, AIGERIM_PHONE)
    check_a11y(app, f"{lang} app feed")
    code = read_code(app)
    page.bring_to_front()
    update_password(page, lang, code)
    expect(page.locator(".notice-success")).to_be_visible()
    page.get_by_label(TEXT[lang]["password"]).fill(NEW)
    page.get_by_role("button", name=TEXT[lang]["signin"], exact=True).click()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))


def test_checklist_flips_as_the_user_types(page: Page) -> None:
    to_recovery(page, "ru", AIGERIM)
    field = page.get_by_label("Придумайте пароль Личного кабинета")
    rules = page.locator("#password-rules li")
    expect(rules.filter(has_text="Минимум 12 символов")).to_have_class("unmet")
    field.press_sequentially("abc", delay=20)
    expect(rules.filter(has_text="Латинская строчная буква")).to_have_class("met")
    expect(rules.filter(has_text="Латинская заглавная буква")).to_have_class("unmet")
    expect(rules.filter(has_text="Латинская строчная буква")).to_contain_text("выполнено")
    field.press_sequentially("Tulpar!2024", delay=20)
    expect(rules.locator(".unmet")).to_have_count(0)
    expect(page.locator("#password-rules li.met")).to_have_count(5)
    expect(page.locator("#password-rules-status")).to_have_text(re.compile("5 из 5"))
    expect(field).to_be_focused()
    check_a11y(page, "ru checklist all met")


def test_countdown_reaches_zero_and_enables_resend(page: Page, live_server: LiveServer) -> None:
    to_recovery(page, "ru", AIGERIM)
    expect(page.locator("#countdown")).to_contain_text("через 60 сек.")
    expect(page.locator("#resend-button")).to_be_disabled()
    live_server.clock.advance(57)
    page.reload()
    expect(page.locator("#countdown .countdown-seconds")).to_have_text(re.compile("^[0-3]$"))
    expect(page.get_by_text("Код не пришёл? Можно запросить новый код.")).to_be_visible(timeout=8000)
    button = page.get_by_role("button", name="Запросить код повторно")
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_text("Новый код подтверждения отправлен")).to_be_visible()
    expect(page.locator("#countdown")).to_contain_text("через 60 сек.")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_case2_bind_the_app_then_reset(page: Page, lang: str, live_server: LiveServer) -> None:
    to_recovery(page, lang, ERLAN)
    expect(page.get_by_role("heading", name=re.compile("Система не смогла|Жүйе растау кодын"))).to_be_visible()
    check_a11y(page, f"{lang} recovery case 2")
    no_horizontal_scroll(page)
    # "Отправить" before binding says the app is still not bound.
    page.get_by_role("button", name=LABELS[lang]["send"], exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("+770****1885")
    otp = page.locator("#binding-otp").inner_text().strip()
    assert re.fullmatch(r"\d{12}", otp)
    app = page.context.new_page()
    app.goto(f"/{lang}/sandbox/app")
    check_a11y(app, f"{lang} app phone screen")
    app.get_by_role("textbox", name=re.compile("Введите номер телефона|Телефон нөмірін енгізіңіз")).fill("+7 (701) 123-18-85")
    app.get_by_role("checkbox").check()
    app.get_by_role("button", name=re.compile("^(Продолжить|Жалғастыру)$")).click()
    check_a11y(app, f"{lang} app otp screen")
    app.get_by_role("textbox").fill(otp)
    app.get_by_role("button", name=re.compile("^(Продолжить|Жалғастыру)$")).click()
    expect(app.get_by_text("+77011231885")).to_be_visible()
    check_a11y(app, f"{lang} app bound screen")
    app.get_by_role("link", name=re.compile("^(Продолжить|Жалғастыру)$")).click()
    page.bring_to_front()
    page.get_by_role("button", name=LABELS[lang]["send"], exact=True).click()
    expect(page.get_by_text("+770****1885").first).to_be_visible()
    code = read_code(app)
    update_password(page, lang, code)


def test_binding_password_is_replaced_when_it_runs_out(page: Page, live_server: LiveServer) -> None:
    to_recovery(page, "ru", ERLAN)
    first = page.locator("#binding-otp").inner_text()
    live_server.clock.advance(58)
    page.reload()
    expect(page.locator("#binding-otp")).not_to_have_text(first, timeout=8000)
    expect(page.locator("#binding-otp")).to_have_text(re.compile(r"^\d{12}$"))


def test_first_password_setting(page: Page) -> None:
    page.goto("/ru/cabinet/login")
    step1(page, "ru", DANA)
    expect_heading(page, "Установка пароля")
    check_a11y(page, "ru setting password")


def test_recovery_without_javascript(no_js_page: Page) -> None:
    page = no_js_page
    to_recovery(page, "ru", AIGERIM)
    app = open_app_on(page.context, AIGERIM_PHONE)
    code = read_code(app)
    page.get_by_label("Введите код подтверждения из уведомления").fill("12")
    page.get_by_role("button", name="Обновить", exact=True).click()
    expect(page).to_have_title(re.compile("^Ошибка: "))
    page.get_by_label("Введите код подтверждения из уведомления").fill(code)
    page.get_by_label("Придумайте пароль Личного кабинета").fill(NEW)
    page.get_by_label("Повторите пароль").fill(NEW)
    page.get_by_role("button", name="Обновить", exact=True).click()
    expect(page).to_have_url(re.compile("/ru/cabinet/login/password$"))


def test_keyboard_only_sign_in(page: Page) -> None:
    page.goto("/ru/cabinet/login")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_label("Введите ИИН").focus()
    page.keyboard.type(AIGERIM)
    page.keyboard.press("Tab")    # first consent
    page.keyboard.press("Space")
    page.keyboard.press("Tab")    # the agreement link inside its label
    page.keyboard.press("Tab")    # second consent
    page.keyboard.press("Space")
    page.keyboard.press("Tab")    # Продолжить
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/ru/cabinet/login/password$"))
    expect(page.get_by_role("heading", name="ШАГ 2")).to_be_focused()  # the new step is announced
    page.keyboard.press("Tab")
    expect(page.get_by_label("Введите пароль от Личного кабинета")).to_be_focused()
    page.keyboard.type(AIGERIM_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/ru/cabinet/$"))


def test_keyboard_only_recovery(page: Page) -> None:
    """Tab, Enter and Space only, from step 2 to a new password."""
    page.goto("/ru/cabinet/login")
    step1(page, "ru", AIGERIM)
    # From the focused step heading: the password field, then "Забыли пароль?".
    expect(page.get_by_role("heading", name="ШАГ 2")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Забыли пароль?")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/ru/cabinet/recovery$"))
    app = open_app_on(page.context, AIGERIM_PHONE)
    code = read_code(app)
    page.bring_to_front()
    code_field = page.get_by_label("Введите код подтверждения из уведомления")
    for _ in range(12):
        page.keyboard.press("Tab")
        if code_field.evaluate("el => el === document.activeElement"):
            break
    expect(code_field).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Придумайте пароль Личного кабинета")).to_be_focused()
    page.keyboard.type(NEW)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Повторите пароль")).to_be_focused()
    page.keyboard.type(NEW)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Обновить", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/ru/cabinet/login/password$"))
