"""Steckbrief PDFs and the "all municipalities" job: content, permissions, progress, cancel."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.domain.formatting import format_number
from cockpit.exports import jobs, report
from cockpit.exports.metadata import build_record, read_record
from cockpit.services import exports as export_service
from cockpit.services import kenndaten
from cockpit.settings import Settings
from tests.config_support import TEST_CONFIG
from tests.exports.export_support import (
    GOERLITZ,
    ZITTAU,
    page_size_pt,
    pdf_to_pngs,
    pdftotext,
    principal,
)


@pytest.fixture
def demo_session(demo_url: str) -> Iterator[Session]:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _report(session: Session, username: str, ags: str, path: Path) -> export_service.ReportData:
    who = principal(session, username)
    mid = export_service.municipality_id_for_ags(session, who, ags)
    data = export_service.get_report_data(
        session, who, mid, config=replace(TEST_CONFIG, district_ags="14626")
    )
    record = build_record(
        kind="report",
        fmt="pdf",
        params={"municipality": ags},
        data_hash=data.data_hash,
        principal=who,
        scope=data.scope_text,
        title=report.title_of(data),
        sources=data.sources,
        is_demo=data.is_demo,
    )
    path.write_bytes(report.render_report(data, record))
    return data


def _flat(path: Path) -> str:
    return " ".join(pdftotext(path).split())


def test_district_report_has_every_section(demo_session: Session, tmp_path: Path) -> None:
    path = tmp_path / "goerlitz.pdf"
    data = _report(demo_session, "kreis", GOERLITZ, path)
    assert page_size_pt(path) == pytest.approx((595.28, 841.89), abs=0.5)
    text = _flat(path)
    for heading in (
        "Steckbrief Stadt Görlitz",
        "Landkreis Görlitz",
        "Kennzahlen",
        "Ansprechpartner",
        "Beschäftigte in der Kernverwaltung",
        "Investitionsrückstände und geplante Investitionen",
        "Kommunale Eigenbetriebe",
        "Mitgliedschaften und Zweckverbände",
        "Stadt-/Gemeinderat",
        "Themencluster",
        "Flächenpotenziale",
        "Quellen und Lizenzen",
        "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0",
        "Exportiert am",
        "Demo-Daten",
    ):
        assert heading in text, heading
    view = data.kenndaten
    assert view is not None and data.area_list
    for contact in view.groups["contacts"]:
        assert contact.values["name"] in text
    for focus in view.groups["focus"]:
        for name in focus.values["companies"]:
            assert name.split(" (")[0] in text  # actors of the theme clusters
    assert data.area_list[0].public_id in text
    assert format_number(data.profile.population.value, 0) in text  # type: ignore[union-attr]
    pages = pdf_to_pngs(path, "steckbrief-kreis-goerlitz", resolution=50)
    assert len(pages) >= 4


def test_kommune_report_of_foreign_municipality_is_public_only(
    demo_session: Session, tmp_path: Path
) -> None:
    kreis_data = _report(demo_session, "kreis", GOERLITZ, tmp_path / "kreis.pdf")
    path = tmp_path / "fremd.pdf"
    data = _report(demo_session, "kommune.zittau", GOERLITZ, path)
    assert data.kenndaten is None and data.area_list is None and not data.area_geometries
    text = _flat(path)
    assert "Auszug für: Stadt Zittau" in text
    assert "öffentliche Profil" in text
    assert kreis_data.kenndaten is not None and kreis_data.area_list
    secrets = [c.values["name"] for c in kreis_data.kenndaten.groups["contacts"]]
    secrets += [c.values["email"] for c in kreis_data.kenndaten.groups["contacts"]]
    secrets += [a.public_id for a in kreis_data.area_list]
    secrets += [e.values["name"] for e in kreis_data.kenndaten.groups["enterprises"]]
    for secret in secrets:
        assert secret not in text, secret
    # no non-public indicator of Görlitz (own-municipality or district-internal)
    assert "Investitionsrückstand je Einwohner" not in text
    assert "Förderbedarf" not in text
    assert {k.key for k in data.profile.kpis}.isdisjoint(
        {"investitionsrueckstand_je_ew", "foerderbedarf_index"}
    )
    pdf_to_pngs(path, "steckbrief-zittau-sieht-goerlitz", resolution=40)

    own = tmp_path / "eigen.pdf"
    own_data = _report(demo_session, "kommune.zittau", ZITTAU, own)
    assert own_data.kenndaten is not None
    assert "Investitionsrückstand je Einwohner" in _flat(own)


def test_report_permissions(demo_session: Session) -> None:
    admin = principal(demo_session, "admin")
    with pytest.raises(AccessDeniedError):
        export_service.get_report_data(demo_session, admin, 1, config=TEST_CONFIG)
    with pytest.raises(AccessDeniedError):  # "all municipalities" is for district roles
        export_service.list_report_targets(demo_session, principal(demo_session, "kommune.zittau"))
    with pytest.raises(NotFoundError):
        export_service.get_report_data(
            demo_session, principal(demo_session, "kreis"), 999_999, config=TEST_CONFIG
        )
    assert (
        len(export_service.list_report_targets(demo_session, principal(demo_session, "kreis")))
        == 53
    )


class _CancelAfter(jobs.FileJobStore):
    """A real file store whose cancel flag is set once ``n`` reports are done."""

    def __init__(self, directory: Path, n: int) -> None:
        super().__init__(directory)
        self.n = n

    def save(self, state: jobs.JobState) -> None:
        super().save(state)
        if state.done >= self.n and not state.finished:
            self.request_cancel(state.id)


@pytest.mark.slow
def test_job_progress_and_cancel_leave_no_partial_file(
    demo_session: Session, demo_settings: Settings, tmp_path: Path
) -> None:
    kreis = principal(demo_session, "kreis")
    factory = make_session_factory(make_engine(demo_settings.database_url))
    store = _CancelAfter(tmp_path / "jobs", 2)
    seen: list[int] = []
    original = store.save

    def tracking_save(state: jobs.JobState) -> None:
        seen.append(state.done)
        original(state)

    store.save = tracking_save  # type: ignore[method-assign]
    job = jobs.start_all_reports(
        store, factory, demo_session, kreis, demo_settings, run=lambda work: work()
    )
    state = jobs.get_job(store, kreis, job.id)
    assert state.status == jobs.CANCELLED
    assert state.done == 2 and state.total == 53
    assert "abgebrochen" in state.message
    assert sorted(set(seen)) == [0, 1, 2]  # progress was reported per report
    assert not list((tmp_path / "jobs").glob("*.zip"))  # nothing half-written
    with pytest.raises(NotFoundError):  # jobs are private to their user
        jobs.get_job(store, principal(demo_session, "analyse"), job.id)
    with pytest.raises(NotFoundError):
        jobs.get_job(store, kreis, "../../etc/passwd")


def test_job_completes_on_a_small_district(
    settings: Settings, sqlite_url: str, tmp_path: Path
) -> None:
    """The whole run (two municipalities, real PDFs) ends with a zip of reports + manifest."""
    from tests.auth.support import seed_world

    factory = make_session_factory(make_engine(sqlite_url))
    with factory() as session:
        world = seed_world(session)
        kreis = world.principals["kreis"]
        store = jobs.FileJobStore(tmp_path / "jobs")
        job = jobs.start_all_reports(store, factory, session, kreis, settings, run=lambda w: w())
        state = jobs.get_job(store, kreis, job.id)
        assert state.status == jobs.DONE, state.message
        assert state.done == state.total == 2 and state.percent == 100
        path = jobs.result_path(store, kreis, job.id)
        with zipfile.ZipFile(path) as archive:
            names = sorted(archive.namelist())
            assert names == [
                "Steckbrief_14626110_Görlitz.pdf",
                "Steckbrief_14626610_Zittau.pdf",
                "metadaten.json",
            ]
        record = read_record(path)
        assert set(record.render["reports"]) == {GOERLITZ, ZITTAU}
        assert record.user == "kreis"


def test_redis_job_store_round_trip(tmp_path: Path) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379")
    store = jobs.RedisJobStore("redis://127.0.0.1:6379/15", tmp_path, prefix="test:exportjob:")
    state = jobs.JobState(
        id="abc123", kind="steckbriefe", user="kreis", status=jobs.RUNNING, total=3
    )
    store.save(state)
    assert store.load("abc123") == state
    assert not store.cancel_requested("abc123")
    store.request_cancel("abc123")
    assert store.cancel_requested("abc123")
    store.client.delete("test:exportjob:abc123", "test:exportjob:abc123:cancel")
    assert store.load("abc123") is None


def test_group_labels_match_kenndaten_spec() -> None:
    columns = export_service.kenndaten_columns("investments")
    assert [c.label for c in columns][:4] == ["Bereich", "Art", "Jahr", "Betrag"]
    assert columns[3].unit == "EUR"
    assert [c.label for c in export_service.kenndaten_columns("focus")][:2] == [
        "Themencluster",
        kenndaten.GROUPS["focus"].field("focus").label,
    ]


def test_expired_job_files_are_removed(tmp_path: Path) -> None:
    import os
    import time

    store = jobs.FileJobStore(tmp_path / "jobs")
    old = store.directory / "Steckbriefe_alt.zip"
    old.write_bytes(b"PK")
    fresh = store.directory / "Steckbriefe_neu.zip"
    fresh.write_bytes(b"PK")
    past = time.time() - jobs.JOB_TTL_SECONDS - 60
    os.utime(old, (past, past))
    assert jobs.remove_expired(store.directory) == 1
    assert not old.exists() and fresh.exists()
