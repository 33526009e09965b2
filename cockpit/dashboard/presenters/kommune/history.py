"""The change history (old -> new) of the Kenndaten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dash import html

from cockpit.dashboard.presenters.kommune.parts import data_table, empty_note
from cockpit.domain.formatting import (
    MISSING,
    format_date,
    format_datetime,
    format_eur,
    format_number,
)
from cockpit.services.kenndaten import GROUPS, FieldSpec, HistoryEntry


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
        return html.Div(empty_note("Es sind noch keine Änderungen protokolliert."))
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
