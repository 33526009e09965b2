"""Validation and web conversion of area-potential geometries (pure Shapely/GeoPandas).

All checking happens in the metric CRS (EPSG:25833 by default, metres); GeoJSON in and out
is EPSG:4326. Problems are raised as :class:`GeometryError` whose ``message`` is German text
for the user; ``str(error)`` is the technical reason for the log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from layers.crs import area_ha, area_m2, metric_to_web, to_web

# A drawn area may stick out of its municipality by this much (digitising tolerance).
OUTSIDE_TOLERANCE_M = 10.0
OUTSIDE_TOLERANCE_SHARE = 0.05
# Overlaps smaller than this (m²) are digitising noise, not worth a warning.
MIN_OVERLAP_M2 = 1.0
MIN_AREA_M2 = 1.0

_LOCATION = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)")


class GeometryError(ValueError):
    """A geometry cannot be used; ``message`` is German text for the user."""

    def __init__(self, log_message: str, message: str) -> None:
        super().__init__(log_message)
        self.message = message


@dataclass(frozen=True)
class Overlap:
    """Another area that the checked geometry overlaps."""

    key: int
    name: str
    overlap_ha: float


@dataclass(frozen=True)
class GeometryCheck:
    """Result of :func:`check_area_geometry`: the cleaned geometry and German warnings."""

    geometry: MultiPolygon
    area_ha: float
    outside_ha: float
    overlaps: tuple[Overlap, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


def format_number(value: float, decimals: int = 2) -> str:
    """German number format without Babel (layers stays dependency-light): ``1.234,56``."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _lonlat_text(x: float, y: float, metric_crs: str) -> str:
    point = metric_to_web(shapely.Point(x, y), metric_crs)
    return f"{format_number(point.x, 5)}° O, {format_number(point.y, 5)}° N"


def explain_invalid(geometry: BaseGeometry, metric_crs: str) -> str:
    """German explanation of why ``geometry`` (metric CRS) is invalid, with the location."""
    reason = explain_validity(geometry)
    match = _LOCATION.search(reason)
    where = ""
    if match:
        where = " bei " + _lonlat_text(float(match.group(1)), float(match.group(2)), metric_crs)
    lowered = reason.lower()
    if "self-intersection" in lowered or "ring self-intersection" in lowered:
        what = "Der Umriss überschneidet sich selbst"
    elif "too few points" in lowered:
        what = "Der Umriss hat zu wenige Punkte"
    elif "hole lies outside" in lowered:
        what = "Ein Loch liegt außerhalb der Fläche"
    elif "nested" in lowered:
        what = "Teilflächen liegen ineinander"
    elif "not closed" in lowered:
        what = "Der Umriss ist nicht geschlossen"
    else:
        what = "Die Geometrie ist ungültig"
    return f"{what}{where}. Bitte korrigieren Sie den Umriss."


def to_multipolygon(geometry: BaseGeometry | None, what: str = "Die Fläche") -> MultiPolygon:
    """Return ``geometry`` as a 2D MultiPolygon or raise :class:`GeometryError`.

    Polygon and MultiPolygon are accepted; a GeometryCollection only if all its parts are
    polygons. Z/M values are dropped. Validity is not checked here.
    """
    if geometry is None or geometry.is_empty:
        raise GeometryError("empty geometry", f"{what} hat keine Geometrie.")
    geometry = shapely.force_2d(geometry)
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    if isinstance(geometry, MultiPolygon):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = list(getattr(geometry, "geoms", []))
        kinds = sorted({p.geom_type for p in parts})
        if parts and all(isinstance(p, Polygon | MultiPolygon) for p in parts):
            polygons: list[Polygon] = []
            for part in parts:
                polygons.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
            return MultiPolygon(polygons)
        raise GeometryError(
            f"GeometryCollection with {kinds}",
            f"{what} ist eine Geometriesammlung mit {', '.join(kinds)}; "
            "erlaubt sind nur Polygone (Flächen).",
        )
    raise GeometryError(
        f"not polygonal: {geometry.geom_type}",
        f"{what} ist keine Fläche, sondern {_GEOM_LABELS.get(geometry.geom_type, 'ein(e) ')}"
        f"{geometry.geom_type}; erlaubt sind nur Polygone (Flächen).",
    )


_GEOM_LABELS = {
    "Point": "ein Punkt ",
    "MultiPoint": "mehrere Punkte ",
    "LineString": "eine Linie ",
    "MultiLineString": "mehrere Linien ",
    "LinearRing": "ein Ring ",
}


_NOT_GEOJSON = "Die Geometrie ist kein gültiges GeoJSON."


def geojson_to_geometry(obj: Mapping[str, Any] | str) -> BaseGeometry:
    """Shapely geometry from GeoJSON (geometry, Feature or FeatureCollection; EPSG:4326).

    A FeatureCollection is merged into one geometry (e.g. several drawn polygons).
    """
    if isinstance(obj, str):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as exc:
            raise GeometryError(f"bad GeoJSON: {exc}", _NOT_GEOJSON) from exc
    if not isinstance(obj, Mapping):
        raise GeometryError("GeoJSON is not an object", _NOT_GEOJSON)
    try:
        return _geojson_shape(obj)
    except GeometryError:
        raise
    except Exception as exc:  # shapely raises several types for malformed input
        raise GeometryError(f"bad GeoJSON geometry: {exc}", _NOT_GEOJSON) from exc


def _geojson_shape(obj: Mapping[str, Any]) -> BaseGeometry:
    kind = obj.get("type")
    if kind == "FeatureCollection":
        geoms = [geojson_to_geometry(f) for f in obj.get("features") or []]
        if not geoms:
            raise GeometryError("empty FeatureCollection", "Es wurde keine Fläche gezeichnet.")
        return geoms[0] if len(geoms) == 1 else shapely.GeometryCollection(geoms)
    if kind == "Feature":
        geometry = obj.get("geometry")
        if not geometry:
            raise GeometryError("feature without geometry", "Die Fläche hat keine Geometrie.")
        return shape(geometry)
    return shape(obj)


def check_lonlat_range(geometry: BaseGeometry) -> None:
    """Refuse EPSG:4326 input whose coordinates are not longitude/latitude."""
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise GeometryError(
            f"coordinates out of lon/lat range: {geometry.bounds}",
            "Die Koordinaten liegen außerhalb des Wertebereichs von Länge/Breite (EPSG:4326).",
        )


def check_area_geometry(
    geometry: BaseGeometry,
    boundary: BaseGeometry,
    municipality_name: str,
    others: Iterable[tuple[int, str, BaseGeometry]] = (),
    *,
    metric_crs: str,
    tolerance_m: float = OUTSIDE_TOLERANCE_M,
    tolerance_share: float = OUTSIDE_TOLERANCE_SHARE,
) -> GeometryCheck:
    """Validate an area geometry given in the metric CRS.

    Checks: polygonal, valid (self-intersections are explained with their location),
    non-empty, inside ``boundary`` (the municipality, metric CRS) or outside it by at most
    ``tolerance_m`` metres or ``tolerance_share`` of its area. Overlaps with ``others``
    (key, name, metric geometry) are reported as warnings, not refused.

    Raises :class:`GeometryError` (German ``message``).
    """
    multi = to_multipolygon(geometry)
    if not multi.is_valid:
        raise GeometryError(
            f"invalid geometry: {explain_validity(multi)}", explain_invalid(multi, metric_crs)
        )
    if multi.area < MIN_AREA_M2:
        raise GeometryError(f"area too small: {multi.area} m²", "Die Fläche ist leer (0 m²).")
    outside = multi.difference(boundary)
    outside_m2 = float(outside.area)
    if outside_m2 > 0:
        near = multi.within(boundary.buffer(tolerance_m))
        share = outside_m2 / multi.area
        if not near and share > tolerance_share:
            outside_ha = area_m2(outside, metric_crs) / 10_000
            raise GeometryError(
                f"outside municipality {municipality_name}: {outside_m2:.0f} m² ({share:.1%})",
                f"Die Fläche liegt zu {format_number(share * 100, 1)} % "
                f"({format_number(outside_ha, 2)} ha) außerhalb der Gemeinde "
                f"{municipality_name}. Bitte zeichnen Sie sie innerhalb der Gemeindegrenze "
                "oder wählen Sie die richtige Gemeinde.",
            )
    overlaps: list[Overlap] = []
    warnings: list[str] = []
    shapely.prepare(multi)
    for key, name, other in others:
        if other is None or not shapely.intersects(multi, other):
            continue
        common = area_m2(multi.intersection(other), metric_crs)
        if common >= MIN_OVERLAP_M2:
            overlaps.append(Overlap(key, name, common / 10_000))
            warnings.append(
                f"Die Fläche überschneidet sich mit „{name}“ "
                f"({format_number(common / 10_000, 2)} ha)."
            )
    shapely.destroy_prepared(multi)
    return GeometryCheck(
        geometry=multi,
        area_ha=area_ha(multi, metric_crs),
        outside_ha=outside_m2 / 10_000,
        overlaps=tuple(overlaps),
        warnings=tuple(warnings),
    )


def web_bounds(geometry: BaseGeometry, metric_crs: str) -> tuple[float, float, float, float]:
    """Bounding box (min_lon, min_lat, max_lon, max_lat) of a metric geometry in EPSG:4326."""
    minx, miny, maxx, maxy = metric_to_web(geometry, metric_crs).bounds
    return (float(minx), float(miny), float(maxx), float(maxy))


def _round_coords(coords: np.ndarray[Any, Any], decimals: int) -> np.ndarray[Any, Any]:
    return np.round(coords, decimals)


def to_web_geometries(
    geometries: Sequence[BaseGeometry],
    *,
    metric_crs: str,
    tolerance_m: float = 1.0,
    decimals: int = 6,
) -> list[dict[str, Any]]:
    """GeoJSON geometry dicts in EPSG:4326 for metric geometries: simplified, rounded.

    Simplification (``tolerance_m`` metres, topology preserving) happens before the
    reprojection; coordinates are rounded to ``decimals`` places (6 ≈ 0.1 m).
    """
    if not geometries:
        return []
    array = np.asarray(geometries, dtype=object)
    if tolerance_m > 0:
        array = shapely.simplify(array, tolerance_m, preserve_topology=True)
    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(array, crs=metric_crs))
    web = to_web(frame).geometry.to_numpy()
    rounded = shapely.transform(web, lambda c: _round_coords(c, decimals))
    return [json.loads(text) for text in shapely.to_geojson(rounded)]
