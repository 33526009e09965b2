"""Checking a boundary file: key and name columns, one feature per AGS, repaired geometry.

Pure (no database access): :func:`prepare_boundaries` turns the frame into checked
features in the storage CRS plus the report.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from cockpit.domain.vocab import MunicipalityKind
from cockpit.services.importing.reading import (
    AGS_COLUMNS,
    ARS_COLUMNS,
    KIND_COLUMNS,
    NAME_COLUMNS,
    ags_from_ars,
    find_column,
    is_truthy,
    kind_from,
    normalize_ags,
    normalize_ars,
    reject,
)
from cockpit.services.importing.reports import BoundaryImportReport, short
from layers.crs import areas_m2, to_metric
from layers.geometry import repair_polygonal, to_multipolygon

LAND_GF = frozenset({3, 4})  # VG250 GF 3/4: land parts (1/2: water parts)


@dataclass
class Feature:
    """One checked municipality of the file (geometry in the storage CRS)."""

    number: int  # 1-based feature number in the file
    ags: str
    ars: str
    name: str
    official_name: str
    kind: MunicipalityKind
    geometry: BaseGeometry
    repaired: bool = False


@dataclass(frozen=True)
class _Columns:
    """The key and descriptive columns found in a boundary file (``None``: not present)."""

    ags: str | None
    ars: str | None
    name: str
    bez: str | None
    gf: str | None
    free: str | None


def _columns(frame: gpd.GeoDataFrame, path: Path) -> _Columns:
    ags_col = find_column(frame.columns, AGS_COLUMNS)
    ars_col = find_column(frame.columns, ARS_COLUMNS)
    name_col = find_column(frame.columns, NAME_COLUMNS)
    if ags_col is None and ars_col is None:
        raise reject(
            f"{path}: no AGS/ARS column in {list(frame.columns)}",
            f"In der Datei „{path.name}“ fehlt die Spalte mit dem Gemeindeschlüssel "
            "(AGS oder ARS).",
        )
    if name_col is None:
        raise reject(
            f"{path}: no name column (GEN) in {list(frame.columns)}",
            f"In der Datei „{path.name}“ fehlt die Spalte mit dem Gemeindenamen (GEN).",
        )
    return _Columns(
        ags=ags_col,
        ars=ars_col,
        name=name_col,
        bez=find_column(frame.columns, KIND_COLUMNS),
        gf=find_column(frame.columns, ("gf",)),
        free=find_column(frame.columns, ("gemeindefrei",)),
    )


def _feature_keys(frame: gpd.GeoDataFrame, columns: _Columns, path: Path) -> list[tuple[str, str]]:
    """(AGS, ARS) of every feature; the AGS comes from the ARS if the file has none."""
    count = len(frame)
    raw_ags = frame[columns.ags].tolist() if columns.ags else [None] * count
    raw_ars = frame[columns.ars].tolist() if columns.ars else [None] * count
    keys: list[tuple[str, str]] = []
    bad_numbers: list[int] = []
    for position in range(count):
        ars = normalize_ars(raw_ars[position])
        ags = normalize_ags(raw_ags[position])
        if ags is None and ars is not None:
            ags = ags_from_ars(ars)
        if ags is None:
            bad_numbers.append(position + 1)
        keys.append((ags or "", ars or ""))
    if bad_numbers:
        raise reject(
            f"{path}: invalid AGS in features {bad_numbers[:20]}",
            f"In der Datei „{path.name}“ haben {len(bad_numbers)} Objekte keinen gültigen "
            f"Gemeindeschlüssel (8 Ziffern), z. B. Objekt Nr. "
            f"{short([str(n) for n in bad_numbers])}.",
        )
    return keys


def prepare_boundaries(
    frame: gpd.GeoDataFrame, path: Path, district_ags: str, metric_crs: str
) -> tuple[list[Feature], BoundaryImportReport]:
    """Check keys and names, filter the district, reproject, repair (no database access)."""
    name = path.name
    columns = _columns(frame, path)
    keys = _feature_keys(frame, columns, path)
    in_district = [i for i, (ags, _) in enumerate(keys) if ags.startswith(district_ags)]
    report = BoundaryImportReport(
        file=name,
        district_ags=district_ags,
        district_name="",
        source_crs="",
        metric_crs=metric_crs,
        features_read=len(frame),
        municipalities=0,
        skipped_other_districts=len(frame) - len(in_district),
    )
    if not in_district:
        raise reject(
            f"{path}: no feature with AGS {district_ags}*",
            f"Die Datei „{name}“ enthält keine Gemeinde des Landkreises {district_ags}. "
            "Bitte prüfen Sie den Kreisschlüssel und die Datei.",
        )

    subset = frame.iloc[in_district]
    metric = to_metric(subset, metric_crs)
    rows: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for position, index in enumerate(in_district):
        gf = _int_or_none(subset.iloc[position][columns.gf]) if columns.gf else None
        rows[keys[index][0]].append((position, gf))

    features: list[Feature] = []
    for ags, parts in sorted(rows.items()):
        position = _single_part(ags, parts, subset, in_district, columns, path, report)
        feature = _feature(
            subset.iloc[position],
            metric.geometry.iloc[position],
            in_district[position] + 1,
            keys[in_district[position]],
            columns,
            path,
            report,
        )
        if feature is not None:
            features.append(feature)
    if not features:
        raise reject(
            f"{path}: only unincorporated areas in district {district_ags}",
            f"Die Datei „{name}“ enthält keine Gemeinde des Landkreises {district_ags}.",
        )
    report.municipalities = len(features)
    report.total_area_km2 = sum(areas_m2([f.geometry for f in features], metric_crs)) / 1e6
    return features, report


def _single_part(
    ags: str,
    parts: list[tuple[int, int | None]],
    subset: gpd.GeoDataFrame,
    in_district: Sequence[int],
    columns: _Columns,
    path: Path,
    report: BoundaryImportReport,
) -> int:
    """The position of the one feature of ``ags``: water parts next to a land part drop out."""
    if len(parts) > 1 and columns.gf:
        land = [p for p in parts if p[1] in LAND_GF]
        if land and len(land) < len(parts):
            report.dropped_water_parts.append(ags)
            parts = land
    if len(parts) > 1:
        numbers = [str(in_district[p] + 1) for p, _ in parts]
        names = [str(subset.iloc[p][columns.name]) for p, _ in parts]
        raise reject(
            f"{path}: duplicate AGS {ags} in features {numbers}",
            f"In der Datei „{path.name}“ kommt der Gemeindeschlüssel {ags} mehrfach vor "
            f"(Objekt Nr. {', '.join(numbers)}: {', '.join(names)}). Jede Gemeinde darf "
            "nur einmal enthalten sein.",
        )
    return parts[0][0]


def _feature(
    row: pd.Series,
    metric_geometry: BaseGeometry,
    number: int,
    key: tuple[str, str],
    columns: _Columns,
    path: Path,
    report: BoundaryImportReport,
) -> Feature | None:
    """One checked, repaired municipality; ``None`` for a gemeindefreies Gebiet (reported)."""
    ags, ars = key
    raw_name = row[columns.name]
    if not isinstance(raw_name, str) or not raw_name.strip():
        raise reject(
            f"{path}: feature {number} (AGS {ags}) has no name",
            f"In der Datei „{path.name}“ hat Objekt Nr. {number} (AGS {ags}) keinen Gemeindenamen.",
        )
    bez = row[columns.bez] if columns.bez else None
    if (columns.free and is_truthy(row[columns.free])) or (
        isinstance(bez, str) and bez.strip().lower().startswith("gemeindefrei")
    ):
        report.skipped_unincorporated.append(f"{ags} {raw_name.strip()}")
        return None
    kind, display_name, official = kind_from(bez, raw_name.strip())
    geometry, repaired = repair_polygonal(metric_geometry)
    if geometry.is_empty:
        raise reject(
            f"{path}: feature {number} (AGS {ags}) has no area after repair",
            f"In der Datei „{path.name}“ hat Objekt Nr. {number} ({raw_name}, AGS {ags}) "
            "keine gültige Fläche.",
        )
    if repaired:
        report.repaired.append(ags)
    return Feature(
        number=number,
        ags=ags,
        ars=ars,
        name=display_name,
        official_name=official,
        kind=kind,
        geometry=to_multipolygon(geometry),
        repaired=repaired,
    )


def _int_or_none(value: object) -> int | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return None if math.isnan(number) else int(number)
