"""Who is asking: the client address, the known-device mark, the signed-in cabinet."""
from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from functools import wraps
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from . import flowstate
from .clock import now
from .db import get_db
from .flowstate import SignedInState
from .models import Cabinet
from .security import safe_next
from .services.context import Client
from .sessions import persist_now

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])
KNOWN_DEVICE_MAX_AGE = 365 * 24 * 3600
SIGNED_IN_AT_MOST = timedelta(hours=12)  # however active the session, then sign in again
KNOWN_CABINETS_MAX = 10


def client_address() -> str:
    """An IPv4 address, or the /64 of an IPv6 one (one household's network)."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="ed24-known-device")


def _known_device() -> tuple[str | None, list[int]]:
    """(device id, cabinets) from the signed known-device cookie."""
    raw = request.cookies.get(current_app.config["KNOWN_DEVICE_COOKIE"])
    if not raw or len(raw) > 500:
        return None, []
    try:
        value = _signer().loads(raw)
    except BadSignature:
        return None, []
    device, cabinets = value.get("d"), value.get("c")
    if not isinstance(device, str) or not isinstance(cabinets, list):
        return None, []
    return device, [c for c in cabinets if isinstance(c, int)]


def client() -> Client:
    if "client" not in g:
        device, cabinets = _known_device()
        g.client = Client(address=client_address(), device=device, known_cabinets=frozenset(cabinets))
    return g.client


def remember_device(cabinet_id: int) -> None:
    """This browser signed in or confirmed a code: it becomes a known device of the cabinet."""
    g.remember_cabinet = cabinet_id


def _set_known_device_cookie(response: Response) -> Response:
    cabinet_id = g.get("remember_cabinet")
    if cabinet_id is None:
        return response
    device, cabinets = _known_device()
    cabinets = ([c for c in cabinets if c != cabinet_id] + [cabinet_id])[-KNOWN_CABINETS_MAX:]
    value = _signer().dumps({"d": device or secrets.token_urlsafe(16), "c": cabinets})
    response.set_cookie(current_app.config["KNOWN_DEVICE_COOKIE"], value, max_age=KNOWN_DEVICE_MAX_AGE, httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response


def current_cabinet() -> Cabinet | None:
    """The session's cabinet, unless its password changed since (the epoch moved on)."""
    if "cabinet" not in g:
        state = flowstate.load(SignedInState)
        cabinet = get_db().get(Cabinet, state.cabinet_id) if state else None
        if state is not None and (cabinet is None or cabinet.session_epoch != state.epoch or state.since is None
                                  or now() - state.since > SIGNED_IN_AT_MOST):
            flowstate.clear(SignedInState)
            cabinet = None
        g.cabinet = cabinet
    return g.cabinet


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if current_cabinet() is None:
            return redirect(url_for("login.step1", next=safe_next(request.full_path.rstrip("?"))))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def start_signed_in_session(cabinet: Cabinet) -> None:
    """A new session id at every sign-in, written with the sign-in itself; the caller commits."""
    session.regenerate()  # type: ignore[attr-defined]
    flowstate.start_afresh(keep=SignedInState(cabinet.id, cabinet.session_epoch, since=now()))
    persist_now()
    remember_device(cabinet.id)
    g.cabinet = cabinet


def renew_session_id() -> None:
    """A right code raised what this session may do: it gets a new id; the caller commits."""
    session.regenerate()  # type: ignore[attr-defined]
    persist_now()


def end_session() -> None:
    """Sign-out: the row is deleted in the caller's transaction; nothing of it is kept."""
    session.clear()
    persist_now()
    g.cabinet = None


def init_app(app: Flask) -> None:
    app.after_request(_set_known_device_cookie)
