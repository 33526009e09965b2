"""Use case: import the municipal boundaries of one district from a vector file."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.roles import Permission, Principal
from cockpit.models.geo import District, Municipality
from cockpit.services import audit, authz
from cockpit.services.config import ServiceConfig
from cockpit.services.importing.boundary_file import Feature, prepare_boundaries
from cockpit.services.importing.reading import find_column, reject
from cockpit.services.importing.reports import BoundaryImportReport, Progress, Stepper
from cockpit.services.unit_of_work import transaction
from layers.crs import CRSError, area_m2, require_crs, to_web
from layers.geometry import repair_polygonal, to_multipolygon
from layers.io import VectorReadError, read_vector
from layers.simplify import DEFAULT_DISPLAY_TOLERANCE_M, round_coordinates, simplify_coverage

log = logging.getLogger(__name__)

DISPLAY_DECIMALS = 5


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
            features, report = prepare_boundaries(frame, path, district_ags, config.metric_crs)
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


def _newest_change_date(frame: gpd.GeoDataFrame) -> dt.date | None:
    """The newest VG250 ``WSK`` (date of the last territorial change) in the file."""
    column = find_column(frame.columns, ("wsk",))
    if column is None:
        return None
    dates = pd.to_datetime(frame[column], errors="coerce", format="mixed").dropna()
    return None if dates.empty else dates.max().date()


def _display_geometries(
    features: Sequence[Feature], metric_crs: str, tolerance_m: float
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
    features: Sequence[Feature],
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
