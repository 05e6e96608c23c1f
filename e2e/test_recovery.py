"""Password recovery and the first password on a phone: the code from the app, then the password."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from ed24_testkit import SandboxClient
from e2e.conftest import PHONE
from e2e.pages import AppEmulator, Recovery, SignIn, js_on
from tests.helpers import AIGERIM, AIGERIM_PHONE, DANA, DANA_PHONE, ERLAN, ERLAN_PHONE

LANGS = ["ru", "kk"]
NEW = "Samal!Kokshe2026"


def count_loads(page: Page) -> list[str]:
    loads: list[str] = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    return loads


@pytest.mark.parametrize("lang", LANGS)
def test_case1_from_forgot_password_to_the_cabinet(any_page: Page, ns: SandboxClient, lang: str) -> None:
    """Full recovery in case 1, counted: at most 40 keystrokes and 5 page loads after the IIN."""
    signin = SignIn(any_page, lang).open()
    signin.step1(AIGERIM)
    site = Recovery(any_page, lang)
    loads = count_loads(any_page)
    site.link("Забыли пароль?").click()
    expect(site.field("Введите ИИН")).to_have_value(AIGERIM)  # carried over: nothing to type
    site.check("recovery IIN")
    site.button("Продолжить").click()
    site.expect_text("В приложение ed24.kz по номеру %(phone)s выслано уведомление с кодом подтверждения. "
                     "Введите код подтверждения в поле ниже.", phone="+770****6868")
    if js_on(any_page):
        expect(site.code_field()).to_be_focused()
        expect(site.button("Запросить код повторно")).to_be_disabled()
    site.check("recovery code step")
    code = ns.code(AIGERIM_PHONE)
    keystrokes = len(code) + 1
    site.code_field().press_sequentially(code)
    site.code_field().press("Enter")
    expect(site.field("Придумайте пароль Личного кабинета")).to_be_visible()
    site.check("recovery password step")
    site.field("Придумайте пароль Личного кабинета").press_sequentially(NEW)
    site.field("Повторите пароль").press_sequentially(NEW)
    site.field("Повторите пароль").press("Enter")
    keystrokes += 2 * len(NEW) + 1
    expect(any_page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    expect(any_page.locator(".notice-success").first).to_have_text(site.t("Пароль обновлён"))
    assert keystrokes <= 40, keystrokes
    assert len(loads) <= 5, loads


def test_the_code_can_be_read_in_the_app_in_a_second_tab(page: Page) -> None:
    site = Recovery(page, "ru")
    site.start(AIGERIM)
    app = AppEmulator.open(page.context, "ru")
    app.pick(AIGERIM_PHONE)
    code = app.newest_code()
    app.check("app feed")
    page.bring_to_front()
    site.enter_code(code)
    site.new_password(NEW)
    expect(page).to_have_url(re.compile("/ru/cabinet/$"))


@pytest.mark.parametrize("lang", LANGS)
def test_case2_from_forgot_password_to_the_cabinet_with_the_sms_code(any_page: Page, ns: SandboxClient,
                                                                   lang: str) -> None:
    """Case 2 on one phone (no app): at most 6 page loads and 1 app switch (reading the SMS)."""
    signin = SignIn(any_page, lang).open()
    signin.step1(ERLAN)
    loads = count_loads(any_page)
    site = Recovery(any_page, lang)
    site.link("Забыли пароль?").click()
    site.button("Продолжить").click()
    site.expect_text("Система не смогла отправить код подтверждения")
    main = site.button("Получить код по SMS")
    box = main.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740, box  # in view without scrolling
    expect(any_page.locator("#binding-otp")).to_have_count(0)  # a public page never shows a binding password
    site.check("recovery case 2")
    main.click()
    site.expect_text("Код подтверждения отправлен в SMS на номер %(phone)s. Введите его в поле ниже.",
                     phone="+770****1885")
    expect(site.code_field()).to_be_in_viewport()
    sms = ns.message(ERLAN_PHONE, "sms")  # the one app switch: the phone's SMS
    assert sms["link"] and sms["text"].splitlines()[-1].endswith(f"#{sms['code']}")
    site.enter_code(sms["code"])
    site.new_password(NEW)
    expect(any_page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    assert len(loads) <= 6, loads


@pytest.mark.parametrize("lang", LANGS)
def test_case2_then_the_app_bound_by_the_sms_password(any_page: Page, ns: SandboxClient, lang: str,
                                                     browser: Browser, base_url: str) -> None:
    """The app's instructions below case 2 still bind the app, and "Отправить" then sends the code to it."""
    site = Recovery(any_page, lang)
    site.start(ERLAN)
    site.button("Получить одноразовый пароль по SMS").click()
    sent = any_page.locator("#binding-sent")
    expect(sent).to_contain_text(site.t("Одноразовый пароль отправлен в SMS на номер %(phone)s. Введите его в "
                                        "приложении ed24.kz.", phone="+770****1885"))
    expect(sent).to_be_in_viewport()
    site.button("Отправить").click()  # not bound yet
    site.expect_text("Приложение ed24.kz ещё не привязано к номеру %(phone)s. Выполните Шаг 2 и нажмите "
                     "«Отправить».", phone="+770****1885")
    phone = browser.new_context(**PHONE, base_url=base_url)
    phone.add_cookies([{"name": "ed24_ns", "value": ns.namespace or "", "url": base_url}])
    app = AppEmulator(phone.new_page(), lang)
    app.goto("/sandbox/app")
    app.bind(ERLAN_PHONE, ns.code(ERLAN_PHONE, channel="sms"))
    phone.close()
    site.button("Отправить").click()
    site.enter_code(ns.code(ERLAN_PHONE))
    site.new_password(NEW)
    expect(any_page).to_have_url(re.compile(f"/{lang}/cabinet/$"))


@pytest.mark.parametrize("lang", LANGS)
def test_first_password(any_page: Page, ns: SandboxClient, lang: str) -> None:
    SignIn(any_page, lang).open().step1(DANA)
    site = Recovery(any_page, lang)
    expect(site.heading()).to_contain_text(site.t("Установка пароля"))
    site.expect_text("Для этого Личного кабинета ещё не задан пароль. Чтобы задать его, подтвердите номер "
                     "телефона кодом из приложения ed24.kz.")
    site.check("first password, code step")
    site.enter_code(ns.code(DANA_PHONE))
    site.new_password(NEW)
    expect(any_page).to_have_url(re.compile(f"/{lang}/cabinet/$"))


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_code_then_the_right_one(any_page: Page, ns: SandboxClient, lang: str) -> None:
    site = Recovery(any_page, lang)
    site.start(AIGERIM)
    code = ns.code(AIGERIM_PHONE)
    site.enter_code(f"{(int(code) + 1) % 10**6:06d}")
    expect(site.error_of("code")).to_contain_text(site.t("Неверный код. Осталось попыток: %(num)d.", num=4))
    site.check("recovery code step, wrong code")
    site.enter_code(code)
    expect(site.field("Придумайте пароль Личного кабинета")).to_be_visible()


def test_the_countdown_follows_the_server_and_the_resend_opens(page: Page, ns: SandboxClient) -> None:
    site = Recovery(page, "ru")
    site.start(AIGERIM)
    countdown = page.locator("#resend-countdown .countdown-seconds")
    expect(countdown).to_have_text(re.compile(r"^(60|59|58)$"))
    page.wait_for_timeout(2100)
    assert int(countdown.inner_text()) <= 58
    ns.advance(60)
    page.reload()
    expect(site.button("Запросить код повторно")).to_be_enabled()
    site.button("Запросить код повторно").click()
    site.expect_text("Новый код подтверждения отправлен.")
    assert len([m for m in ns.outbox(AIGERIM_PHONE) if m["code"]]) == 2


def test_an_early_resend_without_javascript_says_how_long(no_js_page: Page) -> None:
    site = Recovery(no_js_page, "ru")
    site.start(AIGERIM)
    site.button("Запросить код повторно").click()
    expect(no_js_page.locator("#problem")).to_contain_text(re.compile(r"через (60|59|58) сек\."))
    expect(no_js_page.locator("#problem")).to_be_in_viewport()


def test_the_checklist_is_neutral_until_typing_and_show_password_works(page: Page, ns: SandboxClient) -> None:
    site = Recovery(page, "ru")
    site.start(AIGERIM)
    site.enter_code(ns.code(AIGERIM_PHONE))
    checklist = page.locator("#password-rules")
    expect(checklist.locator(".mark.neutral")).to_have_count(5)
    expect(checklist.locator(".unmet")).to_have_count(0)
    field = site.field("Придумайте пароль Личного кабинета")
    field.press_sequentially("samal")
    expect(checklist.locator(".state.met")).to_have_count(1)
    expect(checklist).to_contain_text("не выполнено")
    field.press_sequentially("!Kokshe2026")
    expect(checklist.locator(".state.met")).to_have_count(5)
    expect(page.locator("#password-rules-status")).to_have_text("Требования к паролю: выполнено 5 из 5")
    show = page.get_by_role("button", name="Показать пароль").first
    show.click()
    expect(field).to_have_attribute("type", "text")
    expect(page.get_by_role("button", name="Скрыть пароль")).to_have_attribute("aria-pressed", "true")


def test_back_from_the_code_step_returns_to_sign_in(page: Page) -> None:
    signin = SignIn(page, "ru").open()
    signin.step1(AIGERIM)
    signin.link("Забыли пароль?").click()
    site = Recovery(page, "ru")
    site.button("Продолжить").click()
    site.button("Назад").click()
    expect(page).to_have_url(re.compile("/ru/cabinet/login/password$"))


@pytest.mark.parametrize("lang", LANGS)
def test_the_unknown_number_page_offers_quick_fixes_then_reregistration(page: Page, lang: str) -> None:
    site = Recovery(page, lang)
    site.start(AIGERIM)
    site.link("Что делать, если уведомление не пришло или вам не знаком этот номер?").click()
    site.expect_text("Если код ещё не пришёл")
    expect(site.link("Вернуться к вводу кода")).to_be_visible()
    site.check("unknown number")
    site.button("Обновить номер").click()
    expect(site.button("Да, обновить")).to_be_visible()
    site.check("unknown number, confirm")
    site.button("Да, обновить").click()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/reregister\\??$"))
