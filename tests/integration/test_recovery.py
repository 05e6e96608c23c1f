"""Password recovery and first password, without JavaScript, in both languages."""
from __future__ import annotations

import pytest

from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, DANA, DANA_PHONE, ERLAN, ERLAN_PHONE,
                           NEW_PASSWORD, UNKNOWN_IIN, Browser, deliver, kinds, latest_code, latest_sms_otp, location,
                           make_app, outbox, say, t, wrong)
from webapp.services import codes
from webapp.services.gateways import OutgoingSms, PermanentFailure
from webapp.web import messages


def test_forgot_password_carries_the_iin_and_opening_the_page_sends_nothing(web: Browser, lang: str) -> None:
    web.step1(lang, AIGERIM)
    page = web.page(f"/{lang}/cabinet/recovery")
    assert page.h1.startswith(t(lang, "Восстановление забытого пароля"))
    assert page.value("iin") == AIGERIM
    assert page.soup.select_one("a.help-link")["href"].startswith(f"/{lang}/help/app")
    web.client.head(f"/{lang}/cabinet/recovery")
    assert kinds(web.app, AIGERIM_PHONE) == []


def test_case1_code_first_then_password_then_signed_in(web: Browser, lang: str) -> None:
    page = web.start_recovery(lang, AIGERIM)
    assert t(lang, "В приложение ed24.kz по номеру %(phone)s выслано уведомление с кодом подтверждения. "
                   "Введите код подтверждения в поле ниже.", phone="+770****6868") in page.text
    assert t(lang, "Вы можете запросить код повторно через %(num)s сек.", num=60) in page.text
    assert not page.has_field("password")  # nothing to type before the code proves the phone
    assert page.response.headers["Cache-Control"] == "no-store"
    field = page.soup.find("input", attrs={"name": "code"})
    assert field["inputmode"] == "numeric" and field["autocomplete"] == "one-time-code"
    # v3: one label in every flow; the hint says where the code came from.
    assert page.soup.find("label", attrs={"for": field["id"]}).get_text(strip=True) == \
        t(lang, "Введите код подтверждения")
    assert t(lang, "6 цифр из уведомления в приложении ed24.kz") in page.text
    # The code field comes first, the resend control below it.
    assert page.html.index('name="code"') < page.html.index('id="resend-button"')
    step = web.confirm_code(lang, latest_code(web.app, AIGERIM_PHONE))
    assert step.url == f"/{lang}/cabinet/recovery"
    assert step.has_field("password") and step.has_field("password_repeat")
    assert step.soup.find("input", attrs={"name": "username", "autocomplete": "username"})["value"] == AIGERIM
    cabinet = web.new_password(lang)
    assert cabinet.redirects == [303] and cabinet.url == f"/{lang}/cabinet/"
    assert t(lang, "Пароль обновлён") in cabinet.notices()
    assert t(lang, "Пароль изменён. Все другие сеансы завершены") in cabinet.text
    assert Browser(web.app).sign_in("ru", AIGERIM, NEW_PASSWORD).url == "/ru/cabinet/"
    assert Browser(web.app).sign_in("ru", AIGERIM, AIGERIM_PASSWORD).url == "/ru/cabinet/login/password"
    assert kinds(web.app, AIGERIM_PHONE)[-1] == "app:password_changed"


def test_a_wrong_code_keeps_nothing_typed_to_lose_and_counts_down(web: Browser, lang: str) -> None:
    web.start_recovery(lang, AIGERIM)
    code = latest_code(web.app, AIGERIM_PHONE)
    page = web.confirm_code(lang, wrong(code))
    assert page.error("code") == f"{t(lang, 'Ошибка:')} " + t(lang, "Неверный код. Осталось попыток: %(num)d.",
                                                            num=4)
    assert page.value("code") == ""  # v3: a refused code is not kept: the next one is typed afresh
    for _ in range(4):
        page = web.confirm_code(lang, wrong(code))
    assert t(lang, "Для этого кода исчерпаны попытки ввода. Запросите новый код.") in page.error("code")
    assert t(lang, "Для этого кода исчерпаны попытки ввода. Запросите новый код.") in \
        web.confirm_code(lang, code).error("code")


@pytest.mark.parametrize("code, message", [
    ("", "Введите код подтверждения из 6 цифр"), ("123", "Код подтверждения состоит из 6 цифр"),
    ("1234567", "Код подтверждения состоит из 6 цифр"), ("١٢٣٤٥٦", "Код подтверждения состоит из 6 цифр"),
    ("<b>1</b>", "Код подтверждения состоит из 6 цифр"),
])
def test_malformed_codes_do_not_use_a_try(web: Browser, code: str, message: str) -> None:
    web.start_recovery("ru", AIGERIM)
    page = web.confirm_code("ru", code)
    assert message in page.error("code") and page.title.startswith("Ошибка: ")
    assert page.summary == [f"Код подтверждения: {message}"]
    assert web.confirm_code("ru", latest_code(web.app, AIGERIM_PHONE)).has_field("password")


def test_expired_code(web: Browser, lang: str) -> None:
    web.start_recovery(lang, AIGERIM)
    code = latest_code(web.app, AIGERIM_PHONE)
    web.clock.advance(minutes=5)
    assert say(lang, messages.code_refusal, codes.Refusal.EXPIRED) in web.confirm_code(lang, code).error("code")


def test_a_code_works_only_in_the_browser_that_asked(app) -> None:
    owner, stranger = Browser(app), Browser(app)
    owner.start_recovery("ru", AIGERIM)
    owners_code = latest_code(app, AIGERIM_PHONE)
    stranger.start_recovery("ru", AIGERIM)  # within the cabinet's 60 s: nothing new is sent
    assert kinds(app, AIGERIM_PHONE).count("app:code_recovery") == 1
    page = stranger.confirm_code("ru", owners_code)
    assert t("ru", "Код не запрашивался или уже использован. Запросите новый код.") in page.error("code")
    assert owner.confirm_code("ru", owners_code).has_field("password")


def test_reload_sends_nothing_and_early_resend_says_the_seconds_left(web: Browser, lang: str) -> None:
    web.start_recovery(lang, AIGERIM)
    web.clock.advance(20)
    web.get(f"/{lang}/cabinet/recovery")
    assert kinds(web.app, AIGERIM_PHONE).count("app:code_recovery") == 1
    page = web.submit(f"/{lang}/cabinet/recovery/resend")
    assert t(lang, "Вы можете запросить код повторно через %(num)s сек.", num=40) in page.text
    web.clock.advance(40)
    sent = web.submit(f"/{lang}/cabinet/recovery/resend")
    assert t(lang, "Новый код подтверждения отправлен.") in sent.notices()
    assert kinds(web.app, AIGERIM_PHONE).count("app:code_recovery") == 2
    assert 'data-countdown="60"' in sent.html


def test_other_sessions_end_after_the_change(web: Browser) -> None:
    other = Browser(web.app)
    other.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    assert other.signed_in()
    web.start_recovery("ru", AIGERIM)
    web.confirm_code("ru", latest_code(web.app, AIGERIM_PHONE))
    web.new_password("ru")
    assert not other.signed_in()


@pytest.mark.parametrize("password, message", [
    ("short1!A", "Пароль не отвечает требованиям: минимум 12 символов"),
    ("alllowercase!1234", "латинская заглавная буква"),
    ("Password123!", "Этот пароль слишком распространён: такие пароли подбирают первыми"),
    (f"Aa!{AIGERIM}", "Пароль не должен содержать ИИН"),
    ("Aa!x7057546868", "Пароль не должен содержать номер телефона"),
    ("Aa1!" + "x" * 200, "Пароль должен быть не длиннее 128 символов"),
    ("Aa1!bbbbbbbb\x07", "Пароль не должен содержать табуляцию, перевод строки и другие непечатаемые символы"),
])
def test_weak_password_is_refused_per_rule_after_the_code(web: Browser, password: str, message: str) -> None:
    web.start_recovery("ru", AIGERIM)
    web.confirm_code("ru", latest_code(web.app, AIGERIM_PHONE))
    page = web.new_password("ru", password)
    assert message in page.error("password")
    assert page.has_field("password")  # still the password step: the code is not asked again


def test_repeat_must_match(web: Browser, lang: str) -> None:
    web.start_recovery(lang, AIGERIM)
    web.confirm_code(lang, latest_code(web.app, AIGERIM_PHONE))
    page = web.new_password(lang, repeat="Different!Pass123")
    assert t(lang, "Пароли не совпадают") in page.error("password_repeat")
    assert page.summary == [f"{t(lang, 'Повтор пароля')}: {t(lang, 'Пароли не совпадают')}"]


def test_the_confirmation_holds_30_minutes(web: Browser) -> None:
    web.start_recovery("ru", AIGERIM)
    web.confirm_code("ru", latest_code(web.app, AIGERIM_PHONE))
    web.clock.advance(minutes=20)
    assert web.page("/ru/cabinet/recovery").has_field("password")  # the session stays alive while used
    web.clock.advance(minutes=10)
    page = web.new_password("ru")
    assert say("ru", messages.confirmation_expired) in page.notices()
    assert page.has_field("code")


def test_first_password(web: Browser, lang: str) -> None:
    page = web.submit(f"/{lang}/cabinet/login", {"iin": DANA, "agree_terms": "y", "agree_contacts": "y"})
    assert t(lang, "Установка пароля") in page.title
    assert kinds(web.app, DANA_PHONE) == ["app:code_setup"]
    web.confirm_code(lang, latest_code(web.app, DANA_PHONE))
    done = web.new_password(lang)
    assert done.url == f"/{lang}/cabinet/"
    assert t(lang, "Пароль установлен") in done.text
    assert Browser(web.app).sign_in("ru", DANA, NEW_PASSWORD).url == "/ru/cabinet/"


def test_unknown_iin_is_explained_with_a_way_to_reregister(web: Browser, lang: str) -> None:
    page = web.start_recovery(lang, UNKNOWN_IIN)
    assert t(lang, "Личный кабинет с этим ИИН не найден") in page.text
    assert page.soup.find("a", href=f"/{lang}/cabinet/reregister")


def test_recovery_starts_are_counted_per_address(app) -> None:
    web = Browser(app)
    for _ in range(20):
        web.start_recovery("ru", UNKNOWN_IIN)
    page = web.start_recovery("ru", AIGERIM)
    assert "слишком много попыток восстановления" in page.text
    assert kinds(app, AIGERIM_PHONE) == []


def test_case2_offers_the_code_by_sms_and_the_app_instructions_never_the_password(web: Browser,
                                                                                lang: str) -> None:
    page = web.start_recovery(lang, ERLAN)
    assert t(lang, "Система не смогла отправить код подтверждения") in page.text
    # v3: the main button of case 2 sends the code itself by SMS; binding the app comes below it.
    assert page.buttons()[0] == t(lang, "Получить код по SMS")
    assert t(lang, "Получить одноразовый пароль по SMS") in page.buttons()
    assert "<svg" in page.html  # the store's QR only
    assert page.soup.select("#binding-otp") == [] and "ED24BIND" not in page.html
    sent = web.submit(f"/{lang}/cabinet/recovery/sms")
    assert t(lang, "Одноразовый пароль отправлен в SMS на номер %(phone)s. Введите его в приложении ed24.kz.",
             phone="+770****1885") in sent.text
    otp = latest_sms_otp(web.app, ERLAN_PHONE)
    assert otp not in sent.html and otp not in sent.html.replace(" ", "")
    # "Отправить" before binding says the app is still not bound.
    not_yet = web.submit(f"/{lang}/cabinet/recovery/send")
    assert "+770****1885" in not_yet.text and not_yet.title.startswith(t(lang, "Ошибка: %(title)s", title=""))
    # Bind in the emulator with the SMS, then "Отправить" sends a code: case 1.
    phone = Browser(web.app)
    phone.post(f"/{lang}/sandbox/app/phone", {"phone": ERLAN_PHONE, "consent": "y"})
    bound = phone.submit(f"/{lang}/sandbox/app/otp", {"otp": otp})
    assert t(lang, "Устройство успешно привязано к номеру: %(phone)s", phone=ERLAN_PHONE) in bound.text
    assert kinds(web.app, ERLAN_PHONE)[-1] == "sms:app_bound"
    case1 = web.submit(f"/{lang}/cabinet/recovery/send")
    assert case1.has_field("code")
    assert kinds(web.app, ERLAN_PHONE)[-1] == "app:code_recovery"
    assert web.confirm_code(lang, latest_code(web.app, ERLAN_PHONE)).has_field("password")
    assert web.new_password(lang).url == f"/{lang}/cabinet/"


def test_a_new_handset_can_get_the_binding_password_from_the_unknown_number_page(web: Browser, lang: str) -> None:
    web.start_recovery(lang, AIGERIM)
    page = web.page(f"/{lang}/cabinet/recovery/unknown-number")
    assert t(lang, "Привязать приложение на новом телефоне") in page.buttons()
    back_to_code = page.soup.find("a", string=t(lang, "Вернуться к вводу кода"))
    assert back_to_code["href"].split("#")[0] == f"/{lang}/cabinet/recovery"
    back = web.submit(f"/{lang}/cabinet/recovery/sms")
    assert back.has_field("code") and "+770****6868" in back.text
    assert t(lang, "Одноразовый пароль отправлен в SMS на номер %(phone)s. Введите его в приложении ed24.kz.",
             phone="+770****6868") in back.text
    assert kinds(web.app, AIGERIM_PHONE)[-1] == "sms:binding_otp"


def test_the_unknown_number_page_puts_quick_fixes_first(web: Browser, lang: str) -> None:
    page = web.page(f"/{lang}/cabinet/recovery/unknown-number")
    assert page.html.index(t(lang, "Если код ещё не пришёл")) < page.html.index(t(lang, "Обновить номер"))
    confirm = web.page(f"/{lang}/cabinet/recovery/unknown-number?confirm=1")
    yes = confirm.soup.find("button", string=t(lang, "Да, обновить"))
    assert yes.find_parent("form")["action"] == f"/{lang}/cabinet/reregister"


class RefusingSms:
    """An SMS gateway that refuses every message (a number the provider will never take)."""

    def __init__(self, *_: object) -> None: ...

    def send_sms(self, message: OutgoingSms) -> None:
        raise PermanentFailure("refused by the provider")


def test_a_failed_send_consumes_nothing() -> None:
    """v3: no parent waits on a gateway (the outbox delivers); a message that failed says so,
    and a new code may be asked at once."""
    app = make_app(SMS_GATEWAY="tests.integration.test_recovery:RefusingSms")
    web = Browser(app)
    web.start_recovery("ru", ERLAN)
    sending = web.submit("/ru/cabinet/recovery/sms-code")
    assert sending.has_field("code") and t("ru", "Отправляем…") in sending.text
    assert deliver(app) == 1
    failed = web.page("/ru/cabinet/recovery")
    assert t("ru", "Не удалось отправить. Запросите код ещё раз.") in failed.text
    assert [n.status for n in outbox(app, ERLAN_PHONE)] == ["failed"]
    again = web.submit("/ru/cabinet/recovery/resend")  # at once: the failed send did not count
    assert t("ru", "Новый код подтверждения отправлен.") in again.notices()
    assert kinds(app, ERLAN_PHONE) == ["sms:code_recovery", "sms:code_recovery"]
    app.extensions["db_engine"].dispose()


def test_back_leaves_the_recovery(web: Browser) -> None:
    web.step1("ru", AIGERIM)
    web.start_recovery("ru", AIGERIM)
    back = web.post("/ru/cabinet/recovery/back")
    assert location(back) == "/ru/cabinet/login/password"
    assert web.page("/ru/cabinet/recovery").has_field("iin")


def test_a_second_iin_in_the_same_session_starts_afresh(web: Browser) -> None:
    web.start_recovery("ru", AIGERIM)
    page = web.start_recovery("ru", ERLAN)
    assert "+770****1885" in page.text and "+770****6868" not in page.text


def test_the_language_switch_keeps_the_step(web: Browser) -> None:
    web.start_recovery("ru", AIGERIM)
    page = web.page("/ru/cabinet/recovery")
    switch = page.soup.find("a", hreflang="kk")["href"]
    assert switch == "/kk/cabinet/recovery"
    assert web.page(switch).has_field("code")
    wrong_page = web.confirm_code("ru", "000")
    assert wrong_page.soup.find("a", hreflang="kk")["href"] == "/kk/cabinet/recovery"
