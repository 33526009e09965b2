"""Export downloads and the Geoportal import (mapping, preview, result)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from cockpit.dashboard.presenters.areas.common import alert
from cockpit.domain.formatting import format_number
from cockpit.services.areas.exchange import ImportPreview, ImportResult
from cockpit.services.areas.mapping import IMPORT_FIELDS


def export_download(files: Sequence[Path], manifest_path: Path) -> tuple[bytes, str]:
    """The bytes the browser downloads: a single data file, or a zip of several + manifest."""
    data_files = [f for f in files if f != manifest_path]
    if len(data_files) == 1:
        return data_files[0].read_bytes(), data_files[0].name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in [*data_files, manifest_path]:
            archive.write(path, path.name)
    base = data_files[0].stem if data_files else "export"
    return buffer.getvalue(), f"{base}.zip"


def export_summary(manifest: Mapping[str, Any]) -> str:
    """``"Export erstellt: 12 Flächen (3 neu, 2 geändert, 1 gelöscht)."``"""
    counts = manifest.get("anzahl") or {}
    total = int(counts.get("objekte", 0))
    detail = ", ".join(
        f"{format_number(int(counts.get(key, 0)))} {label}"
        for key, label in (("new", "neu"), ("changed", "geändert"), ("deleted", "gelöscht"))
    )
    noun = "Fläche" if total == 1 else "Flächen"
    scope = " (nur Änderungen seit dem letzten Export)" if manifest.get("nur_aenderungen") else ""
    return f"Export erstellt{scope}: {format_number(total)} {noun} ({detail})."


# --------------------------------------------------------------------------- import

NOT_MAPPED = ""


def mapping_form(fields: Sequence[str], mapping: Mapping[str, str], id_type: str) -> Component:
    """One dropdown per source field: which of our fields it fills (or none)."""
    options = [{"label": "– nicht übernehmen –", "value": NOT_MAPPED}] + [
        {"label": label, "value": key} for key, label in IMPORT_FIELDS.items()
    ]
    rows = []
    for source in fields:
        control_id = {"type": id_type, "source": source}
        rows.append(
            html.Tr(
                [
                    html.Th(source, scope="row"),
                    html.Td(
                        dcc.Dropdown(
                            id=control_id,
                            options=options,
                            value=mapping.get(source, NOT_MAPPED),
                            clearable=False,
                        )
                    ),
                ]
            )
        )
    return html.Table(
        [
            html.Caption("Feldzuordnung (Feld der Datei → Feld im Cockpit)"),
            html.Thead(
                html.Tr([html.Th("Feld der Datei", scope="col"), html.Th("Zielfeld", scope="col")])
            ),
            html.Tbody(rows),
        ],
        className="fl-table fl-mapping",
    )


def mapping_from_form(states: Sequence[Mapping[str, Any]], values: Sequence[Any]) -> dict[str, str]:
    """The mapping dict from the pattern-matched dropdowns (ids carry the source field)."""
    mapping: dict[str, str] = {}
    for state, value in zip(states, values, strict=False):
        source = str(state["id"]["source"])
        if value and value != NOT_MAPPED:
            mapping[source] = str(value)
    return mapping


PREVIEW_COLUMNS = ("Ergebnis", "Geoportal-ID", "Name", "Gemeinde", "Änderungen")


def _preview_table(rows: list[Component], caption: str) -> Component:
    return html.Div(
        html.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in PREVIEW_COLUMNS])),
                html.Tbody(rows),
            ],
            className="fl-table",
        ),
        className="fl-table-wrap",
    )


def preview_panel(preview: ImportPreview) -> Component:
    """neu / geändert / unverändert / fehlend, with field differences.

    New and changed areas are listed in full; the areas missing from the file (a partial
    Geoportal layer can miss hundreds) are folded away so the decision stays in view.
    """
    counts = preview.counts
    summary = html.P(
        f"{format_number(counts['new'])} neu · {format_number(counts['changed'])} geändert · "
        f"{format_number(counts['unchanged'])} unverändert · "
        f"{format_number(counts['missing'])} fehlend (im Cockpit, nicht in der Datei)",
        className="fl-summary",
        role="status",
    )
    children: list[Component] = [html.H3("Vorschau"), summary]
    if preview.warnings:
        children.append(html.Ul([html.Li(w) for w in preview.warnings], className="fl-warnings"))
    rows = []
    for state_label, items in (("neu", preview.new), ("geändert", preview.changed)):
        for row in items:
            changes = "; ".join(f"{c.label}: {c.old_text} → {c.new_text}" for c in row.changes)
            if row.geometry_changed:
                changes = (changes + "; " if changes else "") + "Geometrie geändert"
            rows.append(
                html.Tr(
                    [
                        html.Td(state_label),
                        html.Td(row.geoportal_id),
                        html.Td(row.name),
                        html.Td(row.municipality_name),
                        html.Td(changes or "–"),
                    ]
                )
            )
    if rows:
        children.append(_preview_table(rows, "Neue und geänderte Flächen"))
    if preview.missing:
        missing_rows = [
            html.Tr(
                [
                    html.Td("fehlend"),
                    html.Td(missing.geoportal_id),
                    html.Td(missing.name),
                    html.Td(missing.municipality_name),
                    html.Td("nicht mehr in der Datei"),
                ]
            )
            for missing in preview.missing
        ]
        children.append(
            html.Details(
                [
                    html.Summary(
                        f"{format_number(counts['missing'])} fehlende Flächen anzeigen "
                        "(bleiben erhalten, außer Sie wählen „fehlende Flächen löschen“)"
                    ),
                    _preview_table(
                        missing_rows, "Fehlende Flächen (im Cockpit, nicht in der Datei)"
                    ),
                ],
                className="fl-preview-missing",
            )
        )
    return html.Div(children, className="fl-preview")


def import_result_message(result: ImportResult) -> Component:
    text = (
        f"Import übernommen: {format_number(result.created)} neu, "
        f"{format_number(result.updated)} geändert, {format_number(result.unchanged)} unverändert, "
        f"{format_number(result.deleted)} gelöscht, {format_number(result.missing_kept)} fehlende "
        "behalten."
    )
    children: list[Component] = [html.P(text)]
    if result.warnings:
        children.append(html.Ul([html.Li(w) for w in result.warnings], className="fl-warnings"))
    return alert(children, "warning" if result.warnings else "success")
