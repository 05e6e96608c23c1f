"""Page objects: what a person does on each page, by labels and button names, with the texts
of the app's catalogs (never retyped), in the page's language (ru or kk)."""
from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page, expect

from .texts import text


def js_on(page: Page) -> bool:
    """False for pages opened with JavaScript off (set `page.js_enabled = False` on them)."""
    return getattr(page, "js_enabled", True)


class Site:
    """Any page of the site in one language."""

    def __init__(self, page: Page, lang: str) -> None:
        self.page, self.lang = page, lang

    def t(self, msgid: str, **variables: Any) -> str:
        return text(self.lang, msgid, **variables)

    def button(self, msgid: str, **variables: Any) -> Locator:
        return self.page.get_by_role("button", name=self.t(msgid, **variables), exact=True)

    def link(self, msgid: str, **variables: Any) -> Locator:
        return self.page.get_by_role("link", name=self.t(msgid, **variables), exact=True)

    def field(self, msgid: str) -> Locator:
        return self.page.get_by_label(self.t(msgid), exact=True)

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def goto(self, path: str) -> None:
        self.page.goto(f"/{self.lang}{path}")

    def expect_text(self, msgid: str, **variables: Any) -> None:
        expect(self.page.get_by_text(self.t(msgid, **variables), exact=False).first).to_be_visible()

    def error_of(self, field_id: str) -> Locator:
        return self.page.locator(f"#{field_id}-error")

    def summary(self) -> Locator:
        return self.page.locator(".error-summary li")


class SignIn(Site):
    def open(self) -> SignIn:
        self.goto("/cabinet/login")
        return self

    def step1(self, iin: str, agree: bool = True) -> None:
        self.field("Введите ИИН").fill(iin)
        if agree:
            self.page.get_by_role("checkbox").nth(0).check()
            self.page.get_by_role("checkbox").nth(1).check()
        self.button("Продолжить").click()

    def password(self, password: str) -> None:
        self.field("Введите пароль от Личного кабинета").fill(password)
        self.button("Войти").click()

    def sign_in(self, iin: str, password: str) -> None:
        self.open()
        self.step1(iin)
        self.password(password)
        # Signed in means the cabinet is on the screen: a check made right after the click
        # would otherwise read a page that is still being replaced.
        expect(self.button("Выйти")).to_be_visible()


class Recovery(Site):
    """Восстановление забытого пароля and Установка пароля (the same screens)."""

    def open(self) -> Recovery:
        self.goto("/cabinet/recovery")
        return self

    def start(self, iin: str) -> None:
        self.open()
        self.field("Введите ИИН").fill(iin)
        self.button("Продолжить").click()

    def code_by_sms(self) -> None:
        """Case 2 (or a new handset): "Получить код по SMS"."""
        self.button("Получить код по SMS").click()

    def code_field(self) -> Locator:
        return self.field("Введите код подтверждения")

    def enter_code(self, code: str) -> None:
        self.code_field().fill(code)
        self.button("Подтвердить").click()

    def new_password(self, password: str, repeat: str | None = None) -> None:
        self.field("Придумайте пароль Личного кабинета").fill(password)
        self.field("Повторите пароль").fill(password if repeat is None else repeat)
        self.button("Обновить").click()


class LinkPage(Site):
    """Where a code message's link leads: one button."""

    def follow(self, link: str) -> None:
        self.page.goto(link)

    def proceed(self) -> None:
        self.button("Продолжить").click()


class Reregistration(Site):
    def open(self) -> Reregistration:
        self.goto("/cabinet/reregister")
        return self

    def answer(self, child: str, certificate: str, parent1: str, parent2: str, status: str = "queue") -> None:
        self.open()
        self.field("ИИН ребенка").fill(child)
        self.field("Номер свидетельства о рождении").fill(certificate)
        self.field("Введите ИИН мамы/папы").fill(parent1)
        self.field("Введите ИИН мамы/папы (второй родитель)").fill(parent2)
        self.page.get_by_label(self.t("Стоит в очереди" if status == "queue" else "Ходит в детский сад")).check()
        self.button("Далее").click()

    def applicant(self, iin: str, phone: str) -> None:
        self.field("Ваш ИИН").fill(iin)
        self.field("Введите номер телефона").fill(phone)
        self.button("Получить код").click()

    def enter_code(self, code: str) -> None:
        self.field("Введите код подтверждения").fill(code)
        self.button("Подтвердить").click()

    def finish(self, password: str) -> None:
        self.field("Придумайте пароль Личного кабинета").fill(password)
        self.field("Повторите пароль").fill(password)
        self.button("Переоформить").click()


class Cabinet(Site):
    def open(self) -> Cabinet:
        self.goto("/cabinet/")
        return self

    def binding_password(self) -> str:
        """The 12-digit one-time password shown while the app is not bound."""
        return self.page.get_by_label(self.t("Одноразовый пароль:")).input_value().replace(" ", "")

    def sign_out(self) -> None:
        self.button("Выйти").click()


class AppEmulator(Site):
    """The ed24.kz app emulator in a tab of its own: one phone."""

    @classmethod
    def open(cls, context: BrowserContext, lang: str) -> AppEmulator:
        page = context.new_page()
        page.goto(f"/{lang}/sandbox/app")
        return cls(page, lang)

    def pick(self, phone: str) -> None:
        """Pick up the phone whose app is already bound (sandbox data)."""
        self.button("Открыть приложение на %(phone)s", phone=phone).click()

    def bind(self, phone: str, secret: str) -> None:
        self.field("Введите номер телефона").fill(phone)
        consent = self.t("С условиями и практикой авторизации ознакомлен(-а) и принимаю их")
        self.page.get_by_label(re.compile(re.escape(consent))).check()
        self.button("Продолжить").click()
        self.field("Одноразовый пароль или содержимое QR-кода").fill(secret)
        self.button("Продолжить").click()
        expect(self.page.get_by_text(self.t("Номер зарегистрирован в приложении!"))).to_be_visible()

    def newest_code(self) -> str:
        first = self.page.locator("#app-feed li").first
        expect(first).to_contain_text(re.compile(r"\d{6}"), timeout=10_000)
        found = re.search(r"(\d{6})", first.inner_text())
        assert found
        return found.group(1)
