"""Browser tests of the areas pages (headless Debian Chromium via Playwright).

Full demo data set (``demo_settings``), login through the real form. Screenshots go to
``test-artifacts/`` (taken through CDP: Playwright's own page screenshot stalls on this page
in headless Chromium without GPU).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cockpit import create_app
from cockpit.models import AreaPotential, AreaProposal, Municipality
from cockpit.settings import Settings
from tests.areas_support import (
    GOERLITZ,
    accept_proposal,
    areas_summary,
    choose,
    download_export,
    finish_survey,
    free_square,
    municipality_geometries,
    ogrinfo_summary,
    open_areas,
    open_tab,
    propose_new_area,
    search_areas,
    select_area,
    survey_confirm_two_change_one,
    wait_column,
    wait_summary_change,
    write_geojson,
)
from tests.browser_support import (
    demo_password,
    horizontal_overflow,
    login,
    query_db,
    serve,
    shot,
    user_page,
)
from tests.config_support import TEST_CONFIG, TEST_METRIC_CRS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live(demo_settings: Settings) -> Iterator[str]:
    with serve(create_app(demo_settings)) as base_url:
        yield base_url


def test_kreis_filters_selects_and_sees_detail(
    live: str, browser_page: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    page = browser_page
    page.set_default_timeout(30_000)
    login(page, live, "kreis", demo_password("kreis"))
    open_areas(page, live)
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-overlay-pane path').length > 60"
    )
    total = areas_summary(page)
    assert re.match(r"^\d[\d.]* Flächen · ", total), total
    # At district zoom every area is visible, at least 7 px wide (most are under one pixel as
    # shapes and drawn as a square symbol), on top of the municipality outlines.
    symbols = page.evaluate(
        """() => Array.from(document.querySelectorAll('#areas-map .leaflet-overlay-pane path'))
            .map(p => p.getBoundingClientRect())
            .filter(r => Math.max(r.width, r.height) >= 6.5)
            .map(r => {
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                return hit !== null && hit.closest('.leaflet-overlay-pane') !== null;
            })"""
    )
    shown = int(total.split(" Flächen")[0].replace(".", ""))
    assert len(symbols) == shown, (len(symbols), shown)
    assert sum(symbols) >= 0.9 * shown  # on top (a few overlap each other or the controls)
    scale_before = page.inner_text("#areas-map .leaflet-control-scale-line")

    page.get_by_label("Gewerbefläche", exact=True).check()
    after_kind = wait_summary_change(page, total)
    assert wait_column(page, 3, "Gewerbefläche")

    choose(page, "Gemeinde", "Görlitz")
    after_municipality = wait_summary_change(page, after_kind)
    places = wait_column(page, 2, "Görlitz")
    expected = query_db(
        demo_settings,
        select(AreaPotential.name)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(
            Municipality.ags == GOERLITZ,
            AreaPotential.kind == "gewerbe",
            AreaPotential.is_deleted.is_(False),
        ),
    )
    assert len(places) == len(expected)
    assert after_municipality.startswith(
        f"{len(expected)} Fläche" if len(expected) != 1 else "1 Fläche"
    )

    # The download links carry the filter; the file holds exactly the filtered areas.
    xlsx = page.locator("#areas-table-downloads a", has_text="XLSX")
    page.wait_for_function(
        "g => (document.querySelector('#areas-table-downloads a[href*=xlsx]') || {}).href"
        "?.includes(`municipalities=${g}`)",
        arg=GOERLITZ,
    )
    href = xlsx.get_attribute("href")
    assert href.startswith("/export/tabelle/flaechen.xlsx?") and "kinds=gewerbe" in href
    gpkg_href = page.locator("#areas-map-downloads a", has_text="GeoPackage").get_attribute("href")
    assert gpkg_href == href.replace("/tabelle/flaechen.xlsx", "/ebene/flaechen.gpkg")
    pdf_link = page.locator("#areas-map-downloads a", has_text="Karte PDF (A4)")
    pdf_href = pdf_link.get_attribute("href")
    assert pdf_href == href.replace("/tabelle/flaechen.xlsx", "/flaechen/karte.pdf") + "&paper=A4"
    with page.expect_download() as snapshot_info:
        pdf_link.click()
    assert snapshot_info.value.suggested_filename == "Flaechenpotenziale_A4_quer.pdf"
    snapshot_pdf = tmp_path / "karte.pdf"
    snapshot_info.value.save_as(snapshot_pdf)
    snapshot_text = " ".join(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(snapshot_pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    assert f"{len(expected)} Fläche" in snapshot_text
    assert "Filter: Art: Gewerbefläche · Gemeinde: Görlitz" in snapshot_text
    assert f"Gewerbefläche ({len(expected)})" in snapshot_text
    with page.expect_download() as info:
        xlsx.click()
    assert info.value.suggested_filename == "flaechenpotenziale.xlsx"
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    workbook = load_workbook(target)
    rows = [r for r in workbook.worksheets[0].iter_rows(min_row=2, values_only=True) if r[0]]
    assert sorted(r[1] for r in rows) == sorted(n for (n,) in expected)
    assert {r[2] for r in rows} == {GOERLITZ}

    # The map flew to the filtered areas: zoomed in, all of them inside the map, filling it.
    page.wait_for_function(
        """() => {
            const map = document.querySelector('#areas-map').getBoundingClientRect();
            const paths = Array.from(document.querySelectorAll(
                '#areas-map .leaflet-overlay-pane path[stroke="#0072B2"]'));
            if (!paths.length) { return false; }
            const r = paths.map(p => p.getBoundingClientRect());
            const box = [Math.min(...r.map(b => b.left)), Math.min(...r.map(b => b.top)),
                         Math.max(...r.map(b => b.right)), Math.max(...r.map(b => b.bottom))];
            const key = box.map(Math.round).join(',');
            const rest = window.__fitBox === key;
            window.__fitBox = key;
            return rest && box[0] >= map.left - 2 && box[2] <= map.right + 2
                && box[1] >= map.top - 2 && box[3] <= map.bottom + 2
                && (box[2] - box[0] > 0.3 * map.width || box[3] - box[1] > 0.3 * map.height);
        }""",
        polling=500,
    )
    assert page.inner_text("#areas-map .leaflet-control-scale-line") != scale_before
    shot(page, "areas_kreis_filtered_fit")

    first = page.locator(".fl-table tbody tr button.fl-link").first
    name = first.inner_text()
    first.click()
    page.wait_for_selector("#fl-detail-heading")
    assert page.inner_text("#fl-detail-heading") == name
    detail = page.inner_text(".fl-detail")
    assert "Verlauf" in detail and "Vermarktungsstand" in detail and "Görlitz" in detail
    assert page.locator(".fl-row-selected").count() == 1
    shot(page, "areas_kreis_detail")

    # "Stand am": the area as of today is shown next to the current detail.
    today = dt.date.today()
    page.locator("#areas-as-of").fill(today.isoformat())
    page.wait_for_selector(".fl-detail-past")
    assert f"Stand am {today:%d.%m.%Y}" in page.inner_text(".fl-detail-past")

    # Click the polygon in the middle of the zoomed map: that area gets selected.
    page.locator("#areas-as-of").fill("")
    page.wait_for_function("() => !document.querySelector('.fl-detail-past')")
    box = page.locator("#areas-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "n => document.querySelector('#fl-detail-heading').innerText === n", arg=name
    )


def test_kommune_sees_only_own_municipality_and_no_edit(live: str, browser_page: Any) -> None:
    page = browser_page
    page.set_default_timeout(30_000)
    login(page, live, "kommune.goerlitz", demo_password("kommune.goerlitz"))
    open_areas(page, live)
    assert wait_column(page, 2, "Görlitz")
    assert not page.locator("#areas-new").is_visible()
    assert page.locator("#areas-propose-new").is_visible()
    page.locator(".fl-table tbody tr button.fl-link").first.click()
    page.wait_for_selector("#fl-detail-heading")
    assert page.locator("#areas-propose-fix").is_visible()
    assert not page.locator("#areas-edit").is_visible()
    shot(page, "areas_kommune_detail")


def test_kommune_proposes_area_and_kreis_accepts(
    live: str, chromium: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    name = "Gewerbefläche Browsertest Ost"
    boundary, taken = municipality_geometries(demo_settings, GOERLITZ)
    upload = write_geojson(tmp_path / "vorschlag.geojson", [free_square(boundary, taken)])
    context, page = user_page(chromium, live, "kommune.goerlitz")
    message = propose_new_area(
        page,
        live,
        name=name,
        municipality="Görlitz",
        upload=upload,
        comment="Neue Ansiedlungsanfrage (Browsertest)",
    )
    assert "Vorschlag" in message and "übermittelt" in message
    shot(page, "areas_kommune_proposal")
    context.close()
    proposals = query_db(
        demo_settings,
        select(AreaProposal.id, AreaProposal.state).where(
            AreaProposal.comment.like("%Browsertest%")
        ),
    )
    assert len(proposals) == 1 and proposals[0][1].value == "open"
    proposal_id = proposals[0][0]

    context, page = user_page(chromium, live, "kreis")
    assert "angenommen" in accept_proposal(page, live, proposal_id, name), page.inner_text("main")
    shot(page, "areas_review")
    context.close()
    accepted = query_db(
        demo_settings,
        select(AreaPotential.source, AreaProposal.state)
        .join(AreaProposal, AreaProposal.area_id == AreaPotential.id)
        .where(AreaProposal.id == proposal_id),
    )
    assert [(a.value, b.value) for a, b in accepted] == [("vorschlag", "accepted")]


def test_conversation_confirms_two_and_changes_one(
    live: str, browser_page: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    from cockpit.models import Survey, SurveyItem

    page = browser_page
    page.set_default_timeout(30_000)
    login(page, live, "kreis", demo_password("kreis"))
    walk = survey_confirm_two_change_one(page, live, GOERLITZ)
    assert walk.total >= 3
    shot(page, "areas_survey")
    pdf, text = finish_survey(page, tmp_path)
    assert "bestätigt: 2" in page.inner_text("#survey-done-panel")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert walk.changed in text and "geändert" in text
    outcomes = query_db(
        demo_settings,
        select(SurveyItem.outcome).join(Survey, Survey.id == SurveyItem.survey_id),
    )
    values = sorted(o[0].value for o in outcomes)
    assert values == ["bestaetigt", "bestaetigt", "geaendert"]
    status = query_db(
        demo_settings, select(AreaPotential.status).where(AreaPotential.name == walk.changed)
    )
    assert any(s[0].value == "reserviert" for s in status)


def test_export_change_set_read_back_with_ogrinfo(
    live: str, browser_page: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    from cockpit.db import make_engine, make_session_factory
    from cockpit.domain.roles import Principal, Role
    from cockpit.services import areas

    page = browser_page
    page.set_default_timeout(30_000)
    login(page, live, "kreis", demo_password("kreis"))
    open_areas(page, live)
    open_tab(page, "Import und Export")
    full = download_export(page, tmp_path)
    assert full.suffix == ".gpkg"
    count, info = ogrinfo_summary(full)
    current = query_db(
        demo_settings, select(AreaPotential.id).where(AreaPotential.is_deleted.is_(False))
    )
    assert count == len(current) and "public_id" in info
    assert "Export erstellt" in page.inner_text("#areas-export-message")

    # One change through the service, then the change set holds exactly that area.
    engine = make_engine(demo_settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            area = session.scalars(
                select(AreaPotential).where(AreaPotential.is_deleted.is_(False)).limit(1)
            ).one()
            kreis = Principal(user_id=0, username="test", role=Role.KREIS_REDAKTION)
            areas.update_area(
                session,
                kreis,
                area.id,
                area.version,
                {"notes": "Browsertest-Änderung"},
                config=TEST_CONFIG,
            )
            public_id = area.public_id
    finally:
        engine.dispose()
    changes = download_export(page, tmp_path, changes_only=True)
    count, _info = ogrinfo_summary(changes)
    assert count == 1
    dump = subprocess.run(
        ["ogrinfo", "-al", "-q", str(changes)], capture_output=True, text=True, check=True
    ).stdout
    assert public_id in dump and "geaendert" in dump
    shot(page, "areas_export")


def _first_area(settings: Settings, ags: str) -> Any:
    """The first (by name) current Geoportal area of a municipality (ORM object, detached)."""
    return query_db(
        settings,
        select(AreaPotential)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(
            Municipality.ags == ags,
            AreaPotential.is_deleted.is_(False),
            AreaPotential.geoportal_id.is_not(None),
        )
        .order_by(AreaPotential.name, AreaPotential.id)
        .limit(1),
    )[0][0]


def test_kreis_changes_geometry_of_existing_area_in_the_map(
    live: str, chromium: Any, demo_settings: Settings
) -> None:
    """Bearbeiten → "Vorhandene Geometrie in der Karte bearbeiten" → drag one corner with
    the Leaflet.draw edit tool → Übernehmen → Geometrie prüfen → Speichern: the stored
    geometry, area and version change, the history names the geometry change."""
    area = _first_area(demo_settings, GOERLITZ)
    context, page = user_page(chromium, live, "kreis")
    open_areas(page, live)
    assert search_areas(page, area.geoportal_id) == [area.name]  # unique id, unlike names
    select_area(page, area.name)
    page.click("#areas-edit")
    page.wait_for_selector("#areas-form", state="visible")
    assert page.inner_text("#areas-form-title") == "Fläche bearbeiten"
    assert page.inner_text("#areas-form-geometry-info") == (
        "Noch keine neue Geometrie – die bisherige Geometrie bleibt erhalten."
    )
    page.click("#areas-form-edit-geometry")
    page.wait_for_function(
        "() => document.querySelector('#areas-form-geometry-info').innerText"
        ".startsWith('Gezeichnete Geometrie übernommen')"
    )
    page.locator("#areas-map").scroll_into_view_if_needed()
    # The map flies to the area; wait until the editable outline is large and at rest.
    page.wait_for_function(
        """() => {
            const p = document.querySelector('#areas-map path[stroke="#111111"]');
            if (!p) { return false; }
            const r = p.getBoundingClientRect();
            const key = [r.x, r.y, r.width, r.height].map(Math.round).join(',');
            const rest = r.width > 50 && window.__outline === key;
            window.__outline = key;
            return rest;
        }""",
        polling=500,
    )
    page.locator("#areas-map a.leaflet-draw-edit-edit").click()
    handles = page.locator("#areas-map .leaflet-editing-icon:not(.leaflet-middle-icon)")
    handles.first.wait_for()
    assert handles.count() >= 4
    # Drag the northernmost corner 60 px further north (the area grows).
    boxes = [handles.nth(i).bounding_box() for i in range(handles.count())]
    top = min(boxes, key=lambda b: b["y"])
    x, y = top["x"] + top["width"] / 2, top["y"] + top["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 30, steps=5)
    page.mouse.move(x, y - 60, steps=5)
    page.mouse.up()
    shot(page, "areas_geometry_dragged")
    page.locator("#areas-map .leaflet-draw-actions a", has_text="Übernehmen").click()
    page.click("#areas-form-check")
    page.wait_for_function(
        "() => document.querySelector('#areas-form-message').innerText.trim().length > 0"
    )
    check = page.inner_text("#areas-form-message")
    assert "ha" in check, check
    page.get_by_label("Begründung / Kommentar").fill("Zufahrt im Norden einbezogen (Browsertest)")
    page.click("#areas-form-save")
    page.wait_for_selector("#areas-message .fl-alert-success")
    assert "Gespeichert" in page.inner_text("#areas-message")
    page.wait_for_function(
        "() => document.querySelector('.fl-detail') "
        "&& document.querySelector('.fl-detail').innerText.includes('Zufahrt im Norden')"
    )
    shot(page, "areas_geometry_saved")
    context.close()
    changed = _first_area(demo_settings, GOERLITZ)
    assert changed.id == area.id and changed.version == area.version + 1
    assert changed.area_ha > area.area_ha + 0.01
    assert changed.geom.symmetric_difference(area.geom).area > 100.0  # m²
    assert changed.geom.is_valid
    assert changed.geom.intersection(area.geom).area == pytest.approx(area.geom.area, rel=0.02)


def test_flaechen_page_on_a_390_px_phone(
    live: str, chromium: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    """At 390×844 nothing scrolls sideways — list, detail, edit form, import mapping and
    preview — and the controls work by touch-sized clicks."""
    context, page = user_page(chromium, live, "kreis", width=390, height=844)
    open_areas(page, live)
    assert horizontal_overflow(page) <= 390
    total = areas_summary(page)
    page.get_by_label("Gewerbefläche", exact=True).check()
    wait_summary_change(page, total)
    assert wait_column(page, 3, "Gewerbefläche")
    assert horizontal_overflow(page) <= 390
    name = page.locator("#areas-table .fl-table tbody tr button.fl-link").first.inner_text()
    select_area(page, name)
    edit = page.locator("#areas-edit")
    edit.scroll_into_view_if_needed()
    box = edit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 24
    edit.click()
    page.wait_for_selector("#areas-form", state="visible")
    assert horizontal_overflow(page) <= 390
    save = page.locator("#areas-form-save")
    save.scroll_into_view_if_needed()
    box = save.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot(page, "areas_phone_form")
    page.click("#areas-form-cancel")

    open_tab(page, "Import und Export")
    page.wait_for_selector("#areas-import-upload")
    assert horizontal_overflow(page) <= 390
    boundary, taken = municipality_geometries(demo_settings, GOERLITZ)
    upload = tmp_path / "geoportal_neu.gpkg"
    gpd.GeoDataFrame(
        {
            "objectid": ["GP-14626-9101"],
            "bezeichnung": ["Gewerbe- und Logistikfläche An der Bundesstraße 99 (Erweiterung)"],
            "art": ["gewerbe"],
            "status": ["verfuegbar"],
        },
        geometry=[free_square(boundary, taken)],
        crs=TEST_METRIC_CRS,
    ).to_file(upload, layer="flaechen", driver="GPKG")
    page.set_input_files("#areas-import-upload input[type=file]", str(upload))
    page.wait_for_selector(".fl-mapping")
    assert horizontal_overflow(page) <= 390
    page.click("#areas-import-preview-button")
    page.wait_for_selector(".fl-preview")
    assert page.inner_text(".fl-preview .fl-summary").startswith("1 neu · 0 geändert")
    assert horizontal_overflow(page) <= 390
    apply = page.locator("#areas-import-apply")
    apply.scroll_into_view_if_needed()
    box = apply.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot(page, "areas_phone_import")
    context.close()
