"""Display simplification: coverage-preserving simplification and coordinate rounding.

Plain ``simplify`` treats every polygon on its own and leaves slivers and gaps between
neighbours; ``shapely.coverage_simplify`` simplifies each shared edge once, so neighbours
keep a common border.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from layers.crs import require_crs
from layers.geometry import POLYGONAL_TYPES, repair_polygonal

log = logging.getLogger(__name__)

DEFAULT_DISPLAY_TOLERANCE_M = 150.0


def simplify_coverage(
    frame: gpd.GeoDataFrame, tolerance_m: float = DEFAULT_DISPLAY_TOLERANCE_M
) -> gpd.GeoDataFrame:
    """Simplify a polygon coverage (e.g. the municipalities of one district) as a whole.

    Parameters
    ----------
    frame : GeoDataFrame
        Polygon/MultiPolygon geometries forming a coverage (no overlaps), in a projected
        CRS with metres as unit (e.g. EPSG:25833). Other columns are carried over.
    tolerance_m : float
        Simplification tolerance in metres (roughly the square root of the area of the
        triangles removed, Visvalingam-Whyatt style).

    Returns
    -------
    GeoDataFrame
        A new frame, same CRS, same index and columns, simplified valid geometries.
        If the input is not a valid coverage (overlaps), every geometry is simplified on
        its own with ``preserve_topology`` instead, and a warning is logged.

    Raises
    ------
    layers.crs.CRSError
        If the frame has no CRS.
    ValueError
        If the CRS is geographic (degrees are not metres).
    """
    crs = require_crs(frame)
    if crs.is_geographic:
        raise ValueError("simplify_coverage needs a projected CRS in metres")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if len(geoms) == 0:
        return frame.copy()
    if shapely.coverage_is_valid(geoms):
        simplified = shapely.coverage_simplify(geoms, tolerance_m)
    else:
        log.warning("not a valid coverage: simplifying polygons one by one (gaps possible)")
        simplified = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    repaired = [_valid_polygonal(g) for g in simplified]
    result = frame.copy()
    result[result.geometry.name] = gpd.GeoSeries(repaired, index=frame.index, crs=frame.crs)
    return result


def round_coordinates(geom: BaseGeometry, decimals: int = 5) -> BaseGeometry:
    """Snap coordinates to a grid of ``10**-decimals`` and keep the geometry valid.

    Parameters
    ----------
    geom : shapely geometry
        Any CRS; 5 decimals of a degree in EPSG:4326 are about 1 m.
    decimals : int
        Number of decimal places kept.

    Returns
    -------
    shapely geometry
        A new valid geometry of the same dimension (a polygon whose parts collapse on the
        grid loses those parts). Shared vertices of neighbours snap to the same grid
        point, so a coverage stays a coverage.
    """
    snapped = shapely.set_precision(geom, 10.0**-decimals)
    if snapped.is_empty or snapped.geom_type not in POLYGONAL_TYPES:
        return snapped
    fixed, _ = repair_polygonal(snapped)
    return fixed


def _valid_polygonal(geom: BaseGeometry) -> BaseGeometry:
    fixed, _ = repair_polygonal(geom)
    return fixed
