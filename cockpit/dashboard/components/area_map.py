"""Reusable map of area potentials (dash-leaflet): boundaries as base, one layer per kind.

No external tiles by default (offline deployments): the municipality boundaries are the base
layer; a district may configure its own tile service (``COCKPIT_BASEMAP_URL``). Styling is done
in ``assets/flaechen.js`` (``window.cockpitAreas``) so selection changes only the ``hideout``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash_leaflet as dl
from dash import html
from dash.development.base_component import Component

from cockpit.domain.vocab import AreaKind, AreaStatus
from layers.palettes import AREA_KIND_COLOURS

ATTRIBUTION_BOUNDARIES = "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0"

# Shared with the snapshots (layers.palettes); must match KIND_COLOURS in assets/flaechen.js.
KIND_COLOURS: dict[AreaKind, str] = {kind: AREA_KIND_COLOURS[kind.value] for kind in AreaKind}
KIND_LAYER_NAMES: dict[AreaKind, str] = {
    AreaKind.GEWERBE: "Gewerbeflächen",
    AreaKind.INDUSTRIE: "Industrieflächen",
    AreaKind.BRACHE: "Brachflächen",
}
# Must match STATUS_FILL in assets/flaechen.js.
STATUS_FILL: dict[AreaStatus, float] = {
    AreaStatus.VERFUEGBAR: 0.55,
    AreaStatus.RESERVIERT: 0.38,
    AreaStatus.IN_ENTWICKLUNG: 0.25,
    AreaStatus.VERMARKTET: 0.12,
    AreaStatus.NICHT_VERFUEGBAR: 0.04,
}

# Landkreis Görlitz (EPSG:4326, [[south, west], [north, east]]); used until data is loaded.
DEFAULT_BOUNDS: list[list[float]] = [[50.84, 14.38], [51.62, 15.05]]

STYLE = {"variable": "cockpitAreas.style"}
TOOLTIP = {"variable": "cockpitAreas.tooltip"}
BOUNDARY_STYLE = {"variable": "cockpitAreas.boundaryStyle"}
BOUNDARY_TOOLTIP = {"variable": "cockpitAreas.boundaryTooltip"}
HIGHLIGHT_STYLE = {"variable": "cockpitAreas.highlightStyle"}

EMPTY_FC: dict[str, Any] = {"type": "FeatureCollection", "features": []}
BOUNDARY_PANE = "fl-boundaries"  # CSS class leaflet-fl-boundaries-pane


@dataclass(frozen=True)
class AreaMapIds:
    """Component ids of one map instance (several maps may live on one page)."""

    map: str
    boundaries: str
    layers_control: str
    gewerbe: str
    industrie: str
    brache: str
    highlight: str
    edit_group: str
    edit_control: str

    def layer(self, kind: AreaKind) -> str:
        return {
            AreaKind.GEWERBE: self.gewerbe,
            AreaKind.INDUSTRIE: self.industrie,
            AreaKind.BRACHE: self.brache,
        }[kind]

    @property
    def layer_ids(self) -> list[str]:
        return [self.gewerbe, self.industrie, self.brache]


def area_map_ids(prefix: str) -> AreaMapIds:
    """Ids for a map whose components all start with ``prefix``."""
    return AreaMapIds(
        map=f"{prefix}-map",
        boundaries=f"{prefix}-boundaries",
        layers_control=f"{prefix}-layers",
        gewerbe=f"{prefix}-layer-gewerbe",
        industrie=f"{prefix}-layer-industrie",
        brache=f"{prefix}-layer-brache",
        highlight=f"{prefix}-highlight",
        edit_group=f"{prefix}-edit-group",
        edit_control=f"{prefix}-edit-control",
    )


def edit_control(control_id: str) -> dl.EditControl:
    """Leaflet.draw toolbar: polygons and rectangles only (areas are polygonal)."""
    return dl.EditControl(
        id=control_id,
        position="topleft",
        draw={
            "polygon": {"allowIntersection": False, "showArea": False},
            "rectangle": True,
            "polyline": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
        },
        edit={"edit": True, "remove": True},
    )


def edit_children(
    control_id: str, polygons: Sequence[Sequence[Sequence[Sequence[float]]]] = ()
) -> list[Component]:
    """Children of the edit FeatureGroup: existing rings (lat/lon) to edit plus the toolbar.

    dash-leaflet only returns features that are in the group when the control mounts
    (``draw:mounted``) or that are drawn later, so the control is re-created together with
    the polygons it should edit.
    """
    children: list[Component] = [
        dl.Polygon(positions=[list(map(list, ring)) for ring in rings], color="#111111")
        for rings in polygons
    ]
    children.append(edit_control(control_id))
    return children


def area_map(
    ids: AreaMapIds,
    *,
    layers: Mapping[AreaKind, dict[str, Any]] | None = None,
    boundaries: dict[str, Any] | None = None,
    boundaries_url: str | None = None,
    bounds: list[list[float]] | None = None,
    selected: int | None = None,
    basemap_url: str = "",
    basemap_attribution: str = "",
    editable: bool = False,
    height: str = "520px",
    zoom: int = 9,
    label: str = "Karte der Flächenpotenziale",
) -> html.Div:
    """The map: boundaries (base), one toggleable GeoJSON layer per kind, highlight, editing.

    ``layers`` maps each kind to a GeoJSON FeatureCollection in EPSG:4326 whose features carry
    ``id``, ``kind``, ``status``, ``stale`` and ``tooltip`` properties. ``boundaries`` (or
    ``boundaries_url``) is a FeatureCollection of municipality outlines.
    """
    layers = layers or {}
    box = bounds or DEFAULT_BOUNDS
    children: list[Component] = []
    if basemap_url:
        children.append(dl.TileLayer(url=basemap_url, attribution=basemap_attribution))
    boundary_kwargs: dict[str, Any] = {"data": boundaries or EMPTY_FC}
    if boundaries_url and boundaries is None:
        boundary_kwargs = {"url": boundaries_url}
    # The outlines arrive by URL after the area layers: in their own pane below the overlay
    # pane (z-index in flaechen.css) they can never cover the areas.
    children.append(
        dl.Pane(
            dl.GeoJSON(
                id=ids.boundaries,
                style=BOUNDARY_STYLE,
                onEachFeature=BOUNDARY_TOOLTIP,
                attribution=ATTRIBUTION_BOUNDARIES,
                interactive=True,
                bubblingMouseEvents=True,
                **boundary_kwargs,
            ),
            name=BOUNDARY_PANE,
        )
    )
    overlays = [
        dl.Overlay(
            dl.GeoJSON(
                id=ids.layer(kind),
                data=layers.get(kind, EMPTY_FC),
                style=STYLE,
                onEachFeature=TOOLTIP,
                hideout={"selected": selected},
            ),
            name=KIND_LAYER_NAMES[kind],
            checked=True,
        )
        for kind in AreaKind
    ]
    children.append(dl.LayersControl(overlays, id=ids.layers_control, collapsed=False))
    children.append(dl.GeoJSON(id=ids.highlight, data=EMPTY_FC, style=HIGHLIGHT_STYLE))
    if editable:
        children.append(
            dl.FeatureGroup(id=ids.edit_group, children=edit_children(ids.edit_control))
        )
    children.append(dl.ScaleControl(position="bottomleft", imperial=False))
    return html.Div(
        className="fl-map-wrap",
        role="region",
        **{"aria-label": label},
        children=dl.MapContainer(
            id=ids.map,
            children=children,
            bounds=box,
            # dash-leaflet compares map moves against ``center``; it must always be set.
            center=[(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2],
            zoom=zoom,
            style={"height": height, "width": "100%"},
            className="fl-map",
            attributionControl=True,
            scrollWheelZoom=True,
            keyboard=True,
        ),
    )


def legend() -> html.Div:
    """HTML legend: colour per kind, fill strength per status, dashed outline when overdue."""
    kind_items = [
        html.Li(
            [
                html.Span(className="fl-swatch", style={"background": colour}),
                KIND_LAYER_NAMES[kind],
            ]
        )
        for kind, colour in KIND_COLOURS.items()
    ]
    status_items = [
        html.Li(
            [
                html.Span(
                    className="fl-swatch",
                    style={"background": f"rgba(0,0,0,{fill:.2f})", "borderColor": "#333"},
                ),
                status.label,
            ]
        )
        for status, fill in STATUS_FILL.items()
    ]
    return html.Div(
        className="fl-legend",
        children=[
            html.Div(
                [html.Strong("Art"), html.Ul(kind_items, className="fl-legend-list")],
            ),
            html.Div(
                [html.Strong("Status (Füllung)"), html.Ul(status_items, className="fl-legend-list")]
            ),
            html.Div(
                [
                    html.Strong("Aktualität"),
                    html.Ul(
                        [
                            html.Li(
                                [
                                    html.Span(className="fl-swatch fl-swatch-stale"),
                                    "gestrichelt: Bestätigung überfällig",
                                ]
                            )
                        ],
                        className="fl-legend-list",
                    ),
                ]
            ),
        ],
    )


def small_map(
    map_id: str,
    layer_id: str,
    *,
    boundaries_url: str | None = None,
    bounds: list[list[float]] | None = None,
    colour: str = "#0072B2",
    label: str = "Kartenausschnitt",
    height: str = "260px",
) -> html.Div:
    """A small read-only map showing one geometry (review: old vs. new)."""
    box = bounds or DEFAULT_BOUNDS
    children: list[Component] = []
    if boundaries_url:
        children.append(
            dl.GeoJSON(
                url=boundaries_url,
                style=BOUNDARY_STYLE,
                attribution=ATTRIBUTION_BOUNDARIES,
                interactive=False,
            )
        )
    children.append(
        dl.GeoJSON(
            id=layer_id,
            data=EMPTY_FC,
            style={"color": colour, "weight": 3, "fillColor": colour, "fillOpacity": 0.35},
        )
    )
    return html.Div(
        className="fl-map-wrap",
        role="img",
        **{"aria-label": label},
        children=dl.MapContainer(
            id=map_id,
            children=children,
            bounds=box,
            center=[(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2],
            zoom=9,
            style={"height": height, "width": "100%"},
            className="fl-map",
        ),
    )
