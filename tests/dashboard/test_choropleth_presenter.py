"""Choropleth presenter: classes -> colours, legend text, figure and Patch size."""

from __future__ import annotations

import json

import plotly.io as pio
import pytest
from dash import Patch

from cockpit.dashboard.presenters.choropleth import (
    NO_DATA_COLOUR,
    PALETTES,
    VALUE_TRACE,
    MapOptions,
    build_colorscale,
    build_figure,
    build_patch,
    build_view,
    legend_payload,
    palette_colours,
)
from cockpit.domain.formatting import (
    format_date,
    format_eur,
    format_ha,
    format_number,
    format_percent,
    format_value,
)
from cockpit.domain.vocab import Visibility
from cockpit.services.maps import ChoroplethData, IndicatorInfo


def _info(decimals: int = 0, unit: str = "Personen") -> IndicatorInfo:
    return IndicatorInfo(
        key="bevoelkerung",
        label="Einwohner",
        unit=unit,
        category="Bevölkerung",
        description="",
        source="Zensus 2022",
        licence="dl-de/by-2-0",
        visibility=Visibility.PUBLIC,
        higher_is_better=None,
        decimals=decimals,
        is_demo=False,
        years=(2022,),
    )


def _data(values: list[float | None], decimals: int = 0) -> ChoroplethData:
    n = len(values)
    return ChoroplethData(
        indicator=_info(decimals),
        year=2022,
        ags=tuple(f"14626{i:03d}" for i in range(n)),
        names=tuple(f"Gemeinde {i}" for i in range(n)),
        values=tuple(values),
        full_scope=True,
        is_demo=False,
    )


def _interpolate_colour(colorscale: list[list[float | str]], z: float, zmin: float, zmax: float):
    """Which colour Plotly picks for ``z`` on a step scale (the stop at or just below)."""
    position = (z - zmin) / (zmax - zmin)
    colour = colorscale[0][1]
    for stop, stop_colour in colorscale:
        if float(stop) < position or (float(stop) == position == 0.0):
            colour = stop_colour
    return colour


def test_german_formatting() -> None:
    import datetime as dt

    assert format_number(1234.56, 1) == "1.234,6"
    assert format_number(2.5) == "3"
    assert format_number(None) == "–"
    assert format_eur(1_234_567) == "1.234.567\u00a0€"
    assert format_ha(12.34) == "12,34\u00a0ha"
    assert format_percent(9.75) == "9,8\u00a0%"
    assert format_value(54_664, "Personen") == "54.664\u00a0Personen"
    assert format_date(dt.date(2026, 11, 22)) == "22.11.2026"


@pytest.mark.parametrize("palette", sorted(PALETTES))
@pytest.mark.parametrize("k", [3, 5, 7])
def test_palettes_give_k_distinct_colours(palette: str, k: int) -> None:
    colours = palette_colours(palette, k)
    assert len(colours) == k == len(set(colours))
    assert all(c.startswith("#") and len(c) == 7 for c in colours)
    assert NO_DATA_COLOUR not in colours


def test_every_municipality_gets_the_colour_of_its_class() -> None:
    values = [float(v) for v in (3_652, 54_664, 1_300, 14_789, 15_348, 25_585, 4_000, 8_000)]
    view = build_view(_data([*values, None]), MapOptions("quantiles", 4, "greens"))
    colours = palette_colours("greens", 4)
    for value, klass in zip(view.z, view.classification.class_index, strict=True):
        if value is None:
            assert klass == -1
            continue
        assert _interpolate_colour(view.colorscale, value, view.zmin, view.zmax) == colours[klass]
    assert view.no_data_count == 1
    assert view.z[-1] is None


def test_values_on_class_bounds_keep_their_class_colour() -> None:
    # Fisher-Jenks bounds are data values: 2 belongs to class 0, 3 to class 1.
    view = build_view(_data([1.0, 2.0, 3.0, 4.0]), MapOptions("natural_breaks", 3, "blues"))
    colours = palette_colours("blues", 3)
    picked = [_interpolate_colour(view.colorscale, z, view.zmin, view.zmax) for z in view.z]  # type: ignore[arg-type]
    assert picked == [colours[view.classification.class_index[i]] for i in range(4)]


def test_legend_lists_class_ranges_in_german_format() -> None:
    values = [1234.5, 2345.25, 9999.0, 15000.75, 20000.0, 100.0]
    view = build_view(_data(values, decimals=1), MapOptions("quantiles", 3, "blues"))
    labels = [entry.label for entry in view.legend]
    # values are rounded half-up to the indicator's decimals before classifying
    assert labels == ["100,0 bis 1.234,5", "2.345,3 bis 9.999,0", "15.000,8 bis 20.000,0"]
    assert [entry.count for entry in view.legend] == [2, 2, 2]
    assert view.title == "Einwohner in Personen, 2022"
    assert legend_payload(view)["nodata"] == 0
    assert "%{z:,.1f} Personen" in view.hovertemplate
    assert "%{properties.name}" in view.hovertemplate


def test_single_value_and_no_values() -> None:
    one = build_view(_data([5.0, 5.0]), MapOptions())
    assert len(one.legend) == 1 and one.legend[0].label == "5"
    assert build_colorscale(one.classification, palette_colours("blues", 1), 5, 5)[0][0] == 0.0
    none = build_view(_data([None, None]), MapOptions())
    assert none.legend == [] and none.no_data_count == 2
    assert none.colorscale == [[0.0, NO_DATA_COLOUR], [1.0, NO_DATA_COLOUR]]


def test_untrusted_options_fall_back_to_defaults() -> None:
    assert MapOptions.from_inputs("evil", "99", "nope") == MapOptions()
    assert MapOptions.from_inputs("natural_breaks", 7, "viridis") == MapOptions(
        "natural_breaks", 7, "viridis"
    )


def test_figure_references_geometry_by_url_only() -> None:
    data = _data([float(v) for v in range(53)])
    view = build_view(data, MapOptions())
    figure = build_figure(data, view, "/geo/municipalities/abc.geojson", (14.4, 50.8, 15.1, 51.6))
    traces = figure.data
    assert len(traces) == 1
    assert traces[VALUE_TRACE].geojson == "/geo/municipalities/abc.geojson"
    assert traces[VALUE_TRACE].featureidkey == "properties.ags"
    base = figure.layout.map.layers[0]  # the grey "keine Daten" base under the trace
    assert (base.source, base.type, base.color) == (
        "/geo/municipalities/abc.geojson",
        "fill",
        NO_DATA_COLOUR,
    )
    assert figure.layout.map.style == "white-bg"
    assert figure.layout.separators == ",."
    payload = pio.to_json(figure)
    assert "coordinates" not in payload


def test_patch_for_53_municipalities_is_small_and_has_no_geometry() -> None:
    data = _data([54_664.0 - 997.3 * i for i in range(53)], decimals=1)
    view = build_view(data, MapOptions("natural_breaks", 7, "viridis"))
    patch = build_patch(view)
    assert isinstance(patch, Patch)
    wire = json.dumps(patch.to_plotly_json(), separators=(",", ":"))
    assert len(wire.encode()) < 1024, len(wire)
    operations = patch.to_plotly_json()["operations"]
    assert len(operations) == 1
    changed = set(operations[0]["params"]["value"])
    assert changed == {"z", "zmin", "zmax", "colorscale", "hovertemplate"}
    assert "geojson" not in wire and "coordinates" not in wire and "locations" not in wire
