"""Kenndaten sections: contact persons and staff."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from cockpit.dashboard.presenters.kommune.parts import (
    data_table,
    demo_badge,
    empty_note,
    figure_block,
    item_buttons,
    items_note,
    kenndaten_section,
    sized_figure,
)
from cockpit.domain.formatting import format_date, format_number
from cockpit.services.kenndaten import KenndatenView


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
        lines.append(item_buttons(item, str(v["name"]), view.can_edit))
        cards.append(html.Article(lines, className="kd-card", id=f"kd-contact-{item.id}"))
    body = [html.Div(cards, className="kd-cards")] if cards else [empty_note()]
    return kenndaten_section("contacts", view, body, items_note(items) if items else None)


def staff_per_1000(headcount: float, population: float | None) -> float | None:
    if not population:
        return None
    return headcount * 1000.0 / population


def staff_section(view: KenndatenView) -> html.Section:
    items = view.items("staff")
    if not items:
        return kenndaten_section("staff", view, [empty_note()])
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
    fig = sized_figure(
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
            item_buttons(i, f"Jahr {i.values['year']}", view.can_edit),
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
    return kenndaten_section("staff", view, body, items_note(items))
