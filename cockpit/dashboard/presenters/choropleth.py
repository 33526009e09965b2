"""Choropleth presenter: classes, colours, legend and the Plotly figure / Patch of the map.

The geometry is referenced by URL (the browser fetches and caches it once; it is never part
of a callback response) and used twice:

* a map *layer* below the traces paints every municipality grey ("keine Daten") — a layer
  needs no per-municipality arrays, so it costs nothing in the payload or in Plotly's
  per-feature processing;
* the one ``Choroplethmap`` trace (:data:`VALUE_TRACE`) carries the values; ``None`` values are
  simply not drawn, so the grey base shows through (the legend explains "keine Daten").

Colours are classes, not a continuous ramp: ``z`` holds the (rounded) values and the colour
scale is a step function whose steps lie at :attr:`Classification.cuts`, so hover shows the
real value while every municipality gets exactly the colour of its class.
An indicator switch sends only :func:`build_patch` (``z``, range, colour scale, hover text).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import plotly.graph_objects as go
from dash import Patch

from cockpit.dashboard.presenters.figures import new_figure
from cockpit.domain.formatting import (
    MISSING,
    d3_format,
    format_number,
    format_value,
)
from cockpit.services.maps import ChoroplethData, DistrictKpis, IndicatorInfo
from layers.classify import Classification, Method, classify

# Palettes live in layers.palettes (shared with the print exports); re-exported here.
from layers.palettes import (  # noqa: F401
    DEFAULT_PALETTE,
    NO_DATA_COLOUR,
    PALETTES,
    Palette,
    palette_colours,
)

VALUE_TRACE: Final = 0
NO_DATA_LABEL: Final = "keine Daten"
NO_DATA_EXPLANATION: Final = "Für diese Gemeinde liegt für das gewählte Jahr kein Wert vor."
BORDER_COLOUR: Final = "#ffffff"

METHOD_LABELS: Final[dict[str, str]] = {
    "quantiles": "Quantile (gleich viele Gemeinden je Klasse)",
    "equal_interval": "Gleiche Intervalle",
    "natural_breaks": "Natürliche Brüche (Jenks)",
}
DEFAULT_METHOD: Final[Method] = "quantiles"
CLASS_CHOICES: Final = (3, 4, 5, 6, 7)
DEFAULT_CLASSES: Final = 5


@dataclass(frozen=True)
class MapOptions:
    """User choices of the map; unknown values fall back to the defaults (untrusted input)."""

    method: Method = DEFAULT_METHOD
    classes: int = DEFAULT_CLASSES
    palette: str = DEFAULT_PALETTE

    @classmethod
    def from_inputs(cls, method: object, classes: object, palette: object) -> MapOptions:
        chosen_method: Method = (
            method if isinstance(method, str) and method in METHOD_LABELS else DEFAULT_METHOD  # type: ignore[assignment]
        )
        try:
            k = int(classes)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            k = DEFAULT_CLASSES
        k = k if k in CLASS_CHOICES else DEFAULT_CLASSES
        chosen_palette = palette if isinstance(palette, str) and palette in PALETTES else None
        return cls(chosen_method, k, chosen_palette or DEFAULT_PALETTE)


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str
    count: int


@dataclass(frozen=True)
class ChoroplethView:
    """Everything of the map that depends on indicator, year and options."""

    z: list[float | int | None]
    zmin: float
    zmax: float
    colorscale: list[list[float | str]]
    hovertemplate: str
    legend: list[LegendEntry]
    no_data_count: int
    title: str
    classification: Classification = field(repr=False)


def build_colorscale(
    classification: Classification, colours: list[str], zmin: float, zmax: float
) -> list[list[float | str]]:
    """A step colour scale over ``[zmin, zmax]`` with steps at the classification's cuts."""
    if not colours:
        return [[0.0, NO_DATA_COLOUR], [1.0, NO_DATA_COLOUR]]
    if len(colours) == 1 or zmax <= zmin:
        return [[0.0, colours[-1]], [1.0, colours[-1]]]
    span = zmax - zmin
    scale: list[list[float | str]] = [[0.0, colours[0]]]
    for i, cut in enumerate(classification.cuts):
        position = round(min(max((cut - zmin) / span, 0.0), 1.0), 5)
        scale.append([position, colours[i]])
        scale.append([position, colours[i + 1]])
    scale.append([1.0, colours[len(classification.cuts)]])
    return scale


def round_values(values: Sequence[float | None], decimals: int) -> list[float | int | None]:
    """Round half away from zero (vectorised), ints for whole numbers (short JSON)."""
    array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    factor = 10.0 ** max(decimals, 0)
    # 1e-9 absorbs binary representation error (2.675 is stored as 2.67499999…).
    rounded = np.sign(array) * np.floor(np.abs(array) * factor + 0.5 + 1e-9) / factor
    result: list[float | int | None] = []
    for value in rounded.tolist():
        if value != value:  # NaN: no value
            result.append(None)
        elif decimals <= 0 or value.is_integer():
            result.append(int(value))
        else:
            result.append(value)
    return result


def hover_template(indicator: IndicatorInfo, year: int) -> str:
    unit = f" {html.escape(indicator.unit)}" if indicator.unit else ""
    source = f" · {html.escape(indicator.source)}" if indicator.source else ""
    demo = " · Demo-Daten" if indicator.is_demo else ""
    # Plain text + <br> only: every "<" costs 6 bytes in Dash's JSON ("\\u003c").
    value = f"%{{z:{d3_format(indicator.decimals)}}}{unit}"
    return f"%{{properties.name}}<br>{value}<br>{year}{source}{demo}"


def build_view(data: ChoroplethData, options: MapOptions) -> ChoroplethView:
    """Classify the (rounded) values and derive colours, legend and hover text."""
    decimals = data.indicator.decimals
    z = round_values(data.values, decimals)
    array = np.array([np.nan if v is None else v for v in z], dtype=np.float64)
    classification = classify(array, options.method, options.classes)
    colours = palette_colours(options.palette, classification.k)
    present = array[np.isfinite(array)]
    zmin = float(present.min()) if present.size else 0.0
    zmax = float(present.max()) if present.size else 1.0
    classes = np.asarray(classification.class_index)
    legend: list[LegendEntry] = []
    for i, count in enumerate(classification.counts):
        members = array[classes == i]
        if members.size == 0:
            continue  # empty class: zero-width colour step, nothing to explain
        low, high = float(members.min()), float(members.max())
        label = (
            format_number(low, decimals)
            if low == high
            else f"{format_number(low, decimals)} bis {format_number(high, decimals)}"
        )
        legend.append(LegendEntry(colours[i], label, count))
    unit = f" in {data.indicator.unit}" if data.indicator.unit else ""
    return ChoroplethView(
        z=z,
        zmin=zmin,
        zmax=zmax,
        colorscale=build_colorscale(classification, colours, zmin, zmax),
        hovertemplate=hover_template(data.indicator, data.year),
        legend=legend,
        no_data_count=len(z) - int(present.size),
        title=f"{data.indicator.label}{unit}, {data.year}",
        classification=classification,
    )


def _value_trace_update(view: ChoroplethView) -> dict[str, Any]:
    return {
        "z": view.z,
        "zmin": view.zmin,
        "zmax": view.zmax,
        "colorscale": view.colorscale,
        "hovertemplate": view.hovertemplate,
    }


def map_viewport(
    bounds: tuple[float, float, float, float] | None, width_px: int = 760, height_px: int = 560
) -> tuple[dict[str, float], float]:
    """Center and zoom (Web Mercator) that fit ``bounds`` (lon/lat) into the map area."""
    if bounds is None:
        return {"lon": 10.45, "lat": 51.16}, 4.8  # Germany
    min_lon, min_lat, max_lon, max_lat = bounds

    def merc_y(lat: float) -> float:
        rad = math.radians(max(min(lat, 85.0), -85.0))
        return math.log(math.tan(math.pi / 4 + rad / 2))

    lon_span = max(max_lon - min_lon, 1e-6)
    y_span = max(merc_y(max_lat) - merc_y(min_lat), 1e-6)
    zoom_x = math.log2(width_px / 512 * 360 / lon_span)
    zoom_y = math.log2(height_px / 512 * 2 * math.pi / y_span)
    zoom = round(min(zoom_x, zoom_y) - 0.1, 2)
    center = {"lon": (min_lon + max_lon) / 2, "lat": (min_lat + max_lat) / 2}
    return center, zoom


def build_figure(
    data: ChoroplethData,
    view: ChoroplethView,
    geojson_url: str,
    bounds: tuple[float, float, float, float] | None = None,
    origin: str = "",
) -> go.Figure:
    """The complete map figure (first render). ``geojson_url`` points at the geometry route.

    ``origin`` (e.g. ``https://cockpit.example``) makes the base layer's URL absolute: MapLibre
    fetches layer sources in a web worker, where a root-relative URL does not resolve.
    """
    values = go.Choroplethmap(
        geojson=geojson_url,
        featureidkey="properties.ags",
        locations=list(data.ags),
        showscale=False,
        marker={"line": {"color": BORDER_COLOUR, "width": 0.6}},
        name="Werte",
        **_value_trace_update(view),
    )
    no_data_base = {
        "sourcetype": "geojson",
        "source": origin.rstrip("/") + geojson_url,
        "type": "fill",
        "color": NO_DATA_COLOUR,
        "fill": {"outlinecolor": BORDER_COLOUR},
        "below": "traces",
        "name": NO_DATA_LABEL,
    }
    center, zoom = map_viewport(bounds)
    figure = new_figure(
        [values],
        map={"style": "white-bg", "center": center, "zoom": zoom, "layers": [no_data_base]},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision="overview-map",
        showlegend=False,
        # namelength 0 hides the trace name box, so hover templates need no <extra></extra>.
        hoverlabel={"bgcolor": "#ffffff", "font": {"color": "#1a1a1a"}, "namelength": 0},
        paper_bgcolor="#ffffff",
    )
    return figure


def build_patch(view: ChoroplethView) -> Patch:
    """The map update for a new indicator/year/option: values, range, colours, hover only."""
    patch = Patch()
    patch["data"][VALUE_TRACE].update(_value_trace_update(view))
    return patch


def legend_payload(view: ChoroplethView) -> dict[str, Any]:
    """Compact legend data for the client-side legend renderer (title comes from the
    catalogue store on the client)."""
    return {
        "classes": [[e.colour, e.label, e.count] for e in view.legend],
        "nodata": view.no_data_count,
    }


KPI_LABELS: Final = (
    "Summe Landkreis",
    "Median",
    "Minimum",
    "Maximum",
    "Gemeinden mit Wert",
)


def kpi_values(kpis: DistrictKpis, indicator: IndicatorInfo) -> list[str]:
    """Formatted KPI values in the order of :data:`KPI_LABELS` ("–" = not available)."""
    d, unit = indicator.decimals, indicator.unit

    def named(value: float | None, name: str | None) -> str:
        if value is None:
            return MISSING
        text = format_value(value, unit, d)
        return f"{text} ({name})" if name else text

    median = format_value(kpis.median, unit, d)
    if kpis.restricted and kpis.median is not None:
        median += (
            f" (Quartile {format_number(kpis.lower_quartile, d)} – "
            f"{format_number(kpis.upper_quartile, d)})"
        )
    return [
        format_value(kpis.total, unit, d),
        median,
        named(kpis.minimum, kpis.minimum_name),
        named(kpis.maximum, kpis.maximum_name),
        f"{kpis.municipalities_with_data} von {kpis.municipalities_total}",
    ]
