"""Use case: import the municipal boundaries of one district from a vector file."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import MunicipalityKind
from cockpit.models.geo import District, Municipality
from cockpit.services import audit, authz
from cockpit.services.config import ServiceConfig
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
from cockpit.services.importing.reports import BoundaryImportReport, Progress, Stepper, short
from cockpit.services.unit_of_work import transaction
from layers.crs import CRSError, area_m2, areas_m2, require_crs, to_metric, to_web
from layers.geometry import repair_polygonal, to_multipolygon
from layers.io import VectorReadError, read_vector
from layers.simplify import DEFAULT_DISPLAY_TOLERANCE_M, round_coordinates, simplify_coverage

log = logging.getLogger(__name__)

DISPLAY_DECIMALS = 5
LAND_GF = frozenset({3, 4})  # VG250 GF 3/4: land parts (1/2: water parts)


@dataclass
class _Feature:
    number: int  # 1-based feature number in the file
    ags: str
    ars: str
    name: str
    official_name: str
    kind: MunicipalityKind
    geometry: BaseGeometry
    repaired: bool = False


def import_boundaries(
    session: Session,
    principal: Principal,
    path: Path,
    district_ags: str,
    *,
    config: ServiceConfig,
    layer: str | None = None,
    district_name: str | None = None,
    source: str = "",
    progress: Progress | None = None,
    display_tolerance_m: float = DEFAULT_DISPLAY_TOLERANCE_M,
    where: str | None = None,
    territorial_status: dt.date | None = None,
) -> BoundaryImportReport:
    """Import (upsert) the municipalities of one district from a VG250-like vector file.

    Parameters
    ----------
    path
        GeoPackage, Shapefile (``.shp`` or zipped ``.zip``) or GeoJSON with polygons in
        any CRS (must be declared) and the columns ``AGS`` (or ``ARS``/``RS``), ``GEN``
        (name) and optionally ``BEZ`` (Stadt/Gemeinde), ``ARS``, ``GF``.
    district_ags
        5-digit district key; only features whose AGS starts with it are imported.
    metric_crs
        Storage CRS of the boundaries (areas are measured there).
    where
        Optional OGR SQL filter to read only part of a big file (e.g. ``AGS LIKE '15087%'``).
    territorial_status
        The Gebietsstand of the file (e.g. 2016-01-01 for VG250 of 01.01.2016), stored with
        every municipality and the district. Without it, the newest change date of the file
        (VG250 column ``WSK``) is used, if the file has one.

    Returns
    -------
    BoundaryImportReport

    Raises
    ------
    AccessDeniedError
        Without ``IMPORT_DATA``.
    ImportRejectedError
        For any problem with the file; nothing is written then.
    """
    authz.require(principal, Permission.IMPORT_DATA)
    name = path.name
    if not re.fullmatch(r"\d{5}", district_ags or ""):
        raise reject(
            f"bad district AGS {district_ags!r}",
            f"„{district_ags}“ ist kein Kreisschlüssel (erwartet: 5 Ziffern, z. B. 14626).",
        )
    step = Stepper(progress)
    try:
        with transaction(session, f"boundary import {name}"):
            frame = read_vector(path, layer, where=where)
            step.set_total(len(frame) + 4)
            step.advance()
            source_crs = require_crs(frame).to_string()
            features, report = _prepare_boundaries(frame, path, district_ags, config.metric_crs)
            step.advance(len(frame))
            display = _display_geometries(features, config.metric_crs, display_tolerance_m)
            step.advance()
            report.source_crs = source_crs
            report.territorial_status = territorial_status or _newest_change_date(frame)
            report.display_tolerance_m = display_tolerance_m
            report.display_geojson_bytes = _geojson_size(
                {f.ags: g for f, g in zip(features, display, strict=True)}
            )
            _write_boundaries(
                session, features, display, report, district_name, source or name, config.metric_crs
            )
            step.advance()
            audit.record(
                session,
                actor=principal,
                action="import_boundaries",
                target=f"district {district_ags}",
                details={
                    "file": name,
                    "district_ags": district_ags,
                    "features_read": report.features_read,
                    "municipalities": report.municipalities,
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "repaired": report.repaired,
                    "missing_in_file": report.missing_in_file,
                    "territorial_status": (
                        report.territorial_status.isoformat() if report.territorial_status else None
                    ),
                },
            )
        step.advance()
    except VectorReadError as exc:
        raise reject(str(exc), exc.user_message) from exc
    except CRSError as exc:
        raise reject(
            f"{path}: {exc}",
            f"Das Koordinatenbezugssystem der Datei „{name}“ kann nicht verwendet werden.",
        ) from exc
    log.info(
        "boundaries imported: file=%s district=%s municipalities=%d created=%d updated=%d "
        "repaired=%s",
        name,
        district_ags,
        report.municipalities,
        len(report.created),
        len(report.updated),
        report.repaired,
    )
    return report


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


def _prepare_boundaries(
    frame: gpd.GeoDataFrame, path: Path, district_ags: str, metric_crs: str
) -> tuple[list[_Feature], BoundaryImportReport]:
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

    features: list[_Feature] = []
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
) -> _Feature | None:
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
    return _Feature(
        number=number,
        ags=ags,
        ars=ars,
        name=display_name,
        official_name=official,
        kind=kind,
        geometry=to_multipolygon(geometry),
        repaired=repaired,
    )


def _newest_change_date(frame: gpd.GeoDataFrame) -> dt.date | None:
    """The newest VG250 ``WSK`` (date of the last territorial change) in the file."""
    column = find_column(frame.columns, ("wsk",))
    if column is None:
        return None
    dates = pd.to_datetime(frame[column], errors="coerce", format="mixed").dropna()
    return None if dates.empty else dates.max().date()


def _int_or_none(value: object) -> int | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return None if math.isnan(number) else int(number)


def _display_geometries(
    features: Sequence[_Feature], metric_crs: str, tolerance_m: float
) -> list[MultiPolygon]:
    """Coverage-simplified EPSG:4326 geometries rounded to 5 decimals, one per feature."""
    frame = gpd.GeoDataFrame(
        {"ags": [f.ags for f in features]},
        geometry=[f.geometry for f in features],
        crs=metric_crs,
    )
    web = to_web(simplify_coverage(frame, tolerance_m))
    return [to_multipolygon(round_coordinates(g, DISPLAY_DECIMALS)) for g in web.geometry]


def _geojson_size(geometries: Mapping[str, BaseGeometry]) -> int:
    features = [
        {
            "type": "Feature",
            "id": ags,
            "properties": {},
            "geometry": json.loads(shapely.to_geojson(geom)),
        }
        for ags, geom in geometries.items()
    ]
    payload = {"type": "FeatureCollection", "features": features}
    return len(json.dumps(payload, separators=(",", ":")).encode())


def _write_boundaries(
    session: Session,
    features: Sequence[_Feature],
    display: Sequence[MultiPolygon],
    report: BoundaryImportReport,
    district_name: str | None,
    source: str,
    metric_crs: str,
) -> None:
    ags = report.district_ags
    district = session.scalar(select(District).where(District.ags == ags))
    union = shapely.union_all([f.geometry for f in features])
    boundary = to_multipolygon(repair_polygonal(union)[0])
    if district is None:
        district = District(
            ags=ags,
            name=district_name or f"Landkreis {ags}",
            boundary=boundary,
            source=source,
        )
        session.add(district)
        session.flush()
        report.district_created = True
    else:
        if district_name:
            district.name = district_name
        district.boundary = boundary
        district.source = source
    if report.territorial_status is not None:
        district.territorial_status = report.territorial_status
    report.district_name = district.name

    existing = {
        m.ags: m
        for m in session.scalars(select(Municipality).where(Municipality.ags.like(f"{ags}%")))
    }
    for feature, shape in zip(features, display, strict=True):
        municipality = existing.get(feature.ags)
        if municipality is None:
            municipality = Municipality(ags=feature.ags, district_id=district.id)
            session.add(municipality)
            report.created.append(feature.ags)
        else:
            report.updated.append(feature.ags)
        municipality.district_id = district.id
        municipality.ars = feature.ars
        municipality.name = feature.name
        if feature.official_name:
            municipality.official_name = feature.official_name
        municipality.kind = feature.kind
        municipality.boundary = feature.geometry
        municipality.display_boundary = shape
        municipality.area_km2 = round(area_m2(feature.geometry, metric_crs) / 1e6, 4)
        municipality.source = source
        if report.territorial_status is not None:
            municipality.territorial_status = report.territorial_status
    in_file = {f.ags for f in features}
    report.missing_in_file = sorted(
        f"{m.ags} {m.name}" for a, m in existing.items() if a not in in_file
    )
    session.flush()
    log.debug("boundaries stored in %s for district %s", metric_crs, ags)
