"""The whole area-potential cycle of issue #5 in the real browser, as real users.

Kreis-Redaktion exports to the Geoportal (the baseline of the next change set), imports a
Geoportal GeoPackage built here with GeoPandas (upload → field mapping → preview →
apply), holds the Erhebungsgespräch with Görlitz (two areas confirmed, one changed); a
Kommune user proposes a new area, the Kreis-Redaktion accepts it in the review queue, and the
change-set export downloaded through the UI is read back with ``ogrinfo`` and GeoPandas and
compared with the database. Full demo data set, headless Debian Chromium, screenshots of
every step in ``test-artifacts/areas_cycle_*.png``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from sqlalchemy import or_, select

from cockpit import create_app
from cockpit.models import AreaPotential, AreaProposal, ExportRun, ImportMapping, Municipality
from cockpit.settings import Settings
from layers.crs import area_ha
from tests.areas_support import (
    GOERLITZ,
    ZITTAU,
    accept_proposal,
    download_export,
    finish_survey,
    free_square,
    municipality_geometries,
    ogrinfo_summary,
    open_areas,
    open_tab,
    propose_new_area,
    search_areas,
    survey_confirm_two_change_one,
    write_geojson,
)
from tests.browser_support import pick_option, query_db, serve, shot, user_page
from tests.config_support import TEST_METRIC_CRS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOURCE = "Geoportal Sachsen"
LAYER = "gewerbeflaechen"
NEW_GOERLITZ = ("GP-14626-9001", "Alte Tuchfabrik an der Neiße")
NEW_ZITTAU = ("GP-14626-9002", "Industriefläche Weinau-Süd")
PROPOSED = "Gewerbefläche Am Klinikum (Vorschlag)"
PROPOSAL_COMMENT = "Ansiedlungsanfrage eines Zulieferers"


@pytest.fixture
def live(demo_settings: Settings) -> Iterator[str]:
    with serve(create_app(demo_settings)) as base_url:
        yield base_url


@dataclass(frozen=True)
class GeoportalFile:
    """The GeoPackage "from the Geoportal" and what importing it must do."""

    path: Path
    status_changed: tuple[str, str]  # geoportal id, new status code
    renamed: tuple[str, str]  # geoportal id, new name (geometry grown as well)
    unchanged: str  # geoportal id
    missing: int  # Geoportal areas in the cockpit that the file does not contain


def _other_status(current: str) -> str:
    return "verfuegbar" if current == "reserviert" else "reserviert"


def _geoportal_file(settings: Settings, tmp_path: Path) -> GeoportalFile:
    """Three Geoportal areas of Görlitz (one new status, one renamed and grown, one as it is)
    and two new ones (Görlitz without AGS, found by location; Zittau with AGS)."""
    existing = query_db(
        settings,
        select(
            AreaPotential.geoportal_id,
            AreaPotential.name,
            AreaPotential.kind,
            AreaPotential.status,
            AreaPotential.notes,
            AreaPotential.geom,
        )
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(
            Municipality.ags == GOERLITZ,
            AreaPotential.geoportal_id.is_not(None),
            AreaPotential.is_deleted.is_(False),
        )
        .order_by(AreaPotential.name),
    )
    assert len(existing) >= 3
    first, second, third = existing[:3]
    all_geoportal = query_db(
        settings,
        select(AreaPotential.id).where(
            AreaPotential.geoportal_id.is_not(None), AreaPotential.is_deleted.is_(False)
        ),
    )
    goerlitz, goerlitz_areas = municipality_geometries(settings, GOERLITZ)
    zittau, zittau_areas = municipality_geometries(settings, ZITTAU)
    new_status = _other_status(first.status.value)
    renamed = f"{second.name} Nord"
    rows = [
        (first.geoportal_id, first.name, GOERLITZ, first.kind.value, new_status,
         "Käufer in Verhandlung (Geoportal)", first.geom),
        (second.geoportal_id, renamed, GOERLITZ, second.kind.value, second.status.value,
         second.notes, second.geom.buffer(12, join_style="mitre")),
        (third.geoportal_id, third.name, GOERLITZ, third.kind.value, third.status.value,
         third.notes, third.geom),
        (*NEW_GOERLITZ, None, "brache", "verfuegbar", "ehemaliges Textilwerk",
         free_square(goerlitz, goerlitz_areas, size_m=160)),
        (*NEW_ZITTAU, ZITTAU, "industrie", "in_entwicklung", "",
         free_square(zittau, zittau_areas, size_m=220)),
    ]  # fmt: skip
    frame = gpd.GeoDataFrame(
        {
            "objectid": [r[0] for r in rows],
            "bezeichnung": [r[1] for r in rows],
            "gkz": [r[2] for r in rows],
            "art": [r[3] for r in rows],
            "status": [r[4] for r in rows],
            "flaeche_bem": [r[5] or "" for r in rows],
            "bearbeiter": ["GIS-Team LRA"] * len(rows),
        },
        geometry=[r[6] for r in rows],
        crs=TEST_METRIC_CRS,
    )
    path = tmp_path / "geoportal_gewerbeflaechen.gpkg"
    frame.to_file(path, layer=LAYER, driver="GPKG")
    return GeoportalFile(
        path=path,
        status_changed=(first.geoportal_id, new_status),
        renamed=(second.geoportal_id, renamed),
        unchanged=third.geoportal_id,
        missing=len(all_geoportal) - 3,
    )


def _by_geoportal_id(settings: Settings, *geoportal_ids: str) -> dict[str, Any]:
    rows = query_db(
        settings,
        select(AreaPotential, Municipality.ags)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(AreaPotential.geoportal_id.in_(geoportal_ids)),
    )
    return {area.geoportal_id: (area, ags) for area, ags in rows}


def _import_through_ui(page: Any, upload: GeoportalFile) -> tuple[str, str]:
    """Upload → mapping (one field mapped by hand) → preview → apply; (preview, result)."""
    page.get_by_label("Quelle (Name der Geoportal-Ebene)").fill(SOURCE)
    page.set_input_files("#areas-import-upload input[type=file]", str(upload.path))
    page.wait_for_selector(".fl-mapping")
    info = page.inner_text("#areas-import-message")
    assert f"„{upload.path.name}“: 5 Objekte" in info, info
    # Suggested from the field names; "flaeche_bem" is mapped by hand, "bearbeiter" stays out.
    mapping = page.locator(".fl-mapping tbody tr")
    suggested = {
        "objectid": "Geoportal-ID (Pflicht, zum Abgleich)",
        "bezeichnung": "Bezeichnung",
        "gkz": "Gemeindeschlüssel (AGS); sonst nach Lage",
        "art": "Art",
        "status": "Vermarktungsstand",
        "bearbeiter": "– nicht übernehmen –",
    }
    for field, target in suggested.items():
        row = mapping.filter(has=page.locator(f"th:text-is('{field}')"))
        assert target in row.inner_text(), (field, row.inner_text())
    row = mapping.filter(has=page.locator("th:text-is('flaeche_bem')"))
    pick_option(page, row.locator(".dash-dropdown").first, "Bemerkungen")
    assert "Bemerkungen" in row.inner_text()
    shot(page, "areas_cycle_01_import_mapping")

    page.click("#areas-import-preview-button")
    page.wait_for_selector(".fl-preview")
    preview = page.inner_text(".fl-preview .fl-summary")
    changes = page.locator(".fl-preview table", has_text="Neue und geänderte Flächen")
    preview_table = changes.inner_text()
    assert changes.locator("tbody tr").count() == 4
    assert "Vermarktungsstand:" in preview_table and "Geometrie geändert" in preview_table
    assert NEW_GOERLITZ[1] in preview_table and NEW_ZITTAU[1] in preview_table
    # The areas missing from the file are folded away (a partial layer misses many).
    missing = page.locator(".fl-preview details.fl-preview-missing")
    assert (
        missing.locator("summary")
        .inner_text()
        .startswith(f"{upload.missing} fehlende Flächen anzeigen")
    )
    assert not missing.locator("table").is_visible()
    missing.locator("summary").click()
    assert missing.locator("tbody tr").count() == upload.missing
    missing.locator("summary").click()
    page.locator(".fl-preview h3").scroll_into_view_if_needed()
    shot(page, "areas_cycle_02_import_preview")

    page.click("#areas-import-apply")
    page.wait_for_function(
        "() => document.querySelector('#areas-import-message').innerText"
        ".includes('Import übernommen')"
    )
    result = page.inner_text("#areas-import-message")
    shot(page, "areas_cycle_03_import_applied")
    return preview, result


def test_whole_cycle_import_survey_proposal_review_change_set(
    live: str, chromium: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    settings = demo_settings
    upload = _geoportal_file(settings, tmp_path)
    before = _by_geoportal_id(
        settings, upload.status_changed[0], upload.renamed[0], upload.unchanged
    )
    kreis_context, kreis = user_page(chromium, live, "kreis")

    # 0. The last Geoportal export: the baseline of the change set at the end.
    open_areas(kreis, live)
    open_tab(kreis, "Import und Export")
    baseline = download_export(kreis, tmp_path)
    count, _info = ogrinfo_summary(baseline)
    current = query_db(
        settings, select(AreaPotential.id).where(AreaPotential.is_deleted.is_(False))
    )
    assert count == len(current)

    # 1. Import from the Geoportal file.
    preview, result = _import_through_ui(kreis, upload)
    assert preview.startswith(f"2 neu · 2 geändert · 1 unverändert · {upload.missing} fehlend"), (
        preview
    )
    assert result.startswith(
        f"Import übernommen: 2 neu, 2 geändert, 1 unverändert, 0 gelöscht, "
        f"{upload.missing} fehlende behalten."
    ), result
    after = _by_geoportal_id(
        settings,
        upload.status_changed[0],
        upload.renamed[0],
        upload.unchanged,
        NEW_GOERLITZ[0],
        NEW_ZITTAU[0],
    )
    status_area = after[upload.status_changed[0]][0]
    assert status_area.status.value == upload.status_changed[1]
    assert status_area.notes == "Käufer in Verhandlung (Geoportal)"
    assert status_area.version == before[upload.status_changed[0]][0].version + 1
    renamed_area, old_renamed = after[upload.renamed[0]][0], before[upload.renamed[0]][0]
    assert renamed_area.name == upload.renamed[1]
    assert renamed_area.area_ha > old_renamed.area_ha
    assert renamed_area.area_ha == pytest.approx(
        area_ha(renamed_area.geom, TEST_METRIC_CRS), abs=1e-3
    )
    assert after[upload.unchanged][0].version == before[upload.unchanged][0].version
    for gid, name, ags, kind in (
        (*NEW_GOERLITZ, GOERLITZ, "brache"),
        (*NEW_ZITTAU, ZITTAU, "industrie"),
    ):
        area, area_ags = after[gid]
        assert (area.name, area_ags, area.kind.value, area.source.value) == (
            name,
            ags,
            kind,
            "geoportal",
        )
    assert after[NEW_GOERLITZ[0]][0].notes == "ehemaliges Textilwerk"
    saved = query_db(
        settings, select(ImportMapping.mapping).where(ImportMapping.source_name == SOURCE)
    )
    assert saved and saved[0][0]["flaeche_bem"] == "notes" and "bearbeiter" not in saved[0][0]

    # ... and the map/list shows the imported areas.
    open_tab(kreis, "Karte und Liste")
    kreis.wait_for_selector("#areas-table .fl-table tbody tr")
    assert sorted(search_areas(kreis, "GP-14626-900")) == sorted([NEW_GOERLITZ[1], NEW_ZITTAU[1]])
    shot(kreis, "areas_cycle_04_imported_in_list")

    # 2. Erhebungsgespräch with Görlitz: two confirmed, one changed.
    survey_order = [
        row[0]
        for row in query_db(
            settings,
            select(AreaPotential.name)
            .join(Municipality, Municipality.id == AreaPotential.municipality_id)
            .where(Municipality.ags == GOERLITZ, AreaPotential.is_deleted.is_(False))
            .order_by(AreaPotential.name, AreaPotential.id),
        )
    ]
    walk = survey_confirm_two_change_one(kreis, live, GOERLITZ)
    assert walk.total == len(survey_order)
    assert [*walk.confirmed, walk.changed] == survey_order[:3]
    assert NEW_GOERLITZ[1] in walk.confirmed  # the conversation checked the imported area
    shot(kreis, "areas_cycle_05_survey")
    pdf, protocol = finish_survey(kreis, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF") and walk.changed in protocol
    shot(kreis, "areas_cycle_06_survey_done")
    surveyed = {
        name: (status.value, confirmed)
        for name, status, confirmed in query_db(
            settings,
            select(AreaPotential.name, AreaPotential.status, AreaPotential.last_confirmed_at).where(
                AreaPotential.name.in_([*walk.confirmed, walk.changed])
            ),
        )
    }
    assert all(confirmed is not None for _status, confirmed in surveyed.values())
    assert surveyed[walk.changed][0] == "reserviert"

    # 3. A Kommune user proposes a new area ...
    boundary, taken = municipality_geometries(settings, GOERLITZ)
    proposal_file = tmp_path / "vorschlag.geojson"
    write_geojson(proposal_file, [free_square(boundary, taken)])
    kommune_context, kommune = user_page(chromium, live, "kommune.goerlitz")
    message = propose_new_area(
        kommune,
        live,
        name=PROPOSED,
        municipality="Görlitz",
        upload=proposal_file,
        comment=PROPOSAL_COMMENT,
    )
    assert "übermittelt" in message
    shot(kommune, "areas_cycle_07_kommune_proposal")
    kommune_context.close()
    proposal_id = query_db(
        settings,
        select(AreaProposal.id).where(
            AreaProposal.state == "open", AreaProposal.comment == PROPOSAL_COMMENT
        ),
    )
    assert len(proposal_id) == 1

    # 4. ... and the Kreis-Redaktion accepts it in the review queue.
    assert "angenommen" in accept_proposal(kreis, live, proposal_id[0][0], PROPOSED)
    shot(kreis, "areas_cycle_08_review_accepted")
    accepted = query_db(
        settings,
        select(AreaPotential.public_id, AreaPotential.source)
        .join(AreaProposal, AreaProposal.area_id == AreaPotential.id)
        .where(AreaProposal.id == proposal_id[0][0], AreaProposal.state == "accepted"),
    )
    assert [s.value for _p, s in accepted] == ["vorschlag"]

    # 5. The change set since the baseline export, read back with ogrinfo and GeoPandas.
    open_areas(kreis, live)
    open_tab(kreis, "Import und Export")
    changes = download_export(kreis, tmp_path, changes_only=True)
    shot(kreis, "areas_cycle_09_change_set")
    kreis_context.close()
    since = query_db(settings, select(ExportRun.at).order_by(ExportRun.id))[0][0]
    expected = {
        area.public_id: area
        for (area,) in query_db(
            settings,
            select(AreaPotential).where(
                or_(AreaPotential.created_at > since, AreaPotential.updated_at > since)
            ),
        )
    }
    count, info = ogrinfo_summary(changes)
    assert count == len(expected) and "Layer name: flaechenpotenziale" in info
    assert "EPSG" in info and "25833" in info
    dump = subprocess.run(
        ["ogrinfo", "-al", "-q", str(changes)], capture_output=True, text=True, check=True
    ).stdout
    assert all(public_id in dump for public_id in expected)
    frame = gpd.read_file(changes, layer="flaechenpotenziale")
    assert sorted(frame["public_id"]) == sorted(expected)
    by_name = {str(name): row for name, row in zip(frame["name"], frame.itertuples(), strict=True)}
    must_contain = {
        NEW_GOERLITZ[1]: "neu",
        NEW_ZITTAU[1]: "neu",
        PROPOSED: "neu",
        upload.renamed[1]: "geaendert",
        status_area.name: "geaendert",
        walk.changed: "geaendert",
        **{name: "geaendert" for name in walk.confirmed if name != NEW_GOERLITZ[1]},
    }
    for name, change in must_contain.items():
        assert by_name[name].aenderung == change, (name, by_name[name].aenderung)
    unchanged_name = after[upload.unchanged][0].name
    assert unchanged_name in by_name or unchanged_name not in survey_order[:3]
    assert (unchanged_name in by_name) == (unchanged_name in survey_order[:3])
    for row in frame.itertuples():
        area = expected[row.public_id]
        geoportal_id = row.geoport_id if isinstance(row.geoport_id, str) else None  # NaN
        assert (row.name, row.status, row.version, geoportal_id) == (
            area.name,
            area.status.value,
            area.version,
            area.geoportal_id,
        )
        assert area_ha(row.geometry, frame.crs.to_string()) == pytest.approx(area.area_ha, abs=0.01)
