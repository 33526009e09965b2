"""THE producer of the browser's area map: :func:`list_areas` (table page + map GeoJSON).

The GeoJSON here is simplified for the screen and, above :data:`MAX_MAP_FEATURES` matches
or the payload budget, clustered into grid cells. Files and prints never use it: they read
:func:`cockpit.services.areas.queries.list_area_records` (stored geometry). An
import-linter contract and ``tests/services/test_areas_package.py`` keep ``cockpit.exports``
and the export service away from this module.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session

from cockpit.domain.formatting import format_ha, format_number
from cockpit.domain.roles import Principal
from cockpit.models import AreaPotential, Municipality
from cockpit.services.areas.queries import (
    ITEM_COLUMNS,
    AreaFilter,
    AreaListItem,
    BBox,
    authorized_conditions,
    bbox_conditions,
    is_stale,
    list_item,
    stale_condition,
)
from cockpit.services.config import ServiceConfig
from layers.area_geometry import to_web_geometries

MAX_MAP_FEATURES = 1200
MAP_BUDGET_BYTES = 500_000
CLUSTER_GRID = 40
DISTRICT_CELL_DEG = 0.02  # cluster cell of the whole-scope view (~1.4 × 2.2 km at 51° N)
INDEXED_ORDER_MIN = 2000
TOO_MANY_HINT = (
    "Zu viele Flächen für die Kartenansicht ({count}); angezeigt werden Gruppen. "
    "Bitte Ausschnitt verkleinern oder Filter setzen."
)

Conditions = list[ColumnElement[bool]]


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
    bounds: BBox | None = None


@dataclass(frozen=True)
class _Totals:
    total: int
    total_area: float
    stale_count: int
    bounds: BBox | None
    cells: list[Any] | None  # the district-cell clusters of a view without bbox


def _totals(
    session: Session, conds: Conditions, bbox: BBox | None, stale: ColumnElement[bool]
) -> _Totals:
    if bbox is None:
        # One scan gives the totals, the extent and the map clusters of the whole view.
        cells = _cell_rows(session, conds, DISTRICT_CELL_DEG, stale, with_bounds=True)
        bounds = (
            (
                min(float(c[7]) for c in cells),
                min(float(c[8]) for c in cells),
                max(float(c[9]) for c in cells),
                max(float(c[10]) for c in cells),
            )
            if cells
            else None
        )
        return _Totals(
            total=sum(int(c[2]) for c in cells),
            total_area=sum(float(c[3] or 0.0) for c in cells),
            stale_count=sum(int(c[6] or 0) for c in cells),
            bounds=bounds,
            cells=cells,
        )
    return _bbox_totals(session, conds, stale)


def _bbox_totals(session: Session, conds: Conditions, stale: ColumnElement[bool]) -> _Totals:
    total, total_area, stale_count, *extent = session.execute(
        select(
            func.count(AreaPotential.id),
            func.coalesce(func.sum(AreaPotential.area_ha), 0.0),
            func.coalesce(func.sum(cast(stale, Integer)), 0),
            func.min(AreaPotential.min_lon),
            func.min(AreaPotential.min_lat),
            func.max(AreaPotential.max_lon),
            func.max(AreaPotential.max_lat),
        ).where(*conds)
    ).one()
    bounds = None
    if int(total) and None not in extent:
        west, south, east, north = (float(v) for v in extent)
        bounds = (west, south, east, north)
    return _Totals(int(total), float(total_area), int(stale_count), bounds, cells=None)


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
    conds = authorized_conditions(principal, filters, today, config.stale_after_days)
    totals = _totals(session, conds, filters.bbox, stale_condition(today, config.stale_after_days))
    items_stmt = (
        select(*ITEM_COLUMNS)
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(*conds)
        .order_by(AreaPotential.name, AreaPotential.id)
        .offset(max(offset, 0))
        .limit(max(limit, 0))
    )
    if totals.total > INDEXED_ORDER_MIN:
        # Many matches: walking the name index stops after one page; sorting them all
        # (SQLite's default plan) costs a full scan. PostgreSQL plans this by itself.
        items_stmt = items_stmt.with_hint(
            AreaPotential, "INDEXED BY ix_area_potential_name", "sqlite"
        )
    items = [list_item(r, today, config.stale_after_days) for r in session.execute(items_stmt)]
    geojson, map_count, clustered = _map_view(
        session, conds, filters.bbox, totals, max_map_features, today=today, config=config
    )
    return AreaListResult(
        items=items,
        total=totals.total,
        total_area_ha=totals.total_area,
        stale_count=totals.stale_count,
        offset=offset,
        limit=limit,
        geojson=geojson,
        map_feature_count=map_count,
        clustered=clustered,
        hint=TOO_MANY_HINT.format(count=format_number(map_count)) if clustered else "",
        stale_after_days=config.stale_after_days,
        today=today,
        bounds=totals.bounds,
    )


def _map_view(
    session: Session,
    conds: Conditions,
    bbox: BBox | None,
    totals: _Totals,
    max_features: int,
    *,
    today: dt.date,
    config: ServiceConfig,
) -> tuple[dict[str, Any], int, bool]:
    map_conds = list(conds) + (bbox_conditions(bbox) if bbox else [])
    if bbox is None:
        count = totals.total
        cells = totals.cells or []
        lons = [float(c[4]) for c in cells] or [0.0]
        lats = [float(c[5]) for c in cells] or [0.0]
        view = (min(lons), min(lats), max(lons), max(lats))
        if count > max_features:
            return _cluster_collection(cells), count, True
    else:
        count = int(session.scalar(select(func.count(AreaPotential.id)).where(*map_conds)) or 0)
        view = bbox
        if count > max_features:
            return _cluster_view(session, map_conds, view), count, True
    collection = _feature_collection(session, map_conds, bbox, today=today, config=config)
    if len(json.dumps(collection, separators=(",", ":"))) > MAP_BUDGET_BYTES:
        # Detailed shapes would exceed the payload budget: aggregate on a finer grid.
        return _cluster_view(session, map_conds, view, grid=200), count, True
    return collection, count, False


def _feature_collection(
    session: Session,
    map_conds: Conditions,
    bbox: BBox | None,
    *,
    today: dt.date,
    config: ServiceConfig,
) -> dict[str, Any]:
    rows = session.execute(
        select(
            AreaPotential.id,
            AreaPotential.name,
            AreaPotential.kind,
            AreaPotential.status,
            AreaPotential.area_ha,
            AreaPotential.last_confirmed_at,
            AreaPotential.geom,
        )
        .where(*map_conds)
        .order_by(AreaPotential.id)
    ).all()
    width_deg = (bbox[2] - bbox[0]) if bbox else 1.2
    # ~1 px at a 1500 px wide map: invisible, but removes most vertices of detailed shapes.
    tolerance_m = max(0.5, width_deg * 70_000 / 1500)
    geometries = to_web_geometries(
        [r[6] for r in rows], metric_crs=config.metric_crs, tolerance_m=tolerance_m
    )
    features = [
        {
            "type": "Feature",
            "id": r[0],
            "geometry": geometry,
            # Lean properties (payload budget); labels come from cockpit.domain.vocab.
            "properties": {
                "id": r[0],
                "name": r[1],
                "kind": r[2].value,
                "status": r[3].value,
                "status_label": r[3].label,
                "area_ha": round(r[4], 2),
                "stale": is_stale(r[5], today, config.stale_after_days),
            },
        }
        for r, geometry in zip(rows, geometries, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _cluster_view(
    session: Session,
    conds: Conditions,
    view: BBox,
    grid: int = CLUSTER_GRID,
) -> dict[str, Any]:
    """Aggregate the matching areas into grid cells over ``view`` (bbox centres; the
    covering index answers this without reading geometries)."""
    west, south, east, north = view
    cell = max((east - west) / grid, (north - south) / grid, 1e-6)
    return _cluster_collection(_cell_rows(session, conds, cell))


def _cell_rows(
    session: Session,
    conds: Conditions,
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
