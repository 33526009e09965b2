"""Export of area potentials to the Geoportal, KWIS and for analyses.

``Permission.EXPORT_DATA``, scoped: a Kommune exports only its own areas; the sync targets
Geoportal/KWIS also need ``EDIT_AREAS`` (see :func:`export_areas`). Formats: GeoPackage
(GPKG 1.3), zipped Shapefile (with .prj and .cpg UTF-8; field names ≤ 10 characters, the
same names in every format, from the field catalogue), GeoJSON (EPSG:4326) and CSV (WKT in
EPSG:4326 or centroid lon/lat), each with a JSON manifest. ``changes_only`` exports the
change set since the last export run of the same target and scope.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.spreadsheet import neutralize_spreadsheet_text
from cockpit.models import AreaPotential, ExportRun, Municipality
from cockpit.models._types import utcnow
from cockpit.services import audit, authz
from cockpit.services.areas.fields import EXPORTED_FIELDS, snapshot
from cockpit.services.authz import Scope
from cockpit.services.config import ServiceConfig
from cockpit.services.unit_of_work import transaction
from layers.crs import WEB_CRS
from layers.writers import (
    CsvGeometry,
    frame_csv_bytes,
    geojson_bytes,
    write_gpkg,
    write_shapefile_zip,
)

log = logging.getLogger(__name__)

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

# Exported field -> (name ≤ 10 characters, identical in every format; description): the
# attributes of the field catalogue, then the municipality and the state of the record.
EXPORT_FIELDS: dict[str, tuple[str, str]] = {
    **{spec.name: spec.export for spec in EXPORTED_FIELDS if spec.export},
    "municipality_ags": ("gem_ags", "Amtlicher Gemeindeschlüssel"),
    "municipality_name": ("gemeinde", "Gemeinde"),
    "version": ("version", "Versionsnummer"),
    "updated_at": ("geaendert", "zuletzt geändert (UTC)"),
    "change": ("aenderung", "Änderungsart: neu, geaendert, geloescht, unveraendert"),
}
_COUNTED = {"neu": "new", "geaendert": "changed", "geloescht": "deleted"}


def _vocabulary() -> dict[str, dict[str, str]]:
    """Exported field name -> code -> German label, for every coded attribute."""
    vocab: dict[str, dict[str, str]] = {}
    for spec in EXPORTED_FIELDS:
        assert spec.export is not None
        if spec.choices is not None:
            vocab[spec.export[0]] = {m.value: m.label for m in spec.choices}
        elif spec.options is not None:
            vocab[spec.export[0]] = dict(spec.options)
    return vocab


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    manifest_path: Path
    manifest: dict[str, Any]
    run_id: int


@dataclass
class _Collected:
    records: list[dict[str, Any]]
    geoms: list[Any]
    counts: dict[str, int]


def _check_request(
    principal: Principal,
    target: str,
    file_format: str,
    csv_geometry: str,
    municipality_id: int | None,
) -> Scope:
    """Refuse unknown options and missing permissions; the principal's export scope."""
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
    return scope


def _scope_text(session: Session, scope: Scope, municipality_id: int | None) -> str:
    """``alle`` or the sorted AGS of the exported municipalities (the change baseline key)."""
    if municipality_id is not None:
        ids: Sequence[int] = [municipality_id]
    elif scope.all_municipalities:
        return "alle"
    else:
        ids = sorted(scope.municipality_ids)
    return ",".join(
        sorted(session.scalars(select(Municipality.ags).where(Municipality.id.in_(ids))))
    )


def _collect(
    rows: Sequence[Any], since: dt.datetime | None, since_ids: Mapping[int, str], changes_only: bool
) -> _Collected:
    collected = _Collected([], [], {"new": 0, "changed": 0, "deleted": 0, "unchanged": 0})
    for area, ags, mname in rows:
        # Without an earlier run of this target and scope, every area is new to the target.
        change = "neu" if since is None else _change_kind(area, since_ids)
        if area.is_deleted and (not changes_only or change != "geloescht"):
            continue
        if changes_only and change == "unveraendert":
            continue
        collected.counts[_COUNTED.get(change, "unchanged")] += 1
        collected.records.append(_export_record(area, ags, mname, change))
        collected.geoms.append(area.geom)
    return collected


def _export_value(value: Any) -> Any:
    """Code lists travel comma-separated in one column."""
    return ",".join(value) if isinstance(value, list) else value


def _export_record(area: AreaPotential, ags: str, mname: str, change: str) -> dict[str, Any]:
    snap = snapshot(area)
    values: dict[str, Any] = {
        **{spec.name: _export_value(snap[spec.name]) for spec in EXPORTED_FIELDS},
        "municipality_ags": ags,
        "municipality_name": mname,
        "version": area.version,
        "updated_at": area.updated_at.strftime("%Y-%m-%dT%H:%M:%S") if area.updated_at else None,
        "change": change,
    }
    return {EXPORT_FIELDS[k][0]: v for k, v in values.items()}


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
    scope = _check_request(principal, target, file_format, csv_geometry, municipality_id)
    now = now or utcnow()
    stmt = (
        select(AreaPotential, Municipality.ags, Municipality.name)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(scope.clause(AreaPotential.__table__.c.municipality_id))
    )
    if municipality_id is not None:
        stmt = stmt.where(AreaPotential.municipality_id == municipality_id)
    scope_text = _scope_text(session, scope, municipality_id)
    last = session.scalar(
        select(ExportRun)
        .where(ExportRun.target == target, ExportRun.scope == scope_text)
        .order_by(ExportRun.at.desc(), ExportRun.id.desc())
        .limit(1)
    )
    since = last.at if last else None
    rows = session.execute(stmt.order_by(AreaPotential.id)).all()
    collected = _collect(
        rows, since, _changed_since(session, [r[0].id for r in rows], since), changes_only
    )
    records = collected.records
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    base = f"flaechen_{target}_{stamp}" + ("_aenderungen" if changes_only else "")
    frame = gpd.GeoDataFrame(
        pd.DataFrame.from_records(records, columns=[v[0] for v in EXPORT_FIELDS.values()]),
        geometry=gpd.GeoSeries(collected.geoms, crs=config.metric_crs),
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
        "anzahl": {"objekte": len(records), **collected.counts},
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
    with transaction(session, what=f"export run {target}/{file_format}"):
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


def _write(
    frame: gpd.GeoDataFrame,
    out_dir: Path,
    base: str,
    file_format: str,
    csv_geometry: str,
    metric_crs: str,
) -> tuple[list[Path], str]:
    if file_format == "gpkg":
        return [write_gpkg(frame, out_dir / f"{base}.gpkg", LAYER_NAME)], metric_crs
    if file_format == "shp":
        return [write_shapefile_zip(frame, out_dir / f"{base}.zip", LAYER_NAME)], metric_crs
    path = out_dir / f"{base}.{file_format}"
    if file_format == "geojson":
        path.write_bytes(geojson_bytes(frame, LAYER_NAME))
    else:
        geometry: CsvGeometry = "wkt" if csv_geometry == "wkt" else "centroid"
        path.write_bytes(frame_csv_bytes(frame, geometry=geometry, cell=_csv_cell))
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
