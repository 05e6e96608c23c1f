"""The routes of /api/app/v1: bind a handset, read its feed, let the number go."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from ..models import AppDevice
from ..services import binding, outbox
from ..services import phone as phone_rules
from ..services.clock import as_utc, whole_seconds
from ..web import messages
from ..web.deps import deps, namespace
from ..web.i18n import duration
from . import ApiError, bp, openapi_document

FEED_MAX = 50
TEXT_MAX = {"otp": 64, "qr": 200, "id": 100, "name": 100, "push_token": 4096, "phone": 32}

INVALID_OTP = _l("Одноразовый пароль неверный или устарел. Возьмите новый в Ленте событий Личного "
                 "кабинета или получите его по SMS на странице восстановления пароля.")
EXPIRED_OTP = _l("Срок действия одноразового пароля истёк. Получите новый.")
CONSENT = _l("Отметьте, что ознакомились с условиями и практикой авторизации")
TOKEN_PROBLEMS = {
    binding.TokenProblem.UNKNOWN: _l("Устройство не привязано. Укажите номер телефона."),
    binding.TokenProblem.REPLACED: _l("Номер привязан к приложению на другом телефоне. Уведомления сюда "
                                      "больше не приходят."),
    binding.TokenProblem.EXPIRED: _l("Приложением не пользовались 180 дней, привязка истекла. "
                                     "Привяжите номер снова."),
}


def _invalid(field: str) -> ApiError:
    return ApiError(400, "invalid_request", _l("Неверный запрос."), field=field)


def _object(value: Any, field: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(field)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _invalid(f"{field}.{unknown[0]}" if field else unknown[0])
    return value


def _text(body: dict[str, Any], name: str, *, required: bool, field: str | None = None) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX[name] or "\x00" in value:
        raise _invalid(field or name)
    return value.strip()


def _json_body(allowed: set[str]) -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _l("Отправьте JSON (Content-Type: application/json)."))
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: no request a client means
        body = None
    return _object(body, "", allowed)


def _token_for_app(token: str) -> str:
    """In a sandbox namespace the token names it, so the app needs nothing else to reach it."""
    space = namespace()
    return f"{space.id}.{token}" if space is not None else token


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "invalid_token", TOKEN_PROBLEMS[binding.TokenProblem.UNKNOWN])
    space = namespace()
    if space is not None and token.startswith(f"{space.id}."):
        token = token[len(space.id) + 1:]
    return token


def _device() -> AppDevice:
    found = binding.authenticate(deps(), _bearer())
    if isinstance(found, binding.TokenProblem):
        raise ApiError(401, found.value, TOKEN_PROBLEMS[found])
    return found


def _seconds(wait: Any) -> int:
    return max(1, whole_seconds(wait))


@bp.post("/bindings")
def bind() -> tuple[Response, int]:
    body = _json_body({"phone", "otp", "qr", "consent", "device"})
    device = _object(body.get("device"), "device", {"id", "name", "push_token"})
    install_id = _text(device, "id", required=True, field="device.id")
    name = _text(device, "name", required=True, field="device.name")
    push_token = _text(device, "push_token", required=False, field="device.push_token")
    otp, qr = _text(body, "otp", required=False), _text(body, "qr", required=False)
    if (otp is None) == (qr is None):
        raise _invalid("otp")
    raw_phone = body.get("phone")
    if not isinstance(raw_phone, str) or len(raw_phone) > TEXT_MAX["phone"]:
        raise ApiError(400, "invalid_phone", messages.PHONE_ERRORS[phone_rules.PhoneError.INVALID], field="phone")
    phone, problem = phone_rules.normalise(raw_phone)
    if problem is not None:
        raise ApiError(400, "invalid_phone", messages.PHONE_ERRORS[problem], field="phone")
    consent = body.get("consent")
    if not isinstance(consent, bool):
        raise _invalid("consent")
    if not consent:
        raise ApiError(400, "consent_required", CONSENT, field="consent")
    assert install_id is not None and name is not None
    result = binding.bind(deps(), phone=phone, secret=otp or qr or "", install_id=install_id, name=name,
                          push_token=push_token)
    if isinstance(result, binding.SwitchTooSoon):
        raise ApiError(409, "too_soon", _words_later(
            _l("На этом устройстве сменить номер можно не чаще, чем один раз в 30 дней. Попробуйте %(when)s."),
            result.wait), retry_after=_seconds(result.wait))
    if isinstance(result, binding.WrongSecretsLocked):
        raise ApiError(429, "locked", _words_later(
            _l("Слишком много неверных одноразовых паролей для этого номера. Попробуйте снова %(when)s."),
            result.wait), retry_after=_seconds(result.wait))
    if result is binding.SecretRefusal.EXPIRED:
        raise ApiError(400, "expired_otp", EXPIRED_OTP, field="qr" if qr else "otp")
    if isinstance(result, binding.SecretRefusal):
        raise ApiError(400, "invalid_otp", INVALID_OTP, field="qr" if qr else "otp")
    bound_at = as_utc(result.device.bound_at or deps().now)
    response = jsonify(device_token=_token_for_app(result.token), phone=phone,
                       bound_at=bound_at.replace(microsecond=0).isoformat())
    response.headers["Location"] = url_for("app_api.current_binding")
    return response, 201


class _Later:
    """A sentence with a wait in it, worded when the caller's language is known."""

    def __init__(self, template: Any, wait: Any) -> None:
        self.template, self.wait = template, wait

    def __str__(self) -> str:
        return str(self.template) % {"when": duration(self.wait)}


def _words_later(template: Any, wait: Any) -> _Later:
    return _Later(template, wait)


@bp.get("/bindings/current")
def current_binding() -> Response:
    device = _device()
    return jsonify(phone=device.phone, name=device.name,
                   bound_at=as_utc(device.bound_at or deps().now).replace(microsecond=0).isoformat(),
                   push=bool(device.push_token))


@bp.delete("/bindings/current")
def unbind() -> tuple[str, int]:
    """"ввести другой номер": this handset lets its number go; its token dies."""
    binding.unbind(deps(), _device())
    return "", 204


@bp.put("/bindings/current/push-token")
def push_token() -> tuple[str, int]:
    device = _device()
    body = _json_body({"push_token"})
    if "push_token" not in body:
        raise _invalid("push_token")
    binding.set_push_token(deps(), device, _text(body, "push_token", required=False))
    return "", 204


def _cursor() -> tuple[int, int]:
    raw_after, raw_limit = request.args.get("after", "0"), request.args.get("limit", str(FEED_MAX))
    if not (raw_after.isascii() and raw_after.isdigit() and len(raw_after) <= 18):
        raise _invalid("after")
    if not (raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= FEED_MAX):
        raise _invalid("limit")
    # Message ids are 32-bit integers: a cursor past them finds nothing newer (PostgreSQL would refuse it).
    return min(int(raw_after), 2**31 - 1), int(raw_limit)


@bp.get("/notifications")
def notifications() -> Response:
    """The device's feed, newest first: each message with its code and link while they work."""
    device = _device()
    after, limit = _cursor()
    rows = binding.feed_of(deps(), device, after=after, limit=limit)
    items = []
    for row in rows:
        opened = outbox.open_message(deps().sealer, deps().now, row)
        items.append({"id": row.id, "kind": row.kind, "text": opened.text, "code": opened.code,
                      "link": opened.link, "lang": row.lang,
                      "sent_at": as_utc(row.created_at).replace(microsecond=0).isoformat()})
    newest = max([after, *(row.id for row in rows)])
    return jsonify(notifications=items, next_after=newest)


@bp.get("/openapi.json")
def openapi() -> Response:
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

