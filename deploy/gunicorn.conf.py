"""gunicorn settings of one ed24-cabinet app server (behind nginx, deploy/nginx/ed24-cabinet.conf).

    gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'

GUNICORN_BIND (default 127.0.0.1:8001) and WEB_CONCURRENCY (workers, default 2) come
from the environment; the app's own settings too (README, "Running at scale").
"""
import os

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
# nginx's access log names the app server and its time; gunicorn logs errors only.
accesslog = None
errorlog = "-"
loglevel = "warning"
# X-Forwarded-* are read by the app (TRUSTED_PROXIES, werkzeug's ProxyFix), not by
# gunicorn: with this empty gunicorn leaves them alone.
forwarded_allow_ips = ""
proc_name = "ed24-cabinet"
