"""Boundary and indicator imports on real data, on SQLite and PostGIS, and every bad input.

Bad input must give a German message naming the problem and leave the database exactly
as it was (row counts before == after).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, ImportRejectedError
from cockpit.domain.roles import SYSTEM, Principal, Role
from cockpit.domain.vocab import MunicipalityKind, Visibility
from cockpit.models import (
    AuditLog,
    District,
    Indicator,
    IndicatorValue,
    Municipality,
)
from cockpit.services.importing import (
    ags_from_ars,
    import_boundaries,
    import_indicators,
    load_catalogue,
    normalize_ags,
    normalize_ars,
)
from tests.config_support import TEST_CONFIG

GOERLITZ_GPKG = "lk_goerlitz_gemeinden_vg250_2016.gpkg"
GERMANY_2022 = "de_gemeinden_vg250_2022_simplified.gpkg"
KENNZAHLEN = "lk_goerlitz_kennzahlen.csv"
COUNTED = (District, Municipality, Indicator, IndicatorValue, AuditLog)


# --------------------------------------------------------------------------- helpers


def _session_for(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def db(any_db_url: str) -> Iterator[Session]:
    """A session on a fresh migrated database, once SQLite and once PostGIS."""
    yield from _session_for(any_db_url)


@pytest.fixture
def lite(sqlite_url: str) -> Iterator[Session]:
    """A session on a fresh migrated SQLite database (bad-input tests)."""
    yield from _session_for(sqlite_url)


def _counts(session: Session) -> dict[str, int]:
    session.rollback()
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in COUNTED
    }


def _import_goerlitz(session: Session, data_dir: Path) -> None:
    import_boundaries(
        session,
        SYSTEM,
        data_dir / GOERLITZ_GPKG,
        "14626",
        district_name="Landkreis Görlitz",
        config=TEST_CONFIG,
    )


def _mini_district(crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    """Three adjacent square municipalities of district 14626 (1 km² each)."""
    return gpd.GeoDataFrame(
        {
            "AGS": ["14626010", "14626020", "14626030"],
            "GEN": ["Eins", "Zwei", "Drei"],
            "BEZ": ["Stadt", "Gemeinde", "Große Kreisstadt"],
        },
        geometry=[box(x, 5_600_000, x + 1000, 5_601_000) for x in (480_000, 481_000, 482_000)],
        crs=crs,
    )


def _rejected(session: Session, call, *args, **kwargs) -> str:
    """Run an import that must be rejected; return its German message; DB unchanged."""
    before = _counts(session)
    if call is import_boundaries:
        kwargs.setdefault("config", TEST_CONFIG)
    with pytest.raises(ImportRejectedError) as info:
        call(session, SYSTEM, *args, **kwargs)
    assert _counts(session) == before
    message = info.value.user_message
    assert message and message != ImportRejectedError.user_message
    return message


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- keys


def test_ags_normalisation_keeps_leading_zeros() -> None:
    assert normalize_ags(1001000) == "01001000"
    assert normalize_ags(1001000.0) == "01001000"
    assert normalize_ags("1001000.0") == "01001000"
    assert normalize_ags(" 14626110 ") == "14626110"
    assert normalize_ags("01001000") == "01001000"
    assert normalize_ags("14626") is None  # a district, not a municipality
    assert normalize_ags("1462611O") is None
    assert normalize_ags(None) is None
    assert normalize_ags(float("nan")) is None
    assert normalize_ars(10010000000) == "010010000000"
    assert ags_from_ars("146265203010") == "14626010"


# --------------------------------------------------------------------------- boundaries


def test_goerlitz_boundaries_import(db: Session, data_dir: Path) -> None:
    calls: list[tuple[int, int]] = []
    report = import_boundaries(
        db,
        SYSTEM,
        data_dir / GOERLITZ_GPKG,
        "14626",
        district_name="Landkreis Görlitz",
        source="VG250 2016",
        progress=lambda done, total: calls.append((done, total)),
        config=TEST_CONFIG,
    )
    expected = set(pyogrio.read_dataframe(data_dir / GOERLITZ_GPKG, read_geometry=False)["AGS"])
    assert len(expected) == 53
    assert report.municipalities == 53
    assert sorted(report.created) == sorted(expected)
    assert report.updated == [] and report.missing_in_file == []
    assert report.district_created
    assert calls[-1][0] == calls[-1][1]  # progress reaches 100 %

    db.expire_all()
    rows = db.scalars(select(Municipality)).all()
    assert {m.ags for m in rows} == expected
    goerlitz = next(m for m in rows if m.ags == "14626110")
    assert goerlitz.name == "Görlitz"
    assert goerlitz.kind is MunicipalityKind.STADT
    assert goerlitz.ars == "146260110110"
    assert goerlitz.area_km2 == pytest.approx(67.4, abs=0.05)
    # no Gebietsstand given: the newest change date (WSK) of the 53 municipalities
    newest = max(pyogrio.read_dataframe(data_dir / GOERLITZ_GPKG, read_geometry=False)["WSK"])
    assert newest == "2015-01-13"
    assert report.territorial_status == dt.date(2015, 1, 13)
    assert {m.territorial_status for m in rows} == {dt.date(2015, 1, 13)}
    assert "Gebietsstand: 13.01.2015." in report.summary_lines()
    assert goerlitz.source == "VG250 2016"
    assert goerlitz.boundary.geom_type == "MultiPolygon"
    assert goerlitz.boundary.is_valid
    # Metric CRS: coordinates are UTM 33N metres around Görlitz.
    minx, miny, _, _ = goerlitz.boundary.bounds
    assert 480_000 < minx < 520_000 and 5_650_000 < miny < 5_690_000
    kinds = {m.kind for m in rows}
    assert kinds == {MunicipalityKind.STADT, MunicipalityKind.GEMEINDE}
    assert sum(m.kind is MunicipalityKind.STADT for m in rows) == 14

    display = [m.display_boundary for m in rows]
    assert all(g is not None and g.geom_type == "MultiPolygon" and g.is_valid for g in display)
    lon_min, lat_min, lon_max, lat_max = shapely.union_all(display).bounds
    assert 14.3 < lon_min < lon_max < 15.1 and 50.8 < lat_min < lat_max < 51.7
    for geom in display:
        coords = shapely.get_coordinates(geom)
        assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all()
    # A coverage without slivers: no overlaps, union == sum of parts.
    assert shapely.coverage_is_valid(display)
    size = len(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "id": m.ags, "geometry": json.loads(shapely.to_geojson(g))}
                    for m, g in zip(rows, display, strict=True)
                ],
            },
            separators=(",", ":"),
        )
    )
    assert 30_000 < size < 80_000
    assert report.display_geojson_bytes == pytest.approx(size, rel=0.05)

    district = db.scalars(select(District)).one()
    assert (district.ags, district.name) == ("14626", "Landkreis Görlitz")
    assert district.boundary is not None and district.boundary.is_valid
    assert district.boundary.area / 1e6 == pytest.approx(2109.6, abs=0.5)
    # equal-area km² (planar UTM gives 2109.6); the Statistisches Landesamt states 2.111 km²
    assert report.total_area_km2 == pytest.approx(2111.3, abs=0.5)

    entry = db.scalars(select(AuditLog).where(AuditLog.action == "import_boundaries")).one()
    assert entry.actor_name == "system"
    assert entry.details["file"] == GOERLITZ_GPKG
    assert entry.details["municipalities"] == 53
    lines = report.summary_lines()
    assert any("53 Gemeinden" in line and "2.111,3 km²" in line for line in lines)


def test_reimport_updates_in_place_and_reports_missing(
    lite: Session, data_dir: Path, tmp_path: Path
) -> None:
    _import_goerlitz(lite, data_dir)
    ids = dict(lite.execute(select(Municipality.ags, Municipality.id)).all())
    frame = gpd.read_file(data_dir / GOERLITZ_GPKG)
    subset = tmp_path / "ohne_goerlitz.gpkg"
    frame[frame["AGS"] != "14626110"].to_file(subset)

    report = import_boundaries(
        lite, SYSTEM, subset, "14626", territorial_status=dt.date(2016, 1, 1), config=TEST_CONFIG
    )
    assert report.created == []
    assert len(report.updated) == 52
    assert report.missing_in_file == ["14626110 Görlitz"]
    assert not report.district_created
    assert any("14626110 Görlitz" in line for line in report.summary_lines())
    lite.expire_all()
    after = dict(lite.execute(select(Municipality.ags, Municipality.id)).all())
    assert after == ids  # same rows, nothing deleted, nothing duplicated
    district = lite.scalars(select(District)).one()
    assert district.name == "Landkreis Görlitz"  # kept: no new name given
    assert district.territorial_status == dt.date(2016, 1, 1)  # as given
    statuses = dict(lite.execute(select(Municipality.ags, Municipality.territorial_status)).all())
    assert statuses["14626610"] == dt.date(2016, 1, 1)
    assert statuses["14626110"] == dt.date(2015, 1, 13)  # not in the file: unchanged


@pytest.mark.parametrize(
    ("district_ags", "count", "town", "town_area"),
    [("15087", 22, "15087130", 146.677), ("14729", 30, "14729050", 62.651)],
)
def test_other_districts_from_25832_are_reprojected(
    db: Session, data_dir: Path, district_ags: str, count: int, town: str, town_area: float
) -> None:
    path = data_dir / GERMANY_2022
    report = import_boundaries(
        db, SYSTEM, path, district_ags, where=f"AGS LIKE '{district_ags}%'", config=TEST_CONFIG
    )
    assert report.source_crs == "EPSG:25832"
    assert report.metric_crs == "EPSG:25833"
    rows = db.scalars(select(Municipality)).all()
    expected = pyogrio.read_dataframe(
        path, where=f"AGS LIKE '{district_ags}%'", read_geometry=False
    )
    assert {m.ags for m in rows} == set(expected["AGS"])
    assert len(rows) == report.municipalities
    assert report.municipalities == count
    municipality = next(m for m in rows if m.ags == town)
    assert municipality.kind is MunicipalityKind.STADT
    # Area measured in EPSG:25833 differs from the EPSG:25832 figure only by scale error.
    assert municipality.area_km2 == pytest.approx(town_area, rel=0.01)
    assert all(m.display_boundary is not None and m.display_boundary.is_valid for m in rows)
    district = db.scalars(select(District)).one()
    assert district.name == f"Landkreis {district_ags}"
    assert report.territorial_status is None  # the 2022 file has no WSK column


def test_zipped_shapefile_with_ars_only_and_numeric_keys(lite: Session, tmp_path: Path) -> None:
    import zipfile

    frame = _mini_district().drop(columns=["AGS"])
    frame["ARS"] = ["146265203010", "146265228020", "146265206030"]
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "gemeinden.shp")
    archive = tmp_path / "gemeinden.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"daten/{part.name}")
    report = import_boundaries(lite, SYSTEM, archive, "14626", config=TEST_CONFIG)
    assert sorted(report.created) == ["14626010", "14626020", "14626030"]
    rows = {m.ags: m for m in lite.scalars(select(Municipality))}
    assert rows["14626030"].kind is MunicipalityKind.STADT  # Große Kreisstadt
    assert rows["14626020"].kind is MunicipalityKind.GEMEINDE
    assert rows["14626010"].area_km2 == pytest.approx(1.0, rel=1e-3)  # UTM square, equal-area km²


def test_numeric_ags_without_leading_zero_is_padded(lite: Session, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"AGS": [1001000, 1002000], "GEN": ["Flensburg", "Kiel"], "BEZ": ["Stadt", "Stadt"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs="EPSG:25832",
    )
    path = tmp_path / "sh.gpkg"
    frame.to_file(path)
    report = import_boundaries(lite, SYSTEM, path, "01001", config=TEST_CONFIG)
    assert report.created == ["01001000"]
    assert report.skipped_other_districts == 1


def test_invalid_geometry_is_repaired_and_reported(lite: Session, tmp_path: Path) -> None:
    frame = _mini_district()
    x, y = 480_000, 5_600_000
    frame.loc[0, "geometry"] = Polygon(
        [(x, y), (x + 1000, y + 1000), (x + 1000, y), (x, y + 1000), (x, y)]
    )
    path = tmp_path / "bowtie.gpkg"
    frame.to_file(path)
    report = import_boundaries(lite, SYSTEM, path, "14626", config=TEST_CONFIG)
    assert report.repaired == ["14626010"]
    assert any("repariert" in line and "14626010" in line for line in report.summary_lines())
    repaired = lite.scalars(select(Municipality).where(Municipality.ags == "14626010")).one()
    assert repaired.boundary.is_valid
    assert isinstance(repaired.boundary, MultiPolygon)
    assert repaired.area_km2 == pytest.approx(0.5, rel=1e-3)  # UTM square, equal-area km²


def test_water_parts_of_the_same_ags_are_dropped(lite: Session, tmp_path: Path) -> None:
    frame = _mini_district()
    frame["GF"] = 4
    water = frame.iloc[[0]].copy()
    water["GF"] = 2
    water["geometry"] = [box(480_000, 5_599_000, 481_000, 5_600_000)]
    path = tmp_path / "mit_wasser.gpkg"
    gpd.GeoDataFrame(gpd.pd.concat([frame, water], ignore_index=True), crs=frame.crs).to_file(path)
    report = import_boundaries(lite, SYSTEM, path, "14626", config=TEST_CONFIG)
    assert report.dropped_water_parts == ["14626010"]
    first = lite.scalars(select(Municipality).where(Municipality.ags == "14626010")).one()
    assert first.area_km2 == pytest.approx(1.0, rel=1e-3)  # UTM square, equal-area km²


def test_unincorporated_areas_are_skipped(lite: Session, tmp_path: Path) -> None:
    frame = _mini_district()
    frame["gemeindefrei"] = [False, False, True]
    path = tmp_path / "frei.gpkg"
    frame.to_file(path)
    report = import_boundaries(lite, SYSTEM, path, "14626", config=TEST_CONFIG)
    assert report.municipalities == 2
    assert report.skipped_unincorporated == ["14626030 Drei"]


# --------------------------------------------------------------------------- bad boundaries


def test_boundaries_need_the_import_permission(lite: Session, data_dir: Path) -> None:
    analyst = Principal(user_id=7, username="ana", role=Role.ANALYSE)
    before = _counts(lite)
    with pytest.raises(AccessDeniedError):
        import_boundaries(lite, analyst, data_dir / GOERLITZ_GPKG, "14626", config=TEST_CONFIG)
    with pytest.raises(AccessDeniedError):
        import_indicators(lite, analyst, data_dir / KENNZAHLEN)
    assert _counts(lite) == before


def test_bad_district_key(lite: Session, data_dir: Path) -> None:
    message = _rejected(lite, import_boundaries, data_dir / GOERLITZ_GPKG, "146")
    assert "kein Kreisschlüssel" in message


def test_unreadable_boundary_file(lite: Session, tmp_path: Path) -> None:
    path = tmp_path / "kaputt.gpkg"
    path.write_bytes(b"\x00garbage" * 100)
    message = _rejected(lite, import_boundaries, path, "14626")
    assert "„kaputt.gpkg“ konnte nicht gelesen werden" in message


def test_empty_boundary_file_and_empty_layer(lite: Session, tmp_path: Path) -> None:
    empty = tmp_path / "leer.gpkg"
    empty.write_bytes(b"")
    assert "ist leer" in _rejected(lite, import_boundaries, empty, "14626")
    no_features = tmp_path / "ohne.geojson"
    no_features.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    assert "keine Objekte" in _rejected(lite, import_boundaries, no_features, "14626")


def test_missing_ags_column(lite: Session, tmp_path: Path) -> None:
    path = tmp_path / "ohne_ags.gpkg"
    _mini_district().drop(columns=["AGS"]).to_file(path)
    message = _rejected(lite, import_boundaries, path, "14626")
    assert "fehlt die Spalte mit dem Gemeindeschlüssel" in message


def test_missing_name_and_invalid_ags_values(lite: Session, tmp_path: Path) -> None:
    path = tmp_path / "ohne_name.gpkg"
    _mini_district().drop(columns=["GEN"]).to_file(path)
    assert "Gemeindenamen (GEN)" in _rejected(lite, import_boundaries, path, "14626")
    frame = _mini_district()
    frame.loc[1, "AGS"] = "14626-20"
    bad = tmp_path / "falscher_ags.gpkg"
    frame.to_file(bad)
    message = _rejected(lite, import_boundaries, bad, "14626")
    assert "keinen gültigen Gemeindeschlüssel" in message and "Objekt Nr. 2" in message


def test_missing_geometry(lite: Session, tmp_path: Path) -> None:
    table = tmp_path / "gemeinden.csv"
    table.write_text("AGS,GEN\n14626010,Eins\n", encoding="utf-8")
    assert "keine Geometrien" in _rejected(lite, import_boundaries, table, "14626")
    frame = _mini_district()
    frame.loc[2, "geometry"] = None
    hole = tmp_path / "null.gpkg"
    frame.to_file(hole)
    message = _rejected(lite, import_boundaries, hole, "14626")
    assert "keine Geometrie" in message and "Objekt Nr. 3" in message


def test_shapefile_without_prj(lite: Session, tmp_path: Path) -> None:
    _mini_district().to_file(tmp_path / "ohne_prj.shp")
    (tmp_path / "ohne_prj.prj").unlink()
    message = _rejected(lite, import_boundaries, tmp_path / "ohne_prj.shp", "14626")
    assert "kein Koordinatenbezugssystem" in message


@pytest.mark.parametrize("kind", ["points", "lines"])
def test_non_polygon_geometries(lite: Session, tmp_path: Path, kind: str) -> None:
    frame = _mini_district()
    centroids = [Point(g.centroid) for g in frame.geometry]
    frame["geometry"] = (
        centroids
        if kind == "points"
        else [LineString([c, (c.x + 10, c.y + 10)]) for c in centroids]
    )
    path = tmp_path / f"{kind}.gpkg"
    frame.to_file(path)
    message = _rejected(lite, import_boundaries, path, "14626")
    assert ("3 × Punkte" if kind == "points" else "3 × Linien") in message


def test_file_without_a_municipality_of_the_district(lite: Session, data_dir: Path) -> None:
    message = _rejected(lite, import_boundaries, data_dir / GOERLITZ_GPKG, "15087")
    assert "enthält keine Gemeinde des Landkreises 15087" in message


def test_duplicate_ags_is_rejected(db: Session, data_dir: Path, tmp_path: Path) -> None:
    _import_goerlitz(db, data_dir)  # existing data must survive the rejected import
    frame = _mini_district()
    frame.loc[2, "AGS"] = "14626010"
    path = tmp_path / "doppelt.gpkg"
    frame.to_file(path)
    message = _rejected(db, import_boundaries, path, "14626")
    assert "14626010 mehrfach" in message and "Objekt Nr. 1, 3" in message
    goerlitz = db.scalars(select(Municipality).where(Municipality.ags == "14626010")).one()
    assert goerlitz.name == "Bad Muskau"


# --------------------------------------------------------------------------- indicators


def test_catalogue_covers_every_indicator_of_the_real_files(data_dir: Path) -> None:
    catalogue = load_catalogue()
    assert catalogue["bevoelkerung"].columns == {"EWZ_2022": 2022}
    assert catalogue["bevoelkerung"].unit == "Personen"
    assert catalogue["bevoelkerungsdichte"].label == "Einwohner je km²"
    assert catalogue["flaeche"].unit == "km²"
    for name in ("lk_goerlitz_kennzahlen.csv", "sn_gemeinden_inkar.csv"):
        header = (data_dir / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        for column in header:
            if column in {"AGS", "ARS", "GEN", "BEZ", "name_inkar", "aggregat"}:
                continue
            aliased = any(column in meta.columns for meta in catalogue.values())
            assert aliased or column[:-5] in catalogue, column
    for meta in catalogue.values():
        assert meta.licence == "dl-de/by-2-0"
        assert meta.visibility is Visibility.PUBLIC
        assert meta.source


def test_goerlitz_indicator_import(db: Session, data_dir: Path) -> None:
    _import_goerlitz(db, data_dir)
    report = import_indicators(db, SYSTEM, data_dir / KENNZAHLEN)
    assert report.rows == 53 and report.matched_rows == 53
    assert report.unmatched_ags == [] and report.uncatalogued == []
    assert set(report.ignored_columns) == {"ARS", "GEN", "BEZ", "name_inkar"}
    assert len(report.indicator_keys) == 12
    assert report.years["siedlungs_verkehrsflaeche_anteil_pct"] == list(range(2016, 2023))
    assert report.years["bevoelkerung"] == [2022]
    assert report.years["flaeche"] == [2016]
    assert report.values_created == 53 * (3 + 2 + 7 + 7 + 4 + 1)

    population = db.scalars(select(Indicator).where(Indicator.key == "bevoelkerung")).one()
    assert population.label == "Einwohner (Zensus 2022)"
    assert population.unit == "Personen"
    assert population.licence == "dl-de/by-2-0"
    assert population.source.startswith("Zensus 2022")
    values = dict(
        db.execute(
            select(Municipality.ags, IndicatorValue.value)
            .join(IndicatorValue, IndicatorValue.municipality_id == Municipality.id)
            .where(IndicatorValue.indicator_id == population.id, IndicatorValue.year == 2022)
        ).all()
    )
    assert values["14626110"] == 54_664
    assert values["14626610"] == 25_585
    assert sum(v for v in values.values() if v is not None) == 247_014
    density = db.scalars(select(Indicator).where(Indicator.key == "bevoelkerungsdichte")).one()
    assert density.unit == "Einwohner je km²"
    entry = db.scalars(select(AuditLog).where(AuditLog.action == "import_indicators")).one()
    assert entry.details["values_created"] == report.values_created

    again = import_indicators(db, SYSTEM, data_dir / KENNZAHLEN)
    assert again.values_created == 0 and again.values_updated == report.values_created
    assert len(again.indicators_updated) == 12
    assert db.scalar(select(func.count()).select_from(IndicatorValue)) == report.values_created


def test_german_number_format_semicolons_bom_and_year_argument(
    lite: Session, tmp_path: Path
) -> None:
    import_boundaries(lite, SYSTEM, _gpkg(tmp_path), "14626", config=TEST_CONFIG)
    path = _csv(
        tmp_path / "kennzahlen_de.csv",
        "\ufeffGemeindeschluessel;Name;kaufkraft_eur_je_ew;arbeitslose_anzahl\n"
        "14626010;Eins;20.611,10;1.234\n"
        "14626020;Zwei;19.730,44;55\n"
        "14626030;Drei;;7\n",
    )
    report = import_indicators(lite, SYSTEM, path, year=2023)
    assert report.separator == ";" and report.decimal_style == "de"
    assert report.encoding == "UTF-8"
    assert report.years == {"arbeitslose_anzahl": [2023], "kaufkraft_eur_je_ew": [2023]}
    assert report.empty_cells == 1
    assert report.ignored_columns == ["Name"]
    values = _values(lite, "kaufkraft_eur_je_ew")
    assert values == {("14626010", 2023): 20611.10, ("14626020", 2023): 19730.44}
    assert _values(lite, "arbeitslose_anzahl")[("14626010", 2023)] == 1234
    assert any("leere Zellen" in line for line in report.summary_lines())


def test_english_numbers_latin1_uncatalogued_and_unmatched(lite: Session, tmp_path: Path) -> None:
    import_boundaries(lite, SYSTEM, _gpkg(tmp_path), "14626", config=TEST_CONFIG)
    path = _csv(
        tmp_path / "extra.csv",
        "ags,GEN,Bemerkung,radwege_km_2021,kaufkraft_eur_je_ew_2015\n"
        '14626010,Görlitz-Süd,gut,12.5,"18,672.55"\n'
        "14626020,Zwei,,1.25,19730.44\n"
        "99999999,Fremd,,3,1\n",
        encoding="latin-1",
    )
    report = import_indicators(lite, SYSTEM, path)
    assert report.encoding == "Latin-1" and report.warnings
    assert report.decimal_style == "en"
    assert report.uncatalogued == ["radwege_km"]
    assert "Bemerkung" in report.ignored_columns and "GEN" in report.ignored_columns
    assert report.unmatched_ags == ["99999999"]
    assert report.matched_rows == 2
    generated = lite.scalars(select(Indicator).where(Indicator.key == "radwege_km")).one()
    assert generated.label == "Radwege km"
    assert _values(lite, "radwege_km") == {("14626010", 2021): 12.5, ("14626020", 2021): 1.25}
    assert _values(lite, "kaufkraft_eur_je_ew")[("14626010", 2015)] == 18672.55
    lines = report.summary_lines()
    assert any("99999999" in line for line in lines)
    assert any("radwege_km" in line for line in lines)


def test_empty_cell_keeps_the_existing_value(lite: Session, tmp_path: Path) -> None:
    import_boundaries(lite, SYSTEM, _gpkg(tmp_path), "14626", config=TEST_CONFIG)
    first = _csv(tmp_path / "a.csv", "AGS,arbeitslose_anzahl_2015\n14626010,10\n14626020,20\n")
    import_indicators(lite, SYSTEM, first)
    second = _csv(tmp_path / "b.csv", "AGS,arbeitslose_anzahl_2015\n14626010,\n14626020,25\n")
    report = import_indicators(lite, SYSTEM, second)
    assert report.values_updated == 1 and report.empty_cells == 1
    assert _values(lite, "arbeitslose_anzahl") == {
        ("14626010", 2015): 10,
        ("14626020", 2015): 25,
    }


def test_columns_without_year_are_reported_not_imported(lite: Session, tmp_path: Path) -> None:
    import_boundaries(lite, SYSTEM, _gpkg(tmp_path), "14626", config=TEST_CONFIG)
    path = _csv(
        tmp_path / "c.csv", "AGS,kaufkraft_eur_je_ew,arbeitslose_anzahl_2015\n14626010,1,2\n"
    )
    report = import_indicators(lite, SYSTEM, path)
    assert report.columns_without_year == ["kaufkraft_eur_je_ew"]
    assert report.indicator_keys == ["arbeitslose_anzahl"]


# --------------------------------------------------------------------------- bad indicators


def test_non_numeric_value_names_line_and_column(db: Session, data_dir: Path, tmp_path: Path):
    _import_goerlitz(db, data_dir)
    import_indicators(db, SYSTEM, data_dir / KENNZAHLEN)
    path = _csv(
        tmp_path / "fehler.csv",
        "AGS;EWZ_2022;erholungsflaeche_anteil_pct_2022\n14626110;54664;3,5\n14626610;25.585;k.A.\n",
    )
    message = _rejected(db, import_indicators, path)
    assert "Zeile 3" in message
    assert "Spalte „erholungsflaeche_anteil_pct_2022“" in message
    assert "„k.A.“ ist keine Zahl" in message
    assert _values(db, "bevoelkerung")[("14626110", 2022)] == 54_664


def test_csv_without_ags_column(lite: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path / "ohne.csv", "Gemeinde,EWZ_2022\nGörlitz,54664\n")
    message = _rejected(lite, import_indicators, path)
    assert "fehlt die Spalte „AGS“" in message


def test_empty_csv_invalid_and_duplicate_ags(lite: Session, tmp_path: Path) -> None:
    import_boundaries(lite, SYSTEM, _gpkg(tmp_path), "14626", config=TEST_CONFIG)
    empty = _csv(tmp_path / "leer.csv", "")
    assert "ist leer" in _rejected(lite, import_indicators, empty)
    header_only = _csv(tmp_path / "kopf.csv", "AGS,EWZ_2022\n")
    assert "keine Zeilen" in _rejected(lite, import_indicators, header_only)
    invalid = _csv(tmp_path / "ags.csv", "AGS,EWZ_2022\n14626010,1\nGörlitz,2\n")
    message = _rejected(lite, import_indicators, invalid)
    assert "Zeile 3" in message and "kein gültiger Gemeindeschlüssel" in message
    twice = _csv(tmp_path / "doppelt.csv", "AGS,EWZ_2022\n14626010,1\n14626010,2\n")
    assert "Zeilen 2 und 3" in _rejected(lite, import_indicators, twice)


def test_csv_without_any_known_municipality(lite: Session, data_dir: Path) -> None:
    message = _rejected(lite, import_indicators, data_dir / KENNZAHLEN)
    assert "zuerst die Gemeindegrenzen" in message


# --------------------------------------------------------------------------- utilities


def _gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "mini.gpkg"
    if not path.exists():
        _mini_district().to_file(path)
    return path


def _values(session: Session, key: str) -> dict[tuple[str, int], float | None]:
    rows = session.execute(
        select(Municipality.ags, IndicatorValue.year, IndicatorValue.value)
        .join(IndicatorValue, IndicatorValue.municipality_id == Municipality.id)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(Indicator.key == key)
    )
    return {(ags, year): value for ags, year, value in rows}


def test_goerlitz_fixture_for_other_tests(goerlitz_url: str) -> None:
    for session in _session_for(goerlitz_url):
        assert session.scalar(select(func.count()).select_from(Municipality)) == 53
        assert session.scalar(select(func.count()).select_from(IndicatorValue)) == 1272
        district = session.scalars(select(District)).one()
        assert district.name == "Landkreis Görlitz"
        assert _values(session, "bevoelkerung")[("14626110", 2022)] == 54_664
