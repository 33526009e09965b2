"""Table and layer exports: CSV for Excel, XLSX with Quellen/Metadaten, GeoPackage read
back by ogrinfo and GeoPandas, GeoJSON, and permission filtering of every table."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError
from cockpit.exports import tables
from cockpit.exports.metadata import ExportRecord, build_record, read_record
from cockpit.services import exports as export_service
from tests.config_support import TEST_CONFIG
from tests.exports.export_support import (
    CONFIDENTIAL_INDICATOR,
    GOERLITZ,
    ZITTAU,
    principal,
)


@pytest.fixture
def demo_session(demo_url: str) -> Iterator[Session]:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def _record(table: export_service.TableData, fmt: str, username: str) -> ExportRecord:
    from cockpit.domain.roles import Principal, Role

    return build_record(
        kind="table",
        fmt=fmt,
        params=dict(table.params),
        data_hash=table.data_hash,
        principal=Principal(1, username, Role.KREIS_REDAKTION),
        scope=table.scope_text,
        title=table.title,
        sources=table.sources,
        is_demo=table.is_demo,
    )


def _map_table(session: Session, username: str, key: str, year: int) -> export_service.TableData:
    params = export_service.SnapshotParams(key, year)
    return export_service.get_map_table(
        session,
        principal(session, username),
        params,
        config=replace(TEST_CONFIG, district_ags="14626"),
    )


def test_csv_for_excel(demo_session: Session) -> None:
    table = _map_table(demo_session, "kreis", "bevoelkerungsdichte", 2022)
    payload = tables.to_csv(table)
    assert payload.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    lines = payload.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Gemeindeschlüssel (AGS);Gemeinde;Jahr;Einwohner je km² (Einwohner je km²);Klasse;"
        "Klassengrenzen;Farbe (Karte)"
    )
    assert len(lines) == 54
    goerlitz = next(line for line in lines if line.startswith(GOERLITZ))
    cells = goerlitz.split(";")
    assert cells[1] == "Görlitz" and cells[2] == "2022"
    assert "," in cells[3] and "." not in cells[3]  # decimal comma, no thousands separator
    point = tables.to_csv(table, separator=",", decimal=".").decode("utf-8-sig").splitlines()
    assert point[0].startswith("Gemeindeschlüssel (AGS),Gemeinde,Jahr,")
    assert cells[3].replace(",", ".") in point[lines.index(goerlitz)]
    with pytest.raises(ValueError):
        tables.to_csv(table, separator=";", decimal=";")  # type: ignore[arg-type]

    record = _record(table, "csv", "kreis")
    archive = zipfile.ZipFile(io.BytesIO(tables.csv_zip(table, record)))
    assert sorted(archive.namelist()) == sorted(
        [f"{table.name}.csv", f"{table.name}.metadaten.json"]
    )
    manifest = json.loads(archive.read(f"{table.name}.metadaten.json"))
    assert manifest["data_hash"] == table.data_hash
    assert manifest["params"]["indicator"] == "bevoelkerungsdichte"


def test_xlsx_with_sources_and_metadata(demo_session: Session, tmp_path: Path) -> None:
    table = _map_table(demo_session, "analyse", "kaufkraft_eur_je_ew", 2015)
    record = _record(table, "xlsx", "analyse")
    path = tmp_path / "karte.xlsx"
    path.write_bytes(tables.to_xlsx([table], record))
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Daten", "Quellen", "Metadaten"]
    data = workbook["Daten"]
    headers = [c.value for c in data[1]]
    assert headers[3] == "Kaufkraft je Einwohner (€ je Einwohner)"
    values = [row[3] for row in data.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 53 and all(isinstance(v, int | float) for v in values)
    sources = [row[0] for row in workbook["Quellen"].iter_rows(values_only=True)]
    assert "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0" in sources
    assert any("INKAR, © BBSR Bonn" in str(s) for s in sources)
    meta = dict(workbook["Metadaten"].iter_rows(values_only=True))
    assert meta["Datenstand (SHA-256)"] == table.data_hash
    assert workbook.properties.keywords and table.data_hash in workbook.properties.keywords
    assert read_record(path).params["indicator"] == "kaufkraft_eur_je_ew"


def test_geopackage_and_geojson_read_back(demo_session: Session, tmp_path: Path) -> None:
    params = export_service.SnapshotParams("bevoelkerung", 2022)
    frame, table = export_service.get_map_layer(
        demo_session,
        principal(demo_session, "kreis"),
        params,
        config=replace(TEST_CONFIG, district_ags="14626"),
    )
    record = _record(table, "gpkg", "kreis")
    path = tmp_path / "gemeinden.gpkg"
    path.write_bytes(tables.to_gpkg(frame, record, layer="gemeinden"))

    info = subprocess.run(
        ["ogrinfo", "-so", str(path), "gemeinden"], capture_output=True, text=True, check=True
    )
    assert "Feature Count: 53" in info.stdout
    assert "25833" in info.stdout
    assert "KOMMUNAL_COCKPIT_EXPORT" in info.stdout  # layer metadata (gpkg_metadata)
    assert "Warning" not in info.stderr and "version" not in info.stderr.lower()
    layers = subprocess.run(["ogrinfo", "-q", str(path)], capture_output=True, text=True)
    assert "gemeinden" in layers.stdout and "metadaten" in layers.stdout

    back = gpd.read_file(path, layer="gemeinden")
    assert back.crs.to_epsg() == 25833 and len(back) == 53
    goerlitz = back.set_index("AGS").loc[GOERLITZ]
    assert goerlitz["Gemeinde"] == "Görlitz" and goerlitz["Wert"] == 54664
    meta = pyogrio.read_dataframe(path, layer="metadaten")
    assert table.data_hash in set(meta["wert"])

    geojson_path = tmp_path / "gemeinden.geojson"
    geojson_path.write_bytes(tables.to_geojson(frame, record))
    web = gpd.read_file(geojson_path)
    assert web.crs.to_epsg() == 4326 and len(web) == 53
    assert 14.4 < web.total_bounds[0] < web.total_bounds[2] < 15.1
    assert json.loads(geojson_path.read_text())["metadaten"]["data_hash"] == table.data_hash


def test_kommune_tables_hold_no_foreign_confidential_values(demo_session: Session) -> None:
    table = _map_table(demo_session, "kommune.zittau", CONFIDENTIAL_INDICATOR, 2024)
    visible = {row[0]: row[3] for row in table.rows}
    assert visible[ZITTAU] is not None
    assert all(v is None for ags, v in visible.items() if ags != ZITTAU)
    csv_text = tables.to_csv(table).decode("utf-8-sig")
    kreis_table = _map_table(demo_session, "kreis", CONFIDENTIAL_INDICATOR, 2024)
    for ags, value, *_ in kreis_table.rows:
        if ags != ZITTAU:
            row = next(line for line in csv_text.splitlines() if line.startswith(ags))
            assert row.split(";")[3] == "", (ags, value)

    zittau = principal(demo_session, "kommune.zittau")
    goerlitz_id = export_service.municipality_id_for_ags(demo_session, zittau, GOERLITZ)
    with pytest.raises(AccessDeniedError):
        export_service.get_kenndaten_tables(demo_session, zittau, goerlitz_id, config=TEST_CONFIG)
    own_id = export_service.municipality_id_for_ags(demo_session, zittau, ZITTAU)
    own = export_service.get_kenndaten_tables(demo_session, zittau, own_id, config=TEST_CONFIG)
    assert [t.name.split("_")[1] for t in own][:3] == ["contacts", "staff", "investments"]
    areas = export_service.get_area_table(demo_session, zittau, config=TEST_CONFIG)
    assert areas.rows and {row[2] for row in areas.rows} == {ZITTAU}
    assert areas.scope_text == "Auszug für: Stadt Zittau"
    kpis = export_service.get_kpi_table(demo_session, zittau, goerlitz_id, config=TEST_CONFIG)
    assert "Investitionsrückstand je Einwohner" not in {row[1] for row in kpis.rows}


def test_kenndaten_workbook_has_one_sheet_per_group(demo_session: Session) -> None:
    kreis = principal(demo_session, "kreis")
    mid = export_service.municipality_id_for_ags(demo_session, kreis, GOERLITZ)
    table_list = export_service.get_kenndaten_tables(demo_session, kreis, mid, config=TEST_CONFIG)
    record = _record(table_list[0], "xlsx", "kreis")
    workbook = load_workbook(io.BytesIO(tables.to_xlsx(table_list, record)))
    assert len(workbook.sheetnames) == len(table_list) + 2
    assert workbook.sheetnames[0].startswith("Ansprechpartner")
    investments = workbook[workbook.sheetnames[2]]
    assert [c.value for c in investments[1]][:4] == ["Bereich", "Art", "Jahr", "Betrag (EUR)"]
    labels = {row[0] for row in investments.iter_rows(min_row=2, values_only=True)}
    assert "Schulen" in labels or "Kultur" in labels  # German labels, not codes
