"""What the user reads for each service answer: one place, both languages."""
from __future__ import annotations

from .i18n import gettext as _
from .i18n import lazy_gettext as _l

from .i18n import duration
from .services import codes
from .services.iin import IinError
from .services.passwords import Check, Problem, Rule
from .services.phone import PhoneError
from .services.reregistration import ApplicantError

IIN_ERRORS = {
    IinError.EMPTY: _l("Укажите ИИН: 12 цифр"),
    IinError.NOT_12_DIGITS: _l("ИИН должен состоять из 12 цифр"),
    IinError.BAD_DATE: _l("В ИИН неверная дата рождения: первые 6 цифр — ГГММДД, 7-я цифра — от 1 до 6"),
    IinError.BAD_CHECK_DIGIT: _l("Неверный ИИН: не сходится контрольная цифра. Проверьте, нет ли опечатки"),
}

PHONE_ERRORS = {
    PhoneError.EMPTY: _l("Укажите номер мобильного телефона"),
    PhoneError.INVALID: _l("Введите номер мобильного телефона Казахстана, например +7 705 754 68 68"),
}

CHECKLIST = {
    Rule.MIN_LENGTH: _l("Минимум 12 символов"),
    Rule.LOWER: _l("Латинская строчная буква"),
    Rule.UPPER: _l("Латинская заглавная буква"),
    Rule.DIGIT: _l("Цифры"),
    Rule.SPECIAL: _l("Спецсимвол (!, @, #, $, %, &, *, ?)"),
}

PASSWORD_PROBLEMS = {
    Problem.TOO_LONG: _l("Не длиннее 128 символов"),
    Problem.BAD_CHARACTER: _l("Без пробелов в начале строки, табуляции и управляющих символов"),
    Problem.CONTAINS_IIN: _l("Пароль не должен содержать ИИН"),
    Problem.CONTAINS_PHONE: _l("Пароль не должен содержать номер телефона"),
    Problem.COMMON: _l("Этот пароль слишком распространён, придумайте другой"),
}

CODE_FORMAT = {
    codes.FormatError.EMPTY: _l("Введите код подтверждения из приложения"),
    codes.FormatError.NOT_4_DIGITS: _l("Код подтверждения состоит из 4 цифр"),
}

CODE_REFUSALS = {
    codes.Refusal.NO_CODE: _l("Код не запрашивался или уже использован. Запросите новый код"),
    codes.Refusal.EXPIRED: _l("Срок действия кода истёк (5 минут). Запросите новый код"),
    codes.Refusal.USED_UP: _l("Для этого кода исчерпаны попытки ввода. Запросите новый код"),
}

APPLICANT_ERRORS = {
    ApplicantError.NOT_A_PARENT: _l("Ваш ИИН должен быть ИИН мамы или папы, указанным в Шаге 1"),
    ApplicantError.PHONE_NOT_IN_BMG: _l(
        "Этот номер не зарегистрирован за вашим ИИН в БМГ (База мобильных граждан)"),
}

REQUIRED_PASSWORD = _l("Введите пароль")
PASSWORDS_DIFFER = _l("Пароли не совпадают")
REPEAT_PASSWORD = _l("Повторите пароль")
UNAVAILABLE = _l("Сервис временно недоступен. Попробуйте ещё раз через несколько минут")
SEND_FAILED = _l("Не удалось отправить код в приложение. Попробуйте ещё раз")


def iin_error(error: IinError | None) -> str | None:
    return str(IIN_ERRORS[error]) if error else None


def password_problems_text(check_result: Check) -> str | None:
    """The message under a new-password field after submit, or None."""
    if check_result.ok:
        return None
    if check_result.problems:
        return str(PASSWORD_PROBLEMS[check_result.problems[0]])
    unmet = ", ".join(str(CHECKLIST[r]).lower() for r in check_result.unmet)
    return _("Пароль не отвечает требованиям: %(rules)s", rules=unmet)


def wrong_code(tries_left: int) -> str:
    if tries_left <= 0:
        return str(CODE_REFUSALS[codes.Refusal.USED_UP])
    return _("Неверный код. Осталось попыток: %(num)d", num=tries_left)


def code_blocked(wait: object) -> str:
    return _("Слишком много неверных кодов или отправок. Попробуйте снова %(when)s",
             when=duration(wait))  # type: ignore[arg-type]


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
    return None


def code_refusal(result: object) -> str:
    """What to tell when an entered code was not accepted."""
    if isinstance(result, codes.Wrong):
        return wrong_code(result.tries_left)
    if isinstance(result, codes.Blocked):
        return code_blocked(result.wait)
    assert isinstance(result, codes.Refusal)
    return str(CODE_REFUSALS[result])
