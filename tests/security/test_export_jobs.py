"""Background jobs ("Steckbriefe aller Gemeinden"): the result zip holds every municipality's
confidential data, so every status, cancel and download follows the CURRENT permissions of
the user; anonymous and foreign users are refused (401/403, never 500)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from cockpit.domain.errors import AccessDeniedError, CockpitError, NotFoundError
from cockpit.domain.roles import Role
from cockpit.domain.vocab import JobState
from cockpit.exports import jobs
from cockpit.jobqueue import JobQueue
from cockpit.models import Job, User
from cockpit.services import jobs as job_service
from cockpit.services import users
from cockpit.services.config import ServiceConfig
from cockpit.settings import Settings
from tests.exports.export_support import csrf_from
from tests.job_support import queue_of
from tests.security.conftest import DemoWorld, demo_login

JOB_ID = "job-secret-token-1"
RESULT = f"Steckbriefe_{JOB_ID}.zip"


def _finished_job(world: DemoWorld, queue: JobQueue | None, username: str = "kreis") -> str:
    """A finished "Steckbriefe aller Gemeinden" job of ``username`` with its result file."""
    owner = world.principal(username)
    now = dt.datetime.now(dt.UTC)
    world.session.add(
        Job(
            id=JOB_ID,
            kind="steckbriefe",
            user_id=owner.user_id,
            username=owner.username,
            scope="alle Gemeinden",
            state=JobState.DONE,
            total=53,
            done=53,
            result_file=RESULT,
            created_at=now,
            finished_at=now,
        )
    )
    world.session.commit()
    if queue is not None:
        (queue.result_dir / RESULT).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return JOB_ID


@pytest.fixture
def config(demo_settings: Settings) -> ServiceConfig:
    return ServiceConfig.from_settings(demo_settings)


def test_other_users_cannot_read_cancel_or_download_a_job(
    demo: DemoWorld, config: ServiceConfig
) -> None:
    job_id = _finished_job(demo, None)
    s = demo.session
    assert job_service.result_file(s, demo.principal("kreis"), job_id, config) == RESULT
    for other in ("analyse", "kommune.goerlitz"):
        for call in (job_service.get_job, job_service.cancel_job, job_service.result_file):
            with pytest.raises(AccessDeniedError):
                call(s, demo.principal(other), job_id, config)
        assert job_service.list_jobs(s, demo.principal(other), config) == []
    # Admin sees and may cancel every job, but never gets the confidential result
    admin = demo.principal("admin")
    assert job_service.get_job(s, admin, job_id, config).username == "kreis"
    assert [j.id for j in job_service.list_jobs(s, admin, config)] == [job_id]
    with pytest.raises(AccessDeniedError):
        job_service.result_file(s, admin, job_id, config)
    for bad in ("../kreis", "a/b", "x" * 65, "", "job-unknown"):
        with pytest.raises(NotFoundError):
            job_service.get_job(s, demo.principal("kreis"), bad, config)


def test_demoted_user_can_no_longer_download_all_reports(
    demo: DemoWorld, config: ServiceConfig
) -> None:
    """The permission the job needed (EXPORT_DATA and VIEW_CONFIDENTIAL district-wide) is
    checked again on every download; jobs are keyed by user id, not by name."""
    job_id = _finished_job(demo, None)
    kreis_user = demo.session.scalar(select(User).where(User.username == "kreis"))
    assert kreis_user is not None
    users.set_role(
        demo.session,
        demo.principal("admin"),
        kreis_user.id,
        Role.KOMMUNE,
        municipality_ids=[demo.goerlitz.id],
    )
    demo.session.refresh(kreis_user)
    demoted = kreis_user.to_principal()
    assert demoted.role is Role.KOMMUNE
    with pytest.raises(AccessDeniedError):
        job_service.result_file(demo.session, demoted, job_id, config)
    assert job_service.get_job(demo.session, demoted, job_id, config).id == job_id  # own job


def test_kommune_and_admin_cannot_start_all_reports(
    demo: DemoWorld, demo_app: Flask, config: ServiceConfig
) -> None:
    queue = queue_of(demo_app)
    for username in ("kommune.goerlitz", "admin"):
        with pytest.raises(CockpitError):
            jobs.start_all_reports(queue, demo.session, demo.principal(username), config)
    assert demo.session.scalars(select(Job)).all() == []
    assert queue.huey.pending_count() == 0


# --------------------------------------------------------------------------- HTTP routes

JOB_ROUTES = [
    ("GET", "/export/auftraege"),
    ("GET", "/export/auftraege.json"),
    ("GET", f"/export/auftraege/{JOB_ID}"),
    ("POST", f"/export/auftraege/{JOB_ID}/abbrechen"),
    ("GET", f"/export/auftraege/{JOB_ID}/download"),
    ("POST", "/export/steckbriefe/auftraege"),
]


@pytest.fixture
def job_app(demo: DemoWorld, demo_app: Flask) -> Iterator[Flask]:
    _finished_job(demo, queue_of(demo_app))
    yield demo_app


@pytest.mark.parametrize(("method", "path"), JOB_ROUTES)
def test_anonymous_job_requests_get_401(job_app: Flask, method: str, path: str) -> None:
    response = job_app.test_client().open(
        path, method=method, headers={"Accept": "application/json"}
    )
    assert response.status_code == 401
    assert response.get_json()["message"] == "Bitte melden Sie sich an."


# (user, method, path) -> status: the owner (kreis), a foreign district user (analyse), a
# Kommune user, and the Admin (sees and cancels every job, never downloads its data).
MATRIX = [
    ("kreis", "GET", f"/export/auftraege/{JOB_ID}", 200),
    ("kreis", "POST", f"/export/auftraege/{JOB_ID}/abbrechen", 200),
    ("kreis", "GET", f"/export/auftraege/{JOB_ID}/download", 200),
    ("analyse", "GET", f"/export/auftraege/{JOB_ID}", 403),
    ("analyse", "POST", f"/export/auftraege/{JOB_ID}/abbrechen", 403),
    ("analyse", "GET", f"/export/auftraege/{JOB_ID}/download", 403),
    ("kommune.goerlitz", "GET", f"/export/auftraege/{JOB_ID}", 403),
    ("kommune.goerlitz", "POST", f"/export/auftraege/{JOB_ID}/abbrechen", 403),
    ("kommune.goerlitz", "GET", f"/export/auftraege/{JOB_ID}/download", 403),
    ("kommune.goerlitz", "POST", "/export/steckbriefe/auftraege", 403),
    ("admin", "GET", f"/export/auftraege/{JOB_ID}", 200),
    ("admin", "POST", f"/export/auftraege/{JOB_ID}/abbrechen", 200),
    ("admin", "GET", f"/export/auftraege/{JOB_ID}/download", 403),
    ("admin", "POST", "/export/steckbriefe/auftraege", 403),
    ("kreis", "GET", "/export/auftraege/unbekannt/download", 404),
]


@pytest.mark.parametrize(("username", "method", "path", "status"), MATRIX)
def test_job_routes_follow_owner_and_role(
    job_app: Flask, username: str, method: str, path: str, status: int
) -> None:
    client = job_app.test_client()
    demo_login(client, username)
    token = csrf_from(client, "/export/auftraege")
    response = client.open(
        path, method=method, headers={"Accept": "application/json", "X-CSRFToken": token}
    )
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status >= 400:
        assert response.get_json()["message"]  # a German message, never a stack trace
    if path.endswith("/download") and status == 200:
        assert response.mimetype == "application/zip" and response.data.startswith(b"PK")
    response.close()


def test_job_lists_show_own_jobs_and_admin_all(job_app: Flask) -> None:
    for username, expected in (("kreis", [JOB_ID]), ("analyse", []), ("admin", [JOB_ID])):
        client = job_app.test_client()
        demo_login(client, username)
        listed = client.get("/export/auftraege.json").get_json()["jobs"]
        assert [job["id"] for job in listed] == expected, username
        page = client.get("/export/auftraege")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert ("Aufträge aller Benutzer" in text) == (username == "admin")
        assert ("Herunterladen" in text) == (username == "kreis")
        assert ("Export starten" in text) == (username != "admin")  # district roles


def test_export_routes_keep_a_kommune_to_its_own_municipality(
    demo: DemoWorld, demo_app: Flask
) -> None:
    """The /export routes through the real app, as ``kommune.goerlitz``."""
    import io
    import zipfile

    client = demo_app.test_client()
    demo_login(client, "kommune.goerlitz")
    zittau, goerlitz = demo.zittau.ags, demo.goerlitz.ags
    # Confidential tables of Zittau: refused.
    for path in (
        f"/export/tabelle/kenndaten/{zittau}.csv",
        f"/export/tabelle/kenndaten/{zittau}.xlsx",
        f"/export/tabelle/flaechen.csv?municipalities={zittau}",
        "/export/steckbriefe",
    ):
        response = client.get(path)
        assert response.status_code == 403, (path, response.status_code)
        assert "Zittau" not in response.get_data(as_text=True).replace("Stadt Zittau", "")
    started = client.post("/export/steckbriefe/auftraege", headers={"X-CSRFToken": "x"})
    assert started.status_code in (400, 403)
    # Own data: delivered, and only the own municipality.
    own = client.get("/export/tabelle/flaechen.csv")
    assert own.status_code == 200
    with zipfile.ZipFile(io.BytesIO(own.data)) as archive:
        text = archive.read("flaechenpotenziale.csv").decode("utf-8-sig")
    rows = text.splitlines()[1:]
    assert rows and all(f";{goerlitz};" in row for row in rows)
    assert client.get(f"/export/tabelle/kenndaten/{goerlitz}.csv").status_code == 200
