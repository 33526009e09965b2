"""Production mode with real processes: gunicorn workers on PostgreSQL/PostGIS and Redis.

Covers: two app instances sharing sessions and rate limits, kill -9 of a worker in the middle
of a write, the database dropping every app connection (pool pre-ping), Redis going away,
and the refusal to start with an unsafe configuration.

The machine's PostgreSQL cluster and the shared Redis on 6379 are never touched: every test
stack has its own database, its own redis-server on a free port and its own gunicorn.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, create_engine, text

from cockpit.settings import PROJECT_ROOT
from tests.conftest import PG_ADMIN_URL
from tests.deploy.support import (
    GUNICORN,
    USERS,
    Gunicorn,
    fill_sample_data,
    gunicorn,
    http_session,
    login,
    pid_with_local_port,
    production_env,
    redis_server,
)

pytestmark = [pytest.mark.db, pytest.mark.slow]

LIMITS = {
    "COCKPIT_LOGIN_LIMIT_PER_ACCOUNT": "3 per 5 minutes",
    "COCKPIT_LOGIN_LIMIT_PER_IP": "200 per 5 minutes",
}
THROTTLED = "Zu viele Anmeldeversuche"


@dataclass
class Stack:
    database_url: str
    redis_url: str
    engine: Engine
    app: Gunicorn
    tmp: Path

    def env(self, app_name: str) -> dict[str, str]:
        url = f"{self.database_url}?application_name={app_name}"
        return production_env(url, self.redis_url, self.tmp, **LIMITS)


@pytest.fixture(scope="module")
def database(pg_template: str, data_dir: Path) -> Iterator[str]:
    name = f"cockpit_srv_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        fill_sample_data(url, data_dir)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def stack(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Instance A: ``gunicorn -c gunicorn.conf.py`` with 2 workers, PostgreSQL and Redis."""
    tmp = tmp_path_factory.mktemp("stack")
    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    with redis_server(tmp) as redis_url:
        env = production_env(f"{database}?application_name=cockpit-a", redis_url, tmp, **LIMITS)
        with gunicorn(env, tmp, workers=2) as app:
            yield Stack(database, redis_url, engine, app, tmp)
    engine.dispose()


def _app_backends(engine: Engine, app_name: str) -> list[tuple[int, int, str | None, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid, client_port, wait_event_type, query FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": app_name},
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def test_production_instance_is_ready_and_sets_secure_cookies(stack: Stack) -> None:
    base = stack.app.base_url
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok"},
    }
    session = http_session()
    password = USERS["kreis.test"][0]
    response = login(session, base, "kreis.test", password)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "cockpit_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert session.get(f"{base}/passwort", allow_redirects=False, timeout=10).status_code == 200
    assert password not in stack.app.log()
    # Structured JSON logs with request and user id reach gunicorn's output.
    assert '"logger": "cockpit.access"' in stack.app.log()


def test_two_instances_share_sessions_and_rate_limits(stack: Stack) -> None:
    with gunicorn(stack.env("cockpit-b"), stack.tmp, workers=1) as other:
        a, b = stack.app.base_url, other.base_url
        # A session started on instance A is valid on instance B (and on every worker).
        session = http_session()
        assert login(session, a, "analyse.test", USERS["analyse.test"][0]).status_code == 302
        for base in (a, b, a, b):
            response = session.get(f"{base}/passwort", allow_redirects=False, timeout=10)
            assert response.status_code == 200, base
        # The per-account login limit (3 failures) counts across both instances (Redis).
        attacker = http_session()
        statuses = [
            login(attacker, base, "kommune.test", "falsch-falsch-falsch").status_code
            for base in (a, b, a, b)
        ]
        assert statuses == [200, 200, 200, 429]
        locked = login(attacker, a, "kommune.test", USERS["kommune.test"][0])
        assert locked.status_code == 429 and THROTTLED in locked.text
        # Logging out on B ends the session everywhere (session generation in the database).
        logout_page = session.get(f"{b}/logout", timeout=10).text
        token = logout_page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"')[0]
        out = session.post(f"{b}/logout", data={"csrf_token": token}, allow_redirects=False)
        assert out.status_code == 302
        again = session.get(f"{a}/passwort", allow_redirects=False, timeout=10)
        assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_kill_9_of_a_worker_during_a_write_leaves_nothing_half_written(stack: Stack) -> None:
    """A login writes an audit entry and ``app_user.last_login_at`` in one transaction.

    The test holds a row lock that makes the worker block between the two statements, kills
    that worker with SIGKILL, and checks that PostgreSQL rolled the whole transaction back,
    that the other worker kept serving and that gunicorn replaced the dead worker.
    """
    engine = stack.engine
    workers_before = stack.app.worker_pids()
    ready_before = stack.app.log().count("Worker ready (pid:")
    with engine.connect() as conn:
        user_id, last_login = conn.execute(
            text("SELECT id, last_login_at FROM app_user WHERE username = 'redaktion.test'")
        ).one()
        audit_before = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()

    blocker = engine.connect().execution_options(isolation_level="READ COMMITTED")
    blocker_tx = blocker.begin()
    # The worker inserts the audit entry first, then waits for this row lock on its user.
    blocker.execute(text("SELECT id FROM app_user WHERE id = :id FOR UPDATE"), {"id": user_id})

    outcome: dict[str, object] = {}

    def _login() -> None:
        try:
            outcome["status"] = login(
                http_session(), stack.app.base_url, "redaktion.test", USERS["redaktion.test"][0]
            ).status_code
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=_login)
    thread.start()
    try:
        waiting = None
        deadline = time.monotonic() + 60
        while waiting is None and time.monotonic() < deadline:
            waiting = next((b for b in _app_backends(engine, "cockpit-a") if b[2] == "Lock"), None)
            time.sleep(0.1)
        assert waiting is not None, "the login never reached the locked table"
        backend_pid, client_port, _, query = waiting
        assert "UPDATE app_user" in query
        with engine.connect() as conn:
            wrote = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE l.pid = :pid AND c.relname = 'audit_log' AND l.mode = 'RowExclusiveLock'"
                ),
                {"pid": backend_pid},
            ).scalar_one()
        assert wrote == 1, "the worker should have inserted its audit entry before blocking"
        victim = pid_with_local_port(client_port, workers_before)
        assert victim is not None, "could not find the worker owning the DB connection"

        os.kill(victim, signal.SIGKILL)
        # The other worker keeps serving while the master replaces the dead one.
        survivor_checks = [
            requests.get(f"{stack.app.base_url}/readyz", timeout=10).status_code for _ in range(5)
        ]
        assert survivor_checks == [200] * 5
    finally:
        blocker_tx.rollback()
        blocker.close()
        thread.join(timeout=60)
    assert "error" in outcome, f"the killed request cannot have succeeded: {outcome}"

    deadline = time.monotonic() + 30
    while any(b[0] == backend_pid for b in _app_backends(engine, "cockpit-a")):
        assert time.monotonic() < deadline, "PostgreSQL kept the dead worker's session"
        time.sleep(0.1)
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT last_login_at FROM app_user WHERE id = :id"), {"id": user_id}
            ).scalar_one()
            == last_login
        )
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == audit_before

    workers_after = stack.app.wait_for_workers(2, ready=ready_before + 1)
    assert victim not in workers_after and len(set(workers_after) & set(workers_before)) == 1
    # And the same login now goes through normally.
    session = http_session()
    assert (
        login(session, stack.app.base_url, "redaktion.test", USERS["redaktion.test"][0]).status_code
        == 302
    )


def test_app_recovers_when_the_database_drops_all_its_connections(stack: Stack) -> None:
    """Stands in for a database restart (the shared cluster is never restarted here):
    every app connection is terminated server-side; the pool's pre-ping reconnects."""
    session = http_session()
    assert (
        login(session, stack.app.base_url, "kreis.test", USERS["kreis.test"][0]).status_code == 302
    )
    for _ in range(10):  # fill both workers' pools
        assert session.get(f"{stack.app.base_url}/passwort", timeout=10).status_code == 200
    before = {b[0] for b in _app_backends(stack.engine, "cockpit-a")}
    assert before
    with stack.engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'cockpit-a' AND datname = current_database()"
            )
        ).scalar_one()
    assert killed == len(before)
    statuses = [
        session.get(f"{stack.app.base_url}/passwort", allow_redirects=False, timeout=10).status_code
        for _ in range(10)
    ]
    assert statuses == [200] * 10
    assert requests.get(f"{stack.app.base_url}/readyz", timeout=10).status_code == 200
    after = {b[0] for b in _app_backends(stack.engine, "cockpit-a")}
    assert after and not (after & before), "the app must be using new connections"
    assert "Traceback" not in stack.app.log()


def test_redis_down_login_throttling_fails_safe_and_the_rest_keeps_working(
    database: str, tmp_path: Path
) -> None:
    """Documented behaviour (Flask-Limiter ``in_memory_fallback_enabled``): without Redis the
    login limits are still enforced, per worker process in memory, so an attacker gets at
    most ``workers x limit`` attempts; logins, sessions and pages keep working; /readyz
    reports the outage so the load balancer/monitoring notices."""
    with redis_server(tmp_path) as redis_url:
        env = production_env(
            f"{database}?application_name=cockpit-c", redis_url, tmp_path, **LIMITS
        )
        with gunicorn(env, tmp_path, workers=2) as app:
            base = app.base_url
            session = http_session()
            assert login(session, base, "kreis.test", USERS["kreis.test"][0]).status_code == 302
            redis_pid = int(
                subprocess.run(
                    ["redis-cli", "-u", redis_url, "info", "server"],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=10,
                )
                .stdout.split("process_id:", 1)[1]
                .split()[0]
            )
            os.kill(redis_pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(redis_pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)

            ready = requests.get(f"{base}/readyz", timeout=10)
            assert ready.status_code == 503
            assert ready.json()["checks"]["redis"] == "fail"
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
            # Existing sessions and pages keep working.
            for _ in range(4):
                page = session.get(f"{base}/passwort", allow_redirects=False, timeout=10)
                assert page.status_code == 200
            # A correct login still works.
            fresh = http_session()
            assert login(fresh, base, "analyse.test", USERS["analyse.test"][0]).status_code == 302
            # Throttling fails safe: at most 2 workers x 3 failures, then 429.
            attacker = http_session()
            statuses = [
                login(attacker, base, "kommune.test", "falsch-falsch-falsch").status_code
                for _ in range(7)
            ]
            assert set(statuses[:3]) == {200}
            assert statuses[-1] == 429 and statuses.count(429) >= 1
            assert set(statuses) <= {200, 429}
    assert "Traceback" not in app.log()


def test_production_mode_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = production_env("sqlite:////tmp/never.sqlite", "", tmp_path)
    env.pop("COCKPIT_SECRET_KEY")
    env.update({"GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": "1"})
    result = subprocess.run(
        [GUNICORN, "--config", str(PROJECT_ROOT / "gunicorn.conf.py")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Production mode refused" in result.stderr
    assert "COCKPIT_SECRET_KEY must be set to at least 32 random characters" in result.stderr
    assert "COCKPIT_DATABASE_URL must point to PostgreSQL, not SQLite" in result.stderr
