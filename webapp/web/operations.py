"""What the operator's tools ask of each app server: request ids and one log line per
request, /livez and /readyz (answered for any Host, before Flask looks at it), and the
metrics listener of its own."""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, g, request
from sqlalchemy import text
from werkzeug.wrappers import Response

from ..observability import configure_logging, log_request, request_id_from, serve_metrics
from ..services.gateways import REQUEST_ID

log = logging.getLogger("ed24")


def _begin() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get("X-Request-ID"))
    g.request_id_token = REQUEST_ID.set(g.request_id)


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    # The route, never the path: a path may hold a link's token.
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    space = g.get("namespace")
    log_request(route, request.method, response.status_code, g.get("started", time.perf_counter()),
                **({"namespace": space.id} if space is not None else {}))
    return response


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


def readiness(app: Flask) -> tuple[bool, dict[str, str]]:
    """Database reachable and at the migrations' head; gateways imported at start."""
    from ..cli import head_revision

    checks = {"gateways": "ok"}
    try:
        with app.extensions["db_engine"].connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        checks["database"] = "ok"
        checks["migrations"] = "ok" if current == head_revision() else f"at {current}, not {head_revision()}"
    except Exception as exc:
        checks["database"] = f"unavailable ({type(exc).__name__})"
    return all(v == "ok" for v in checks.values()), checks


class HealthEndpoints:
    """/livez: the process answers (no database). /readyz: ready for traffic."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Flask) -> None:
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/livez":
            return self._json(start_response, 200, {"status": "ok"})
        if path == "/readyz":
            ok, checks = readiness(self.app)
            return self._json(start_response, 200 if ok else 503,
                              {"status": "ok" if ok else "unavailable", "checks": checks})
        return self.wsgi_app(environ, start_response)

    @staticmethod
    def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> Iterable[bytes]:
        data = json.dumps(body).encode()
        reason = "OK" if status == 200 else "Service Unavailable"
        start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                              ("Content-Length", str(len(data)))])
        return [data]


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
    app.wsgi_app = HealthEndpoints(app.wsgi_app, app)  # type: ignore[method-assign]
    address = app.config.get("METRICS_ADDRESS")
    # Under gunicorn the master serves the metrics of every worker (deploy/gunicorn.conf.py).
    if address and not os.environ.get("ED24_METRICS_IN_MASTER"):
        serve_metrics(address, app.config["METRICS_ALLOW"], app.config["DATABASE_URL"])
