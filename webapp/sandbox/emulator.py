"""/sandbox/app: the ed24.kz phone app, emulated in the browser (SANDBOX only).

It is a client of the app's API (/api/app/v1) like the real app, and of the sandbox
API for what only a sandbox phone can do (read the SMS its SIM received, pick up a
phone whose app the sandbox data bound). Every call goes over HTTP to this same
server (an in-process transport), with the browser's address, language and
namespace, so the emulator exercises the production path. Its device token lives
in its own cookie; the handset's id in another.

The screens follow the manual: УКАЖИТЕ ТЕЛЕФОН, ВВЕДИТЕ ОДНОРАЗОВЫЙ ПАРОЛЬ (or a QR
token), success, then the notification feed.
"""
from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

import httpx
from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response

from ..services import binding
from ..services import phone as phone_rules
from ..web import messages
from ..web.deps import namespace
from ..web.i18n import current_lang, preferred_lang
from . import namespaces

bp = Blueprint("sandbox_app", __name__, url_prefix="/<lang>/sandbox/app")
TOKEN_COOKIE = "ed24_app_token"      # the device token the API gave this emulated handset
HANDSET_COOKIE = "ed24_app_handset"  # the handset's own id (the 30-day rule is keyed on it)
STATE_KEY = "sandbox_app"            # the emulator's screen (sandbox only)
YEAR = 365 * 24 * 3600


# -- the HTTP client ----------------------------------------------------------------

def _client(**headers: str) -> httpx.Client:
    """An HTTP client of this very server, as the browser's phone would be."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    forwarded = request.headers.get("X-Forwarded-For")
    base = {"Accept-Language": current_lang(), "X-Request-ID": g.get("request_id", ""),
            **({"X-Forwarded-For": forwarded} if forwarded else {}), **headers}
    space = namespace()
    if space is not None:
        base[namespaces.HEADER] = space.id
    transport = httpx.WSGITransport(app=app, remote_addr=request.remote_addr or "127.0.0.1")
    return httpx.Client(transport=transport, base_url=f"{request.scheme}://{request.host}", headers=base)


def _sandbox_api(method: str, path: str, **kwargs: Any) -> httpx.Response:
    token = current_app.config.get("SANDBOX_API_TOKEN")
    with _client(**({"Authorization": f"Bearer {token}"} if token else {})) as client:
        return client.request(method, f"/sandbox/api{path}", **kwargs)


def _app_api(method: str, path: str, **kwargs: Any) -> httpx.Response:
    token = request.cookies.get(TOKEN_COOKIE, "")
    with _client(**({"Authorization": f"Bearer {token}"} if token else {})) as client:
        return client.request(method, f"/api/app/v1{path}", **kwargs)


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message") or "")
    except ValueError:
        return str(messages.UNAVAILABLE)


# -- the emulator's own state ----------------------------------------------------------

def _state() -> dict[str, Any]:
    value = session.get(STATE_KEY)
    return value if isinstance(value, dict) else {}


def _set_state(**values: Any) -> None:
    session[STATE_KEY] = values


def _handset() -> str:
    raw = request.cookies.get(HANDSET_COOKIE, "")
    return raw if 10 < len(raw) < 64 else g.setdefault("new_handset", secrets.token_urlsafe(16))


def _keep_cookies(response: Response, token: str | None = None, *, forget_token: bool = False) -> Response:
    response.set_cookie(HANDSET_COOKIE, _handset(), max_age=YEAR, httponly=True, samesite="Lax")
    if token:
        response.set_cookie(TOKEN_COOKIE, token, max_age=YEAR, httponly=True, samesite="Lax")
    elif forget_token:
        response.delete_cookie(TOKEN_COOKIE)
    return response


# -- reading ---------------------------------------------------------------------------

def _binding() -> dict[str, Any] | None:
    if not request.cookies.get(TOKEN_COOKIE):
        return None
    answer = _app_api("GET", "/bindings/current")
    return answer.json() if answer.status_code == 200 else None


def _feed() -> tuple[list[dict[str, Any]], str | None]:
    """(the feed, or why it cannot be read)."""
    if not request.cookies.get(TOKEN_COOKIE):
        return [], None
    answer = _app_api("GET", "/notifications")
    if answer.status_code == 200:
        return list(answer.json()["notifications"]), None
    return [], _message(answer)


def _sms(sim: str | None) -> list[dict[str, Any]]:
    if not sim:
        return []
    answer = _sandbox_api("GET", f"/outbox?channel=sms&limit=50&phone={quote(sim)}")
    return list(answer.json().get("messages", [])) if answer.status_code == 200 else []


def _page(screen: str, **context: Any) -> ResponseReturnValue:
    state = _state()
    bound = _binding()
    sim = state.get("sim") or (bound or {}).get("phone")
    feed, feed_problem = _feed() if bound or screen == "feed" else ([], None)
    sms = _sms(sim)
    picked = _sandbox_api("GET", "/devices")
    demo = picked.json().get("phones", []) if picked.status_code == 200 else []
    newest = max([m["id"] for m in sms + feed], default=0)
    return render_template("sandbox_app.html", screen=screen, bound=bound, sim=sim, sms=sms, feed=feed,
                           feed_problem=feed_problem, newest=newest, demo_phones=demo,
                           typed=state.get("typed", ""), consent=state.get("consent", False),
                           qr=state.get("qr", ""), **context)


@bp.get("")
def home() -> ResponseReturnValue:
    state = _state()
    error, consent_error = state.pop("error", None), state.pop("consent_error", None)  # said once
    _set_state(**state)
    if state.get("pending"):
        return _page("otp", phone=state["pending"], error=error)
    bound = _binding()
    if state.get("just_bound") and bound:
        _set_state(sim=bound["phone"])
        return _page("bound", phone=bound["phone"])
    if bound and not state.get("switching"):
        return _page("feed", phone=bound["phone"])
    if request.cookies.get(TOKEN_COOKIE) and not state.get("switching"):
        return _page("feed", phone=None)  # the binding ended: the feed says why (device_replaced)
    return _page("phone", error=error, consent_error=consent_error)


@bp.get("/feed")
def feed() -> ResponseReturnValue:
    """The SMS and the feed, refreshed every few seconds; 204 (no swap) while nothing new came."""
    state = _state()
    bound = _binding()
    sim = state.get("sim") or (bound or {}).get("phone")
    sms = _sms(sim)
    notes, problem = _feed() if bound else ([], None)
    newest = max([m["id"] for m in sms + notes], default=0)
    if str(newest) == request.args.get("after") and not problem:
        return "", 204
    return render_block("sandbox_app.html", "inbox", sms=sms, feed=notes, feed_problem=problem, newest=newest,
                        sim=sim, bound=bound, screen=request.args.get("screen", "feed"))


# -- actions ---------------------------------------------------------------------------

@bp.get("/bind")
def deep_link() -> ResponseReturnValue:
    """"Открыть приложение ed24.kz" from the cabinet: the app opens with the QR token filled in."""
    token = (request.args.get("token") or "")[:200]
    found = binding.parse_qr(token)
    if found is None:
        _set_state(error=_("Ссылка для привязки неполная. Отсканируйте QR-код или введите одноразовый пароль."))
        return redirect(url_for("sandbox_app.home"), code=303)
    _set_state(typed=found[0], qr=token, sim=found[0], switching=True)
    return redirect(url_for("sandbox_app.home"), code=303)


@bp.post("/phone")
def enter_phone() -> ResponseReturnValue:
    raw = (request.form.get("phone") or "")[:64]
    normalised, error = phone_rules.normalise(raw)
    consent = bool(request.form.get("consent"))
    state = _state()
    if error or not consent:
        _set_state(**{**state, "typed": raw[:30], "consent": consent, "error": messages.phone_error(error),
                      "consent_error": None if consent else _(
                          "Отметьте, что ознакомились с условиями и практикой авторизации")})
        return redirect(url_for("sandbox_app.home") + "#app-screen", code=303)
    qr = state.get("qr", "")
    if qr and (binding.parse_qr(qr) or ("", ""))[0] == normalised:
        return _bind(normalised, {"qr": qr})
    _set_state(pending=normalised, sim=normalised, typed=raw[:30], consent=True)
    return redirect(url_for("sandbox_app.home") + "#app-screen", code=303)


def _bind(phone: str, secret: dict[str, str]) -> ResponseReturnValue:
    answer = _app_api("POST", "/bindings", json={
        "phone": phone, "consent": True, **secret,
        "device": {"id": _handset(), "name": _("Эмулятор приложения ed24.kz")}})
    if answer.status_code == 201:
        _set_state(just_bound=True, sim=phone)
        return _keep_cookies(redirect(url_for("sandbox_app.home") + "#app-screen", code=303),
                             answer.json()["device_token"])
    _set_state(pending=phone, sim=phone, consent=True, error=_message(answer))
    return _keep_cookies(redirect(url_for("sandbox_app.home") + "#app-screen", code=303))


@bp.post("/otp")
def enter_otp() -> ResponseReturnValue:
    state = _state()
    phone = state.get("pending")
    if not phone:
        return redirect(url_for("sandbox_app.home"), code=303)
    typed = (request.form.get("otp") or "").strip()[:200]
    if not typed:
        _set_state(**{**state, "error": _("Введите одноразовый пароль или содержимое QR-кода")})
        return redirect(url_for("sandbox_app.home") + "#app-screen", code=303)
    return _bind(phone, {"qr": typed} if binding.parse_qr(typed) else {"otp": typed})


@bp.post("/other-number")
def other_number() -> ResponseReturnValue:
    """"ввести другой номер": this handset lets its number go (the API's DELETE); moving to
    another number then waits 30 days from the last binding (the API says so)."""
    if request.cookies.get(TOKEN_COOKIE):
        _app_api("DELETE", "/bindings/current")
    _set_state(switching=True)
    return _keep_cookies(redirect(url_for("sandbox_app.home"), code=303), forget_token=True)


@bp.post("/back-to-feed")
def back_to_feed() -> ResponseReturnValue:
    _set_state()
    return redirect(url_for("sandbox_app.home"), code=303)


@bp.post("/open")
def open_device() -> ResponseReturnValue:
    """Pick up a phone whose app is already bound (sandbox data), to read its feed."""
    phone = (request.form.get("phone") or "")[:64]
    answer = _sandbox_api("POST", "/devices", json={"phone": phone})
    if answer.status_code != 200:
        return redirect(url_for("sandbox_app.home"), code=303)
    _set_state(sim=answer.json()["phone"])
    return _keep_cookies(redirect(url_for("sandbox_app.home"), code=303), answer.json()["device_token"])


@bp.post("/new-device")
def new_device() -> ResponseReturnValue:
    """Put this phone down and pick up a fresh one with the app not yet bound."""
    _set_state()
    g.new_handset = secrets.token_urlsafe(16)
    response = redirect(url_for("sandbox_app.home"), code=303)
    response.set_cookie(HANDSET_COOKIE, g.new_handset, max_age=YEAR, httponly=True, samesite="Lax")
    response.delete_cookie(TOKEN_COOKIE)
    return response


def register_short_url(app: Flask) -> None:
    @app.get("/sandbox/app")
    def sandbox_app_short() -> ResponseReturnValue:
        lang = request.args.get("lang")
        return redirect(url_for("sandbox_app.home", lang=lang if lang in ("ru", "kk") else preferred_lang()))

    @app.get("/sandbox/app/bind")
    def sandbox_app_bind_short() -> ResponseReturnValue:
        lang = request.args.get("lang")
        return redirect(url_for("sandbox_app.deep_link", lang=lang if lang in ("ru", "kk") else preferred_lang(),
                                token=request.args.get("token", "")))
