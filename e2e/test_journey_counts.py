"""What each journey costs a parent on one phone, counted: taps, keystrokes, page loads and
switches to another app (the SMS or the ed24.kz app). The README's table is these numbers;
the bounds keep them from growing."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Locator, Page, expect

from ed24_testkit import SandboxClient
from e2e.pages import Recovery, Reregistration, SignIn
from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, AMINA, AMINA_CERT, ARMAN, ARMAN_PHONE, DANA,
                           DANA_PHONE, ERLAN, ERLAN_PHONE, MADINA, MADINA_PHONE)

NEW = "Samal!Kokshe2026"


@dataclass
class Count:
    """A parent's effort on one journey."""

    page: Page
    taps: int = 0
    keys: int = 0
    switches: int = 0
    loads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("framenavigated", lambda frame: self.loads.append(frame.url)
                     if frame == self.page.main_frame else None)

    def tap(self, target: Locator) -> None:
        self.taps += 1
        target.click()

    def type(self, target: Locator, text: str, enter: bool = False) -> None:
        """Typed key by key (a tap into the field first), Enter when the form is sent by it."""
        self.tap(target)
        target.press_sequentially(text)
        self.keys += len(text)
        if enter:
            target.press("Enter")
            self.keys += 1

    def read_phone(self, ns: SandboxClient, phone: str, channel: str = "app") -> str:
        """A look at the phone's other app (the SMS or the ed24.kz app) for the code."""
        self.switches += 1
        return ns.code(phone, channel)

    def row(self) -> str:
        return f"{self.taps} taps, {self.keys} keystrokes, {len(self.loads)} page loads, {self.switches} app switches"


def report(name: str, count: Count, bounds: tuple[int, int, int, int]) -> None:
    print(f"\n{name}: {count.row()}")
    taps, keys, loads, switches = bounds
    assert count.taps <= taps and count.keys <= keys and len(count.loads) <= loads and count.switches <= switches, \
        f"{name} grew: {count.row()}; at most {bounds}"


def agree(count: Count, page: Page) -> None:
    count.tap(page.get_by_role("checkbox").nth(0))
    count.tap(page.get_by_role("checkbox").nth(1))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_sign_in(page: Page, lang: str) -> None:
    site = SignIn(page, lang).open()
    count = Count(page)
    count.type(site.field("Введите ИИН"), AIGERIM)
    agree(count, page)
    count.tap(site.button("Продолжить"))
    count.type(site.field("Введите пароль от Личного кабинета"), AIGERIM_PASSWORD, enter=True)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    report("sign-in", count, (5, 27, 2, 0))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_recovery_case1_from_forgot_password(page: Page, ns: SandboxClient, lang: str) -> None:
    signin = SignIn(page, lang).open()
    signin.step1(AIGERIM)
    site = Recovery(page, lang)
    count = Count(page)
    count.tap(site.link("Забыли пароль?"))
    count.tap(site.button("Продолжить"))
    count.type(site.code_field(), count.read_phone(ns, AIGERIM_PHONE), enter=True)
    count.type(site.field("Придумайте пароль Личного кабинета"), NEW, enter=True)  # Enter moves on
    count.type(site.field("Повторите пароль"), NEW, enter=True)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    report("recovery, case 1 (the code in the app)", count, (5, 41, 4, 1))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_recovery_case2_by_sms(page: Page, ns: SandboxClient, lang: str) -> None:
    signin = SignIn(page, lang).open()
    signin.step1(ERLAN)
    site = Recovery(page, lang)
    count = Count(page)
    count.tap(site.link("Забыли пароль?"))
    count.tap(site.button("Продолжить"))
    count.tap(site.button("Получить код по SMS"))
    count.type(site.code_field(), count.read_phone(ns, ERLAN_PHONE, "sms"), enter=True)
    count.type(site.field("Придумайте пароль Личного кабинета"), NEW, enter=True)
    count.type(site.field("Повторите пароль"), NEW, enter=True)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    report("recovery, case 2 (the code by SMS)", count, (6, 41, 5, 1))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_recovery_by_the_link_in_the_message(page: Page, ns: SandboxClient, lang: str) -> None:
    site = Recovery(page, lang)
    site.start(AIGERIM)
    count = Count(page)
    count.switches += 1  # the phone's app: its "Открыть" button
    count.taps += 1
    page.goto(ns.link(AIGERIM_PHONE))
    count.tap(site.button("Продолжить"))
    count.type(site.field("Придумайте пароль Личного кабинета"), NEW, enter=True)
    count.type(site.field("Повторите пароль"), NEW, enter=True)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    report("recovery by the link (after the code was sent)", count, (4, 34, 3, 1))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_first_password(page: Page, ns: SandboxClient, lang: str) -> None:
    site = SignIn(page, lang).open()
    count = Count(page)
    count.type(site.field("Введите ИИН"), DANA)
    agree(count, page)
    count.tap(site.button("Продолжить"))
    recovery = Recovery(page, lang)
    count.type(recovery.code_field(), count.read_phone(ns, DANA_PHONE), enter=True)
    count.type(recovery.field("Придумайте пароль Личного кабинета"), NEW, enter=True)
    count.type(recovery.field("Повторите пароль"), NEW, enter=True)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    report("first password (Установка пароля)", count, (7, 53, 3, 1))


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("applicant", ["app", "sms"])
def test_reregistration(page: Page, ns: SandboxClient, lang: str, applicant: str) -> None:
    site = Reregistration(page, lang).open()
    count = Count(page)
    count.type(site.field("ИИН ребенка"), AMINA)
    count.type(site.field("Номер свидетельства о рождении"), AMINA_CERT)
    count.type(site.field("Введите ИИН мамы/папы"), MADINA)
    count.type(site.field("Введите ИИН мамы/папы (второй родитель)"), ARMAN)
    count.tap(page.get_by_label(site.t("Стоит в очереди")))
    count.tap(site.button("Далее"))
    iin, phone = (MADINA, MADINA_PHONE) if applicant == "app" else (ARMAN, ARMAN_PHONE)
    count.type(site.field("Ваш ИИН"), iin)
    count.type(site.field("Введите номер телефона"), phone, enter=True)
    if applicant == "sms":
        count.tap(site.button("Получить код по SMS"))
    count.type(site.field("Введите код подтверждения"), count.read_phone(ns, phone, applicant), enter=True)
    count.type(site.field("Придумайте пароль Личного кабинета"), NEW, enter=True)
    count.type(site.field("Повторите пароль"), NEW, enter=True)
    expect(page).to_have_url(re.compile(f"/{lang}/cabinet/$"))
    report(f"re-registration, a phone {'with' if applicant == 'app' else 'without'} the app", count,
           (11, 109, 4, 1) if applicant == "app" else (12, 109, 5, 1))
