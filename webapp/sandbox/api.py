"""The sandbox's HTTP API for test runs (SANDBOX only): outbox, data, clock, namespaces,
people builders. Described by openapi.json beside this file.

No CSRF token, so every POST must say `Content-Type: application/json`, which a
plain HTML form on another site cannot send. With SANDBOX_API_TOKEN set, every
call needs `Authorization: Bearer <token>`. A call carrying X-Sandbox-Namespace
(or the ed24_ns cookie) acts on that namespace only.
"""
from __future__ import annotations

import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select
from sqlalchemy.exc import InterfaceError, OperationalError

from ..db import get_db
from ..delivery.runner import worker_for
from ..models import AppDevice, OutboxMessage
from ..services import binding, outbox
from ..services import phone as phone_rules
from ..services.clock import as_utc
from ..web.deps import deps, namespace, now
from ..web.extensions import csrf
from . import namespaces, offset_clock, people
from .loader import DEMO, SandboxDataError, load, read_file, schema

bp = Blueprint("sandbox_api", __name__, url_prefix="/sandbox/api")
csrf.exempt(bp)
OPENAPI = Path(__file__).resolve().parent / "openapi.json"
OUTBOX_MAX = 200


def _error(status: int, message: str, **extra: Any) -> ResponseReturnValue:
    return jsonify(error=message, **extra), status


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def _database_down(_e: Exception) -> ResponseReturnValue:
    return _error(503, "the database is unavailable; retry")


def token_ok() -> bool:
    token = current_app.config.get("SANDBOX_API_TOKEN")
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    if not token_ok():
        return _error(401, "Authorization: Bearer <SANDBOX_API_TOKEN> is required")
    if request.method == "POST" and request.mimetype != "application/json":
        return _error(415, "POST bodies must be Content-Type: application/json")
    space = namespace()
    if space is not None and not space.known:
        return _error(404, "no such namespace", location=namespaces.HEADER)
    return None


def _json_body(optional: bool = False) -> tuple[Any, ResponseReturnValue | None]:
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return None, None
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None, _error(400, "the body is not valid JSON", location="(top level)")


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).replace(microsecond=0).isoformat() if moment else None


# -- what phones received -----------------------------------------------------------

def _deliver_due() -> None:
    """The sandbox's gateways deliver at once: a test reads what arrived without waiting."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    space = namespace()
    get_db().commit()  # the worker writes on a session of its own; this one then reads afresh
    if space is not None:
        worker_for(app).deliver_due(lambda: app.extensions["namespace_databases"].session(space.id))
    else:
        worker_for(app).deliver_due(app.extensions["db_sessionmaker"])


@bp.get("/outbox")
def outbox_messages() -> ResponseReturnValue:
    """What phones received, newest first: app notifications, SMS and pushes, each with its
    code and link while they work. Filters: phone, channel, since (ISO-8601), limit."""
    args = request.args
    phone = None
    if args.get("phone"):
        phone, error = phone_rules.normalise(args["phone"][:64])
        if error:
            return _error(400, "phone: not a Kazakhstan mobile number", location="phone")
    channel = args.get("channel")
    if channel is not None and channel not in ("app", "sms", "push"):
        return _error(400, "channel: one of app, sms, push", location="channel")
    since = None
    if args.get("since"):
        try:
            since = as_utc(datetime.fromisoformat(args["since"][:40]))
        except ValueError:
            return _error(400, "since: an ISO-8601 moment", location="since")
    limit = args.get("limit", str(OUTBOX_MAX))
    if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= OUTBOX_MAX):
        return _error(400, f"limit: a whole number from 1 to {OUTBOX_MAX}", location="limit")
    _deliver_due()
    rows = received(get_db(), phone, channel=channel, since=since, limit=int(limit))
    found = []
    for row in rows:
        opened = outbox.open_message(deps().sealer, deps().now, row)
        code = "".join(opened.code.split()) if opened.code else None
        found.append({"id": row.id, "channel": row.channel, "kind": row.kind, "phone": row.phone,
                      "text": opened.text, "code": code, "link": opened.link, "sent_at": _iso(row.created_at),
                      "delivered_at": _iso(row.delivered_at)})
    return jsonify(phone=phone, messages=found)


def received(db: Any, phone: str | None, *, channel: str | None = None, since: datetime | None = None,
             limit: int = OUTBOX_MAX) -> list[OutboxMessage]:
    """What phones received (delivered), newest first: a number's SMS and app notifications, and
    the pushes to the handsets bound to it."""
    query = select(OutboxMessage).where(OutboxMessage.status == "delivered")
    if phone is not None:
        devices = select(AppDevice.id).where(or_(AppDevice.phone == phone, AppDevice.bound_phone == phone))
        query = query.where(or_(OutboxMessage.phone == phone, OutboxMessage.device_id.in_(devices)))
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    return list(db.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


# -- data ---------------------------------------------------------------------------

@bp.get("/schema.json")
def data_schema() -> ResponseReturnValue:
    return jsonify(schema())


@bp.post("/load")
def load_data() -> ResponseReturnValue:
    """Replace all data (of this namespace, or the default) with the body."""
    data, problem = _json_body()
    if problem is not None:
        return problem
    try:
        counts = load(get_db(), data, now())
    except SandboxDataError as exc:
        return _error(400, exc.problem, location=exc.location)
    return jsonify(loaded=counts)


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    """Back to the demo data (in a namespace: to the data it was created with). The clock is
    left as it is; POST /clock {"reset": true} for that."""
    space = namespace()
    seed = namespaces.seed_of(current_app._get_current_object(), space.id) if space else None  # type: ignore[attr-defined]
    return jsonify(loaded=load(get_db(), seed if seed is not None else read_file(str(DEMO)), now()))


# -- the clock --------------------------------------------------------------------------

def _clock() -> dict[str, Any]:
    return {"now": current_app.extensions["clock"].at(get_db()).isoformat(),
            "offset_seconds": offset_clock.offset(get_db())}


@bp.get("/clock")
def clock() -> ResponseReturnValue:
    return jsonify(_clock())


@bp.post("/clock")
def move_clock() -> ResponseReturnValue:
    """{"advance_seconds": N} (0 < N ≤ 31536000) moves it forward; {"offset_seconds": N} puts it N
    seconds from real time (forward or back); {"reset": true} back to real time."""
    body, problem = _json_body()
    if problem is not None:
        return problem
    if not isinstance(body, dict):
        return _error(400, 'send {"advance_seconds": N}, {"offset_seconds": N} or {"reset": true}',
                      location="(top level)")
    if body.get("reset") is True:
        offset_clock.reset(get_db())
        return jsonify(_clock())
    limit = offset_clock.MAX_ADVANCE
    for name, low in (("advance_seconds", 1), ("offset_seconds", 0)):
        if name in body:
            seconds = body[name]
            if isinstance(seconds, bool) or not isinstance(seconds, int) or not low <= seconds <= limit:
                return _error(400, f"{name}: a whole number from {low} to {limit}", location=name)
            if name == "advance_seconds":
                offset_clock.advance(get_db(), seconds)
            else:
                offset_clock.set_offset(get_db(), seconds)
            return jsonify(_clock())
    return _error(400, 'send {"advance_seconds": N}, {"offset_seconds": N} or {"reset": true}',
                  location="(top level)")


# -- namespaces and people ----------------------------------------------------------------

@bp.post("/namespaces")
def create_namespace() -> ResponseReturnValue:
    """A namespace of its own (body: the sandbox JSON; empty: the demo data)."""
    seed, problem = _json_body(optional=True)
    if problem is not None:
        return problem
    if seed == {}:
        seed = None  # {} is no data given: the demo
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        if seed is not None:
            load_check(seed)
        ns = namespaces.create(app, seed, lambda db, data: load(
            db, data if data is not None else read_file(str(DEMO)), app.extensions["clock"].at(db)))
    except SandboxDataError as exc:
        return _error(400, exc.problem, location=exc.location)
    except namespaces.NamespaceLimitReached:
        return _error(429, f"at most {app.config['SANDBOX_NAMESPACES_MAX']} namespaces exist at once; "
                           "DELETE the ones you are done with")
    return jsonify(namespace=ns, header=namespaces.HEADER,
                   cookie={"name": namespaces.COOKIE, "value": ns, "path": "/"}), 201


def load_check(data: Any) -> None:
    from .loader import parse

    parse(data)


@bp.delete("/namespaces/<ns>")
def delete_namespace(ns: str) -> ResponseReturnValue:
    if not namespaces.ID_FORMAT.fullmatch(ns) or not namespaces.remove(current_app._get_current_object(), ns):  # type: ignore[attr-defined]
        return _error(404, "no such namespace", location="namespace")
    return "", 204


@bp.post("/namespaces/<ns>/people")
def add_person(ns: str) -> ResponseReturnValue:
    """A fresh person of a kind: app_bound, no_app, no_password or foreign_number."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not namespaces.ID_FORMAT.fullmatch(ns) or not _exists(ns):
        return _error(404, "no such namespace", location="namespace")
    body, problem = _json_body()
    if problem is not None:
        return problem
    kind = body.get("kind") if isinstance(body, dict) else None
    if not isinstance(body, dict) or set(body) - {"kind"} or kind not in people.KINDS:
        return _error(400, f"kind: one of {', '.join(people.KINDS)}", location="kind")
    with app.extensions["namespace_databases"].session(ns) as db:
        return jsonify(people.build(db, kind, app.extensions["clock"].at(db))), 201


def _exists(ns: str) -> bool:
    from ..models import SandboxNamespace

    with current_app.extensions["db_sessionmaker"]() as db:
        return db.get(SandboxNamespace, ns) is not None


@bp.get("/devices")
def bound_phones() -> ResponseReturnValue:
    """The numbers whose app is bound now (the emulator offers to pick those phones up)."""
    phones = get_db().scalars(select(AppDevice.phone).where(AppDevice.phone.is_not(None))
                              .distinct().order_by(AppDevice.phone))
    return jsonify(phones=list(phones))


@bp.post("/devices")
def pick_up_phone() -> ResponseReturnValue:
    """Pick up the phone whose app is already bound (sandbox data): a device token for it,
    to read its feed through the app's API (the emulator's "Открыть приложение на …")."""
    body, problem = _json_body()
    if problem is not None:
        return problem
    raw = body.get("phone") if isinstance(body, dict) else None
    phone, error = phone_rules.normalise(raw[:64] if isinstance(raw, str) else "")
    if error or not isinstance(body, dict) or set(body) - {"phone"}:
        return _error(400, "phone: a Kazakhstan mobile number", location="phone")
    device = get_db().scalar(select(AppDevice).where(AppDevice.phone == phone))
    if device is None:
        return _error(404, "no app is bound to this number", location="phone")
    token = binding.issue_token(deps(), device)
    space = namespace()
    return jsonify(device_token=f"{space.id}.{token}" if space else token, phone=phone)


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(json.loads(OPENAPI.read_text(encoding="utf-8")))
