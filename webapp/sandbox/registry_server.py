"""The sandbox's registry server: БМГ and the children's registry over HTTP JSON,
exactly as webapp/adapters/registry.openapi.json describes them, answered from the
sandbox data (the citizens and children tables of the request's database).

With REGISTRY=webapp.adapters.registry_http:HttpRegistry and
REGISTRY_URL=http://<host>/sandbox/registry the production adapter runs against the
sandbox data over real HTTP, and the contract tests use it as the registry's fake.
It answers JSON on every path under its prefix: 400 for an ill-formed IIN or phone,
404 for what it does not know, 401 without the bearer token when the app's
REGISTRY_SERVER_TOKEN is set (any token is accepted when it is not), 405 for
anything but GET, and nothing at all (404) unless the sandbox is on.
"""
from __future__ import annotations

import hmac
import re

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..db import get_db
from ..models import Child, CitizenPhone

registry_server = Blueprint("registry_server", __name__, url_prefix="/sandbox/registry")

IIN = re.compile(r"[0-9]{12}")
PHONE = re.compile(r"\+77[0-9]{9}")
# Every method reaches a view, so that the guard below answers 405 in JSON.
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    response.headers.update(headers or {})
    return response


@registry_server.before_request
def _guard() -> Response | None:
    if not current_app.config.get("SANDBOX"):
        return _error(404, "not_found", "no such resource")
    token = current_app.config.get("REGISTRY_SERVER_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return _error(401, "unauthorized", "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    if request.method not in ("GET", "HEAD"):
        return _error(405, "method_not_allowed", "only GET", {"Allow": "GET, HEAD"})
    return None


@registry_server.after_request
def _echo_request_id(response: Response) -> Response:
    request_id = request.headers.get("X-Request-ID")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


@registry_server.route("/bmg/v1/citizens/<iin>/phones", methods=METHODS)
def citizen_phones(iin: str) -> Response:
    if not IIN.fullmatch(iin):
        return _error(400, "bad_request", "iin: 12 digits")
    phones = get_db().scalars(select(CitizenPhone.phone).where(CitizenPhone.citizen_iin == iin)
                              .order_by(CitizenPhone.id))
    return jsonify(iin=iin, phones=list(phones))


@registry_server.route("/bmg/v1/phones/<phone>/holder", methods=METHODS)
def phone_holder(phone: str) -> Response:
    if not PHONE.fullmatch(phone):
        return _error(400, "bad_request", "phone: +77 and 9 digits")
    holder = get_db().scalar(select(CitizenPhone.citizen_iin).where(CitizenPhone.phone == phone))
    return jsonify(phone=phone, iin=holder)


@registry_server.route("/children/v1/children/<iin>", methods=METHODS)
def child(iin: str) -> Response:
    if not IIN.fullmatch(iin):
        return _error(400, "bad_request", "iin: 12 digits")
    row = get_db().get(Child, iin)
    if row is None:
        return _error(404, "child_not_found", "no child with this IIN")
    return jsonify(iin=row.iin, full_name=row.full_name, birth_certificate=row.birth_certificate,
                   parents=list(row.parents), status=row.status)


@registry_server.route("/", methods=METHODS)
@registry_server.route("/<path:rest>", methods=METHODS)
def unknown(rest: str = "") -> Response:
    return _error(404, "not_found", "no such resource")


@registry_server.errorhandler(SQLAlchemyError)
def _database_error(exc: SQLAlchemyError) -> Response:
    current_app.logger.warning("sandbox registry: database error %s", type(exc).__name__)
    return _error(503, "unavailable", "the sandbox database did not answer", {"Retry-After": "1"})
