"""Helpers for the area-potential tests: real municipalities, users, test geometries."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.roles import Principal, Role
from cockpit.domain.vocab import MunicipalityKind
from cockpit.models import District, Municipality, User
from layers.crs import metric_to_web, to_metric

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
GOERLITZ = "14626110"
ZITTAU = "14626610"
MARKERSDORF = "14626300"  # neighbour of Görlitz


@lru_cache(maxsize=1)
def _gemeinden() -> gpd.GeoDataFrame:
    frame = gpd.read_file(DATA_DIR / "lk_goerlitz_gemeinden_vg250_2016.gpkg", layer="gemeinden")
    return to_metric(frame)


def load_municipalities(session: Session, *ags: str) -> dict[str, Municipality]:
    """Create the district and the given municipalities with their real VG250 boundary."""
    district = session.scalar(select(District).where(District.ags == "14626"))
    if district is None:
        district = District(ags="14626", name="Görlitz", official_name="Landkreis Görlitz")
        session.add(district)
        session.flush()
    frame = _gemeinden()
    result: dict[str, Municipality] = {}
    for key in ags or (GOERLITZ, ZITTAU, MARKERSDORF):
        existing = session.scalar(select(Municipality).where(Municipality.ags == key))
        if existing is not None:
            result[key] = existing
            continue
        row = frame[frame["AGS"] == key].iloc[0]
        geom = row.geometry
        if isinstance(geom, Polygon):
            geom = MultiPolygon([geom])
        municipality = Municipality(
            district_id=district.id,
            ags=key,
            ars=row["ARS"],
            name=row["GEN"],
            kind=MunicipalityKind.STADT if row["BEZ"] == "Stadt" else MunicipalityKind.GEMEINDE,
            boundary=geom,
            area_km2=float(geom.area) / 1e6,
            source="VG250 2016",
        )
        session.add(municipality)
        session.flush()
        result[key] = municipality
    session.commit()
    return result


def make_principal(
    session: Session, username: str, role: Role, municipalities: list[Municipality] | None = None
) -> Principal:
    """A real user row (history rows reference it) and its principal."""
    user = User(
        username=username,
        display_name=username.title(),
        password_hash="x",
        role=role,
        municipalities=list(municipalities or []),
    )
    session.add(user)
    session.commit()
    return user.to_principal()


def inner_square(
    municipality: Municipality, size_m: float = 200.0, dx: float = 0.0, dy: float = 0.0
) -> Polygon:
    """A square (metric CRS) around a point well inside the municipality."""
    centre = municipality.boundary.representative_point()
    x, y = centre.x + dx, centre.y + dy
    half = size_m / 2
    return box(x - half, y - half, x + half, y + half)


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """Metric geometry as GeoJSON geometry in EPSG:4326 (what the map draws)."""
    return dict(mapping(metric_to_web(geometry)))


def bowtie(municipality: Municipality, size_m: float = 200.0) -> Polygon:
    centre = municipality.boundary.representative_point()
    x, y = centre.x, centre.y
    return Polygon([(x, y), (x + size_m, y + size_m), (x + size_m, y), (x, y + size_m)])


def area_attrs(municipality: Municipality, name: str = "Gewerbegebiet Nord", **extra: Any) -> dict:
    values: dict[str, Any] = {
        "name": name,
        "municipality_id": municipality.id,
        "kind": "gewerbe",
        "status": "verfuegbar",
    }
    values.update(extra)
    return values


def assert_valid(geometry: BaseGeometry) -> None:
    assert shapely.is_valid(geometry)


MAPSERV = Path("/usr/bin/mapserv")

_MAPFILE = """MAP
  NAME "geoportal"
  EXTENT 280000 5200000 920000 6100000
  PROJECTION "init=epsg:25833" END
  WEB
    METADATA
      "wfs_title" "Geoportal Test-WFS"
      "wfs_onlineresource" "{url}?"
      "wfs_srs" "EPSG:25833 EPSG:4326"
      "wfs_enable_request" "*"
    END
  END
  LAYER
    NAME "{layer}"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "{gpkg}"
    DATA "{layer}"
    PROJECTION "init=epsg:25833" END
    METADATA
      "wfs_title" "{layer}"
      "gml_include_items" "all"
      "gml_types" "auto"
      "wfs_enable_request" "*"
    END
  END
END
"""


@contextmanager
def serve_wfs(gpkg: Path, layer: str, workdir: Path) -> Iterator[str]:
    """A real WFS (MapServer ``mapserv`` as CGI, see ``tests/wfs_server.py``) serving one
    GeoPackage layer in EPSG:25833 from a separate process; yields the URL on 127.0.0.1."""
    config = workdir / "mapserver.conf"
    config.write_text('CONFIG\n  ENV\n    MS_MAP_PATTERN "."\n  END\nEND\n', encoding="utf-8")
    mapfile = workdir / "wfs.map"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/wfs"
    mapfile.write_text(_MAPFILE.format(url=url, layer=layer, gpkg=gpkg), encoding="utf-8")
    server = Path(__file__).with_name("wfs_server.py")
    process = subprocess.Popen(
        [sys.executable, str(server), str(mapfile), str(config), str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == str(port)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
