"""Filtered area lists for files and prints: :func:`list_area_records` and its building blocks.

:class:`AreaFilter` and the scoped WHERE conditions (:func:`authorized_conditions`) are
shared with the browser map (:mod:`cockpit.services.areas.map_view`); records carry the
STORED geometry (metric CRS), never the browser's simplified or clustered payload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from cockpit.domain.formatting import format_date, format_ha
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaKind, AreaSource, AreaStatus
from cockpit.models import AreaPotential, Municipality
from cockpit.services import authz
from cockpit.services.areas.access import AREA_MUNICIPALITY, area_scope
from cockpit.services.authz import Scope
from cockpit.services.config import ServiceConfig

BBox = tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat), EPSG:4326


def is_stale(last_confirmed_at: dt.date | None, today: dt.date, stale_after_days: int) -> bool:
    """Not confirmed within ``stale_after_days`` days (never confirmed counts as stale)."""
    if last_confirmed_at is None:
        return True
    return (today - last_confirmed_at).days > stale_after_days


def stale_condition(today: dt.date, stale_after_days: int) -> ColumnElement[bool]:
    """SQL twin of :func:`is_stale`."""
    cutoff = today - dt.timedelta(days=stale_after_days)
    return or_(AreaPotential.last_confirmed_at.is_(None), AreaPotential.last_confirmed_at < cutoff)


@dataclass(frozen=True)
class AreaFilter:
    """Filters of the area list; empty tuples / ``None`` mean "no restriction".

    ``stale``: ``True`` only areas not confirmed within the stale period, ``False`` only
    current ones, ``None`` both. ``bbox`` (min_lon, min_lat, max_lon, max_lat, EPSG:4326)
    restricts the map features (not the table). ``include_deleted`` needs EDIT_AREAS.
    """

    kinds: tuple[AreaKind, ...] = ()
    statuses: tuple[AreaStatus, ...] = ()
    sources: tuple[AreaSource, ...] = ()
    municipality_ids: tuple[int, ...] = ()
    min_ha: float | None = None
    max_ha: float | None = None
    stale: bool | None = None
    search: str = ""
    bbox: BBox | None = None
    include_deleted: bool = False


@dataclass(frozen=True)
class AreaListItem:
    id: int
    public_id: str
    name: str
    municipality_id: int
    municipality_name: str
    municipality_ags: str
    kind: AreaKind
    kind_label: str
    area_ha: float
    area_text: str
    status: AreaStatus
    status_label: str
    last_confirmed_at: dt.date | None
    last_confirmed_text: str
    stale: bool
    source: AreaSource
    source_label: str
    version: int
    is_deleted: bool
    is_demo: bool


@dataclass(frozen=True)
class AreaRecord:
    """One area for a file or a print: its list row and its STORED geometry (metric CRS)."""

    item: AreaListItem
    geometry: BaseGeometry


def _search_condition(search: str) -> ColumnElement[bool]:
    pattern = f"%{search.lower()}%"
    return or_(
        func.lower(AreaPotential.name).like(pattern),
        func.lower(AreaPotential.geoportal_id).like(pattern),
        AreaPotential.public_id.like(pattern),
    )


def _conditions(
    filters: AreaFilter, scope: Scope, today: dt.date, stale_after_days: int
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [scope.clause(AREA_MUNICIPALITY)]
    if not filters.include_deleted:
        conds.append(AreaPotential.is_deleted.is_(False))
    if filters.kinds:
        conds.append(AreaPotential.kind.in_(filters.kinds))
    if filters.statuses:
        conds.append(AreaPotential.status.in_(filters.statuses))
    if filters.sources:
        conds.append(AreaPotential.source.in_(filters.sources))
    if filters.municipality_ids:
        conds.append(AreaPotential.municipality_id.in_(filters.municipality_ids))
    if filters.min_ha is not None:
        conds.append(AreaPotential.area_ha >= filters.min_ha)
    if filters.max_ha is not None:
        conds.append(AreaPotential.area_ha <= filters.max_ha)
    if filters.search.strip():
        conds.append(_search_condition(filters.search.strip()))
    if filters.stale is not None:
        stale = stale_condition(today, stale_after_days)
        conds.append(stale if filters.stale else ~stale)
    return conds


def bbox_conditions(bbox: BBox) -> list[ColumnElement[bool]]:
    """Areas whose bounding box intersects ``bbox``."""
    west, south, east, north = bbox
    return [
        AreaPotential.min_lon <= east,
        AreaPotential.max_lon >= west,
        AreaPotential.min_lat <= north,
        AreaPotential.max_lat >= south,
    ]


def _check_requested_municipalities(principal: Principal, scope: Scope, ids: Sequence[int]) -> None:
    for municipality_id in ids:
        if not scope.allows(municipality_id):
            authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)


def authorized_conditions(
    principal: Principal,
    filters: AreaFilter,
    today: dt.date,
    stale_after_days: int,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``filters`` within the principal's area scope.

    Raises :class:`AccessDeniedError` without ``VIEW_CONFIDENTIAL``, for a requested
    municipality outside the scope and for ``include_deleted`` without ``EDIT_AREAS``.
    """
    scope = area_scope(principal)
    if scope.is_empty:
        authz.require(principal, Permission.VIEW_CONFIDENTIAL)
    _check_requested_municipalities(principal, scope, filters.municipality_ids)
    if filters.include_deleted:
        authz.require(principal, Permission.EDIT_AREAS)
    return _conditions(filters, scope, today, stale_after_days)


ITEM_COLUMNS: Final = (
    AreaPotential.id,
    AreaPotential.public_id,
    AreaPotential.name,
    AreaPotential.municipality_id,
    Municipality.name,
    Municipality.ags,
    AreaPotential.kind,
    AreaPotential.area_ha,
    AreaPotential.status,
    AreaPotential.last_confirmed_at,
    AreaPotential.source,
    AreaPotential.version,
    AreaPotential.is_deleted,
    AreaPotential.is_demo,
)


def list_item(r: Any, today: dt.date, stale_after_days: int) -> AreaListItem:
    """An :class:`AreaListItem` of a row starting with :data:`ITEM_COLUMNS`."""
    return AreaListItem(
        id=r[0],
        public_id=r[1],
        name=r[2],
        municipality_id=r[3],
        municipality_name=r[4],
        municipality_ags=r[5],
        kind=r[6],
        kind_label=r[6].label,
        area_ha=r[7],
        area_text=format_ha(r[7]),
        status=r[8],
        status_label=r[8].label,
        last_confirmed_at=r[9],
        last_confirmed_text=format_date(r[9]) if r[9] else "nie bestätigt",
        stale=is_stale(r[9], today, stale_after_days),
        source=r[10],
        source_label=r[10].label,
        version=r[11],
        is_deleted=r[12],
        is_demo=r[13],
    )


def list_area_records(
    session: Session,
    principal: Principal,
    filters: AreaFilter | None,
    *,
    config: ServiceConfig,
    today: dt.date | None = None,
) -> list[AreaRecord]:
    """Every area :func:`~cockpit.services.areas.list_areas` lists for ``filters`` (no
    paging, ``bbox`` ignored), with the stored, unsimplified geometry — the one source of
    exports, snapshots and reports.

    Same scope and checks as ``list_areas``; never the browser's (simplified or clustered)
    map payload.
    """
    filters = replace(filters or AreaFilter(), bbox=None)
    today = today or dt.date.today()
    conds = authorized_conditions(principal, filters, today, config.stale_after_days)
    rows = session.execute(
        select(*ITEM_COLUMNS, AreaPotential.geom)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(*conds)
        .order_by(AreaPotential.name, AreaPotential.id)
    )
    return [AreaRecord(list_item(r, today, config.stale_after_days), r[-1]) for r in rows]
