"""Steckbrief PDFs: content and permissions (the "all municipalities" job: test_job_queue)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.domain.formatting import format_number
from cockpit.exports import report
from cockpit.exports.metadata import build_record
from cockpit.services import exports as export_service
from cockpit.services import kenndaten
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


def test_group_labels_match_kenndaten_spec() -> None:
    columns = export_service.kenndaten_columns("investments")
    assert [c.label for c in columns][:4] == ["Bereich", "Art", "Jahr", "Betrag"]
    assert columns[3].unit == "EUR"
    assert [c.label for c in export_service.kenndaten_columns("focus")][:2] == [
        "Themencluster",
        kenndaten.GROUPS["focus"].field("focus").label,
    ]
