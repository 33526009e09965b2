"""The detail panel of one area: attributes, history, snapshots ("Stand am")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from dash import html
from dash.development.base_component import Component

from cockpit.dashboard.presenters.areas.common import enum_label
from cockpit.dashboard.presenters.areas.filters import float_or_none
from cockpit.domain.formatting import format_date, format_datetime, format_ha
from cockpit.domain.vocab import AreaKind, AreaStatus
from cockpit.services.areas import AreaDetail, AreaSnapshot


def definition_list(rows: Iterable[tuple[str, str]]) -> html.Dl:
    children: list[Component] = []
    for label, text in rows:
        children.append(html.Dt(label))
        children.append(html.Dd(text or "–"))
    return html.Dl(children, className="fl-attributes")


def history_table(detail: AreaDetail, *, can_restore: bool, restore_button_type: str) -> Component:
    """Versions newest first: when, who, what, why (+ "wiederherstellen" for editors)."""
    if not detail.history:
        return html.P("Keine Versionen vorhanden.")
    header = ["Version", "Zeitpunkt", "Aktion", "Bearbeitet von", "Begründung"]
    if can_restore:
        header.append("")
    rows = []
    for entry in detail.history:
        cells: list[Component] = [
            html.Td(str(entry.version)),
            html.Td(format_datetime(entry.valid_from)),
            html.Td(entry.action_label),
            html.Td(entry.changed_by_name or "–"),
            html.Td(entry.reason or "–"),
        ]
        if can_restore:
            cells.append(
                html.Td(
                    html.Button(
                        "wiederherstellen",
                        id={"type": restore_button_type, "version": entry.version},
                        className="fl-button fl-button-small",
                        title=f"Stand von Version {entry.version} wiederherstellen",
                    )
                    if entry.version != detail.version
                    else ""
                )
            )
        rows.append(html.Tr(cells))
    return html.Table(
        [
            html.Caption("Versionen (neueste zuerst)"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody(rows),
        ],
        className="fl-table fl-history",
    )


def detail_panel(detail: AreaDetail, *, can_restore: bool, restore_button_type: str) -> Component:
    """Everything about one area: attributes, confirmation, history."""
    badges: list[Component] = [
        html.Span(detail.kind.label, className=f"fl-badge fl-badge-{detail.kind.value}"),
        html.Span(detail.status.label, className="fl-badge"),
    ]
    if detail.stale:
        badges.append(html.Span("Bestätigung überfällig", className="fl-badge fl-badge-stale"))
    if detail.is_deleted:
        badges.append(html.Span("gelöscht", className="fl-badge fl-badge-deleted"))
    if detail.is_demo:
        badges.append(html.Span("Demo-Daten", className="fl-badge fl-badge-demo"))
    return html.Article(
        [
            html.H3(detail.name, id="fl-detail-heading"),
            html.P(
                f"{detail.municipality_name} (AGS {detail.municipality_ags}) · "
                f"Version {detail.version}",
                className="fl-muted",
            ),
            html.Div(badges, className="fl-badges"),
            html.P(detail.confirmation_text, className="fl-confirmation"),
            definition_list((row.label, row.text) for row in detail.attributes),
            html.H4("Verlauf"),
            history_table(detail, can_restore=can_restore, restore_button_type=restore_button_type),
        ],
        className="fl-detail",
        **{"aria-labelledby": "fl-detail-heading"},
    )


def snapshot_panel(snapshot: AreaSnapshot | None, when: dt.date) -> Component:
    """The area as it was on ``when`` (read-only)."""
    if snapshot is None:
        return html.Div(
            html.P(f"Am {format_date(when)} gab es diese Fläche noch nicht.", role="status"),
            className="fl-detail",
        )
    return html.Article(
        [
            html.H3(f"Stand am {format_date(when)}"),
            html.P(
                f"Version {snapshot.version} vom {format_datetime(snapshot.valid_from)}"
                + (" – zu diesem Zeitpunkt gelöscht" if snapshot.is_deleted else ""),
                className="fl-muted",
            ),
            definition_list((row.label, row.text) for row in snapshot.attribute_rows),
        ],
        className="fl-detail fl-detail-past",
    )


def snapshots_table(snapshots: Sequence[AreaSnapshot], when: dt.date, municipality: str) -> Any:
    if not snapshots:
        return html.P(f"{municipality}: am {format_date(when)} keine Flächen erfasst.")
    rows = []
    for snap in snapshots:
        attrs = snap.attributes
        rows.append(
            html.Tr(
                [
                    html.Td(str(attrs.get("name", ""))),
                    html.Td(enum_label(AreaKind, attrs.get("kind"))),
                    html.Td(format_ha(float_or_none(attrs.get("area_ha")))),
                    html.Td(enum_label(AreaStatus, attrs.get("status"))),
                    html.Td(f"{snap.version} ({format_date(snap.valid_from)})"),
                ]
            )
        )
    return html.Table(
        [
            html.Caption(f"{municipality}: Flächen am {format_date(when)}"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in ("Bezeichnung", "Art", "Fläche", "Status", "Version")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
        className="fl-table",
    )


def as_of_datetime(value: str | None) -> dt.datetime | None:
    """DatePicker value (``YYYY-MM-DD``) -> end of that day (local midnight next day, UTC)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
