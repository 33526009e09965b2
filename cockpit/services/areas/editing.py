"""Writing areas (Kreis-Redaktion, ``Permission.EDIT_AREAS``): create, update, delete,
restore, confirm — and the geometry check every write goes through.

Every write takes the version the user saw (``expected_version``; optimistic locking),
appends an :class:`~cockpit.models.AreaVersion` with the full state and runs in one
:func:`~cockpit.services.unit_of_work.transaction`; on any error nothing is written.
The helpers :func:`new_area`, :func:`change_area`, :func:`mark_deleted` and
:func:`mark_confirmed` work inside the caller's transaction (review, survey, import).
Geometries are stored in the metric CRS; GeoJSON in and out is EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ConflictError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaSource, ConfirmationMethod
from cockpit.models import AreaPotential, AreaVersion, Municipality
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.areas.access import AREA_MUNICIPALITY, area_scope, writable_area
from cockpit.services.areas.fields import (
    EDITABLE_FIELDS,
    blank_value,
    normalize_attributes,
    snapshot,
)
from cockpit.services.areas.queries import bbox_conditions
from cockpit.services.config import ServiceConfig
from cockpit.services.unit_of_work import transaction
from layers.area_geometry import (
    GeometryCheck,
    GeometryError,
    check_area_geometry,
    check_lonlat_range,
    geojson_to_geometry,
    to_multipolygon,
    web_bounds,
)
from layers.crs import web_to_metric

log = logging.getLogger(__name__)

# A geometry input is GeoJSON (dict or str) in EPSG:4326 or Shapely in the metric CRS.
GeometryInput: TypeAlias = Mapping[str, Any] | str | BaseGeometry


# --------------------------------------------------------------------------- geometry


def to_metric_geometry(geometry: GeometryInput, *, config: ServiceConfig) -> BaseGeometry:
    """GeoJSON (EPSG:4326) or Shapely (metric CRS) → Shapely in the metric CRS."""
    try:
        if isinstance(geometry, BaseGeometry):
            return geometry
        shape = geojson_to_geometry(geometry)
        check_lonlat_range(shape)
        return web_to_metric(shape, config.metric_crs)
    except GeometryError as exc:
        raise ValidationError(str(exc), exc.message, field="geometry") from exc


def check_geometry(
    session: Session,
    principal: Principal,
    geometry: GeometryInput,
    municipality_id: int,
    *,
    exclude_area_id: int | None = None,
    config: ServiceConfig,
) -> GeometryCheck:
    """Validate a geometry for an area of ``municipality_id`` (no write).

    Overlaps are searched among the non-deleted areas the principal may see.
    Raises :class:`ValidationError` (``field="geometry"``) with the German reason.
    """
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise ValidationError(
            f"municipality {municipality_id} not found",
            "Die Gemeinde wurde nicht gefunden.",
            field="municipality_id",
        )
    metric = to_metric_geometry(geometry, config=config)
    try:
        multi = to_multipolygon(metric)
        bounds = (
            web_bounds(multi, config.metric_crs) if not multi.is_empty else (0.0, 0.0, 0.0, 0.0)
        )
        stmt = select(AreaPotential.id, AreaPotential.name, AreaPotential.geom).where(
            area_scope(principal).clause(AREA_MUNICIPALITY),
            AreaPotential.is_deleted.is_(False),
            *bbox_conditions(bounds),
        )
        if exclude_area_id is not None:
            stmt = stmt.where(AreaPotential.id != exclude_area_id)
        others = [(r[0], r[1], r[2]) for r in session.execute(stmt)]
        return check_area_geometry(
            multi, municipality.boundary, municipality.name, others, metric_crs=config.metric_crs
        )
    except GeometryError as exc:
        log.info("geometry refused for municipality %s: %s", municipality_id, exc)
        raise ValidationError(str(exc), exc.message, field="geometry") from exc


def set_geometry(area: AreaPotential, geometry: BaseGeometry, hectares: float, crs: str) -> None:
    """Store a checked geometry with its area (ha) and its EPSG:4326 bounding box."""
    area.geom = geometry
    area.area_ha = round(hectares, 4)
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = web_bounds(geometry, crs)


# --------------------------------------------------------------------------- helpers


def append_version(
    session: Session,
    area: AreaPotential,
    principal: Principal,
    action: str,
    reason: str = "",
    *,
    is_new: bool = False,
) -> AreaVersion:
    """Flush the area (bumping its version) and append the full state as AreaVersion."""
    if not is_new:
        area.updated_at = utcnow()  # guarantees an UPDATE, so the version always moves on
    session.flush()
    version = AreaVersion(
        area_id=area.id,
        version=area.version,
        valid_from=utcnow(),
        action=action,
        reason=reason,
        changed_by_id=principal.user_id or None,
        changed_by_name=principal.display_name or principal.username,
        attributes=snapshot(area),
        geom=area.geom,
    )
    session.add(version)
    session.flush()
    return version


def check_version(area: AreaPotential, expected_version: int) -> None:
    if area.version != expected_version:
        log.info(
            "version conflict on area %s: expected %s, current %s",
            area.id,
            expected_version,
            area.version,
        )
        raise ConflictError(
            f"area {area.id}: expected version {expected_version}, current {area.version}"
        )


@dataclass(frozen=True)
class AreaWriteResult:
    """Outcome of a write: the new version and German warnings (e.g. overlaps)."""

    area_id: int
    public_id: str
    version: int
    area_ha: float
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, area: AreaPotential, warnings: Sequence[str] = ()) -> AreaWriteResult:
        return cls(area.id, area.public_id, area.version, area.area_ha, tuple(warnings))


def new_area(
    session: Session,
    principal: Principal,
    attributes: Mapping[str, Any],
    geometry: GeometryInput,
    *,
    source: AreaSource,
    action: str = "create",
    reason: str = "",
    config: ServiceConfig,
    confirmed: tuple[dt.date, str, ConfirmationMethod] | None = None,
) -> tuple[AreaPotential, GeometryCheck]:
    """Create an area inside the caller's transaction (no commit; the caller authorizes)."""
    values = normalize_attributes(attributes, partial=False)
    check = check_geometry(session, principal, geometry, values["municipality_id"], config=config)
    area = AreaPotential(
        **{name: values.get(name, blank_value(name)) for name in EDITABLE_FIELDS},
        source=source,
        last_confirmed_by="",
    )
    if confirmed is not None:
        area.last_confirmed_at, area.last_confirmed_by, area.last_confirmed_method = confirmed
    set_geometry(area, check.geometry, check.area_ha, config.metric_crs)
    session.add(area)
    append_version(session, area, principal, action, reason, is_new=True)
    return area, check


def change_area(
    session: Session,
    principal: Principal,
    area: AreaPotential,
    attributes: Mapping[str, Any],
    geometry: GeometryInput | None,
    *,
    action: str = "update",
    reason: str = "",
    source: AreaSource | None = None,
    config: ServiceConfig,
) -> GeometryCheck | None:
    """Apply attribute/geometry changes inside the caller's transaction (no commit)."""
    values = normalize_attributes(attributes, partial=True)
    target_municipality = values.get("municipality_id", area.municipality_id)
    if target_municipality != area.municipality_id:
        authz.require(principal, Permission.EDIT_AREAS, target_municipality)
    check: GeometryCheck | None = None
    if geometry is not None or target_municipality != area.municipality_id:
        check = check_geometry(
            session,
            principal,
            geometry if geometry is not None else area.geom,
            target_municipality,
            exclude_area_id=area.id,
            config=config,
        )
        set_geometry(area, check.geometry, check.area_ha, config.metric_crs)
    for key, value in values.items():
        setattr(area, key, value)
    if source is not None:
        area.source = source
    append_version(session, area, principal, action, reason)
    return check


def mark_deleted(session: Session, principal: Principal, area: AreaPotential, reason: str) -> None:
    area.is_deleted = True
    area.deleted_at = utcnow()
    append_version(session, area, principal, "delete", reason.strip())


def mark_confirmed(
    session: Session,
    principal: Principal,
    area: AreaPotential,
    on: dt.date,
    method: ConfirmationMethod,
    by: str = "",
    reason: str = "",
) -> None:
    area.last_confirmed_at = on
    area.last_confirmed_by = by or principal.display_name or principal.username
    area.last_confirmed_method = method
    append_version(session, area, principal, "confirm", reason)


# --------------------------------------------------------------------------- use cases


def create_area(
    session: Session,
    principal: Principal,
    attributes: Mapping[str, Any],
    geometry: GeometryInput,
    *,
    reason: str = "",
    source: AreaSource = AreaSource.GESPRAECH,
    config: ServiceConfig,
) -> AreaWriteResult:
    """Create an area (Kreis-Redaktion). ``attributes`` need name, kind, status,
    municipality_id; ``geometry`` is GeoJSON in EPSG:4326 or Shapely in the metric CRS.

    Raises :class:`ValidationError` (German), :class:`AccessDeniedError`.
    """
    municipality_id = attributes.get("municipality_id")
    try:
        municipality_int = int(municipality_id) if municipality_id is not None else None
    except (TypeError, ValueError):
        municipality_int = None
    authz.require(principal, Permission.EDIT_AREAS, municipality_int)
    with transaction(session, what="area create"):
        area, check = new_area(
            session, principal, attributes, geometry, source=source, reason=reason, config=config
        )
    log.info("area %s created by %s (%.2f ha)", area.id, principal.log_ref, area.area_ha)
    return AreaWriteResult.of(area, check.warnings)


def update_area(
    session: Session,
    principal: Principal,
    area_id: int,
    expected_version: int,
    attributes: Mapping[str, Any] | None = None,
    geometry: GeometryInput | None = None,
    *,
    reason: str = "",
    config: ServiceConfig,
) -> AreaWriteResult:
    """Change attributes and/or geometry of an area (Kreis-Redaktion).

    Raises :class:`ConflictError` when ``expected_version`` is not the current version.
    """
    with transaction(session, what=f"area {area_id} update"):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        if area.is_deleted:
            raise ValidationError(
                f"area {area_id} is deleted",
                "Die Fläche ist gelöscht. Bitte stellen Sie sie zuerst wieder her.",
            )
        check = change_area(
            session, principal, area, attributes or {}, geometry, reason=reason, config=config
        )
    log.info("area %s updated to v%s by %s", area.id, area.version, principal.log_ref)
    return AreaWriteResult.of(area, check.warnings if check else ())


def delete_area(
    session: Session, principal: Principal, area_id: int, expected_version: int, reason: str
) -> AreaWriteResult:
    """Soft-delete an area (history kept; :func:`restore_area` undoes it). Needs a reason."""
    if not reason.strip():
        raise ValidationError(
            "delete without reason", "Bitte geben Sie einen Grund für das Löschen an.", "reason"
        )
    with transaction(session, what=f"area {area_id} delete"):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        if area.is_deleted:
            raise ValidationError(
                f"area {area_id} already deleted", "Die Fläche ist bereits gelöscht."
            )
        mark_deleted(session, principal, area, reason)
    log.info("area %s deleted by %s", area.id, principal.log_ref)
    return AreaWriteResult.of(area)


def restore_area(
    session: Session, principal: Principal, area_id: int, expected_version: int, reason: str = ""
) -> AreaWriteResult:
    """Undo a soft delete."""
    with transaction(session, what=f"area {area_id} restore"):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        if not area.is_deleted:
            raise ValidationError(f"area {area_id} not deleted", "Die Fläche ist nicht gelöscht.")
        area.is_deleted = False
        area.deleted_at = None
        append_version(session, area, principal, "restore", reason.strip())
    log.info("area %s restored by %s", area.id, principal.log_ref)
    return AreaWriteResult.of(area)


def confirm_area(
    session: Session,
    principal: Principal,
    area_id: int,
    expected_version: int,
    *,
    method: ConfirmationMethod = ConfirmationMethod.GESPRAECH,
    on: dt.date | None = None,
    by: str = "",
    reason: str = "",
) -> AreaWriteResult:
    """Record that the area is still current (sets last confirmed at/by/method)."""
    with transaction(session, what=f"area {area_id} confirm"):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        mark_confirmed(session, principal, area, on or dt.date.today(), method, by, reason)
    return AreaWriteResult.of(area)
