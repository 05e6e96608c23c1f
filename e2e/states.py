"""Every page STATE of the site, reached through the UI with the page objects.

A state is a name ("recovery-code", "rereg-password", …) for one thing a parent can
see: a page, or a page after something happened on it (errors, a lock, a sent SMS).
The states are grouped in *segments*: short journeys that each start on fresh demo
data (sandbox reset) in a browser context of their own and pass through their
states in order, the way a parent would. Codes are read through the sandbox API and
the server clock is never waited for.

    tour(browser, base_url, "kk", sandbox, visit)        # every state, visit(state, page) at each
    tour(..., only={"recovery-code"})                    # only the segments that hold these states
    reach(page, "ru", sandbox, "rereg-password")         # one state, in a page of yours

`visit` runs with the page settled on the state; whatever it does to the page (typing,
tabbing, changing the viewport or the emulated media) the next state of the segment
is reached through the UI again, not from where `visit` left things.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, Page, expect

from e2e.sandbox_api import SandboxApi
from e2e.pages import AppEmulator, Recovery, Reregistration, SignIn, Site
from tests.helpers import (
    AIGERIM,
    AIGERIM_PASSWORD,
    AIGERIM_PHONE,
    AMINA_ANSWERS,
    ARMAN,
    ARMAN_PHONE,
    DANA,
    ERLAN,
    ERLAN_PASSWORD,
    MADINA,
    MADINA_PHONE,
    UNKNOWN_IIN,
    wrong,
)

WRONG_PASSWORD = "Wrong!pass2026"

Drive = Callable[[Page, str, Any], Iterator[str]]


@dataclass(frozen=True)
class Segment:
    name: str
    states: tuple[str, ...]
    drive: Drive  # yields each state's name once the page shows it


def _landed(page: Page, path: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(path) + r"(\?.*)?$"))


def _info(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = Site(page, lang)
    site.goto("/")
    expect(site.heading()).to_be_visible()
    yield "home"
    site.goto("/agreement")
    expect(site.heading()).to_have_text(site.t("Соглашение об ответственности сторон"))
    yield "agreement"
    site.goto("/accessibility")
    expect(site.heading()).to_have_text(site.t("Заявление о доступности"))
    yield "accessibility"
    site.goto("/help/bmg")
    expect(site.heading()).to_have_text(site.t("Что такое БМГ?"))
    yield "help-bmg"
    site.goto("/help/app")
    expect(site.heading()).to_have_text(site.t("Инструкция по регистрации мобильного приложения ed24.kz"))
    yield "help-app"
    site.goto("/cabinet/recovery/unknown-number")
    expect(site.heading()).to_have_text(site.t("Что делать, если уведомление не пришло или вам не знаком этот номер?"))
    yield "unknown-number"
    site.button("Обновить номер").click()
    expect(site.button("Да, обновить")).to_be_visible()
    yield "unknown-number-confirm"
    response = page.goto(f"/{lang}/no-such-page")
    assert response is not None and response.status == 404, response
    expect(site.heading()).to_be_visible()
    yield "not-found"


def _signin(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = SignIn(page, lang).open()
    expect(site.heading()).to_have_text(site.t("Вход в Личный кабинет"))
    yield "signin-step1"
    site.button("Продолжить").click()
    expect(site.summary()).to_have_count(3)
    yield "signin-step1-errors"
    site.step1(AIGERIM)
    _landed(page, f"/{lang}/cabinet/login/password")
    yield "signin-step2"
    site.password(WRONG_PASSWORD)
    expect(site.error_of("password")).to_contain_text(site.t("Неверный ИИН или пароль"))
    yield "signin-step2-wrong"
    for _ in range(4):
        site.password(WRONG_PASSWORD)
    expect(page.locator("#locked")).to_be_visible()
    yield "signin-step2-locked"


def _recovery(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = Recovery(page, lang).open()
    expect(site.field("Введите ИИН")).to_be_visible()
    yield "recovery-iin"
    site.field("Введите ИИН").fill(AIGERIM)
    site.button("Продолжить").click()
    expect(site.field("Введите код подтверждения из уведомления")).to_be_visible()
    yield "recovery-code"
    page.get_by_role("link", name=site.t("Что делать, если уведомление не пришло или вам не знаком этот номер?")).click()
    expect(site.link("Вернуться к вводу кода")).to_be_visible()
    yield "unknown-number-from-code"
    site.link("Вернуться к вводу кода").click()
    code = sandbox.code(AIGERIM_PHONE)
    site.enter_code(wrong(code))
    expect(site.error_of("code")).not_to_be_empty()
    yield "recovery-code-wrong"
    site.enter_code(code)
    expect(site.field("Придумайте пароль Личного кабинета")).to_be_visible()
    yield "recovery-password"


def _recovery_no_cabinet(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = Recovery(page, lang)
    site.start(UNKNOWN_IIN)
    site.expect_text("Личный кабинет с этим ИИН не найден")
    yield "recovery-no-cabinet"


def _recovery_bind(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = Recovery(page, lang)
    site.start(ERLAN)
    expect(site.button("Получить одноразовый пароль по SMS")).to_be_visible()
    yield "recovery-bind"
    site.button("Получить одноразовый пароль по SMS").click()
    expect(page.locator(".notice-success[role=status]")).to_be_visible()
    yield "recovery-bind-sms"


def _first_password(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = SignIn(page, lang).open()
    site.step1(DANA)
    expect(site.heading()).to_have_text(site.t("Установка пароля"))
    expect(Recovery(page, lang).field("Введите код подтверждения из уведомления")).to_be_visible()
    yield "first-password"


def _reregister(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = Reregistration(page, lang).open()
    expect(site.field("ИИН ребенка")).to_be_visible()
    yield "rereg-step1"
    site.button("Далее").click()
    expect(site.summary().first).to_be_visible()
    yield "rereg-step1-errors"
    a = AMINA_ANSWERS
    site.answer(a["child_iin"], a["certificate"], a["parent1_iin"], a["parent2_iin"], a["status"])
    expect(site.field("Ваш ИИН")).to_be_visible()
    yield "rereg-applicant"
    site.applicant(ARMAN, ARMAN_PHONE)
    expect(site.button("Получить одноразовый пароль по SMS")).to_be_visible()
    yield "rereg-bind"
    site.button("Изменить").click()
    site.applicant(MADINA, MADINA_PHONE)
    expect(site.field("Введите код подтверждения из приложения")).to_be_visible()
    yield "rereg-code"
    site.enter_code(sandbox.code(MADINA_PHONE))
    expect(site.field("Придумайте пароль Личного кабинета")).to_be_visible()
    yield "rereg-password"


def _cabinet_bound(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    site = SignIn(page, lang)
    site.sign_in(AIGERIM, AIGERIM_PASSWORD)
    _landed(page, f"/{lang}/cabinet/")
    expect(site.button("Привязать приложение на новом телефоне")).to_be_visible()
    yield "cabinet-bound"


def _start_of_a_minute(sandbox: SandboxApi) -> None:
    """Move the server clock just past a whole minute: the cabinet's binding password
    rotates on whole minutes, so it then has ~58 s to live, whatever the wall clock says."""
    sandbox.advance(int(60 - sandbox.now().timestamp() % 60) + 1)


def _cabinet_binding(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    _start_of_a_minute(sandbox)
    site = SignIn(page, lang)
    site.sign_in(ERLAN, ERLAN_PASSWORD)
    _landed(page, f"/{lang}/cabinet/")
    expect(page.locator("#binding-otp")).to_be_visible()
    yield "cabinet-binding"


def _app(page: Page, lang: str, sandbox: SandboxApi) -> Iterator[str]:
    Recovery(page, lang).start(AIGERIM)  # so that the feed has a code in it
    expect(Recovery(page, lang).field("Введите код подтверждения из уведомления")).to_be_visible()
    page.goto(f"/{lang}/sandbox/app")
    app = AppEmulator(page, lang)
    expect(app.button("Открыть приложение на %(phone)s", phone=AIGERIM_PHONE)).to_be_visible()
    yield "app-phone"
    app.pick(AIGERIM_PHONE)
    app.newest_code()
    yield "app-feed"


SEGMENTS: tuple[Segment, ...] = (
    Segment("info", ("home", "agreement", "accessibility", "help-bmg", "help-app", "unknown-number",
                     "unknown-number-confirm", "not-found"), _info),
    Segment("signin", ("signin-step1", "signin-step1-errors", "signin-step2", "signin-step2-wrong",
                       "signin-step2-locked"), _signin),
    Segment("recovery", ("recovery-iin", "recovery-code", "unknown-number-from-code", "recovery-code-wrong",
                         "recovery-password"), _recovery),
    Segment("recovery-no-cabinet", ("recovery-no-cabinet",), _recovery_no_cabinet),
    Segment("recovery-bind", ("recovery-bind", "recovery-bind-sms"), _recovery_bind),
    Segment("first-password", ("first-password",), _first_password),
    Segment("reregister", ("rereg-step1", "rereg-step1-errors", "rereg-applicant", "rereg-bind", "rereg-code",
                           "rereg-password"), _reregister),
    Segment("cabinet-bound", ("cabinet-bound",), _cabinet_bound),
    Segment("cabinet-binding", ("cabinet-binding",), _cabinet_binding),
    Segment("app", ("app-phone", "app-feed"), _app),
)

STATES: tuple[str, ...] = tuple(state for segment in SEGMENTS for state in segment.states)

# The states that show a form with the live password checklist.
CHECKLIST_STATES = frozenset({"recovery-password", "rereg-password"})


def _settle(page: Page) -> None:
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def tour(browser: Browser, base_url: str, lang: str, sandbox: SandboxApi, visit: Callable[[str, Page], None], *,
         only: Collection[str] | None = None, **context_args: Any) -> dict[str, str]:
    """Pass through every state (or the segments holding `only`) in `lang`, calling
    visit(state, page) at each. A segment that cannot go on is abandoned; its states
    not reached come back as {state: why} (an error in `visit` is not caught)."""
    missed: dict[str, str] = {}
    for segment in SEGMENTS:
        if only is not None and not set(segment.states) & set(only):
            continue
        sandbox.reset()
        context = browser.new_context(base_url=base_url, **context_args)
        page = context.new_page()
        reached: list[str] = []
        states = segment.drive(page, lang, sandbox)
        try:
            while True:
                try:
                    state = next(states)
                    if only is None or state in only:
                        _settle(page)
                    reached.append(state)
                except StopIteration:
                    break
                except Exception as error:  # the journey broke: say where, go on with the next
                    for missing in segment.states[len(reached):]:
                        missed[missing] = (f"segment {segment.name} stopped after "
                                           f"{reached[-1] if reached else 'its start'}: {error}")
                    break
                if only is None or state in only:
                    visit(state, page)
        finally:
            context.close()
    return missed


def reach(page: Page, lang: str, sandbox: SandboxApi, state: str) -> None:
    """Drive `page` (on fresh data) to `state` and stop there."""
    segment = next(s for s in SEGMENTS if state in s.states)
    sandbox.reset()
    for reached in segment.drive(page, lang, sandbox):
        if reached == state:
            _settle(page)
            return
    raise AssertionError(f"segment {segment.name} never reached {state}")
