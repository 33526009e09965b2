"""Indicator map lens: the overview's choropleth as the principal sees it (snapshot data).

Values come from :func:`maps.get_choropleth_values` (foreign values of non-public
indicators are ``None`` = "keine Daten"); classes and colours from
:func:`layers.palettes.map_classes`, the rule of the screen map; the optional area layer
holds the stored geometries of :func:`areas.list_area_records` (scoped).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

import geopandas as gpd
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError, ValidationError
from cockpit.domain.parsing import parse_ags_list, parse_bbox, parse_enum_list, split_list
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaKind, AreaStatus
from cockpit.models import Municipality
from cockpit.services import areas, authz, maps
from cockpit.services.config import ServiceConfig
from cockpit.services.exports.provenance import (
    Extent,
    Provenance,
    WithMapProvenance,
    export_context,
    geometry_digest,
    hash_payload,
    outline_of,
)
from layers.classify import METHODS, Method
from layers.crs import WEB_CRS, transform_geometry
from layers.palettes import DEFAULT_PALETTE, PALETTES, MapClasses, map_classes

log = logging.getLogger(__name__)

LAYER_MUNICIPALITIES: Final = "gemeinden"
LAYER_DISTRICT: Final = "kreisgrenze"
LAYER_AREAS: Final = "flaechen"
LAYER_LABELS: Final = {
    LAYER_MUNICIPALITIES: "Gemeinden (Kennzahl)",
    LAYER_DISTRICT: "Kreisgrenze",
    LAYER_AREAS: "Flächenpotenziale",
}
DEFAULT_LAYERS: Final = (LAYER_MUNICIPALITIES, LAYER_DISTRICT)
DEFAULT_CLASSES: Final = 5


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class SnapshotParams:
    """Everything that determines a map snapshot (what the user looks at).

    ``bbox`` is the visible map extent (min lon, min lat, max lon, max lat, EPSG:4326);
    ``municipalities`` an optional AGS filter (only these are drawn); ``area_kinds`` /
    ``area_statuses`` filter the area layer. Unknown or malformed values raise
    :class:`ValidationError` in :meth:`from_mapping` (they come from URLs and the CLI).
    """

    indicator: str
    year: int
    method: Method = "quantiles"
    classes: int = DEFAULT_CLASSES
    palette: str = DEFAULT_PALETTE
    layers: tuple[str, ...] = DEFAULT_LAYERS
    municipalities: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    area_kinds: tuple[str, ...] = ()
    area_statuses: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["layers"] = list(self.layers)
        data["municipalities"] = list(self.municipalities)
        data["bbox"] = list(self.bbox) if self.bbox else None
        data["area_kinds"] = list(self.area_kinds)
        data["area_statuses"] = list(self.area_statuses)
        return data

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SnapshotParams:
        """Parse untrusted parameters (URL query, CLI options, a recorded manifest)."""
        indicator = str(raw.get("indicator") or "").strip()
        if not indicator:
            raise ValidationError(
                "snapshot without indicator", "Bitte geben Sie eine Kennzahl an.", "indicator"
            )
        municipalities = parse_ags_list(raw.get("municipalities"))
        return cls(
            indicator=indicator,
            year=_parse_int(raw.get("year"), "year", "Bitte geben Sie ein gültiges Jahr an."),
            method=_parse_method(raw.get("method")),
            classes=_parse_classes(raw.get("classes")),
            palette=_parse_palette(raw.get("palette")),
            layers=_parse_layers(raw.get("layers")),
            municipalities=tuple(sorted(set(municipalities))),
            bbox=parse_bbox(raw.get("bbox")),
            area_kinds=_enum_values(raw.get("area_kinds"), AreaKind, "area_kinds"),
            area_statuses=_enum_values(raw.get("area_statuses"), AreaStatus, "area_statuses"),
        )


def _parse_int(raw: object, name: str, message: str) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError) as error:
        raise ValidationError(f"bad {name} {raw!r}", message, name) from error


def _parse_method(raw: object) -> Method:
    method = str(raw or "quantiles")
    if method not in METHODS:
        raise ValidationError(
            f"unknown method {method!r}", f"Unbekannte Klassenbildung „{method}“.", "method"
        )
    return method  # type: ignore[return-value]  # checked against METHODS


def _parse_classes(raw: object) -> int:
    message = "Bitte geben Sie 1 bis 9 Klassen an."
    classes = _parse_int(raw or DEFAULT_CLASSES, "classes", message)
    if not 1 <= classes <= 9:
        raise ValidationError(f"classes={classes}", message, "classes")
    return classes


def _parse_palette(raw: object) -> str:
    palette = str(raw or DEFAULT_PALETTE)
    if palette not in PALETTES:
        raise ValidationError(
            f"unknown palette {palette!r}", f"Unbekannte Farbpalette „{palette}“.", "palette"
        )
    return palette


def _parse_layers(raw: object) -> tuple[str, ...]:
    layers = tuple(split_list(raw)) or DEFAULT_LAYERS
    unknown = [name for name in layers if name not in LAYER_LABELS]
    if unknown:
        raise ValidationError(
            f"unknown layers {unknown}",
            f"Unbekannte Kartenebene „{unknown[0]}“. Möglich: {', '.join(LAYER_LABELS)}.",
            "layers",
        )
    if LAYER_MUNICIPALITIES not in layers:
        layers = (LAYER_MUNICIPALITIES, *layers)
    return tuple(dict.fromkeys(layers))


def _enum_values(raw: object, enum_cls: type[AreaKind | AreaStatus], name: str) -> tuple[str, ...]:
    return tuple(sorted({m.value for m in parse_enum_list(raw, enum_cls, field=name)}))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LegendItem:
    colour: str
    lower: float
    upper: float
    count: int


@dataclass(frozen=True)
class SnapshotData(WithMapProvenance):
    """Authorized content of a map snapshot.

    ``frame``: one row per drawn municipality with columns ``ags``, ``name``, ``value``
    (as displayed, rounded; ``None`` = no data or not visible), ``class_index`` (-1 = no
    data), ``colour`` and the geometry in the metric CRS. ``areas``: area potentials of the
    area layer (columns ``name``, ``kind``, ``kind_label``, ``status_label``), or ``None``.
    The provenance's outline is set only with the district layer.
    """

    params: SnapshotParams
    indicator: maps.IndicatorInfo
    frame: gpd.GeoDataFrame
    classes: MapClasses
    legend: tuple[LegendItem, ...]
    no_data_count: int
    areas: gpd.GeoDataFrame | None
    full_scope: bool
    provenance: Provenance


def get_snapshot_data(
    session: Session,
    principal: Principal,
    params: SnapshotParams,
    *,
    config: ServiceConfig,
) -> SnapshotData:
    """The map of ``params`` as the principal sees it, with geometry in ``metric_crs``.

    The area layer holds the STORED geometries of :func:`areas.list_area_records`
    (scoped), never the browser's simplified or clustered map. Raises
    :class:`AccessDeniedError` without export permission, :class:`NotFoundError` for an
    unknown indicator or AGS and :class:`ValidationError` for a year without values or an
    extent outside the map.
    """
    context = export_context(session, principal, config)
    data = maps.get_choropleth_values(session, principal, params.indicator, params.year)
    if data.count_with_data == 0:
        raise ValidationError(
            f"no visible values for {params.indicator} {params.year}",
            f"Für „{data.indicator.label}“ liegen im Jahr {params.year} keine Werte vor, "
            "die Sie sehen dürfen.",
            "year",
        )
    classes = map_classes(
        data.values, data.indicator.decimals, params.method, params.classes, params.palette
    )
    boundaries: dict[str, BaseGeometry] = dict(
        session.execute(select(Municipality.ags, Municipality.boundary)).all()
    )
    frame = _municipality_frame(data, classes, boundaries, params, config.metric_crs)
    area_frame: gpd.GeoDataFrame | None = None
    area_keys: list[tuple[int, int]] = []
    if LAYER_AREAS in params.layers:
        area_frame, area_keys = _area_layer(session, principal, params, config)
    data_hash = hash_payload(
        {
            "indicator": params.indicator,
            "year": params.year,
            "values": [[a, v] for a, v in zip(frame["ags"], frame["value"], strict=True)],
            "geometry": geometry_digest(
                (str(a), g) for a, g in zip(frame["ags"], frame.geometry, strict=True)
            ),
            "areas": area_keys,
        }
    )
    log.info(
        "snapshot data: user=%s indicator=%s year=%s municipalities=%d hash=%s",
        principal.log_ref,
        params.indicator,
        params.year,
        len(frame),
        data_hash[:12],
    )
    return SnapshotData(
        params=params,
        indicator=data.indicator,
        frame=frame,
        classes=classes,
        legend=legend_items(classes),
        no_data_count=int(sum(1 for v in frame["value"] if v is None or v != v)),
        areas=area_frame,
        full_scope=data.full_scope,
        provenance=context.provenance(
            sources=_indicator_sources(data.indicator),
            is_demo=data.is_demo or bool(area_frame is not None and area_frame["is_demo"].any()),
            data_hash=data_hash,
            extent=_extent(frame, params.bbox, config.metric_crs),
            outline=outline_of(boundaries.values()) if LAYER_DISTRICT in params.layers else None,
        ),
    )


def _municipality_frame(
    data: maps.ChoroplethData,
    classes: MapClasses,
    boundaries: Mapping[str, BaseGeometry],
    params: SnapshotParams,
    metric_crs: str,
) -> gpd.GeoDataFrame:
    wanted = set(params.municipalities)
    unknown = wanted - set(data.ags)
    if unknown:
        raise NotFoundError(
            f"unknown AGS {sorted(unknown)}",
            f"Die Gemeinde mit dem Schlüssel {sorted(unknown)[0]} ist nicht erfasst.",
        )
    rows = [
        (ags, name, value, index, colour)
        for ags, name, value, index, colour in zip(
            data.ags,
            data.names,
            classes.values,
            classes.classification.class_index,
            classes.colours,
            strict=True,
        )
        if not wanted or ags in wanted
    ]
    return gpd.GeoDataFrame(
        {
            "ags": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "class_index": [r[3] for r in rows],
            "colour": [r[4] for r in rows],
        },
        geometry=[boundaries.get(r[0]) for r in rows],
        crs=metric_crs,
    )


def legend_items(classes: MapClasses) -> tuple[LegendItem, ...]:
    """One legend entry per non-empty class: colour, smallest and largest value, count."""
    pairs = list(zip(classes.values, classes.classification.class_index, strict=True))
    items = []
    for i, count in enumerate(classes.classification.counts):
        if count:
            values = [v for v, c in pairs if c == i and v is not None]
            items.append(LegendItem(classes.class_colours[i], min(values), max(values), count))
    return tuple(items)


def _indicator_sources(info: maps.IndicatorInfo) -> list[str]:
    if not info.source:
        return []
    return [f"{info.label}: {info.source}" + (f", {info.licence}" if info.licence else "")]


def _extent(
    frame: gpd.GeoDataFrame, bbox: tuple[float, float, float, float] | None, metric_crs: str
) -> Extent:
    min_x, min_y, max_x, max_y = (float(v) for v in frame.total_bounds)
    if bbox is None:
        return min_x, min_y, max_x, max_y
    wanted = transform_geometry(box(*bbox), WEB_CRS, metric_crs)
    if not wanted.intersects(box(min_x, min_y, max_x, max_y)):
        raise ValidationError(
            f"bbox {bbox} outside the data",
            "Der gewählte Kartenausschnitt enthält keine Gemeinde des Landkreises.",
            "bbox",
        )
    left, bottom, right, top = (float(v) for v in wanted.bounds)
    return left, bottom, right, top


def _area_municipalities(
    session: Session, principal: Principal, params: SnapshotParams
) -> tuple[int, ...] | None:
    """The municipality ids of the area layer; ``None`` = the principal sees no areas."""
    ids: tuple[int, ...] = ()
    if params.municipalities:
        ids = tuple(
            session.scalars(
                select(Municipality.id).where(Municipality.ags.in_(params.municipalities))
            )
        )
    scope = authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)
    if scope.is_empty:
        return None
    if scope.all_municipalities:
        return ids
    # A Kommune user sees only the own areas; foreign municipalities are left out.
    own = tuple(i for i in ids if scope.allows(i))
    if ids and not own:
        return None
    return own or tuple(sorted(scope.municipality_ids))


def _area_layer(
    session: Session,
    principal: Principal,
    params: SnapshotParams,
    config: ServiceConfig,
) -> tuple[gpd.GeoDataFrame, list[tuple[int, int]]]:
    ids = _area_municipalities(session, principal, params)
    records: list[areas.AreaRecord] = []
    if ids is not None:
        records = areas.list_area_records(
            session,
            principal,
            areas.AreaFilter(
                kinds=tuple(AreaKind(k) for k in params.area_kinds),
                statuses=tuple(AreaStatus(s) for s in params.area_statuses),
                municipality_ids=ids,
            ),
            config=config,
        )
    records = [r for r in records if r.geometry is not None]
    items = [r.item for r in records]
    frame = gpd.GeoDataFrame(
        {
            "public_id": [i.public_id for i in items],
            "name": [i.name for i in items],
            "kind": [i.kind.value for i in items],
            "kind_label": [i.kind_label for i in items],
            "status_label": [i.status_label for i in items],
            "is_demo": [i.is_demo for i in items],
        },
        geometry=[r.geometry for r in records],
        crs=config.metric_crs,
    )
    return frame, sorted((i.id, i.version) for i in items)
