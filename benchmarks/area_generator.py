"""Synthetic area potentials for scale tests and benchmarks (not demo data: no history).

Areas are irregular 6–10-gons of 0.3–40 ha placed at random points inside the real
municipality boundaries; all attributes are drawn from the vocabularies. The bbox
columns and ``area_ha`` are computed exactly like the services do.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cockpit.db import storage_srid
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    Ownership,
    PlanningStatus,
)
from cockpit.models import AreaPotential, Municipality
from layers.crs import areas_m2, to_web


def _blob(rng: random.Random, x: float, y: float, area_m2: float) -> Polygon:
    corners = rng.randint(6, 10)
    radius = math.sqrt(area_m2 / math.pi)
    points = []
    for i in range(corners):
        angle = 2 * math.pi * i / corners + rng.uniform(-0.2, 0.2)
        r = radius * rng.uniform(0.75, 1.2)
        points.append((x + r * math.cos(angle), y + r * math.sin(angle)))
    return Polygon(points)


def generate_areas(
    session: Session,
    count: int,
    *,
    seed: int = 42,
    today: dt.date | None = None,
    batch: int = 5_000,
) -> int:
    """Insert ``count`` synthetic areas spread over all municipalities; returns the count."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    municipalities = list(session.scalars(select(Municipality).order_by(Municipality.id)))
    if not municipalities:
        raise RuntimeError("no municipalities: import the boundaries first")
    crs = f"EPSG:{storage_srid(session.get_bind().engine)}"
    weights = [m.boundary.area for m in municipalities]
    inner = {m.id: (m.boundary.buffer(-200) or m.boundary) for m in municipalities}
    for geometry in inner.values():
        shapely.prepare(geometry)
    inserted = 0
    while inserted < count:
        size = min(batch, count - inserted)
        chosen = rng.choices(municipalities, weights=weights, k=size)
        geoms: list[MultiPolygon] = []
        for municipality in chosen:
            boundary = inner[municipality.id]
            minx, miny, maxx, maxy = boundary.bounds
            while True:
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if shapely.contains_xy(boundary, x, y):
                    break
            hectares = min(40.0, rng.lognormvariate(1.0, 0.9) + 0.3)
            geoms.append(MultiPolygon([_blob(rng, x, y, hectares * 10_000)]))
        web = to_web(gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, crs=crs)))
        hectares_of = [m2 / 10_000 for m2 in areas_m2(geoms, crs)]
        bounds = shapely.bounds(web.geometry.to_numpy())
        rows: list[dict[str, Any]] = []
        for index, (municipality, geom) in enumerate(zip(chosen, geoms, strict=True)):
            confirmed = (
                today - dt.timedelta(days=rng.randint(0, 900)) if rng.random() < 0.8 else None
            )
            rows.append(
                {
                    "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "municipality_id": municipality.id,
                    "kind": rng.choice(list(AreaKind)),
                    "name": f"Testfläche {inserted + index + 1}",
                    "geom": geom,
                    "area_ha": round(hectares_of[index], 4),
                    "net_area_ha": None,
                    "status": rng.choice(list(AreaStatus)),
                    "planning_status": rng.choice(list(PlanningStatus)),
                    "ownership": rng.choice(list(Ownership)),
                    "servicing": rng.sample(list(SERVICING_OPTIONS), rng.randint(0, 4)),
                    "obstacles": rng.sample(list(OBSTACLE_OPTIONS), rng.randint(0, 2)),
                    "notes": "",
                    "source": rng.choice(list(AreaSource)),
                    "geoportal_id": f"SYN-{inserted + index + 1}",
                    "kwis_id": None,
                    "last_confirmed_at": confirmed,
                    "last_confirmed_by": "Generator" if confirmed else "",
                    "last_confirmed_method": ConfirmationMethod.GESPRAECH if confirmed else None,
                    "version": 1,
                    "is_deleted": False,
                    "is_demo": True,
                    "min_lon": float(bounds[index][0]),
                    "min_lat": float(bounds[index][1]),
                    "max_lon": float(bounds[index][2]),
                    "max_lat": float(bounds[index][3]),
                }
            )
        session.execute(insert(AreaPotential), rows)
        session.commit()
        inserted += size
    return int(np.int64(inserted))
