"""gunicorn settings of one ed24-cabinet app server (behind nginx, deploy/nginx/ed24-cabinet.conf).

    gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'

GUNICORN_BIND (default 127.0.0.1:8001) and WEB_CONCURRENCY (workers, default 2) come
from the environment, like every setting of the app (deploy/ed24-cabinet.env.example).

Logs: one JSON object per line on stderr. The app writes its own line per request
(route, status, duration, request id: webapp/observability.py), which replaces
gunicorn's access log; gunicorn's error log (start, stop, a worker killed) is JSON too.

Metrics: the workers count into prometheus-client's multiprocess files
(PROMETHEUS_MULTIPROC_DIR) and this master process serves their sum on
METRICS_ADDRESS, to the addresses in METRICS_ALLOW only. A worker never opens the
listener itself (ED24_METRICS_IN_MASTER).
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Synchronous workers: a request is mostly CPU (page rendering, argon2 at sign-in), and
# nginx buffers slow clients, so a worker is never held by a slow phone. About one or
# two workers per core.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# A stuck worker is replaced after 30 s (nginx waits 35 s); on SIGTERM the workers
# finish the requests they hold, for up to 20 s, before the server exits.
timeout = 30
graceful_timeout = 20
# Not preloaded: each worker opens its own database pool after the fork.
preload_app = False
# X-Forwarded-* are read by the app (TRUSTED_PROXIES, werkzeug's ProxyFix), not by
# gunicorn: with this empty gunicorn leaves them alone.
forwarded_allow_ips = ""
proc_name = "ed24-cabinet"
# systemd or supervisord signals the master; gunicornc's socket (gunicorn 25+) is not used,
# and two app servers on one machine would contend for its default path.
control_socket_disable = True

# The app's JSON request line is the access log (it has the route, never a link's token).
accesslog = None
errorlog = "-"
loglevel = "info"
_JSON = {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "{asctime}{levelname}{name}{message}",
         "style": "{", "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
         "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    # The app adds its own JSON handler to the root logger (observability.configure_logging).
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
    "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json",
                          "stream": "ext://sys.stderr"}},
    "formatters": {"json": _JSON},
}

# Set before any worker imports prometheus_client: it picks its mode at import. Under
# systemd the unit's RuntimeDirectory holds the files (emptied at every start).
_runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
_default_dir = (Path(_runtime) / "metrics" if _runtime else
                Path(tempfile.gettempdir()) / f"ed24-cabinet-metrics-{re.sub(r'[^0-9A-Za-z.]', '_', bind)}")
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_default_dir))
os.environ["ED24_METRICS_IN_MASTER"] = "1"


def on_starting(server: Any) -> None:
    """Counts of a previous run would be added to this one's: start from an empty folder."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def when_ready(server: Any) -> None:
    """The master serves the workers' metrics (and the outbox gauges) on its own listener."""
    from webapp import config, observability

    settings = config.environment()
    observability.configure_logging(settings["LOG_LEVEL"])
    if settings["METRICS_ADDRESS"]:
        observability.serve_metrics(settings["METRICS_ADDRESS"], settings["METRICS_ALLOW"],
                                    settings["DATABASE_URL"])


def child_exit(server: Any, worker: Any) -> None:
    """A worker's live gauges end with it (its counters stay summed in)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
