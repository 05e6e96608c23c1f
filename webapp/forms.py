"""Flask-WTF forms. Every validator calls the service that owns the rule."""
from __future__ import annotations

from typing import Any

from .i18n import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, StringField
from wtforms.validators import ValidationError

from . import messages
from .services import codes, iin, passwords, phone

# Fields are cut to these lengths before validation: a 10 KB paste gets a message, not work.
SHORT = 64
PASSWORD_MAX = passwords.MAX_LENGTH + 64


def _cut(limit: int) -> Any:
    return lambda value: value[:limit] if isinstance(value, str) else value


def iin_rule(_form: Any, field: Field) -> None:
    cleaned, error = iin.validate(field.data)
    if error:
        raise ValidationError(messages.iin_error(error))
    field.data = cleaned


def optional_iin_rule(form: Any, field: Field) -> None:
    if iin.clean(field.data):
        iin_rule(form, field)
    else:
        field.data = ""


def phone_rule(_form: Any, field: Field) -> None:
    normalised, error = phone.normalise(field.data)
    if error:
        raise ValidationError(str(messages.PHONE_ERRORS[error]))
    field.data = normalised


def code_rule(_form: Any, field: Field) -> None:
    cleaned, error = codes.clean(field.data)
    if error:
        raise ValidationError(str(messages.CODE_FORMAT[error]))
    field.data = cleaned


def required(message: Any) -> Any:
    def rule(_form: Any, field: Field) -> None:
        if not field.data:
            raise ValidationError(str(message))

    return rule


class BaseForm(FlaskForm):
    class Meta:
        # CSRFProtect checks every POST (htmx ones too) before a view runs.
        csrf = False

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) in page order, for the error summary."""
        return [(f.id, f.errors[0]) for f in self if f.errors]

    def add_error(self, name: str, message: str) -> None:
        field = self[name]
        field.errors = [*field.errors, str(message)]  # type: ignore[misc]


class NewPasswordMixin:
    """A new password with the checklist rules, and its repeat."""

    password = PasswordField(_l("Введите пароль"), filters=[_cut(PASSWORD_MAX)])
    password_repeat = PasswordField(_l("Повторите пароль"), filters=[_cut(PASSWORD_MAX)])

    def check_new_password(self, *, iin_value: str | None, phone_value: str | None) -> bool:
        form: Any = self
        value = form.password.data or ""
        if not value:
            form.add_error("password", messages.REQUIRED_PASSWORD)
        else:
            problem = messages.password_problems_text(
                passwords.check(value, iin=iin_value, phone=phone_value))
            if problem:
                form.add_error("password", problem)
        if not form.password_repeat.data:
            if value:
                form.add_error("password_repeat", messages.REPEAT_PASSWORD)
        elif form.password_repeat.data != value:
            form.add_error("password_repeat", messages.PASSWORDS_DIFFER)
        return not (form.password.errors or form.password_repeat.errors)


class LoginStep1Form(BaseForm):
    iin = StringField(_l("Введите ИИН"), filters=[_cut(SHORT)], validators=[iin_rule])
    agree_terms = BooleanField(validators=[required(_l(
        "Подтвердите, что ознакомились с соглашением об ответственности сторон"))])
    agree_contacts = BooleanField(validators=[required(_l(
        "Подтвердите согласие на использование контактных данных"))])


class LoginStep2Form(BaseForm):
    password = PasswordField(_l("Введите пароль от Личного кабинета"),
                             filters=[_cut(PASSWORD_MAX)],
                             validators=[required(_l("Введите пароль от Личного кабинета"))])


class IinOnlyForm(BaseForm):
    iin = StringField(_l("Введите ИИН"), filters=[_cut(SHORT)], validators=[iin_rule])


class RecoveryForm(NewPasswordMixin, BaseForm):
    code = StringField(_l("Введите код подтверждения из уведомления"), filters=[_cut(SHORT)],
                       validators=[code_rule])


STATUS_CHOICES = [("attends", _l("Ходит в детский сад")), ("queue", _l("Стоит в очереди"))]


def status_rule(_form: Any, field: Field) -> None:
    if field.data not in dict(STATUS_CHOICES):
        raise ValidationError(str(_l("Выберите, ходит ли ребенок в детский сад или стоит в очереди")))


class ReregStep1Form(BaseForm):
    child_iin = StringField(_l("ИИН ребенка"), filters=[_cut(SHORT)], validators=[iin_rule])
    certificate = StringField(
        _l("Номер свидетельства о рождении"), filters=[_cut(SHORT)],
        validators=[required(_l("Укажите номер свидетельства о рождении"))])
    parent1_iin = StringField(_l("Введите ИИН мамы/папы"), filters=[_cut(SHORT)],
                              validators=[iin_rule])
    parent2_iin = StringField(_l("Введите ИИН мамы/папы"), filters=[_cut(SHORT)],
                              validators=[optional_iin_rule])
    # Radios rendered from STATUS_CHOICES by the template; any other value is refused.
    status = StringField(_l("Ребенок состоит в очереди или ходит в детский сад?"),
                         filters=[_cut(SHORT)], validators=[status_rule])


class ReregStep2Form(NewPasswordMixin, BaseForm):
    applicant_iin = StringField(_l("Ваш ИИН"), filters=[_cut(SHORT)], validators=[iin_rule])
    phone = StringField(_l("Введите номер телефона"), filters=[_cut(SHORT)],
                        validators=[phone_rule])
    code = StringField(_l("Введите код подтверждения из приложения"), filters=[_cut(SHORT)])
