"""Flask-WTF forms: WTForms' own validators where they fit; the rest call a service rule."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, EqualTo, InputRequired, Optional, ValidationError


from ..services import codes, iin, passwords, phone
from ..services.reregistration import STATUSES
from . import messages

# Fields are cut to these lengths before validation: a 10 KB paste gets a message, not work.
SHORT = 64
PASSWORD_MAX = passwords.MAX_LENGTH + 64


def _cut(limit: int) -> Any:
    return lambda value: value[:limit] if isinstance(value, str) else value


def _text(value: Any) -> Any:
    """A typed value, cut and without the spaces around it."""
    return value[:SHORT].strip() if isinstance(value, str) else value


class ServiceRule:
    """A validator that applies one rule of services/: `check(value) -> (cleaned, error)`;
    the error is worded by `words` (messages.py), the cleaned value replaces the typed one."""

    def __init__(self, check: Callable[[Any], tuple[Any, Any]], words: Callable[[Any], Any]) -> None:
        self.check, self.words = check, words

    def __call__(self, _form: Any, field: Field) -> None:
        cleaned, error = self.check(field.data)
        if error:
            raise ValidationError(str(self.words(error)))
        field.data = cleaned


IIN_RULE = ServiceRule(iin.validate, messages.iin_error)
PHONE_RULE = ServiceRule(phone.normalise, messages.phone_error)
CODE_RULE = ServiceRule(codes.clean, messages.CODE_FORMAT.__getitem__)


class Form(FlaskForm):
    """A form whose errors feed the page's error summary in field order.

    `names` gives each field the short name its summary line starts with
    ("ИИН ребенка: …"), so two IIN fields are never confused; None for a field
    whose messages already name it.
    """

    names: dict[str, Any] = {}

    class Meta:
        csrf = False  # CSRFProtect checks every POST (htmx ones too) before a view runs

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """The form's text fields only: a part sent as a file, or a JSON body, is no answer
            (no form here takes either), so it reads as missing and gets the field's message."""
            if formdata is not _Auto:
                return formdata
            return MultiDict(request.form) if request.method == "POST" else None

    def error_list(self) -> list[tuple[str, str, str]]:
        """(field id, field name, message) in page order; one line per field."""
        def name(field: Field) -> str:
            named = self.names.get(field.name, field.label.text)
            return str(named) if named is not None else ""

        return [(f.id, name(f), str(f.errors[0])) for f in self if f.errors]

    def add_error(self, name: str, message: str) -> None:
        field = self[name]
        field.errors = [*field.errors, str(message)]


class LoginForm(Form):
    iin = StringField(_l("Введите ИИН"), filters=[_text], validators=[IIN_RULE])
    agree_terms = BooleanField(validators=[InputRequired(messages.AGREE_TERMS)])
    agree_contacts = BooleanField(validators=[InputRequired(messages.AGREE_CONTACTS)])
    # The consents' messages name what they are about: their lines need no prefix.
    names = {"iin": _l("ИИН"), "agree_terms": None, "agree_contacts": None}


class PasswordForm(Form):
    password = PasswordField(_l("Введите пароль от Личного кабинета"), filters=[_cut(PASSWORD_MAX)],
                             validators=[InputRequired(messages.REQUIRED_PASSWORD)])
    names = {"password": _l("Пароль")}


class IinForm(Form):
    iin = StringField(_l("Введите ИИН"), filters=[_text], validators=[IIN_RULE])
    names = {"iin": _l("ИИН")}


class CodeForm(Form):
    """Every flow labels the code field alike; the hint says where the code came from."""

    code = StringField(_l("Введите код подтверждения"), filters=[_text], validators=[CODE_RULE])
    names = {"code": _l("Код подтверждения")}


class NewPasswordForm(Form):
    """The new password and its repeat; the IIN rides along for password managers."""

    username = HiddenField()
    password = PasswordField(_l("Придумайте пароль Личного кабинета"), filters=[_cut(PASSWORD_MAX)],
                             validators=[InputRequired(messages.REQUIRED_PASSWORD)])
    password_repeat = PasswordField(_l("Повторите пароль"), filters=[_cut(PASSWORD_MAX)], validators=[
        InputRequired(messages.REPEAT_PASSWORD), EqualTo("password", messages.PASSWORDS_DIFFER)])
    names = {"password": _l("Пароль"), "password_repeat": _l("Повтор пароля")}


STATUS_CHOICES = [("attends", _l("Ходит в детский сад")), ("queue", _l("Стоит в очереди"))]


class AnswersForm(Form):
    """Re-registration Шаг 1: the questions about the child."""

    child_iin = StringField(_l("ИИН ребенка"), filters=[_text], validators=[IIN_RULE])
    certificate = StringField(_l("Номер свидетельства о рождении"), filters=[_text],
                              validators=[InputRequired(messages.REQUIRED_CERTIFICATE)])
    parent1_iin = StringField(_l("Введите ИИН мамы/папы"), filters=[_text], validators=[IIN_RULE])
    parent2_iin = StringField(_l("Введите ИИН мамы/папы (второй родитель)"), filters=[_text],
                              validators=[Optional(), IIN_RULE])
    # Any value other than the two choices is refused with our words, not WTForms'.
    status = RadioField(_l("Ребенок состоит в очереди или ходит в детский сад?"),
                        choices=[SelectChoice(value, label) for value, label in STATUS_CHOICES],
                        validate_choice=False,
                        validators=[InputRequired(messages.REQUIRED_STATUS),
                                    AnyOf(STATUSES, messages.REQUIRED_STATUS)])
    names = {"child_iin": _l("ИИН ребенка"), "certificate": _l("Номер свидетельства"),
             "parent1_iin": _l("ИИН первого родителя"), "parent2_iin": _l("ИИН второго родителя"),
             "status": _l("Очередь или детский сад")}


class ApplicantForm(Form):
    """Re-registration Шаг 2, part (a)."""

    applicant_iin = StringField(_l("Ваш ИИН"), filters=[_text], validators=[IIN_RULE])
    phone = StringField(_l("Введите номер телефона"), filters=[_text], validators=[PHONE_RULE])
    names = {"applicant_iin": _l("Ваш ИИН"), "phone": _l("Номер телефона")}
