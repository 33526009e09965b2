"""Liveness (``/healthz``) and readiness (``/readyz``) probes for load balancers and systemd.

Both answer without login (the route guard allowlists the ``health.*`` endpoints) and
reveal nothing sensitive: only ``status`` and one ``ok``/``fail`` per check — no versions,
host names, URLs or error texts. The reason of a failed check goes to the log.
"""

from __future__ import annotations

import functools
import logging

import redis
from flask import Blueprint, Response, jsonify
from sqlalchemy import Engine, text

from cockpit.migrate import current_revision, head_revision
from cockpit.settings import Settings
from cockpit.web import get_runtime

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

# Endpoints the route guard must let through without a session.
PUBLIC_ENDPOINTS = frozenset({"health.healthz", "health.readyz"})

REDIS_TIMEOUT_S = 1.0


@functools.cache
def _head_revision() -> str | None:
    # The migration scripts do not change while the process runs: read them once
    # (the URL only fills Alembic's config; the head comes from the scripts).
    return head_revision("sqlite://")


def _check_database(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", exc.__class__.__name__)
        log.debug("readiness: database error detail", exc_info=True)
        return False


def _check_migrations(engine: Engine) -> bool:
    try:
        current = current_revision(engine)
        head = _head_revision()
    except Exception as exc:
        log.warning("readiness: migration state unknown: %s", exc.__class__.__name__)
        return False
    if current != head:
        log.warning("readiness: database at revision %s, code expects %s", current, head)
        return False
    return True


def redis_urls(settings: Settings) -> list[str]:
    """The Redis servers the app depends on (shared state between processes)."""
    urls = [settings.redis_url] if settings.redis_url else []
    storage = settings.ratelimit_storage_url
    if storage.startswith(("redis://", "rediss://")) and storage not in urls:
        urls.append(storage)
    return urls


def _check_redis(urls: list[str]) -> bool:
    for url in urls:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            socket_timeout=REDIS_TIMEOUT_S,
        )
        try:
            client.ping()
        except Exception as exc:
            log.warning("readiness: redis unreachable: %s", exc.__class__.__name__)
            return False
        finally:
            client.close()
    return True


def readiness(settings: Settings, engine: Engine) -> dict[str, str]:
    """Run the readiness checks; ``{"database": "ok", "migrations": "fail", ...}``."""
    checks: dict[str, str] = {}
    database_ok = _check_database(engine)
    checks["database"] = "ok" if database_ok else "fail"
    checks["migrations"] = "ok" if database_ok and _check_migrations(engine) else "fail"
    urls = redis_urls(settings)
    if urls:
        checks["redis"] = "ok" if _check_redis(urls) else "fail"
    return checks


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers HTTP (no dependency checks)."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: database reachable, migrations at head, Redis reachable if configured."""
    runtime = get_runtime()
    checks = readiness(runtime.settings, runtime.engine)
    ready = all(value == "ok" for value in checks.values())
    response = _no_store(jsonify(status="ok" if ready else "fail", checks=checks))
    return response, 200 if ready else 503
