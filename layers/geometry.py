"""Geometry validation and repair for polygon layers (pure Shapely, CRS-agnostic).

All functions take and return Shapely geometries and never mutate their input (Shapely
geometries are immutable). They work in any CRS; callers decide where (usually in the
metric storage CRS after reprojection, because validity can change under reprojection).
"""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

POLYGONAL_TYPES = frozenset({"Polygon", "MultiPolygon"})


def polygonal_parts(geom: BaseGeometry | None) -> list[Polygon]:
    """The non-empty polygons contained in ``geom``.

    Parameters
    ----------
    geom : shapely geometry or None
        Any geometry; collections are searched recursively. Points and lines are dropped.

    Returns
    -------
    list of Polygon
        Possibly empty.
    """
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return [part for part in geom.geoms if not part.is_empty]
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", ()):
        parts.extend(polygonal_parts(part))
    return parts


def is_polygonal(geom: BaseGeometry | None) -> bool:
    """True if ``geom`` is a non-empty Polygon or MultiPolygon."""
    return geom is not None and not geom.is_empty and geom.geom_type in POLYGONAL_TYPES


def to_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Force a polygonal geometry into a MultiPolygon.

    Parameters
    ----------
    geom : Polygon, MultiPolygon or GeometryCollection
        Non-polygonal parts of a collection are dropped.

    Returns
    -------
    MultiPolygon
        Same coordinates, same CRS; empty if ``geom`` holds no polygon.
    """
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon(polygonal_parts(geom))


def repair_polygonal(geom: BaseGeometry) -> tuple[BaseGeometry, bool]:
    """Make a polygon valid, keeping only its polygonal parts.

    Parameters
    ----------
    geom : Polygon or MultiPolygon
        In any CRS.

    Returns
    -------
    (geometry, was_repaired) : tuple
        ``geometry`` is a valid Polygon/MultiPolygon (empty if nothing polygonal is left,
        e.g. for a collapsed ring); ``was_repaired`` says whether ``shapely.make_valid``
        had to change it. Lines and points that ``make_valid`` produces from collapsed
        parts are dropped (they have no area).
    """
    if geom.is_valid and geom.geom_type in POLYGONAL_TYPES:
        return geom, False
    fixed = shapely.make_valid(geom)
    parts = polygonal_parts(fixed)
    if not parts:
        return MultiPolygon(), True
    result: BaseGeometry = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if not result.is_valid:  # parts of a collection may touch along an edge
        result = shapely.union_all(parts)
        result = to_multipolygon(result) if result.geom_type not in POLYGONAL_TYPES else result
    return result, True
