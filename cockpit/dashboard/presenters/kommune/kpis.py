"""KPI cards with trend, sparkline and district band, and the KPI table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from cockpit.dashboard.presenters.kommune.parts import (
    GRAPH_CONFIG,
    data_table,
    empty_note,
    source_note,
)
from cockpit.domain.formatting import MISSING, format_number, format_value
from cockpit.services.profile import Band, KpiSeries, MunicipalityProfile


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


def kpi_block(profile: MunicipalityProfile) -> html.Section:
    """KPI cards with sparkline and district band, plus the same data as a table."""
    kpis = profile.kpis
    body: list[Any]
    if not kpis:
        body = [empty_note("Für diese Kommune liegen keine Kennzahlen vor.")]
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
