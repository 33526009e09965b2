"""Hectares are equal-area: the same polygon gives the same ha in 25832 and 25833 (geodesic)."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import Polygon, box

from layers.crs import area_ha, areas_m2, transform_geometry

# A 200 m x 300 m field near Görlitz (UTM 33) and one near Halle (UTM 32), given in lon/lat so
# both storage CRSs can hold them.
PLACES = {"goerlitz": (14.98, 51.15), "halle": (11.97, 51.48), "aachen": (6.08, 50.77)}


def _square_lonlat(lon: float, lat: float) -> Polygon:
    centre = transform_geometry(box(lon, lat, lon, lat).centroid, "EPSG:4326", "EPSG:3035")
    x, y = centre.x, centre.y
    return transform_geometry(box(x, y, x + 200, y + 300), "EPSG:3035", "EPSG:4326")


def _geodesic_ha(lonlat: Polygon) -> float:
    area, _ = Geod(ellps="GRS80").geometry_area_perimeter(lonlat)
    return abs(area) / 10_000


@pytest.mark.parametrize("place", sorted(PLACES))
def test_same_hectares_whatever_the_storage_crs(place: str) -> None:
    lonlat = _square_lonlat(*PLACES[place])
    reference = _geodesic_ha(lonlat)
    results = {}
    for crs in ("EPSG:25832", "EPSG:25833"):
        stored = transform_geometry(lonlat, "EPSG:4326", crs)
        results[crs] = area_ha(stored, crs)
        assert results[crs] == pytest.approx(reference, rel=5e-4)  # ±0.05 %
    assert results["EPSG:25832"] == pytest.approx(results["EPSG:25833"], rel=5e-4)
    # the planar UTM area of the far zone is measurably off: equal-area is what fixes it
    far = transform_geometry(lonlat, "EPSG:4326", "EPSG:25833")
    if place == "aachen":
        assert abs(far.area / 10_000 - reference) / reference > 5e-4


def test_vectorised_areas_match_single() -> None:
    shapes = [
        transform_geometry(_square_lonlat(*p), "EPSG:4326", "EPSG:25833") for p in PLACES.values()
    ]
    many = areas_m2(shapes, "EPSG:25833")
    assert [round(m, 3) for m in many] == [
        round(area_ha(s, "EPSG:25833") * 10_000, 3) for s in shapes
    ]
    assert areas_m2([], "EPSG:25833") == []
