"""Kenndaten section: investments per sector (totals, chart, table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import plotly.graph_objects as go
from dash import html

from cockpit.dashboard.presenters.kommune.parts import (
    BACKLOG_COLOUR,
    PLANNED_COLOUR,
    data_table,
    empty_note,
    figure_block,
    item_buttons,
    items_note,
    kenndaten_section,
    sized_figure,
)
from cockpit.domain.formatting import MISSING, format_eur
from cockpit.services.kenndaten import GROUPS, KenndatenItem, KenndatenView


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
    fig = sized_figure(max(200, 60 + 46 * len(labels)))
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
        return kenndaten_section("investments", view, [empty_note()])
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
            item_buttons(
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
    return kenndaten_section("investments", view, body, items_note(items))
