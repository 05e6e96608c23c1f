"""The sandbox's HTTP API for test runs (SANDBOX only): outbox, data, clock.

No CSRF token, so every POST must say `Content-Type: application/json`, which a
plain HTML form on another site cannot send. With SANDBOX_API_TOKEN set, every
call needs `Authorization: Bearer <token>`.
"""
from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from ..clock import now
from ..db import get_db
from ..extensions import csrf
from ..models import Notification
from ..sandbox import clock as sandbox_clock
from ..sandbox.loader import DEMO, SandboxDataError, load, read_file
from ..services import phone as phone_rules

bp = Blueprint("sandbox_api", __name__, url_prefix="/sandbox/api")
csrf.exempt(bp)


def _error(status: int, message: str, **extra: Any) -> ResponseReturnValue:
    return jsonify(error=message, **extra), status


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def _database_down(_e: Exception) -> ResponseReturnValue:
    return _error(503, "the database is unavailable; retry")


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    token = current_app.config.get("SANDBOX_API_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return _error(401, "Authorization: Bearer <SANDBOX_API_TOKEN> is required")
    if request.method == "POST" and request.mimetype != "application/json":
        return _error(415, "POST bodies must be Content-Type: application/json")
    return None


def _body() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


@bp.get("/outbox")
def outbox() -> ResponseReturnValue:
    """What a phone received, newest first: app notifications and SMS, the code as a field."""
    phone, error = phone_rules.normalise(request.args.get("phone", "")[:64])
    if error:
        return _error(400, "phone: not a Kazakhstan mobile number", location="phone")
    rows = get_db().scalars(select(Notification).where(Notification.phone == phone)
                            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(200))
    return jsonify(phone=phone, messages=[
        {"channel": n.channel, "text": n.text, "code": n.code, "sent_at": n.created_at.isoformat()
         if n.created_at.tzinfo else n.created_at.isoformat() + "+00:00"} for n in rows])


@bp.post("/load")
def load_data() -> ResponseReturnValue:
    """Replace all data with the body (same schema and checks as `flask sandbox load`)."""
    data = request.get_json(silent=True)
    if data is None:
        return _error(400, "the body is not valid JSON", location="(top level)")
    try:
        counts = load(get_db(), data, now())
    except SandboxDataError as exc:
        return _error(400, exc.problem, location=exc.location)
    return jsonify(loaded=counts)


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    """Back to the demo data (the clock is left as it is; POST /clock {"reset": true} for that)."""
    return jsonify(loaded=load(get_db(), read_file(str(DEMO)), now()))


def _clock() -> dict[str, Any]:
    return {"now": current_app.extensions["clock"].now().isoformat(),
            "offset_seconds": sandbox_clock.offset(get_db())}


@bp.get("/clock")
def clock() -> ResponseReturnValue:
    return jsonify(_clock())


@bp.post("/clock")
def move_clock() -> ResponseReturnValue:
    """{"advance_seconds": N} (0 < N ≤ 31536000) moves every worker's clock; {"reset": true} ends it."""
    body = _body()
    if body is None:
        return _error(400, "send {\"advance_seconds\": N} or {\"reset\": true}", location="(top level)")
    if body.get("reset") is True:
        sandbox_clock.reset(get_db())
        return jsonify(_clock())
    seconds = body.get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 < seconds <= sandbox_clock.MAX_ADVANCE:
        return _error(400, f"advance_seconds: a whole number from 1 to {sandbox_clock.MAX_ADVANCE}",
                      location="advance_seconds")
    sandbox_clock.advance(get_db(), seconds)
    return jsonify(_clock())
