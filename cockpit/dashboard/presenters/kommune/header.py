"""The page header: facts, the small municipality map with its areas, the area table."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import plotly.graph_objects as go
from dash import html
from shapely.geometry.base import BaseGeometry

from cockpit.dashboard import ids
from cockpit.dashboard.presenters.kommune.parts import (
    AREA_COLOURS,
    BOUNDARY_ATTRIBUTION,
    data_table,
    figure_block,
    sized_figure,
    source_note,
)
from cockpit.domain.formatting import MISSING, format_km2, format_number, format_value
from cockpit.services.profile import MunicipalityProfile


def header_facts(profile: MunicipalityProfile) -> list[tuple[str, str, str]]:
    """(label, value, note) triples of the header panel."""
    pop = profile.population
    facts = [
        ("Gemeindeschlüssel (AGS)", profile.ags, ""),
        ("Typ", profile.kind, profile.district_name),
        (
            "Einwohner",
            format_number(pop.value) if pop else MISSING,
            f"{pop.year} · {pop.source}" if pop else "keine Angabe",
        ),
        (
            "Fläche",
            format_km2(profile.area_km2),
            " · ".join(
                p
                for p in (
                    f"Gebietsstand {profile.territorial_status.year}"
                    if profile.territorial_status
                    else "",
                    "berechnet aus VG250",
                )
                if p
            ),
        ),
        (
            "Bevölkerungsdichte",
            format_value(profile.density, "EW/km²", 0) if profile.density else MISSING,
            f"{pop.year}" if pop else "",
        ),
    ]
    return facts


def _rings(geometry: BaseGeometry) -> tuple[list[float | None], list[float | None]]:
    """Outline coordinates of (Multi)Polygon exteriors, rings separated by ``None``."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        exterior = getattr(polygon, "exterior", None)
        if exterior is None:
            continue
        for x, y in exterior.coords:
            lons.append(round(float(x), 5))
            lats.append(round(float(y), 5))
        lons.append(None)
        lats.append(None)
    return lons, lats


def _zoom_for(bounds: tuple[float, float, float, float], pixels: int = 230) -> float:
    """Web-Mercator zoom that fits ``bounds`` (lon/lat) into about ``pixels`` pixels."""
    minx, miny, maxx, maxy = bounds
    span = max(maxx - minx, (maxy - miny) * 1.6, 0.005)  # 1.6 ≈ 1/cos(51°)
    zoom = math.log2(pixels * 360 / (512 * span))  # MapLibre: 512-px tiles
    return max(5.0, min(14.0, round(zoom, 2)))


def profile_map_figure(profile: MunicipalityProfile) -> go.Figure:
    """Municipality outline plus area potentials by kind; no tiles (``white-bg``)."""
    fig = sized_figure(300)
    if profile.boundary is not None and not profile.boundary.is_empty:
        lons, lats = _rings(profile.boundary)
        fig.add_trace(
            go.Scattermap(
                lon=lons,
                lat=lats,
                mode="lines",
                fill="toself",
                fillcolor="rgba(31,95,168,0.08)",
                line={"color": "#1b3a5c", "width": 2},
                name=profile.name,
                hoverinfo="name",
            )
        )
        minx, miny, maxx, maxy = profile.boundary.bounds
        center = {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2}
        zoom = _zoom_for((minx, miny, maxx, maxy))
    else:
        center, zoom = {"lon": 14.8, "lat": 51.15}, 8.0
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for area in profile.areas:
        by_kind[area.kind].append(area)
    for kind, areas in by_kind.items():
        lons: list[float | None] = []
        lats: list[float | None] = []
        text: list[str | None] = []
        for area in areas:
            a_lons, a_lats = _rings(area.geometry)
            lons += a_lons
            lats += a_lats
            label = f"{area.name}<br>{area.kind_label}, {area.status_label}<br>" + format_value(
                area.area_ha, "ha", 1
            )
            text += [label] * len(a_lons)
        fig.add_trace(
            go.Scattermap(
                lon=lons,
                lat=lats,
                mode="lines",
                fill="toself",
                line={"color": AREA_COLOURS.get(kind, "#444"), "width": 2},
                name=areas[0].kind_label,
                text=text,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        map={"style": "white-bg", "center": center, "zoom": zoom},
        showlegend=bool(profile.areas),
        legend={"orientation": "h", "y": 0, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,.8)"},
    )
    return fig


def areas_table(profile: MunicipalityProfile) -> html.Div:
    rows = [
        [a.name, a.kind_label, a.status_label, format_value(a.area_ha, "ha", 1)]
        for a in profile.areas
    ]
    return data_table(
        "Flächenpotenziale der Kommune",
        ["Fläche", "Art", "Status", "Größe"],
        rows or [["keine Flächenpotenziale erfasst", "", "", ""]],
        numeric=(3,),
    )


def header_block(profile: MunicipalityProfile) -> html.Header:
    """Name, type, district, population and area with source, and the small map."""
    facts = html.Dl(
        [
            html.Div([html.Dt(label), html.Dd([value, html.Small(note) if note else None])])
            for label, value, note in header_facts(profile)
        ],
        className="kd-header-facts",
    )
    pop = profile.population
    sources = [BOUNDARY_ATTRIBUTION]
    if pop is not None:
        sources.append(pop.source)
    map_children: list[Any] = [
        figure_block(
            profile_map_figure(profile),
            f"Gemeindegebiet {profile.name}"
            + (" mit Flächenpotenzialen (Gewerbe, Industrie, Brache)" if profile.areas else ""),
            graph_id=ids.KOMMUNE_MAP,
        )
    ]
    if profile.full_access:
        map_children.append(
            html.Details(
                [html.Summary("Flächenpotenziale als Tabelle"), areas_table(profile)],
                className="kd-details",
            )
        )
    map_children.append(
        source_note(
            [BOUNDARY_ATTRIBUTION],
            profile.territorial_status.year if profile.territorial_status else None,
            any(a.is_demo for a in profile.areas),
        )
    )
    return html.Header(
        [
            html.Div(
                [
                    html.P(f"{profile.kind} im {profile.district_name}", className="kd-eyebrow"),
                    html.H1(profile.name, id="kd-title"),
                    html.P(profile.official_name, className="kd-muted")
                    if profile.official_name != profile.name
                    else None,
                    facts,
                    source_note(sources, pop.year if pop else None, bool(pop and pop.is_demo)),
                ],
                className="kd-header-text",
            ),
            html.Div(map_children, className="kd-header-map"),
        ],
        className="kd-header",
    )
