"""What the parent reads for each answer of the services: one place, both languages.

Durations come from the services' constants (never retyped in a sentence), and a
wait is said in words ("через 14 минут").
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..services import binding, codes, recovery, reregistration, signin
from ..services.clock import reference_time, whole_seconds
from ..services.iin import IinError
from ..services.passwords import Check, Problem, Rule
from ..services.phone import PhoneError
from .i18n import duration

# Hints show made-up values, never a real person's.
EXAMPLE_IIN = "910412405176"
EXAMPLE_PHONE = "+7 701 234 56 78"

IIN_ERRORS = {
    IinError.EMPTY: _l("Введите ИИН из 12 цифр"),
    IinError.NOT_12_DIGITS: _l("ИИН должен состоять из 12 цифр"),
    IinError.BAD_DATE: _l("В ИИН неверная дата рождения: первые 6 цифр — ГГММДД, 7-я цифра — от 1 до 6"),
    IinError.BAD_CHECK_DIGIT: _l("Неверный ИИН: не сходится контрольная цифра. Проверьте, нет ли опечатки."),
}

PHONE_ERRORS = {
    PhoneError.EMPTY: _l("Укажите номер мобильного телефона"),
    PhoneError.INVALID: _l("Введите номер мобильного телефона Казахстана, например %(example)s",
                           example=EXAMPLE_PHONE),
}

CHECKLIST = {
    Rule.MIN_LENGTH: _l("Минимум 12 символов"),
    Rule.LOWER: _l("Латинская строчная буква"),
    Rule.UPPER: _l("Латинская заглавная буква"),
    Rule.DIGIT: _l("Цифры"),
    Rule.SPECIAL: _l("Спецсимвол (!, @, #, $, %, &, *, ?)"),
}

PASSWORD_PROBLEMS = {
    Problem.TOO_LONG: _l("Пароль должен быть не длиннее 128 символов"),
    Problem.BAD_CHARACTER: _l("Пароль не должен содержать табуляцию, перевод строки и другие "
                              "непечатаемые символы"),
    Problem.CONTAINS_IIN: _l("Пароль не должен содержать ИИН"),
    Problem.CONTAINS_PHONE: _l("Пароль не должен содержать номер телефона"),
    Problem.COMMON: _l("Этот пароль слишком распространён: такие пароли подбирают первыми. Придумайте "
                       "другой, например из нескольких слов, цифр и знаков"),
}

CODE_FORMAT = {
    codes.FormatError.EMPTY: _l("Введите код подтверждения из 6 цифр"),
    codes.FormatError.NOT_6_DIGITS: _l("Код подтверждения состоит из 6 цифр"),
}

CODE_REFUSALS = {
    codes.Refusal.NO_CODE: _l("Код не запрашивался или уже использован. Запросите новый код."),
    codes.Refusal.USED_UP: _l("Для этого кода исчерпаны попытки ввода. Запросите новый код."),
}

REQUIRED_PASSWORD = _l("Введите пароль")
REPEAT_PASSWORD = _l("Повторите пароль")
PASSWORDS_DIFFER = _l("Пароли не совпадают")
REQUIRED_CERTIFICATE = _l("Укажите номер свидетельства о рождении")
REQUIRED_STATUS = _l("Выберите, ходит ли ребёнок в детский сад или стоит в очереди")
AGREE_TERMS = _l("Подтвердите, что ознакомились с соглашением об ответственности сторон")
AGREE_CONTACTS = _l("Подтвердите согласие на использование контактных данных")
WRONG_CREDENTIALS = _l("Неверный ИИН или пароль")
UNAVAILABLE = _l("Сервис временно недоступен. Попробуйте ещё раз через несколько минут.")
CODE_SENT_AGAIN = _l("Новый код подтверждения отправлен.")
PASSWORD_UPDATED = _l("Пароль обновлён")
STILL_SENDING = _l("Код ещё отправляется. Подождите немного: он придёт.")
SMS_BUDGET_SPENT = _l("Отправка SMS временно приостановлена: исчерпан общий лимит SMS сервиса. "
                      "Попробуйте позже или получите код в приложении ed24.kz.")
LINK_INVALID = _l("Ссылка недействительна или уже использована")
REREG_CANCELLED = _l("Переоформление отменено.")
SIGNED_OUT = _l("Вы вышли из Личного кабинета.")
PHONE_FIRST = _l("Для этого ребёнка было слишком много неверных ответов. Чтобы продолжить, сначала "
                 "подтвердите свой номер телефона: укажите свой ИИН и номер, зарегистрированный на вас в БМГ, "
                 "и введите код. Затем ответьте на вопросы Шага 1.")


def minutes(held: timedelta) -> int:
    return whole_seconds(held) // 60


def code_expired() -> str:
    return _("Срок действия кода истёк (%(num)d мин.). Запросите новый код.", num=minutes(codes.LIFETIME))


def confirmation_expired() -> str:
    return _("Время на смену пароля истекло (%(num)d мин.). Запросите новый код подтверждения.",
             num=minutes(recovery.CONFIRMATION_HOLDS))


def step1_expired() -> str:
    return _("Время на Шаг 2 истекло (%(num)d мин.). Ответьте на вопросы ещё раз.",
             num=minutes(reregistration.STEP1_HOLDS))


def iin_error(error: IinError | None) -> str | None:
    return str(IIN_ERRORS[error]) if error else None


def phone_error(error: PhoneError | None) -> str | None:
    return str(PHONE_ERRORS[error]) if error else None


def password_problem(check: Check) -> str | None:
    """The message under a new-password field after a submit, or None."""
    if check.ok:
        return None
    if check.problems:
        return str(PASSWORD_PROBLEMS[check.problems[0]])
    unmet = ", ".join(str(CHECKLIST[r]).lower() for r in check.unmet)
    return _("Пароль не отвечает требованиям: %(rules)s", rules=unmet)


def checklist_summary(check: Check | None) -> str:
    met = sum(check.met.values()) if check else 0
    return _("Требования к паролю: выполнено %(met)d из %(total)d", met=met, total=len(CHECKLIST))


# -- sign-in --------------------------------------------------------------------------

def signin_refusal(result: signin.Refused | signin.Locked) -> tuple[str, bool]:
    """(message, locked) for a password that did not sign in."""
    if isinstance(result, signin.Locked):
        return signin_locked(result), True
    if result.locked_for:
        return signin_locked(signin.Locked(result.locked_for)), True
    if result.tries_left is not None:
        return _("Неверный ИИН или пароль. Осталось попыток: %(num)d.", num=result.tries_left), False
    return str(WRONG_CREDENTIALS), False


def signin_locked(lock: signin.Locked) -> str:
    if lock.closed:
        return _("Для этого ИИН было слишком много неудачных попыток входа, и вход по паролю с этого "
                 "устройства закрыт. Восстановите пароль: после этого вход откроется.")
    return _("Слишком много неудачных попыток входа. Вход с этого устройства временно "
             "заблокирован, попробуйте снова %(when)s. Если вы не помните пароль, восстановите его.",
             when=duration(lock.wait))


# -- codes ------------------------------------------------------------------------------

def resend_wait(seconds: int) -> str:
    return _("Вы можете запросить код повторно через %(num)s сек.", num=seconds)


def code_capped(wait: timedelta, *, links: bool) -> str:
    """The phone had its codes for now: every message carries a working link (but re-registration's)."""
    minutes = max(1, -(-whole_seconds(wait) // 60))
    if links:
        return _("Код уже отправлен на этот номер. Откройте ссылку из последнего сообщения или запросите "
                 "новый код через %(num)d мин.", num=minutes)
    return _("Код уже отправлен на этот номер. Введите код из последнего сообщения или запросите новый "
             "код через %(num)d мин.", num=minutes)


def code_send_problem(result: codes.SendOutcome | None, *, links: bool = True) -> str | None:
    """What to tell after asking for a code; None when it was queued."""
    if result is None:
        return str(CODE_REFUSALS[codes.Refusal.NO_CODE])
    if isinstance(result, codes.TooSoon):
        return resend_wait(result.seconds)
    if isinstance(result, codes.StillSending):
        return str(STILL_SENDING)
    if isinstance(result, codes.Capped):
        return code_capped(result.wait, links=links)
    if isinstance(result, codes.BudgetSpent):
        return str(SMS_BUDGET_SPENT)
    return None


def code_locked(wait: timedelta, *, links: bool) -> str:
    if links:
        return _("Слишком много неверных кодов. Ввод кода на этом устройстве закрыт, попробуйте снова "
                 "%(when)s. Ссылка из сообщения с кодом работает: откройте её.", when=duration(wait))
    return _("Слишком много неверных кодов. Попробуйте снова %(when)s.", when=duration(wait))


def code_refusal(result: codes.VerifyOutcome, *, links: bool = True) -> str:
    """What to tell when an entered code was not accepted."""
    if isinstance(result, codes.Wrong):
        if result.locked_for:
            return code_locked(result.locked_for, links=links)
        if result.tries_left <= 0:
            return str(CODE_REFUSALS[codes.Refusal.USED_UP])
        return _("Неверный код. Осталось попыток: %(num)d.", num=result.tries_left)
    if isinstance(result, codes.Locked):
        return code_locked(result.wait, links=links)
    assert isinstance(result, codes.Refusal), result  # a verified code is no refusal
    if result is codes.Refusal.EXPIRED:
        return code_expired()
    return str(CODE_REFUSALS[result])


def code_sent_where(channel: str, masked_phone: str) -> str:
    if channel == codes.Channel.SMS.value:
        return _("Код подтверждения отправлен в SMS на номер %(phone)s. Введите его в поле ниже.",
                 phone=masked_phone)
    return _("В приложение ed24.kz по номеру %(phone)s выслано уведомление с кодом подтверждения. "
             "Введите код подтверждения в поле ниже.", phone=masked_phone)


def code_hint(channel: str) -> str:
    if channel == codes.Channel.SMS.value:
        return _("6 цифр из SMS")
    return _("6 цифр из уведомления в приложении ed24.kz")


def delivery_state(state: codes.Delivery) -> str:
    if state.state == "sending":
        return _("Отправляем…")
    if state.state == "failed":
        return _("Не удалось отправить. Запросите код ещё раз.")
    if state.state == "sent" and state.sent_at is not None:
        return _("Отправлено в %(time)s", time=clock_time(state.sent_at))
    return ""


def clock_time(moment: datetime) -> str:
    """"14:05", Almaty time: the hour a parent's phone shows."""
    return reference_time(moment)[-5:]


# -- binding ---------------------------------------------------------------------------

def binding_sms_problem(result: binding.SmsOutcome | None) -> str | None:
    """What to tell after "Получить одноразовый пароль по SMS"; None when it went."""
    if isinstance(result, binding.SmsTooSoon):
        return _("SMS с одноразовым паролем уже отправлено на этот номер. Новое можно запросить %(when)s.",
                 when=duration(result.wait))
    if isinstance(result, binding.SmsBudgetSpent):
        return str(SMS_BUDGET_SPENT)
    if isinstance(result, binding.SmsCapped):
        return _("Слишком много SMS на этот номер или с вашего IP-адреса. Попробуйте снова %(when)s.",
                 when=duration(result.wait))
    if result is None:
        return str(CODE_REFUSALS[codes.Refusal.NO_CODE])
    return None


def binding_sms_sent(masked_phone: str) -> str:
    return _("Одноразовый пароль отправлен в SMS на номер %(phone)s. Введите его в приложении ed24.kz.",
             phone=masked_phone)


def app_unbound(masked_phone: str) -> str:
    return _("Приложение ed24.kz отвязано от номера %(phone)s.", phone=masked_phone)


def not_bound_yet(masked_phone: str) -> str:
    return _("Приложение ed24.kz ещё не привязано к номеру %(phone)s. Выполните Шаг 2 и нажмите "
             "«Отправить».", phone=masked_phone)


def needs_app(masked_phone: str) -> str:
    return _("К номеру %(phone)s не привязано приложение ed24.kz. Получите код по SMS или привяжите "
             "приложение по инструкции ниже.", phone=masked_phone)


# -- recovery ---------------------------------------------------------------------------

def recovery_starts_blocked(result: recovery.TooManyStarts) -> str:
    return _("С вашего IP-адреса слишком много попыток восстановления пароля. Попробуйте снова %(when)s.",
             when=duration(result.wait))


def sms_code_problem(result: recovery.SmsCodeOutcome | None, masked_phone: str) -> str | None:
    if isinstance(result, recovery.RegistryDown):
        return str(UNAVAILABLE)
    if isinstance(result, recovery.NumberElsewhere):
        return number_elsewhere(masked_phone)
    return code_send_problem(result)


def number_elsewhere(masked_phone: str) -> str:
    return _("Номер %(phone)s в Базе мобильных граждан (БМГ) сейчас зарегистрирован на другого человека, "
             "поэтому код на него не отправлен. Переоформите Личный кабинет на свой ИИН и номер.",
             phone=masked_phone)


# -- re-registration ----------------------------------------------------------------------

def rereg_refusal(result: Any) -> str:
    """Шаг 1 or part (a) of Шаг 2 refused: one generic message, with the tries left."""
    if isinstance(result, reregistration.Locked):
        return _("Слишком много неверных ответов. Попробуйте снова %(when)s.", when=duration(result.wait))
    if result is reregistration.Unavailable.REGISTRY:
        return str(UNAVAILABLE)
    if isinstance(result, reregistration.PhoneFirst):
        return str(PHONE_FIRST)
    assert isinstance(result, reregistration.Mismatch | reregistration.WrongApplicant)
    if result.locked_for:
        return _("Слишком много неверных ответов. Попробуйте снова %(when)s.",
                 when=duration(result.locked_for))
    num = result.tries_left
    if not isinstance(result, reregistration.WrongApplicant):
        return _("Ответы не совпадают с данными о ребёнке. Проверьте все ответы и попробуйте ещё раз. "
                 "Осталось попыток: %(num)d.", num=num)
    if result.error is reregistration.ApplicantError.NOT_A_PARENT:
        return _("Ваш ИИН должен совпадать с ИИН мамы или папы, указанным в Шаге 1. Осталось попыток: %(num)d.",
                 num=num)
    return _("Этот номер не зарегистрирован на ваш ИИН в Базе мобильных граждан (БМГ). "
             "Осталось попыток: %(num)d.", num=num)


def rereg_done(outcome: reregistration.Outcome, masked_phone: str) -> str:
    if outcome is reregistration.Outcome.JOINED:
        return _("Личный кабинет переоформлен: дети добавлены в ваш Личный кабинет. Вход выполнен.")
    return _("Личный кабинет переоформлен на ваш ИИН и номер %(phone)s. Вход выполнен.", phone=masked_phone)


# -- what a phone receives --------------------------------------------------------------
# The outbox fixes these words when a message is queued, in the parent's language.

def delivered_text(channel: str, kind: str, params: Mapping[str, str]) -> str:
    p = params
    if channel == "sms":
        return _sms_text(kind, p)
    if kind in ("code_recovery", "code_setup"):
        return _("Код подтверждения для Личного кабинета: %(code)s. Никому не сообщайте этот код.",
                 code=p["code"])
    if kind == "code_reregister":
        return _("Код для переоформления Личного кабинета: %(code)s. Никому не сообщайте этот код.",
                 code=p["code"])
    if kind == "code_wrong_streak":
        return _("Три раза подряд введён неверный код подтверждения для вашего Личного кабинета. "
                 "Если это сделали не вы, никому не сообщайте коды из приложения.")
    if kind == "password_changed":
        return _("Пароль Личного кабинета изменён. Если это сделали не вы, восстановите пароль и "
                 "обратитесь в отдел образования.")
    if kind == "password_set":
        return _("Пароль Личного кабинета установлен. Если это сделали не вы, восстановите пароль и "
                 "обратитесь в отдел образования.")
    if kind == "rereg_away":
        return _("Личный кабинет, оформленный на этот номер, переоформлен на номер %(phone)s. Если это "
                 "сделали не вы, обратитесь в отдел образования.", phone=p["phone"])
    if kind == "rereg_here":
        return _("Личный кабинет переоформлен на ваш номер телефона. Уведомления будут приходить сюда.")
    if kind == "number_moved":
        return _("Номер %(phone)s привязан к приложению на другом телефоне. Уведомления сюда больше "
                 "не приходят. Если это сделали не вы, обратитесь в отдел образования.", phone=p["phone"])
    raise KeyError(f"{channel}:{kind}")


def _sms_text(kind: str, p: Mapping[str, str]) -> str:
    # A code SMS ends with the WebOTP line ("@host #code"), so Chrome on Android offers the code.
    if kind == "code_recovery":
        return _("ED24.KZ: код %(code)s для смены пароля Личного кабинета. Или откройте ссылку: %(link)s "
                 "Никому не сообщайте код.", code=p["code"], link=p["link"]) + _web_otp(p)
    if kind == "code_setup":
        return _("ED24.KZ: код %(code)s для установки пароля Личного кабинета. Или откройте ссылку: %(link)s "
                 "Никому не сообщайте код.", code=p["code"], link=p["link"]) + _web_otp(p)
    if kind == "code_reregister":
        return _("ED24.KZ: код %(code)s для переоформления Личного кабинета. Никому не сообщайте код.",
                 code=p["code"]) + _web_otp(p)
    if kind == "binding_otp":
        return _("ED24.KZ: одноразовый пароль для привязки приложения: %(otp)s. Никому не сообщайте его.",
                 otp=p["code"])
    if kind == "app_bound":
        return _("ED24.KZ: к номеру привязано приложение ed24.kz. Если это сделали не вы, "
                 "восстановите пароль Личного кабинета и обратитесь в отдел образования.")
    if kind == "rereg_away":
        return _("ED24.KZ: Личный кабинет, оформленный на этот номер, переоформлен на номер "
                 "%(phone)s. Если это сделали не вы, обратитесь в отдел образования.", phone=p["phone"])
    if kind == "password_changed":
        return _("ED24.KZ: пароль Личного кабинета изменён. Если это сделали не вы, восстановите пароль "
                 "и обратитесь в отдел образования.")
    if kind == "password_set":
        return _("ED24.KZ: пароль Личного кабинета установлен. Если это сделали не вы, восстановите пароль "
                 "и обратитесь в отдел образования.")
    raise KeyError(f"sms:{kind}")


def _web_otp(p: Mapping[str, str]) -> str:
    return f"\n@{p['host']} #{p['code']}"


def event_text(kind: str, params: dict[str, Any]) -> str:
    """A line of the Лента событий."""
    if kind == "signin":
        return _("Вход в Личный кабинет (%(device)s)", device=params.get("device", "?"))
    if kind == "password_set":
        return _("Пароль установлен")
    if kind == "password_changed":
        return _("Пароль изменён. Все другие сеансы завершены")
    if kind == "reregistered":
        return _("Личный кабинет переоформлен на этот ИИН и номер %(phone)s", phone=params.get("phone", ""))
    if kind == "app_bound":
        return _("Приложение ed24.kz привязано к номеру %(phone)s", phone=params.get("phone", ""))
    if kind == "app_unbound":
        return _("Приложение ed24.kz отвязано от номера %(phone)s", phone=params.get("phone", ""))
    if kind == "children_moved":
        return ngettext("%(num)d ребёнок переоформлен на другого родителя",
                        "%(num)d детей переоформлено на другого родителя", int(params.get("count", 1)))
    return _("Событие Личного кабинета")
