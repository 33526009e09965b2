"""Browser tests of the areas pages (headless Debian Chromium via Playwright).

Full demo data set (``demo_settings``), login through the real form. Screenshots go to
``test-artifacts/`` (taken through CDP: Playwright's own page screenshot stalls on this page
in headless Chromium without GPU).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.models import AreaPotential, AreaProposal, Municipality
from cockpit.services.demo import DEMO_USERS
from cockpit.settings import Settings
from tests.browser_support import login, screenshot_path, serve

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GOERLITZ = "14626110"


def _password(username: str) -> str:
    return next(spec.password for spec in DEMO_USERS if spec.username == username)


def _shot(page: Any, name: str) -> Path:
    """Viewport screenshot via CDP (see module docstring)."""
    session = page.context.new_cdp_session(page)
    data = session.send("Page.captureScreenshot", {"format": "png"})["data"]
    session.detach()
    path = screenshot_path(name)
    path.write_bytes(base64.b64decode(data))
    return path


@pytest.fixture
def live(demo_settings: Settings) -> Iterator[str]:
    with serve(create_app(demo_settings)) as base_url:
        yield base_url


def _query(settings: Settings, statement: Any) -> list[Any]:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.execute(statement).all())
    finally:
        engine.dispose()


def _summary(page: Any) -> str:
    return str(page.evaluate("() => document.querySelector('#areas-summary').innerText"))


def _wait_summary_change(page: Any, before: str) -> str:
    page.wait_for_function(
        "b => { const e = document.querySelector('#areas-summary'); return e && e.innerText && "
        "e.innerText !== b; }",
        arg=before,
    )
    return _summary(page)


def _wait_column(page: Any, column: int, value: str) -> list[str]:
    """Wait until every table row shows ``value`` in ``column`` (1-based); return the cells."""
    page.wait_for_function(
        "([c, v]) => { const cells = Array.from(document.querySelectorAll("
        "`.fl-table tbody tr td:nth-child(${c})`)); "
        "return cells.length > 0 && cells.every(td => td.innerText.trim() === v); }",
        arg=[column, value],
    )
    return [
        str(t).strip()
        for t in page.locator(f".fl-table tbody tr td:nth-child({column})").all_inner_texts()
    ]


def _open_areas(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/flaechen")
    page.wait_for_selector(".fl-table tbody tr", timeout=90_000)


def _choose(page: Any, label_text: str, option: str) -> None:
    """Pick ``option`` in the Dash dropdown whose label is ``label_text``."""
    field = page.locator(".fl-field", has=page.locator(f"label:text-is('{label_text}')")).first
    field.locator(".dash-dropdown").first.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")


def test_kreis_filters_selects_and_sees_detail(
    live: str, browser_page: Any, demo_settings: Settings
) -> None:
    page = browser_page
    page.set_default_timeout(30_000)
    login(page, live, "kreis", _password("kreis"))
    _open_areas(page, live)
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-overlay-pane path').length > 60"
    )
    total = _summary(page)
    assert re.match(r"^\d[\d.]* Flächen · ", total), total

    page.get_by_label("Gewerbefläche", exact=True).check()
    after_kind = _wait_summary_change(page, total)
    assert _wait_column(page, 3, "Gewerbefläche")

    _choose(page, "Gemeinde", "Görlitz")
    after_municipality = _wait_summary_change(page, after_kind)
    places = _wait_column(page, 2, "Görlitz")
    expected = _query(
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

    first = page.locator(".fl-table tbody tr button.fl-link").first
    name = first.inner_text()
    first.click()
    page.wait_for_selector("#fl-detail-heading")
    assert page.inner_text("#fl-detail-heading") == name
    detail = page.inner_text(".fl-detail")
    assert "Verlauf" in detail and "Vermarktungsstand" in detail and "Görlitz" in detail
    assert page.locator(".fl-row-selected").count() == 1
    _shot(page, "areas_kreis_detail")

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
    login(page, live, "kommune.goerlitz", _password("kommune.goerlitz"))
    _open_areas(page, live)
    assert _wait_column(page, 2, "Görlitz")
    assert not page.locator("#areas-new").is_visible()
    assert page.locator("#areas-propose-new").is_visible()
    page.locator(".fl-table tbody tr button.fl-link").first.click()
    page.wait_for_selector("#fl-detail-heading")
    assert page.locator("#areas-propose-fix").is_visible()
    assert not page.locator("#areas-edit").is_visible()
    _shot(page, "areas_kommune_detail")


def _square_geojson(tmp_path: Path, ags: str, name: str) -> Path:
    """A 120 m square well inside the municipality (real VG250 boundary), as a GeoJSON file."""
    import geopandas as gpd
    import shapely

    from layers.crs import metric_to_web, to_metric

    frame = to_metric(
        gpd.read_file(DATA_DIR / "lk_goerlitz_gemeinden_vg250_2016.gpkg", layer="gemeinden")
    )
    boundary = frame[frame["AGS"] == ags].geometry.iloc[0]
    inner = boundary.buffer(-400)
    point = inner.representative_point() if not inner.is_empty else boundary.representative_point()
    square = shapely.box(point.x - 60, point.y - 60, point.x + 60, point.y + 60)
    web = metric_to_web(square)
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(web)}
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def test_kommune_proposes_area_and_kreis_accepts(
    live: str, chromium: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    name = "Gewerbefläche Browsertest Ost"
    upload = _square_geojson(tmp_path, GOERLITZ, "vorschlag.geojson")
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, live, "kommune.goerlitz", _password("kommune.goerlitz"))
    _open_areas(page, live)
    page.click("#areas-propose-new")
    page.wait_for_selector("#areas-form", state="visible")
    assert page.inner_text("#areas-form-title") == "Fläche vorschlagen"
    page.get_by_label("Bezeichnung *").fill(name)
    _choose(page, "Gemeinde *", "Görlitz")
    page.set_input_files(f"#{'areas-form-upload'} input[type=file]", str(upload))
    page.wait_for_function(
        "() => document.querySelector('#areas-form-geometry-info').innerText"
        ".includes('vorschlag.geojson')"
    )
    page.get_by_label("Begründung / Kommentar").fill("Neue Ansiedlungsanfrage (Browsertest)")
    page.click("#areas-form-save")
    page.wait_for_selector("#areas-message .fl-alert-success")
    message = page.inner_text("#areas-message")
    assert "Vorschlag" in message and "übermittelt" in message
    _shot(page, "areas_kommune_proposal")
    context.close()
    proposals = _query(
        demo_settings,
        select(AreaProposal.id, AreaProposal.state).where(
            AreaProposal.comment.like("%Browsertest%")
        ),
    )
    assert len(proposals) == 1 and proposals[0][1].value == "open"
    proposal_id = proposals[0][0]

    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, live, "kreis", _password("kreis"))
    page.goto(f"{live}/flaechen/pruefung")
    page.get_by_role("button", name=f"Nr. {proposal_id}: {name}").click(timeout=90_000)
    page.wait_for_selector("#review-heading")
    assert name in page.inner_text("#review-detail")
    page.wait_for_function(
        "() => document.querySelectorAll('#review-new-map .leaflet-overlay-pane path').length > 0"
    )
    _shot(page, "areas_review")
    page.click("#review-accept")
    page.wait_for_function(
        "() => document.querySelector('#review-message').innerText.trim().length > 0"
    )
    assert "angenommen" in page.inner_text("#review-message"), page.inner_text("main")
    context.close()
    accepted = _query(
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
    login(page, live, "kreis", _password("kreis"))
    page.goto(f"{live}/flaechen/erhebung/{GOERLITZ}")
    page.wait_for_selector("#survey-start", timeout=90_000)
    page.get_by_label("Teilnehmende").fill("Frau Muster (Bauamt), Herr Beispiel (LRA)")
    page.click("#survey-start")
    page.wait_for_selector("#survey-area-heading")
    total = int(re.search(r"von (\d+) ·", page.inner_text("#survey-progress")).group(1))
    assert total >= 3
    for step in (1, 2):
        page.click("#survey-confirm")
        page.wait_for_function(
            "s => document.querySelector('#survey-progress').innerText.includes("
            "`erledigt: ${s} von`)",
            arg=step,
        )
    changed_name = page.inner_text("#survey-area-heading")
    _choose(page, "Neuer Vermarktungsstand", "reserviert")
    page.click("#survey-changed")
    page.wait_for_function(
        "() => document.querySelector('#survey-progress').innerText.includes('erledigt: 3 von')"
    )
    _shot(page, "areas_survey")
    page.click("#survey-finish")
    page.wait_for_selector("#survey-done-panel", state="visible")
    assert "bestätigt: 2" in page.inner_text("#survey-done-panel")
    with page.expect_download() as pdf_info:
        page.click("#survey-pdf")
    pdf = tmp_path / pdf_info.value.suggested_filename
    pdf_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    with page.expect_download() as csv_info:
        page.click("#survey-csv")
    csv_path = tmp_path / csv_info.value.suggested_filename
    csv_info.value.save_as(csv_path)
    text = csv_path.read_text(encoding="utf-8-sig")
    assert changed_name in text and "geändert" in text
    outcomes = _query(
        demo_settings,
        select(SurveyItem.outcome).join(Survey, Survey.id == SurveyItem.survey_id),
    )
    values = sorted(o[0].value for o in outcomes)
    assert values == ["bestaetigt", "bestaetigt", "geaendert"]
    status = _query(
        demo_settings, select(AreaPotential.status).where(AreaPotential.name == changed_name)
    )
    assert any(s[0].value == "reserviert" for s in status)


def _ogrinfo(path: Path) -> tuple[int, str]:
    out = subprocess.run(
        ["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    ).stdout
    count = int(re.search(r"Feature Count: (\d+)", out).group(1))
    return count, out


def test_export_change_set_read_back_with_ogrinfo(
    live: str, browser_page: Any, demo_settings: Settings, tmp_path: Path
) -> None:
    from cockpit.domain.roles import Principal, Role
    from cockpit.services import areas

    page = browser_page
    page.set_default_timeout(30_000)
    login(page, live, "kreis", _password("kreis"))
    _open_areas(page, live)
    page.locator(".tab", has_text="Import und Export").first.click()
    page.get_by_label("GeoPackage").check()
    with page.expect_download() as full_info:
        page.click("#areas-export-button")
    full = tmp_path / full_info.value.suggested_filename
    full_info.value.save_as(full)
    assert full.suffix == ".gpkg"
    count, info = _ogrinfo(full)
    current = _query(
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
                session, kreis, area.id, area.version, {"notes": "Browsertest-Änderung"}
            )
            public_id = area.public_id
    finally:
        engine.dispose()
    page.get_by_label("nur Änderungen seit dem letzten Export").check()
    with page.expect_download() as changes_info:
        page.click("#areas-export-button")
    changes = tmp_path / ("changes_" + changes_info.value.suggested_filename)
    changes_info.value.save_as(changes)
    count, _info = _ogrinfo(changes)
    assert count == 1
    dump = subprocess.run(
        ["ogrinfo", "-al", "-q", str(changes)], capture_output=True, text=True, check=True
    ).stdout
    assert public_id in dump and "geaendert" in dump
    _shot(page, "areas_export")
