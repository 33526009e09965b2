"""Kenndaten sections: enterprises, memberships, council, focus; all sections in order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from dash import html

from cockpit.dashboard.presenters.kommune.investments import investments_section
from cockpit.dashboard.presenters.kommune.parts import (
    OTHER_PARTY_COLOUR,
    PARTY_COLOURS,
    data_table,
    empty_note,
    figure_block,
    item_buttons,
    items_note,
    kenndaten_section,
    sized_figure,
)
from cockpit.dashboard.presenters.kommune.people import contacts_section, staff_section
from cockpit.domain.formatting import MISSING, format_date, format_number, format_value
from cockpit.services.kenndaten import GROUPS, KenndatenItem, KenndatenView


def _simple_list_section(
    group: str,
    view: KenndatenView,
    headers: Sequence[str],
    cells: Any,
) -> html.Section:
    items = view.items(group)
    if not items:
        return kenndaten_section(group, view, [empty_note()])
    rows = [
        [*cells(item), item_buttons(item, str(item.values.get("name", "")), view.can_edit)]
        for item in items
    ]
    body = [data_table(GROUPS[group].title, [*headers, "Aktionen"], rows)]
    return kenndaten_section(group, view, body, items_note(items))


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
    fig = sized_figure(
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
        return kenndaten_section("council", view, [empty_note()])
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
            item_buttons(i, f"{i.values['party']}", view.can_edit),
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
    return kenndaten_section("council", view, body, items_note(items))


def focus_section(view: KenndatenView) -> html.Section:
    items = view.items("focus")
    if not items:
        return kenndaten_section("focus", view, [empty_note()])
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
                        item_buttons(item, f"{cluster} – {focus_label}", view.can_edit),
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
    return kenndaten_section("focus", view, blocks, items_note(items))


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
