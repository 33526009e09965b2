"""Import of area potentials from the Geoportal (and their KWIS ids).

Import (``Permission.IMPORT_DATA``): a checked layer (:mod:`layers.upload`: file upload or
WFS) plus the attribute mapping of the source (:mod:`cockpit.services.areas.mapping`)
→ :func:`preview_import` lists new / changed (with field diffs) / unchanged / missing
areas, matched by ``geoportal_id``, without writing → :func:`apply_import` writes the
same plan in one transaction (refused if the data changed since the preview).

Uploaded files are read with :func:`read_import_layer`, which authorizes ``IMPORT_DATA``
before the file is parsed. The export is :mod:`cockpit.services.areas.export`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ConflictError, ImportRejectedError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaSource
from cockpit.models import AreaPotential, Municipality
from cockpit.services import audit, authz
from cockpit.services.areas.editing import change_area, mark_deleted, new_area
from cockpit.services.areas.fields import (
    COMPARED_FIELDS,
    FIELD,
    display_value,
    json_ready,
    normalize_attributes,
    snapshot,
)
from cockpit.services.areas.mapping import (
    AGS_FIELD,
    MATCH_FIELD,
    check_mapping,
    feature_values,
    saved_mapping,
    store_mapping,
)
from cockpit.services.config import ServiceConfig
from cockpit.services.unit_of_work import transaction
from layers.area_geometry import GeometryCheck, GeometryError, check_area_geometry
from layers.upload import UploadedLayer, UploadError, read_upload

log = logging.getLogger(__name__)

GEOMETRY_TOLERANCE_M2 = 1.0
MAX_LISTED_PROBLEMS = 10


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


@dataclass(frozen=True)
class _Context:
    """What every feature of one import is checked against."""

    municipalities: list[Municipality]
    by_ags: dict[str, Municipality]
    existing: dict[str, AreaPotential]  # geoportal_id -> area
    metric_crs: str

    def municipality_name(self, municipality_id: int) -> str:
        return next((m.name for m in self.municipalities if m.id == municipality_id), "")


def _context(
    session: Session, layer: UploadedLayer, mapping: Mapping[str, str], metric_crs: str
) -> _Context:
    missing_fields = [s for s in mapping if "." not in s and s not in layer.fields]
    if missing_fields:
        raise ImportRejectedError(
            f"mapped fields not in source: {missing_fields}",
            f"Die Quelle enthält die zugeordneten Felder nicht: {', '.join(missing_fields)}. "
            f"Vorhanden: {', '.join(layer.fields)}.",
        )
    municipalities = list(session.scalars(select(Municipality).order_by(Municipality.name)))
    existing = {
        str(a.geoportal_id): a
        for a in session.scalars(
            select(AreaPotential).where(AreaPotential.geoportal_id.is_not(None))
        )
    }
    return _Context(municipalities, {m.ags: m for m in municipalities}, existing, metric_crs)


class _FeatureProblem(Exception):
    """One bad feature (German text); collected, then the whole import is refused."""


def _feature_label(index: int, values: Mapping[str, Any]) -> str:
    name = values.get("name")
    return f"Objekt Nr. {index}" + (f" („{name}“)" if name else "")


def _checked_feature(
    ctx: _Context, label: str, values: dict[str, Any], geom: Any
) -> tuple[Municipality, dict[str, Any], GeometryCheck]:
    """The feature's municipality, typed attributes and checked geometry."""
    ags = values.pop(AGS_FIELD, None)
    municipality = _municipality_for(geom, ags, ctx.by_ags, ctx.municipalities)
    if municipality is None:
        raise _FeatureProblem(
            f"{label}: Keine Gemeinde des Landkreises gefunden"
            + (f" (AGS „{ags}“)." if ags else " (liegt die Fläche im Landkreis?).")
        )
    values["municipality_id"] = municipality.id
    try:
        typed = normalize_attributes(
            {k: v for k, v in values.items() if v is not None}, partial=False
        )
        checked = check_area_geometry(
            geom, municipality.boundary, municipality.name, (), metric_crs=ctx.metric_crs
        )
    except ValidationError as exc:
        raise _FeatureProblem(f"{label}: {exc.user_message}") from exc
    except GeometryError as exc:
        raise _FeatureProblem(f"{label}: {exc.message}") from exc
    return municipality, typed, checked


def _changes(
    ctx: _Context, area: AreaPotential, ready: Mapping[str, Any], municipality: Municipality
) -> list[FieldChange]:
    """What the feature changes in an existing area (attributes, municipality, deletion)."""
    old = snapshot(area)
    changes = [
        FieldChange(k, FIELD[k].label, display_value(k, old.get(k)), display_value(k, ready.get(k)))
        for k in COMPARED_FIELDS
        if k in ready and _differs(old.get(k), ready.get(k))
    ]
    if area.municipality_id != municipality.id:
        changes.append(
            FieldChange(
                "municipality_id",
                FIELD["municipality_id"].label,
                ctx.municipality_name(area.municipality_id),
                municipality.name,
            )
        )
    if area.is_deleted:  # deleted here, still in the Geoportal: comes back
        changes.append(FieldChange("is_deleted", FIELD["is_deleted"].label, "ja", "nein"))
    return changes


def _plan_feature(
    ctx: _Context, index: int, gid: str, values: dict[str, Any], geom: Any
) -> _Planned:
    municipality, typed, checked = _checked_feature(
        ctx, _feature_label(index, values), values, geom
    )
    area = ctx.existing.get(gid)
    ready = json_ready(typed)
    changes: list[FieldChange] = []
    geometry_changed = False
    state = "new"
    if area is not None:
        changes = _changes(ctx, area, ready, municipality)
        geometry_changed = (
            float(shapely.symmetric_difference(area.geom, checked.geometry).area)
            > GEOMETRY_TOLERANCE_M2
        )
        state = "changed" if changes or geometry_changed else "unchanged"
    row = ImportRow(
        index=index,
        geoportal_id=gid,
        name=str(typed["name"]),
        municipality_name=municipality.name,
        state=state,
        area_id=area.id if area else None,
        changes=changes,
        geometry_changed=geometry_changed,
        warnings=checked.warnings,
    )
    return _Planned(row, ready, checked.geometry, area.version if area else None)


def _refusal(source_name: str, problems: Sequence[str]) -> ImportRejectedError:
    more = len(problems) - MAX_LISTED_PROBLEMS
    return ImportRejectedError(
        f"import {source_name}: {len(problems)} bad features: {problems[:MAX_LISTED_PROBLEMS]}",
        f"Der Import wurde abgelehnt; es wurde nichts geändert. {len(problems)} Objekt(e) "
        "mit Fehlern:\n- "
        + "\n- ".join(problems[:MAX_LISTED_PROBLEMS])
        + (f"\n- … und {more} weitere" if more > 0 else ""),
    )


def _token(plan: _Plan) -> str:
    """Fingerprint of what the plan would write (compared again by :func:`apply_import`)."""
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
    return hashlib.sha256(token_source.encode()).hexdigest()


def _build_plan(
    session: Session,
    principal: Principal,
    layer: UploadedLayer,
    source_name: str,
    mapping: Mapping[str, str] | None,
    metric_crs: str,
) -> _Plan:
    authz.require(principal, Permission.IMPORT_DATA)
    clean = check_mapping(mapping if mapping is not None else saved_mapping(session, source_name))
    ctx = _context(session, layer, clean, metric_crs)
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
        values = feature_values(record, clean)
        gid = str(values.pop(MATCH_FIELD) or "").strip()
        label = _feature_label(index, values)
        if not gid:
            problems.append(f"{label}: Die Geoportal-ID fehlt.")
            continue
        if gid in seen:
            problems.append(f"{label}: Die Geoportal-ID „{gid}“ kommt mehrfach vor.")
            continue
        seen.add(gid)
        values[MATCH_FIELD] = gid
        try:
            planned = _plan_feature(ctx, index, gid, values, geom)
        except _FeatureProblem as problem:
            problems.append(str(problem))
            continue
        getattr(plan.preview, planned.row.state).append(planned.row)
        plan.items.append(planned)
    if problems:
        raise _refusal(source_name, problems)
    for gid, area in sorted(ctx.existing.items()):
        if gid not in seen and not area.is_deleted:
            plan.preview.missing.append(
                MissingRow(area.id, gid, area.name, ctx.municipality_name(area.municipality_id))
            )
    plan.preview = replace(plan.preview, token=_token(plan))
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
    with transaction(session, what=f"import from {source_name.strip()!r}"):
        plan = _build_plan(session, principal, layer, source_name, mapping, config.metric_crs)
        if expected_token is not None and plan.preview.token != expected_token:
            raise ConflictError(
                f"import token mismatch for {source_name}",
                "Die Daten haben sich seit der Vorschau geändert. Bitte erstellen Sie die "
                "Vorschau neu und prüfen Sie sie.",
            )
        if save_mapping_too:
            store_mapping(session, source_name, plan.preview.mapping)
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
