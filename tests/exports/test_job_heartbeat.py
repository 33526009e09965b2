"""Export jobs whose process died: heartbeat, "abgebrochen" after the stale limit, for the
file store and the Redis store, and a real worker process killed with SIGKILL."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import ValidationError
from cockpit.exports import jobs
from cockpit.settings import Settings
from tests.exports.export_support import csrf_from, login, principal

REDIS_URL = "redis://127.0.0.1:6379/0"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_session(demo_url: str) -> Iterator[Session]:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def redis_store(tmp_path: Path) -> Iterator[jobs.RedisJobStore]:
    prefix = f"cockpit-test:{secrets.token_hex(6)}:"
    store = jobs.RedisJobStore(REDIS_URL, tmp_path / "export_jobs", prefix, stale_after_seconds=120)
    yield store
    keys = list(store.client.scan_iter(match=prefix + "*"))
    if keys:
        store.client.delete(*keys)


def _running(job_id: str, user: str = "kreis") -> jobs.JobState:
    return jobs.JobState(
        id=job_id,
        kind="steckbriefe",
        user=user,
        status=jobs.RUNNING,
        total=53,
        done=7,
        current="Görlitz",
        created_at=jobs.now_utc(),
    )


def test_running_job_without_heartbeat_is_interrupted_file_store(
    demo_session: Session, tmp_path: Path
) -> None:
    kreis = principal(demo_session, "kreis")
    store = jobs.FileJobStore(tmp_path / "export_jobs", stale_after_seconds=120)
    stale, fresh = _running("job-stale-file"), _running("job-fresh-file")
    for state in (stale, fresh):
        store.save(state)
        store.beat(state.id)
    partial = store.directory / ".partial-job-stale-file.zip"
    partial.write_bytes(b"PK half written")
    old = time.time() - 121
    os.utime(store.directory / "job-stale-file.heartbeat", (old, old))

    assert jobs.get_job(store, kreis, fresh.id).status == jobs.RUNNING  # beat just now
    state = jobs.get_job(store, kreis, stale.id)
    assert state.status == jobs.CANCELLED == "abgebrochen"
    assert state.finished and state.current == "" and state.finished_at
    assert state.message == (
        "Der Export wurde unterbrochen (Serverprozess beendet). Bitte starten Sie ihn erneut."
    )
    assert state.done == 7  # progress up to the crash stays visible
    reloaded = store.load(stale.id)  # persisted: every worker answers the same
    assert reloaded is not None and reloaded.status == jobs.CANCELLED
    assert store.cancel_requested(stale.id)
    assert not partial.exists()
    # cancelling or downloading it now behaves like any finished job
    assert jobs.cancel_job(store, kreis, stale.id).status == jobs.CANCELLED
    with pytest.raises(ValidationError):
        jobs.result_path(store, kreis, stale.id)


def test_job_state_from_before_heartbeats_falls_back_to_its_start(
    demo_session: Session, tmp_path: Path
) -> None:
    """A state written without any heartbeat (older version, or crashed before the first
    beat) is judged by ``created_at``."""
    kreis = principal(demo_session, "kreis")
    store = jobs.FileJobStore(tmp_path / "export_jobs", stale_after_seconds=120)
    old = jobs.JobState(
        id="job-old",
        kind="steckbriefe",
        user="kreis",
        status=jobs.QUEUED,
        total=53,
        created_at="2026-01-01T08:00:00+00:00",
    )
    young = jobs.JobState(
        id="job-young",
        kind="steckbriefe",
        user="kreis",
        status=jobs.QUEUED,
        total=53,
        created_at=jobs.now_utc(),
    )
    store.save(old)
    store.save(young)
    assert jobs.get_job(store, kreis, "job-old").status == jobs.CANCELLED
    assert jobs.get_job(store, kreis, "job-young").status == jobs.QUEUED


def test_running_job_without_heartbeat_is_interrupted_redis_store(
    demo_session: Session, redis_store: jobs.RedisJobStore
) -> None:
    kreis = principal(demo_session, "kreis")
    stale, fresh = _running("job-stale-redis"), _running("job-fresh-redis")
    for state in (stale, fresh):
        redis_store.save(state)
        redis_store.beat(state.id)
    redis_store.client.set(
        redis_store.prefix + stale.id + ":heartbeat", repr(time.time() - 121), ex=3600
    )
    last = redis_store.last_beat(fresh.id)
    assert last is not None and time.time() - last < 5

    assert jobs.get_job(redis_store, kreis, fresh.id).status == jobs.RUNNING
    state = jobs.get_job(redis_store, kreis, stale.id)
    assert state.status == jobs.CANCELLED
    assert state.message == jobs.INTERRUPTED_MESSAGE
    reloaded = redis_store.load(stale.id)
    assert reloaded is not None and reloaded.status == jobs.CANCELLED
    assert redis_store.cancel_requested(stale.id)
    # the limit is configurable: with 200 s the same heartbeat is still alive
    patient = jobs.RedisJobStore(
        REDIS_URL, redis_store.directory, redis_store.prefix, stale_after_seconds=200
    )
    other = _running("job-slow-redis")
    patient.save(other)
    patient.client.set(patient.prefix + other.id + ":heartbeat", repr(time.time() - 121), ex=3600)
    assert jobs.get_job(patient, kreis, other.id).status == jobs.RUNNING


def test_stale_limit_comes_from_the_settings(demo_settings: Settings) -> None:
    from cockpit.settings import load_settings

    assert demo_settings.export_job_stale_seconds == 120
    store = jobs.make_store(demo_settings)
    assert isinstance(store, jobs.FileJobStore) and store.stale_after_seconds == 120
    tuned = load_settings(
        environ={"COCKPIT_EXPORT_JOB_STALE_SECONDS": "30", "COCKPIT_REDIS_URL": REDIS_URL},
        database_url=demo_settings.database_url,
        instance_dir=demo_settings.instance_dir,
        env="test",
        secret_key=demo_settings.secret_key,
    )
    redis_backed = jobs.make_store(tuned)
    assert isinstance(redis_backed, jobs.RedisJobStore)
    assert redis_backed.stale_after_seconds == 30
    assert jobs.heartbeat_interval(120) == 5.0 and jobs.heartbeat_interval(2) == 0.5


def test_status_route_reports_the_interruption(demo_settings: Settings) -> None:
    """The JSON the progress script shows: status "abgebrochen" and the German message."""
    app: Flask = create_app(demo_settings)
    try:
        store = jobs.make_store(demo_settings)
        store.save(_running("job-route-stale"))
        store.beat("job-route-stale")
        old = time.time() - 600
        os.utime(store.directory / "job-route-stale.heartbeat", (old, old))
        client = app.test_client()
        login(client, "kreis")
        body = client.get("/export/steckbriefe/auftraege/job-route-stale").get_json()
        assert body["status"] == "abgebrochen" and body["finished"] is True
        assert body["message"] == jobs.INTERRUPTED_MESSAGE
        script = client.get("/export/static/jobs.js")
        assert b"job.message" in script.data and b"result.body.message" in script.data
        script.close()
        token = csrf_from(client, "/export/steckbriefe")
        cancel = client.post(
            "/export/steckbriefe/auftraege/job-route-stale/abbrechen",
            headers={"X-CSRFToken": token},
        )
        assert cancel.get_json()["status"] == "abgebrochen"
        other = app.test_client()
        login(other, "analyse")
        assert (
            other.get(
                "/export/steckbriefe/auftraege/job-route-stale",
                headers={"Accept": "application/json"},
            ).status_code
            == 404
        )
    finally:
        app.extensions["cockpit"].engine.dispose()


_WORKER = """
import sys, time
from pathlib import Path
from cockpit import create_app
from cockpit.exports import jobs
from cockpit.services import exports as export_service
from cockpit.settings import load_settings

settings = load_settings(
    environ={}, database_url=sys.argv[1], instance_dir=Path(sys.argv[2]),
    data_dir=Path(sys.argv[3]), env="test", secret_key="worker-secret-" + "x" * 32,
    export_job_stale_seconds=2,
)
app = create_app(settings)
runtime = app.extensions["cockpit"]
session = runtime.session_factory()
kreis = export_service.principal_for_username(session, "kreis")
job = jobs.start_all_reports(jobs.make_store(settings), runtime.session_factory, session,
                             kreis, settings)
print(job.id, flush=True)
time.sleep(300)
"""


@pytest.mark.slow
def test_worker_process_killed_with_sigkill_leaves_an_interrupted_job(
    demo_session: Session, demo_settings: Settings, tmp_path: Path
) -> None:
    """A real process runs "Steckbriefe aller Gemeinden" in its thread pool and is killed
    (like a gunicorn worker): while it lives, the heartbeat keeps the job "läuft" even with a
    2 s limit; after the kill the job becomes "abgebrochen" within the limit."""
    assert demo_settings.data_dir is not None
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WORKER,
            demo_settings.database_url,
            str(demo_settings.instance_dir),
            str(demo_settings.data_dir),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert worker.stdout is not None
        job_id = worker.stdout.readline().strip()
        assert job_id, "worker printed no job id"
        kreis = principal(demo_session, "kreis")
        store = jobs.FileJobStore(demo_settings.instance_dir / "export_jobs", stale_after_seconds=2)
        deadline = time.monotonic() + 120
        state = jobs.get_job(store, kreis, job_id)
        while time.monotonic() < deadline and state.done < 2:
            time.sleep(0.2)
            state = jobs.get_job(store, kreis, job_id)
        assert state.status == jobs.RUNNING and 2 <= state.done < 53, state
        beats = []
        for _ in range(4):  # alive: the heartbeat keeps moving, the 2 s limit is never hit
            time.sleep(0.8)
            beats.append(store.last_beat(job_id))
            assert jobs.get_job(store, kreis, job_id).status == jobs.RUNNING
        assert len(set(beats)) > 1
        assert list(store.directory.glob(f".partial-{job_id}.zip"))
        killed_at = time.monotonic()
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
        frozen = store.load(job_id)
        assert frozen is not None and frozen.status == jobs.RUNNING  # nobody updated it
        while time.monotonic() < killed_at + 10:
            state = jobs.get_job(store, kreis, job_id)
            if state.finished:
                break
            time.sleep(0.2)
        waited = time.monotonic() - killed_at
        assert state.status == jobs.CANCELLED, state
        assert state.message == jobs.INTERRUPTED_MESSAGE
        assert 1.0 < waited < 5.0, waited  # not before the limit, soon after it
        assert state.done < 53
        assert not list(store.directory.glob("*.zip"))  # partial result removed
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        if worker.stdout is not None:
            worker.stdout.close()
