"""What an operator sees: one JSON object per log line, request ids, Prometheus metrics.

- Logs: time, level, logger, message, request id; one line per request (route, status,
  duration) and per notable event. Never an IIN, phone, code, token or password:
  events carry an IIN only as a keyed pseudonym, phones masked, secrets not at all
  (LogEvents drops any field that could hold one).
- Request ids: X-Request-ID when the caller sends a sane one, else made here; echoed
  in the response and passed to gateways (services.gateways.REQUEST_ID).
- Metrics: prometheus-client; under gunicorn in its multiprocess mode
  (PROMETHEUS_MULTIPROC_DIR, see deploy/gunicorn.conf.py), so every worker counts
  into the same series. They are served on a listener of their own
  (METRICS_ADDRESS, from addresses in METRICS_ALLOW), never on the public site.
"""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from pythonjsonlogger.json import JsonFormatter

from .services.gateways import REQUEST_ID
from .services.keys import Pseudonyms
from .services.phone import mask

log = logging.getLogger("ed24")
events_log = logging.getLogger("ed24.event")
requests_log = logging.getLogger("ed24.request")

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Fields an event may never carry as they are.
_SECRET_FIELDS = frozenset({"code", "otp", "token", "password", "link", "secret", "text"})
# Names a LogRecord keeps for itself.
_RENAMED = {name: f"{name}_" for name in logging.makeLogRecord({}).__dict__} | {"message": "message_"}

# -- metrics (names follow Prometheus conventions; labels are small fixed sets) --------
REQUESTS = Counter("ed24_http_requests_total", "HTTP requests by route and status", ["route", "method", "status"])
LATENCY = Histogram("ed24_http_request_duration_seconds", "HTTP request latency by route", ["route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SIGNINS = Counter("ed24_signins_total", "Sign-ins by outcome", ["outcome"])
RECOVERIES = Counter("ed24_recoveries_total", "Recovery and first-password steps by outcome", ["outcome"])
REREGISTRATIONS = Counter("ed24_reregistrations_total", "Re-registration steps by outcome", ["outcome"])
CODES_SENT = Counter("ed24_codes_sent_total", "Confirmation codes queued", ["channel", "purpose"])
CODES_CONFIRMED = Counter("ed24_codes_confirmed_total", "Confirmation codes confirmed", ["channel", "purpose"])
LOCKS = Counter("ed24_locks_total", "Refusals by a limit, by the limit's kind", ["kind"])
SMS_BUDGET = Counter("ed24_sms_budget_refusals_total", "SMS refused by the service's SMS budget (alarm on it)")
DELIVERIES = Counter("ed24_outbox_deliveries_total", "Outbox delivery attempts", ["gateway", "outcome"])
GATEWAY_LATENCY = Histogram("ed24_gateway_latency_seconds", "Gateway call latency", ["gateway"],
                            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
WORKER_BEAT = Gauge("ed24_outbox_worker_last_pass_timestamp_seconds", "When the outbox worker last looked",
                    multiprocess_mode="max")

_OUTCOMES = {
    "signin": (SIGNINS, "success"), "signin_failed": (SIGNINS, "wrong_password"),
    "signin_locked": (SIGNINS, "locked"),
    "recovery_started": (RECOVERIES, "started"), "recovery_refused": (RECOVERIES, "refused"),
    "recovery_link_used": (RECOVERIES, "link_used"), "password_changed": (RECOVERIES, "password_changed"),
    "password_set": (RECOVERIES, "password_set"), "recovery_number_elsewhere": (RECOVERIES, "number_elsewhere"),
    "rereg_step1_passed": (REREGISTRATIONS, "step1_passed"), "rereg_step1_failed": (REREGISTRATIONS, "step1_failed"),
    "rereg_locked": (REREGISTRATIONS, "locked"), "rereg_applicant_refused": (REREGISTRATIONS, "applicant_refused"),
    "reregistered": (REREGISTRATIONS, "done"),
}


class LogEvents:
    """The services' event sink: a JSON log line and the matching metric."""

    def __init__(self, pseudonyms: Pseudonyms) -> None:
        self.pseudonyms = pseudonyms

    def emit(self, name: str, **fields: Any) -> None:
        safe = {key: self._safe(key, value) for key, value in fields.items() if key not in _SECRET_FIELDS}
        events_log.info(name, extra={"event": name, **{_RENAMED.get(k, k): v for k, v in safe.items()}})
        record_metric(name, safe)

    def _safe(self, key: str, value: Any) -> Any:
        if key == "iin" and isinstance(value, str):
            return self.pseudonyms.of(value)
        if key == "phone" and isinstance(value, str):
            return mask(value)
        return value


def record_metric(name: str, fields: dict[str, Any]) -> None:
    if name in _OUTCOMES:
        counter, outcome = _OUTCOMES[name]
        counter.labels(outcome=outcome).inc()
    elif name == "code_sent":
        CODES_SENT.labels(channel=fields.get("channel", "?"), purpose=fields.get("purpose", "?")).inc()
    elif name == "code_confirmed":
        CODES_CONFIRMED.labels(channel=fields.get("channel", "?"), purpose=fields.get("purpose", "?")).inc()
    elif name == "sms_budget_spent":
        SMS_BUDGET.inc()
    if name.endswith(("_locked", "_refused")):
        LOCKS.labels(kind=str(fields.get("limit") or fields.get("reason") or name)).inc()


# -- logs -------------------------------------------------------------------------------

class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get()
        return True


# Libraries whose INFO lines say nothing an operator needs (and name URLs): warnings only.
QUIET_LOGGERS = ("werkzeug", "httpx", "httpcore", "urllib3", "google", "alembic")


def json_handler(stream: Any) -> logging.Handler:
    """A handler writing one JSON object per line, with the request id (tests read it too)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                                       datefmt="%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(_RequestIdFilter())
    return handler


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """One JSON object per line on stderr (journald and container logs take it as it is)."""
    root = logging.getLogger()
    if any(getattr(h, "_ed24", False) for h in root.handlers):
        root.setLevel(level)
        return
    handler = json_handler(stream or sys.stderr)
    handler._ed24 = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def request_id_from(header: str | None) -> str:
    return header if header and _SANE_ID.fullmatch(header) else uuid.uuid4().hex


def log_request(route: str, method: str, status: int, started: float, **extra: Any) -> None:
    elapsed = time.perf_counter() - started
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    LATENCY.labels(route=route).observe(elapsed)
    level = logging.ERROR if status >= 500 else logging.INFO
    requests_log.log(level, "request", extra={"event": "request", "route": route, "method": method,
                                              "status": status, "duration_ms": round(elapsed * 1000, 2), **extra})


# -- the metrics listener --------------------------------------------------------------

class OutboxCollector(Collector):
    """Outbox depth and the age of its oldest queued message, read at each scrape."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._engine: Any = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .delivery.worker import backlog

        depth = GaugeMetricFamily("ed24_outbox_depth", "Messages queued, not yet delivered or failed")
        oldest = GaugeMetricFamily("ed24_outbox_oldest_age_seconds", "Age of the oldest queued message")
        failed = GaugeMetricFamily("ed24_outbox_failed", "Messages that finally failed (flask outbox --failed)")
        try:
            if self._engine is None:
                from .db import make_engine
                self._engine = make_engine(self.database_url)
            found = backlog(self._engine)
        except Exception as exc:  # the scrape must answer even while the database is away
            log.warning("metrics: outbox backlog unreadable: %s", type(exc).__name__)
            return
        depth.add_metric([], found.queued)
        oldest.add_metric([], found.oldest_age_seconds)
        failed.add_metric([], found.failed)
        yield from (depth, oldest, failed)


def metrics_registry(database_url: str | None) -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    if database_url:
        registry.register(OutboxCollector(database_url))
    return registry


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not worth a line each
        pass


def serve_metrics(address: str, allowed: Iterable[str], database_url: str | None) -> threading.Thread:
    """Serve /metrics on `address` ("127.0.0.1:9464") in a thread, to `allowed` addresses only."""
    host, _, port = address.rpartition(":")
    exporter = make_wsgi_app(metrics_registry(database_url))
    allow = frozenset(allowed)

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("REMOTE_ADDR") not in allow or environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        return exporter(environ, start_response)

    server = make_server(host.strip("[]") or "127.0.0.1", int(port), app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="ed24-metrics", daemon=True)
    thread.start()
    log.info("metrics listener on %s", address)
    return thread
