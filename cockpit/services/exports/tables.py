"""Table lens: the tables behind maps and charts — map table and layer, KPI series,
Kenndaten — as the principal sees them (:class:`TableData`, one :class:`Column` each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import geopandas as gpd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ValidationError
from cockpit.domain.roles import Principal
from cockpit.models import Municipality
from cockpit.services import kenndaten, profile
from cockpit.services.config import ServiceConfig
from cockpit.services.exports.indicator_map import (
    LAYER_MUNICIPALITIES,
    SnapshotParams,
    get_snapshot_data,
)
from cockpit.services.exports.provenance import (
    ExportContext,
    Provenance,
    WithProvenance,
    export_context,
    hash_payload,
)

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
class TableData(WithProvenance):
    """A table behind a map or chart, already filtered by the principal's permissions."""

    name: str  # file/sheet name, ASCII
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    provenance: Provenance
    params: Mapping[str, Any] = field(default_factory=dict)


def table_hash(name: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> str:
    """The data hash of a table: its name, column keys and rows."""
    return hash_payload(
        {
            "table": name,
            "columns": [c.key for c in columns],
            "rows": [[_jsonable(v) for v in row] for row in rows],
        }
    )


def make_table(
    context: ExportContext,
    name: str,
    title: str,
    columns: tuple[Column, ...],
    rows: Iterable[tuple[Any, ...]],
    *,
    sources: Iterable[str] = (),
    is_demo: bool,
    params: Mapping[str, Any],
    boundaries: bool = True,
    data_hash: str | None = None,
) -> TableData:
    """A :class:`TableData`; its ``data_hash`` covers name, columns and rows unless given."""
    rows = tuple(rows)
    return TableData(
        name=name,
        title=title,
        columns=columns,
        rows=rows,
        provenance=context.provenance(
            sources=sources,
            is_demo=is_demo,
            data_hash=data_hash or table_hash(name, columns, rows),
            boundaries=boundaries,
        ),
        params=params,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- map table


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
        provenance=snap.provenance,
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


# --------------------------------------------------------------------------- KPI, Kenndaten


def get_kpi_table(
    session: Session,
    principal: Principal,
    municipality_id: int,
    *,
    config: ServiceConfig,
) -> TableData:
    """The KPI time series of one municipality (the table behind its charts)."""
    context = export_context(session, principal, config)
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
    rows = [
        (
            kpi.category,
            kpi.label,
            kpi.unit,
            year,
            value,
            kpi.band.median if kpi.band is not None and kpi.band.year == year else None,
            kpi.source,
        )
        for kpi in prof.kpis
        for year, value in kpi.series
    ]
    return make_table(
        context,
        f"kennzahlen_{prof.ags}",
        f"Kennzahlen {prof.official_name}",
        columns,
        rows,
        sources=profile_sources(prof),
        is_demo=any(k.is_demo for k in prof.kpis),
        params={"municipality": prof.ags},
    )


def profile_sources(prof: profile.MunicipalityProfile) -> list[str]:
    """The source lines of a profile's KPIs (source and licence)."""
    return [
        kpi.source + (f", {kpi.licence}" if kpi.licence else "") for kpi in prof.kpis if kpi.source
    ]


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
    context = export_context(session, principal, config)
    view = kenndaten.list_kenndaten(session, principal, municipality_id)
    wanted = list(groups) or list(kenndaten.GROUP_ORDER)
    for group in wanted:
        if group not in kenndaten.GROUPS:
            raise ValidationError(
                f"unknown Kenndaten group {group!r}",
                f"Unbekannter Kenndaten-Bereich „{group}“.",
                "group",
            )
    tables = []
    for group in wanted:
        columns = kenndaten_columns(group)
        items = view.groups.get(group, ())
        tables.append(
            make_table(
                context,
                f"kenndaten_{group}_{view.ags}",
                f"{kenndaten.get_group(group).title} – {view.name}",
                columns,
                (
                    tuple(kenndaten_cell(group, c.key, item.values.get(c.key)) for c in columns)
                    for item in items
                ),
                sources=sorted({item.source for item in items if item.source}),
                is_demo=any(i.is_demo for i in items),
                params={"municipality": view.ags, "group": group},
                boundaries=False,
            )
        )
    return tables
