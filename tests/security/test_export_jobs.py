""" "Steckbriefe aller Gemeinden" jobs: the result zip holds every municipality's
confidential data, so access to it must follow the CURRENT permissions of the user."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cockpit.domain.errors import AccessDeniedError, CockpitError, NotFoundError
from cockpit.domain.roles import Role
from cockpit.exports import jobs
from cockpit.models import User
from cockpit.services import users
from tests.security.conftest import DemoWorld


def _finished_job(store: jobs.FileJobStore, username: str) -> jobs.JobState:
    """A finished "Steckbriefe aller Gemeinden" job of ``username`` with its result file."""
    state = jobs.JobState(
        id="job-secret-token-123",
        kind="steckbriefe",
        user=username,
        status=jobs.DONE,
        total=53,
        done=53,
        result_name="Steckbriefe_job-secret-token-123.zip",
    )
    (store.directory / state.result_name).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    store.save(state)
    return state


def test_other_users_cannot_read_or_download_a_job(demo: DemoWorld, tmp_path: Path) -> None:
    store = jobs.FileJobStore(tmp_path / "export_jobs")
    state = _finished_job(store, "kreis")
    assert jobs.result_path(store, demo.principal("kreis"), state.id).exists()
    for other in ("analyse", "kommune.goerlitz", "admin"):
        with pytest.raises(NotFoundError):
            jobs.result_path(store, demo.principal(other), state.id)
        with pytest.raises(NotFoundError):
            jobs.cancel_job(store, demo.principal(other), state.id)
    for bad in ("../kreis", "a/b", "x" * 65, ""):
        with pytest.raises(NotFoundError):
            jobs.get_job(store, demo.principal("kreis"), bad)


def test_demoted_user_can_no_longer_download_all_reports(demo: DemoWorld, tmp_path: Path) -> None:
    """HOLE: ``jobs.get_job``/``result_path`` only compare the user NAME stored in the job.

    A Kreis-Redaktion user who started the job and is then moved to the Kommune role (or
    whose account name is later given to someone else) still downloads the zip with the
    Kenndaten and areas of all 53 municipalities for as long as the file exists (the file
    store never expires it). Re-check the permission the job needed
    (``list_report_targets``: EXPORT_DATA and VIEW_CONFIDENTIAL district-wide) on every
    status/download request, and key jobs by user id rather than name.
    """
    store = jobs.FileJobStore(tmp_path / "export_jobs")
    state = _finished_job(store, "kreis")
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
    with pytest.raises((AccessDeniedError, NotFoundError)):
        jobs.result_path(store, demoted, state.id)


def test_kommune_cannot_start_all_reports(demo: DemoWorld, tmp_path: Path, demo_settings) -> None:  # type: ignore[no-untyped-def]
    store = jobs.FileJobStore(tmp_path / "export_jobs")
    ran: list[object] = []
    for username in ("kommune.goerlitz", "admin"):
        with pytest.raises(CockpitError):
            jobs.start_all_reports(
                store,
                lambda: demo.session,  # type: ignore[arg-type,return-value]
                demo.session,
                demo.principal(username),
                demo_settings,
                run=ran.append,
            )
    assert ran == []
    assert list(store.directory.iterdir()) == []


# --------------------------------------------------------------------------- HTTP routes


def test_export_routes_keep_a_kommune_to_its_own_municipality(
    demo: DemoWorld,
    demo_app,  # type: ignore[no-untyped-def]
) -> None:
    """The /export routes through the real app, as ``kommune.goerlitz``."""
    import io
    import zipfile

    from tests.security.conftest import demo_login

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
