"""Helpers for the area-potential tests: real municipalities, users, test geometries."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.roles import Principal, Role
from cockpit.domain.vocab import MunicipalityKind
from cockpit.models import AreaPotential, District, Municipality, User
from cockpit.settings import Settings
from layers.crs import metric_to_web, to_metric
from tests.browser_support import choose, query_db
from tests.config_support import TEST_METRIC_CRS

DATA_DIR = Path(
    os.environ.get("COCKPIT_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)
GOERLITZ = "14626110"
ZITTAU = "14626610"
MARKERSDORF = "14626300"  # neighbour of Görlitz


@lru_cache(maxsize=1)
def _gemeinden() -> gpd.GeoDataFrame:
    frame = gpd.read_file(DATA_DIR / "lk_goerlitz_gemeinden_vg250_2016.gpkg", layer="gemeinden")
    return to_metric(frame, TEST_METRIC_CRS)


def load_municipalities(session: Session, *ags: str) -> dict[str, Municipality]:
    """Create the district and the given municipalities with their real VG250 boundary."""
    district = session.scalar(select(District).where(District.ags == "14626"))
    if district is None:
        district = District(ags="14626", name="Görlitz", official_name="Landkreis Görlitz")
        session.add(district)
        session.flush()
    frame = _gemeinden()
    result: dict[str, Municipality] = {}
    for key in ags or (GOERLITZ, ZITTAU, MARKERSDORF):
        existing = session.scalar(select(Municipality).where(Municipality.ags == key))
        if existing is not None:
            result[key] = existing
            continue
        row = frame[frame["AGS"] == key].iloc[0]
        geom = row.geometry
        if isinstance(geom, Polygon):
            geom = MultiPolygon([geom])
        municipality = Municipality(
            district_id=district.id,
            ags=key,
            ars=row["ARS"],
            name=row["GEN"],
            kind=MunicipalityKind.STADT if row["BEZ"] == "Stadt" else MunicipalityKind.GEMEINDE,
            boundary=geom,
            area_km2=float(geom.area) / 1e6,
            source="VG250 2016",
        )
        session.add(municipality)
        session.flush()
        result[key] = municipality
    session.commit()
    return result


def make_principal(
    session: Session, username: str, role: Role, municipalities: list[Municipality] | None = None
) -> Principal:
    """A real user row (history rows reference it) and its principal."""
    user = User(
        username=username,
        display_name=username.title(),
        password_hash="x",
        role=role,
        municipalities=list(municipalities or []),
    )
    session.add(user)
    session.commit()
    return user.to_principal()


def inner_square(
    municipality: Municipality, size_m: float = 200.0, dx: float = 0.0, dy: float = 0.0
) -> Polygon:
    """A square (metric CRS) around a point well inside the municipality."""
    centre = municipality.boundary.representative_point()
    x, y = centre.x + dx, centre.y + dy
    half = size_m / 2
    return box(x - half, y - half, x + half, y + half)


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """Metric geometry as GeoJSON geometry in EPSG:4326 (what the map draws)."""
    return dict(mapping(metric_to_web(geometry, TEST_METRIC_CRS)))


def bowtie(municipality: Municipality, size_m: float = 200.0) -> Polygon:
    centre = municipality.boundary.representative_point()
    x, y = centre.x, centre.y
    return Polygon([(x, y), (x + size_m, y + size_m), (x + size_m, y), (x, y + size_m)])


def area_attrs(municipality: Municipality, name: str = "Gewerbegebiet Nord", **extra: Any) -> dict:
    values: dict[str, Any] = {
        "name": name,
        "municipality_id": municipality.id,
        "kind": "gewerbe",
        "status": "verfuegbar",
    }
    values.update(extra)
    return values


def assert_valid(geometry: BaseGeometry) -> None:
    assert shapely.is_valid(geometry)


MAPSERV = Path("/usr/bin/mapserv")

_MAPFILE = """MAP
  NAME "geoportal"
  EXTENT 280000 5200000 920000 6100000
  PROJECTION "init=epsg:25833" END
  WEB
    METADATA
      "wfs_title" "Geoportal Test-WFS"
      "wfs_onlineresource" "{url}?"
      "wfs_srs" "EPSG:25833 EPSG:4326"
      "wfs_enable_request" "*"
    END
  END
  LAYER
    NAME "{layer}"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "{gpkg}"
    DATA "{layer}"
    PROJECTION "init=epsg:25833" END
    METADATA
      "wfs_title" "{layer}"
      "gml_include_items" "all"
      "gml_types" "auto"
      "wfs_enable_request" "*"
    END
  END
END
"""


@contextmanager
def serve_wfs(gpkg: Path, layer: str, workdir: Path) -> Iterator[str]:
    """A real WFS (MapServer ``mapserv`` as CGI, see ``tests/wfs_server.py``) serving one
    GeoPackage layer in EPSG:25833 from a separate process; yields the URL on 127.0.0.1."""
    config = workdir / "mapserver.conf"
    config.write_text('CONFIG\n  ENV\n    MS_MAP_PATTERN "."\n  END\nEND\n', encoding="utf-8")
    mapfile = workdir / "wfs.map"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/wfs"
    mapfile.write_text(_MAPFILE.format(url=url, layer=layer, gpkg=gpkg), encoding="utf-8")
    server = Path(__file__).with_name("wfs_server.py")
    process = subprocess.Popen(
        [sys.executable, str(server), str(mapfile), str(config), str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == str(port)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- test geometries inside real municipalities ----------------------------------------------


def free_square(
    boundary: BaseGeometry,
    taken: Sequence[BaseGeometry] = (),
    *,
    size_m: float = 120.0,
    margin_m: float = 150.0,
) -> Polygon:
    """A square (metric CRS) well inside ``boundary`` that keeps ``margin_m`` away from every
    geometry in ``taken``; the free spot nearest the boundary's representative point."""
    inner = boundary.buffer(-(margin_m + size_m))
    if inner.is_empty:
        inner = boundary.buffer(-size_m)
    blocked = shapely.union_all([g.buffer(margin_m + size_m) for g in taken]) if taken else None
    centre = boundary.representative_point()
    min_x, min_y, max_x, max_y = inner.bounds
    step = 100.0
    candidates = [
        Point(min_x + i * step, min_y + j * step)
        for i in range(int((max_x - min_x) / step) + 1)
        for j in range(int((max_y - min_y) / step) + 1)
    ]
    for point in sorted(candidates, key=centre.distance):
        if inner.contains(point) and (blocked is None or not blocked.contains(point)):
            half = size_m / 2
            return box(point.x - half, point.y - half, point.x + half, point.y + half)
    raise AssertionError("no free spot for a test square")


def municipality_geometries(
    settings: Settings, ags: str
) -> tuple[BaseGeometry, list[BaseGeometry]]:
    """(boundary, geometries of all its areas) of a municipality in a live app's database."""
    boundary = query_db(settings, select(Municipality.boundary).where(Municipality.ags == ags))
    areas = query_db(
        settings,
        select(AreaPotential.geom)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(Municipality.ags == ags),
    )
    return boundary[0][0], [row[0] for row in areas]


def write_geojson(path: Path, geometries: Sequence[BaseGeometry]) -> Path:
    """Metric geometries as a GeoJSON FeatureCollection in EPSG:4326 (an upload file)."""
    features = [
        {"type": "Feature", "properties": {}, "geometry": to_geojson(geometry)}
        for geometry in geometries
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


def ogrinfo_summary(path: Path) -> tuple[int, str]:
    """(feature count, summary text) of a vector file as GDAL's ``ogrinfo`` reads it."""
    out = subprocess.run(
        ["ogrinfo", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"Feature Count: (\d+)", out)
    assert found is not None, out
    return int(found.group(1)), out


# --- browser steps of the area pages (Playwright page objects are typed ``Any``) -------------


def open_areas(page: Any, base_url: str) -> None:
    """The Flächen page with its table rendered."""
    page.goto(f"{base_url}/flaechen")
    page.wait_for_selector(".fl-table tbody tr", timeout=90_000)


def open_tab(page: Any, label: str) -> None:
    page.locator(".tab", has_text=label).first.click()


def areas_summary(page: Any) -> str:
    return str(page.evaluate("() => document.querySelector('#areas-summary').innerText"))


def wait_summary_change(page: Any, before: str) -> str:
    page.wait_for_function(
        "b => { const e = document.querySelector('#areas-summary'); return e && e.innerText && "
        "e.innerText !== b; }",
        arg=before,
    )
    return areas_summary(page)


def wait_column(page: Any, column: int, value: str) -> list[str]:
    """Wait until every table row shows ``value`` in ``column`` (1-based); return the cells."""
    page.wait_for_function(
        "([c, v]) => { const cells = Array.from(document.querySelectorAll("
        "`#areas-table .fl-table tbody tr td:nth-child(${c})`)); "
        "return cells.length > 0 && cells.every(td => td.innerText.trim() === v); }",
        arg=[column, value],
    )
    return [
        str(t).strip()
        for t in page.locator(
            f"#areas-table .fl-table tbody tr td:nth-child({column})"
        ).all_inner_texts()
    ]


def search_areas(page: Any, text: str) -> list[str]:
    """Type ``text`` into the search filter; the names in the table once it has updated."""
    before = areas_summary(page)
    search = page.get_by_label("Suche (Name, Geoportal-ID)")
    search.fill(text)
    search.press("Enter")
    wait_summary_change(page, before)
    # The table renders after the summary: wait until it shows the summary's row count.
    page.wait_for_function(
        "() => { const m = document.querySelector('#areas-summary').innerText.match(/^(\\d+)/);"
        " const rows = document.querySelectorAll('#areas-table .fl-table tbody tr').length;"
        " return m && (rows === Math.min(Number(m[1]), 25) || (Number(m[1]) === 0)); }"
    )
    return [
        str(t).strip()
        for t in page.locator("#areas-table .fl-table tbody tr button.fl-link").all_inner_texts()
    ]


def select_area(page: Any, name: str) -> None:
    """Click the area ``name`` in the table and wait for its detail panel."""
    page.locator("#areas-table .fl-table tbody tr button.fl-link", has_text=name).first.click()
    page.wait_for_function(
        "n => { const h = document.querySelector('#fl-detail-heading'); "
        "return h && h.innerText === n; }",
        arg=name,
    )


@dataclass(frozen=True)
class SurveyWalk:
    """What the conversation-mode step did: areas in the survey, the confirmed and the
    changed area (names in the order the survey showed them)."""

    total: int
    confirmed: list[str]
    changed: str


def survey_confirm_two_change_one(
    page: Any, base_url: str, ags: str, *, new_status: str = "reserviert"
) -> SurveyWalk:
    """Erhebungsgespräch with municipality ``ags``: confirm the first two areas, set the
    third one's Vermarktungsstand to ``new_status`` (label), return what was done."""
    page.goto(f"{base_url}/flaechen/erhebung/{ags}")
    page.wait_for_selector("#survey-start", timeout=90_000)
    page.get_by_label("Teilnehmende").fill("Frau Muster (Bauamt), Herr Beispiel (LRA)")
    page.click("#survey-start")
    page.wait_for_selector("#survey-area-heading")
    found = re.search(r"von (\d+) ·", page.inner_text("#survey-progress"))
    assert found is not None, page.inner_text("#survey-progress")
    confirmed = []
    for step in (1, 2):
        confirmed.append(page.inner_text("#survey-area-heading"))
        page.click("#survey-confirm")
        page.wait_for_function(
            "s => document.querySelector('#survey-progress').innerText.includes("
            "`erledigt: ${s} von`)",
            arg=step,
        )
    changed = page.inner_text("#survey-area-heading")
    choose(page, "Neuer Vermarktungsstand", new_status)
    page.click("#survey-changed")
    page.wait_for_function(
        "() => document.querySelector('#survey-progress').innerText.includes('erledigt: 3 von')"
    )
    return SurveyWalk(int(found.group(1)), confirmed, changed)


def finish_survey(page: Any, tmp_path: Path) -> tuple[Path, str]:
    """Close the running survey; download its protocol (PDF path, CSV text)."""
    page.click("#survey-finish")
    page.wait_for_selector("#survey-done-panel", state="visible")
    with page.expect_download() as pdf_info:
        page.click("#survey-pdf")
    pdf = tmp_path / pdf_info.value.suggested_filename
    pdf_info.value.save_as(pdf)
    with page.expect_download() as csv_info:
        page.click("#survey-csv")
    csv_path = tmp_path / csv_info.value.suggested_filename
    csv_info.value.save_as(csv_path)
    return pdf, csv_path.read_text(encoding="utf-8-sig")


def propose_new_area(
    page: Any, base_url: str, *, name: str, municipality: str, upload: Path, comment: str
) -> str:
    """A Kommune user proposes a new area (geometry file upload); the success message."""
    open_areas(page, base_url)
    page.click("#areas-propose-new")
    page.wait_for_selector("#areas-form", state="visible")
    assert page.inner_text("#areas-form-title") == "Fläche vorschlagen"
    page.get_by_label("Bezeichnung *").fill(name)
    choose(page, "Gemeinde *", municipality)
    page.set_input_files("#areas-form-upload input[type=file]", str(upload))
    page.wait_for_function(
        "f => document.querySelector('#areas-form-geometry-info').innerText.includes(f)",
        arg=upload.name,
    )
    page.get_by_label("Begründung / Kommentar").fill(comment)
    page.click("#areas-form-save")
    page.wait_for_selector("#areas-message .fl-alert-success")
    return str(page.inner_text("#areas-message"))


def accept_proposal(page: Any, base_url: str, proposal_id: int, name: str) -> str:
    """Kreis-Redaktion opens the review queue, checks the proposal on its map and accepts
    it; returns the review message."""
    page.goto(f"{base_url}/flaechen/pruefung")
    page.get_by_role("button", name=f"Nr. {proposal_id}: {name}").click(timeout=90_000)
    page.wait_for_selector("#review-heading")
    assert name in page.inner_text("#review-detail")
    page.wait_for_function(
        "() => document.querySelectorAll('#review-new-map .leaflet-overlay-pane path').length > 0"
    )
    page.click("#review-accept")
    page.wait_for_function(
        "() => document.querySelector('#review-message').innerText.trim().length > 0"
    )
    return str(page.inner_text("#review-message"))


def download_export(
    page: Any, tmp_path: Path, *, file_format: str = "GeoPackage", changes_only: bool = False
) -> Path:
    """Download an export from the "Import und Export" tab (the tab must be open)."""
    page.get_by_label(file_format, exact=True).check()
    changes = page.get_by_label("nur Änderungen seit dem letzten Export")
    changes.set_checked(changes_only)
    with page.expect_download() as info:
        page.click("#areas-export-button")
    path = tmp_path / (("changes_" if changes_only else "full_") + info.value.suggested_filename)
    info.value.save_as(path)
    return path
