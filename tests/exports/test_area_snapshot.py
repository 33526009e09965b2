"""Map snapshot of the Flächen page (``/export/flaechen/karte.<pdf|png|svg>``).

Through the real app on the demo database: the file shows exactly the areas an independent
SQL query finds for the page's filters (SVG ``<g id="flaeche-<public_id>">`` per area), in the kind
colours of the screen map, with legend counts, filter subtitle, sources, scope line and
"Demo-Daten"; a Kommune user gets the own areas only and a crafted foreign AGS is refused;
the export is recorded, audited and reproducible from the command line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from flask import Flask
from PIL import Image
from sqlalchemy import or_, select

from cockpit import create_app
from cockpit.dashboard.components import area_map
from cockpit.domain.errors import AccessDeniedError
from cockpit.exports import snapshot
from cockpit.exports.metadata import read_record
from cockpit.models import AreaPotential, Municipality
from cockpit.models.user import AuditLog
from cockpit.services import areas
from cockpit.services import exports as export_service
from cockpit.settings import Settings
from cockpit.web import get_runtime
from layers.palettes import AREA_BASE_EDGE, AREA_BASE_FILL, AREA_KIND_COLOURS
from tests.browser_support import query_db
from tests.config_support import TEST_CONFIG
from tests.exports.export_support import (
    GOERLITZ,
    ZITTAU,
    client_for,
    page_size_pt,
    pdf_to_pngs,
    pdftotext,
    principal,
    svg_fills,
)

ROOT = Path(__file__).resolve().parents[2]
BKG = "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0"
ROUTES = (
    "/export/flaechen/karte.pdf",
    "/export/flaechen/karte.png",
    "/export/flaechen/karte.svg",
)
FILTER = "kinds=gewerbe,brache&min_ha=1&age=ueberfaellig"
FILTER_TEXT = "Filter: Art: Gewerbefläche, Brachfläche · Größe: ab 1,0 ha · Bestätigung: überfällig"
# one <g id="flaeche-<public_id>"> per area; its first path carries the fill
_AREA_GROUP = re.compile(r'<g id="flaeche-([^"]+)">.*?fill: (#[0-9a-f]{6})', re.S)


@pytest.fixture
def app(demo_settings: Settings) -> Iterator[Flask]:
    app = create_app(demo_settings)
    yield app
    app.extensions["cockpit"].engine.dispose()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _expected(settings: Settings, *conditions: Any) -> dict[str, str]:
    """public_id -> kind of the current areas matching ``conditions`` (independent SQL)."""
    rows = query_db(
        settings,
        select(AreaPotential.public_id, AreaPotential.kind)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(AreaPotential.is_deleted.is_(False), *conditions),
    )
    return {str(r[0]): r[1].value for r in rows}


def _filtered(settings: Settings) -> dict[str, str]:
    cutoff = dt.date.today() - dt.timedelta(days=settings.stale_after_days)
    return _expected(
        settings,
        AreaPotential.kind.in_(["gewerbe", "brache"]),
        AreaPotential.area_ha >= 1,
        or_(AreaPotential.last_confirmed_at.is_(None), AreaPotential.last_confirmed_at < cutoff),
    )


def _area_fills(svg: str) -> dict[str, str]:
    return {gid: colour for gid, colour in _AREA_GROUP.findall(svg)}


def _get(app: Flask, username: str, url: str) -> Any:
    response = client_for(app, username).get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return response


def _map_data(app: Flask, username: str, query: dict[str, str]) -> export_service.AreaMapData:
    with app.app_context():
        session = get_runtime().session_factory()
        try:
            filters = export_service.parse_area_filter(session, query)
            return export_service.get_area_map_data(
                session,
                principal(session, username),
                filters,
                config=get_runtime().config,
            )
        finally:
            session.close()


# --------------------------------------------------------------------------- content


def test_pdf_shows_title_filters_legend_counts_sources_and_scope(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    expected = _filtered(demo_settings)
    everything = _expected(demo_settings)
    assert 5 <= len(expected) < len(everything)  # the filter really filters
    response = _get(app, "kreis", f"/export/flaechen/karte.pdf?{FILTER}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Flaechenpotenziale_A4_quer.pdf" in response.headers["Content-Disposition"]
    path = tmp_path / "flaechen.pdf"
    path.write_bytes(response.data)
    width, height = page_size_pt(path)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape

    text = _flat(pdftotext(path))
    assert "Flächenpotenziale" in text
    assert f"{len(expected)} Flächen" in text
    assert FILTER_TEXT in text
    gewerbe = sum(1 for kind in expected.values() if kind == "gewerbe")
    brache = sum(1 for kind in expected.values() if kind == "brache")
    assert gewerbe and brache and gewerbe + brache == len(expected)
    assert f"Gewerbefläche ({gewerbe})" in text
    assert f"Brachfläche ({brache})" in text
    assert "Industriefläche" not in text  # not among the filtered kinds
    assert "Gemeindegrenze" in text and "Kreisgrenze" in text
    assert f"Quellen: {BKG}" in text
    assert "Landkreis Görlitz" in text  # scope line of a district role
    assert "Demo-Daten: Teile der Daten sind generiert und nicht amtlich." in text
    assert re.search(r"Exportiert am \d\d\.\d\d\.\d{4} um \d\d:\d\d Uhr von kreis", text)

    record = read_record(path)
    assert record.kind == "snapshot" and record.format == "pdf"
    assert record.params["lens"] == "flaechen"
    assert record.params["kinds"] == ["gewerbe", "brache"]
    assert record.params["min_ha"] == 1.0 and record.params["age"] == "ueberfaellig"
    assert record.is_demo and record.user == "kreis" and len(record.data_hash) == 64
    assert f"Datenstand {record.data_hash[:12]}" in text
    pngs = pdf_to_pngs(path, "flaechen-karte-kreis", resolution=80)
    assert len(pngs) == 1 and pngs[0].stat().st_size > 10_000


def test_svg_holds_exactly_the_filtered_areas_in_the_screen_colours(
    app: Flask, demo_settings: Settings
) -> None:
    expected = _filtered(demo_settings)
    svg = _get(app, "kreis", f"/export/flaechen/karte.svg?{FILTER}").data.decode("utf-8")
    fills = _area_fills(svg)
    assert set(fills) == set(expected)
    assert svg.count('<g id="flaeche-') == len(expected)  # each area once
    for public_id, kind in expected.items():
        assert fills[public_id] == AREA_KIND_COLOURS[kind].lower(), public_id
    municipalities = svg_fills(svg)
    assert len(municipalities) == 53  # outlines of the whole district, no choropleth
    assert set(municipalities.values()) == {AREA_BASE_FILL}
    assert "Flächenpotenziale" in svg and "Gewerbefläche" in svg

    # no filter: every current area of the district
    everything = _area_fills(_get(app, "analyse", "/export/flaechen/karte.svg").data.decode())
    assert set(everything) == set(_expected(demo_settings))


def test_paper_sizes_and_png_resolution(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "a3.pdf"
    url = f"/export/flaechen/karte.pdf?{FILTER}&paper=A3&orientation=portrait"
    path.write_bytes(_get(app, "kreis", url).data)
    width, height = page_size_pt(path)
    assert (round(width), round(height)) == (842, 1191)  # A3 portrait
    assert "Flächenpotenziale" in pdftotext(path)
    assert len(pdf_to_pngs(path, "flaechen-karte-a3-hoch", resolution=50)) == 1
    path.write_bytes(_get(app, "kreis", "/export/flaechen/karte.pdf?paper=A3").data)
    assert tuple(round(v) for v in page_size_pt(path)) == (1191, 842)  # A3 landscape
    path.write_bytes(_get(app, "kreis", "/export/flaechen/karte.pdf?orientation=portrait").data)
    assert tuple(round(v) for v in page_size_pt(path)) == (595, 842)  # A4 portrait

    png = _get(app, "kreis", f"/export/flaechen/karte.png?{FILTER}&dpi=300")
    assert "Flaechenpotenziale_A4_quer_300dpi.png" in png.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(png.data))
    assert abs(image.size[0] - 3508) <= 1 and image.size[1] == 2480  # A4 landscape, 300 dpi
    screen = Image.open(io.BytesIO(_get(app, "kreis", "/export/flaechen/karte.png").data))
    assert abs(screen.size[0] - 1123) <= 1 and abs(screen.size[1] - 794) <= 1  # 96 dpi
    target = tmp_path / "karte.png"
    target.write_bytes(png.data)
    assert read_record(target).render["dpi"] == 300


def test_extent_fits_the_filtered_areas(app: Flask, demo_settings: Settings) -> None:
    district = _map_data(app, "kreis", {})
    bounds = shapely.total_bounds(list(district.frame.geometry))
    assert district.extent == pytest.approx(tuple(bounds))  # nothing filtered: the district
    assert district.filter_text == "ohne Filter"

    zittau = _map_data(app, "kreis", {"municipalities": ZITTAU, "kinds": "gewerbe"})
    ids = set(_expected(demo_settings, Municipality.ags == ZITTAU, AreaPotential.kind == "gewerbe"))
    assert set(zittau.areas["public_id"]) == ids and ids
    area_bounds = shapely.total_bounds(list(zittau.areas.geometry))
    min_x, min_y, max_x, max_y = zittau.extent
    assert min_x < area_bounds[0] and min_y < area_bounds[1]  # all areas inside, with margin
    assert max_x > area_bounds[2] and max_y > area_bounds[3]
    assert min_x >= area_bounds[0] - 5_000 and max_x <= area_bounds[2] + 5_000
    assert (max_x - min_x) < (bounds[2] - bounds[0]) / 2  # zoomed in, not the district
    assert zittau.filter_text == "Art: Gewerbefläche · Gemeinde: Zittau"
    assert [(item.kind, item.count) for item in zittau.legend] == [("gewerbe", len(ids))]

    nothing = _map_data(app, "kreis", {"search": "gibt-es-nicht-xyz"})
    assert len(nothing.areas) == 0 and nothing.extent == pytest.approx(tuple(bounds))


# --------------------------------------------------------------------------- permissions


def test_kommune_gets_only_its_own_areas_and_a_foreign_ags_is_refused(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    own = _expected(demo_settings, Municipality.ags == GOERLITZ)
    assert own
    client = client_for(app, "kommune.goerlitz")
    svg = client.get("/export/flaechen/karte.svg").data.decode("utf-8")
    assert set(_area_fills(svg)) == set(own)
    filtered = client.get(f"/export/flaechen/karte.svg?municipalities={GOERLITZ}&kinds=gewerbe")
    assert filtered.status_code == 200
    own_gewerbe = {p for p, kind in own.items() if kind == "gewerbe"}
    assert set(_area_fills(filtered.data.decode("utf-8"))) == own_gewerbe

    pdf = client.get(f"/export/flaechen/karte.pdf?municipalities={GOERLITZ}")
    assert pdf.status_code == 200
    path = tmp_path / "goerlitz.pdf"
    path.write_bytes(pdf.data)
    text = _flat(pdftotext(path))
    assert "Auszug für: Stadt Görlitz" in text
    assert "Sie sehen nur die Flächenpotenziale Ihrer eigenen Kommune." in text
    assert "Gemeinde: Görlitz" in text
    pdf_to_pngs(path, "flaechen-karte-kommune", resolution=80)

    for route in ROUTES:
        for query in (
            f"municipalities={ZITTAU}",
            f"municipalities={GOERLITZ},{ZITTAU}",
            f"municipalities={ZITTAU}&kinds=gewerbe",
            "deleted=ja",  # deleted areas are for editors only
        ):
            response = client.get(f"{route}?{query}")
            assert response.status_code == 403, (route, query, response.status_code)
            assert response.mimetype == "text/html" and b"Fl\xc3\xa4chenpotenziale" not in (
                response.data
            )

    # the service refuses by itself, whoever calls it
    with app.app_context():
        session = get_runtime().session_factory()
        try:
            zittau_id = session.scalar(select(Municipality.id).where(Municipality.ags == ZITTAU))
            assert zittau_id is not None
            with pytest.raises(AccessDeniedError):
                export_service.get_area_map_data(
                    session,
                    principal(session, "kommune.goerlitz"),
                    areas.AreaFilter(municipality_ids=(zittau_id,)),
                    config=TEST_CONFIG,
                )
        finally:
            session.close()


def test_anonymous_admin_and_bad_parameters_are_refused(app: Flask) -> None:
    anonymous = client_for(app)
    for route in ROUTES:
        page = anonymous.get(f"{route}?kinds=gewerbe", headers={"Accept": "text/html"})
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        assert anonymous.get(route, headers={"Accept": "application/json"}).status_code == 401
    admin = client_for(app, "admin")
    for route in ROUTES:
        assert admin.get(route).status_code == 403  # no export permission
    kreis = client_for(app, "kreis")
    for query, text in (
        ("kinds=wald", "Unbekannter Wert „wald“ für die Art"),
        ("min_ha=viel", "Flächengröße"),
        ("age=gestern", "Bestätigung"),
        ("municipalities=1462", "8 Ziffern"),
        ("paper=A5", "Papierformat"),
        ("orientation=schraeg", "Ausrichtung"),
    ):
        response = kreis.get(f"/export/flaechen/karte.pdf?{query}")
        assert response.status_code == 400, query
        assert text in response.get_data(as_text=True), query
    assert kreis.get("/export/flaechen/karte.png?dpi=72").status_code == 400
    assert kreis.get("/export/flaechen/karte.tiff").status_code == 400
    assert kreis.get("/export/flaechen/karte.pdf?municipalities=14626999").status_code == 404


# --------------------------------------------------------------------------- record, CLI


def test_audited_reproducible_and_scriptable(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    client = client_for(app, "kommune.goerlitz")
    response = client.get("/export/flaechen/karte.png?kinds=gewerbe&orientation=portrait")
    assert response.status_code == 200 and response.mimetype == "image/png"
    first = tmp_path / "erste.png"
    first.write_bytes(response.data)
    with app.app_context():
        session = get_runtime().session_factory()
        entry = session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "export", AuditLog.actor_name == "kommune.goerlitz")
            .order_by(AuditLog.id.desc())
        ).first()
        session.close()
    assert entry is not None and entry.target == "snapshot:flaechen"
    details = entry.details
    assert details["params"]["lens"] == "flaechen"
    assert details["params"]["kinds"] == ["gewerbe"]
    assert details["render"]["orientation"] == "portrait" and len(details["data_hash"]) == 64
    assert details["scope"] == "Auszug für: Stadt Görlitz"

    runner = app.test_cli_runner()
    again = tmp_path / "wieder.png"
    result = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "kommune.goerlitz",
            "--reproduce",
            str(first),
            "-o",
            str(again),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Datenstand unverändert" in result.output
    assert again.read_bytes() == first.read_bytes()  # byte-identical

    # from scratch on the command line, with the same filters as the route
    scripted = tmp_path / "flaechen.pdf"
    result = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "kreis",
            "--flaechen",
            "--kinds",
            "gewerbe,brache",
            "--min-ha",
            "1",
            "--age",
            "ueberfaellig",
            "-o",
            str(scripted),
        ]
    )
    assert result.exit_code == 0, result.output
    expected = _filtered(demo_settings)
    assert f"{len(expected)} Flächen auf der Karte." in result.output
    text = _flat(pdftotext(scripted))
    assert FILTER_TEXT in text and "Landkreis Görlitz" in text
    svg = tmp_path / "flaechen.svg"
    result = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "kreis",
            "--flaechen",
            "--format",
            "svg",
            "--kinds",
            "gewerbe,brache",
            "--min-ha",
            "1",
            "--age",
            "ueberfaellig",
            "-o",
            str(svg),
        ]
    )
    assert result.exit_code == 0, result.output
    assert set(_area_fills(svg.read_text())) == set(expected)
    assert read_record(svg).params == read_record(scripted).params

    refused = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "kommune.goerlitz",
            "--flaechen",
            "--municipalities",
            ZITTAU,
            "-o",
            str(tmp_path / "x.pdf"),
        ]
    )
    assert refused.exit_code != 0 and not (tmp_path / "x.pdf").exists()
    bad = runner.invoke(
        args=[
            "export-snapshot",
            "--user",
            "kreis",
            "--flaechen",
            "--kinds",
            "wald",
            "-o",
            str(tmp_path / "y.pdf"),
        ]
    )
    assert bad.exit_code != 0 and "Unbekannter Wert „wald“" in bad.output


def test_export_table_flaechen_takes_the_same_filters(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    target = tmp_path / "flaechen.zip"
    result = runner.invoke(
        args=[
            "export-table",
            "--user",
            "kreis",
            "--table",
            "flaechen",
            "--format",
            "csv",
            "--kinds",
            "gewerbe,brache",
            "--min-ha",
            "1",
            "--age",
            "ueberfaellig",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        text = archive.read("flaechenpotenziale.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert {r[0] for r in rows} == set(_filtered(demo_settings))

    xlsx = tmp_path / "zittau.xlsx"
    result = runner.invoke(
        args=[
            "export-table",
            "--user",
            "analyse",
            "--table",
            "flaechen",
            "--municipalities",
            ZITTAU,
            "--search",
            "",
            "-o",
            str(xlsx),
        ]
    )
    assert result.exit_code == 0, result.output
    zittau = _expected(demo_settings, Municipality.ags == ZITTAU)
    assert f"({len(zittau)} Zeilen)" in result.output
    assert read_record(xlsx).params["municipalities"] == [ZITTAU]

    refused = runner.invoke(
        args=[
            "export-table",
            "--user",
            "kommune.goerlitz",
            "--table",
            "flaechen",
            "--municipalities",
            ZITTAU,
            "-o",
            str(tmp_path / "z.xlsx"),
        ]
    )
    assert refused.exit_code != 0 and not (tmp_path / "z.xlsx").exists()


# --------------------------------------------------------------------------- colours


def test_area_colours_are_shared_with_the_screen_map() -> None:
    assert {k.value: c for k, c in area_map.KIND_COLOURS.items()} == AREA_KIND_COLOURS
    assert snapshot.AREA_COLOURS == AREA_KIND_COLOURS
    script = (ROOT / "assets" / "flaechen.js").read_text(encoding="utf-8")
    style = (ROOT / "assets" / "flaechen.css").read_text(encoding="utf-8")
    for kind, colour in AREA_KIND_COLOURS.items():
        assert f'{kind}: "{colour}"' in script, kind
        assert f".fl-dot-{kind} {{ background: {colour}; }}" in style, kind
    assert f'fillColor: "{AREA_BASE_FILL}"' in script
    assert f'color: "{AREA_BASE_EDGE}"' in script
