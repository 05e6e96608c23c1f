"""The sandbox: stands in for БМГ, the children's registry, SMS, push and the ed24.kz app.

Everything of it lives here: the fake gateways, the registry's fake server, the
data loader and people builders, namespaces for parallel test runs, the sandbox
API and the app emulator. It exists only with SANDBOX=1.
"""
from __future__ import annotations

import hmac

from flask import Flask, current_app, jsonify, make_response, request
from flask.typing import ResponseReturnValue

from ..web.deps import namespace
from ..web.extensions import csrf

UNLOCK_COOKIE = "ed24_sandbox"


def _page_token_ok() -> bool:
    """On a production stack, a /sandbox page needs the sandbox token too: the bearer header,
    or the cookie an operator sets once (/sandbox/unlock)."""
    token = current_app.config.get("SANDBOX_API_TOKEN")
    if not (current_app.config.get("PRODUCTION") and token):
        return True
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or \
        request.cookies.get(UNLOCK_COOKIE, "")
    return hmac.compare_digest(given.encode(), token.encode())


def _is_sandbox_page() -> bool:
    parts = request.path.strip("/").split("/")
    return parts[:1] == ["sandbox"] or (len(parts) > 1 and parts[1] == "sandbox")


def init_app(app: Flask) -> None:
    from . import api, emulator, namespaces, registry_server

    namespaces.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(emulator.bp)
    app.register_blueprint(registry_server.registry_server)
    emulator.register_short_url(app)

    @app.before_request
    def _sandbox_guards() -> ResponseReturnValue | None:
        space = namespace()
        if space is not None and not space.known:
            # An unknown namespace never falls back to the default data.
            body = {"error": "no such namespace", "location": namespaces.HEADER}
            response = make_response(jsonify(body), 404)
            response.delete_cookie(namespaces.COOKIE)
            return response
        if _is_sandbox_page() and request.path not in ("/sandbox/unlock",) and not _page_token_ok() \
                and not request.path.startswith("/sandbox/api"):
            return make_response(("the sandbox token is required (Authorization: Bearer, or /sandbox/unlock)",
                                  401, {"Content-Type": "text/plain; charset=utf-8"}))
        return None

    @app.route("/sandbox/unlock", methods=["GET", "POST"])
    @csrf.exempt
    def sandbox_unlock() -> ResponseReturnValue:
        """A production-stack sandbox: the operator gives the token once; this browser keeps it."""
        if request.method == "GET":
            return ('<!doctype html><html lang="ru"><meta charset="utf-8"><title>Sandbox</title>'
                    '<form method="post"><label for="t">SANDBOX_API_TOKEN</label> '
                    '<input id="t" name="token" type="password" autocomplete="off"> <button>OK</button></form>')
        given = (request.form.get("token") or "")[:200]
        token = current_app.config.get("SANDBOX_API_TOKEN") or ""
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            return "wrong token", 401, {"Content-Type": "text/plain; charset=utf-8"}
        response = make_response("ok", 200, {"Content-Type": "text/plain; charset=utf-8"})
        response.set_cookie(UNLOCK_COOKIE, given, httponly=True, samesite="Strict",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response
