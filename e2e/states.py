"""Every page STATE of the site, reached through the UI with the test kit's page objects.

A state is a name ("recovery-code", "rereg-password", …) for one thing a parent can
see: a page, or a page after something happened on it (errors, a lock, a sent SMS).
The states are grouped in *segments*: short journeys that each run in a sandbox
namespace of their own (created for the segment, deleted after it: its own data,
messages, clock and counts) and a browser context of their own, and pass through
their states in order, the way a parent would. Codes and links are read through the
sandbox API (ed24_testkit.SandboxClient) and the server clock is never waited for.

    tour(browser, base_url, "kk", sandbox, visit)        # every state, visit(state, page) at each
    tour(..., only={"recovery-code"})                    # only the segments that hold these states
    reach(page, "ru", ns, "rereg-password")              # one state, in a page of yours

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

from ed24_testkit import SandboxClient
from ed24_testkit.plugin import enter_namespace
from ed24_testkit.pages import AppEmulator, Cabinet, LinkPage, Recovery, Reregistration, SignIn, Site
from tests.helpers import (
    AIGERIM,
    AIGERIM_PASSWORD,
    AIGERIM_PHONE,
    AMINA,
    AMINA_CERT,
    ARMAN,
    ARMAN_PHONE,
    DANA,
    DANA_PHONE,
    ERLAN,
    ERLAN_PASSWORD,
    ERLAN_PHONE,
    MADINA,
    MADINA_PHONE,
    UNKNOWN_IIN,
)

WRONG_PASSWORD = "Wrong!pass2026"

Drive = Callable[[Page, str, SandboxClient], Iterator[str]]


@dataclass(frozen=True)
class Segment:
    name: str
    states: tuple[str, ...]
    drive: Drive  # yields each state's name once the page shows it


def _landed(page: Page, path: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(path) + r"(\?.*)?(#.*)?$"))


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _delivered(site: Site, ns: SandboxClient, phone: str, channel: str = "app") -> str:
    """The code step once the message went: "Отправлено в 14:05". Returns the code.

    The page asks the server again every 2 s while it says "Отправляем…" and htmx swaps the
    answer in; that answer (GET …/status) has no "Запросить код повторно" today, so a page
    first drawn while the code was on its way loses the button (test_wcag.py's htmx refresh
    check, a known failure). So that each state is always the same page, a page drawn
    before the delivery is loaded again once the code went."""
    code = ns.code(phone, channel)  # reading the outbox delivers what is due
    page = site.page
    if page.locator("#delivery[data-hx-get]").count() or not page.locator("#resend-button").count():
        page.reload()
    before, after = site.t("Отправлено в %(time)s", time="\x00").split("\x00")
    sent = re.compile(re.escape(before) + r"\d{2}:\d{2}" + re.escape(after))
    expect(page.locator("#delivery .delivery-state")).to_have_text(sent, timeout=10_000)
    expect(page.locator("#resend-button")).to_have_count(1)
    return code


def _leave(site: Recovery) -> None:
    """"Назад": out of the recovery under way (the next start begins afresh)."""
    site.button("Назад").first.click()
    expect(site.page).not_to_have_url(re.compile(r"/cabinet/recovery$"))


def _info(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
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


def _signin(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
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
    # A cabinet without a password yet: sign-in step 1 leads to "Установка пароля".
    SignIn(page, lang).open().step1(DANA)
    recovery = Recovery(page, lang)
    expect(recovery.heading()).to_have_text(recovery.t("Установка пароля"))
    expect(recovery.code_field()).to_be_visible()
    _delivered(recovery, ns, DANA_PHONE)
    yield "first-password"


def _recovery(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
    """Case 1 (the code in the app), then the link of the same message."""
    site = Recovery(page, lang).open()
    expect(site.field("Введите ИИН")).to_be_visible()
    yield "recovery-iin"
    site.field("Введите ИИН").fill(AIGERIM)
    site.button("Продолжить").click()
    expect(site.code_field()).to_be_visible()
    code = _delivered(site, ns, AIGERIM_PHONE)
    yield "recovery-code"
    site.link("Что делать, если уведомление не пришло или вам не знаком этот номер?").click()
    expect(site.link("Вернуться к вводу кода")).to_be_visible()
    yield "unknown-number-from-code"
    site.link("Вернуться к вводу кода").click()
    site.enter_code(_wrong(code))
    expect(site.error_of("code")).not_to_be_empty()
    yield "recovery-code-wrong"
    link = ns.link(AIGERIM_PHONE)
    opened = LinkPage(page, lang)
    opened.follow(link)  # /r/<token> → /<lang>/cabinet/recovery/link
    _landed(page, f"/{lang}/cabinet/recovery/link")
    expect(opened.button("Продолжить")).to_be_visible()
    yield "recovery-link"
    opened.proceed()
    expect(site.field("Придумайте пароль Личного кабинета")).to_be_visible()
    yield "recovery-password"
    opened.follow(link)  # used once already
    _landed(page, f"/{lang}/cabinet/recovery/link")
    expect(opened.link("Запросить новый код")).to_be_visible()
    yield "recovery-link-used"


def _recovery_case2(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
    """Case 2: no app on the cabinet's phone. The app's binding SMS, then the code by SMS."""
    site = Recovery(page, lang)
    site.start(ERLAN)
    expect(site.button("Получить код по SMS")).to_be_visible()
    yield "recovery-no-app"
    site.button("Получить одноразовый пароль по SMS").click()
    expect(page.locator("#binding-sent")).to_be_visible()
    yield "recovery-no-app-binding-sent"
    _leave(site)
    site.start(ERLAN)
    site.code_by_sms()
    site.expect_text("Код подтверждения отправлен в SMS на номер %(phone)s. Введите его в поле ниже.",
                     phone="+770****1885")
    _delivered(site, ns, ERLAN_PHONE, "sms")
    yield "recovery-code-sms"


def _recovery_elsewhere(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
    """No cabinet for the IIN; then a cabinet whose number БМГ lists under someone else now."""
    site = Recovery(page, lang)
    site.start(UNKNOWN_IIN)
    site.expect_text("Личный кабинет с этим ИИН не найден")
    yield "recovery-no-cabinet"
    _leave(site)
    holder = ns.person("foreign_number").holder
    assert holder is not None
    site.start(holder["iin"])
    site.code_by_sms()
    expect(page.locator(".notice-warning")).to_contain_text(holder["cabinet_phone"][-4:])
    yield "recovery-number-elsewhere"


def _answer(site: Reregistration, certificate: str = AMINA_CERT) -> None:
    site.answer(AMINA, certificate, MADINA, ARMAN)


def _reregister(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
    site = Reregistration(page, lang).open()
    expect(site.field("ИИН ребенка")).to_be_visible()
    yield "rereg-step1"
    site.button("Далее").click()
    expect(site.summary().first).to_be_visible()
    yield "rereg-step1-errors"
    site.link("Отмена").click()
    expect(site.heading()).to_have_text(site.t("Отменить переоформление?"))
    yield "rereg-cancel"
    site.link("Нет, продолжить переоформление").click()
    _answer(site)
    expect(site.field("Ваш ИИН")).to_be_visible()
    yield "rereg-applicant"
    site.applicant(ARMAN, ARMAN_PHONE)  # a phone without the app
    expect(site.button("Получить код по SMS")).to_be_visible()
    yield "rereg-no-app"
    site.button("Получить одноразовый пароль по SMS").click()
    expect(page.locator("#binding-sent")).to_be_visible()
    yield "rereg-no-app-binding-sent"
    site.button("Получить код по SMS").click()
    expect(site.field("Введите код подтверждения")).to_be_visible()
    _delivered(site, ns, ARMAN_PHONE, "sms")
    yield "rereg-code-sms"
    site.button("Изменить").click()
    ns.advance(61)  # a new code for this re-registration waits 60 s after the last one
    site.applicant(MADINA, MADINA_PHONE)  # the app is bound on hers
    expect(site.field("Введите код подтверждения")).to_be_visible()
    code = _delivered(site, ns, MADINA_PHONE)
    yield "rereg-code"
    site.enter_code(code)
    expect(site.field("Придумайте пароль Личного кабинета")).to_be_visible()
    yield "rereg-password"


def _reregister_phone_first(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
    """Wrong answers until the child's answers close; then the applicant's phone comes first."""
    site = Reregistration(page, lang)
    _answer(site, certificate="0000000")
    site.expect_text("Ответы не совпадают с данными о ребёнке. Проверьте все ответы и попробуйте ещё раз. "
                     "Осталось попыток: %(num)d.", num=4)
    yield "rereg-step1-mismatch"
    for _ in range(5):
        _answer(site, certificate="0000000")
    expect(site.field("Ваш ИИН")).to_be_visible()
    expect(site.field("ИИН ребенка")).to_have_count(0)
    yield "rereg-phone-first"
    site.applicant(MADINA, MADINA_PHONE)
    site.enter_code(ns.code(MADINA_PHONE))
    site.expect_text("Номер телефона подтверждён. Теперь ответьте на вопросы Шага 1.")
    expect(site.field("ИИН ребенка")).to_be_visible()
    yield "rereg-phone-confirmed"


def _start_of_a_minute(ns: SandboxClient) -> None:
    """Move the namespace's clock just past a whole minute: the cabinet's binding password
    rotates on whole minutes, so it then has ~58 s to live, whatever the wall clock says."""
    ns.advance(int(60 - ns.now().timestamp() % 60) + 1)


def _cabinet(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
    site = SignIn(page, lang)
    site.sign_in(AIGERIM, AIGERIM_PASSWORD)
    _landed(page, f"/{lang}/cabinet/")
    cabinet = Cabinet(page, lang)
    expect(cabinet.button("Привязать приложение на новом телефоне")).to_be_visible()
    yield "cabinet-bound"
    cabinet.sign_out()
    _start_of_a_minute(ns)
    site.sign_in(ERLAN, ERLAN_PASSWORD)
    _landed(page, f"/{lang}/cabinet/")
    expect(page.locator("#binding-otp")).to_be_visible()
    yield "cabinet-binding"


def _app(page: Page, lang: str, ns: SandboxClient) -> Iterator[str]:
    """The ed24.kz app emulator: bind Ерлан's phone with the SMS password, then read the
    feed of Айгерим's phone, where a code is."""
    recovery = Recovery(page, lang)
    recovery.start(ERLAN)
    recovery.button("Получить одноразовый пароль по SMS").click()
    expect(page.locator("#binding-sent")).to_be_visible()
    sms_password = ns.code(ERLAN_PHONE, "sms")
    _leave(recovery)
    recovery.start(AIGERIM)  # so that her feed has a code in it
    expect(recovery.code_field()).to_be_visible()
    app = AppEmulator(page, lang)
    app.goto("/sandbox/app")
    expect(app.button("Открыть приложение на %(phone)s", phone=AIGERIM_PHONE)).to_be_visible()
    yield "app-phone"
    app.button("Продолжить").click()
    expect(page.locator(".error-summary")).to_be_visible()
    yield "app-phone-errors"
    app.field("Введите номер телефона").fill(ERLAN_PHONE)
    page.get_by_role("checkbox").check()
    app.button("Продолжить").click()
    expect(app.field("Одноразовый пароль или содержимое QR-кода")).to_be_visible()
    yield "app-otp"
    app.field("Одноразовый пароль или содержимое QR-кода").fill(sms_password)
    app.button("Продолжить").click()
    expect(page.get_by_text(app.t("Номер зарегистрирован в приложении!"))).to_be_visible()
    # The SMS that says the app was bound comes a moment later: the inbox (asked again every
    # 3 s) shows it beside the binding password's.
    ns.outbox(ERLAN_PHONE, channel="sms")  # reading the outbox delivers what is due
    expect(page.locator("#inbox .sms-box li")).to_have_count(2, timeout=10_000)
    yield "app-bound"
    app.button("Взять другой телефон (тестовый режим)").click()
    app.pick(AIGERIM_PHONE)
    app.newest_code()
    yield "app-feed"


SEGMENTS: tuple[Segment, ...] = (
    Segment("info", ("home", "agreement", "accessibility", "help-bmg", "help-app", "unknown-number",
                     "unknown-number-confirm", "not-found"), _info),
    Segment("signin", ("signin-step1", "signin-step1-errors", "signin-step2", "signin-step2-wrong",
                       "signin-step2-locked", "first-password"), _signin),
    Segment("recovery", ("recovery-iin", "recovery-code", "unknown-number-from-code", "recovery-code-wrong",
                         "recovery-link", "recovery-password", "recovery-link-used"), _recovery),
    Segment("recovery-case2", ("recovery-no-app", "recovery-no-app-binding-sent", "recovery-code-sms"),
            _recovery_case2),
    Segment("recovery-elsewhere", ("recovery-no-cabinet", "recovery-number-elsewhere"), _recovery_elsewhere),
    Segment("reregister", ("rereg-step1", "rereg-step1-errors", "rereg-cancel", "rereg-applicant", "rereg-no-app",
                           "rereg-no-app-binding-sent", "rereg-code-sms", "rereg-code", "rereg-password"),
            _reregister),
    Segment("reregister-phone-first", ("rereg-step1-mismatch", "rereg-phone-first", "rereg-phone-confirmed"),
            _reregister_phone_first),
    Segment("cabinet", ("cabinet-bound", "cabinet-binding"), _cabinet),
    Segment("app", ("app-phone", "app-phone-errors", "app-otp", "app-bound", "app-feed"), _app),
)

STATES: tuple[str, ...] = tuple(state for segment in SEGMENTS for state in segment.states)

# The states that show a form with the live password checklist.
CHECKLIST_STATES = frozenset({"recovery-password", "rereg-password"})

# States whose page shows what a people builder made at random (a masked phone).
RANDOM_PEOPLE_STATES = frozenset({"recovery-number-elsewhere"})


def settle(page: Page) -> None:
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def tour(browser: Browser, base_url: str, lang: str, sandbox: SandboxClient, visit: Callable[[str, Page], None], *,
         only: Collection[str] | None = None, **context_args: Any) -> dict[str, str]:
    """Pass through every state (or the segments holding `only`) in `lang`, calling
    visit(state, page) at each. Each segment runs in a fresh namespace (deleted after it).
    A segment that cannot go on is abandoned; its states not reached come back as
    {state: why} (an error in `visit` is not caught)."""
    missed: dict[str, str] = {}
    for segment in SEGMENTS:
        if only is not None and not set(segment.states) & set(only):
            continue
        namespace = sandbox.create_namespace()
        context = browser.new_context(base_url=base_url, **context_args)
        context.set_default_timeout(15_000)  # a state not reached says so soon
        try:
            enter_namespace(context, namespace, base_url)
            page = context.new_page()
            reached: list[str] = []
            states = segment.drive(page, lang, namespace.client)
            while True:
                try:
                    state = next(states)
                    if only is None or state in only:
                        settle(page)
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
            sandbox.delete_namespace(namespace.id)
    return missed


def reach(page: Page, lang: str, ns: SandboxClient, state: str) -> None:
    """Drive `page` (living in the namespace of `ns`, on its fresh data) to `state` and stop there."""
    segment = next(s for s in SEGMENTS if state in s.states)
    for reached in segment.drive(page, lang, ns):
        if reached == state:
            settle(page)
            return
    raise AssertionError(f"segment {segment.name} never reached {state}")
