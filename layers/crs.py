"""The one place for coordinate reference systems.

Data is stored in the deployment's metric CRS (EPSG:25833, ETRS89 / UTM 33N, by default),
areas are measured there, and the browser gets EPSG:4326. No ``.to_crs(`` elsewhere.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import shapely
from pyproj import CRS, Transformer
from shapely import Geometry

WEB_CRS = "EPSG:4326"
DEFAULT_METRIC_CRS = "EPSG:25833"


class CRSError(ValueError):
    """The data has no CRS, or one we cannot use."""


def require_crs(frame: gpd.GeoDataFrame) -> CRS:
    """Return the frame's CRS or raise :class:`CRSError` (never guess silently)."""
    if frame.crs is None:
        raise CRSError("layer has no coordinate reference system")
    return CRS.from_user_input(frame.crs)


def to_metric(frame: gpd.GeoDataFrame, metric_crs: str = DEFAULT_METRIC_CRS) -> gpd.GeoDataFrame:
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


def metric_to_web(geometry: Geometry, metric_crs: str = DEFAULT_METRIC_CRS) -> Geometry:
    return transform_geometry(geometry, metric_crs, WEB_CRS)


def web_to_metric(geometry: Geometry, metric_crs: str = DEFAULT_METRIC_CRS) -> Geometry:
    return transform_geometry(geometry, WEB_CRS, metric_crs)


def area_ha(geometry: Geometry) -> float:
    """Area in hectares of a geometry given in a metric CRS (metres)."""
    return float(geometry.area) / 10_000.0
