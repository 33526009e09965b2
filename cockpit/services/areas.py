"""Area potentials (Gewerbe-, Industrie- und Brachflächen): queries, editing, history.

Read side: :func:`list_areas` (table + map GeoJSON of a filtered view) and :func:`get_area`
(all attributes with German labels, history, confirmation). Write side (Kreis-Redaktion,
``Permission.EDIT_AREAS``): :func:`create_area`, :func:`update_area`, :func:`delete_area`,
:func:`restore_area`, :func:`confirm_area`, :func:`restore_version`. Every write takes the
version the user saw (``expected_version``; optimistic locking), appends an
:class:`~cockpit.models.AreaVersion` with the full state in the same transaction and
commits; on any error nothing is written.

Geometries are stored in the metric CRS (EPSG:25833); GeoJSON in and out is EPSG:4326.

Lookups by (untrusted) id — here and in ``area_review`` / ``area_survey`` — go through
:func:`load_in_scope`, which authorizes before revealing any state: an id outside the
principal's scope gives :class:`AccessDeniedError` whether the record exists, is deleted
or not; :class:`NotFoundError` (and "deleted") only reaches principals who would be allowed
to see the record, i.e. who hold the permission district-wide or for its municipality.
An area's past (:func:`get_area_as_of`, the history in :func:`get_area`,
:func:`list_areas_as_of`) follows one rule, :func:`_version_visible`: a version is shown
only if the municipality it belonged to THEN is in the principal's scope (areas can be
re-assigned to another municipality).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeAlias, TypeVar

from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Integer, and_, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cockpit.domain.errors import (
    AccessDeniedError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from cockpit.domain.formatting import format_date, format_datetime, format_ha, format_number
from cockpit.domain.parsing import NumberFormatError, echo, parse_optional_number
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    LabelledEnum,
    Ownership,
    PlanningStatus,
)
from cockpit.models import AreaPotential, AreaProposal, AreaVersion, Municipality, Survey
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.authz import Scope
from cockpit.services.config import ServiceConfig
from layers.area_geometry import (
    GeometryCheck,
    GeometryError,
    check_area_geometry,
    check_lonlat_range,
    geojson_to_geometry,
    to_multipolygon,
    to_web_geometries,
    web_bounds,
)
from layers.crs import area_ha, web_to_metric

log = logging.getLogger(__name__)

DEFAULT_STALE_AFTER_DAYS = 365
MAX_MAP_FEATURES = 1200
MAP_BUDGET_BYTES = 500_000
CLUSTER_GRID = 40
DISTRICT_CELL_DEG = 0.02  # cluster cell of the whole-scope view (~1.4 × 2.2 km at 51° N)
INDEXED_ORDER_MIN = 2000
TOO_MANY_HINT = (
    "Zu viele Flächen für die Kartenansicht ({count}); angezeigt werden Gruppen. "
    "Bitte Ausschnitt verkleinern oder Filter setzen."
)

# A geometry input is GeoJSON (dict or str) in EPSG:4326 or Shapely in the metric CRS.
GeometryInput: TypeAlias = Mapping[str, Any] | str | BaseGeometry

FIELD_LABELS: dict[str, str] = {
    "public_id": "Kennung",
    "name": "Bezeichnung",
    "municipality": "Gemeinde",
    "municipality_id": "Gemeinde",
    "kind": "Art",
    "area_ha": "Bruttofläche",
    "net_area_ha": "Nettofläche",
    "status": "Vermarktungsstand",
    "planning_status": "Planungsrecht",
    "ownership": "Eigentum",
    "servicing": "Erschließung",
    "obstacles": "Hemmnisse",
    "notes": "Bemerkungen",
    "source": "Quelle",
    "geoportal_id": "Geoportal-ID",
    "kwis_id": "KWIS-ID",
    "last_confirmed_at": "zuletzt bestätigt am",
    "last_confirmed_by": "zuletzt bestätigt von",
    "last_confirmed_method": "bestätigt durch",
    "is_deleted": "gelöscht",
    "geometry": "Geometrie",
}

# Attributes a user may set (create/update/proposal/import); geometry travels separately.
EDITABLE_FIELDS: tuple[str, ...] = (
    "name",
    "municipality_id",
    "kind",
    "status",
    "net_area_ha",
    "planning_status",
    "ownership",
    "servicing",
    "obstacles",
    "notes",
    "geoportal_id",
    "kwis_id",
)

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

_ENUM_FIELDS: dict[str, type[LabelledEnum]] = {
    "kind": AreaKind,
    "status": AreaStatus,
    "planning_status": PlanningStatus,
    "ownership": Ownership,
    "source": AreaSource,
    "last_confirmed_method": ConfirmationMethod,
}


# --------------------------------------------------------------------------- formatting


def is_stale(last_confirmed_at: dt.date | None, today: dt.date, stale_after_days: int) -> bool:
    """Not confirmed within ``stale_after_days`` days (never confirmed counts as stale)."""
    if last_confirmed_at is None:
        return True
    return (today - last_confirmed_at).days > stale_after_days


# --------------------------------------------------------------------------- read side


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
    bbox: tuple[float, float, float, float] | None = None
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
class AreaListResult:
    """One filtered view: table rows (paged) and the map as GeoJSON (EPSG:4326).

    ``geojson`` holds polygon features (properties: id, public_id, name, kind, kind_label,
    status, status_label, area_ha, stale, municipality) or, when more than the map cap
    match (``clustered``), point features with ``cluster: true``, ``count`` and
    ``area_ha``; ``hint`` then tells the user to zoom in. ``bounds`` is the extent of the
    whole filtered result (not only the map features), for fitting the map to it.
    """

    items: list[AreaListItem]
    total: int
    total_area_ha: float
    stale_count: int
    offset: int
    limit: int
    geojson: dict[str, Any]
    map_feature_count: int
    clustered: bool
    hint: str
    stale_after_days: int
    today: dt.date
    # (min_lon, min_lat, max_lon, max_lat) of ALL matching areas (EPSG:4326), from the bbox
    # columns in the same aggregate scan; ``None`` when nothing matches.
    bounds: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class AttributeRow:
    key: str
    label: str
    value: Any
    text: str


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
    bounds: tuple[float, float, float, float]
    may_edit: bool


_AREA_MUNICIPALITY: ColumnElement[int] = AreaPotential.__table__.c.municipality_id


def _area_scope(principal: Principal) -> Scope:
    return authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)


def _check_requested_municipalities(principal: Principal, scope: Scope, ids: Sequence[int]) -> None:
    for municipality_id in ids:
        if not scope.allows(municipality_id):
            authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)


def _conditions(
    filters: AreaFilter, scope: Scope, today: dt.date, stale_after_days: int
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [scope.clause(_AREA_MUNICIPALITY)]
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
        pattern = f"%{filters.search.strip().lower()}%"
        conds.append(
            or_(
                func.lower(AreaPotential.name).like(pattern),
                func.lower(AreaPotential.geoportal_id).like(pattern),
                AreaPotential.public_id.like(pattern),
            )
        )
    if filters.stale is not None:
        cutoff = today - dt.timedelta(days=stale_after_days)
        stale_cond = or_(
            AreaPotential.last_confirmed_at.is_(None), AreaPotential.last_confirmed_at < cutoff
        )
        conds.append(stale_cond if filters.stale else ~stale_cond)
    return conds


def _bbox_conditions(bbox: tuple[float, float, float, float]) -> list[ColumnElement[bool]]:
    west, south, east, north = bbox
    return [
        AreaPotential.min_lon <= east,
        AreaPotential.max_lon >= west,
        AreaPotential.min_lat <= north,
        AreaPotential.max_lat >= south,
    ]


_ITEM_COLUMNS: Final = (
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


def _list_item(r: Any, today: dt.date, stale_after_days: int) -> AreaListItem:
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


@dataclass(frozen=True)
class AreaRecord:
    """One area for a file or a print: its list row and its STORED geometry (metric CRS)."""

    item: AreaListItem
    geometry: BaseGeometry


def list_area_records(
    session: Session,
    principal: Principal,
    filters: AreaFilter | None,
    *,
    config: ServiceConfig,
    today: dt.date | None = None,
) -> list[AreaRecord]:
    """Every area :func:`list_areas` lists for ``filters`` (no paging, ``bbox`` ignored), with
    the stored, unsimplified geometry — the one source of exports, snapshots and reports.

    Same scope and checks as :func:`list_areas`; never the browser's (simplified or
    clustered) map payload.
    """
    filters = replace(filters or AreaFilter(), bbox=None)
    today = today or dt.date.today()
    conds = _authorized_conditions(principal, filters, today, config.stale_after_days)
    rows = session.execute(
        select(*_ITEM_COLUMNS, AreaPotential.geom)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(*conds)
        .order_by(AreaPotential.name, AreaPotential.id)
    )
    return [AreaRecord(_list_item(r, today, config.stale_after_days), r[-1]) for r in rows]


def list_areas(
    session: Session,
    principal: Principal,
    filters: AreaFilter | None = None,
    *,
    config: ServiceConfig,
    today: dt.date | None = None,
    offset: int = 0,
    limit: int = 500,
    max_map_features: int = MAX_MAP_FEATURES,
) -> AreaListResult:
    """The areas the principal may see, filtered; table rows plus map GeoJSON (EPSG:4326).

    Scoped by ``VIEW_CONFIDENTIAL`` (Kommune: own municipality; district roles: all).
    Asking for a municipality outside the scope raises :class:`AccessDeniedError`.
    """
    filters = filters or AreaFilter()
    today = today or dt.date.today()
    conds = _authorized_conditions(principal, filters, today, config.stale_after_days)
    cutoff = today - dt.timedelta(days=config.stale_after_days)
    stale_expr = or_(
        AreaPotential.last_confirmed_at.is_(None), AreaPotential.last_confirmed_at < cutoff
    )
    cells: list[Any] | None = None
    bounds: tuple[float, float, float, float] | None = None
    if filters.bbox is None:
        # One scan gives the totals, the extent and the map clusters of the whole view.
        cells = _cell_rows(session, conds, DISTRICT_CELL_DEG, stale_expr, with_bounds=True)
        total = sum(int(c[2]) for c in cells)
        total_area = sum(float(c[3] or 0.0) for c in cells)
        stale_count = sum(int(c[6] or 0) for c in cells)
        if cells:
            bounds = (
                min(float(c[7]) for c in cells),
                min(float(c[8]) for c in cells),
                max(float(c[9]) for c in cells),
                max(float(c[10]) for c in cells),
            )
    else:
        total, total_area, stale_count, *extent = session.execute(
            select(
                func.count(AreaPotential.id),
                func.coalesce(func.sum(AreaPotential.area_ha), 0.0),
                func.coalesce(func.sum(cast(stale_expr, Integer)), 0),
                func.min(AreaPotential.min_lon),
                func.min(AreaPotential.min_lat),
                func.max(AreaPotential.max_lon),
                func.max(AreaPotential.max_lat),
            ).where(*conds)
        ).one()
        if int(total) and None not in extent:
            west, south, east, north = (float(v) for v in extent)
            bounds = (west, south, east, north)
    items_stmt = (
        select(*_ITEM_COLUMNS)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(*conds)
        .order_by(AreaPotential.name, AreaPotential.id)
        .offset(max(offset, 0))
        .limit(max(limit, 0))
    )
    if int(total) > INDEXED_ORDER_MIN:
        # Many matches: walking the name index stops after one page; sorting them all
        # (SQLite's default plan) costs a full scan. PostgreSQL plans this by itself.
        items_stmt = items_stmt.with_hint(
            AreaPotential, "INDEXED BY ix_area_potential_name", "sqlite"
        )
    items = [_list_item(r, today, config.stale_after_days) for r in session.execute(items_stmt)]
    geojson, map_count, clustered = _map_view(
        session,
        conds,
        filters.bbox,
        today,
        config.stale_after_days,
        max_map_features,
        config.metric_crs,
        total=int(total),
        cells=cells,
    )
    hint = TOO_MANY_HINT.format(count=format_number(map_count)) if clustered else ""
    return AreaListResult(
        items=items,
        total=int(total),
        total_area_ha=float(total_area),
        stale_count=int(stale_count),
        offset=offset,
        limit=limit,
        geojson=geojson,
        map_feature_count=map_count,
        clustered=clustered,
        hint=hint,
        stale_after_days=config.stale_after_days,
        today=today,
        bounds=bounds,
    )


def _authorized_conditions(
    principal: Principal,
    filters: AreaFilter,
    today: dt.date,
    stale_after_days: int,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``filters`` within the principal's area scope.

    Raises :class:`AccessDeniedError` without ``VIEW_CONFIDENTIAL``, for a requested
    municipality outside the scope and for ``include_deleted`` without ``EDIT_AREAS``.
    """
    scope = _area_scope(principal)
    if scope.is_empty:
        authz.require(principal, Permission.VIEW_CONFIDENTIAL)
    _check_requested_municipalities(principal, scope, filters.municipality_ids)
    if filters.include_deleted:
        authz.require(principal, Permission.EDIT_AREAS)
    return _conditions(filters, scope, today, stale_after_days)


def _map_view(
    session: Session,
    conds: list[ColumnElement[bool]],
    bbox: tuple[float, float, float, float] | None,
    today: dt.date,
    stale_after_days: int,
    max_features: int,
    metric_crs: str,
    *,
    total: int,
    cells: list[Any] | None,
) -> tuple[dict[str, Any], int, bool]:
    map_conds = list(conds) + (_bbox_conditions(bbox) if bbox else [])
    if bbox is None:
        count = total
        lons = [float(c[4]) for c in cells or []] or [0.0]
        lats = [float(c[5]) for c in cells or []] or [0.0]
        view = (min(lons), min(lats), max(lons), max(lats))
        if count > max_features:
            return _cluster_collection(cells or []), count, True
    else:
        count = int(session.scalar(select(func.count(AreaPotential.id)).where(*map_conds)) or 0)
        view = bbox
        if count > max_features:
            return _cluster_view(session, map_conds, view), count, True
    rows = session.execute(
        select(
            AreaPotential.id,
            AreaPotential.public_id,
            AreaPotential.name,
            AreaPotential.kind,
            AreaPotential.status,
            AreaPotential.area_ha,
            AreaPotential.last_confirmed_at,
            Municipality.name,
            AreaPotential.geom,
        )
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(*map_conds)
        .order_by(AreaPotential.id)
    ).all()
    width_deg = (bbox[2] - bbox[0]) if bbox else 1.2
    # ~1 px at a 1500 px wide map: invisible, but removes most vertices of detailed shapes.
    tolerance_m = max(0.5, width_deg * 70_000 / 1500)
    geometries = to_web_geometries(
        [r[8] for r in rows], metric_crs=metric_crs, tolerance_m=tolerance_m
    )
    features = [
        {
            "type": "Feature",
            "id": r[0],
            "geometry": geometry,
            # Lean properties (payload budget); labels come from cockpit.domain.vocab.
            "properties": {
                "id": r[0],
                "name": r[2],
                "kind": r[3].value,
                "status": r[4].value,
                "status_label": r[4].label,
                "area_ha": round(r[5], 2),
                "stale": is_stale(r[6], today, stale_after_days),
            },
        }
        for r, geometry in zip(rows, geometries, strict=True)
    ]
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if len(json.dumps(collection, separators=(",", ":"))) > MAP_BUDGET_BYTES:
        # Detailed shapes would exceed the payload budget: aggregate on a finer grid.
        return _cluster_view(session, map_conds, view, grid=200), count, True
    return collection, count, False


def _cluster_view(
    session: Session,
    conds: list[ColumnElement[bool]],
    view: tuple[float, float, float, float],
    grid: int = CLUSTER_GRID,
) -> dict[str, Any]:
    """Aggregate the matching areas into grid cells over ``view`` (bbox centres; the
    covering index answers this without reading geometries)."""
    west, south, east, north = view
    cell = max((east - west) / grid, (north - south) / grid, 1e-6)
    return _cluster_collection(_cell_rows(session, conds, cell))


def _cell_rows(
    session: Session,
    conds: list[ColumnElement[bool]],
    cell: float,
    stale_expr: ColumnElement[bool] | None = None,
    *,
    with_bounds: bool = False,
) -> list[Any]:
    """Per grid cell: (cx, cy, count, sum area_ha, mean lon, mean lat, stale count) and,
    ``with_bounds``, the cell's extent (min lon, min lat, max lon, max lat) of the bbox
    columns (read from the same covering index)."""
    centre_lon = (AreaPotential.min_lon + AreaPotential.max_lon) / 2
    centre_lat = (AreaPotential.min_lat + AreaPotential.max_lat) / 2
    # Offsets keep the values positive so CAST (truncation) acts as floor on both dialects.
    cx = cast((centre_lon + 180.0) / cell, Integer).label("cx")
    cy = cast((centre_lat + 90.0) / cell, Integer).label("cy")
    stale = func.sum(cast(stale_expr, Integer)) if stale_expr is not None else func.sum(0)
    extent = (
        (
            func.min(AreaPotential.min_lon),
            func.min(AreaPotential.min_lat),
            func.max(AreaPotential.max_lon),
            func.max(AreaPotential.max_lat),
        )
        if with_bounds
        else ()
    )
    return list(
        session.execute(
            select(
                cx,
                cy,
                func.count(AreaPotential.id),
                func.sum(AreaPotential.area_ha),
                func.avg(centre_lon),
                func.avg(centre_lat),
                stale,
                *extent,
            )
            .where(*conds)
            .group_by(cx, cy)
        ).all()
    )


def _cluster_collection(rows: Sequence[Any]) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(r[4], 6), round(r[5], 6)]},
            "properties": {
                "cluster": True,
                "count": int(r[2]),
                "area_ha": round(float(r[3] or 0.0), 1),
                "label": f"{format_number(int(r[2]))} Flächen, {format_ha(float(r[3] or 0.0))}",
            },
        }
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}


# Records that belong to one municipality and are looked up by id.
ScopedRecord = TypeVar("ScopedRecord", AreaPotential, AreaProposal, Survey)


def load_in_scope(
    session: Session,
    principal: Principal,
    model: type[ScopedRecord],
    record_id: int,
    permission: Permission,
    not_found_message: str,
) -> ScopedRecord:
    """Load a municipal record by an untrusted id, authorizing before revealing anything.

    Exists and its municipality is in the principal's ``permission`` scope → the record;
    exists outside the scope → :class:`AccessDeniedError`. Does not exist →
    :class:`NotFoundError` (``not_found_message``) only for principals holding
    ``permission`` district-wide (they could see any id); everyone else gets the same
    :class:`AccessDeniedError` as for a foreign id, so ids reveal nothing. State checks
    (deleted, closed, ...) belong after this call.
    """
    record = session.get(model, record_id)
    if record is None:
        authz.require(principal, permission)
        raise NotFoundError(f"{model.__name__} {record_id} not found", not_found_message)
    authz.require(principal, permission, record.municipality_id)
    return record


def _readable_area(session: Session, principal: Principal, area_id: int) -> AreaPotential:
    area = load_in_scope(
        session,
        principal,
        AreaPotential,
        area_id,
        Permission.VIEW_CONFIDENTIAL,
        "Die Fläche wurde nicht gefunden.",
    )
    if area.is_deleted and not principal.may(Permission.EDIT_AREAS, area.municipality_id):
        raise NotFoundError(f"area {area_id} is deleted", "Die Fläche wurde gelöscht.")
    return area


def _enum_text(value: LabelledEnum | None) -> str:
    return value.label if value is not None else "–"


def attribute_rows(values: Mapping[str, Any], municipality_name: str = "") -> list[AttributeRow]:
    """German label + display text for a (snapshot-style) attribute mapping."""
    rows: list[AttributeRow] = []
    for key in (
        "public_id",
        "name",
        "municipality_id",
        "kind",
        "area_ha",
        "net_area_ha",
        "status",
        "planning_status",
        "ownership",
        "servicing",
        "obstacles",
        "notes",
        "source",
        "geoportal_id",
        "kwis_id",
        "last_confirmed_at",
        "last_confirmed_by",
        "last_confirmed_method",
    ):
        if key not in values:
            continue
        rows.append(
            AttributeRow(
                key,
                FIELD_LABELS[key],
                values[key],
                display_value(key, values[key], municipality_name),
            )
        )
    return rows


def display_value(key: str, value: Any, municipality_name: str = "") -> str:
    """German display text of one attribute value (raw codes or typed values)."""
    if value is None or value == "" or value == [] or value == ():
        return "–"
    if key == "municipality_id":
        return municipality_name or str(value)
    if key in _ENUM_FIELDS:
        try:
            return _ENUM_FIELDS[key](value).label
        except ValueError:
            return str(value)
    if key in ("area_ha", "net_area_ha"):
        return format_ha(float(value))
    if key == "servicing":
        return ", ".join(SERVICING_OPTIONS.get(v, v) for v in value)
    if key == "obstacles":
        return ", ".join(OBSTACLE_OPTIONS.get(v, v) for v in value)
    if key == "last_confirmed_at":
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return format_date(day)
    if key == "is_deleted":
        return "ja" if value else "nein"
    return str(value)


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
    area = _readable_area(session, principal, area_id)
    municipality = session.get(Municipality, area.municipality_id)
    assert municipality is not None
    snap = snapshot(area)
    geometry = to_web_geometries([area.geom], metric_crs=config.metric_crs, tolerance_m=0)[0]
    versions = session.scalars(
        select(AreaVersion).where(AreaVersion.area_id == area.id).order_by(AreaVersion.version)
    ).all()
    scope = _area_scope(principal)
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
        attributes=attribute_rows(snap, municipality.name),
        history=[_version_info(v) for v in reversed(versions) if _version_visible(scope, v)],
        geojson={
            "type": "Feature",
            "id": area.id,
            "geometry": geometry,
            "properties": {"id": area.id, "name": area.name, "status": area.status.value},
        },
        bounds=(area.min_lon, area.min_lat, area.max_lon, area.max_lat),
        may_edit=principal.may(Permission.EDIT_AREAS, area.municipality_id),
    )


# --------------------------------------------------------------------------- write helpers


def snapshot(area: AreaPotential) -> dict[str, Any]:
    """The full attribute state of an area as JSON-ready values (for AreaVersion)."""
    return {
        "public_id": area.public_id,
        "name": area.name,
        "municipality_id": area.municipality_id,
        "kind": area.kind.value,
        "area_ha": round(area.area_ha, 4),
        "net_area_ha": area.net_area_ha,
        "status": area.status.value,
        "planning_status": area.planning_status.value if area.planning_status else None,
        "ownership": area.ownership.value if area.ownership else None,
        "servicing": list(area.servicing or []),
        "obstacles": list(area.obstacles or []),
        "notes": area.notes or "",
        "source": area.source.value,
        "geoportal_id": area.geoportal_id,
        "kwis_id": area.kwis_id,
        "last_confirmed_at": area.last_confirmed_at.isoformat() if area.last_confirmed_at else None,
        "last_confirmed_by": area.last_confirmed_by or "",
        "last_confirmed_method": (
            area.last_confirmed_method.value if area.last_confirmed_method else None
        ),
        "is_deleted": bool(area.is_deleted),
    }


def _enum_value(key: str, raw: Any, enum_cls: type[LabelledEnum], *, optional: bool) -> Any:
    if raw is None or raw == "":
        if optional:
            return None
        raise ValidationError(
            f"{key} missing", f"Bitte geben Sie „{FIELD_LABELS[key]}“ an.", field=key
        )
    if isinstance(raw, enum_cls):
        return raw
    text = str(raw).strip()
    for member in enum_cls:
        if text.lower() in (member.value.lower(), member.label.lower()):
            return member
    allowed = ", ".join(m.label for m in enum_cls)
    raise ValidationError(
        f"{key}: unknown value {raw!r}",
        f"„{text}“ ist kein gültiger Wert für „{FIELD_LABELS[key]}“. Erlaubt: {allowed}.",
        field=key,
    )


def _code_list(key: str, raw: Any, options: Mapping[str, str]) -> list[str]:
    if raw is None or raw == "":
        return []
    items = [p.strip() for p in raw.split(",")] if isinstance(raw, str) else list(raw)
    codes: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        code = next((c for c, label in options.items() if text.lower() in (c, label.lower())), None)
        if code is None:
            allowed = ", ".join(options.values())
            raise ValidationError(
                f"{key}: unknown value {item!r}",
                f"„{text}“ ist kein gültiger Wert für „{FIELD_LABELS[key]}“. Erlaubt: {allowed}.",
                field=key,
            )
        if code not in codes:
            codes.append(code)
    return codes


def normalize_attributes(raw: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check and type user-given attributes (codes or German labels accepted).

    ``partial=False`` requires name, kind, status and municipality_id. Unknown keys are
    refused. Raises :class:`ValidationError` with the German message and the field.
    """
    unknown = sorted(set(raw) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            f"unknown attributes {unknown}",
            f"Unbekannte Felder: {', '.join(unknown)}.",
            field=unknown[0],
        )
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "name":
            name = str(value or "").strip()
            if not name:
                raise ValidationError(
                    "name empty", "Bitte geben Sie eine Bezeichnung an.", field="name"
                )
            if len(name) > 200:
                raise ValidationError(
                    "name too long", "Die Bezeichnung ist zu lang (max. 200 Zeichen).", "name"
                )
            out[key] = name
        elif key == "municipality_id":
            try:
                out[key] = int(value)
            except (TypeError, ValueError):
                raise ValidationError(
                    f"bad municipality id {value!r}", "Bitte wählen Sie eine Gemeinde.", key
                ) from None
        elif key in ("kind", "status"):
            out[key] = _enum_value(key, value, _ENUM_FIELDS[key], optional=False)
        elif key in ("planning_status", "ownership"):
            out[key] = _enum_value(key, value, _ENUM_FIELDS[key], optional=True)
        elif key == "servicing":
            out[key] = _code_list(key, value, SERVICING_OPTIONS)
        elif key == "obstacles":
            out[key] = _code_list(key, value, OBSTACLE_OPTIONS)
        elif key == "net_area_ha":
            out[key] = _parse_ha(value)
        elif key == "notes":
            out[key] = str(value or "").strip()
        else:  # geoportal_id, kwis_id
            text = str(value).strip() if value is not None else ""
            if len(text) > 100:
                raise ValidationError(
                    f"{key} too long", f"„{FIELD_LABELS[key]}“ ist zu lang (max. 100 Zeichen).", key
                )
            out[key] = text or None
    if not partial:
        for key in ("name", "kind", "status", "municipality_id"):
            if out.get(key) in (None, ""):
                raise ValidationError(
                    f"{key} missing", f"Bitte geben Sie „{FIELD_LABELS[key]}“ an.", field=key
                )
    return out


def _parse_ha(value: Any) -> float | None:
    try:
        number = parse_optional_number(value, field="net_area_ha")
    except NumberFormatError as error:
        raise ValidationError(
            str(error),
            f"„{echo(value)}“ ist keine Zahl (Nettofläche in ha, z. B. 12,5).",
            field="net_area_ha",
        ) from None
    if number is not None and number < 0:
        raise ValidationError(
            f"negative net area {number}", "Die Nettofläche darf nicht negativ sein.", "net_area_ha"
        )
    return number


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
        scope = _area_scope(principal)
        stmt = select(AreaPotential.id, AreaPotential.name, AreaPotential.geom).where(
            scope.clause(_AREA_MUNICIPALITY),
            AreaPotential.is_deleted.is_(False),
            *_bbox_conditions(bounds),
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


def _set_geometry(area: AreaPotential, check: GeometryCheck, metric_crs: str) -> None:
    area.geom = check.geometry
    area.area_ha = round(check.area_ha, 4)
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = web_bounds(check.geometry, metric_crs)


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


@contextmanager
def unit_of_work(session: Session) -> Iterator[None]:
    """Commit on success; roll back on any error; concurrent updates become ConflictError."""
    try:
        yield
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        log.warning("optimistic lock failed: %s", exc)
        raise ConflictError(str(exc)) from exc
    except BaseException:
        session.rollback()
        raise


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


def writable_area(session: Session, principal: Principal, area_id: int) -> AreaPotential:
    return load_in_scope(
        session,
        principal,
        AreaPotential,
        area_id,
        Permission.EDIT_AREAS,
        "Die Fläche wurde nicht gefunden.",
    )


@dataclass(frozen=True)
class AreaWriteResult:
    """Outcome of a write: the new version and German warnings (e.g. overlaps)."""

    area_id: int
    public_id: str
    version: int
    area_ha: float
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _result(area: AreaPotential, warnings: Sequence[str] = ()) -> AreaWriteResult:
    return AreaWriteResult(area.id, area.public_id, area.version, area.area_ha, tuple(warnings))


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
        municipality_id=values["municipality_id"],
        kind=values["kind"],
        name=values["name"],
        status=values["status"],
        net_area_ha=values.get("net_area_ha"),
        planning_status=values.get("planning_status"),
        ownership=values.get("ownership"),
        servicing=values.get("servicing", []),
        obstacles=values.get("obstacles", []),
        notes=values.get("notes", ""),
        geoportal_id=values.get("geoportal_id"),
        kwis_id=values.get("kwis_id"),
        source=source,
        last_confirmed_by="",
    )
    if confirmed is not None:
        area.last_confirmed_at, area.last_confirmed_by, area.last_confirmed_method = confirmed
    _set_geometry(area, check, config.metric_crs)
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
        _set_geometry(area, check, config.metric_crs)
    for key, value in values.items():
        setattr(area, key, value)
    if source is not None:
        area.source = source
    append_version(session, area, principal, action, reason)
    return check


# --------------------------------------------------------------------------- write use cases


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
    with unit_of_work(session):
        area, check = new_area(
            session, principal, attributes, geometry, source=source, reason=reason, config=config
        )
    log.info("area %s created by %s (%.2f ha)", area.id, principal.log_ref, area.area_ha)
    return _result(area, check.warnings)


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
    with unit_of_work(session):
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
    return _result(area, check.warnings if check else ())


def delete_area(
    session: Session, principal: Principal, area_id: int, expected_version: int, reason: str
) -> AreaWriteResult:
    """Soft-delete an area (history kept; :func:`restore_area` undoes it). Needs a reason."""
    if not reason.strip():
        raise ValidationError(
            "delete without reason", "Bitte geben Sie einen Grund für das Löschen an.", "reason"
        )
    with unit_of_work(session):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        if area.is_deleted:
            raise ValidationError(
                f"area {area_id} already deleted", "Die Fläche ist bereits gelöscht."
            )
        mark_deleted(session, principal, area, reason)
    log.info("area %s deleted by %s", area.id, principal.log_ref)
    return _result(area)


def mark_deleted(session: Session, principal: Principal, area: AreaPotential, reason: str) -> None:
    area.is_deleted = True
    area.deleted_at = utcnow()
    append_version(session, area, principal, "delete", reason.strip())


def restore_area(
    session: Session, principal: Principal, area_id: int, expected_version: int, reason: str = ""
) -> AreaWriteResult:
    """Undo a soft delete."""
    with unit_of_work(session):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        if not area.is_deleted:
            raise ValidationError(f"area {area_id} not deleted", "Die Fläche ist nicht gelöscht.")
        area.is_deleted = False
        area.deleted_at = None
        append_version(session, area, principal, "restore", reason.strip())
    log.info("area %s restored by %s", area.id, principal.log_ref)
    return _result(area)


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
    with unit_of_work(session):
        area = writable_area(session, principal, area_id)
        check_version(area, expected_version)
        mark_confirmed(session, principal, area, on or dt.date.today(), method, by, reason)
    return _result(area)


# --------------------------------------------------------------------------- history


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


def _version_visible(scope: Scope, version: AreaVersion) -> bool:
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
    _readable_area(session, principal, area_id)
    version = session.scalars(
        select(AreaVersion)
        .where(AreaVersion.area_id == area_id, AreaVersion.valid_from <= _aware(when))
        .order_by(AreaVersion.version.desc())
        .limit(1)
    ).first()
    if version is None or not _version_visible(_area_scope(principal), version):
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
    with unit_of_work(session):
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
        attrs = old.attributes
        authz.require(principal, Permission.EDIT_AREAS, int(attrs["municipality_id"]))
        area.name = attrs["name"]
        area.municipality_id = int(attrs["municipality_id"])
        area.kind = AreaKind(attrs["kind"])
        area.status = AreaStatus(attrs["status"])
        area.net_area_ha = attrs.get("net_area_ha")
        area.planning_status = (
            PlanningStatus(attrs["planning_status"]) if attrs.get("planning_status") else None
        )
        area.ownership = Ownership(attrs["ownership"]) if attrs.get("ownership") else None
        area.servicing = list(attrs.get("servicing") or [])
        area.obstacles = list(attrs.get("obstacles") or [])
        area.notes = attrs.get("notes") or ""
        area.geoportal_id = attrs.get("geoportal_id")
        area.kwis_id = attrs.get("kwis_id")
        area.is_deleted = bool(attrs.get("is_deleted"))
        area.deleted_at = utcnow() if area.is_deleted else None
        area.geom = old.geom
        area.area_ha = float(attrs.get("area_ha") or area_ha(old.geom, config.metric_crs))
        area.min_lon, area.min_lat, area.max_lon, area.max_lat = web_bounds(
            old.geom, config.metric_crs
        )
        append_version(
            session,
            area,
            principal,
            "revert",
            reason.strip() or f"Stand von Version {version} wiederhergestellt",
        )
    return _result(area)


__all__ = [
    "ACTION_LABELS",
    "EDITABLE_FIELDS",
    "FIELD_LABELS",
    "AccessDeniedError",
    "AreaDetail",
    "AreaFilter",
    "AreaListItem",
    "AreaListResult",
    "AreaSnapshot",
    "AreaVersionInfo",
    "AreaWriteResult",
    "AttributeRow",
    "check_geometry",
    "confirm_area",
    "create_area",
    "delete_area",
    "get_area",
    "get_area_as_of",
    "list_areas",
    "list_areas_as_of",
    "load_in_scope",
    "normalize_attributes",
    "restore_area",
    "restore_version",
    "update_area",
]
