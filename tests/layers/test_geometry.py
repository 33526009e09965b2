"""layers.geometry: repair keeps only polygonal parts, forces MultiPolygon, never mutates."""

from __future__ import annotations

import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from layers.geometry import is_polygonal, polygonal_parts, repair_polygonal, to_multipolygon

BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])


def test_valid_polygon_is_returned_unchanged() -> None:
    square = box(0, 0, 10, 10)
    result, repaired = repair_polygonal(square)
    assert repaired is False
    assert result is square


def test_bowtie_is_repaired_into_two_triangles_with_the_same_area() -> None:
    assert not BOWTIE.is_valid
    before = shapely.to_wkb(BOWTIE)
    result, repaired = repair_polygonal(BOWTIE)
    assert repaired is True
    assert result.is_valid
    assert result.geom_type == "MultiPolygon"
    assert len(result.geoms) == 2
    assert result.area == 50.0
    assert shapely.to_wkb(BOWTIE) == before  # input untouched


def test_repair_drops_collapsed_line_parts() -> None:
    # A polygon with a zero-width spike: make_valid yields a polygon plus a line.
    spiky = Polygon([(0, 0), (10, 0), (10, 10), (10, 20), (10, 10), (0, 10), (0, 0)])
    result, repaired = repair_polygonal(spiky)
    assert repaired is True
    assert result.geom_type in {"Polygon", "MultiPolygon"}
    assert result.is_valid
    assert result.area == 100.0


def test_repair_of_fully_collapsed_polygon_is_empty() -> None:
    flat = Polygon([(0, 0), (10, 0), (20, 0), (0, 0)])
    result, repaired = repair_polygonal(flat)
    assert repaired is True
    assert result.is_empty


def test_to_multipolygon_wraps_polygons_and_filters_collections() -> None:
    square = box(0, 0, 1, 1)
    assert to_multipolygon(square) == MultiPolygon([square])
    multi = MultiPolygon([square, box(2, 2, 3, 3)])
    assert to_multipolygon(multi) is multi
    mixed = GeometryCollection([square, LineString([(0, 0), (5, 5)]), Point(9, 9)])
    assert to_multipolygon(mixed) == MultiPolygon([square])
    assert to_multipolygon(LineString([(0, 0), (1, 1)])).is_empty


def test_polygonal_parts_and_is_polygonal() -> None:
    square = box(0, 0, 1, 1)
    nested = GeometryCollection([GeometryCollection([square]), Point(0, 0)])
    assert polygonal_parts(nested) == [square]
    assert polygonal_parts(None) == []
    assert is_polygonal(square)
    assert not is_polygonal(Point(0, 0))
    assert not is_polygonal(Polygon())
