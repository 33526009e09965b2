"""The list of due confirmations per municipality."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from cockpit.domain.formatting import format_date, format_number


def due_panel(
    per_municipality: Sequence[Any], due_areas: Sequence[Any], *, can_survey: bool
) -> Component:
    """ "Fällige Bestätigungen": per municipality (with link to the conversation) and per area."""
    if not per_municipality:
        return html.P("Keine Flächen erfasst.", role="status")
    rows = []
    for entry in per_municipality:
        action: Component = ""
        if can_survey and entry.total:
            action = dcc.Link(
                "Erhebungsgespräch starten",
                href=f"/flaechen/erhebung/{entry.ags}",
                className="fl-button fl-button-small",
            )
        rows.append(
            html.Tr(
                [
                    html.Td(entry.name),
                    html.Td(format_number(entry.total), className="fl-num"),
                    html.Td(
                        format_number(entry.due),
                        className="fl-num" + (" fl-due" if entry.due else ""),
                    ),
                    html.Td(format_number(entry.never_confirmed), className="fl-num"),
                    html.Td(format_date(entry.oldest_confirmation)),
                    html.Td(action),
                ]
            )
        )
    total_due = sum(e.due for e in per_municipality)
    table = html.Table(
        [
            html.Caption(
                f"Fällige Bestätigungen: {format_number(total_due)} Flächen in "
                f"{format_number(sum(1 for e in per_municipality if e.due))} Gemeinden"
            ),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in (
                            "Gemeinde",
                            "Flächen",
                            "fällig",
                            "nie bestätigt",
                            "älteste Bestätigung",
                            "",
                        )
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="fl-table",
    )
    area_items = [
        html.Li(f"{a.municipality_name}: {a.name} ({a.area_text}, {a.last_confirmed_text})")
        for a in due_areas[:200]
    ]
    return html.Div(
        [
            table,
            html.Details(
                [html.Summary(f"Einzelne fällige Flächen ({len(due_areas)})"), html.Ul(area_items)]
            ),
        ]
    )
