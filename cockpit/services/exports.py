"""Exports: authorization and data gathering for map snapshots, Steckbriefe and tables.

Every function first checks that the principal may export at all
(:data:`Permission.EXPORT_DATA` for at least one municipality) and then reads the data
ONLY through the services that authorize themselves (:mod:`cockpit.services.maps`,
:mod:`~cockpit.services.profile`, :mod:`~cockpit.services.kenndaten`,
:mod:`~cockpit.services.areas`). So an export never holds a value the principal could not
see on screen: a Kommune user's export of a foreign municipality has public data only.

Results carry a ``data_hash`` (SHA-256 over the exported values and geometries) that goes
into the file metadata and the audit log, so a later export of the same parameters can
prove it used the same data. Rendering lives in :mod:`cockpit.exports`; this module knows
no files, Flask or matplotlib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final, Literal, cast

import geopandas as gpd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError, NotFoundError, ValidationError
from cockpit.domain.formatting import format_ha
from cockpit.domain.parsing import (
    NumberFormatError,
    parse_ags_list,
    parse_bbox,
    parse_enum_list,
    parse_optional_number,
    split_list,
)
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaKind, AreaSource, AreaStatus, FocusKind
from cockpit.models import Municipality
from cockpit.services import areas, audit, authz, kenndaten, maps, profile
from cockpit.services.config import ServiceConfig
from layers.classify import METHODS, Method
from layers.crs import WEB_CRS, transform_geometry
from layers.palettes import (
    AREA_BASE_FILL,
    AREA_KIND_COLOURS,
    DEFAULT_PALETTE,
    FOCUS_CATEGORIES,
    FOCUS_CURRENT,
    FOCUS_FUTURE,
    PALETTES,
    MapClasses,
    map_classes,
)

log = logging.getLogger(__name__)

EXPORT = audit.EXPORT  # audit action
BOUNDARY_ATTRIBUTION: Final = maps.BOUNDARY_ATTRIBUTION
DEMO_NOTE: Final = "Demo-Daten"
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
        year = _parse_int(raw.get("year"), "year", "Bitte geben Sie ein gültiges Jahr an.")
        method = str(raw.get("method") or "quantiles")
        if method not in METHODS:
            raise ValidationError(
                f"unknown method {method!r}",
                f"Unbekannte Klassenbildung „{method}“.",
                "method",
            )
        classes = _parse_int(
            raw.get("classes") or DEFAULT_CLASSES, "classes", "Bitte geben Sie 1 bis 9 Klassen an."
        )
        if not 1 <= classes <= 9:
            raise ValidationError(
                f"classes={classes}", "Bitte geben Sie 1 bis 9 Klassen an.", "classes"
            )
        palette = str(raw.get("palette") or DEFAULT_PALETTE)
        if palette not in PALETTES:
            raise ValidationError(
                f"unknown palette {palette!r}", f"Unbekannte Farbpalette „{palette}“.", "palette"
            )
        layers = tuple(split_list(raw.get("layers"))) or DEFAULT_LAYERS
        unknown = [name for name in layers if name not in LAYER_LABELS]
        if unknown:
            raise ValidationError(
                f"unknown layers {unknown}",
                f"Unbekannte Kartenebene „{unknown[0]}“. Möglich: {', '.join(LAYER_LABELS)}.",
                "layers",
            )
        if LAYER_MUNICIPALITIES not in layers:
            layers = (LAYER_MUNICIPALITIES, *layers)
        municipalities = parse_ags_list(raw.get("municipalities"))
        kinds = _enum_values(raw.get("area_kinds"), AreaKind, "area_kinds")
        statuses = _enum_values(raw.get("area_statuses"), AreaStatus, "area_statuses")
        return cls(
            indicator=indicator,
            year=year,
            method=method,  # type: ignore[arg-type]  # checked against METHODS
            classes=classes,
            palette=palette,
            layers=tuple(dict.fromkeys(layers)),
            municipalities=tuple(sorted(set(municipalities))),
            bbox=parse_bbox(raw.get("bbox")),
            area_kinds=kinds,
            area_statuses=statuses,
        )


def _parse_int(raw: object, name: str, message: str) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError) as error:
        raise ValidationError(f"bad {name} {raw!r}", message, name) from error


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
class SnapshotData:
    """Authorized content of a map snapshot.

    ``frame``: one row per drawn municipality with columns ``ags``, ``name``, ``value``
    (as displayed, rounded; ``None`` = no data or not visible), ``class_index`` (-1 = no
    data), ``colour`` and the geometry in ``metric_crs``. ``areas``: area potentials of the
    area layer (columns ``name``, ``kind``, ``kind_label``, ``status_label``), or ``None``.
    """

    params: SnapshotParams
    indicator: maps.IndicatorInfo
    frame: gpd.GeoDataFrame
    classes: MapClasses
    legend: tuple[LegendItem, ...]
    no_data_count: int
    extent: tuple[float, float, float, float]  # metric CRS
    district_outline: BaseGeometry | None
    areas: gpd.GeoDataFrame | None
    district_name: str
    scope_text: str
    full_scope: bool
    is_demo: bool
    sources: tuple[str, ...]
    data_hash: str
    metric_crs: str


def _require_export(principal: Principal) -> authz.Scope:
    scope = authz.scope_for(principal, Permission.EXPORT_DATA)
    if scope.is_empty:
        log.warning("export denied: user=%s role=%s", principal.log_ref, principal.role.value)
        raise AccessDeniedError(
            f"{principal.log_ref} may not export",
            "Sie haben keine Berechtigung für Exporte.",
        )
    return scope


def _scope_text(session: Session, principal: Principal, district_name: str) -> str:
    """The extract line of every export: whose data the principal sees."""
    if (
        principal.is_district
        or authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL).all_municipalities
    ):
        return district_name
    names = [
        f"{m.kind.label} {m.name}"
        for m in session.scalars(
            select(Municipality)
            .where(Municipality.id.in_(sorted(principal.municipality_ids)))
            .order_by(Municipality.name)
        )
    ]
    return "Auszug für: " + (", ".join(names) if names else "keine Kommune zugeordnet")


def hash_payload(payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _geometry_digest(items: Iterable[tuple[str, BaseGeometry | None]]) -> str:
    digest = hashlib.sha256()
    for key, geometry in items:
        digest.update(key.encode())
        if geometry is not None:
            digest.update(shapely.to_wkb(geometry, hex=False))
    return digest.hexdigest()


def _district_name(session: Session, principal: Principal, district_ags: str) -> str:
    return maps.get_district_name(session, principal, district_ags) or "Landkreis"


def _indicator_sources(info: maps.IndicatorInfo) -> list[str]:
    parts = []
    if info.source:
        parts.append(f"{info.label}: {info.source}" + (f", {info.licence}" if info.licence else ""))
    return parts


def get_snapshot_data(
    session: Session,
    principal: Principal,
    params: SnapshotParams,
    *,
    config: ServiceConfig,
) -> SnapshotData:
    """The map of ``params`` as the principal sees it, with geometry in ``metric_crs``.

    Values come from :func:`maps.get_choropleth_values` (foreign values of non-public
    indicators are ``None`` = "keine Daten"); classes and colours from
    :func:`layers.palettes.map_classes`, the rule of the screen map. The area layer holds
    the STORED geometries of :func:`areas.list_area_records` (scoped), never the browser's
    simplified or clustered map. Raises :class:`AccessDeniedError` without
    export permission, :class:`NotFoundError` for an unknown indicator and
    :class:`ValidationError` for a year without values or an extent outside the map.
    """
    _require_export(principal)
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
    wanted = set(params.municipalities)
    unknown = wanted - set(data.ags)
    if unknown:
        raise NotFoundError(
            f"unknown AGS {sorted(unknown)}",
            f"Die Gemeinde mit dem Schlüssel {sorted(unknown)[0]} ist nicht erfasst.",
        )
    rows = [
        (ags, name, value, index, colour, boundaries.get(ags))
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
    frame = gpd.GeoDataFrame(
        {
            "ags": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "class_index": [r[3] for r in rows],
            "colour": [r[4] for r in rows],
        },
        geometry=[r[5] for r in rows],
        crs=config.metric_crs,
    )
    legend = tuple(
        LegendItem(
            classes.class_colours[i],
            min(
                v
                for v, c in zip(classes.values, classes.classification.class_index, strict=True)
                if c == i and v is not None
            ),
            max(
                v
                for v, c in zip(classes.values, classes.classification.class_index, strict=True)
                if c == i and v is not None
            ),
            count,
        )
        for i, count in enumerate(classes.classification.counts)
        if count
    )
    district_name = _district_name(session, principal, config.district_ags)
    outline: BaseGeometry | None = None
    if LAYER_DISTRICT in params.layers:
        geometries = [g for g in boundaries.values() if g is not None]
        outline = shapely.coverage_union_all(geometries) if geometries else None
    area_frame = None
    area_keys: list[tuple[int, int]] = []
    if LAYER_AREAS in params.layers:
        area_frame, area_keys = _area_layer(session, principal, params, config)
    extent = _extent(frame, params.bbox, config.metric_crs)
    sources = [BOUNDARY_ATTRIBUTION, *_indicator_sources(data.indicator)]
    is_demo = data.is_demo or bool(area_frame is not None and area_frame["is_demo"].any())
    values_payload = [[ags, value] for ags, value in zip(frame["ags"], frame["value"], strict=True)]
    data_hash = hash_payload(
        {
            "indicator": params.indicator,
            "year": params.year,
            "values": values_payload,
            "geometry": _geometry_digest(
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
        legend=legend,
        no_data_count=int(sum(1 for v in frame["value"] if v is None or v != v)),
        extent=extent,
        district_outline=outline,
        areas=area_frame,
        district_name=district_name,
        scope_text=_scope_text(session, principal, district_name),
        full_scope=data.full_scope,
        is_demo=is_demo,
        sources=tuple(sources),
        data_hash=data_hash,
        metric_crs=config.metric_crs,
    )


def _extent(
    frame: gpd.GeoDataFrame, bbox: tuple[float, float, float, float] | None, metric_crs: str
) -> tuple[float, float, float, float]:
    data_bounds = tuple(float(v) for v in frame.total_bounds)
    if bbox is None:
        return cast(tuple[float, float, float, float], data_bounds)
    wanted = transform_geometry(box(*bbox), WEB_CRS, metric_crs)
    if not wanted.intersects(box(*data_bounds)):
        raise ValidationError(
            f"bbox {bbox} outside the data",
            "Der gewählte Kartenausschnitt enthält keine Gemeinde des Landkreises.",
            "bbox",
        )
    min_x, min_y, max_x, max_y = (float(v) for v in wanted.bounds)
    return min_x, min_y, max_x, max_y


def _area_layer(
    session: Session,
    principal: Principal,
    params: SnapshotParams,
    config: ServiceConfig,
) -> tuple[gpd.GeoDataFrame, list[tuple[int, int]]]:
    ids: tuple[int, ...] = ()
    if params.municipalities:
        ids = tuple(
            session.scalars(
                select(Municipality.id).where(Municipality.ags.in_(params.municipalities))
            )
        )
    scope = authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)
    if scope.is_empty:
        return _empty_area_frame(config.metric_crs), []
    if not scope.all_municipalities:
        # A Kommune user sees only the own areas; foreign municipalities are left out.
        requested = bool(ids)
        ids = tuple(i for i in ids if scope.allows(i))
        if requested and not ids:
            return _empty_area_frame(config.metric_crs), []
        ids = ids or tuple(sorted(scope.municipality_ids))
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
    names = [i.name for i in items]
    kinds = [i.kind.value for i in items]
    labels = [i.kind_label for i in items]
    statuses = [i.status_label for i in items]
    demo = [i.is_demo for i in items]
    geometries = [r.geometry for r in records]
    keys = [(i.id, i.version) for i in items]
    frame = gpd.GeoDataFrame(
        {
            "public_id": [i.public_id for i in items],
            "name": names,
            "kind": kinds,
            "kind_label": labels,
            "status_label": statuses,
            "is_demo": demo,
        },
        geometry=geometries,
        crs=config.metric_crs,
    )
    return frame, sorted(keys)


def _empty_area_frame(metric_crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "public_id": [],
            "name": [],
            "kind": [],
            "kind_label": [],
            "status_label": [],
            "is_demo": [],
        },
        geometry=[],
        crs=metric_crs,
    )


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class NeighbourShape:
    ags: str
    name: str
    geometry: BaseGeometry  # metric CRS


@dataclass(frozen=True)
class ReportData:
    """Authorized content of one Steckbrief.

    ``kenndaten`` and ``area_list`` are ``None`` unless the principal may see the
    municipality's confidential data (``profile.full_access``).
    """

    profile: profile.MunicipalityProfile
    boundary: BaseGeometry  # metric CRS
    neighbours: tuple[NeighbourShape, ...]
    kenndaten: kenndaten.KenndatenView | None
    area_list: list[areas.AreaListItem] | None
    area_geometries: tuple[tuple[str, str, BaseGeometry], ...]  # (name, kind, metric geometry)
    district_name: str
    scope_text: str
    is_demo: bool
    sources: tuple[str, ...]
    data_hash: str
    metric_crs: str


def get_report_data(
    session: Session,
    principal: Principal,
    municipality_id: int,
    *,
    config: ServiceConfig,
) -> ReportData:
    """Everything of a Steckbrief the principal may see (public profile for everyone;
    Kenndaten and area potentials only with ``VIEW_CONFIDENTIAL`` for the municipality).
    """
    _require_export(principal)
    prof = profile.get_profile(session, principal, municipality_id, config=config)
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:  # get_profile raised already; keeps the type checker honest
        raise NotFoundError(f"municipality {municipality_id} not found")
    neighbours = tuple(
        NeighbourShape(ags, name, geometry)
        for ags, name, geometry in session.execute(
            select(Municipality.ags, Municipality.name, Municipality.boundary)
            .where(Municipality.district_id == municipality.district_id)
            .order_by(Municipality.ags)
        )
        if geometry is not None
    )
    view = None
    area_items = None
    area_geometries: tuple[tuple[str, str, BaseGeometry], ...] = ()
    if prof.full_access:
        view = kenndaten.list_kenndaten(session, principal, municipality_id)
        records = areas.list_area_records(
            session, principal, areas.AreaFilter(municipality_ids=(municipality_id,)), config=config
        )
        area_items = [r.item for r in records]
        area_geometries = tuple(
            (r.item.name, r.item.kind.value, r.geometry) for r in records if r.geometry is not None
        )
    district_name = _district_name(session, principal, config.district_ags)
    sources = [BOUNDARY_ATTRIBUTION]
    for kpi in prof.kpis:
        if kpi.source:
            line = kpi.source + (f", {kpi.licence}" if kpi.licence else "")
            if line not in sources:
                sources.append(line)
    is_demo = (
        any(k.is_demo for k in prof.kpis)
        or bool(view and any(i.is_demo for items in view.groups.values() for i in items))
        or bool(area_items and any(a.is_demo for a in area_items))
    )
    data_hash = hash_payload(
        {
            "municipality": prof.ags,
            "kpis": [[k.key, [list(p) for p in k.series]] for k in prof.kpis],
            "kenndaten": (
                {g: [[i.id, i.version] for i in items] for g, items in view.groups.items()}
                if view
                else None
            ),
            "areas": [[a.id, a.version] for a in area_items] if area_items else None,
            "geometry": _geometry_digest([(prof.ags, municipality.boundary)]),
        }
    )
    return ReportData(
        profile=prof,
        boundary=municipality.boundary,
        neighbours=neighbours,
        kenndaten=view,
        area_list=area_items,
        area_geometries=area_geometries,
        district_name=district_name,
        scope_text=_scope_text(session, principal, district_name),
        is_demo=is_demo,
        sources=tuple(sources),
        data_hash=data_hash,
        metric_crs=config.metric_crs,
    )


@dataclass(frozen=True)
class ReportTarget:
    id: int
    ags: str
    name: str


def list_report_targets(session: Session, principal: Principal) -> list[ReportTarget]:
    """All municipalities for a "Steckbriefe aller Gemeinden" run (district roles only)."""
    authz.require(principal, Permission.EXPORT_DATA)
    authz.require(principal, Permission.VIEW_CONFIDENTIAL)
    return [
        ReportTarget(mid, ags, name)
        for mid, ags, name in session.execute(
            select(Municipality.id, Municipality.ags, Municipality.name).order_by(Municipality.ags)
        )
    ]


# --------------------------------------------------------------------------- tables

ColumnKind = Literal["text", "int", "float", "money", "date", "bool"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # German header
    kind: ColumnKind = "text"
    unit: str = ""
    decimals: int = 0

    @property
    def header(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class TableData:
    """A table behind a map or chart, already filtered by the principal's permissions."""

    name: str  # file/sheet name, ASCII
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    sources: tuple[str, ...]
    scope_text: str
    is_demo: bool
    data_hash: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _table_hash(name: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> str:
    return hash_payload(
        {
            "table": name,
            "columns": [c.key for c in columns],
            "rows": [[_jsonable(v) for v in row] for row in rows],
        }
    )


def _table(
    name: str,
    title: str,
    columns: tuple[Column, ...],
    rows: Sequence[tuple[Any, ...]],
    *,
    sources: Sequence[str],
    scope_text: str,
    is_demo: bool,
    params: Mapping[str, Any],
) -> TableData:
    """A :class:`TableData` whose ``data_hash`` covers its name, columns and rows."""
    return TableData(
        name=name,
        title=title,
        columns=columns,
        rows=tuple(rows),
        sources=tuple(sources),
        scope_text=scope_text,
        is_demo=is_demo,
        data_hash=_table_hash(name, columns, rows),
        params=params,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def get_map_table(
    session: Session,
    principal: Principal,
    params: SnapshotParams,
    *,
    config: ServiceConfig,
) -> TableData:
    """The table behind the overview map and ranking: one row per municipality."""
    snap = get_snapshot_data(
        session,
        principal,
        SnapshotParams(
            indicator=params.indicator,
            year=params.year,
            method=params.method,
            classes=params.classes,
            palette=params.palette,
            layers=(LAYER_MUNICIPALITIES,),
            municipalities=params.municipalities,
        ),
        config=config,
    )
    info = snap.indicator
    kind: ColumnKind = "int" if info.decimals <= 0 else "float"
    columns = (
        Column("ags", "Gemeindeschlüssel (AGS)"),
        Column("name", "Gemeinde"),
        Column("year", "Jahr", "int"),
        Column("value", info.label, kind, info.unit, max(info.decimals, 0)),
        Column("class", "Klasse", "int"),
        Column("class_range", "Klassengrenzen"),
        Column("colour", "Farbe (Karte)"),
    )
    ranges = {i: (item.lower, item.upper) for i, item in enumerate(snap.legend)}
    class_position = {
        c: position
        for position, c in enumerate(
            i for i, count in enumerate(snap.classes.classification.counts) if count
        )
    }
    rows = []
    for ags, name, value, index, colour in zip(
        snap.frame["ags"],
        snap.frame["name"],
        snap.frame["value"],
        snap.frame["class_index"],
        snap.frame["colour"],
        strict=True,
    ):
        has_value = value is not None and value == value
        position = class_position.get(int(index))
        rows.append(
            (
                str(ags),
                str(name),
                params.year,
                float(value) if has_value else None,
                position + 1 if has_value and position is not None else None,
                ranges[position] if has_value and position is not None else None,
                str(colour),
            )
        )
    return TableData(
        name=f"karte_{params.indicator}_{params.year}",
        title=f"{info.label}, {params.year}",
        columns=columns,
        rows=tuple(rows),
        sources=snap.sources,
        scope_text=snap.scope_text,
        is_demo=snap.is_demo,
        data_hash=snap.data_hash,
        params=params.to_dict(),
    )


def get_map_layer(
    session: Session,
    principal: Principal,
    params: SnapshotParams,
    *,
    config: ServiceConfig,
) -> tuple[gpd.GeoDataFrame, TableData]:
    """The municipality layer of the map with its values (geometry in ``metric_crs``)."""
    table = get_map_table(session, principal, params, config=config)
    boundaries: dict[str, BaseGeometry] = dict(
        session.execute(select(Municipality.ags, Municipality.boundary)).all()
    )
    frame = gpd.GeoDataFrame(
        {
            "AGS": [r[0] for r in table.rows],
            "Gemeinde": [r[1] for r in table.rows],
            "Jahr": [r[2] for r in table.rows],
            "Wert": [r[3] for r in table.rows],
            "Klasse": [r[4] for r in table.rows],
            "Farbe": [r[6] for r in table.rows],
        },
        geometry=[boundaries[r[0]] for r in table.rows],
        crs=config.metric_crs,
    )
    return frame, table


def get_kpi_table(
    session: Session,
    principal: Principal,
    municipality_id: int,
    *,
    config: ServiceConfig,
) -> TableData:
    """The KPI time series of one municipality (the table behind its charts)."""
    _require_export(principal)
    prof = profile.get_profile(session, principal, municipality_id, config=config)
    columns = (
        Column("category", "Bereich"),
        Column("indicator", "Kennzahl"),
        Column("unit", "Einheit"),
        Column("year", "Jahr", "int"),
        Column("value", "Wert", "float", decimals=2),
        Column("median", "Median Landkreis", "float", decimals=2),
        Column("source", "Quelle"),
    )
    rows = []
    sources = [BOUNDARY_ATTRIBUTION]
    for kpi in prof.kpis:
        for year, value in kpi.series:
            median = kpi.band.median if kpi.band is not None and kpi.band.year == year else None
            rows.append((kpi.category, kpi.label, kpi.unit, year, value, median, kpi.source))
        if kpi.source and kpi.source not in sources:
            sources.append(kpi.source + (f", {kpi.licence}" if kpi.licence else ""))
    district_name = _district_name(session, principal, config.district_ags)
    return _table(
        f"kennzahlen_{prof.ags}",
        f"Kennzahlen {prof.official_name}",
        columns,
        rows,
        sources=sources,
        scope_text=_scope_text(session, principal, district_name),
        is_demo=any(k.is_demo for k in prof.kpis),
        params={"municipality": prof.ags},
    )


_KENNDATEN_KINDS: Final[dict[str, ColumnKind]] = {
    "int": "int",
    "year": "int",
    "float": "float",
    "money": "money",
    "date": "date",
}


def kenndaten_columns(group: str) -> tuple[Column, ...]:
    """German columns of one Kenndaten group (as in the edit form)."""
    spec = kenndaten.get_group(group)
    columns = []
    for fspec in spec.fields:
        if fspec.name == "cluster_id":
            columns.append(Column("cluster_name", "Themencluster"))
            continue
        kind = _KENNDATEN_KINDS.get(fspec.kind, "text")
        unit = "EUR" if fspec.kind == "money" else ""
        label = fspec.label.replace(" (EUR)", "")
        decimals = 1 if fspec.kind == "float" else 0
        columns.append(Column(fspec.name, label, kind, unit, decimals))
    return tuple(columns)


def kenndaten_cell(group: str, key: str, value: Any) -> Any:
    """A Kenndaten value for a table cell (choices as German labels, lists joined)."""
    spec = kenndaten.get_group(group)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    try:
        fspec = spec.field(key)
    except KeyError:
        return value
    if fspec.kind == "choice" and fspec.choices and value is not None:
        return dict(fspec.choices).get(str(value), str(value))
    return value


def get_kenndaten_tables(
    session: Session,
    principal: Principal,
    municipality_id: int,
    *,
    groups: Sequence[str] = (),
    config: ServiceConfig,
) -> list[TableData]:
    """One table per Kenndaten group of one municipality (needs ``VIEW_CONFIDENTIAL``)."""
    _require_export(principal)
    view = kenndaten.list_kenndaten(session, principal, municipality_id)
    wanted = list(groups) or list(kenndaten.GROUP_ORDER)
    for group in wanted:
        if group not in kenndaten.GROUPS:
            raise ValidationError(
                f"unknown Kenndaten group {group!r}",
                f"Unbekannter Kenndaten-Bereich „{group}“.",
                "group",
            )
    district_name = _district_name(session, principal, config.district_ags)
    scope = _scope_text(session, principal, district_name)
    tables = []
    for group in wanted:
        spec = kenndaten.get_group(group)
        columns = kenndaten_columns(group)
        rows = tuple(
            tuple(kenndaten_cell(group, c.key, item.values.get(c.key)) for c in columns)
            for item in view.groups.get(group, ())
        )
        sources = sorted({item.source for item in view.groups.get(group, ()) if item.source})
        tables.append(
            _table(
                f"kenndaten_{group}_{view.ags}",
                f"{spec.title} – {view.name}",
                columns,
                rows,
                sources=sources,
                scope_text=scope,
                is_demo=any(i.is_demo for i in view.groups.get(group, ())),
                params={"municipality": view.ags, "group": group},
            )
        )
    return tables


# Query parameters of the area exports (``/export/tabelle/flaechen.*``,
# ``/export/ebene/flaechen.*``); the Flächen page writes the same into its download links.
AREA_QUERY_KEYS: Final = (
    "kinds",
    "statuses",
    "sources",
    "municipalities",
    "min_ha",
    "max_ha",
    "age",
    "search",
    "deleted",
)
AREA_AGE_STALE: Final = {"aktuell": False, "ueberfaellig": True}  # "age" -> AreaFilter.stale
AREA_SEARCH_MAX: Final = 100  # as the search field of the page
LAYER_AREA_NAME: Final = "flaechenpotenziale"


def _area_ha(raw: object, name: str) -> float | None:
    message = "Die Flächengröße (ha) muss eine Zahl ab 0 sein."
    try:
        value = parse_optional_number(raw, field=name)
    except NumberFormatError as error:
        raise ValidationError(str(error), message, name) from error
    if value is not None and not 0 <= value < 1e9:
        raise ValidationError(f"bad {name} {raw!r}", message, name)
    return value


def parse_area_filter(session: Session, raw: Mapping[str, Any]) -> areas.AreaFilter:
    """An :class:`areas.AreaFilter` from untrusted export parameters (URL query).

    Keys (:data:`AREA_QUERY_KEYS`, lists comma-separated): ``kinds``, ``statuses``,
    ``sources`` (codes), ``municipalities`` (AGS), ``min_ha``/``max_ha``, ``age``
    (``aktuell``/``ueberfaellig``/``alle``), ``search``, ``deleted=ja``. Malformed values
    raise :class:`ValidationError`, an unknown AGS :class:`NotFoundError`. Nothing is
    authorized here: the exporting services check scope and permissions.
    """
    municipalities = parse_ags_list(raw.get("municipalities"))
    found = dict(
        session.execute(
            select(Municipality.ags, Municipality.id).where(Municipality.ags.in_(municipalities))
        ).all()
    )
    missing = [ags for ags in municipalities if ags not in found]
    if missing:
        raise NotFoundError(
            f"no municipality with AGS {missing[0]}",
            f"Eine Kommune mit dem Gemeindeschlüssel {missing[0]} ist nicht erfasst.",
        )
    age = str(raw.get("age") or "alle").strip()
    if age != "alle" and age not in AREA_AGE_STALE:
        raise ValidationError(
            f"bad age {age!r}",
            "Ungültige Angabe für die Bestätigung. Möglich: alle, aktuell, ueberfaellig.",
            "age",
        )
    deleted = str(raw.get("deleted") or "").strip()
    if deleted not in ("", "ja", "nein"):
        raise ValidationError(
            f"bad deleted {deleted!r}", "Ungültige Angabe für gelöschte Flächen.", "deleted"
        )
    low, high = _area_ha(raw.get("min_ha"), "min_ha"), _area_ha(raw.get("max_ha"), "max_ha")
    if low is not None and high is not None and low > high:
        low, high = high, low
    return areas.AreaFilter(
        kinds=parse_enum_list(raw.get("kinds"), AreaKind, field="kinds", label="die Art"),
        statuses=parse_enum_list(
            raw.get("statuses"), AreaStatus, field="statuses", label="den Status"
        ),
        sources=parse_enum_list(
            raw.get("sources"), AreaSource, field="sources", label="die Quelle"
        ),
        municipality_ids=tuple(found[ags] for ags in dict.fromkeys(municipalities)),
        min_ha=low,
        max_ha=high,
        stale=AREA_AGE_STALE.get(age),
        search=str(raw.get("search") or "").strip()[:AREA_SEARCH_MAX],
        include_deleted=deleted == "ja",
    )


def area_filter_params(session: Session, filters: areas.AreaFilter | None) -> dict[str, Any]:
    """The export record of ``filters``: the query parameters that reproduce it (AGS, not
    internal ids; see :func:`parse_area_filter`)."""
    filters = filters or areas.AreaFilter()
    ags_by_id = dict(
        session.execute(
            select(Municipality.id, Municipality.ags).where(
                Municipality.id.in_(filters.municipality_ids)
            )
        ).all()
    )
    age = "alle" if filters.stale is None else ("ueberfaellig" if filters.stale else "aktuell")
    return {
        "kinds": [k.value for k in filters.kinds],
        "statuses": [s.value for s in filters.statuses],
        "sources": [s.value for s in filters.sources],
        "municipalities": [ags_by_id[i] for i in filters.municipality_ids if i in ags_by_id],
        "min_ha": filters.min_ha,
        "max_ha": filters.max_ha,
        "age": age,
        "search": filters.search,
        "deleted": "ja" if filters.include_deleted else "",
    }


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
    _require_export(principal)
    records = areas.list_area_records(session, principal, filters, config=config)
    return _area_table(session, principal, filters, records, config.district_ags)


def _area_table(
    session: Session,
    principal: Principal,
    filters: areas.AreaFilter | None,
    records: Sequence[areas.AreaRecord],
    district_ags: str,
) -> TableData:
    columns = (
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
    rows = tuple(
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
    district_name = _district_name(session, principal, district_ags)
    return _table(
        LAYER_AREA_NAME,
        "Flächenpotenziale",
        columns,
        rows,
        sources=(BOUNDARY_ATTRIBUTION,),
        scope_text=_scope_text(session, principal, district_name),
        is_demo=any(r.item.is_demo for r in records),
        params=area_filter_params(session, filters),
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
    _require_export(principal)
    records = [
        r
        for r in areas.list_area_records(session, principal, filters, config=config)
        if r.geometry is not None
    ]
    table = _area_table(session, principal, filters, records, config.district_ags)
    keys = [c.key for c in table.columns]
    data: dict[str, list[Any]] = {key: [row[i] for row in table.rows] for i, key in enumerate(keys)}
    data["confirmed"] = [d.isoformat() if d else None for d in data["confirmed"]]
    geometries = [r.geometry for r in records]
    frame = gpd.GeoDataFrame(data, geometry=geometries, crs=config.metric_crs)
    digest = _geometry_digest((r.item.public_id, r.geometry) for r in records)
    data_hash = hash_payload([_table_hash(table.name, table.columns, table.rows), digest])
    return frame, replace(table, data_hash=data_hash)


# --------------------------------------------------------------------------- area map

AREA_LENS: Final = "flaechen"
AREA_MAP_MARGIN_M: Final = 1500.0  # at least this much around the filtered areas
AREA_MAP_MARGIN_SHARE: Final = 0.08  # ... or this share of their extent


@dataclass(frozen=True)
class AreaLegendItem:
    kind: str
    label: str
    colour: str
    count: int  # filtered areas of this kind


@dataclass(frozen=True)
class AreaMapData:
    """Authorized content of the Flächen map snapshot.

    ``frame``: the municipalities of the district (``ags``, ``name``, ``colour`` = the base
    fill, geometry in ``metric_crs``) — public outlines only, no values. ``areas``: exactly
    the rows of :func:`get_area_layer` for ``filters`` (``public_id``, ``name``, ``ags``,
    ``kind`` code, ``kind_label``, ``status``, geometry). ``extent``: the filtered areas with
    a margin, the whole district when nothing is filtered or nothing matches.
    """

    filters: areas.AreaFilter
    params: dict[str, Any]
    filter_text: str
    frame: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    legend: tuple[AreaLegendItem, ...]
    total_ha: float
    extent: tuple[float, float, float, float]  # metric CRS
    district_outline: BaseGeometry | None
    district_name: str
    scope_text: str
    full_scope: bool
    is_demo: bool
    sources: tuple[str, ...]
    data_hash: str
    metric_crs: str


def area_filter_text(session: Session, filters: areas.AreaFilter) -> str:
    """The filters in German words (subtitle of the area map), e.g. ``"Art: Gewerbefläche ·
    Größe: ab 1 ha"``; ``"ohne Filter"`` when nothing restricts the list."""
    parts: list[str] = []
    if filters.kinds:
        parts.append("Art: " + ", ".join(k.label for k in filters.kinds))
    if filters.statuses:
        parts.append("Vermarktungsstand: " + ", ".join(s.label for s in filters.statuses))
    if filters.sources:
        parts.append("Herkunft: " + ", ".join(s.label for s in filters.sources))
    if filters.municipality_ids:
        names = dict(
            session.execute(
                select(Municipality.id, Municipality.name).where(
                    Municipality.id.in_(filters.municipality_ids)
                )
            ).all()
        )
        parts.append(
            ("Gemeinde: " if len(filters.municipality_ids) == 1 else "Gemeinden: ")
            + ", ".join(names.get(i, str(i)) for i in filters.municipality_ids)
        )
    low, high = filters.min_ha, filters.max_ha
    if low is not None and high is not None:
        parts.append(f"Größe: {format_ha(low)} bis {format_ha(high)}")
    elif low is not None:
        parts.append(f"Größe: ab {format_ha(low)}")
    elif high is not None:
        parts.append(f"Größe: bis {format_ha(high)}")
    if filters.stale is not None:
        parts.append(
            "Bestätigung: überfällig" if filters.stale else "Bestätigung: aktuell bestätigt"
        )
    if filters.search.strip():
        parts.append(f"Suche: „{filters.search.strip()}“")
    if filters.include_deleted:
        parts.append("mit gelöschten Flächen")
    return " · ".join(parts) if parts else "ohne Filter"


def _is_unfiltered(filters: areas.AreaFilter) -> bool:
    return replace(filters, bbox=None) == areas.AreaFilter()


def _area_extent(
    geometries: Sequence[BaseGeometry], district: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    min_x, min_y, max_x, max_y = (float(v) for v in shapely.total_bounds(list(geometries)))
    margin = max(AREA_MAP_MARGIN_M, AREA_MAP_MARGIN_SHARE * max(max_x - min_x, max_y - min_y))
    return min_x - margin, min_y - margin, max_x + margin, max_y + margin


def _municipality_outlines(session: Session) -> list[tuple[str, str, BaseGeometry]]:
    """(AGS, name, metric boundary) of every municipality with a boundary, by AGS."""
    return [
        (ags, name, geometry)
        for ags, name, geometry in session.execute(
            select(Municipality.ags, Municipality.name, Municipality.boundary).order_by(
                Municipality.ags
            )
        )
        if geometry is not None
    ]


def get_area_map_data(
    session: Session,
    principal: Principal,
    filters: areas.AreaFilter | None = None,
    *,
    config: ServiceConfig,
) -> AreaMapData:
    """The Flächen map as the principal sees it with ``filters`` (needs ``EXPORT_DATA``).

    The areas come only from :func:`get_area_layer` (scope ``VIEW_CONFIDENTIAL``: a Kommune
    user gets the own areas; a foreign AGS or ``include_deleted`` without ``EDIT_AREAS``
    raises :class:`AccessDeniedError`), the outlines are the public boundaries. The data
    hash covers the areas (rows + geometries, as the layer export) and the outlines.
    """
    filters = filters or areas.AreaFilter()
    layer, table = get_area_layer(session, principal, filters, config=config)
    kinds_by_label = {k.label: k.value for k in AreaKind}
    area_frame = gpd.GeoDataFrame(
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
        crs=config.metric_crs,
    )
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
    rows = _municipality_outlines(session)
    frame = gpd.GeoDataFrame(
        {
            "ags": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "colour": [AREA_BASE_FILL] * len(rows),
        },
        geometry=[r[2] for r in rows],
        crs=config.metric_crs,
    )
    boundaries = list(frame.geometry)
    district_extent = cast(
        tuple[float, float, float, float],
        tuple(float(v) for v in shapely.total_bounds(boundaries)) if boundaries else (0, 0, 1, 1),
    )
    area_geometries = [g for g in area_frame.geometry if g is not None and not g.is_empty]
    if _is_unfiltered(filters) or not area_geometries:
        extent = district_extent
    else:
        extent = _area_extent(area_geometries, district_extent)
    district_name = _district_name(session, principal, config.district_ags)
    digest = _geometry_digest((str(a), g) for a, g in zip(frame["ags"], boundaries, strict=True))
    data_hash = hash_payload([table.data_hash, digest])
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
        extent=extent,
        district_outline=shapely.coverage_union_all(boundaries) if boundaries else None,
        district_name=district_name,
        scope_text=table.scope_text,
        full_scope=authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL).all_municipalities,
        is_demo=table.is_demo,
        sources=tuple(table.sources),
        data_hash=data_hash,
        metric_crs=config.metric_crs,
    )


# --------------------------------------------------------------------------- Themencluster

CLUSTER_SOURCE: Final = "Kenndaten der Kommunen"
_UMLAUTS: Final = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def cluster_count_text(count: int | None) -> str:
    """A municipality count of the lens; suppressed small counts read "weniger als 5"."""
    return f"weniger als {authz.MIN_AGGREGATE_GROUP}" if count is None else str(count)


def cluster_focus_codes(overview: kenndaten.ClusterOverview) -> dict[str, int]:
    """Focus category per AGS (see :data:`layers.palettes.FOCUS_CATEGORIES`); the screen map
    and the snapshot both colour by this, so they agree per municipality."""
    codes: dict[str, int] = {}
    for entry in overview.entries:
        bit = FOCUS_CURRENT if entry.focus == FocusKind.CURRENT.value else FOCUS_FUTURE
        codes[entry.ags] = codes.get(entry.ags, 0) | bit
    return codes


def _ascii_name(text: str) -> str:
    clean = "".join(c if c.isalnum() else "_" for c in text.translate(_UMLAUTS))
    return re.sub(r"_+", "_", clean).strip("_").lower().encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class ClusterLegendItem:
    code: int
    label: str
    colour: str
    count: int  # municipalities drawn in this category (what the principal sees)


@dataclass(frozen=True)
class ClusterMapData:
    """Authorized content of the Themencluster map snapshot.

    ``frame``: one row per municipality (``ags``, ``name``, ``code``, ``label``, ``colour``,
    geometry in ``metric_crs``); only municipalities whose Kenndaten the principal may see
    can have a focus, all others are category 0 — as on the screen map.
    """

    overview: kenndaten.ClusterOverview
    frame: gpd.GeoDataFrame
    legend: tuple[ClusterLegendItem, ...]
    extent: tuple[float, float, float, float]  # metric CRS
    district_outline: BaseGeometry | None
    district_name: str
    scope_text: str
    is_demo: bool
    sources: tuple[str, ...]
    data_hash: str
    metric_crs: str

    @property
    def params(self) -> dict[str, Any]:
        return {"lens": "themencluster", "cluster": self.overview.cluster_id}


def _cluster_overview(
    session: Session, principal: Principal, cluster_id: int | None
) -> kenndaten.ClusterOverview:
    """The lens's data (scoped by :func:`kenndaten.cluster_overview`); unknown id = 404."""
    overview = kenndaten.cluster_overview(session, principal, cluster_id)
    if overview.cluster_id is None:
        raise NotFoundError("no theme clusters", "Es sind noch keine Themencluster angelegt.")
    if cluster_id is not None and overview.cluster_id != cluster_id:
        raise NotFoundError(
            f"unknown theme cluster {cluster_id}", "Das Themencluster wurde nicht gefunden."
        )
    return overview


def _cluster_hash(overview: kenndaten.ClusterOverview, geometry_digest: str = "") -> str:
    return hash_payload(
        {
            "cluster": overview.cluster_id,
            "entries": [
                [e.ags, e.focus, e.description, {k: list(v) for k, v in e.actors.items()}]
                for e in overview.entries
            ],
            "counts": [[c.cluster_id, c.current, c.future] for c in overview.counts],
            "geometry": geometry_digest,
        }
    )


def get_cluster_map_data(
    session: Session,
    principal: Principal,
    cluster_id: int | None,
    *,
    config: ServiceConfig,
) -> ClusterMapData:
    """The Themencluster map as the principal sees it (needs ``EXPORT_DATA``).

    Entries come from :func:`kenndaten.cluster_overview` (a Kommune user's foreign
    municipalities have no visible focus; counts below :data:`authz.MIN_AGGREGATE_GROUP`
    are suppressed for them). Raises :class:`NotFoundError` for an unknown cluster.
    """
    _require_export(principal)
    overview = _cluster_overview(session, principal, cluster_id)
    codes = cluster_focus_codes(overview)
    categories = {code: (label, colour) for code, label, colour in FOCUS_CATEGORIES}
    rows = _municipality_outlines(session)
    frame = gpd.GeoDataFrame(
        {
            "ags": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "code": [codes.get(r[0], 0) for r in rows],
            "label": [categories[codes.get(r[0], 0)][0] for r in rows],
            "colour": [categories[codes.get(r[0], 0)][1] for r in rows],
        },
        geometry=[r[2] for r in rows],
        crs=config.metric_crs,
    )
    legend = tuple(
        ClusterLegendItem(code, label, colour, int((frame["code"] == code).sum()))
        for code, label, colour in FOCUS_CATEGORIES
    )
    geometries = list(frame.geometry)
    outline = shapely.coverage_union_all(geometries) if geometries else None
    district_name = _district_name(session, principal, config.district_ags)
    digest = _geometry_digest((str(a), g) for a, g in zip(frame["ags"], geometries, strict=True))
    data_hash = _cluster_hash(overview, digest)
    log.info(
        "cluster map data: user=%s cluster=%s entries=%d hash=%s",
        principal.log_ref,
        overview.cluster_id,
        len(overview.entries),
        data_hash[:12],
    )
    return ClusterMapData(
        overview=overview,
        frame=frame,
        legend=legend,
        extent=cast(tuple[float, float, float, float], tuple(float(v) for v in frame.total_bounds)),
        district_outline=outline,
        district_name=district_name,
        scope_text=_scope_text(session, principal, district_name),
        is_demo=overview.any_demo or any(e.is_demo for e in overview.entries),
        sources=(BOUNDARY_ATTRIBUTION, CLUSTER_SOURCE),
        data_hash=data_hash,
        metric_crs=config.metric_crs,
    )


def get_cluster_tables(
    session: Session,
    principal: Principal,
    cluster_id: int | None,
    *,
    config: ServiceConfig,
) -> tuple[str, list[TableData]]:
    """The two tables of the Themencluster lens, exactly as shown (needs ``EXPORT_DATA``):
    the visible municipalities with a focus in the cluster, and the municipalities per
    cluster (suppressed small counts as "weniger als 5" for roles without district access).
    Returns ``(title, tables)``; the title names the cluster.
    """
    _require_export(principal)
    overview = _cluster_overview(session, principal, cluster_id)
    district_name = _district_name(session, principal, config.district_ags)
    scope = _scope_text(session, principal, district_name)
    is_demo = overview.any_demo or any(e.is_demo for e in overview.entries)
    params = {"lens": "themencluster", "cluster": overview.cluster_id}
    entry_columns = (
        Column("ags", "Gemeindeschlüssel (AGS)"),
        Column("name", "Kommune"),
        Column("focus", "Schwerpunkt"),
        Column("description", "Beschreibung"),
        Column("actors", "Akteure"),
        Column("is_demo", "Demo-Daten", "bool"),
    )
    entry_rows = [
        (
            e.ags,
            e.name,
            e.focus_label,
            e.description,
            "; ".join(f"{kind}: {', '.join(names)}" for kind, names in e.actors.items()),
            e.is_demo,
        )
        for e in overview.entries
    ]
    count_columns = (
        Column("cluster", "Themencluster"),
        Column("current", "derzeitiger Schwerpunkt (Anzahl Kommunen)", "int"),
        Column("future", "zukünftiger Schwerpunkt (Anzahl Kommunen)", "int"),
    )
    count_rows = [
        (
            c.name,
            c.current if c.current is not None else cluster_count_text(None),
            c.future if c.future is not None else cluster_count_text(None),
        )
        for c in overview.counts
    ]
    sources = (BOUNDARY_ATTRIBUTION, CLUSTER_SOURCE)
    return f"Themencluster {overview.cluster_name}", [
        _table(
            f"themencluster_{_ascii_name(overview.cluster_name)}",
            "Kommunen mit Schwerpunkt",
            entry_columns,
            entry_rows,
            sources=sources,
            scope_text=scope,
            is_demo=is_demo,
            params=params,
        ),
        _table(
            "themencluster_anzahl",
            "Anzahl je Themencluster",
            count_columns,
            count_rows,
            sources=sources,
            scope_text=scope,
            is_demo=is_demo,
            params=params,
        ),
    ]


# --------------------------------------------------------------------------- audit


def record_export(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    target: str,
    details: Mapping[str, Any],
    ip: str = "",
) -> None:
    """Write the audit entry of an export (committed; one entry per delivered file)."""
    _require_export(principal)
    audit.record(
        session,
        actor=principal,
        action=EXPORT,
        target=f"{kind}:{target}"[:200],
        ip=ip,
        details=dict(details),
        commit=True,
    )


def municipality_id_for_ags(session: Session, principal: Principal, ags: str) -> int:
    """Resolve an (untrusted) AGS (see :func:`profile.municipality_id_for_ags`)."""
    return profile.municipality_id_for_ags(session, principal, ags)


def principal_for_username(session: Session, username: str) -> Principal:
    """The principal of an active user (for the CLI ``--user``: shell access acts as them).

    Raises :class:`NotFoundError` for an unknown and :class:`AccessDeniedError` for a
    deactivated account.
    """
    from cockpit.models import User

    name = username.strip().lower()
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFoundError(f"no user {name!r}", f"Ein Benutzerkonto „{username}“ gibt es nicht.")
    if not user.is_active:
        raise AccessDeniedError(
            f"user {name!r} is deactivated", f"Das Benutzerkonto „{username}“ ist deaktiviert."
        )
    return user.to_principal()
