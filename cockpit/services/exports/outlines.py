"""The municipality outlines under the lens maps (Flächen, Themencluster): public
boundaries only, with their digest, the district outline and the district extent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.models import Municipality
from cockpit.services.exports.provenance import Extent, bounds_of, geometry_digest, outline_of

EMPTY_EXTENT: Extent = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class Outlines:
    """Every municipality with a boundary, by AGS (geometry in the metric CRS)."""

    ags: tuple[str, ...]
    names: tuple[str, ...]
    geometries: tuple[BaseGeometry, ...]

    def frame(self, metric_crs: str, **columns: Sequence[Any]) -> gpd.GeoDataFrame:
        """``ags``, ``name`` and ``columns`` (one value per municipality) with geometry."""
        return gpd.GeoDataFrame(
            {"ags": list(self.ags), "name": list(self.names), **columns},
            geometry=list(self.geometries),
            crs=metric_crs,
        )

    @property
    def digest(self) -> str:
        return geometry_digest(zip(self.ags, self.geometries, strict=True))

    @property
    def outline(self) -> BaseGeometry | None:
        return outline_of(self.geometries)

    @property
    def extent(self) -> Extent:
        return bounds_of(self.geometries) or EMPTY_EXTENT


def load_outlines(session: Session) -> Outlines:
    rows = [
        (ags, name, geometry)
        for ags, name, geometry in session.execute(
            select(Municipality.ags, Municipality.name, Municipality.boundary).order_by(
                Municipality.ags
            )
        )
        if geometry is not None
    ]
    return Outlines(
        ags=tuple(r[0] for r in rows),
        names=tuple(r[1] for r in rows),
        geometries=tuple(r[2] for r in rows),
    )
