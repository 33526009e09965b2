"""The one place for coordinate reference systems.

Data is stored in the deployment's metric CRS (``COCKPIT_METRIC_CRS``, e.g. EPSG:25833 =
ETRS89 / UTM 33N in Saxony, EPSG:25832 in the western Länder; every function takes it
explicitly), hectares are computed equal-area (EPSG:3035), and the browser gets EPSG:4326.
No ``.to_crs(`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import shapely
from pyproj import CRS, Transformer
from shapely import Geometry

WEB_CRS = "EPSG:4326"


class CRSError(ValueError):
    """The data has no CRS, or one we cannot use."""


def require_crs(frame: gpd.GeoDataFrame) -> CRS:
    """Return the frame's CRS or raise :class:`CRSError` (never guess silently)."""
    if frame.crs is None:
        raise CRSError("layer has no coordinate reference system")
    return CRS.from_user_input(frame.crs)


def to_metric(frame: gpd.GeoDataFrame, metric_crs: str) -> gpd.GeoDataFrame:
    """Reproject a frame to the metric storage CRS (returns a new frame)."""
    require_crs(frame)
    return frame.to_crs(metric_crs)


def to_web(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject a frame to EPSG:4326 for the browser (returns a new frame)."""
    require_crs(frame)
    return frame.to_crs(WEB_CRS)


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def transform_geometry(geometry: Geometry, source: str, target: str) -> Geometry:
    """Reproject one Shapely geometry (lon/lat axis order for geographic CRSs)."""
    if source == target:
        return geometry
    transformer = _transformer(source, target)
    # shapely.ops.transform is deprecated in Shapely 2.2 (a DeprecationWarning = test error).
    return shapely.transform(geometry, transformer.transform, interleaved=False)


def metric_to_web(geometry: Geometry, metric_crs: str) -> Geometry:
    return transform_geometry(geometry, metric_crs, WEB_CRS)


def web_to_metric(geometry: Geometry, metric_crs: str) -> Geometry:
    return transform_geometry(geometry, WEB_CRS, metric_crs)


# ETRS89-extended / LAEA Europe: equal-area on the GRS80 ellipsoid, so an area computed here
# equals the geodesic area (to < 0.001 %) wherever in Germany the geometry lies, whichever UTM
# zone it is stored in. Planar areas in UTM are off by up to ~0.1 % (scale factor 0.9996 and
# its growth away from the central meridian) and differ between 25832 and 25833.
EQUAL_AREA_CRS = "EPSG:3035"


def area_m2(geometry: Geometry, crs: str) -> float:
    """Area in m² of a geometry given in ``crs``, computed equal-area (EPSG:3035)."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return float(transform_geometry(geometry, crs, EQUAL_AREA_CRS).area)


def areas_m2(geometries: Sequence[Geometry], crs: str) -> list[float]:
    """Vectorised :func:`area_m2` for many geometries in ``crs``."""
    if not geometries:
        return []
    series = gpd.GeoSeries(list(geometries), crs=crs).to_crs(EQUAL_AREA_CRS)
    return [float(a) for a in series.area.fillna(0.0)]


def area_ha(geometry: Geometry, crs: str) -> float:
    """Area in hectares of a geometry given in ``crs`` (equal-area, see :func:`area_m2`)."""
    return area_m2(geometry, crs) / 10_000.0
