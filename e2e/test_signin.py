"""Sign-in as a person does it, in a phone-sized Chromium, with and without JavaScript."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.pages import TEXT, check_a11y, no_horizontal_scroll, sign_in, step1
from tests.helpers import AIGERIM, AIGERIM_PASSWORD

LANGS = ["ru", "kk"]


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_and_out(page: Page, lang: str) -> None:
    t = TEXT[lang]
    page.goto(f"/{lang}/cabinet/login")
    expect(page).to_have_title(re.compile(t["cabinet"]))
    check_a11y(page, f"{lang} step 1")
    no_horizontal_scroll(page)
    step1(page, lang, AIGERIM)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/login/password$"))
    check_a11y(page, f"{lang} step 2")
    page.get_by_label(t["password"]).fill(AIGERIM_PASSWORD)
    page.get_by_role("button", name=t["signin"], exact=True).click()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    expect(page.get_by_text("Ахметова Айгерим")).to_be_visible()
    expect(page.get_by_text("+770****6868")).to_be_visible()
    check_a11y(page, f"{lang} cabinet")
    no_horizontal_scroll(page)
    page.get_by_role("button", name=t["logout"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/login$"))
    page.goto(f"/{lang}/cabinet/")
    expect(page).to_have_url(re.compile(r"/cabinet/login\?next="))


@pytest.mark.parametrize("lang", LANGS)
def test_inline_iin_error_without_navigation(page: Page, lang: str) -> None:
    page.goto(f"/{lang}/cabinet/login")
    url = page.url
    field = page.get_by_label(TEXT[lang]["iin"])
    field.fill("900515401231")
    message = page.locator("#iin-error")
    expect(message).to_contain_text("ЖСН" if lang == "kk" else "контрольная цифра")
    expect(field).to_be_focused()
    expect(field).to_have_value("900515401231")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert page.url == url
    check_a11y(page, f"{lang} inline error")
    field.fill(AIGERIM)
    expect(message).to_be_empty()


def test_half_typed_iin_is_not_scolded(page: Page) -> None:
    page.goto("/ru/cabinet/login")
    page.get_by_label("Введите ИИН").press_sequentially("900515", delay=30)
    page.wait_for_timeout(700)
    expect(page.locator("#iin-error")).to_be_empty()
    page.get_by_label("Введите ИИН").press_sequentially("4x", delay=30)
    expect(page.locator("#iin-error")).to_contain_text("12 цифр")


def test_submit_errors_show_summary_and_focus_it(page: Page) -> None:
    page.goto("/ru/cabinet/login")
    page.get_by_role("button", name="Продолжить").click()
    expect(page).to_have_title(re.compile("^Ошибка: "))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("Укажите ИИН")).click()
    expect(page.get_by_label("Введите ИИН")).to_be_focused()
    check_a11y(page, "ru step 1 errors")


@pytest.mark.parametrize("lang", LANGS)
def test_lockout_tells_the_time_left(page: Page, lang: str) -> None:
    for _ in range(5):
        sign_in(page, lang, AIGERIM, "Wrong!password1")
    words = "через 15 минут" if lang == "ru" else "15 минуттан кейін"
    expect(page.locator("#password-error")).to_contain_text(words)
    check_a11y(page, f"{lang} locked")


def test_language_switch_mid_flow_keeps_the_step_and_iin(page: Page) -> None:
    page.goto("/ru/cabinet/login")
    page.get_by_label("Введите ИИН").fill(AIGERIM)
    page.get_by_label("Введите ИИН").blur()
    expect(page.locator("#iin-error")).to_be_empty()
    page.wait_for_timeout(300)
    page.get_by_role("link", name="Қазақша").click()
    expect(page).to_have_url(re.compile("/kk/cabinet/login$"))
    expect(page.get_by_label("ЖСН енгізіңіз")).to_have_value(AIGERIM)
    step1(page, "kk", AIGERIM)
    page.get_by_role("link", name="Русский").click()
    expect(page).to_have_url(re.compile("/ru/cabinet/login/password$"))
    expect(page.get_by_text(f"ИИН: {AIGERIM}")).to_be_visible()
    page.get_by_role("button", name="Назад").click()
    expect(page.get_by_label("Введите ИИН")).to_have_value(AIGERIM)


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_without_javascript(no_js_page: Page, lang: str) -> None:
    page = no_js_page
    page.goto(f"/{lang}/cabinet/login")
    step1(page, lang, "123")
    expect(page).to_have_title(re.compile("^(Ошибка|Қате): "))
    step1(page, lang, AIGERIM)
    page.get_by_label(TEXT[lang]["password"]).fill(AIGERIM_PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["signin"], exact=True).click()
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))


def test_home_and_help_pages_are_accessible(page: Page, live_server: LiveServer) -> None:
    for lang in LANGS:
        for path in ("/", "/help/app", "/help/bmg", "/agreement", "/cabinet/recovery/unknown-number"):
            page.goto(f"/{lang}{path}")
            check_a11y(page, f"{lang}{path}")
            no_horizontal_scroll(page)
