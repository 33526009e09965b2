"""Gunicorn configuration for production: ``gunicorn -c gunicorn.conf.py app:server``.

The application itself is configured only through ``COCKPIT_*`` variables (see
``deploy/cockpit.env.example``); these ``GUNICORN_*`` variables only size and place the
server process:

- ``GUNICORN_BIND`` (default ``127.0.0.1:8000``; nginx in front terminates TLS)
- ``GUNICORN_WORKERS`` (default ``2 * cores``, at least 2), ``GUNICORN_THREADS`` (default 4)
- ``GUNICORN_TIMEOUT`` (default 60 s), ``GUNICORN_TRUSTED_PROXIES`` (default 0; set 1 when
  exactly one reverse proxy — nginx — sits in front, so the client IP used for login
  throttling and the audit log comes from its ``X-Forwarded-For``).

Nothing that must be shared between workers lives in a worker's memory: sessions are
signed cookies, rate-limit counters and caches go to Redis, data to PostgreSQL. Each worker
builds its own app (``preload_app = False``) and with it its own connection pool.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

wsgi_app = "app:server"

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS", str(max(2, multiprocessing.cpu_count() * 2))))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Longer than nginx's upstream keepalive (60 s) and than users' think time, so the server
# never closes an idle connection just as the client (nginx) reuses it (reset / 502).
keepalive = 75
# Recycle workers now and then (bounded memory growth), staggered so they never all restart.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# One app (engine, pool, Dash) per worker: no connections shared across fork().
preload_app = False

# Requests are logged by the app itself (cockpit.access: request id, user id, duration).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Only nginx on this host may tell us the original scheme (https) of a request.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
limit_request_line = 8190
proc_name = "kommunal-cockpit"
# gunicorn >= 25.1 opens a control socket in $HOME/.gunicorn by default: one fixed path that
# several instances on one host would share. We manage the process via systemd instead.
control_socket_disable = True

TRUSTED_PROXIES = int(os.environ.get("GUNICORN_TRUSTED_PROXIES", "0"))


def post_worker_init(worker: Any) -> None:
    """Trust ``X-Forwarded-For``/``-Proto``/``-Host`` from exactly the configured proxies."""
    if TRUSTED_PROXIES > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        worker.wsgi = ProxyFix(
            worker.wsgi, x_for=TRUSTED_PROXIES, x_proto=TRUSTED_PROXIES, x_host=TRUSTED_PROXIES
        )
    worker.log.info("Worker ready (pid: %s)", worker.pid)
