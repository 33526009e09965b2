"""layers.writers: every file read back with GDAL (``ogrinfo``) and GeoPandas — CRS, feature
count, UTF-8 umlauts in the Shapefile (``.cpg``), RFC 7946 GeoJSON in lon/lat order, CSV
for Excel, XLSX with text kept as text, reproducible zips."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from shapely import wkt
from shapely.geometry import MultiPolygon, box

from layers.writers import (
    Sheet,
    WorkbookProperties,
    csv_bytes,
    frame_csv_bytes,
    geojson_bytes,
    write_gpkg,
    write_shapefile_zip,
    xlsx_bytes,
    zip_bytes,
)

NAMES = ["Görlitz", "Weißwasser/O.L.", "Großschönau"]


def _frame() -> gpd.GeoDataFrame:
    """Three squares near Görlitz (lon ≈ 14.99, lat ≈ 51.15) in EPSG:25833, one multi."""
    squares = [box(498_000 + i * 1000, 5_665_000, 498_900 + i * 1000, 5_665_900) for i in range(3)]
    return gpd.GeoDataFrame(
        {"ags": ["14626110", "14626610", "14626140"], "name": NAMES, "area_ha": [81.0, 81.0, 0.5]},
        geometry=[squares[0], squares[1], MultiPolygon([squares[2]])],
        crs="EPSG:25833",
    )


def _ogrinfo(*args: str) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, check=True, timeout=60
    )
    assert "ERROR" not in result.stderr, result.stderr
    return result.stdout


def test_gpkg_keeps_crs_features_metadata_and_extra_tables(tmp_path: Path) -> None:
    path = write_gpkg(
        _frame(),
        tmp_path / "flaechen.gpkg",
        "flaechen",
        description="Flächen – Test",
        metadata={"DATA_HASH": "abc123"},
        tables={"metadaten": pd.DataFrame({"schluessel": ["Titel"], "wert": ["Flächen"]})},
    )
    info = _ogrinfo("-so", str(path), "flaechen")
    assert "Feature Count: 3" in info
    assert "25833" in info
    assert "Multi Polygon" in info  # singular polygons promoted: one geometry type
    assert "DATA_HASH=abc123" in info
    layers = _ogrinfo("-q", str(path))
    assert "flaechen" in layers and "metadaten" in layers

    back = gpd.read_file(path, layer="flaechen")
    assert back.crs.to_epsg() == 25833 and len(back) == 3
    assert list(back["name"]) == NAMES
    assert pyogrio.read_dataframe(path, layer="metadaten")["wert"].tolist() == ["Flächen"]


def test_zipped_shapefile_has_cpg_and_utf8_umlauts(tmp_path: Path) -> None:
    path = write_shapefile_zip(_frame(), tmp_path / "flaechen.zip", "flaechen")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert names == {f"flaechen.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")}
        assert archive.read("flaechen.cpg").strip() == b"UTF-8"
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())

    info = _ogrinfo(f"/vsizip/{path}/flaechen.shp", "flaechen")
    assert "Feature Count: 3" in info
    for name in NAMES:
        assert f"name (String) = {name}" in info
    back = gpd.read_file(f"zip://{path}!flaechen.shp")
    assert back.crs.to_epsg() == 25833
    assert list(back["name"]) == NAMES


def test_geojson_is_rfc7946_lon_lat_without_crs_member(tmp_path: Path) -> None:
    payload = geojson_bytes(_frame(), "Flächen", members={"metadaten": {"data_hash": "abc"}})
    document = json.loads(payload)
    assert "crs" not in document
    assert document["name"] == "Flächen" and document["metadaten"] == {"data_hash": "abc"}
    assert list(document)[-1] == "features" and len(document["features"]) == 3
    lon, lat = document["features"][0]["geometry"]["coordinates"][0][0]
    assert 14.9 < lon < 15.1 and 51.1 < lat < 51.2  # longitude first
    assert document["features"][1]["properties"]["name"] == "Weißwasser/O.L."

    path = tmp_path / "flaechen.geojson"
    path.write_bytes(payload)
    info = _ogrinfo("-so", str(path), "Flächen")
    assert "Feature Count: 3" in info and "4326" in info
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326 and len(back) == 3
    plain = json.loads(geojson_bytes(_frame(), "flaechen"))
    assert set(plain) == {"type", "name", "features"}


def test_csv_is_utf8_with_bom_and_geometry_in_lon_lat(tmp_path: Path) -> None:
    assert csv_bytes([["a", "b"], ["Görlitz", "1,5"]]) == "\ufeffa;b\r\nGörlitz;1,5\r\n".encode()

    frame = _frame()
    frame.loc[0, "name"] = "=HYPERLINK(1)"
    with_wkt = frame_csv_bytes(
        frame, geometry="wkt", cell=lambda v: f"'{v}" if str(v)[0] == "=" else str(v)
    )
    lines = with_wkt.decode("utf-8-sig").splitlines()
    assert lines[0] == "ags;name;area_ha;WKT"
    assert lines[1].startswith("14626110;'=HYPERLINK(1);81.0;POLYGON ((14.")
    shape = wkt.loads(lines[3].split(";")[3])
    assert shape.geom_type == "MultiPolygon"
    assert 14.9 < shape.bounds[0] < 15.1 and 51.1 < shape.bounds[1] < 51.2

    points = frame_csv_bytes(frame, geometry="centroid").decode("utf-8-sig").splitlines()
    assert points[0] == "ags;name;area_ha;lon;lat"
    lon, lat = (float(v) for v in points[2].split(";")[-2:])
    assert 14.9 < lon < 15.1 and 51.1 < lat < 51.2
    assert points[2].split(";")[-1] == f"{lat:.6f}"

    path = tmp_path / "punkte.csv"
    path.write_bytes(frame_csv_bytes(frame, geometry="centroid", separator=","))
    read = pd.read_csv(path, encoding="utf-8-sig")
    assert list(read["name"])[1:] == NAMES[1:] and len(read) == 3


def test_xlsx_keeps_text_as_text_with_formats_and_properties() -> None:
    created = dt.datetime(2026, 12, 7, 10, 30)
    payload = xlsx_bytes(
        [
            Sheet(
                "Daten",
                ["Gemeinde", "Fläche (ha)"],
                [["=1+1", 12.5], ["Görlitz", 3.25]],
                ["General", "#,##0.0"],
            ),
            Sheet(
                "Metadaten",
                [],
                [["Titel", "Test"]],
                widths=[28, 80],
                styled=False,
                bold_first_column=True,
            ),
        ],
        WorkbookProperties(title="Test", keywords="{}", creator="kreis", created=created),
    )
    workbook = load_workbook(io.BytesIO(payload))
    assert workbook.sheetnames == ["Daten", "Metadaten"]
    data = workbook["Daten"]
    assert data["A2"].value == "=1+1" and data["A2"].data_type == "s"  # not a formula
    assert data["B3"].value == 3.25 and data["B3"].number_format == "#,##0.0"
    assert data["A1"].font.bold and data.freeze_panes == "A2"
    meta = workbook["Metadaten"]
    assert meta["A1"].font.bold and meta.freeze_panes is None
    assert workbook.properties.creator == "kreis" and workbook.properties.created == created


def test_zip_bytes_are_reproducible() -> None:
    files = [("a.csv", b"x;y\r\n"), ("a.metadaten.json", b"{}")]
    stamp = (2026, 12, 7, 10, 30, 0)
    assert zip_bytes(files, stamp) == zip_bytes(files, stamp)
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes(files, stamp)))
    assert [i.date_time for i in archive.infolist()] == [stamp, stamp]


@pytest.mark.parametrize("geometry", ["wkt", "centroid"])
def test_csv_of_an_empty_frame_has_the_header_only(geometry: str) -> None:
    empty = _frame().iloc[0:0]
    text = frame_csv_bytes(empty, geometry=geometry).decode("utf-8-sig")  # type: ignore[arg-type]
    assert text.count("\r\n") == 1 and text.startswith("ags;name;area_ha;")
