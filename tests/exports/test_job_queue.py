"""The job queue (Huey) for "Steckbriefe aller Gemeinden": a whole run, cancel, a job id
that runs once, the time limit, result purging, and the embedded consumer's life cycle —
on the embedded SQLite queue and on Redis."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cockpit import create_app
from cockpit.domain.vocab import JobState
from cockpit.exports import jobs
from cockpit.exports.metadata import read_record
from cockpit.jobqueue import JobContext, Outcome
from cockpit.models import Job
from cockpit.models.user import AuditLog
from cockpit.services import jobs as job_service
from cockpit.services.config import ServiceConfig
from cockpit.settings import Settings
from tests.exports.export_support import GOERLITZ, ZITTAU, client_for, csrf_from, principal
from tests.job_support import BACKENDS, embedded, flush, job_settings, queue_of, wait_until


@contextmanager
def _app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    try:
        yield app
    finally:
        queue_of(app).stop_embedded()
        flush(queue_of(app))
        app.extensions["cockpit"].engine.dispose()


@pytest.fixture(params=BACKENDS)
def small_app(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Flask]:
    """The app on an empty database (tests seed two municipalities), each backend."""
    with _app(job_settings(settings, request.param)) as app:
        yield app


@pytest.fixture(params=BACKENDS)
def demo_app(request: pytest.FixtureRequest, demo_settings: Settings) -> Iterator[Flask]:
    """The app on the full demo district (53 municipalities), queue on each backend."""
    with _app(job_settings(demo_settings, request.param)) as app:
        yield app


def _factory(app: Flask) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.extensions["cockpit"].session_factory
    return factory


def _config(app: Flask) -> ServiceConfig:
    config: ServiceConfig = app.extensions["cockpit"].config
    return config


def _seed(app: Flask) -> None:
    from tests.auth.support import seed_world

    with _factory(app)() as session:
        seed_world(session)


def _start(app: Flask, username: str = "kreis") -> str:
    with _factory(app)() as session:
        kreis = principal(session, username)
        return jobs.start_all_reports(queue_of(app), session, kreis, _config(app)).id


def _state(app: Flask, job_id: str) -> job_service.JobView:
    with _factory(app)() as session:
        kreis = principal(session, "kreis")
        return job_service.get_job(session, kreis, job_id, _config(app))


def _finished(app: Flask, job_id: str, timeout: float = 120) -> job_service.JobView:
    wait_until(lambda: _state(app, job_id).finished or None, timeout, interval=0.25)
    return _state(app, job_id)


def test_a_whole_run_writes_one_zip_of_reports_and_manifest(small_app: Flask) -> None:
    _seed(small_app)
    with embedded(small_app) as queue:
        job_id = _start(small_app)
        state = _finished(small_app, job_id)
    assert state.state is JobState.DONE, state.message
    assert state.done == state.total == 2 and state.percent == 100
    assert state.message == "2 Steckbriefe erstellt."
    assert state.username == "kreis" and "(2)" in state.scope
    with _factory(small_app)() as session:
        name = job_service.result_file(
            session, principal(session, "kreis"), job_id, _config(small_app)
        )
    assert name == f"Steckbriefe_{job_id}.zip"
    assert sorted(p.name for p in queue.result_dir.iterdir()) == [name]  # no temp files
    with zipfile.ZipFile(queue.result_dir / name) as archive:
        assert sorted(archive.namelist()) == [
            "Steckbrief_14626110_Görlitz.pdf",
            "Steckbrief_14626610_Zittau.pdf",
            "metadaten.json",
        ]
    record = read_record(queue.result_dir / name)
    assert set(record.render["reports"]) == {GOERLITZ, ZITTAU}
    assert record.user == "kreis"


def test_a_job_id_runs_once_even_if_delivered_twice(small_app: Flask) -> None:
    """Idempotent: a second delivery of the same job id (e.g. a re-queued message) finds
    the job no longer queued and does nothing — one result file, one audit entry."""
    _seed(small_app)
    queue = queue_of(small_app)
    job_id = _start(small_app)
    queue.enqueue(job_id)
    with embedded(small_app):
        assert _finished(small_app, job_id).state is JobState.DONE
        queue.run_now(job_id)  # a third, late delivery
    assert [p.name for p in queue.result_dir.iterdir()] == [f"Steckbriefe_{job_id}.zip"]
    with _factory(small_app)() as session:
        audited = session.scalars(
            select(AuditLog).where(AuditLog.action == "export", AuditLog.target.like("%alle:2"))
        ).all()
    assert len(audited) == 1


@pytest.mark.slow
def test_cancel_while_running_stops_and_leaves_no_file(demo_app: Flask) -> None:
    with embedded(demo_app) as queue:
        job_id = _start(demo_app)
        wait_until(lambda: _state(demo_app, job_id).done >= 1 or None, 120, interval=0.25)
        with _factory(demo_app)() as session:
            kreis = principal(session, "kreis")
            asked = job_service.cancel_job(session, kreis, job_id, _config(demo_app))
        assert asked.state is JobState.RUNNING  # stops at its next step
        state = _finished(demo_app, job_id)
    assert state.state is JobState.CANCELLED and state.state.label == "abgebrochen"
    assert state.message == "Der Auftrag wurde abgebrochen."
    assert 1 <= state.done < 53 and not state.has_result
    assert list(queue.result_dir.iterdir()) == []  # nothing half-written


def test_a_cancelled_queued_job_never_runs(small_app: Flask) -> None:
    _seed(small_app)
    job_id = _start(small_app)  # no consumer yet: stays queued
    assert _state(small_app, job_id).state is JobState.QUEUED
    with _factory(small_app)() as session:
        kreis = principal(session, "kreis")
        state = job_service.cancel_job(session, kreis, job_id, _config(small_app))
    assert state.state is JobState.CANCELLED and state.finished_at is not None
    follow_up = _start(small_app)
    with embedded(small_app) as queue:
        assert _finished(small_app, follow_up).state is JobState.DONE
    with _factory(small_app)() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.started_at is None and job.done == 0
    assert [p.name for p in queue.result_dir.iterdir()] == [f"Steckbriefe_{follow_up}.zip"]


def test_the_time_limit_fails_a_long_job(demo_settings: Settings) -> None:
    app_settings = job_settings(demo_settings, "sqlite", job_time_limit_seconds=2)
    with _app(app_settings) as app:
        with embedded(app) as queue:
            state = _finished(app, _start(app))
        assert state.state is JobState.FAILED
        assert state.message == (
            "Der Auftrag hat das Zeitlimit von 2 Sekunden überschritten und wurde beendet."
        )
        assert state.done < 53
        assert list(queue.result_dir.iterdir()) == []


def test_results_are_purged_after_the_configured_time(small_app: Flask) -> None:
    """The periodic maintenance task deletes results older than ``job_result_hours``; the
    record stays (history), the download then explains why the file is gone."""
    _seed(small_app)
    queue = queue_of(small_app)
    assert "job_maintenance" in {t.name for t in queue.huey._registry.periodic_tasks}
    now = dt.datetime.now(dt.UTC)
    ids = {"alt": now - dt.timedelta(hours=25), "neu": now - dt.timedelta(hours=23)}
    with _factory(small_app)() as session:
        kreis = principal(session, "kreis")
        for job_id, finished in ids.items():
            session.add(
                Job(
                    id=job_id,
                    kind="steckbriefe",
                    user_id=kreis.user_id,
                    username="kreis",
                    state=JobState.DONE,
                    total=2,
                    done=2,
                    result_file=f"Steckbriefe_{job_id}.zip",
                    created_at=finished,
                    finished_at=finished,
                )
            )
            (queue.result_dir / f"Steckbriefe_{job_id}.zip").write_bytes(b"PK\x05\x06" + bytes(18))
        session.commit()
    queue.maintenance()
    assert [p.name for p in queue.result_dir.iterdir()] == ["Steckbriefe_neu.zip"]
    assert not _state(small_app, "alt").has_result and _state(small_app, "neu").has_result
    client = client_for(small_app)
    from tests.auth.support import login

    login(client, "kreis")
    gone = client.get("/export/auftraege/alt/download", headers={"Accept": "application/json"})
    assert gone.status_code == 400
    assert gone.get_json()["message"] == (
        "Das Ergebnis wurde nach 24 Stunden gelöscht. Bitte starten Sie den Auftrag erneut."
    )
    kept = client.get("/export/auftraege/neu/download")
    assert kept.status_code == 200 and kept.data.startswith(b"PK")
    kept.close()


def test_the_embedded_consumer_starts_once_and_only_when_serving(settings: Settings) -> None:
    """In tests (COCKPIT_ENV=test) only start_embedded() starts it; otherwise the first
    request does (never app creation: CLI commands and the reloader's watcher run none)."""
    with _app(job_settings(settings, "sqlite")) as app:
        queue = queue_of(app)
        assert "worker" in app.cli.commands
        app.test_client().get("/healthz").close()
        assert queue._consumer is None
        queue.start_embedded()
        consumer = queue._consumer
        queue.start_embedded()
        assert consumer is not None and queue._consumer is consumer
        queue.stop_embedded()
        assert queue._consumer is None
    with _app(job_settings(settings, "sqlite", env="development")) as app:
        queue = queue_of(app)
        assert queue._consumer is None  # created, serving nothing yet
        app.test_client().get("/healthz").close()
        assert queue._consumer is not None
        queue.stop_embedded()
    with _app(job_settings(settings, "redis", env="development")) as app:
        app.test_client().get("/healthz").close()
        assert queue_of(app)._consumer is None  # server mode: `cockpit worker` consumes


def test_job_page_start_and_list(small_app: Flask) -> None:
    _seed(small_app)
    client = client_for(small_app)
    from tests.auth.support import login

    login(client, "kreis")
    token = csrf_from(client, "/export/steckbriefe")
    start = client.post("/export/steckbriefe/auftraege", headers={"X-CSRFToken": token})
    assert start.status_code == 202
    job = start.get_json()
    assert job["status"] == "wartend" and job["url"] == f"/export/auftraege/{job['id']}"
    with embedded(small_app):
        wait_until(lambda: client.get(job["url"]).get_json()["finished"] or None, 120, 0.25)
    body = client.get(job["url"]).get_json()
    assert body["status"] == "fertig" and body["download_url"].endswith("/download")
    assert body["created"][2] == "." and ", " in body["created"]  # "08.12.2026, 01:05"
    page = client.get("/export/auftraege").get_data(as_text=True)
    assert "Ihre Aufträge" in page and "fertig" in page and "Herunterladen" in page
    listed = client.get("/export/auftraege.json").get_json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    download.close()


def test_cli_exports_several_reports_through_the_same_job_code(
    settings: Settings, tmp_path: Path
) -> None:
    """``cockpit export-report --ags A,B`` runs the job in the shell process (recorded as a
    job like any other) and writes its zip; an unknown AGS is refused in German."""
    with _app(job_settings(settings, "sqlite")) as app:
        _seed(app)
        runner = app.test_cli_runner()
        target = tmp_path / "zwei.zip"
        result = runner.invoke(
            args=[
                "export-report",
                "--user",
                "kreis",
                "--ags",
                f"{GOERLITZ},{ZITTAU}",
                "-o",
                str(target),
            ]
        )
        assert result.exit_code == 0, result.output
        assert "2 Steckbriefe gespeichert" in result.output
        with zipfile.ZipFile(target) as archive:
            assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 2
        with _factory(app)() as session:
            recorded = session.scalars(select(Job)).one()
        assert recorded.state is JobState.DONE and recorded.params["ip"] == "cli"
        assert recorded.scope == f"2 Gemeinden: {GOERLITZ}, {ZITTAU}"
        refused = runner.invoke(
            args=[
                "export-report",
                "--user",
                "kreis",
                "--ags",
                f"{GOERLITZ},99999999",
                "-o",
                str(target),
            ]
        )
        assert refused.exit_code != 0
        assert "Unbekannte Gemeindeschlüssel: 99999999." in refused.output


def test_a_result_of_a_job_declared_dead_meanwhile_is_not_kept(small_app: Flask) -> None:
    """If a job was declared dead while its worker still finished it (e.g. a long pause),
    the record stays failed and the late result file is removed: no orphan files."""
    _seed(small_app)
    queue = queue_of(small_app)
    job_id = _start(small_app)

    def late_finisher(context: JobContext) -> Outcome:
        with context.result("late.zip") as tmp:
            tmp.write_bytes(b"PK")
        with _factory(small_app)() as session:  # meanwhile: the heartbeat check gave up
            job_service.finish(session, context.run.id, JobState.FAILED, "tot")
        return Outcome("fertig", "late.zip")

    queue.register("steckbriefe", late_finisher)
    queue.run_now(job_id)
    state = _state(small_app, job_id)
    assert state.state is JobState.FAILED and state.message == "tot" and not state.has_result
    assert list(queue.result_dir.iterdir()) == []
