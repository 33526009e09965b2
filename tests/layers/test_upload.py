"""Bad and good uploads: every refusal has a clear German message."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, Point, Polygon, box

from layers.upload import UploadError, UploadLimits, read_upload, read_wfs, sniff_format
from tests.areas_support import MAPSERV, serve_wfs
from tests.config_support import TEST_METRIC_CRS

# A spot inside Görlitz in EPSG:25833
X0, Y0 = 498_000.0, 5_668_000.0


def _frame(geoms, crs="EPSG:25833", **columns) -> gpd.GeoDataFrame:
    data = {"name": [f"Fläche {i}" for i in range(len(geoms))], **columns}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=crs)


def _squares(n: int = 2) -> list[Polygon]:
    return [box(X0 + i * 300, Y0, X0 + i * 300 + 200, Y0 + 200) for i in range(n)]


def _gpkg_bytes(tmp_path: Path, frame: gpd.GeoDataFrame, layer: str = "flaechen") -> bytes:
    path = tmp_path / f"{layer}.gpkg"
    frame.to_file(path, layer=layer, driver="GPKG")
    return path.read_bytes()


def _shp_zip(tmp_path: Path, frame: gpd.GeoDataFrame, drop: tuple[str, ...] = (), **kw) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    frame.to_file(folder / "flaechen.shp", **kw)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            if part.suffix not in drop:
                archive.write(part, part.name)
    return buffer.getvalue()


def _message(excinfo: pytest.ExceptionInfo[UploadError]) -> str:
    return excinfo.value.message


def test_reads_gpkg_shapefile_zip_and_geojson(tmp_path: Path) -> None:
    frame = _frame(_squares(), flaeche=[1.0, 2.0])
    gpkg = read_upload(_gpkg_bytes(tmp_path, frame), "gewerbe.gpkg", metric_crs=TEST_METRIC_CRS)
    assert gpkg.file_format == "GeoPackage" and gpkg.feature_count == 2
    assert gpkg.source_crs == "EPSG:25833" and set(gpkg.fields) >= {"name", "flaeche"}
    assert gpkg.frame.geometry.iloc[0].geom_type == "MultiPolygon"
    assert gpkg.frame.geometry.iloc[0].area == pytest.approx(40_000)

    shp = read_upload(_shp_zip(tmp_path, frame), "gewerbe.zip", metric_crs=TEST_METRIC_CRS)
    assert shp.file_format == "Shapefile" and shp.frame["name"].tolist() == ["Fläche 0", "Fläche 1"]

    web = frame.to_crs("EPSG:4326")
    geojson = read_upload(
        web.to_json().encode("utf-8"), "gewerbe.geojson", metric_crs=TEST_METRIC_CRS
    )
    assert geojson.file_format == "GeoJSON" and geojson.source_crs == "EPSG:4326"
    assert geojson.frame.geometry.iloc[0].area == pytest.approx(40_000, rel=1e-6)
    # the name lies, the content decides
    assert (
        read_upload(
            _gpkg_bytes(tmp_path, frame), "daten.json", metric_crs=TEST_METRIC_CRS
        ).file_format
        == "GeoPackage"
    )


def test_size_limit_and_empty_file() -> None:
    with pytest.raises(UploadError) as big:
        read_upload(
            b"{" + b" " * 2000,
            "gross.geojson",
            limits=UploadLimits(max_bytes=1000),
            metric_crs=TEST_METRIC_CRS,
        )
    assert "zu groß" in _message(big) and "gross.geojson" in _message(big)
    with pytest.raises(UploadError) as empty:
        read_upload(b"", "leer.gpkg", metric_crs=TEST_METRIC_CRS)
    assert "ist leer" in _message(empty)


def test_type_sniffing_refuses_disguised_files(tmp_path: Path) -> None:
    with pytest.raises(UploadError) as fake:
        read_upload(b"MZ\x90\x00 this is an exe", "flaechen.gpkg", metric_crs=TEST_METRIC_CRS)
    assert "nicht erkannt" in _message(fake) and "Inhalt, nicht die Endung" in _message(fake)
    assert sniff_format(b"SQLite format 3\x00" + b"\x00" * 80) == "sqlite"
    with pytest.raises(UploadError) as sqlite:
        read_upload(b"SQLite format 3\x00" + b"\x00" * 200, "x.gpkg", metric_crs=TEST_METRIC_CRS)
    assert "kein GeoPackage" in _message(sqlite)
    folder = tmp_path / "bare"
    folder.mkdir()
    _frame(_squares()).to_file(folder / "a.shp")
    with pytest.raises(UploadError) as bare:
        read_upload((folder / "a.shp").read_bytes(), "a.shp", metric_crs=TEST_METRIC_CRS)
    assert "als ZIP-Archiv" in _message(bare)


def test_zip_path_traversal_symlink_and_bomb() -> None:
    for evil in ("../../etc/cron.d/x.shp", "/abs/x.shp", "C:/win/x.shp"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(evil, b"x")
        with pytest.raises(UploadError) as traversal:
            read_upload(buffer.getvalue(), "evil.zip", metric_crs=TEST_METRIC_CRS)
        assert "unzulässigen Pfad" in _message(traversal)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("link.shp")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(UploadError) as symlink:
        read_upload(buffer.getvalue(), "link.zip", metric_crs=TEST_METRIC_CRS)
    assert "unzulässigen Pfad" in _message(symlink)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.dbf", b"\x00" * (20 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(UploadError) as boom:
        read_upload(bomb.getvalue(), "bomb.zip", metric_crs=TEST_METRIC_CRS)
    assert "ZIP-Bombe" in _message(boom)
    # small declared limit: the actual extracted size is counted too
    with pytest.raises(UploadError) as limited:
        read_upload(
            bomb.getvalue(),
            "bomb.zip",
            limits=UploadLimits(max_ratio=1e9, max_uncompressed_bytes=1024),
            metric_crs=TEST_METRIC_CRS,
        )
    assert "ZIP-Bombe" in _message(limited)
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as archive:
        archive.writestr("inner.zip", bomb.getvalue())
    with pytest.raises(UploadError) as inner:
        read_upload(nested.getvalue(), "nested.zip", metric_crs=TEST_METRIC_CRS)
    assert "weiteres ZIP-Archiv" in _message(inner)


def test_missing_prj_and_unknown_crs(tmp_path: Path) -> None:
    frame = _frame(_squares())
    with pytest.raises(UploadError) as no_prj:
        read_upload(
            _shp_zip(tmp_path, frame, drop=(".prj",)), "ohne_prj.zip", metric_crs=TEST_METRIC_CRS
        )
    assert "flaechen.prj" in _message(no_prj) and "fehlt" in _message(no_prj)
    folder = tmp_path / "weird"
    folder.mkdir()
    frame.to_file(folder / "w.shp")
    (folder / "w.prj").write_text('LOCAL_CS["Baustellenraster",UNIT["metre",1]]')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    with pytest.raises(UploadError) as unknown:
        read_upload(buffer.getvalue(), "lokal.zip", metric_crs=TEST_METRIC_CRS)
    assert "Koordinatensystem" in _message(unknown)
    # UTM coordinates declared as EPSG:4326 (a classic): caught by the region check
    wrong = gpd.GeoDataFrame(
        {"name": ["x"]}, geometry=[box(14.9, 51.1, 14.91, 51.11)], crs="EPSG:25833"
    )
    with pytest.raises(UploadError) as region:
        read_upload(
            _gpkg_bytes(tmp_path, wrong, "falsch"), "falsch.gpkg", metric_crs=TEST_METRIC_CRS
        )
    assert "nicht im erwarteten Gebiet" in _message(region) and "EPSG:25833" in _message(region)


def test_3d_geometries_are_flattened_with_warning(tmp_path: Path) -> None:
    square3d = Polygon(
        [(X0, Y0, 120), (X0 + 100, Y0, 121), (X0 + 100, Y0 + 100, 119), (X0, Y0, 120)]
    )
    layer = read_upload(
        _gpkg_bytes(tmp_path, _frame([square3d]), "hoehe"), "hoehe.gpkg", metric_crs=TEST_METRIC_CRS
    )
    assert not shapely.has_z(layer.frame.geometry.iloc[0])
    assert any("Höhenwerte (Z)" in w for w in layer.warnings)


def test_geometry_collections_lines_and_missing_geometry(tmp_path: Path) -> None:
    polygons_only = GeometryCollection(_squares())
    ok = read_upload(
        _frame([polygons_only]).to_crs("EPSG:4326").to_json().encode(),
        "gc.geojson",
        metric_crs=TEST_METRIC_CRS,
    )
    assert ok.frame.geometry.iloc[0].geom_type == "MultiPolygon"
    mixed = GeometryCollection([_squares(1)[0], Point(X0, Y0)])
    with pytest.raises(UploadError) as gc:
        read_upload(
            _frame([mixed]).to_crs("EPSG:4326").to_json().encode(),
            "gemischt.geojson",
            metric_crs=TEST_METRIC_CRS,
        )
    assert "Geometriesammlung" in _message(gc) and "Objekt Nr. 1" in _message(gc)
    line = LineString([(X0, Y0), (X0 + 10, Y0)])
    with pytest.raises(UploadError) as lines:
        read_upload(
            _gpkg_bytes(tmp_path, _frame([line]), "linie"), "linie.gpkg", metric_crs=TEST_METRIC_CRS
        )
    assert "keine Fläche" in _message(lines)
    doc = json.loads(_frame(_squares()).to_crs("EPSG:4326").to_json())
    doc["features"][1]["geometry"] = None
    with pytest.raises(UploadError) as none:
        read_upload(json.dumps(doc).encode(), "luecke.geojson", metric_crs=TEST_METRIC_CRS)
    assert "Objekt Nr. 2 hat keine Geometrie" in _message(none)


def test_self_intersection_is_located_and_named(tmp_path: Path) -> None:
    bow = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    with pytest.raises(UploadError) as bad:
        read_upload(
            _gpkg_bytes(tmp_path, _frame([_squares(1)[0], bow]), "bow"),
            "bow.gpkg",
            metric_crs=TEST_METRIC_CRS,
        )
    message = _message(bad)
    assert "Objekt Nr. 2 („Fläche 1“)" in message
    assert "überschneidet sich selbst bei 14," in message and "° N" in message


def test_empty_and_huge_layers(tmp_path: Path) -> None:
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:25833")
    with pytest.raises(UploadError) as none:
        read_upload(_gpkg_bytes(tmp_path, empty, "leer"), "leer.gpkg", metric_crs=TEST_METRIC_CRS)
    assert "enthält keine Objekte" in _message(none)
    many = _frame(_squares(30))
    with pytest.raises(UploadError) as huge:
        read_upload(
            _gpkg_bytes(tmp_path, many, "viele"),
            "viele.gpkg",
            limits=UploadLimits(max_features=25),
            metric_crs=TEST_METRIC_CRS,
        )
    assert "30 Objekte" in _message(huge) and "höchstens 25" in _message(huge)


def test_non_utf8_attributes(tmp_path: Path) -> None:
    text = _frame(_squares(1)).to_crs("EPSG:4326").to_json(ensure_ascii=False)
    with pytest.raises(UploadError) as latin:
        read_upload(text.encode("latin-1"), "umlaut.geojson", metric_crs=TEST_METRIC_CRS)
    assert "nicht UTF-8-kodiert" in _message(latin)
    # Shapefile: .cpg says UTF-8 but the DBF is Latin-1
    folder = tmp_path / "enc"
    folder.mkdir()
    _frame(_squares(1)).to_file(folder / "enc.shp", encoding="latin1")
    (folder / "enc.cpg").write_text("UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    with pytest.raises(UploadError) as cpg:
        read_upload(buffer.getvalue(), "enc.zip", metric_crs=TEST_METRIC_CRS)
    assert "Kodierung" in _message(cpg) and ".cpg" in _message(cpg)
    # a correct .cpg (Latin-1) is honoured
    (folder / "enc.cpg").write_text("LATIN1")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    assert read_upload(buffer.getvalue(), "enc.zip", metric_crs=TEST_METRIC_CRS).frame[
        "name"
    ].tolist() == ["Fläche 0"]


def test_multi_layer_gpkg_needs_a_choice(tmp_path: Path) -> None:
    path = tmp_path / "multi.gpkg"
    _frame(_squares()).to_file(path, layer="gewerbe")
    _frame(_squares(1)).to_file(path, layer="brachen")
    with pytest.raises(UploadError) as several:
        read_upload(path, "multi.gpkg", metric_crs=TEST_METRIC_CRS)
    assert "mehrere Ebenen" in _message(several)
    assert (
        read_upload(path, "multi.gpkg", layer="brachen", metric_crs=TEST_METRIC_CRS).feature_count
        == 1
    )


@pytest.mark.skipif(not MAPSERV.exists(), reason="MapServer (cgi-mapserver) not installed")
def test_read_wfs_from_a_local_mapserver(tmp_path: Path) -> None:
    frame = _frame(_squares(3), OBJECTID=[11, 12, 13])
    gpkg = tmp_path / "geoportal.gpkg"
    frame.to_file(gpkg, layer="gewerbeflaechen")
    with serve_wfs(gpkg, "gewerbeflaechen", tmp_path) as url:
        layer = read_wfs(url, "gewerbeflaechen", metric_crs=TEST_METRIC_CRS)
        assert layer.file_format == "WFS" and layer.feature_count == 3
        assert sorted(layer.frame["OBJECTID"].astype(int)) == [11, 12, 13]
        assert layer.frame["name"].tolist() == ["Fläche 0", "Fläche 1", "Fläche 2"]
        assert layer.frame.geometry.iloc[0].area == pytest.approx(40_000, rel=1e-6)
        with pytest.raises(UploadError) as missing:
            read_wfs(url, "gibtsnicht", metric_crs=TEST_METRIC_CRS)
        assert "gibtsnicht" in missing.value.message
    with pytest.raises(UploadError) as bad_url:
        read_wfs("file:///etc/passwd", "x", metric_crs=TEST_METRIC_CRS)
    assert "http(s)-URL" in bad_url.value.message
