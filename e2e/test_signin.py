"""Signing in on a phone, in ru and kk, with and without JavaScript."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.pages import SignIn, js_on
from tests.helpers import AIGERIM, AIGERIM_PASSWORD

LANGS = ["ru", "kk"]


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in(any_page: Page, lang: str) -> None:
    site = SignIn(any_page, lang).open()
    expect(site.heading()).to_have_text(site.t("Вход в Личный кабинет"))
    site.check("sign-in step 1")
    site.step1(AIGERIM)
    expect(any_page).to_have_url(re.compile(f"/{lang}/cabinet/login/password$"))
    site.check("sign-in step 2")
    site.password(AIGERIM_PASSWORD)
    expect(any_page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    expect(any_page.get_by_text("Ахметова Айгерим")).to_be_visible()
    site.check("cabinet")


@pytest.mark.parametrize("lang", LANGS)
def test_the_main_button_of_step1_is_above_the_fold(page: Page, lang: str) -> None:
    site = SignIn(page, lang).open()
    box = site.button("Продолжить").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740, box


@pytest.mark.parametrize("lang", LANGS)
def test_enter_in_the_iin_field_continues_and_in_the_password_field_signs_in(page: Page, lang: str) -> None:
    site = SignIn(page, lang).open()
    site.page.get_by_role("checkbox").nth(0).check()
    site.page.get_by_role("checkbox").nth(1).check()
    site.field("Введите ИИН").fill(AIGERIM)
    site.field("Введите ИИН").press("Enter")
    expect(page).to_have_url(re.compile("/cabinet/login/password$"))
    expect(site.field("Введите пароль от Личного кабинета")).to_be_focused()
    site.field("Введите пароль от Личного кабинета").fill(AIGERIM_PASSWORD)
    site.field("Введите пароль от Личного кабинета").press("Enter")
    expect(page).to_have_url(re.compile("/cabinet/$"))


@pytest.mark.parametrize("lang", LANGS)
def test_errors_stay_consistent_as_the_parent_fixes_them(page: Page, lang: str) -> None:
    site = SignIn(page, lang).open()
    site.button("Продолжить").click()
    expect(site.summary()).to_have_count(3)
    expect(page).to_have_title(re.compile("^" + re.escape(site.t("Ошибка: %(title)s", title=""))))
    site.check("sign-in step 1 with errors")
    iin = site.field("Введите ИИН")
    iin.fill("900515401231")
    iin.blur()
    expect(site.error_of("iin")).to_contain_text(site.t("Неверный ИИН: не сходится контрольная цифра. "
                                                        "Проверьте, нет ли опечатки."))
    expect(page.locator('.error-summary li[data-field="iin"]')).to_contain_text(
        site.t("Неверный ИИН: не сходится контрольная цифра. Проверьте, нет ли опечатки."))
    iin.fill(AIGERIM)
    iin.blur()
    expect(site.error_of("iin")).to_be_empty()
    expect(iin).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator('.error-summary li[data-field="iin"]')).to_have_count(0)
    page.get_by_role("checkbox").nth(0).check()
    page.get_by_role("checkbox").nth(1).check()
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.locator(".field-invalid")).to_have_count(0)
    expect(page).not_to_have_title(re.compile("^" + re.escape(site.t("Ошибка: %(title)s", title=""))))
    site.check("sign-in step 1 fixed")


@pytest.mark.parametrize("lang", LANGS)
def test_typing_an_iin_is_checked_in_place_without_moving_focus(page: Page, lang: str) -> None:
    site = SignIn(page, lang).open()
    iin = site.field("Введите ИИН")
    iin.press_sequentially("90051540123")
    page.wait_for_timeout(700)
    expect(site.error_of("iin")).to_be_empty()  # still typing: nothing to say yet
    iin.press_sequentially("1")
    expect(site.error_of("iin")).to_contain_text(site.t("Неверный ИИН: не сходится контрольная цифра. "
                                                        "Проверьте, нет ли опечатки."))
    expect(iin).to_be_focused()
    expect(iin).to_have_value("900515401231")


def test_what_is_typed_survives_the_language_switch(page: Page) -> None:
    site = SignIn(page, "ru").open()
    site.field("Введите ИИН").fill(AIGERIM)
    page.get_by_role("checkbox").nth(0).check()
    page.get_by_role("link", name="Қазақша").click()
    expect(page).to_have_url(re.compile("/kk/cabinet/login$"))
    kk = SignIn(page, "kk")
    expect(kk.field("Введите ИИН")).to_have_value(AIGERIM)
    expect(page.get_by_role("checkbox").nth(0)).to_be_checked()
    expect(page.get_by_role("checkbox").nth(1)).not_to_be_checked()


@pytest.mark.parametrize("lang", LANGS)
def test_wrong_passwords_warn_then_lock_with_a_way_out(any_page: Page, lang: str) -> None:
    site = SignIn(any_page, lang).open()
    site.step1(AIGERIM)
    for _ in range(2):
        site.password("Wrong!pass2026")
    expect(site.error_of("password")).to_have_text(re.compile(re.escape(site.t("Неверный ИИН или пароль")) + "$"))
    site.password("Wrong!pass2026")
    expect(site.error_of("password")).to_contain_text(
        site.t("Неверный ИИН или пароль. Осталось попыток: %(num)d.", num=2))
    site.password("Wrong!pass2026")
    site.password("Wrong!pass2026")
    locked = any_page.locator("#locked")
    expect(locked).to_contain_text(site.t("через %(num)d минуту", num=15).split(" ")[0] if lang == "ru" else "15")
    expect(site.field("Введите пароль от Личного кабинета")).to_have_count(0)
    expect(locked.get_by_role("link", name=site.t("Забыли пароль?"))).to_be_visible()
    site.check("sign-in locked")
    if js_on(any_page):
        expect(locked).to_be_focused()


def test_keyboard_only(page: Page) -> None:
    site = SignIn(page, "ru").open()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Перейти к основному содержанию")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "iin":
            break
    page.keyboard.type(AIGERIM)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the agreement's box
    page.keyboard.press("Tab")    # the agreement's link, in its label
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the contacts' box
    page.keyboard.press("Tab")
    expect(site.button("Продолжить")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/cabinet/login/password$"))
    page.keyboard.type(AIGERIM_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/cabinet/$"))
