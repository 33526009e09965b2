"""Jobs whose worker died: heartbeat, "fehlgeschlagen" within twice the heartbeat interval,
and a real ``cockpit worker`` process killed with SIGKILL — on the embedded SQLite queue and
on Redis."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.vocab import JobState
from cockpit.exports import jobs
from cockpit.models import Job
from cockpit.services import jobs as job_service
from cockpit.services.config import ServiceConfig
from cockpit.services.jobs import JobView
from cockpit.settings import Settings, load_settings
from tests.exports.export_support import GOERLITZ, ZITTAU, csrf_from, login, principal
from tests.job_support import (
    BACKENDS,
    REDIS_URL,
    flush,
    job_settings,
    log_tail,
    queue_of,
    start_worker,
    stop,
    wait_until,
)


@pytest.fixture
def demo_session(demo_url: str) -> Iterator[Session]:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _running(session: Session, job_id: str, beat_age_s: float, user: str = "kreis") -> Job:
    owner = principal(session, user)
    now = dt.datetime.now(dt.UTC)
    job = Job(
        id=job_id,
        kind="steckbriefe",
        user_id=owner.user_id,
        username=owner.username,
        scope="alle Gemeinden",
        state=JobState.RUNNING,
        total=53,
        done=7,
        current="Görlitz",
        created_at=now - dt.timedelta(minutes=5),
        started_at=now - dt.timedelta(minutes=5),
        heartbeat_at=now - dt.timedelta(seconds=beat_age_s),
    )
    session.add(job)
    session.commit()
    return job


def test_running_job_without_heartbeat_for_twice_the_interval_fails(
    demo_session: Session, demo_settings: Settings
) -> None:
    config = ServiceConfig.from_settings(demo_settings)
    assert config.job_heartbeat_seconds == 15
    kreis = principal(demo_session, "kreis")
    _running(demo_session, "job-stale", beat_age_s=31)
    _running(demo_session, "job-fresh", beat_age_s=29)

    assert job_service.get_job(demo_session, kreis, "job-fresh", config).state is JobState.RUNNING
    state = job_service.get_job(demo_session, kreis, "job-stale", config)
    assert state.state is JobState.FAILED and state.state.label == "fehlgeschlagen"
    assert state.finished and state.current == "" and state.finished_at is not None
    assert state.message == (
        "Der Auftrag wurde unterbrochen (Hintergrundprozess beendet). Bitte starten Sie ihn erneut."
    )
    assert state.done == 7  # progress up to the crash stays visible
    # the worker of a job declared dead stops at its next step and cannot overwrite it
    assert job_service.report_progress(demo_session, "job-stale", 8, "Zittau") is True
    assert not job_service.finish(demo_session, "job-stale", JobState.DONE, "fertig", "x.zip")
    reloaded = job_service.get_job(demo_session, kreis, "job-stale", config)
    assert reloaded.state is JobState.FAILED and reloaded.done == 7 and not reloaded.has_result
    # cancelling it now changes nothing
    assert job_service.cancel_job(demo_session, kreis, "job-stale", config).state is (
        JobState.FAILED
    )


def test_heartbeat_settings(demo_settings: Settings) -> None:
    tuned = load_settings(
        environ={
            "COCKPIT_JOB_HEARTBEAT_SECONDS": "3",
            "COCKPIT_JOB_TIME_LIMIT_SECONDS": "600",
            "COCKPIT_JOB_RESULT_HOURS": "2",
            "COCKPIT_REDIS_URL": REDIS_URL,
        },
        database_url=demo_settings.database_url,
        instance_dir=demo_settings.instance_dir,
        env="test",
        secret_key=demo_settings.secret_key,
    )
    assert tuned.job_queue_backend == "redis"  # Redis configured: server mode
    assert demo_settings.job_queue_backend == "sqlite"
    config = ServiceConfig.from_settings(tuned)
    assert (config.job_heartbeat_seconds, config.job_result_hours) == (3, 2)
    assert tuned.job_time_limit_seconds == 600
    forced = tuned.with_overrides(job_backend="sqlite")
    assert forced.job_queue_backend == "sqlite"
    from cockpit.settings import SettingsError

    with pytest.raises(SettingsError):
        demo_settings.with_overrides(job_backend="redis").validate()  # no COCKPIT_REDIS_URL
    with pytest.raises(SettingsError):
        demo_settings.with_overrides(job_backend="rq").validate()


def test_status_route_reports_the_interruption(demo_settings: Settings) -> None:
    """The JSON the job page shows: status "fehlgeschlagen" and the German message."""
    app: Flask = create_app(demo_settings)
    try:
        factory = app.extensions["cockpit"].session_factory
        with factory() as session:
            _running(session, "job-route-stale", beat_age_s=600)
        client = app.test_client()
        login(client, "kreis")
        body = client.get("/export/auftraege/job-route-stale").get_json()
        assert body["status"] == "fehlgeschlagen" and body["state"] == "failed"
        assert body["finished"] is True and body["download_url"] == ""
        assert body["message"] == job_service.INTERRUPTED_MESSAGE
        script = client.get("/export/static/jobs.js")
        assert b"job.message" in script.data and b"result.body.message" in script.data
        script.close()
        token = csrf_from(client, "/export/auftraege")
        cancel = client.post(
            "/export/auftraege/job-route-stale/abbrechen", headers={"X-CSRFToken": token}
        )
        assert cancel.get_json()["status"] == "fehlgeschlagen"
    finally:
        app.extensions["cockpit"].engine.dispose()


def _job(factory: sessionmaker[Session], config: ServiceConfig, job_id: str) -> JobView:
    """The job as its owner sees it (each call also runs the stale check)."""
    with factory() as session:
        return job_service.get_job(session, principal(session, "kreis"), job_id, config)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "database"),
    [
        *((backend, "sqlite") for backend in BACKENDS),
        pytest.param("redis", "postgresql", marks=pytest.mark.db),  # the server deployment
    ],
)
def test_worker_killed_with_sigkill_fails_the_job_and_the_next_job_completes(
    demo_settings: Settings,
    tmp_path: Path,
    backend: str,
    database: str,
    request: pytest.FixtureRequest,
) -> None:
    """A real ``cockpit worker`` runs "Steckbriefe aller Gemeinden" and is killed with
    SIGKILL: while it lives the heartbeat keeps the job "läuft" (3 s interval); after the
    kill the job is "fehlgeschlagen" within twice the interval and never runs again; the
    next job (two municipalities) runs to completion on a new worker; every finished job
    has exactly one result file (the killed run's partial file is removed by maintenance)."""
    if database == "postgresql":
        demo_settings = demo_settings.with_overrides(
            database_url=request.getfixturevalue("demo_pg_url")
        )
    settings = job_settings(demo_settings, backend, job_heartbeat_seconds=3)
    app = create_app(settings)
    queue = queue_of(app)
    factory = app.extensions["cockpit"].session_factory
    config = ServiceConfig.from_settings(settings)
    first = start_worker(settings, tmp_path / "worker-1.log")
    second = None
    try:
        with factory() as session:
            kreis = principal(session, "kreis")
            killed_job = jobs.start_all_reports(queue, session, kreis, config).id

        running = wait_until(
            lambda: _job(factory, config, killed_job).done >= 2 or None, timeout=120
        )
        assert running
        state = _job(factory, config, killed_job)
        assert state.state is JobState.RUNNING and 2 <= state.done < 53, state
        beats = set()
        for _ in range(4):  # alive: the heartbeat moves, the 6 s limit is never hit
            time.sleep(1.6)
            with factory() as session:
                job = session.get(Job, killed_job)
                assert job is not None
                beats.add(job.heartbeat_at)
            assert _job(factory, config, killed_job).state is JobState.RUNNING
        assert len(beats) > 1
        assert list(queue.result_dir.glob(f".partial-{killed_job}-*"))

        killed_at = time.monotonic()
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        failed = wait_until(lambda: _job(factory, config, killed_job).finished or None, timeout=10)
        waited = time.monotonic() - killed_at
        assert failed
        state = _job(factory, config, killed_job)
        assert state.state is JobState.FAILED, state
        assert state.message == job_service.INTERRUPTED_MESSAGE
        assert waited <= 2 * settings.job_heartbeat_seconds + 0.5, waited
        assert state.done < 53

        second = start_worker(settings, tmp_path / "worker-2.log")
        with factory() as session:
            next_job = jobs.start_all_reports(  # two reports: completes in a test's time
                queue, session, principal(session, "kreis"), config, only=[GOERLITZ, ZITTAU]
            )
        done = wait_until(
            lambda: _job(factory, config, next_job.id).finished or None, timeout=240, interval=0.5
        )
        assert done
        final = _job(factory, config, next_job.id)
        assert final.state is JobState.DONE, (final, log_tail(tmp_path / "worker-2.log"))
        assert final.done == final.total == 2 and final.has_result
        assert _job(factory, config, killed_job).state is JobState.FAILED  # never run again

        results = sorted(p.name for p in queue.result_dir.iterdir() if not p.name.startswith("."))
        assert results == [f"Steckbriefe_{next_job.id}.zip"]
        stray = list(queue.result_dir.glob(".partial-*"))
        assert stray and all(p.name.startswith(f".partial-{killed_job}-") for p in stray)
        old = time.time() - settings.job_time_limit_seconds - 7200
        for path in stray:
            os.utime(path, (old, old))
        queue.maintenance()
        assert sorted(p.name for p in queue.result_dir.iterdir()) == results
    finally:
        stop(first)
        if second is not None:
            stop(second)
        flush(queue)
        app.extensions["cockpit"].engine.dispose()


@pytest.mark.slow
def test_stopping_the_worker_fails_its_running_job_at_once(
    demo_settings: Settings, tmp_path: Path
) -> None:
    """``systemctl stop`` sends SIGTERM (running jobs may finish); a second SIGTERM stops at
    once: the running job is marked failed right away, long before its heartbeat limit."""
    settings = job_settings(demo_settings, "sqlite", job_heartbeat_seconds=60)
    app = create_app(settings)
    queue = queue_of(app)
    factory = app.extensions["cockpit"].session_factory
    config = ServiceConfig.from_settings(settings)
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        with factory() as session:
            job_id = jobs.start_all_reports(queue, session, principal(session, "kreis"), config).id
        wait_until(lambda: _job(factory, config, job_id).done >= 1 or None, 120, interval=0.25)
        worker.send_signal(signal.SIGTERM)  # graceful: waits for the running job …
        time.sleep(1.0)
        assert worker.poll() is None and _job(factory, config, job_id).state is JobState.RUNNING
        stopped_at = time.monotonic()
        worker.send_signal(signal.SIGTERM)  # … a second one does not
        assert worker.wait(timeout=30) == 0, log_tail(tmp_path / "worker.log")
        state = _job(factory, config, job_id)
        assert state.state is JobState.FAILED, (state, log_tail(tmp_path / "worker.log"))
        assert state.message == job_service.INTERRUPTED_MESSAGE
        assert time.monotonic() - stopped_at < 30 < 2 * settings.job_heartbeat_seconds
        assert not [p for p in queue.result_dir.iterdir() if not p.name.startswith(".")]
    finally:
        stop(worker)
        flush(queue)
        app.extensions["cockpit"].engine.dispose()
