"""layers.io.read_vector: the formats we accept and the German errors for everything else."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from layers.io import (
    EmptyLayerError,
    GeometryTypeError,
    LayerSelectionError,
    MissingCRSError,
    MissingGeometryError,
    UnreadableFileError,
    read_vector,
)


def _squares(crs: str | None = "EPSG:25833") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"AGS": ["14626010", "14626020"], "GEN": ["Eins", "Zwei"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs=crs,
    )


def _write_shapefile(frame: gpd.GeoDataFrame, folder: Path, stem: str = "gem") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.shp"
    frame.to_file(path)
    return path


def test_reads_gpkg_and_geojson_of_goerlitz(data_dir: Path) -> None:
    gpkg = read_vector(data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg")
    geojson = read_vector(data_dir / "lk_goerlitz_gemeinden_vg250_2016.geojson")
    assert len(gpkg) == len(geojson) == 53
    assert gpkg.crs.to_epsg() == 4326
    assert set(gpkg["AGS"]) == set(geojson["AGS"])


def test_where_reads_only_matching_rows(data_dir: Path) -> None:
    frame = read_vector(
        data_dir / "de_gemeinden_vg250_2022_simplified.gpkg", where="AGS LIKE '15087%'"
    )
    assert len(frame) == 22
    assert frame.crs.to_epsg() == 25832
    assert frame["AGS"].str.startswith("15087").all()


def test_reads_shapefile_and_zipped_shapefile_in_a_subfolder(tmp_path: Path) -> None:
    shp = _write_shapefile(_squares(), tmp_path / "shp")
    assert len(read_vector(shp)) == 2
    archive = tmp_path / "gemeinden.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted((tmp_path / "shp").iterdir()):
            zf.write(part, f"VG250/{part.name}")
    frame = read_vector(archive)
    assert list(frame["AGS"]) == ["14626010", "14626020"]
    assert frame.crs.to_epsg() == 25833


def test_zip_with_several_layers_needs_a_choice(tmp_path: Path) -> None:
    one = _write_shapefile(_squares(), tmp_path / "a", "gem_a")
    two = _write_shapefile(_squares(), tmp_path / "b", "gem_b")
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in [*one.parent.iterdir(), *two.parent.iterdir()]:
            zf.write(part, part.name)
    with pytest.raises(LayerSelectionError) as info:
        read_vector(archive)
    assert "mehrere Dateien" in info.value.user_message
    assert len(read_vector(archive, layer="gem_b")) == 2


def test_gpkg_with_several_layers_picks_the_gemeinden_layer(tmp_path: Path) -> None:
    path = tmp_path / "vg250.gpkg"
    _squares().to_file(path, layer="vg250_krs")
    _squares().to_file(path, layer="vg250_gem")
    assert len(read_vector(path)) == 2
    with pytest.raises(LayerSelectionError) as info:
        read_vector(path, layer="vg250_lan")
    assert "„vg250_lan“ wurde in der Datei „vg250.gpkg“ nicht gefunden" in (info.value.user_message)
    other = tmp_path / "other.gpkg"
    _squares().to_file(other, layer="a")
    _squares().to_file(other, layer="b")
    with pytest.raises(LayerSelectionError) as info:
        read_vector(other)
    assert "mehrere Ebenen (a, b)" in info.value.user_message


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    garbage = tmp_path / "kaputt.gpkg"
    garbage.write_bytes(b"this is not a geopackage at all" * 10)
    with pytest.raises(UnreadableFileError) as info:
        read_vector(garbage)
    assert "„kaputt.gpkg“ konnte nicht gelesen werden" in info.value.user_message
    with pytest.raises(UnreadableFileError) as info:
        read_vector(tmp_path / "fehlt.gpkg")
    assert "nicht gefunden" in info.value.user_message
    bad_zip = tmp_path / "kaputt.zip"
    bad_zip.write_bytes(b"PK no zip")
    with pytest.raises(UnreadableFileError) as info:
        read_vector(bad_zip)
    assert "kein gültiges ZIP-Archiv" in info.value.user_message


def test_empty_file_and_empty_layer(tmp_path: Path) -> None:
    empty = tmp_path / "leer.geojson"
    empty.write_bytes(b"")
    with pytest.raises(EmptyLayerError) as info:
        read_vector(empty)
    assert info.value.user_message == "Die Datei „leer.geojson“ ist leer."
    no_features = tmp_path / "keine.geojson"
    no_features.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(EmptyLayerError) as info:
        read_vector(no_features)
    assert "enthält keine Objekte" in info.value.user_message


def test_shapefile_without_prj_has_no_crs(tmp_path: Path) -> None:
    shp = _write_shapefile(_squares(), tmp_path)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(MissingCRSError) as info:
        read_vector(shp)
    assert "kein Koordinatenbezugssystem" in info.value.user_message
    assert ".prj" in info.value.user_message


def test_table_without_geometry_and_features_without_geometry(tmp_path: Path) -> None:
    table = tmp_path / "tabelle.csv"
    table.write_text("AGS,GEN\n14626010,Eins\n", encoding="utf-8")
    with pytest.raises(MissingGeometryError) as info:
        read_vector(table)
    assert "keine Geometrien" in info.value.user_message
    frame = _squares()
    frame.loc[1, "geometry"] = None
    path = tmp_path / "luecke.gpkg"
    frame.to_file(path)
    with pytest.raises(MissingGeometryError) as info:
        read_vector(path)
    assert "Objekt Nr. 2" in info.value.user_message


@pytest.mark.parametrize(
    ("geometries", "label"),
    [
        ([Point(0, 0), Point(1, 1)], "Punkte"),
        ([LineString([(0, 0), (1, 1)]), LineString([(1, 1), (2, 0)])], "Linien"),
    ],
)
def test_non_polygon_geometries_are_refused(tmp_path: Path, geometries, label: str) -> None:
    frame = gpd.GeoDataFrame(
        {"AGS": ["14626010", "14626020"]}, geometry=geometries, crs="EPSG:25833"
    )
    path = tmp_path / "falsch.gpkg"
    frame.to_file(path)
    with pytest.raises(GeometryTypeError) as info:
        read_vector(path)
    assert f"2 × {label}" in info.value.user_message
    assert "Polygone" in info.value.user_message
