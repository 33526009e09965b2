"""layers.simplify: coverage simplification keeps shared borders; rounding keeps validity."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon

from layers.simplify import round_coordinates, simplify_coverage
from tests.config_support import TEST_METRIC_CRS


def _wiggly_neighbours() -> gpd.GeoDataFrame:
    """Two municipalities in EPSG:25833 sharing a finely wiggled 10 km border."""
    border = [(0.0, y * 100.0 + 0.0) for y in range(101)]
    border = [(x + 30.0 * math.sin(i), y) for i, (x, y) in enumerate(border)]
    west = Polygon([(-10_000.0, 0.0), *border, (-10_000.0, 10_000.0)])
    east = Polygon([(10_000.0, 0.0), (10_000.0, 10_000.0), *reversed(border)])
    assert west.is_valid and east.is_valid
    return gpd.GeoDataFrame(
        {"ags": ["14626010", "14626020"]}, geometry=[west, east], crs="EPSG:25833"
    )


def test_simplify_coverage_removes_vertices_and_keeps_the_shared_border() -> None:
    frame = _wiggly_neighbours()
    before = frame.copy()
    result = simplify_coverage(frame, 100.0)

    assert list(result["ags"]) == ["14626010", "14626020"]
    assert result.crs == frame.crs
    assert result.geometry.is_valid.all()
    assert shapely.get_num_coordinates(result.geometry.values).sum() < (
        shapely.get_num_coordinates(frame.geometry.values).sum() / 2
    )
    # No gap and no overlap between the neighbours: still a valid coverage.
    assert shapely.coverage_is_valid(result.geometry.values)
    union = shapely.union_all(result.geometry.values)
    assert union.area == pytest.approx(result.geometry.area.sum(), rel=1e-9)
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0
    # The input frame is untouched.
    assert frame.geometry.equals(before.geometry)


def test_simplify_coverage_refuses_geographic_crs() -> None:
    frame = _wiggly_neighbours().set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(ValueError, match="projected"):
        simplify_coverage(frame, 100.0)


def test_simplify_coverage_on_real_goerlitz_data_gives_valid_coverage(data_dir) -> None:
    from layers.crs import to_metric
    from layers.io import read_vector

    frame = to_metric(
        read_vector(data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg"), TEST_METRIC_CRS
    )
    result = simplify_coverage(frame, 150.0)
    assert len(result) == 53
    assert result.geometry.is_valid.all()
    assert shapely.coverage_is_valid(result.geometry.values)
    # Areas are preserved within a few per mille for the whole district.
    assert result.geometry.area.sum() == pytest.approx(frame.geometry.area.sum(), rel=5e-3)


def test_round_coordinates_snaps_to_grid_and_stays_valid() -> None:
    polygon = Polygon([(14.123456789, 51.1), (14.2, 51.123456789), (14.2, 51.2), (14.1, 51.2)])
    rounded = round_coordinates(polygon, 5)
    assert rounded.is_valid
    for x, y in rounded.exterior.coords:
        assert round(x, 5) == x
        assert round(y, 5) == y
        assert len(repr(x).split(".")[1]) <= 5
    # A sliver thinner than the grid disappears instead of becoming invalid.
    sliver = Polygon([(0, 0), (1, 0), (1, 0.000001), (0, 0.000001)])
    assert round_coordinates(sliver, 5).is_empty
