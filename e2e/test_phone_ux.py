"""A parent's phone, round 2: every result in view, nothing typed lost (issue 21's walk).

Each test is one thing the walk found on a 360×740 phone; the numbers refer to its list.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from ed24_testkit import SandboxClient
from ed24_testkit.client import Namespace
from ed24_testkit.plugin import enter_namespace
from e2e.pages import AppEmulator, Recovery, Reregistration, SignIn, js_on, no_horizontal_scroll
from tests.helpers import AIGERIM, AIGERIM_PHONE, AMINA, AMINA_CERT, ARMAN, MADINA, MADINA_PHONE

LANGS = ["ru", "kk"]
NEW = "Samal!Kokshe2026"
HEADER_AT_MOST = 120


def in_view(page: Page, selector: str) -> None:
    expect(page.locator(selector).first).to_be_in_viewport()


# 3. After "Неверный код" the wrong code is not kept: the field is empty (and focused).
@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_code_leaves_the_field_empty_and_focused(any_page: Page, ns: SandboxClient, lang: str) -> None:
    site = Recovery(any_page, lang)
    site.start(AIGERIM)
    code = ns.code(AIGERIM_PHONE)
    site.enter_code(f"{(int(code) + 1) % 10**6:06d}")
    expect(site.error_of("code")).to_contain_text(site.t("Неверный код. Осталось попыток: %(num)d.", num=4))
    expect(site.code_field()).to_have_value("")
    expect(site.code_field()).to_be_in_viewport()
    if js_on(any_page):
        expect(site.code_field()).to_be_focused()
    site.code_field().press_sequentially(code)  # typed afresh, not appended to the wrong one
    site.button("Подтвердить").click()
    expect(site.field("Придумайте пароль Личного кабинета")).to_be_visible()


# 4. A phone typo in Шаг 2 costs none of Шаг 1's tries.
def test_a_phone_typo_in_step2_does_not_use_up_the_answers_of_step1(page: Page) -> None:
    site = Reregistration(page, "ru")
    site.answer(AMINA, AMINA_CERT, MADINA, ARMAN)
    for _ in range(3):
        site.applicant(MADINA, "+7 701 000 00 00")  # not hers in БМГ
    expect(site.error_of("phone")).to_contain_text(
        site.t("Этот номер не зарегистрирован на ваш ИИН в Базе мобильных граждан (БМГ). Осталось попыток: "
               "%(num)d.", num=2))
    page.goto("/ru/cabinet/reregister")
    site.button("Изменить ответы на вопросы Шага 1").click()
    site.answer(AMINA, "0000000", MADINA, ARMAN)  # one wrong answer of Шаг 1: its first
    site.expect_text("Ответы не совпадают с данными о ребёнке. Проверьте все ответы и попробуйте ещё раз. "
                     "Осталось попыток: %(num)d.", num=4)


# 5. Without JavaScript, "Обновить номер" and "Получить код" answer where the eye is.
def test_without_javascript_each_answer_is_in_view(no_js_page: Page, ns: SandboxClient) -> None:
    site = Recovery(no_js_page, "ru")
    site.start(AIGERIM)
    site.link("Что делать, если уведомление не пришло или вам не знаком этот номер?").click()
    site.button("Обновить номер").click()
    in_view(no_js_page, "#confirm-title")
    rereg = Reregistration(no_js_page, "ru")
    rereg.answer(AMINA, AMINA_CERT, MADINA, ARMAN)
    rereg.applicant(MADINA, MADINA_PHONE)
    expect(rereg.field("Введите код подтверждения")).to_be_in_viewport()


# 6. A compact header: at most 120 px on the flow pages, in both languages.
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/cabinet/login", "/cabinet/recovery", "/cabinet/reregister", "/",
                                  "/cabinet/recovery/unknown-number"])
def test_the_header_takes_at_most_120_px(page: Page, lang: str, path: str) -> None:
    page.goto(f"/{lang}{path}")
    bottom = page.evaluate("document.querySelector('.breadcrumbs').getBoundingClientRect().bottom")
    assert bottom <= HEADER_AT_MOST, f"{lang}{path}: the header ends at {bottom}px"


# 6. Results in view: the error of a wrong password, the new-password field after the code.
@pytest.mark.parametrize("lang", LANGS)
def test_results_of_main_actions_are_in_view(any_page: Page, ns: SandboxClient, lang: str) -> None:
    signin = SignIn(any_page, lang).open()
    signin.step1(AIGERIM)
    signin.password("Wrong!pass2026")
    expect(signin.error_of("password")).to_be_in_viewport()
    recovery = Recovery(any_page, lang)
    recovery.start(AIGERIM)
    recovery.enter_code(ns.code(AIGERIM_PHONE))
    expect(recovery.field("Придумайте пароль Личного кабинета")).to_be_in_viewport()


# 7. Reloading a page that answered a wrong password sends nothing again.
@pytest.mark.parametrize("lang", LANGS)
def test_a_reload_after_wrong_passwords_counts_nothing(any_page: Page, lang: str) -> None:
    site = SignIn(any_page, lang).open()
    site.step1(AIGERIM)
    site.password("Wrong!pass2026")
    site.password("Wrong!pass2026")
    expect(site.error_of("password")).to_be_visible()  # as a parent would: the answer is there, then the reload
    any_page.reload()
    any_page.reload()
    site.password("Wrong!pass2026")  # the 3rd: two tries left, not none
    expect(site.error_of("password")).to_contain_text(
        site.t("Неверный ИИН или пароль. Осталось попыток: %(num)d.", num=2))


# 8. "Отмена" asks before it throws answers away, and sits apart from the main button.
@pytest.mark.parametrize("lang", LANGS)
def test_cancel_asks_first_and_keeps_the_answers_when_told_no(any_page: Page, lang: str) -> None:
    site = Reregistration(any_page, lang).open()
    site.field("ИИН ребенка").fill(AMINA)
    site.button("Далее").click()  # kept server-side (refused: the rest is empty)
    expect(site.summary().first).to_be_visible()  # measured on the answer, not the page it replaces
    cancel = site.link("Отмена")
    main = site.button("Далее").bounding_box()
    box = cancel.bounding_box()
    assert main and box and box["y"] - (main["y"] + main["height"]) >= 24, (main, box)
    cancel.click()
    expect(site.heading()).to_have_text(site.t("Отменить переоформление?"))
    site.link("Нет, продолжить переоформление").click()
    expect(site.field("ИИН ребенка")).to_have_value(AMINA)
    site.link("Отмена").click()
    site.button("Да, отменить").click()
    site.expect_text("Переоформление отменено.")


# 9. Enter in the first new-password field goes on to "Повторите пароль".
def test_enter_in_the_first_new_password_moves_to_the_repeat(page: Page, ns: SandboxClient) -> None:
    site = Recovery(page, "ru")
    site.start(AIGERIM)
    site.enter_code(ns.code(AIGERIM_PHONE))
    first = site.field("Придумайте пароль Личного кабинета")
    first.fill(NEW)
    first.press("Enter")
    repeat = site.field("Повторите пароль")
    expect(repeat).to_be_focused()
    expect(first).to_have_value(NEW)  # nothing was sent, nothing emptied
    repeat.fill(NEW)
    repeat.press("Enter")
    expect(page).to_have_url(re.compile("/ru/cabinet/$"))


# 10. The emulator keeps the consent after a phone error; the checklist shows how a refused
#     password fared after the reload (without JavaScript too); a common password is told why.
def test_the_emulator_keeps_the_consent_after_a_phone_error(any_page: Page) -> None:
    app = AppEmulator(any_page, "ru")
    app.goto("/sandbox/app")
    app.field("Введите номер телефона").fill("12345")
    any_page.get_by_role("checkbox").check()
    app.button("Продолжить").click()
    expect(any_page.get_by_role("checkbox")).to_be_checked()
    expect(app.error_of("app-phone")).not_to_be_empty()


def test_without_javascript_the_checklist_shows_the_refused_password(no_js_page: Page, ns: SandboxClient) -> None:
    site = Recovery(no_js_page, "ru")
    site.start(AIGERIM)
    site.enter_code(ns.code(AIGERIM_PHONE))
    site.new_password("samal2026", "samal2026")
    checklist = no_js_page.locator("#password-rules")
    expect(checklist.locator(".state.unmet")).to_have_count(3)  # length, capital, special sign
    expect(checklist.locator(".state.met")).to_have_count(2)
    expect(site.error_of("password")).to_contain_text(site.t("Пароль не отвечает требованиям: %(rules)s",
                                                             rules="").rstrip())


def test_a_common_password_is_told_why(page: Page, ns: SandboxClient) -> None:
    site = Recovery(page, "ru")
    site.start(AIGERIM)
    site.enter_code(ns.code(AIGERIM_PHONE))
    site.new_password("Qwerty123456!")
    expect(site.error_of("password")).to_contain_text("подбирают первыми")


# 11. No sideways scroll at 320 px, nor at 200 % zoom of a 360 px phone (180 CSS px).
@pytest.mark.parametrize("width", [320, 180])
@pytest.mark.parametrize("lang", LANGS)
def test_no_sideways_scroll_at_320_px_and_200_percent_zoom(browser: Browser, base_url: str, namespace: Namespace,
                                                          width: int, lang: str) -> None:
    context = browser.new_context(viewport={"width": width, "height": 740}, base_url=base_url)
    enter_namespace(context, namespace, base_url)
    page = context.new_page()
    signin = SignIn(page, lang)
    for path in ("/cabinet/login", "/cabinet/recovery", "/cabinet/reregister", "/help/app", "/help/bmg",
                 "/cabinet/recovery/unknown-number", "/sandbox/app"):
        page.goto(f"/{lang}{path}")
        no_horizontal_scroll(page)
    signin.sign_in("870123302154", "Dala#Samal2025")  # Ерлан: the cabinet with the binding QR and password
    no_horizontal_scroll(page)
    context.close()


# 12. Thumb-sized targets: the language switch and the main buttons are at least 44 px tall;
#     the first consent's words tick its box (the agreement opens from a link of its own).
@pytest.mark.parametrize("lang", LANGS)
def test_thumb_targets_and_the_consent_label_ticks(page: Page, lang: str) -> None:
    site = SignIn(page, lang).open()
    switch = page.locator(".lang-switch a").bounding_box()
    assert switch and switch["height"] >= 44, switch
    main = site.button("Продолжить").bounding_box()
    assert main and main["height"] >= 44, main
    page.locator("label[for=agree_terms]").click()
    expect(page.get_by_role("checkbox").nth(0)).to_be_checked()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/login$"))
    expect(site.link("Прочитать соглашение об ответственности сторон")).to_be_visible()
