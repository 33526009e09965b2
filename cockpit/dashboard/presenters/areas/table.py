"""The area table: rows, sorting, paging and the result summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import html
from dash.development.base_component import Component

from cockpit.domain.formatting import format_ha, format_number
from cockpit.services.areas import AreaListItem, AreaListResult

# Table columns: key, German header, sort key in the row dict.
TABLE_COLUMNS: list[tuple[str, str, str]] = [
    ("name", "Bezeichnung", "name"),
    ("municipality", "Gemeinde", "municipality"),
    ("kind", "Art", "kind_label"),
    ("area", "Fläche", "area_ha"),
    ("status", "Status", "status_label"),
    ("confirmed", "zuletzt bestätigt", "confirmed_sort"),
]
SORTABLE = {key: sort_key for key, _label, sort_key in TABLE_COLUMNS}


def table_rows(items: Sequence[AreaListItem]) -> list[dict[str, Any]]:
    """Plain rows for the table store (JSON-serialisable, with sort keys)."""
    return [
        {
            "id": item.id,
            "name": item.name,
            "municipality": item.municipality_name,
            "ags": item.municipality_ags,
            "kind": item.kind.value,
            "kind_label": item.kind_label,
            "area_ha": item.area_ha,
            "area_text": format_ha(item.area_ha),
            "status": item.status.value,
            "status_label": item.status_label,
            "confirmed_text": item.last_confirmed_text,
            "confirmed_sort": item.last_confirmed_at.isoformat() if item.last_confirmed_at else "",
            "stale": item.stale,
            "deleted": item.is_deleted,
            "demo": item.is_demo,
            "version": item.version,
        }
        for item in items
    ]


def sort_rows(rows: Sequence[Mapping[str, Any]], column: str, ascending: bool) -> list[Any]:
    key = SORTABLE.get(column, "name")

    def sort_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        value = row.get(key)
        if isinstance(value, str):
            return (0, value.casefold(), row.get("id", 0))
        return (0 if value is not None else 1, value or 0, row.get("id", 0))

    return sorted(rows, key=sort_key, reverse=not ascending)


TABLE_PAGE_SIZE = 25  # rows per table page: every row is a component the browser tracks


def page_of(rows: Sequence[Mapping[str, Any]], column: str, ascending: bool, area_id: int) -> int:
    """The table page (0-based) on which ``area_id`` appears in the given sort order."""
    ordered = sort_rows(rows, column, ascending)
    index = next((i for i, row in enumerate(ordered) if row["id"] == area_id), 0)
    return index // TABLE_PAGE_SIZE


def _pager(page: int, pages: int, total: int, page_button_type: str) -> Component:
    return html.Nav(
        [
            html.Button(
                "‹ Vorherige Seite",
                id={"type": page_button_type, "page": page - 1},
                className="fl-pager-button",
                disabled=page == 0,
            ),
            html.Span(
                f"Seite {page + 1} von {pages} ({format_number(total)} Flächen)",
                className="fl-pager-text",
                role="status",
            ),
            html.Button(
                "Nächste Seite ›",
                id={"type": page_button_type, "page": page + 1},
                className="fl-pager-button",
                disabled=page >= pages - 1,
            ),
        ],
        className="fl-pager",
        **{"aria-label": "Seiten der Flächentabelle"},
    )


def area_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    sort_column: str,
    ascending: bool,
    selected: int | None,
    row_button_type: str,
    sort_button_type: str,
    page: int = 0,
    page_button_type: str = "",
) -> Component:
    """Accessible, sortable HTML table, one page of :data:`TABLE_PAGE_SIZE` rows at a time;
    the area name is a button that selects the area."""
    if not rows:
        return html.P(
            "Keine Flächen für die gewählten Filter gefunden.", className="fl-empty", role="status"
        )
    header_cells = []
    for key, label, _sort_key in TABLE_COLUMNS:
        active = key == sort_column
        arrow = (" ▲" if ascending else " ▼") if active else ""
        sort_state = ("ascending" if ascending else "descending") if active else "none"
        header_cells.append(
            html.Th(
                html.Button(
                    label + arrow,
                    id={"type": sort_button_type, "col": key},
                    className="fl-sort",
                    title=f"Nach „{label}“ sortieren",
                ),
                scope="col",
                **{"aria-sort": sort_state},
                className="fl-num" if key == "area" else None,
            )
        )
    pages = max(1, -(-len(rows) // TABLE_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    start = page * TABLE_PAGE_SIZE
    body = []
    for row in sort_rows(rows, sort_column, ascending)[start : start + TABLE_PAGE_SIZE]:
        badges: list[Component] = []
        if row.get("stale"):
            badges.append(html.Span("überfällig", className="fl-badge fl-badge-stale"))
        if row.get("deleted"):
            badges.append(html.Span("gelöscht", className="fl-badge fl-badge-deleted"))
        if row.get("demo"):
            badges.append(html.Span("Demo-Daten", className="fl-badge fl-badge-demo"))
        classes = ["fl-row"]
        if selected is not None and row["id"] == selected:
            classes.append("fl-row-selected")
        body.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Button(
                                row["name"],
                                id={"type": row_button_type, "index": row["id"]},
                                className="fl-link",
                                title="Fläche auf der Karte zeigen und Details öffnen",
                            ),
                            *badges,
                        ]
                    ),
                    html.Td(row["municipality"]),
                    html.Td(
                        [
                            html.Span(className=f"fl-dot fl-dot-{row['kind']}"),
                            row["kind_label"],
                        ]
                    ),
                    html.Td(row["area_text"], className="fl-num"),
                    html.Td(row["status_label"]),
                    html.Td(row["confirmed_text"]),
                ],
                className=" ".join(classes),
                **({"aria-selected": "true"} if "fl-row-selected" in classes else {}),
            )
        )
    table = html.Table(
        [
            html.Caption("Flächenpotenziale (Tabelle zur Karte)", className="fl-sr-only"),
            html.Thead(html.Tr(header_cells)),
            html.Tbody(body),
        ],
        className="fl-table",
    )
    if pages == 1 or not page_button_type:
        return table
    return html.Div([table, _pager(page, pages, len(rows), page_button_type)])


def summary_text(result: AreaListResult) -> str:
    """``"12 Flächen · 123,4 ha · 3 mit überfälliger Bestätigung"``."""
    count = "1 Fläche" if result.total == 1 else f"{format_number(result.total)} Flächen"
    parts = [count, format_ha(result.total_area_ha)]
    if result.stale_count:
        parts.append(f"{format_number(result.stale_count)} mit überfälliger Bestätigung")
    if result.total > len(result.items):
        parts.append(f"Tabelle zeigt die ersten {format_number(len(result.items))}")
    return " · ".join(parts)
