"""Page helpers: what a person does on each page, by labels and button names."""
from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

_axe = Axe()

TEXT = {
    "ru": {
        "iin": "Введите ИИН", "continue": "Продолжить", "password": "Введите пароль от Личного кабинета",
        "signin": "Войти", "back": "Назад", "forgot": "Забыли пароль?", "logout": "Выйти",
        "agree_terms": re.compile(r"^Я ознакомлен с соглашением"), "agree_contacts": re.compile(r"^Я согласен на использование"),
        "wrong": "Неверный ИИН или пароль", "cabinet": "Личный кабинет", "switch": "Қазақша",
    },
    "kk": {
        "iin": "ЖСН енгізіңіз", "continue": "Жалғастыру", "password": "Жеке кабинеттің құпиясөзін енгізіңіз",
        "signin": "Кіру", "back": "Артқа", "forgot": "Құпиясөзді ұмыттыңыз ба?", "logout": "Шығу",
        "agree_terms": re.compile(r"^Тараптардың жауапкершілігі туралы келісіммен"), "agree_contacts": re.compile(r"^Мәліметтер, хабарландырулар"),
        "wrong": "ЖСН немесе құпиясөз қате", "cabinet": "Жеке кабинет", "switch": "Русский",
    },
}


def check_a11y(page: Page, state: str) -> None:
    """axe-core on the page as it is now: no violations at all."""
    results = _axe.run(page)
    violations = results.response["violations"]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in violations)
    assert not violations, f"axe violations on {state}:\n{report}"


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px viewport"


def step1(page: Page, lang: str, iin: str, agree: bool = True) -> None:
    t = TEXT[lang]
    page.get_by_label(t["iin"]).fill(iin)
    if agree:
        page.get_by_label(t["agree_terms"]).check()
        page.get_by_label(t["agree_contacts"]).check()
    page.get_by_role("button", name=t["continue"]).click()


def sign_in(page: Page, lang: str, iin: str, password: str, **kwargs: Any) -> None:
    page.goto(f"/{lang}/cabinet/login")
    step1(page, lang, iin)
    page.get_by_label(TEXT[lang]["password"]).fill(password)
    page.get_by_role("button", name=TEXT[lang]["signin"], exact=True).click()


def expect_heading(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def open_app_on(context: Any, phone: str) -> Page:
    """A second tab with the ed24.kz app emulator, on a phone whose app is already bound."""
    app = context.new_page()
    app.goto("/sandbox/app")
    pick = app.get_by_role("button", name=re.compile(re.escape(phone)))
    if not pick.count():  # this browser already holds a bound phone: put it down first
        app.get_by_role("button", name=re.compile("Взять другой телефон|Басқа телефонды алу")).click()
    pick.click()
    return app


def read_code(app: Page, timeout: float = 10_000) -> str:
    """The newest code in the app's feed (the feed refreshes itself)."""
    first = app.locator("#app-feed li").first
    expect(first).to_contain_text(re.compile(r"\d{4}"), timeout=timeout)
    return re.search(r":\s*(\d{4})\.", first.inner_text()).group(1)
