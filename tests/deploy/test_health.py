"""/healthz and /readyz: public, minimal JSON, real checks of database, migrations and Redis."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from cockpit import create_app
from cockpit.settings import Settings
from tests.deploy.support import free_port, redis_server

FORBIDDEN_IN_BODY = ("sqlite", "postgres", "127.0.0.1", "redis://", "0001", "version", "Error")


def _app(settings: Settings, **changes: object) -> Flask:
    return create_app(settings.with_overrides(**changes))


def _assert_reveals_nothing(body: str) -> None:
    for word in FORBIDDEN_IN_BODY:
        assert word not in body, f"probe response reveals {word!r}: {body}"


def test_healthz_is_public_and_minimal(settings: Settings) -> None:
    response = _app(settings).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]


def test_readyz_ok_on_migrated_database(settings: Settings) -> None:
    response = _app(settings).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok"},
    }
    _assert_reveals_nothing(response.get_data(as_text=True))


def test_readyz_fails_on_unmigrated_database(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = tmp_path / "empty.sqlite"
    app = _app(settings, database_url=f"sqlite:///{empty}")
    with caplog.at_level(logging.WARNING, logger="cockpit.health"):
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "fail",
        "checks": {"database": "ok", "migrations": "fail"},
    }
    _assert_reveals_nothing(response.get_data(as_text=True))
    assert "database at revision None, code expects" in caplog.text


def test_readyz_fails_when_database_unreachable(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql+psycopg://cockpit:geheim@127.0.0.1:{free_port()}/cockpit"
    app = _app(settings, database_url=url)
    with caplog.at_level(logging.WARNING, logger="cockpit.health"):
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "fail", "migrations": "fail"}
    _assert_reveals_nothing(response.get_data(as_text=True))
    assert "readiness: database unreachable: OperationalError" in caplog.text
    assert "geheim" not in caplog.text


def test_readyz_checks_redis(settings: Settings, tmp_path: Path) -> None:
    with redis_server(tmp_path) as redis_url:
        app = _app(settings, redis_url=redis_url, ratelimit_storage_url=redis_url)
        client = app.test_client()
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json()["checks"] == {
            "database": "ok",
            "migrations": "ok",
            "redis": "ok",
        }
    # The redis-server is gone now: same app, readiness fails, liveness does not.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "fail",
        "checks": {"database": "ok", "migrations": "ok", "redis": "fail"},
    }
    _assert_reveals_nothing(response.get_data(as_text=True))
    assert client.get("/healthz").status_code == 200


@pytest.mark.db
def test_readyz_on_postgresql(settings: Settings, pg_url: str) -> None:
    app = _app(settings, database_url=pg_url)
    try:
        response = app.test_client().get("/readyz")
    finally:
        app.extensions["cockpit"].engine.dispose()  # close pooled connections before GC
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "ok"}
