"""Re-registration on a phone: Шаг 1, then the three parts of Шаг 2, Enter in each."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ed24_testkit import SandboxClient
from e2e.pages import AppEmulator, Reregistration
from tests.helpers import AMINA, AMINA_CERT, ARMAN, ARMAN_PHONE, MADINA, MADINA_PHONE

LANGS = ["ru", "kk"]
PASSWORD = "Amina!Kezek2026"


def answer(site: Reregistration, **changes: str) -> None:
    answers = {"child": AMINA, "certificate": AMINA_CERT, "parent1": MADINA, "parent2": ARMAN, "status": "queue"}
    site.answer(**{**answers, **changes})


@pytest.mark.parametrize("lang", LANGS)
def test_the_whole_journey_pressing_enter_in_each_last_field(any_page: Page, ns: SandboxClient, lang: str) -> None:
    site = Reregistration(any_page, lang).open()
    site.check("re-registration step 1")
    answer(site)
    site.expect_text("Вы верно ответили на все вопросы!")
    site.check("re-registration step 2 (a)")
    site.field("Ваш ИИН").fill(MADINA)
    site.field("Введите номер телефона").fill("8 775 987 65 43")
    site.field("Введите номер телефона").press("Enter")  # "Получить код", never anything else
    site.expect_text("Уведомление с кодом должно прийти в приложение ed24.kz в течение 60 сек")
    site.check("re-registration step 2 (b)")
    code = site.field("Введите код подтверждения")
    code.fill(ns.code(MADINA_PHONE))
    code.press("Enter")
    site.expect_text("Код подтверждён")
    site.check("re-registration step 2 (c)")
    site.field("Придумайте пароль Личного кабинета").fill(PASSWORD)
    site.field("Повторите пароль").fill(PASSWORD)
    site.field("Повторите пароль").press("Enter")
    expect(any_page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    expect(any_page.get_by_text("Серикова Амина")).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_a_mismatch_keeps_the_answers_and_says_the_tries_left(any_page: Page, lang: str) -> None:
    site = Reregistration(any_page, lang)
    answer(site, certificate="0000000")
    expect(any_page.locator("#problem")).to_contain_text(site.t(
        "Ответы не совпадают с данными о ребёнке. Проверьте все ответы и попробуйте ещё раз. "
        "Осталось попыток: %(num)d.", num=4))
    expect(site.field("ИИН ребенка")).to_have_value(AMINA)
    site.check("re-registration step 1 mismatch")


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_names_each_iin_field_in_order(page: Page, lang: str) -> None:
    site = Reregistration(page, lang).open()
    site.field("ИИН ребенка").fill("123")
    site.field("Введите ИИН мамы/папы").fill("900515401231")
    site.button("Далее").click()
    lines = site.summary()
    expect(lines).to_have_count(4)
    expect(lines.nth(0)).to_contain_text(site.t("ИИН ребенка") + ":")
    expect(lines.nth(2)).to_contain_text(site.t("ИИН первого родителя") + ":")
    site.check("re-registration step 1 errors")
    site.field("ИИН ребенка").fill(AMINA)
    site.field("ИИН ребенка").blur()
    expect(lines).to_have_count(3)
    page.get_by_label(site.t("Стоит в очереди")).check()
    expect(lines).to_have_count(2)


def test_a_phone_without_the_app_gets_the_code_by_sms_in_place(any_page: Page, ns: SandboxClient) -> None:
    site = Reregistration(any_page, "ru")
    answer(site)
    site.applicant(ARMAN, ARMAN_PHONE)
    main = site.button("Получить код по SMS")
    expect(main).to_be_in_viewport()  # the answer to "Получить код" is where the phone was given
    expect(any_page.locator("#binding-otp")).to_have_count(0)
    site.check("re-registration, no app: the code by SMS")
    main.click()
    code = site.field("Введите код подтверждения")
    expect(code).to_be_in_viewport()
    code.fill(ns.code(ARMAN_PHONE, channel="sms"))
    site.button("Подтвердить").click()
    site.finish(PASSWORD)
    expect(any_page).to_have_url(re.compile("/ru/cabinet/$"))


def test_binding_the_app_in_place_by_sms(page: Page, ns: SandboxClient) -> None:
    site = Reregistration(page, "ru")
    answer(site)
    site.applicant(ARMAN, ARMAN_PHONE)
    site.expect_text("Инструкция по регистрации мобильного приложения ed24.kz")
    site.button("Получить одноразовый пароль по SMS").click()
    expect(page.locator("#binding-sent")).to_be_in_viewport()
    app = AppEmulator.open(page.context, "ru")
    app.page.get_by_role("button", name="Взять другой телефон (тестовый режим)").click()
    app.bind(ARMAN_PHONE, ns.code(ARMAN_PHONE, channel="sms"))
    page.bring_to_front()
    site.button("Отправить").click()
    site.enter_code(ns.code(ARMAN_PHONE))
    site.finish(PASSWORD)
    expect(page).to_have_url(re.compile("/ru/cabinet/$"))


def test_change_goes_back_to_the_first_part(page: Page, ns: SandboxClient) -> None:
    site = Reregistration(page, "kk")
    answer(site)
    site.applicant(MADINA, MADINA_PHONE)
    site.button("Изменить").click()
    expect(site.field("Ваш ИИН")).to_have_value(MADINA)
    expect(site.field("Введите код подтверждения")).to_have_count(0)
