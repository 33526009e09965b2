"""Exchange of area potentials with the Geoportal and KWIS.

Import (``Permission.IMPORT_DATA``): a checked layer (:mod:`layers.upload`: file upload or
WFS) plus an attribute mapping saved per source (:class:`~cockpit.models.ImportMapping`)
→ :func:`preview_import` lists new / changed (with field diffs) / unchanged / missing
areas, matched by ``geoportal_id``, without writing → :func:`apply_import` writes the
same plan in one transaction (refused if the data changed since the preview).

Mapping format (``{key: value}``, all strings):

* ``"<source field>": "<our field>"`` — our fields: :data:`IMPORT_FIELDS`;
* ``"values.<our field>.<source value>": "<our value>"`` — translate Geoportal codes;
* ``"default.<our field>": "<value>"`` — used when the source has no value.

Uploaded files are read with :func:`read_import_layer`, which authorizes ``IMPORT_DATA``
before the file is parsed.

Export (``Permission.EXPORT_DATA``, scoped: a Kommune exports only its own areas; the sync
targets Geoportal/KWIS also need ``EDIT_AREAS``, see :func:`export_areas`):
GeoPackage (GPKG 1.3), zipped Shapefile (with .prj and .cpg UTF-8; field names ≤ 10
characters, the same names in every format), GeoJSON (EPSG:4326) and CSV (WKT in
EPSG:4326 or centroid lon/lat), each with a JSON manifest. ``changes_only`` exports the
change set since the last export run of the same target and scope.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import (
    AccessDeniedError,
    ConflictError,
    ImportRejectedError,
    ValidationError,
)
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.spreadsheet import neutralize_spreadsheet_text
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    Ownership,
    PlanningStatus,
)
from cockpit.models import AreaPotential, ExportRun, ImportMapping, Municipality
from cockpit.models._types import utcnow
from cockpit.services import audit, authz
from cockpit.services.areas import (
    FIELD_LABELS,
    change_area,
    display_value,
    mark_deleted,
    new_area,
    normalize_attributes,
    snapshot,
    unit_of_work,
)
from cockpit.services.config import ServiceConfig
from layers.area_geometry import GeometryError, check_area_geometry
from layers.crs import WEB_CRS, to_web
from layers.upload import UploadedLayer, UploadError, read_upload

log = logging.getLogger(__name__)

# Our fields a Geoportal field can be mapped to.
IMPORT_FIELDS: dict[str, str] = {
    "geoportal_id": "Geoportal-ID (Pflicht, zum Abgleich)",
    "name": "Bezeichnung",
    "municipality_ags": "Gemeindeschlüssel (AGS); sonst nach Lage",
    "kind": "Art",
    "status": "Vermarktungsstand",
    "planning_status": "Planungsrecht",
    "ownership": "Eigentum",
    "servicing": "Erschließung (Liste)",
    "obstacles": "Hemmnisse (Liste)",
    "net_area_ha": "Nettofläche (ha)",
    "notes": "Bemerkungen",
    "kwis_id": "KWIS-ID",
}
# Fields compared for "changed" (municipality and geometry are compared separately).
_COMPARED = (
    "name",
    "kind",
    "status",
    "planning_status",
    "ownership",
    "servicing",
    "obstacles",
    "net_area_ha",
    "notes",
    "kwis_id",
)
GEOMETRY_TOLERANCE_M2 = 1.0
MAX_LISTED_PROBLEMS = 10


# --------------------------------------------------------------------------- mapping


def save_mapping(
    session: Session, principal: Principal, source_name: str, mapping: Mapping[str, str]
) -> dict[str, str]:
    """Store the attribute mapping of one Geoportal source (replaces the old one)."""
    authz.require(principal, Permission.IMPORT_DATA)
    clean = _check_mapping(mapping)
    with unit_of_work(session):
        _store_mapping(session, source_name, clean)
    return clean


def _store_mapping(session: Session, source_name: str, mapping: dict[str, str]) -> None:
    name = source_name.strip()
    if not name:
        raise ValidationError(
            "empty source name", "Bitte geben Sie einen Namen für die Quelle an.", "source_name"
        )
    row = session.scalar(select(ImportMapping).where(ImportMapping.source_name == name))
    if row is None:
        session.add(ImportMapping(source_name=name, mapping=dict(mapping)))
    else:
        row.mapping = dict(mapping)
    session.flush()


def get_mapping(session: Session, principal: Principal, source_name: str) -> dict[str, str] | None:
    """The saved mapping of a source, or ``None``."""
    authz.require(principal, Permission.IMPORT_DATA)
    row = session.scalar(
        select(ImportMapping).where(ImportMapping.source_name == source_name.strip())
    )
    return dict(row.mapping) if row else None


def list_mapping_sources(session: Session, principal: Principal) -> list[str]:
    authz.require(principal, Permission.IMPORT_DATA)
    return list(
        session.scalars(select(ImportMapping.source_name).order_by(ImportMapping.source_name))
    )


_SUGGEST = {
    "geoportal_id": (
        "geoportal_id",
        "id",
        "objectid",
        "object_id",
        "gid",
        "fid_geo",
        "flaechen_id",
    ),
    "name": ("name", "bezeichnung", "bez", "titel"),
    "municipality_ags": ("ags", "gemeinde_ags", "gem_ags", "gkz", "gemeindeschluessel"),
    "kind": ("art", "kind", "typ", "flaechenart"),
    "status": ("status", "vermarktung", "vermarktungsstand"),
    "planning_status": ("planungsrecht", "plan_recht", "planung"),
    "ownership": ("eigentum", "eigentuemer"),
    "servicing": ("erschliessung", "erschl"),
    "obstacles": ("hemmnisse", "hemmnis"),
    "net_area_ha": ("netto_ha", "nettoflaeche", "net_area_ha"),
    "notes": ("bemerkung", "bemerkungen", "notes", "hinweis"),
    "kwis_id": ("kwis_id", "kwis"),
}


def suggest_mapping(fields: Sequence[str]) -> dict[str, str]:
    """Guess a mapping from source field names (the user confirms it in the UI)."""
    result: dict[str, str] = {}
    lowered = {f.lower(): f for f in fields}
    for ours, candidates in _SUGGEST.items():
        for candidate in candidates:
            if candidate in lowered and lowered[candidate] not in result:
                result[lowered[candidate]] = ours
                break
    return result


def _check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    targets: list[str] = []
    for key, value in mapping.items():
        key, value = str(key).strip(), str(value).strip()
        if not key or not value:
            continue
        if key.startswith(("values.", "default.")):
            ours = key.split(".")[1]
            if ours not in IMPORT_FIELDS:
                raise ValidationError(
                    f"mapping rule for unknown field {ours}",
                    f"Die Zuordnung nennt ein unbekanntes Feld „{ours}“.",
                    "mapping",
                )
        elif value not in IMPORT_FIELDS:
            raise ValidationError(
                f"mapping target {value} unknown",
                f"„{value}“ ist kein Zielfeld. Erlaubt: {', '.join(IMPORT_FIELDS)}.",
                "mapping",
            )
        else:
            if value in targets:
                raise ValidationError(
                    f"mapping target {value} twice",
                    f"Das Zielfeld „{IMPORT_FIELDS[value]}“ ist mehreren Feldern zugeordnet.",
                    "mapping",
                )
            targets.append(value)
        clean[key] = value
    if "geoportal_id" not in targets:
        raise ValidationError(
            "mapping without geoportal_id",
            "Bitte ordnen Sie ein Feld der Geoportal-ID zu; sie wird zum Abgleich gebraucht.",
            "mapping",
        )
    return clean


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old_text: str
    new_text: str


@dataclass(frozen=True)
class ImportRow:
    index: int  # 1-based feature number in the source
    geoportal_id: str
    name: str
    municipality_name: str
    state: str  # new | changed | unchanged
    area_id: int | None
    changes: list[FieldChange]
    geometry_changed: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class MissingRow:
    area_id: int
    geoportal_id: str
    name: str
    municipality_name: str


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do; ``token`` must be passed to :func:`apply_import`."""

    source_name: str
    summary: dict[str, Any]
    new: list[ImportRow]
    changed: list[ImportRow]
    unchanged: list[ImportRow]
    missing: list[MissingRow]
    warnings: list[str]
    mapping: dict[str, str]
    token: str

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "missing": len(self.missing),
        }


@dataclass
class _Planned:
    row: ImportRow
    attributes: dict[str, Any]
    geometry: Any
    version: int | None = None


@dataclass
class _Plan:
    preview: ImportPreview
    items: list[_Planned] = field(default_factory=list)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _feature_values(record: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for source, ours in mapping.items():
        if source.startswith(("values.", "default.")):
            continue
        values[ours] = _cell(record.get(source))
    for key, value in mapping.items():
        if key.startswith("default."):
            ours = key.split(".", 1)[1]
            if values.get(ours) in (None, ""):
                values[ours] = value
    for ours, raw in list(values.items()):
        if raw is None:
            continue
        translated = mapping.get(f"values.{ours}.{raw}")
        if translated is not None:
            values[ours] = translated
    return values


def _build_plan(
    session: Session,
    principal: Principal,
    layer: UploadedLayer,
    source_name: str,
    mapping: Mapping[str, str] | None,
    metric_crs: str,
) -> _Plan:
    authz.require(principal, Permission.IMPORT_DATA)
    if mapping is None:
        saved = session.scalar(
            select(ImportMapping).where(ImportMapping.source_name == source_name.strip())
        )
        if saved is None:
            raise ValidationError(
                f"no mapping for {source_name}",
                f"Für die Quelle „{source_name}“ ist noch keine Feldzuordnung gespeichert.",
                "mapping",
            )
        mapping = dict(saved.mapping)
    clean = _check_mapping(mapping)
    missing_fields = [s for s, o in clean.items() if "." not in s and s not in layer.fields]
    if missing_fields:
        raise ImportRejectedError(
            f"mapped fields not in source: {missing_fields}",
            f"Die Quelle enthält die zugeordneten Felder nicht: {', '.join(missing_fields)}. "
            f"Vorhanden: {', '.join(layer.fields)}.",
        )
    municipalities = list(session.scalars(select(Municipality).order_by(Municipality.name)))
    by_ags = {m.ags: m for m in municipalities}
    existing: dict[str, AreaPotential] = {
        str(a.geoportal_id): a
        for a in session.scalars(
            select(AreaPotential).where(AreaPotential.geoportal_id.is_not(None))
        )
    }
    problems: list[str] = []
    seen: set[str] = set()
    plan = _Plan(
        ImportPreview(
            source_name.strip(), _summary(layer), [], [], [], [], list(layer.warnings), clean, ""
        )
    )
    frame = layer.frame
    geoms = frame.geometry.to_numpy()
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    for index, (record, geom) in enumerate(zip(records, geoms, strict=True), start=1):
        values = _feature_values(record, clean)
        gid = str(values.pop("geoportal_id") or "").strip()
        label = f"Objekt Nr. {index}" + (f" („{values.get('name')}“)" if values.get("name") else "")
        if not gid:
            problems.append(f"{label}: Die Geoportal-ID fehlt.")
            continue
        if gid in seen:
            problems.append(f"{label}: Die Geoportal-ID „{gid}“ kommt mehrfach vor.")
            continue
        seen.add(gid)
        ags = values.pop("municipality_ags", None)
        municipality = _municipality_for(geom, ags, by_ags, municipalities)
        if municipality is None:
            problems.append(
                f"{label}: Keine Gemeinde des Landkreises gefunden"
                + (f" (AGS „{ags}“)." if ags else " (liegt die Fläche im Landkreis?).")
            )
            continue
        values["geoportal_id"] = gid
        values["municipality_id"] = municipality.id
        try:
            typed = normalize_attributes(
                {k: v for k, v in values.items() if v is not None}, partial=False
            )
            checked = check_area_geometry(
                geom, municipality.boundary, municipality.name, (), metric_crs=metric_crs
            )
        except ValidationError as exc:
            problems.append(f"{label}: {exc.user_message}")
            continue
        except GeometryError as exc:
            problems.append(f"{label}: {exc.message}")
            continue
        area = existing.get(gid)
        ready = {k: (v.value if hasattr(v, "value") else v) for k, v in typed.items()}
        if area is None or area.is_deleted:
            state, changes, geom_changed = "new", [], True
            if area is not None:  # deleted here, still in the Geoportal: comes back
                state = "changed"
        if area is not None:
            old = snapshot(area)
            changes = [
                FieldChange(
                    k,
                    FIELD_LABELS[k],
                    display_value(k, old.get(k)),
                    display_value(k, ready.get(k)),
                )
                for k in _COMPARED
                if k in ready and _differs(old.get(k), ready.get(k))
            ]
            if area.municipality_id != municipality.id:
                old_name = next(
                    (m.name for m in municipalities if m.id == area.municipality_id), ""
                )
                changes.append(
                    FieldChange("municipality_id", "Gemeinde", old_name, municipality.name)
                )
            geom_changed = (
                float(shapely.symmetric_difference(area.geom, checked.geometry).area)
                > GEOMETRY_TOLERANCE_M2
            )
            if area.is_deleted:
                changes.append(FieldChange("is_deleted", "gelöscht", "ja", "nein"))
            state = "changed" if changes or geom_changed else "unchanged"
        row = ImportRow(
            index=index,
            geoportal_id=gid,
            name=str(typed["name"]),
            municipality_name=municipality.name,
            state=state,
            area_id=area.id if area else None,
            changes=changes,
            geometry_changed=geom_changed if area else False,
            warnings=checked.warnings,
        )
        getattr(plan.preview, state).append(row)
        plan.items.append(_Planned(row, ready, checked.geometry, area.version if area else None))
    if problems:
        raise ImportRejectedError(
            f"import {source_name}: {len(problems)} bad features: {problems[:MAX_LISTED_PROBLEMS]}",
            f"Der Import wurde abgelehnt; es wurde nichts geändert. {len(problems)} Objekt(e) "
            "mit Fehlern:\n- "
            + "\n- ".join(problems[:MAX_LISTED_PROBLEMS])
            + (
                f"\n- … und {len(problems) - MAX_LISTED_PROBLEMS} weitere"
                if len(problems) > MAX_LISTED_PROBLEMS
                else ""
            ),
        )
    for gid, area in sorted(existing.items()):
        if gid not in seen and not area.is_deleted:
            m = next((x for x in municipalities if x.id == area.municipality_id), None)
            plan.preview.missing.append(MissingRow(area.id, gid, area.name, m.name if m else ""))
    token_source = json.dumps(
        [
            [
                p.row.geoportal_id,
                p.row.state,
                p.version,
                [c.key for c in p.row.changes],
                p.row.geometry_changed,
            ]
            for p in plan.items
        ]
        + [[m.area_id] for m in plan.preview.missing],
        sort_keys=True,
    )
    token = hashlib.sha256(token_source.encode()).hexdigest()
    plan.preview = replace(plan.preview, token=token)
    return plan


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        if old is None or new is None:
            return bool(old != new)
        return abs(float(old) - float(new)) > 1e-6
    if isinstance(old, list) or isinstance(new, list):
        return sorted(old or []) != sorted(new or [])
    return bool((old or None) != (new or None))


def _municipality_for(
    geom: Any,
    ags: Any,
    by_ags: Mapping[str, Municipality],
    municipalities: Sequence[Municipality],
) -> Municipality | None:
    if ags not in (None, ""):
        return by_ags.get(str(ags).strip().zfill(8))
    best, best_area = None, 0.0
    for municipality in municipalities:
        if not shapely.intersects(municipality.boundary, geom):
            continue
        common = float(shapely.intersection(municipality.boundary, geom).area)
        if common > best_area:
            best, best_area = municipality, common
    return best


def _summary(layer: UploadedLayer) -> dict[str, Any]:
    return {
        "format": layer.file_format,
        "layer": layer.layer_name,
        "crs": layer.source_crs,
        "features": layer.feature_count,
        "fields": list(layer.fields),
    }


def read_import_layer(
    principal: Principal,
    payload: bytes,
    filename: str,
    *,
    config: ServiceConfig,
) -> UploadedLayer:
    """Authorize ``IMPORT_DATA``, then read and check an uploaded Geoportal file.

    Nothing is parsed for principals who may not import. Raises
    :class:`AccessDeniedError` or :class:`ImportRejectedError` (German reason from
    :mod:`layers.upload`: size, type, CRS, geometry).
    """
    authz.require(principal, Permission.IMPORT_DATA)
    try:
        return read_upload(payload, filename, metric_crs=config.metric_crs)
    except UploadError as error:
        log.info("import upload refused for %s: %s", principal.log_ref, error)
        raise ImportRejectedError(str(error), error.message) from error


def preview_import(
    session: Session,
    principal: Principal,
    layer: UploadedLayer,
    source_name: str,
    mapping: Mapping[str, str] | None = None,
    *,
    config: ServiceConfig,
) -> ImportPreview:
    """What importing ``layer`` would change; writes nothing.

    ``mapping`` defaults to the one saved for ``source_name``. Raises
    :class:`ImportRejectedError` listing bad features (number, name, problem).
    """
    return _build_plan(session, principal, layer, source_name, mapping, config.metric_crs).preview


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    deleted: int
    missing_kept: int
    warnings: tuple[str, ...]


def apply_import(
    session: Session,
    principal: Principal,
    layer: UploadedLayer,
    source_name: str,
    mapping: Mapping[str, str] | None = None,
    *,
    expected_token: str | None = None,
    delete_missing: bool = False,
    save_mapping_too: bool = True,
    config: ServiceConfig,
) -> ImportResult:
    """Write the import plan in one transaction (all or nothing).

    ``expected_token`` (from the preview the user saw) guards against changes in between:
    a mismatch raises :class:`ConflictError`. Missing areas are listed only, or
    soft-deleted with ``delete_missing``.
    """
    with unit_of_work(session):
        plan = _build_plan(session, principal, layer, source_name, mapping, config.metric_crs)
        if expected_token is not None and plan.preview.token != expected_token:
            raise ConflictError(
                f"import token mismatch for {source_name}",
                "Die Daten haben sich seit der Vorschau geändert. Bitte erstellen Sie die "
                "Vorschau neu und prüfen Sie sie.",
            )
        if save_mapping_too:
            _store_mapping(session, source_name, plan.preview.mapping)
        reason = f"Import aus „{source_name.strip()}“"
        warnings: list[str] = []
        created = updated = 0
        for item in plan.items:
            if item.row.state == "new":
                new_area(
                    session,
                    principal,
                    item.attributes,
                    item.geometry,
                    source=AreaSource.GEOPORTAL,
                    action="import",
                    reason=reason,
                    config=config,
                )
                created += 1
            elif item.row.state == "changed":
                area = session.get(AreaPotential, item.row.area_id)
                assert area is not None
                if area.is_deleted:
                    area.is_deleted = False
                    area.deleted_at = None
                changes = {k: v for k, v in item.attributes.items() if k != "geoportal_id"}
                change_area(
                    session,
                    principal,
                    area,
                    changes,
                    item.geometry if item.row.geometry_changed else None,
                    action="import",
                    reason=reason,
                    config=config,
                )
                updated += 1
            warnings.extend(item.row.warnings)
        deleted = 0
        if delete_missing:
            for missing in plan.preview.missing:
                area = session.get(AreaPotential, missing.area_id)
                assert area is not None
                mark_deleted(session, principal, area, f"Nicht mehr im Geoportal ({reason})")
                deleted += 1
        audit.record(
            session,
            actor=principal,
            action="import_areas",
            target=source_name.strip(),
            details={
                **plan.preview.summary,
                "created": created,
                "updated": updated,
                "deleted": deleted,
            },
        )
    log.info(
        "import %s by %s: %s new, %s changed, %s deleted",
        source_name,
        principal.log_ref,
        created,
        updated,
        deleted,
    )
    return ImportResult(
        created=created,
        updated=updated,
        unchanged=len(plan.preview.unchanged),
        deleted=deleted,
        missing_kept=0 if delete_missing else len(plan.preview.missing),
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- export

EXPORT_FORMATS = ("gpkg", "shp", "geojson", "csv")
EXPORT_TARGETS = ("geoportal", "kwis", "analysis")
# Targets kept in sync with "nur Änderungen": each run is the baseline of the next change
# set, so only the editors (EDIT_AREAS) may export to them; everyone else uses "analysis".
SYNC_TARGETS = ("geoportal", "kwis")
SYNC_REFUSED = (
    "Exporte für Geoportal und KWIS erstellt nur die Kreis-Redaktion, weil jeder dieser "
    "Exporte der Ausgangspunkt für den nächsten Export „nur Änderungen“ ist. Bitte wählen "
    "Sie das Exportziel „Analyse“."
)
LAYER_NAME = "flaechenpotenziale"

# Our attribute -> exported field name (≤ 10 characters, identical in every format).
EXPORT_FIELDS: dict[str, tuple[str, str]] = {
    "public_id": ("public_id", "stabile Kennung des Kommunal-Cockpits (UUID)"),
    "geoportal_id": ("geoport_id", "Geoportal-ID"),
    "kwis_id": ("kwis_id", "KWIS-ID"),
    "name": ("name", "Bezeichnung"),
    "municipality_ags": ("gem_ags", "Amtlicher Gemeindeschlüssel"),
    "municipality_name": ("gemeinde", "Gemeinde"),
    "kind": ("art", "Art (Code)"),
    "status": ("status", "Vermarktungsstand (Code)"),
    "planning_status": ("plan_recht", "Planungsrecht (Code)"),
    "ownership": ("eigentum", "Eigentum (Code)"),
    "servicing": ("erschl", "Erschließung (Codes, kommagetrennt)"),
    "obstacles": ("hemmnisse", "Hemmnisse (Codes, kommagetrennt)"),
    "area_ha": ("flaeche_ha", "Bruttofläche in ha (berechnet in EPSG:25833)"),
    "net_area_ha": ("netto_ha", "Nettofläche in ha"),
    "notes": ("bemerkung", "Bemerkungen"),
    "source": ("quelle", "Quelle (Code)"),
    "last_confirmed_at": ("bestaetigt", "zuletzt bestätigt am"),
    "last_confirmed_method": ("best_wie", "bestätigt durch (Code)"),
    "version": ("version", "Versionsnummer"),
    "updated_at": ("geaendert", "zuletzt geändert (UTC)"),
    "change": ("aenderung", "Änderungsart: neu, geaendert, geloescht, unveraendert"),
}


def _vocabulary() -> dict[str, dict[str, str]]:
    enums: dict[str, Any] = {
        "art": AreaKind,
        "status": AreaStatus,
        "plan_recht": PlanningStatus,
        "eigentum": Ownership,
        "quelle": AreaSource,
        "best_wie": ConfirmationMethod,
    }
    vocab = {name: {m.value: m.label for m in cls} for name, cls in enums.items()}
    vocab["erschl"] = dict(SERVICING_OPTIONS)
    vocab["hemmnisse"] = dict(OBSTACLE_OPTIONS)
    return vocab


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    manifest_path: Path
    manifest: dict[str, Any]
    run_id: int


def _scope_text(all_municipalities: bool, ags: Sequence[str]) -> str:
    return "alle" if all_municipalities else ",".join(sorted(ags))


def export_areas(
    session: Session,
    principal: Principal,
    *,
    target: str,
    file_format: str,
    out_dir: Path,
    changes_only: bool = False,
    municipality_id: int | None = None,
    csv_geometry: str = "wkt",
    config: ServiceConfig,
    now: dt.datetime | None = None,
) -> ExportResult:
    """Export the areas the principal may export into ``out_dir`` (+ manifest JSON).

    ``target``: geoportal | kwis | analysis; ``file_format``: gpkg | shp | geojson | csv.
    ``changes_only``: only areas new/changed/deleted since the last run for this target
    and scope (deleted ones as rows with ``aenderung = geloescht``). Records an ExportRun.
    The sync targets (:data:`SYNC_TARGETS`) need ``EDIT_AREAS`` district-wide, so a
    read-only export can never move their change baseline (:class:`AccessDeniedError`
    with a German hint to use "analysis").
    """
    if target not in EXPORT_TARGETS:
        raise ValidationError(f"bad target {target}", "Unbekanntes Exportziel.", "target")
    if file_format not in EXPORT_FORMATS:
        raise ValidationError(
            f"bad format {file_format}", "Unbekanntes Exportformat.", "file_format"
        )
    if csv_geometry not in ("wkt", "centroid"):
        raise ValidationError(f"bad csv geometry {csv_geometry}", "Unbekannte CSV-Geometrie.")
    scope = authz.scope_for(principal, Permission.EXPORT_DATA)
    if scope.is_empty:
        authz.require(principal, Permission.EXPORT_DATA)
    if municipality_id is not None:
        authz.require(principal, Permission.EXPORT_DATA, municipality_id)
    if target in SYNC_TARGETS:
        try:
            authz.require(principal, Permission.EDIT_AREAS)
        except AccessDeniedError as error:
            raise AccessDeniedError(str(error), SYNC_REFUSED) from None
    now = now or utcnow()
    stmt = select(AreaPotential, Municipality.ags, Municipality.name).join(
        Municipality, Municipality.id == AreaPotential.municipality_id
    )
    stmt = stmt.where(scope.clause(AreaPotential.__table__.c.municipality_id))
    if municipality_id is not None:
        stmt = stmt.where(AreaPotential.municipality_id == municipality_id)
    if municipality_id is not None:
        scope_ags = list(
            session.scalars(select(Municipality.ags).where(Municipality.id == municipality_id))
        )
        scope_text = _scope_text(False, scope_ags)
    elif scope.all_municipalities:
        scope_text = "alle"
    else:
        scope_ags = list(
            session.scalars(
                select(Municipality.ags).where(Municipality.id.in_(sorted(scope.municipality_ids)))
            )
        )
        scope_text = _scope_text(False, scope_ags)
    last = session.scalar(
        select(ExportRun)
        .where(ExportRun.target == target, ExportRun.scope == scope_text)
        .order_by(ExportRun.at.desc(), ExportRun.id.desc())
        .limit(1)
    )
    since = last.at if last else None
    rows = session.execute(stmt.order_by(AreaPotential.id)).all()
    since_ids = _changed_since(session, [r[0].id for r in rows], since)
    records: list[dict[str, Any]] = []
    geoms: list[Any] = []
    counts = {"new": 0, "changed": 0, "deleted": 0, "unchanged": 0}
    for area, ags, mname in rows:
        # Without an earlier run of this target and scope, every area is new to the target.
        change = "neu" if since is None else _change_kind(area, since_ids)
        if area.is_deleted and (not changes_only or change != "geloescht"):
            continue
        if changes_only and change == "unveraendert":
            continue
        counts[
            {"neu": "new", "geaendert": "changed", "geloescht": "deleted"}.get(change, "unchanged")
        ] += 1
        records.append(_export_record(area, ags, mname, change))
        geoms.append(area.geom)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    base = f"flaechen_{target}_{stamp}" + ("_aenderungen" if changes_only else "")
    frame = gpd.GeoDataFrame(
        pd.DataFrame.from_records(records, columns=[v[0] for v in EXPORT_FIELDS.values()]),
        geometry=gpd.GeoSeries(geoms, crs=config.metric_crs),
    )
    files, crs = _write(frame, out_dir, base, file_format, csv_geometry, config.metric_crs)
    data_hash = hashlib.sha256(
        json.dumps(
            [[r["public_id"], r["version"], r["aenderung"]] for r in records], sort_keys=True
        ).encode()
    ).hexdigest()
    manifest = {
        "erstellt": now.isoformat(),
        "benutzer": principal.display_name or principal.username,
        "ziel": target,
        "format": file_format,
        "umfang": scope_text,
        "nur_aenderungen": changes_only,
        "seit": since.isoformat() if since else None,
        "anzahl": {"objekte": len(records), **counts},
        "crs": crs,
        "ebene": LAYER_NAME,
        "dateien": [
            {
                "name": p.name,
                "bytes": p.stat().st_size,
                "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            }
            for p in files
        ],
        "daten_hash": data_hash,
        "felder": {short: desc for short, desc in EXPORT_FIELDS.values()},
        "codelisten": _vocabulary(),
        "quellenvermerk": "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0",
    }
    manifest_path = out_dir / f"{base}_manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    with unit_of_work(session):
        run = ExportRun(
            at=now,
            target=target,
            user_id=principal.user_id or None,
            scope=scope_text,
            file_format=file_format,
            feature_count=len(records),
            changes_only=changes_only,
            data_hash=data_hash,
        )
        session.add(run)
        session.flush()
        run_id = run.id
        audit.record(
            session,
            actor=principal,
            action="export_areas",
            target=f"{target}/{file_format}",
            details={
                "scope": scope_text,
                "features": len(records),
                "changes_only": changes_only,
                "data_hash": data_hash,
            },
        )
    log.info(
        "export %s/%s by %s: %s features (%s)",
        target,
        file_format,
        principal.log_ref,
        len(records),
        scope_text,
    )
    return ExportResult(files, manifest_path, manifest, run_id)


def _changed_since(
    session: Session, area_ids: Sequence[int], since: dt.datetime | None
) -> dict[int, str]:
    """Area id -> neu | geaendert | geloescht for changes after ``since`` (SQL comparison)."""
    if since is None or not area_ids:
        return {}
    result: dict[int, str] = {}
    created = select(AreaPotential.id).where(AreaPotential.created_at > since)
    updated = select(AreaPotential.id).where(AreaPotential.updated_at > since)
    deleted = select(AreaPotential.id).where(
        AreaPotential.is_deleted.is_(True), AreaPotential.deleted_at > since
    )
    for area_id in session.scalars(updated):
        result[area_id] = "geaendert"
    for area_id in session.scalars(deleted):
        result[area_id] = "geloescht"
    for area_id in session.scalars(created):
        # new and already deleted again: the Geoportal never saw it
        result[area_id] = "neu" if result.get(area_id) != "geloescht" else "verworfen"
    return result


def _change_kind(area: AreaPotential, since_ids: Mapping[int, str]) -> str:
    kind = since_ids.get(area.id)
    if kind == "verworfen":
        return "unveraendert_geloescht"
    if kind is None:
        return "unveraendert"
    return kind


def _export_record(area: AreaPotential, ags: str, mname: str, change: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "public_id": area.public_id,
        "geoportal_id": area.geoportal_id,
        "kwis_id": area.kwis_id,
        "name": area.name,
        "municipality_ags": ags,
        "municipality_name": mname,
        "kind": area.kind.value,
        "status": area.status.value,
        "planning_status": area.planning_status.value if area.planning_status else None,
        "ownership": area.ownership.value if area.ownership else None,
        "servicing": ",".join(area.servicing or []),
        "obstacles": ",".join(area.obstacles or []),
        "area_ha": round(area.area_ha, 4),
        "net_area_ha": area.net_area_ha,
        "notes": area.notes or "",
        "source": area.source.value,
        "last_confirmed_at": area.last_confirmed_at.isoformat() if area.last_confirmed_at else None,
        "last_confirmed_method": (
            area.last_confirmed_method.value if area.last_confirmed_method else None
        ),
        "version": area.version,
        "updated_at": area.updated_at.strftime("%Y-%m-%dT%H:%M:%S") if area.updated_at else None,
        "change": change,
    }
    return {EXPORT_FIELDS[k][0]: v for k, v in values.items()}


def _write(
    frame: gpd.GeoDataFrame,
    out_dir: Path,
    base: str,
    file_format: str,
    csv_geometry: str,
    metric_crs: str,
) -> tuple[list[Path], str]:
    if file_format == "gpkg":
        path = out_dir / f"{base}.gpkg"
        pyogrio.write_dataframe(
            frame, path, layer=LAYER_NAME, driver="GPKG", VERSION="1.3", promote_to_multi=True
        )
        return [path], metric_crs
    if file_format == "shp":
        folder = out_dir / f"{base}_shp"
        folder.mkdir(exist_ok=True)
        shp = folder / f"{LAYER_NAME}.shp"
        pyogrio.write_dataframe(
            frame, shp, driver="ESRI Shapefile", encoding="UTF-8", promote_to_multi=True
        )
        cpg = folder / f"{LAYER_NAME}.cpg"
        if not cpg.exists():
            cpg.write_text("UTF-8", encoding="ascii")
        path = out_dir / f"{base}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(folder.iterdir()):
                archive.write(part, part.name)
                part.unlink()
        folder.rmdir()
        return [path], metric_crs
    web = to_web(frame)
    if file_format == "geojson":
        path = out_dir / f"{base}.geojson"
        pyogrio.write_dataframe(web, path, driver="GeoJSON", RFC7946="YES")
        return [path], WEB_CRS
    path = out_dir / f"{base}.csv"
    columns = [c for c in web.columns if c != web.geometry.name]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        if csv_geometry == "wkt":
            writer.writerow([*columns, "WKT"])
            wkts = shapely.to_wkt(web.geometry.to_numpy(), rounding_precision=7)
            for values, wkt in zip(web[columns].itertuples(index=False), wkts, strict=True):
                writer.writerow([_csv_cell(v) for v in values] + [wkt])
        else:
            writer.writerow([*columns, "lon", "lat"])
            points = shapely.point_on_surface(frame.geometry.to_numpy())
            web_points = to_web(gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=metric_crs)))
            for values, point in zip(
                web[columns].itertuples(index=False), web_points.geometry, strict=True
            ):
                writer.writerow(
                    [_csv_cell(v) for v in values] + [f"{point.x:.6f}", f"{point.y:.6f}"]
                )
    return [path], WEB_CRS


def _csv_cell(value: Any) -> str:
    """One CSV cell; text that a spreadsheet would evaluate (``=…``) is neutralized."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        return neutralize_spreadsheet_text(value)
    return str(value)
