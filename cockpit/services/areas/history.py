"""An area's past: versions as of a moment and making an earlier version current again.

One rule decides what of the past a principal sees, :func:`version_visible`: a version is
shown only if the municipality the area belonged to THEN is in the principal's
``VIEW_CONFIDENTIAL`` scope (areas can be re-assigned to another municipality). It holds for
:func:`get_area_as_of`, :func:`list_areas_as_of` and the history of ``get_area``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError
from cockpit.domain.roles import Permission, Principal
from cockpit.models import AreaVersion, Municipality
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.areas.access import area_scope, readable_area, writable_area
from cockpit.services.areas.editing import (
    AreaWriteResult,
    append_version,
    check_version,
    set_geometry,
)
from cockpit.services.areas.fields import AttributeRow, attribute_rows, restored_values
from cockpit.services.authz import Scope
from cockpit.services.config import ServiceConfig
from cockpit.services.unit_of_work import transaction
from layers.area_geometry import to_web_geometries
from layers.crs import area_ha

ACTION_LABELS: dict[str, str] = {
    "create": "angelegt",
    "update": "geändert",
    "delete": "gelöscht",
    "restore": "wiederhergestellt",
    "confirm": "bestätigt",
    "import": "importiert",
    "revert": "früheren Stand wiederhergestellt",
    "proposal": "Vorschlag übernommen",
}


@dataclass(frozen=True)
class AreaSnapshot:
    """The state of an area at one moment (from its version history)."""

    area_id: int
    version: int
    valid_from: dt.datetime
    action: str
    attributes: dict[str, Any]
    attribute_rows: list[AttributeRow]
    geojson: dict[str, Any]
    is_deleted: bool


def _to_snapshot(version: AreaVersion, municipality_name: str, metric_crs: str) -> AreaSnapshot:
    geometry = to_web_geometries([version.geom], metric_crs=metric_crs, tolerance_m=0)[0]
    return AreaSnapshot(
        area_id=version.area_id,
        version=version.version,
        valid_from=version.valid_from,
        action=version.action,
        attributes=dict(version.attributes),
        attribute_rows=attribute_rows(version.attributes, municipality_name),
        geojson={"type": "Feature", "id": version.area_id, "geometry": geometry, "properties": {}},
        is_deleted=bool(version.attributes.get("is_deleted")),
    )


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _version_municipality(version: AreaVersion) -> int | None:
    """The municipality the area belonged to in ``version`` (not necessarily today's)."""
    value = version.attributes.get("municipality_id")
    return int(value) if value is not None else None


def version_visible(scope: Scope, version: AreaVersion) -> bool:
    """THE rule for an area's past: visible only if the municipality the area belonged
    to in that version is in the principal's ``VIEW_CONFIDENTIAL`` scope."""
    municipality_id = _version_municipality(version)
    return municipality_id is not None and scope.allows(municipality_id)


def get_area_as_of(
    session: Session,
    principal: Principal,
    area_id: int,
    when: dt.datetime,
    *,
    config: ServiceConfig,
) -> AreaSnapshot | None:
    """The area as it was at ``when``.

    ``None`` if it did not exist yet or then belonged to a municipality outside the
    principal's scope (like :func:`list_areas_as_of`, which leaves such versions out).
    """
    readable_area(session, principal, area_id)
    version = session.scalars(
        select(AreaVersion)
        .where(AreaVersion.area_id == area_id, AreaVersion.valid_from <= _aware(when))
        .order_by(AreaVersion.version.desc())
        .limit(1)
    ).first()
    if version is None or not version_visible(area_scope(principal), version):
        return None
    municipality = session.get(Municipality, _version_municipality(version))
    return _to_snapshot(version, municipality.name if municipality else "", config.metric_crs)


def list_areas_as_of(
    session: Session,
    principal: Principal,
    municipality_id: int,
    when: dt.datetime,
    *,
    config: ServiceConfig,
) -> list[AreaSnapshot]:
    """The (non-deleted) areas of one municipality as they were at ``when``."""
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    when = _aware(when)
    latest = (
        select(AreaVersion.area_id, func.max(AreaVersion.version).label("v"))
        .where(AreaVersion.valid_from <= when)
        .group_by(AreaVersion.area_id)
        .subquery()
    )
    versions = session.scalars(
        select(AreaVersion).join(
            latest,
            and_(AreaVersion.area_id == latest.c.area_id, AreaVersion.version == latest.c.v),
        )
    ).all()
    municipality = session.get(Municipality, municipality_id)
    name = municipality.name if municipality else ""
    result = [
        _to_snapshot(v, name, config.metric_crs)
        for v in versions
        if _version_municipality(v) == municipality_id and not v.attributes.get("is_deleted")
    ]
    return sorted(result, key=lambda s: (str(s.attributes.get("name", "")), s.area_id))


def restore_version(
    session: Session,
    principal: Principal,
    area_id: int,
    version: int,
    expected_version: int,
    *,
    reason: str = "",
    config: ServiceConfig,
) -> AreaWriteResult:
    """Make an earlier version current again (as a new version; nothing is lost)."""
    with transaction(session, what=f"area {area_id} revert to v{version}"):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        old = session.scalars(
            select(AreaVersion).where(
                AreaVersion.area_id == area_id, AreaVersion.version == version
            )
        ).first()
        if old is None:
            raise NotFoundError(
                f"area {area_id} has no version {version}",
                f"Version {version} dieser Fläche gibt es nicht.",
            )
        values = restored_values(old.attributes)
        authz.require(principal, Permission.EDIT_AREAS, values["municipality_id"])
        for key, value in values.items():
            setattr(area, key, value)
        area.is_deleted = bool(old.attributes.get("is_deleted"))
        area.deleted_at = utcnow() if area.is_deleted else None
        hectares = old.attributes.get("area_ha") or area_ha(old.geom, config.metric_crs)
        set_geometry(area, old.geom, float(hectares), config.metric_crs)
        append_version(
            session,
            area,
            principal,
            "revert",
            reason.strip() or f"Stand von Version {version} wiederhergestellt",
        )
    return AreaWriteResult.of(area)
