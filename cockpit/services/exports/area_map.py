"""Area lens (Flächen page): the filtered area list as table, layer and map snapshot.

The areas come only from :func:`areas.list_area_records` (scope ``VIEW_CONFIDENTIAL``: a
Kommune user gets the own areas; a foreign AGS or ``include_deleted`` without
``EDIT_AREAS`` raises :class:`AccessDeniedError`) with their stored, unsimplified geometry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import geopandas as gpd
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaKind
from cockpit.services import areas, authz
from cockpit.services.config import ServiceConfig
from cockpit.services.exports.area_filter import area_filter_params, area_filter_text
from cockpit.services.exports.outlines import load_outlines
from cockpit.services.exports.provenance import (
    ExportContext,
    Extent,
    Provenance,
    WithMapProvenance,
    bounds_of,
    export_context,
    geometry_digest,
    hash_payload,
)
from cockpit.services.exports.tables import Column, TableData, make_table, table_hash
from layers.palettes import AREA_BASE_FILL, AREA_KIND_COLOURS

log = logging.getLogger(__name__)

LAYER_AREA_NAME: Final = "flaechenpotenziale"
AREA_LENS: Final = "flaechen"
AREA_MAP_MARGIN_M: Final = 1500.0  # at least this much around the filtered areas
AREA_MAP_MARGIN_SHARE: Final = 0.08  # ... or this share of their extent
AREA_COLUMNS: Final = (
    Column("public_id", "Kennung"),
    Column("name", "Bezeichnung"),
    Column("ags", "Gemeindeschlüssel (AGS)"),
    Column("municipality", "Gemeinde"),
    Column("kind", "Art"),
    Column("status", "Vermarktungsstand"),
    Column("area_ha", "Bruttofläche", "float", "ha", 2),
    Column("confirmed", "Zuletzt bestätigt", "date"),
    Column("stale", "Bestätigung veraltet", "bool"),
    Column("source", "Herkunft"),
)


# --------------------------------------------------------------------------- table, layer


def get_area_table(
    session: Session,
    principal: Principal,
    filters: areas.AreaFilter | None = None,
    *,
    config: ServiceConfig,
) -> TableData:
    """The area list (Flächenpotenziale) the principal may see, with the given filters.

    Exactly the areas of :func:`areas.list_areas` for ``filters`` (all of them, not one
    table page); the record's parameters are :func:`area_filter_params`.
    """
    context = export_context(session, principal, config)
    records = areas.list_area_records(session, principal, filters, config=config)
    return _area_table(session, context, filters, records)


def _area_rows(records: Sequence[areas.AreaRecord]) -> tuple[tuple[Any, ...], ...]:
    return tuple(
        (
            a.public_id,
            a.name,
            a.municipality_ags,
            a.municipality_name,
            a.kind_label,
            a.status_label,
            a.area_ha,
            a.last_confirmed_at,
            a.stale,
            a.source_label,
        )
        for a in (r.item for r in records)
    )


def _area_table(
    session: Session,
    context: ExportContext,
    filters: areas.AreaFilter | None,
    records: Sequence[areas.AreaRecord],
    *,
    data_hash: str | None = None,
) -> TableData:
    return make_table(
        context,
        LAYER_AREA_NAME,
        "Flächenpotenziale",
        AREA_COLUMNS,
        _area_rows(records),
        is_demo=any(r.item.is_demo for r in records),
        params=area_filter_params(session, filters),
        data_hash=data_hash,
    )


def get_area_layer(
    session: Session,
    principal: Principal,
    filters: areas.AreaFilter | None = None,
    *,
    config: ServiceConfig,
) -> tuple[gpd.GeoDataFrame, TableData]:
    """The filtered area list as a layer: the rows of :func:`get_area_table` with their
    stored (unsimplified) geometry in ``metric_crs``; the data hash covers the geometries."""
    context = export_context(session, principal, config)
    return _area_layer(session, principal, context, filters, config)


def _area_layer(
    session: Session,
    principal: Principal,
    context: ExportContext,
    filters: areas.AreaFilter | None,
    config: ServiceConfig,
) -> tuple[gpd.GeoDataFrame, TableData]:
    records = [
        r
        for r in areas.list_area_records(session, principal, filters, config=config)
        if r.geometry is not None
    ]
    rows = _area_rows(records)
    digest = geometry_digest((r.item.public_id, r.geometry) for r in records)
    data_hash = hash_payload([table_hash(LAYER_AREA_NAME, AREA_COLUMNS, rows), digest])
    table = _area_table(session, context, filters, records, data_hash=data_hash)
    data: dict[str, list[Any]] = {
        column.key: [row[i] for row in table.rows] for i, column in enumerate(table.columns)
    }
    data["confirmed"] = [d.isoformat() if d else None for d in data["confirmed"]]
    frame = gpd.GeoDataFrame(data, geometry=[r.geometry for r in records], crs=config.metric_crs)
    return frame, table


# --------------------------------------------------------------------------- map


@dataclass(frozen=True)
class AreaLegendItem:
    kind: str
    label: str
    colour: str
    count: int  # filtered areas of this kind


@dataclass(frozen=True)
class AreaMapData(WithMapProvenance):
    """Authorized content of the Flächen map snapshot.

    ``frame``: the municipalities of the district (``ags``, ``name``, ``colour`` = the base
    fill, geometry in the metric CRS) — public outlines only, no values. ``areas``: exactly
    the rows of :func:`get_area_layer` for ``filters`` (``public_id``, ``name``, ``ags``,
    ``kind`` code, ``kind_label``, ``status``, geometry). Extent: the filtered areas with a
    margin, the whole district when nothing is filtered or nothing matches.
    """

    filters: areas.AreaFilter
    params: dict[str, Any]
    filter_text: str
    frame: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    legend: tuple[AreaLegendItem, ...]
    total_ha: float
    full_scope: bool
    provenance: Provenance


def _is_unfiltered(filters: areas.AreaFilter) -> bool:
    return replace(filters, bbox=None) == areas.AreaFilter()


def _area_extent(geometries: Sequence[BaseGeometry | None]) -> Extent | None:
    bounds = bounds_of(g for g in geometries if g is not None and not g.is_empty)
    if bounds is None:
        return None
    min_x, min_y, max_x, max_y = bounds
    margin = max(AREA_MAP_MARGIN_M, AREA_MAP_MARGIN_SHARE * max(max_x - min_x, max_y - min_y))
    return min_x - margin, min_y - margin, max_x + margin, max_y + margin


def _area_frame(layer: gpd.GeoDataFrame, metric_crs: str) -> gpd.GeoDataFrame:
    kinds_by_label = {k.label: k.value for k in AreaKind}
    return gpd.GeoDataFrame(
        {
            "public_id": [str(v) for v in layer["public_id"]],
            "name": list(layer["name"]),
            "ags": list(layer["ags"]),
            "kind": [kinds_by_label.get(str(label), "") for label in layer["kind"]],
            "kind_label": list(layer["kind"]),
            "status": list(layer["status"]),
            "area_ha": [float(v) for v in layer["area_ha"]],
        },
        geometry=list(layer.geometry),
        crs=metric_crs,
    )


def get_area_map_data(
    session: Session,
    principal: Principal,
    filters: areas.AreaFilter | None = None,
    *,
    config: ServiceConfig,
) -> AreaMapData:
    """The Flächen map as the principal sees it with ``filters`` (needs ``EXPORT_DATA``).

    The areas are exactly those of :func:`get_area_layer`, the outlines the public
    boundaries. The data hash covers the areas (rows + geometries, as the layer export)
    and the outlines.
    """
    filters = filters or areas.AreaFilter()
    context = export_context(session, principal, config)
    layer, table = _area_layer(session, principal, context, filters, config)
    area_frame = _area_frame(layer, config.metric_crs)
    shown_kinds = filters.kinds or tuple(AreaKind)
    legend = tuple(
        AreaLegendItem(
            kind.value,
            kind.label,
            AREA_KIND_COLOURS[kind.value],
            int((area_frame["kind"] == kind.value).sum()),
        )
        for kind in AreaKind
        if kind in shown_kinds
    )
    outlines = load_outlines(session)
    frame = outlines.frame(config.metric_crs, colour=[AREA_BASE_FILL] * len(outlines.ags))
    area_extent = None if _is_unfiltered(filters) else _area_extent(list(area_frame.geometry))
    data_hash = hash_payload([table.data_hash, outlines.digest])
    log.info(
        "area map data: user=%s areas=%d hash=%s",
        principal.log_ref,
        len(area_frame),
        data_hash[:12],
    )
    return AreaMapData(
        filters=filters,
        params={"lens": AREA_LENS, **table.params},
        filter_text=area_filter_text(session, filters),
        frame=frame,
        areas=area_frame,
        legend=legend,
        total_ha=float(sum(area_frame["area_ha"])),
        full_scope=authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL).all_municipalities,
        provenance=context.provenance(
            sources=table.sources,
            is_demo=table.is_demo,
            data_hash=data_hash,
            extent=area_extent or outlines.extent,
            outline=outlines.outline,
        ),
    )
