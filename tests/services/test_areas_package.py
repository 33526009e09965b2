"""The areas package: one field catalogue everything derives from, one map producer.

Adding an area attribute touches the model (+ migration) and the catalogue
(:mod:`cockpit.services.areas.fields`); these tests fail when another place would need an
edit too, or when files/prints start using the browser's map payload.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from cockpit.dashboard.presenters.areas import form as present_form
from cockpit.domain.vocab import AreaKind, AreaSource, AreaStatus
from cockpit.models import AreaPotential
from cockpit.services.areas import export, mapping
from cockpit.services.areas.fields import (
    EDITABLE_FIELDS,
    FIELD,
    FIELDS,
    normalize_attributes,
    restored_values,
    snapshot,
)

ROOT = Path(__file__).resolve().parents[2]
# Columns that are bookkeeping, not attributes of an area.
TECHNICAL_COLUMNS = {
    "id",
    "geom",
    "version",
    "deleted_at",
    "is_demo",
    "created_at",
    "updated_at",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
}


def test_every_attribute_column_is_in_the_catalogue() -> None:
    columns = {c.name for c in AreaPotential.__table__.columns}
    assert columns - TECHNICAL_COLUMNS == set(FIELD)
    assert len(FIELD) == len(FIELDS)


def test_export_names_are_unique_shapefile_names() -> None:
    names = [name for name, _description in export.EXPORT_FIELDS.values()]
    assert len(names) == len(set(names))
    assert all(0 < len(name) <= 10 for name in names)
    assert {s.name for s in FIELDS if s.export} <= set(export.EXPORT_FIELDS)


def test_consumers_derive_from_the_catalogue() -> None:
    area = AreaPotential(
        public_id="p-1",
        name="Gewerbegebiet",
        municipality_id=3,
        kind=AreaKind.GEWERBE,
        status=AreaStatus.VERFUEGBAR,
        source=AreaSource.GEOPORTAL,
        area_ha=1.23456789,
        servicing=["strom"],
        last_confirmed_at=dt.date(2026, 1, 2),
    )
    state = snapshot(area)
    assert list(state) == [s.name for s in FIELDS]
    assert state["area_ha"] == 1.2346 and state["last_confirmed_at"] == "2026-01-02"
    assert set(restored_values(state)) == set(EDITABLE_FIELDS)
    assert set(normalize_attributes(restored_values(state), partial=True)) == set(EDITABLE_FIELDS)
    importable = {s.name for s in FIELDS if s.importable}
    assert set(mapping.IMPORT_FIELDS) == importable | {mapping.AGS_FIELD}
    assert next(iter(mapping.IMPORT_FIELDS)) == mapping.MATCH_FIELD
    assert mapping.suggest_mapping(["ID", "Netto_ha", "Erschl"]) == {
        "ID": "geoportal_id",
        "Netto_ha": "net_area_ha",
        "Erschl": "servicing",
    }
    assert set(present_form.FORM_FIELDS) == set(EDITABLE_FIELDS)
    assert set(present_form.form_values(None)) == set(EDITABLE_FIELDS)


def _literals(tree: ast.AST) -> Iterator[tuple[int, set[str]]]:
    """String sets of sequence literals and of dicts mapping names to constants."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Dict) and all(
            isinstance(v, ast.Constant | ast.Tuple) for v in node.values
        ):
            items = [k for k in node.keys if k is not None]
        else:
            continue
        yield node.lineno, {e.value for e in items if isinstance(e, ast.Constant)}


def test_no_other_module_lists_the_attributes() -> None:
    """A literal naming every editable attribute outside the catalogue is a second list
    that a new attribute would have to be added to."""
    catalogue = ROOT / "cockpit" / "services" / "areas" / "fields.py"
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "cockpit").rglob("*.py"))
        if path != catalogue
        for line, names in _literals(ast.parse(path.read_text(encoding="utf-8")))
        if set(EDITABLE_FIELDS) <= names
    ]
    assert not found, f"attribute lists outside the catalogue: {found}"


def _export_sources() -> list[Path]:
    services = ROOT / "cockpit" / "services"
    return [
        *(ROOT / "cockpit" / "exports").rglob("*.py"),
        *services.glob("exports.py"),
        *(services / "exports").rglob("*.py"),
    ]


def test_files_and_prints_never_use_the_browser_map_payload() -> None:
    """``areas.map_view`` (simplified, clustered GeoJSON) is for the browser only; exports
    read ``list_area_records`` (stored geometry). The import-linter contract forbids the
    direct import; this test also catches ``areas.list_areas(...)`` via the package."""
    offending: list[str] = []
    for path in _export_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                if name in ("list_areas", "map_view"):
                    offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
                if "cockpit.services.areas.map_view" in imported:
                    offending.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert _export_sources(), "no export modules found"
    assert not offending, f"exports use the browser map payload: {offending}"
