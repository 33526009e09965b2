"""Pure geometry checks for area potentials (metric CRS in, German messages out)."""

from __future__ import annotations

import json

import pytest
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping

from layers.area_geometry import (
    GeometryError,
    check_area_geometry,
    geojson_to_geometry,
    to_multipolygon,
    to_web_geometries,
    web_bounds,
)
from layers.crs import metric_to_web, transform_geometry
from tests.config_support import TEST_METRIC_CRS

X0, Y0 = 498_000.0, 5_668_000.0


def geodesic_ha(geometry: Polygon, crs: str) -> float:
    """Reference area on the GRS80 ellipsoid (pyproj.Geod), independent of our code."""
    lonlat = transform_geometry(geometry, crs, "EPSG:4326")
    area, _perimeter = Geod(ellps="GRS80").geometry_area_perimeter(lonlat)
    return abs(area) / 10_000


TOWN = box(X0 - 2_000, Y0 - 2_000, X0 + 2_000, Y0 + 2_000)


def test_polygonal_only_and_collections() -> None:
    assert to_multipolygon(box(0, 0, 1, 1)).geom_type == "MultiPolygon"
    drawn = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": mapping(metric_to_web(box(X0, Y0, X0 + 50, Y0 + 50), TEST_METRIC_CRS)),
            },
            {
                "type": "Feature",
                "properties": {},
                "geometry": mapping(
                    metric_to_web(box(X0 + 100, Y0, X0 + 150, Y0 + 50), TEST_METRIC_CRS)
                ),
            },
        ],
    }
    merged = to_multipolygon(geojson_to_geometry(json.dumps(drawn)))
    assert len(merged.geoms) == 2
    for bad, word in ((Point(0, 0), "Punkt"), (LineString([(0, 0), (1, 1)]), "Linie")):
        with pytest.raises(GeometryError) as error:
            to_multipolygon(bad)
        assert word in error.value.message and "nur Polygone" in error.value.message
    with pytest.raises(GeometryError):
        geojson_to_geometry("{kein json")
    with pytest.raises(GeometryError) as empty:
        geojson_to_geometry({"type": "FeatureCollection", "features": []})
    assert "keine Fläche gezeichnet" in empty.value.message


def test_self_intersection_and_outside_and_overlaps() -> None:
    bow = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    with pytest.raises(GeometryError) as invalid:
        check_area_geometry(bow, TOWN, "Teststadt", metric_crs=TEST_METRIC_CRS)
    assert "überschneidet sich selbst bei 14," in invalid.value.message
    # 6 m over the border: inside the 10 m tolerance
    edge = box(X0 + 1_900, Y0, X0 + 2_006, Y0 + 100)
    assert check_area_geometry(edge, TOWN, "Teststadt", metric_crs=TEST_METRIC_CRS).outside_ha > 0
    # 30 m of 130 m over the border (23 %): refused
    with pytest.raises(GeometryError) as outside:
        check_area_geometry(
            box(X0 + 1_900, Y0, X0 + 2_030, Y0 + 100), TOWN, "Teststadt", metric_crs=TEST_METRIC_CRS
        )
    assert "außerhalb der Gemeinde Teststadt" in outside.value.message
    # 2 % outside but 40 m beyond the border: allowed by the share rule
    wide = box(X0 - 1_000, Y0, X0 + 2_040, Y0 + 100)
    # hectares are equal-area: the geodesic area, not the planar UTM 30.4 ha
    assert check_area_geometry(
        wide, TOWN, "Teststadt", metric_crs="EPSG:25833"
    ).area_ha == pytest.approx(geodesic_ha(wide, "EPSG:25833"), rel=1e-5)
    others = [
        (7, "Nachbar", box(X0 + 50, Y0, X0 + 150, Y0 + 100)),
        (8, "Weit weg", box(0, 0, 1, 1)),
    ]
    result = check_area_geometry(
        box(X0, Y0, X0 + 100, Y0 + 100), TOWN, "Teststadt", others, metric_crs=TEST_METRIC_CRS
    )
    assert [(o.key, round(o.overlap_ha, 3)) for o in result.overlaps] == [(7, 0.5)]
    assert result.warnings == ("Die Fläche überschneidet sich mit „Nachbar“ (0,50 ha).",)


def test_web_geometries_are_rounded_and_bounds_match() -> None:
    square = MultiPolygon([box(X0, Y0, X0 + 100, Y0 + 100)])
    [geometry] = to_web_geometries([square], tolerance_m=0, metric_crs=TEST_METRIC_CRS)
    lon, lat = geometry["coordinates"][0][0][0]
    assert lon == round(lon, 6) and 14.9 < lon < 15.1 and 51.1 < lat < 51.2
    west, south, east, north = web_bounds(square, TEST_METRIC_CRS)
    assert west < lon + 1e-6 and east > west and north > south
