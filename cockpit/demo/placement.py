"""Where the demo's area potentials lie: irregular polygons inside a municipality."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from cockpit.domain.vocab import AreaKind
from cockpit.models import AreaPotential, Municipality
from layers.geometry import to_multipolygon

T = TypeVar("T")


AREA_SIZE_HA: dict[AreaKind, tuple[float, float]] = {
    AreaKind.GEWERBE: (0.5, 15.0),
    AreaKind.INDUSTRIE: (3.0, 60.0),
    AreaKind.BRACHE: (0.3, 25.0),
}
BORDER_MARGIN_M = 20.0  # areas keep this distance to the municipality border
AREA_GAP_M = 15.0  # and this distance to each other (no overlaps, no touching)

# Area currency states of the demo: confirmed within 12 months, confirmed earlier, never
# confirmed, soft-deleted.
CURRENT, STALE, NEVER, DELETED = "current", "stale", "never", "deleted"
AREA_STATES = (CURRENT, STALE, NEVER, DELETED)


@dataclass
class AreaPlan:
    """An area potential before it becomes rows (so states can be balanced first)."""

    municipality: Municipality
    kind: AreaKind
    name: str
    geom: MultiPolygon
    rng: random.Random
    state: str = CURRENT
    events: list[tuple[str, dt.datetime, str]] = field(default_factory=list)
    area: AreaPotential | None = None


def choice(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    values = [o[0] for o in options]
    weights = [o[1] for o in options]
    return rng.choices(values, weights=weights, k=1)[0]


def moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC) + dt.timedelta(
        minutes=rng.randrange(0, 9 * 60)
    )


def _irregular_polygon(rng: random.Random, cx: float, cy: float, area_m2: float) -> Polygon:
    """A slightly irregular, rotated quadrilateral (sometimes with a notch) of ``area_m2``."""
    aspect = rng.uniform(0.45, 2.2)
    width = math.sqrt(area_m2 * aspect)
    height = area_m2 / width
    corners = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
    points = [
        ((x + rng.uniform(-0.08, 0.08)) * width, (y + rng.uniform(-0.08, 0.08)) * height)
        for x, y in corners
    ]
    if rng.random() < 0.4:  # pull one edge's midpoint inwards: an L-ish outline
        i = rng.randrange(4)
        (ax, ay), (bx, by) = points[i], points[(i + 1) % 4]
        k = 1.0 - rng.uniform(0.1, 0.25)
        points.insert(i + 1, ((ax + bx) / 2 * k, (ay + by) / 2 * k))
    polygon = Polygon(points)
    if not polygon.is_valid:
        polygon = Polygon(polygon.convex_hull.exterior)
    polygon = affinity.rotate(polygon, rng.uniform(0.0, 180.0), origin=(0.0, 0.0))
    factor = math.sqrt(area_m2 / polygon.area)
    polygon = affinity.scale(polygon, factor, factor, origin=(0.0, 0.0))
    return affinity.translate(polygon, cx, cy)


def place_area(
    rng: random.Random,
    inner: BaseGeometry,
    target_m2: float,
    occupied: Sequence[BaseGeometry],
) -> MultiPolygon | None:
    """A polygon of about ``target_m2`` inside ``inner``, ``AREA_GAP_M`` away from ``occupied``.

    ``inner`` (metric CRS) must be prepared with :func:`shapely.prepare`. Clips to ``inner``
    and accepts only placements that keep at least 85 % of the drawn size; shrinks the size
    after repeated failures. Returns ``None`` if nothing fits.
    """
    minx, miny, maxx, maxy = inner.bounds
    size = target_m2
    for attempt in range(1, 241):
        if attempt % 60 == 0:
            size *= 0.6
        cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(inner, cx, cy):
            continue
        polygon = _irregular_polygon(rng, cx, cy, size)
        clipped = shapely.set_precision(polygon.intersection(inner), 0.01)
        if clipped.is_empty or clipped.area < 0.85 * polygon.area:
            continue
        if any(clipped.distance(other) < AREA_GAP_M for other in occupied):
            continue
        multi = to_multipolygon(clipped)
        if multi.is_empty or not multi.is_valid:
            continue
        return multi
    return None
