"""Shared parts of the municipality cockpit: constants, badges, source notes, item buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from cockpit.dashboard import ids
from cockpit.dashboard.presenters.figures import new_figure
from cockpit.domain.formatting import MISSING, format_date
from cockpit.services.kenndaten import GROUPS, KenndatenItem, KenndatenView
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


def sized_figure(height: int, data: Any = None) -> go.Figure:
    return new_figure(data, height=height, margin={"l": 8, "r": 8, "t": 8, "b": 8})


# --------------------------------------------------------------------------- item actions


def item_buttons(item: KenndatenItem, title: str, can_edit: bool) -> html.Div:
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


def add_button(group: str, can_edit: bool) -> Component | None:
    if not can_edit:
        return None
    spec = GROUPS[group]
    return html.Button(
        f"+ {spec.item_label} hinzufügen",
        id={"type": ids.KOMMUNE_ITEM_ADD, "group": group},
        className="kd-btn kd-edit-only",
        type="button",
    )


def kenndaten_section(
    group: str, view: KenndatenView, body: list[Any], note: Component | None = None
) -> html.Section:
    spec = GROUPS[group]
    heading_id = f"kd-heading-{group}"
    head: list[Any] = [html.H2(spec.title, id=heading_id)]
    add = add_button(group, view.can_edit)
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


def empty_note(text: str = "Noch keine Angaben erfasst.") -> html.P:
    return html.P(text, className="kd-empty")
