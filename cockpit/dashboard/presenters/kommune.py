"""Presenters of the municipality cockpit: service results -> Plotly figures and Dash trees.

Pure functions (no database, no request): every chart comes with a data table (accessible
alternative), its source and "Stand"; demo records are labelled "Demo-Daten".
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component
from shapely.geometry.base import BaseGeometry

from cockpit.dashboard import ids
from cockpit.dashboard.presenters.figures import new_figure
from cockpit.domain.formatting import (
    MISSING,
    format_date,
    format_datetime,
    format_eur,
    format_km2,
    format_number,
    format_value,
)
from cockpit.services.kenndaten import (
    GROUPS,
    FieldSpec,
    HistoryEntry,
    KenndatenItem,
    KenndatenView,
)
from cockpit.services.profile import Band, KpiSeries, MunicipalityProfile
from layers.palettes import AREA_KIND_COLOURS

BOUNDARY_ATTRIBUTION = "© GeoBasis-DE / BKG (2016), Daten verändert, dl-de/by-2-0"
DEMO_LABEL = "Demo-Daten"
AREA_COLOURS = AREA_KIND_COLOURS  # the colours of the Flächen map
PARTY_COLOURS = {
    "CDU": "#222222",
    "AFD": "#0a7fc2",
    "SPD": "#c8000e",
    "DIE LINKE": "#a8235f",
    "LINKE": "#a8235f",
    "BÜNDNIS 90/DIE GRÜNEN": "#2f7d32",
    "GRÜNE": "#2f7d32",
    "FDP": "#b59a00",
    "FREIE WÄHLER": "#c46a00",
}
OTHER_PARTY_COLOUR = "#6b6b6b"
BACKLOG_COLOUR = "#b3412c"
PLANNED_COLOUR = "#1f5fa8"
GRAPH_CONFIG = {"displayModeBar": False, "locale": "de", "responsive": True}


# --------------------------------------------------------------------------- small parts


def demo_badge() -> html.Span:
    return html.Span(DEMO_LABEL, className="kd-demo-badge")


def source_note(
    sources: Iterable[str], stand: dt.date | int | str | None, is_demo: bool = False
) -> html.P:
    """'Quelle: … · Stand: …' under every figure (plus a demo badge)."""
    unique = sorted({s.strip() for s in sources if s and s.strip()})
    if isinstance(stand, dt.date):
        stand_text = format_date(stand)
    elif stand is None:
        stand_text = MISSING
    else:
        stand_text = str(stand)
    parts: list[Any] = [
        html.Span(f"Quelle: {'; '.join(unique) if unique else 'nicht angegeben'}"),
        html.Span(" · "),
        html.Span(f"Stand: {stand_text}"),
    ]
    if is_demo:
        parts += [html.Span(" · "), demo_badge()]
    return html.P(parts, className="kd-source")


def items_note(items: Sequence[KenndatenItem]) -> html.P:
    """Sources and the newest "Stand" of ``items`` (last edit date where none is given)."""
    stands = [
        i.as_of if i.as_of is not None else i.updated_at.date()
        for i in items
        if i.as_of is not None or i.updated_at is not None
    ]
    return source_note(
        (i.source for i in items), max(stands) if stands else None, any(i.is_demo for i in items)
    )


def data_table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[int] = (),
    table_id: str | None = None,
) -> html.Div:
    """A plain, accessible HTML table (caption, ``th scope``), scrollable on phones."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col", className="num" if n in numeric else None)
                for n, h in enumerate(headers)
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(cell, className="num" if n in numeric else None)
                    for n, cell in enumerate(row)
                ]
            )
            for row in rows
        ]
    )
    kwargs: dict[str, Any] = {"id": table_id} if table_id else {}
    return html.Div(
        html.Table([html.Caption(caption), head, body], className="kd-table", **kwargs),
        className="kd-table-wrap",
        tabIndex=0,
        role="region",
        # not just the caption: the section around it is often named the same (landmark-unique)
        **{"aria-label": f"Tabelle: {caption}"},
    )


def figure_block(figure: go.Figure, caption: str, graph_id: str | None = None) -> html.Figure:
    kwargs: dict[str, Any] = {"id": graph_id} if graph_id else {}
    return html.Figure(
        [
            dcc.Graph(figure=figure, config=GRAPH_CONFIG, className="kd-graph", **kwargs),
            html.Figcaption(caption, className="kd-figcaption"),
        ],
        className="kd-figure",
    )


def _figure(height: int, data: Any = None) -> go.Figure:
    return new_figure(data, height=height, margin={"l": 8, "r": 8, "t": 8, "b": 8})


# --------------------------------------------------------------------------- header + map


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
    fig = _figure(300)
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


# --------------------------------------------------------------------------- KPIs


def trend_text(kpi: KpiSeries) -> str:
    latest, previous = kpi.latest, kpi.previous
    if latest is None or previous is None:
        return "kein Vorjahresvergleich"
    delta = latest[1] - previous[1]
    if previous[1]:
        pct = delta / abs(previous[1]) * 100
        pct_text = f" ({'+' if pct >= 0 else '−'}{format_number(abs(pct), 1)} %)"
    else:
        pct_text = ""
    if abs(delta) < 10 ** (-max(kpi.decimals, 0)) / 2:
        return f"unverändert gegenüber {previous[0]}"
    arrow = "▲" if delta > 0 else "▼"
    sign = "+" if delta > 0 else "−"
    return (
        f"{arrow} {sign}{format_number(abs(delta), kpi.decimals)}{pct_text} gegenüber {previous[0]}"
    )


def band_text(kpi: KpiSeries) -> str:
    band = kpi.band
    if band is None:
        return "Kein Kreisvergleich (zu wenige Werte)."
    return (
        f"Kreis-Median {band.year}: {format_value(band.median, kpi.unit, kpi.decimals)}; "
        f"mittlere Hälfte {format_number(band.lower_quartile, kpi.decimals)} bis "
        f"{format_number(band.upper_quartile, kpi.decimals)} "
        f"({band.municipality_count} Kommunen)"
    )


def band_position(kpi: KpiSeries) -> str:
    """Where the own latest value lies relative to the district band."""
    band, latest = kpi.band, kpi.latest
    if band is None or latest is None:
        return ""
    value = latest[1]
    if value < band.lower_quartile:
        return "unteres Viertel"
    if value > band.upper_quartile:
        return "oberes Viertel"
    return "mittlere Hälfte"


def sparkline_figure(kpi: KpiSeries) -> dict[str, Any]:
    """Time series of the own values with the district band (quartiles) and median.

    A plain figure dict: a cockpit shows one sparkline per KPI, and building each as a
    validated ``go.Figure`` cost ~10 ms of server time for a static 70-px picture.
    """
    years = [year for year, _ in kpi.series]
    values = [value for _, value in kpi.series]
    shapes: list[dict[str, Any]] = []
    band: Band | None = kpi.band
    if band is not None:
        x0, x1 = (min(years) - 0.5, max(years) + 0.5) if years else (0, 1)
        shapes = [
            {
                "type": "rect",
                "x0": x0,
                "x1": x1,
                "y0": band.lower_quartile,
                "y1": band.upper_quartile,
                "fillcolor": "rgba(120,120,120,0.18)",
                "line": {"width": 0},
                "layer": "below",
            },
            {
                "type": "line",
                "x0": x0,
                "x1": x1,
                "y0": band.median,
                "y1": band.median,
                "line": {"color": "#555", "width": 1, "dash": "dot"},
            },
        ]
    trace = {
        "type": "scatter",
        "x": years,
        "y": values,
        "mode": "lines+markers",
        "line": {"color": "#1b3a5c", "width": 2},
        "marker": {"size": 5},
    }
    hidden_axis = {"visible": False, "fixedrange": True}
    layout = {
        "height": 70,
        "margin": {"l": 2, "r": 2, "t": 4, "b": 4},
        "showlegend": False,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": hidden_axis,
        "yaxis": hidden_axis,
        "shapes": shapes,
    }
    return {"data": [trace], "layout": layout}


def kpi_card(kpi: KpiSeries) -> html.Article:
    latest = kpi.latest
    value = format_value(latest[1], kpi.unit, kpi.decimals) if latest else MISSING
    position = band_position(kpi)
    return html.Article(
        [
            html.H3(kpi.label, className="kd-kpi-label"),
            html.P(
                [
                    html.Span(value, className="kd-kpi-value"),
                    html.Span(f" ({latest[0]})" if latest else "", className="kd-kpi-year"),
                ]
            ),
            html.Div(
                dcc.Graph(
                    figure=sparkline_figure(kpi),
                    config={**GRAPH_CONFIG, "staticPlot": True},
                    className="kd-sparkline",
                ),
                **{"aria-hidden": "true"},
            ),
            html.P(trend_text(kpi), className="kd-kpi-trend"),
            html.P(
                [band_text(kpi)] + ([html.Strong(f" – {position}")] if position else []),
                className="kd-kpi-band",
            ),
            source_note([kpi.source], latest[0] if latest else None, kpi.is_demo),
        ],
        className="kd-kpi",
        **{"aria-label": kpi.label},
    )


def kpi_table(kpis: Sequence[KpiSeries]) -> html.Div:
    rows = []
    for kpi in kpis:
        latest = kpi.latest
        band = kpi.band
        rows.append(
            [
                kpi.label,
                str(latest[0]) if latest else MISSING,
                format_value(latest[1], kpi.unit, kpi.decimals) if latest else MISSING,
                ", ".join(f"{y}: {format_number(v, kpi.decimals)}" for y, v in kpi.series[-6:]),
                format_number(band.median, kpi.decimals) if band else MISSING,
                f"{format_number(band.lower_quartile, kpi.decimals)} – "
                f"{format_number(band.upper_quartile, kpi.decimals)}"
                if band
                else MISSING,
            ]
        )
    return data_table(
        "Kennzahlen mit Zeitreihe und Kreisvergleich",
        ["Kennzahl", "Jahr", "Wert", "Zeitreihe", "Kreis-Median", "mittlere Hälfte (Kreis)"],
        rows,
        numeric=(2, 4),
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


def kpi_block(profile: MunicipalityProfile) -> html.Section:
    """KPI cards with sparkline and district band, plus the same data as a table."""
    kpis = profile.kpis
    body: list[Any]
    if not kpis:
        body = [_empty("Für diese Kommune liegen keine Kennzahlen vor.")]
    else:
        body = [
            html.P(
                "Verlauf der eigenen Werte; grau hinterlegt die mittlere Hälfte der Kommunen "
                "im Landkreis (1. bis 3. Quartil), gepunktet der Kreis-Median.",
                className="kd-muted",
            ),
            html.Div([kpi_card(k) for k in kpis], className="kd-kpis"),
            html.Details(
                [html.Summary("Kennzahlen als Tabelle"), kpi_table(kpis)], className="kd-details"
            ),
        ]
    return html.Section(
        [html.H2("Kennzahlen", id="kd-heading-kpis"), *body],
        className="kd-section",
        **{"aria-labelledby": "kd-heading-kpis"},
    )


# --------------------------------------------------------------------------- item actions


def _item_buttons(item: KenndatenItem, title: str, can_edit: bool) -> html.Div:
    label = GROUPS[item.group].item_label
    buttons: list[Component] = [
        html.Button(
            "Verlauf",
            id={"type": ids.KOMMUNE_ITEM_HISTORY, "group": item.group, "item": item.id},
            className="kd-btn kd-btn-quiet",
            type="button",
            **{"aria-label": f"Verlauf von {label} „{title}“ anzeigen"},
        )
    ]
    if can_edit:
        buttons.append(
            html.Button(
                "Bearbeiten",
                id={"type": ids.KOMMUNE_ITEM_EDIT, "group": item.group, "item": item.id},
                className="kd-btn kd-edit-only",
                type="button",
                **{"aria-label": f"{label} „{title}“ bearbeiten"},
            )
        )
    return html.Div(buttons, className="kd-item-actions")


def _add_button(group: str, can_edit: bool) -> Component | None:
    if not can_edit:
        return None
    spec = GROUPS[group]
    return html.Button(
        f"+ {spec.item_label} hinzufügen",
        id={"type": ids.KOMMUNE_ITEM_ADD, "group": group},
        className="kd-btn kd-edit-only",
        type="button",
    )


def _section(
    group: str, view: KenndatenView, body: list[Any], note: Component | None = None
) -> html.Section:
    spec = GROUPS[group]
    heading_id = f"kd-heading-{group}"
    head: list[Any] = [html.H2(spec.title, id=heading_id)]
    add = _add_button(group, view.can_edit)
    if add is not None:
        head.append(add)
    children: list[Any] = [html.Div(head, className="kd-section-head"), *body]
    if note is not None:
        children.append(note)
    return html.Section(
        children,
        id=f"kd-section-{group}",
        className="kd-section",
        **{"aria-labelledby": heading_id},
    )


def _empty(text: str = "Noch keine Angaben erfasst.") -> html.P:
    return html.P(text, className="kd-empty")


# --------------------------------------------------------------------------- sections


def contacts_section(view: KenndatenView) -> html.Section:
    items = view.items("contacts")
    cards = []
    for item in items:
        v = item.values
        lines: list[Any] = [html.H3(v["name"], className="kd-card-title")]
        if v.get("function") or v.get("department"):
            lines.append(
                html.P(", ".join(x for x in (v.get("function"), v.get("department")) if x))
            )
        if v.get("phone"):
            tel = "".join(ch for ch in str(v["phone"]) if ch.isdigit() or ch == "+")
            lines.append(html.P(["Telefon: ", html.A(v["phone"], href=f"tel:{tel}")]))
        if v.get("email"):
            lines.append(html.P(["E-Mail: ", html.A(v["email"], href=f"mailto:{v['email']}")]))
        if v.get("notes"):
            lines.append(html.P(v["notes"], className="kd-muted"))
        meta = [f"Stand: {format_date(item.as_of)}"]
        lines.append(
            html.P(
                [" · ".join(meta)] + ([" · ", demo_badge()] if item.is_demo else []),
                className="kd-source",
            )
        )
        lines.append(_item_buttons(item, str(v["name"]), view.can_edit))
        cards.append(html.Article(lines, className="kd-card", id=f"kd-contact-{item.id}"))
    body = [html.Div(cards, className="kd-cards")] if cards else [_empty()]
    return _section("contacts", view, body, items_note(items) if items else None)


def staff_per_1000(headcount: float, population: float | None) -> float | None:
    if not population:
        return None
    return headcount * 1000.0 / population


def staff_section(view: KenndatenView) -> html.Section:
    items = view.items("staff")
    if not items:
        return _section("staff", view, [_empty()])
    latest = items[-1]
    previous = items[-2] if len(items) > 1 else None
    headcount = float(latest.values["headcount"])
    per_1000 = staff_per_1000(headcount, view.population)
    bench = view.staff_benchmark
    facts: list[Any] = [
        html.Div(
            [
                html.Span("Beschäftigte " + str(latest.values["year"]), className="kd-fact-label"),
                html.Span(format_number(headcount), className="kd-fact-value"),
                html.Span(
                    f"{format_number(latest.values.get('full_time_equivalent'), 1)} VZÄ"
                    if latest.values.get("full_time_equivalent") is not None
                    else "",
                    className="kd-fact-note",
                ),
            ],
            className="kd-fact",
        ),
        html.Div(
            [
                html.Span("je 1.000 Einwohner", className="kd-fact-label"),
                html.Span(format_number(per_1000, 1), className="kd-fact-value"),
                html.Span(
                    f"Kreis-Median {bench.year}: {format_number(bench.median_per_1000, 1)} "
                    f"({bench.municipality_count} Kommunen)"
                    if bench
                    else "Kein Kreisvergleich (weniger als 5 Kommunen mit Angaben).",
                    className="kd-fact-note",
                ),
            ],
            className="kd-fact",
        ),
    ]
    if previous is not None:
        delta = headcount - float(previous.values["headcount"])
        facts.append(
            html.Div(
                [
                    html.Span("Veränderung", className="kd-fact-label"),
                    html.Span(
                        ("+" if delta > 0 else "−" if delta < 0 else "±")
                        + format_number(abs(delta)),
                        className="kd-fact-value",
                    ),
                    html.Span(f"gegenüber {previous.values['year']}", className="kd-fact-note"),
                ],
                className="kd-fact",
            )
        )
    fig = _figure(
        220,
        go.Scatter(
            x=[i.values["year"] for i in items],
            y=[i.values["headcount"] for i in items],
            mode="lines+markers",
            line={"color": "#1b3a5c"},
            hovertemplate="%{x}: %{y:,.0f} Beschäftigte<extra></extra>",
        ),
    )
    fig.update_layout(
        xaxis={"dtick": 1, "tickformat": "d", "fixedrange": True},
        yaxis={"rangemode": "tozero", "tickformat": ",.0f", "fixedrange": True},
    )
    rows = [
        [
            str(i.values["year"]),
            format_number(i.values["headcount"]),
            format_number(i.values.get("full_time_equivalent"), 1),
            format_number(staff_per_1000(float(i.values["headcount"]), view.population), 1),
            format_date(i.as_of),
            _item_buttons(i, f"Jahr {i.values['year']}", view.can_edit),
        ]
        for i in items
    ]
    body = [
        html.Div(facts, className="kd-facts"),
        html.Div(
            [
                figure_block(fig, "Beschäftigte in der Kernverwaltung nach Jahr"),
                data_table(
                    "Beschäftigte in der Kernverwaltung",
                    ["Jahr", "Köpfe", "VZÄ", "je 1.000 EW", "Stand", "Aktionen"],
                    rows,
                    numeric=(1, 2, 3),
                ),
            ],
            className="kd-chart-table",
        ),
    ]
    return _section("staff", view, body, items_note(items))


def investment_totals(
    items: Sequence[KenndatenItem],
) -> list[tuple[str, str, float, float]]:
    """(sector code, sector label, backlog sum, planned sum) in catalogue order."""
    sector_choices = GROUPS["investments"].field("sector").choices
    sums: dict[tuple[str, str], float] = defaultdict(float)
    for item in items:
        sums[(str(item.values["sector"]), str(item.values["kind"]))] += float(
            item.values["amount_eur"]
        )
    result = []
    for code, label in sector_choices:
        backlog, planned = sums.get((code, "backlog"), 0.0), sums.get((code, "planned"), 0.0)
        if backlog or planned:
            result.append((code, label, backlog, planned))
    return result


def investment_figure(totals: Sequence[tuple[str, str, float, float]]) -> go.Figure:
    labels = [t[1] for t in totals]
    fig = _figure(max(200, 60 + 46 * len(labels)))
    for name, index, colour in (
        ("Investitionsrückstand", 2, BACKLOG_COLOUR),
        ("geplante Investitionen", 3, PLANNED_COLOUR),
    ):
        values = [t[index] for t in totals]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=values,
                name=name,
                orientation="h",
                marker_color=colour,
                text=[format_eur(v) for v in values],
                textposition="auto",
                hovertemplate="%{y}: %{x:,.0f} €<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        xaxis={"tickformat": ",.0f", "ticksuffix": " €", "fixedrange": True},
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def investments_section(view: KenndatenView) -> html.Section:
    items = view.items("investments")
    if not items:
        return _section("investments", view, [_empty()])
    totals = investment_totals(items)
    pop = view.population
    total_backlog = sum(t[2] for t in totals)
    total_planned = sum(t[3] for t in totals)
    rows = [
        [
            label,
            format_eur(backlog),
            format_eur(planned),
            format_eur(backlog / pop) if pop else MISSING,
            format_eur(planned / pop) if pop else MISSING,
        ]
        for _code, label, backlog, planned in totals
    ]
    rows.append(
        [
            html.Strong("Summe"),
            html.Strong(format_eur(total_backlog)),
            html.Strong(format_eur(total_planned)),
            html.Strong(format_eur(total_backlog / pop) if pop else MISSING),
            html.Strong(format_eur(total_planned / pop) if pop else MISSING),
        ]
    )
    sector_labels = dict(GROUPS["investments"].field("sector").choices)
    kind_labels = dict(GROUPS["investments"].field("kind").choices)
    detail_rows = [
        [
            sector_labels.get(str(i.values["sector"]), str(i.values["sector"])),
            kind_labels.get(str(i.values["kind"]), str(i.values["kind"])),
            str(i.values["year"]),
            format_eur(i.values["amount_eur"]),
            i.values.get("description") or "",
            _item_buttons(
                i,
                f"{sector_labels.get(str(i.values['sector']))} {i.values['year']}",
                view.can_edit,
            ),
        ]
        for i in items
    ]
    body = [
        html.Div(
            [
                figure_block(
                    investment_figure(totals),
                    "Investitionsrückstand und geplante Investitionen nach Bereichen (Summen)",
                ),
                data_table(
                    "Summen nach Bereichen, auch je Einwohner",
                    [
                        "Bereich",
                        "Rückstand",
                        "geplant",
                        "Rückstand je EW",
                        "geplant je EW",
                    ],
                    rows,
                    numeric=(1, 2, 3, 4),
                ),
            ],
            className="kd-chart-table",
        ),
        html.Details(
            [
                html.Summary(f"Einzelposten ({len(items)})"),
                data_table(
                    "Investitionsposten",
                    ["Bereich", "Art", "Jahr", "Betrag", "Beschreibung", "Aktionen"],
                    detail_rows,
                    numeric=(3,),
                ),
            ],
            className="kd-details",
        ),
    ]
    return _section("investments", view, body, items_note(items))


def _simple_list_section(
    group: str,
    view: KenndatenView,
    headers: Sequence[str],
    cells: Any,
) -> html.Section:
    items = view.items(group)
    if not items:
        return _section(group, view, [_empty()])
    rows = [
        [*cells(item), _item_buttons(item, str(item.values.get("name", "")), view.can_edit)]
        for item in items
    ]
    body = [data_table(GROUPS[group].title, [*headers, "Aktionen"], rows)]
    return _section(group, view, body, items_note(items))


def enterprises_section(view: KenndatenView) -> html.Section:
    return _simple_list_section(
        "enterprises",
        view,
        ["Name", "Rechtsform", "Aufgabe", "Beschäftigte", "Stand"],
        lambda i: [
            i.values["name"],
            i.values.get("legal_form") or "",
            i.values.get("purpose") or "",
            format_number(i.values.get("employees")),
            format_date(i.as_of),
        ],
    )


def memberships_section(view: KenndatenView) -> html.Section:
    kinds = dict(GROUPS["memberships"].field("kind").choices)
    return _simple_list_section(
        "memberships",
        view,
        ["Name", "Art", "Zweck", "Stand"],
        lambda i: [
            i.values["name"],
            kinds.get(str(i.values["kind"]), str(i.values["kind"])),
            i.values.get("purpose") or "",
            format_date(i.as_of),
        ],
    )


def party_colour(party: str) -> str:
    key = party.strip().upper()
    for name, colour in PARTY_COLOURS.items():
        if key == name or key.startswith(name):
            return colour
    return OTHER_PARTY_COLOUR


def council_figure(seats: Sequence[tuple[str, int]]) -> go.Figure:
    fig = _figure(
        max(180, 50 + 34 * len(seats)),
        go.Bar(
            y=[p for p, _ in seats],
            x=[s for _, s in seats],
            orientation="h",
            marker_color=[party_colour(p) for p, _ in seats],
            text=[str(s) for _, s in seats],
            textposition="outside",
            hovertemplate="%{y}: %{x} Sitze<extra></extra>",
        ),
    )
    fig.update_layout(
        xaxis={"dtick": 1 if max((s for _, s in seats), default=0) <= 12 else None},
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
        showlegend=False,
    )
    fig.update_xaxes(title_text="Sitze", fixedrange=True, rangemode="tozero")
    return fig


def council_section(view: KenndatenView) -> html.Section:
    items = view.items("council")
    if not items:
        return _section("council", view, [_empty()])
    latest_date = max(i.values["election_date"] for i in items)
    current = [i for i in items if i.values["election_date"] == latest_date]
    seats = [(str(i.values["party"]), int(i.values["seats"])) for i in current]
    total = sum(s for _, s in seats)
    rows = [
        [
            format_date(i.values["election_date"]),
            i.values["party"],
            str(i.values["seats"]),
            format_value(int(i.values["seats"]) * 100 / total, "%", 1)
            if i.values["election_date"] == latest_date and total
            else MISSING,
            _item_buttons(i, f"{i.values['party']}", view.can_edit),
        ]
        for i in items
    ]
    body = [
        html.P(
            f"Wahl vom {format_date(latest_date)}: {total} Sitze",
            className="kd-lead",
        ),
        html.Div(
            [
                figure_block(
                    council_figure(seats),
                    f"Sitzverteilung nach Listen, Wahl vom {format_date(latest_date)}",
                ),
                data_table(
                    "Sitzverteilung",
                    ["Wahltag", "Partei/Liste", "Sitze", "Anteil", "Aktionen"],
                    rows,
                    numeric=(2, 3),
                ),
            ],
            className="kd-chart-table",
        ),
    ]
    return _section("council", view, body, items_note(items))


def focus_section(view: KenndatenView) -> html.Section:
    items = view.items("focus")
    if not items:
        return _section("focus", view, [_empty()])
    by_cluster: dict[str, dict[str, KenndatenItem]] = defaultdict(dict)
    for item in items:
        by_cluster[str(item.values["cluster_name"])][str(item.values["focus"])] = item
    blocks = []
    for cluster, foci in by_cluster.items():
        columns = []
        for focus_key, focus_label in (
            ("current", "Derzeitiger Schwerpunkt"),
            ("future", "Zukünftiger Schwerpunkt"),
        ):
            item = foci.get(focus_key)
            if item is None:
                columns.append(
                    html.Div(
                        [html.H4(focus_label), html.P("–", className="kd-muted")],
                        className="kd-focus-col",
                    )
                )
                continue
            actor_rows = []
            for field_name, label in (
                ("companies", "Unternehmen"),
                ("institutions", "Institutionen"),
                ("research", "Forschungseinrichtungen"),
            ):
                names = item.values.get(field_name) or []
                if names:
                    actor_rows.append(html.Dt(label))
                    actor_rows.append(html.Dd(", ".join(names)))
            columns.append(
                html.Div(
                    [
                        html.H4(focus_label),
                        html.P(item.values.get("description") or "", className="kd-focus-text"),
                        html.Dl(actor_rows, className="kd-actors") if actor_rows else None,
                        _item_buttons(item, f"{cluster} – {focus_label}", view.can_edit),
                    ],
                    className="kd-focus-col",
                )
            )
        blocks.append(
            html.Article(
                [html.H3(cluster), html.Div(columns, className="kd-focus-cols")],
                className="kd-focus",
            )
        )
    return _section("focus", view, blocks, items_note(items))


SECTION_BUILDERS = {
    "contacts": contacts_section,
    "staff": staff_section,
    "investments": investments_section,
    "enterprises": enterprises_section,
    "memberships": memberships_section,
    "council": council_section,
    "focus": focus_section,
}


def kenndaten_sections(view: KenndatenView) -> list[html.Section]:
    """All Kenndaten sections in the fixed order of the groups."""
    return [SECTION_BUILDERS[group](view) for group in GROUPS]


# --------------------------------------------------------------------------- history


def display_value(field: FieldSpec | None, value: Any) -> str:
    """A stored (JSON) value as German text for the history."""
    if value is None or value == "" or value == []:
        return MISSING
    if field is None:
        return str(value)
    if field.kind == "choice" and field.choices:
        return dict(field.choices).get(str(value), str(value))
    if field.kind == "date":
        try:
            return format_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if field.kind == "money":
        return format_eur(float(value), 2 if float(value) % 1 else 0)
    if field.kind == "float":
        return format_number(float(value), 1)
    if field.kind == "int":
        return format_number(float(value))
    if field.kind == "lines" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _field_of(group: str, name: str) -> FieldSpec | None:
    spec = GROUPS.get(group)
    if spec is None:
        return None
    try:
        return spec.field(name)
    except KeyError:
        return None


def history_table(
    entries: Sequence[HistoryEntry],
    caption: str,
    with_item: bool = False,
    cluster_names: Mapping[str, str] | None = None,
) -> html.Div:
    """Who changed what when (old → new), newest first."""
    if not entries:
        return html.Div(_empty("Es sind noch keine Änderungen protokolliert."))
    rows = []
    for entry in entries:
        changes = []
        for change in entry.changes:
            field = _field_of(entry.group, change.field)
            old, new = change.old, change.new
            if change.field == "cluster_id" and cluster_names:
                old = cluster_names.get(str(old), old)
                new = cluster_names.get(str(new), new)
                field = None
            changes.append(
                html.Li(
                    [
                        html.Span(f"{change.label}: "),
                        html.Span(display_value(field, old), className="kd-old"),
                        html.Span(" → "),
                        html.Span(display_value(field, new), className="kd-new"),
                    ]
                )
            )
        row: list[Any] = [format_datetime(entry.at), entry.user_name, entry.action_label]
        if with_item:
            row.insert(2, f"{entry.entity_label}: {entry.title}")
        row.append(html.Ul(changes, className="kd-changes") if changes else MISSING)
        rows.append(row)
    headers = ["Zeitpunkt", "Bearbeitet von", "Aktion", "Änderungen (alt → neu)"]
    if with_item:
        headers.insert(2, "Eintrag")
    return data_table(caption, headers, rows)
