"""One area for the detail panel and the edit form: :func:`get_area`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.formatting import format_date, format_datetime
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import (
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    Ownership,
    PlanningStatus,
)
from cockpit.models import AreaPotential, AreaVersion, Municipality
from cockpit.services.areas.access import area_scope, readable_area
from cockpit.services.areas.fields import AttributeRow, attribute_rows, snapshot
from cockpit.services.areas.history import ACTION_LABELS, version_visible
from cockpit.services.areas.queries import BBox, is_stale
from cockpit.services.config import ServiceConfig
from layers.area_geometry import to_web_geometries


@dataclass(frozen=True)
class AreaVersionInfo:
    version: int
    valid_from: dt.datetime
    valid_from_text: str
    action: str
    action_label: str
    reason: str
    changed_by_name: str


@dataclass(frozen=True)
class AreaDetail:
    """Everything about one area for the detail panel and the edit form."""

    id: int
    public_id: str
    name: str
    municipality_id: int
    municipality_name: str
    municipality_ags: str
    kind: AreaKind
    status: AreaStatus
    planning_status: PlanningStatus | None
    ownership: Ownership | None
    servicing: tuple[str, ...]
    obstacles: tuple[str, ...]
    notes: str
    source: AreaSource
    geoportal_id: str | None
    kwis_id: str | None
    area_ha: float
    net_area_ha: float | None
    last_confirmed_at: dt.date | None
    last_confirmed_by: str
    last_confirmed_method: ConfirmationMethod | None
    confirmation_text: str
    stale: bool
    version: int
    is_deleted: bool
    is_demo: bool
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    attributes: list[AttributeRow]
    history: list[AreaVersionInfo]
    geojson: dict[str, Any]
    bounds: BBox
    may_edit: bool


def _version_info(version: AreaVersion) -> AreaVersionInfo:
    return AreaVersionInfo(
        version=version.version,
        valid_from=version.valid_from,
        valid_from_text=format_datetime(version.valid_from),
        action=version.action,
        action_label=ACTION_LABELS.get(version.action, version.action),
        reason=version.reason,
        changed_by_name=version.changed_by_name,
    )


def confirmation_text(area: AreaPotential) -> str:
    if area.last_confirmed_at is None:
        return "Noch nie bestätigt."
    text = f"Zuletzt bestätigt am {format_date(area.last_confirmed_at)}"
    if area.last_confirmed_by:
        text += f" von {area.last_confirmed_by}"
    if area.last_confirmed_method is not None:
        text += f" ({area.last_confirmed_method.label})"
    return text + "."


def get_area(
    session: Session,
    principal: Principal,
    area_id: int,
    *,
    config: ServiceConfig,
    today: dt.date | None = None,
) -> AreaDetail:
    """All attributes (with German labels), history and confirmation of one area.

    Raises :class:`NotFoundError` / :class:`AccessDeniedError`.
    """
    today = today or dt.date.today()
    area = readable_area(session, principal, area_id)
    municipality = session.get(Municipality, area.municipality_id)
    assert municipality is not None
    geometry = to_web_geometries([area.geom], metric_crs=config.metric_crs, tolerance_m=0)[0]
    versions = session.scalars(
        select(AreaVersion).where(AreaVersion.area_id == area.id).order_by(AreaVersion.version)
    ).all()
    scope = area_scope(principal)
    return AreaDetail(
        id=area.id,
        public_id=area.public_id,
        name=area.name,
        municipality_id=area.municipality_id,
        municipality_name=municipality.name,
        municipality_ags=municipality.ags,
        kind=area.kind,
        status=area.status,
        planning_status=area.planning_status,
        ownership=area.ownership,
        servicing=tuple(area.servicing or ()),
        obstacles=tuple(area.obstacles or ()),
        notes=area.notes or "",
        source=area.source,
        geoportal_id=area.geoportal_id,
        kwis_id=area.kwis_id,
        area_ha=area.area_ha,
        net_area_ha=area.net_area_ha,
        last_confirmed_at=area.last_confirmed_at,
        last_confirmed_by=area.last_confirmed_by or "",
        last_confirmed_method=area.last_confirmed_method,
        confirmation_text=confirmation_text(area),
        stale=is_stale(area.last_confirmed_at, today, config.stale_after_days),
        version=area.version,
        is_deleted=area.is_deleted,
        is_demo=area.is_demo,
        created_at=area.created_at,
        updated_at=area.updated_at,
        attributes=attribute_rows(snapshot(area), municipality.name),
        history=[_version_info(v) for v in reversed(versions) if version_visible(scope, v)],
        geojson={
            "type": "Feature",
            "id": area.id,
            "geometry": geometry,
            "properties": {"id": area.id, "name": area.name, "status": area.status.value},
        },
        bounds=(area.min_lon, area.min_lat, area.max_lon, area.max_lat),
        may_edit=principal.may(Permission.EDIT_AREAS, area.municipality_id),
    )
