"""What the parent reads for each answer of the services: one place, both languages."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .i18n import duration
from .services import binding, codes, recovery, reregistration, signin
from .services.iin import IinError
from .services.passwords import Check, Problem, Rule
from .services.phone import PhoneError

# Hints show made-up values, never a real person's.
EXAMPLE_IIN = "910412405176"
EXAMPLE_PHONE = "+7 701 234 56 78"

IIN_ERRORS = {
    IinError.EMPTY: _l("Введите ИИН из 12 цифр"),
    IinError.NOT_12_DIGITS: _l("ИИН должен состоять из 12 цифр"),
    IinError.BAD_DATE: _l("В ИИН неверная дата рождения: первые 6 цифр — ГГММДД, 7-я цифра — от 1 до 6"),
    IinError.BAD_CHECK_DIGIT: _l("Неверный ИИН: не сходится контрольная цифра. Проверьте, нет ли опечатки."),
}

PHONE_ERRORS = {
    PhoneError.EMPTY: _l("Укажите номер мобильного телефона"),
    PhoneError.INVALID: _l("Введите номер мобильного телефона Казахстана, например %(example)s",
                           example=EXAMPLE_PHONE),
}

CHECKLIST = {
    Rule.MIN_LENGTH: _l("Минимум 12 символов"),
    Rule.LOWER: _l("Латинская строчная буква"),
    Rule.UPPER: _l("Латинская заглавная буква"),
    Rule.DIGIT: _l("Цифры"),
    Rule.SPECIAL: _l("Спецсимвол (!, @, #, $, %, &, *, ?)"),
}

PASSWORD_PROBLEMS = {
    Problem.TOO_LONG: _l("Пароль должен быть не длиннее 128 символов"),
    Problem.BAD_CHARACTER: _l("Пароль не должен содержать табуляцию, перевод строки и другие "
                              "непечатаемые символы"),
    Problem.CONTAINS_IIN: _l("Пароль не должен содержать ИИН"),
    Problem.CONTAINS_PHONE: _l("Пароль не должен содержать номер телефона"),
    Problem.COMMON: _l("Этот пароль слишком распространён, придумайте другой"),
}

CODE_FORMAT = {
    codes.FormatError.EMPTY: _l("Введите код подтверждения из 6 цифр"),
    codes.FormatError.NOT_6_DIGITS: _l("Код подтверждения состоит из 6 цифр"),
}

CODE_REFUSALS = {
    codes.Refusal.NO_CODE: _l("Код не запрашивался или уже использован. Запросите новый код."),
    codes.Refusal.EXPIRED: _l("Срок действия кода истёк (5 минут). Запросите новый код."),
    codes.Refusal.USED_UP: _l("Для этого кода исчерпаны попытки ввода. Запросите новый код."),
}


REQUIRED_PASSWORD = _l("Введите пароль")
REPEAT_PASSWORD = _l("Повторите пароль")
PASSWORDS_DIFFER = _l("Пароли не совпадают")
REQUIRED_CERTIFICATE = _l("Укажите номер свидетельства о рождении")
REQUIRED_STATUS = _l("Выберите, ходит ли ребенок в детский сад или стоит в очереди")
AGREE_TERMS = _l("Подтвердите, что ознакомились с соглашением об ответственности сторон")
AGREE_CONTACTS = _l("Подтвердите согласие на использование контактных данных")
WRONG_CREDENTIALS = _l("Неверный ИИН или пароль")
UNAVAILABLE = _l("Сервис временно недоступен. Попробуйте ещё раз через несколько минут.")
SEND_FAILED = _l("Не удалось отправить код в приложение. Попробуйте ещё раз.")
SMS_FAILED = _l("Не удалось отправить SMS. Попробуйте ещё раз.")
CODE_SENT_AGAIN = _l("Новый код подтверждения отправлен в приложение ed24.kz.")
PASSWORD_UPDATED = _l("Пароль обновлён")
CONFIRMATION_EXPIRED = _l("Время на смену пароля истекло (30 минут). Запросите новый код подтверждения.")
STEP1_EXPIRED = _l("Время на Шаг 2 истекло. Ответьте на вопросы ещё раз.")
REREG_CANCELLED = _l("Переоформление отменено.")
SIGNED_OUT = _l("Вы вышли из Личного кабинета.")


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


def code_blocked(wait: timedelta) -> str:
    return _("Слишком много неверных кодов или запросов кода. Попробуйте снова %(when)s.",
             when=duration(wait))


def resend_wait(seconds: int) -> str:
    return _("Вы можете запросить код повторно через %(num)s сек.", num=seconds)


def code_send_problem(result: object) -> str | None:
    """What to tell after asking for a code; None when it was sent."""
    if isinstance(result, codes.TooEarly):
        return resend_wait(result.resend_in)
    if isinstance(result, codes.Blocked):
        return code_blocked(result.wait)
    if isinstance(result, codes.SendFailed):
        return str(SEND_FAILED)
    if isinstance(result, codes.Refusal):
        return str(CODE_REFUSALS[result])
    return None


def code_refusal(result: object) -> str:
    """What to tell when an entered code was not accepted."""
    if isinstance(result, codes.Wrong):
        if result.locked_for:
            return code_blocked(result.locked_for)
        if result.tries_left <= 0:
            return str(CODE_REFUSALS[codes.Refusal.USED_UP])
        return _("Неверный код. Осталось попыток: %(num)d.", num=result.tries_left)
    if isinstance(result, codes.Blocked):
        return code_blocked(result.wait)
    assert isinstance(result, codes.Refusal)
    return str(CODE_REFUSALS[result])


def sms_problem(result: object) -> str | None:
    """What to tell after "Получить одноразовый пароль по SMS"; None when it went."""
    if isinstance(result, binding.TooSoon):
        return _("SMS с одноразовым паролем уже отправлено на этот номер. Новое можно запросить %(when)s.",
                 when=duration(result.wait))
    if isinstance(result, binding.Blocked):
        return _("Слишком много SMS на этот номер или с вашего адреса. Попробуйте снова %(when)s.",
                 when=duration(result.wait))
    if isinstance(result, binding.SendFailed):
        return str(SMS_FAILED)
    return None


def sms_sent(masked_phone: str) -> str:
    return _("Одноразовый пароль отправлен в SMS на номер %(phone)s. Введите его в приложении ed24.kz.",
             phone=masked_phone)


def recovery_starts_blocked(result: recovery.TooManyStarts) -> str:
    return _("С вашего адреса слишком много попыток восстановления пароля. Попробуйте снова %(when)s.",
             when=duration(result.wait))


def not_bound_yet(masked_phone: str) -> str:
    return _("Приложение ed24.kz ещё не привязано к номеру %(phone)s. Выполните Шаг 2 и нажмите "
             "«Отправить».", phone=masked_phone)


def rereg_refusal(result: object) -> str:
    """Шаг 1 or part (a) of Шаг 2 refused: one generic message, with the tries left."""
    if isinstance(result, reregistration.Locked):
        return _("Слишком много неверных ответов. Попробуйте снова %(when)s.", when=duration(result.wait))
    if result is reregistration.Unavailable.REGISTRY:
        return str(UNAVAILABLE)
    assert isinstance(result, reregistration.Mismatch | reregistration.WrongApplicant)
    if result.locked_for:
        return _("Слишком много неверных ответов. Попробуйте снова %(when)s.",
                 when=duration(result.locked_for))
    num = result.tries_left
    if not isinstance(result, reregistration.WrongApplicant):
        return _("Ответы не совпадают с данными о ребенке. Проверьте все ответы и попробуйте ещё раз. "
                 "Осталось попыток: %(num)d.", num=num)
    if result.error is reregistration.ApplicantError.NOT_A_PARENT:
        return _("Ваш ИИН должен совпадать с ИИН мамы или папы, указанным в Шаге 1. Осталось попыток: %(num)d.",
                 num=num)
    return _("Этот номер не зарегистрирован на ваш ИИН в Базе мобильных граждан (БМГ). "
             "Осталось попыток: %(num)d.", num=num)


def needs_app(masked_phone: str) -> str:
    return _("На номере %(phone)s не привязано приложение ed24.kz. Привяжите его по инструкции ниже "
             "и нажмите «Получить код» ещё раз.", phone=masked_phone)


def rereg_done(outcome: reregistration.Outcome, masked_phone: str) -> str:
    if outcome is reregistration.Outcome.JOINED:
        return _("Личный кабинет переоформлен: дети добавлены в ваш Личный кабинет. Вход выполнен.")
    return _("Личный кабинет переоформлен на ваш ИИН и номер %(phone)s. Вход выполнен.", phone=masked_phone)


# What a phone receives (app notifications and SMS), by kind. The words of the real
# adapters would be these too.
def delivered_text(channel: str, kind: str, params: dict[str, Any]) -> str:
    p = params
    if channel == "sms":
        if kind == "binding_otp":
            return _("ED24.KZ: одноразовый пароль для привязки приложения: %(otp)s. Никому не "
                     "сообщайте его.", otp=p["otp"])
        if kind == "app_bound":
            return _("ED24.KZ: к номеру привязано приложение ed24.kz. Если это были не вы, "
                     "восстановите пароль Личного кабинета и обратитесь в отдел образования.")
        if kind == "rereg_away":
            return _("ED24.KZ: Личный кабинет, оформленный на этот номер, переоформлен на номер "
                     "%(phone)s. Если это сделали не вы, обратитесь в отдел образования.", phone=p["phone"])
    if kind == "code" and p.get("purpose") == "reregister":
        return _("Код для переоформления Личного кабинета: %(code)s. Никому не сообщайте этот код.",
                 code=p["code"])
    if kind == "code":
        return _("Код подтверждения для Личного кабинета: %(code)s. Никому не сообщайте этот код.",
                 code=p["code"])
    if kind == "code_wrong_streak":
        return _("Три раза подряд введён неверный код подтверждения для вашего Личного кабинета. "
                 "Если это были не вы, никому не сообщайте коды из приложения.")
    if kind == "password_changed":
        return _("Пароль Личного кабинета изменён. Если это сделали не вы, восстановите пароль и "
                 "обратитесь в отдел образования.")
    if kind == "rereg_away":
        return _("Личный кабинет, оформленный на этот номер, переоформлен на номер %(phone)s. Если это "
                 "сделали не вы, обратитесь в отдел образования.", phone=p["phone"])
    if kind == "rereg_here":
        return _("Личный кабинет переоформлен на ваш номер телефона. Уведомления будут приходить сюда.")
    if kind == "number_moved":
        return _("Номер %(phone)s привязан к приложению на другом телефоне. Уведомления сюда больше "
                 "не приходят. Если это были не вы, обратитесь в отдел образования.", phone=p["phone"])
    raise KeyError(f"{channel}:{kind}")


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
    if kind == "children_moved":
        return ngettext("%(num)d ребенок переоформлен на другого родителя",
                        "%(num)d детей переоформлено на другого родителя", int(params.get("count", 1)))
    return _("Событие Личного кабинета")
