"""Area exports of the Flächen page through the real app (demo data, real files).

``/export/tabelle/flaechen.<csv|xlsx>`` and ``/export/ebene/flaechen.<gpkg|geojson>`` take
the page's filters; every file must hold exactly the areas an independent SQL query finds
for those filters (GeoPackage read back with ``ogrinfo`` and GeoPandas), the filters are
recorded in the file, a Kommune user gets nothing foreign however the query is crafted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import geopandas as gpd
import pyogrio
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import or_, select

from cockpit import create_app
from cockpit.dashboard.presenters import areas as present
from cockpit.db import make_engine, make_session_factory
from cockpit.models import AreaPotential, Municipality
from cockpit.models.user import AuditLog
from cockpit.services import exports as export_service
from cockpit.settings import Settings
from cockpit.web import get_runtime
from tests.browser_support import query_db
from tests.exports.export_support import GOERLITZ, ZITTAU, login

FORMATS = (
    "/export/tabelle/flaechen.csv",
    "/export/tabelle/flaechen.xlsx",
    "/export/ebene/flaechen.gpkg",
    "/export/ebene/flaechen.geojson",
)


@pytest.fixture
def app(demo_settings: Settings) -> Iterator[Flask]:
    app = create_app(demo_settings)
    yield app
    app.extensions["cockpit"].engine.dispose()


def _client(app: Flask, username: str | None = None) -> FlaskClient:
    client = app.test_client()
    if username:
        login(client, username)
    return client


def _expected(settings: Settings, *conditions: Any) -> set[str]:
    """public_ids of the current areas matching ``conditions`` (independent SQL)."""
    rows = query_db(
        settings,
        select(AreaPotential.public_id)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(AreaPotential.is_deleted.is_(False), *conditions),
    )
    return {r[0] for r in rows}


def _csv_ids(payload: bytes) -> tuple[set[str], dict[str, Any]]:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        text = archive.read("flaechenpotenziale.csv").decode("utf-8-sig")
        record = json.loads(archive.read("flaechenpotenziale.metadaten.json"))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Kennung" and rows[0][2] == "Gemeindeschlüssel (AGS)"
    return {r[0] for r in rows[1:]}, record


def _xlsx_ids(payload: bytes) -> tuple[set[str], dict[str, Any]]:
    workbook = load_workbook(io.BytesIO(payload))
    sheet = workbook.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    assert header[0] == "Kennung"
    record_row = next(
        r for r in workbook["Metadaten"].iter_rows(values_only=True) if r[0] == "Datensatz (JSON)"
    )
    return {str(r[0]) for r in values[1:] if r[0]}, json.loads(str(record_row[1]))


def _gpkg(payload: bytes, tmp_path: Path) -> tuple[set[str], dict[str, Any], gpd.GeoDataFrame]:
    path = tmp_path / "flaechen.gpkg"
    path.write_bytes(payload)
    info = subprocess.run(
        ["ogrinfo", "-so", str(path), "flaechenpotenziale"],
        capture_output=True,
        text=True,
        check=True,
    )
    frame = gpd.read_file(path, layer="flaechenpotenziale")
    assert f"Feature Count: {len(frame)}" in info.stdout
    assert "25833" in info.stdout and "public_id" in info.stdout
    metadata = pyogrio.read_info(path, layer="flaechenpotenziale")["layer_metadata"]
    return set(frame["public_id"]), json.loads(metadata["KOMMUNAL_COCKPIT_EXPORT"]), frame


def _geojson_ids(payload: bytes) -> tuple[set[str], dict[str, Any]]:
    collection = json.loads(payload)
    return {f["properties"]["public_id"] for f in collection["features"]}, collection["metadaten"]


def test_every_format_holds_exactly_the_filtered_areas(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    client = _client(app, "kreis")
    query = "kinds=gewerbe,brache&min_ha=1&max_ha=12,5&age=ueberfaellig"
    cutoff = dt.date.today() - dt.timedelta(days=demo_settings.stale_after_days)
    expected = _expected(
        demo_settings,
        AreaPotential.kind.in_(["gewerbe", "brache"]),
        AreaPotential.area_ha >= 1,
        AreaPotential.area_ha <= 12.5,
        or_(AreaPotential.last_confirmed_at.is_(None), AreaPotential.last_confirmed_at < cutoff),
    )
    everything = _expected(demo_settings)
    assert 5 <= len(expected) < len(everything)  # the filter really filters

    responses = {path: client.get(f"{path}?{query}") for path in FORMATS}
    for path, response in responses.items():
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        assert response.headers["Cache-Control"] == "no-store"
    csv_ids, csv_record = _csv_ids(responses[FORMATS[0]].data)
    xlsx_ids, xlsx_record = _xlsx_ids(responses[FORMATS[1]].data)
    gpkg_ids, gpkg_record, frame = _gpkg(responses[FORMATS[2]].data, tmp_path)
    geojson_ids, geojson_record = _geojson_ids(responses[FORMATS[3]].data)
    assert csv_ids == xlsx_ids == gpkg_ids == geojson_ids == expected

    # Filters recorded (reproducibility), as query parameters with AGS.
    for record in (csv_record, xlsx_record, gpkg_record, geojson_record):
        params = record["params"]
        assert params["kinds"] == ["gewerbe", "brache"]
        assert params["min_ha"] == 1.0 and params["max_ha"] == 12.5
        assert params["age"] == "ueberfaellig" and params["municipalities"] == []
        assert record["user"] == "kreis" and len(record["data_hash"]) == 64
    assert gpkg_record["kind"] == "layer" and gpkg_record["format"] == "gpkg"

    # Geometries: the stored ones (EPSG:25833, unsimplified), area matches area_ha.
    assert frame.crs.to_epsg() == 25833
    stored = dict(
        query_db(
            demo_settings,
            select(AreaPotential.public_id, AreaPotential.geom).where(
                AreaPotential.public_id.in_(expected)
            ),
        )
    )
    for row in frame.itertuples():
        assert row.geometry.equals_exact(stored[row.public_id], 1e-6)
        assert row.geometry.area / 10_000 == pytest.approx(row.area_ha, rel=1e-3)
    web = gpd.read_file(io.BytesIO(responses[FORMATS[3]].data))
    assert web.crs.to_epsg() == 4326 and 14.3 < web.total_bounds[0] < web.total_bounds[2] < 15.1

    with app.app_context():
        session = get_runtime().session_factory()
        targets = [
            e.target for e in session.scalars(select(AuditLog).where(AuditLog.action == "export"))
        ]
        session.close()
    assert "layer:flaechenpotenziale_ebene" in targets
    assert "table:flaechenpotenziale" in targets


def test_municipality_source_and_search_filters(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    client = _client(app, "analyse")
    expected = _expected(
        demo_settings, Municipality.ags.in_([GOERLITZ, ZITTAU]), AreaPotential.source == "geoportal"
    )
    query = f"municipalities={GOERLITZ},{ZITTAU}&sources=geoportal"
    assert expected and expected < _expected(demo_settings)
    gpkg_ids, record, frame = _gpkg(
        client.get(f"/export/ebene/flaechen.gpkg?{query}").data, tmp_path
    )
    assert gpkg_ids == expected
    assert set(frame["ags"]) <= {GOERLITZ, ZITTAU}
    assert record["params"]["municipalities"] == [GOERLITZ, ZITTAU]
    assert record["params"]["sources"] == ["geoportal"]

    # Search (name or Geoportal-ID, case-insensitive), like the page's search field.
    names = query_db(
        demo_settings, select(AreaPotential.name).where(AreaPotential.is_deleted.is_(False))
    )
    word = next(w for (n,) in names for w in n.split() if len(w) >= 5 and w.isascii())
    like = f"%{word.lower()}%"
    expected = _expected(
        demo_settings,
        or_(AreaPotential.name.ilike(like), AreaPotential.geoportal_id.ilike(like)),
    )
    response = client.get("/export/tabelle/flaechen.csv", query_string={"search": word.upper()})
    ids, record = _csv_ids(response.data)
    assert ids == expected and record["params"]["search"] == word.upper()


def test_page_links_reproduce_the_page_filter(app: Flask, demo_settings: Settings) -> None:
    """The query the Flächen page writes into its links (presenter) parses back into the
    same filter, and the file then holds what ``areas.list_areas`` lists on the page."""
    engine = make_engine(demo_settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            ids = dict(session.execute(select(Municipality.ags, Municipality.id)).all())
            page_filter = present.build_filter(
                kinds=["industrie", "gewerbe"],
                statuses=["verfuegbar", "reserviert"],
                municipality_ids=[str(ids[GOERLITZ]), ids[ZITTAU]],
                min_ha="0.5",
                age=present.AGE_CURRENT,
                search="  ",
            )
            query = present.export_query(
                page_filter, {str(ids[GOERLITZ]): GOERLITZ, str(ids[ZITTAU]): ZITTAU}
            )
            parsed = export_service.parse_area_filter(session, dict(parse_qsl(query)))
    finally:
        engine.dispose()
    assert query == (
        "kinds=industrie,gewerbe&statuses=verfuegbar,reserviert"
        f"&municipalities={GOERLITZ},{ZITTAU}&min_ha=0.5&age=aktuell"
    )
    assert parsed == page_filter
    cutoff = dt.date.today() - dt.timedelta(days=demo_settings.stale_after_days)
    expected = _expected(
        demo_settings,
        AreaPotential.kind.in_(["industrie", "gewerbe"]),
        AreaPotential.status.in_(["verfuegbar", "reserviert"]),
        Municipality.ags.in_([GOERLITZ, ZITTAU]),
        AreaPotential.area_ha >= 0.5,
        AreaPotential.last_confirmed_at >= cutoff,
    )
    client = _client(app, "kreis")
    ids_xlsx, _record = _xlsx_ids(client.get(f"/export/tabelle/flaechen.xlsx?{query}").data)
    assert ids_xlsx == expected


def test_kommune_gets_only_its_own_areas_however_the_query_is_crafted(
    app: Flask, demo_settings: Settings, tmp_path: Path
) -> None:
    client = _client(app, "kommune.goerlitz")
    own = _expected(demo_settings, Municipality.ags == GOERLITZ)
    assert own
    ids, record, frame = _gpkg(client.get("/export/ebene/flaechen.gpkg").data, tmp_path)
    assert ids == own and set(frame["ags"]) == {GOERLITZ}
    assert record["scope"] == "Auszug für: Stadt Görlitz"
    geojson_ids, _ = _geojson_ids(client.get("/export/ebene/flaechen.geojson").data)
    assert geojson_ids == own
    for path in FORMATS:
        for query in (
            f"municipalities={ZITTAU}",
            f"municipalities={GOERLITZ},{ZITTAU}",
            f"municipalities={ZITTAU}&kinds=gewerbe",
            "deleted=ja",  # deleted areas are for editors only
        ):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 403, (path, query, response.status_code)
            body = response.get_data()
            assert b"flaechenpotenziale" not in body and body[:2] != b"PK"


def test_anonymous_admin_and_bad_parameters_are_refused(app: Flask) -> None:
    anonymous = _client(app)
    for path in FORMATS:
        page = anonymous.get(f"{path}?kinds=gewerbe", headers={"Accept": "text/html"})
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        api = anonymous.get(path, headers={"Accept": "application/json"})
        assert api.status_code == 401
    admin = _client(app, "admin")
    for path in FORMATS:
        assert admin.get(path).status_code == 403
    kreis = _client(app, "kreis")
    for query, text in (
        ("kinds=wald", "Unbekannter Wert „wald“ für die Art"),
        ("sources=x", "für die Quelle"),
        ("min_ha=viel", "Flächengröße"),
        ("max_ha=-1", "Flächengröße"),
        ("age=gestern", "Bestätigung"),
        ("municipalities=1462", "8 Ziffern"),
    ):
        response = kreis.get(f"/export/ebene/flaechen.gpkg?{query}")
        assert response.status_code == 400, query
        assert text in response.get_data(as_text=True), query
    assert kreis.get("/export/tabelle/flaechen.csv?municipalities=14626999").status_code == 404
    assert kreis.get("/export/ebene/flaechen.shp").status_code == 400
