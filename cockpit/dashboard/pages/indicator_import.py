"""Bulk update of an indicator from CSV/XLSX (``/indikatoren/import``, Kreis-Redaktion).

Upload -> preview (new / changed / unchanged / unknown AGS) -> "Übernehmen". The service
parses the file again on apply and refuses if the stored values changed since the preview.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.development.base_component import Component
from sqlalchemy.orm import Session

from cockpit.auth.principal import current_principal
from cockpit.dashboard import ids
from cockpit.dashboard.presenters.kommune import data_table
from cockpit.domain.errors import CockpitError
from cockpit.domain.formatting import format_number
from cockpit.domain.roles import Permission, Principal
from cockpit.services import authz, bulk_indicators
from cockpit.web import get_config, get_db

log = logging.getLogger(__name__)

PATH = re.compile(r"^/indikatoren/import$")
TITLE = "Kennzahlen aktualisieren"
NAV_ORDER = None
HREF = "/indikatoren/import"
MAX_PREVIEW_ROWS = 500


def _max_bytes() -> int:
    return bulk_indicators.max_file_bytes(get_config())


def layout(principal: Principal, **_params: str) -> Component:
    indicators = bulk_indicators.list_importable_indicators(get_db(), principal)
    authz.require(principal, Permission.IMPORT_DATA)
    options = [
        {"label": f"{i.label}" + (f" ({i.unit})" if i.unit else ""), "value": i.id}
        for i in indicators
    ]
    limit_mb = _max_bytes() // (1024 * 1024)
    return html.Div(
        [
            html.H1("Kennzahl per Datei aktualisieren"),
            html.P(
                "Laden Sie eine CSV- oder Excel-Datei (XLSX) mit den Spalten „AGS“ und "
                "„Wert“ hoch (optional „Name“, „Jahr“). Sie sehen zuerst eine Vorschau; "
                "gespeichert wird erst mit „Übernehmen“ – vollständig oder gar nicht."
            ),
            html.Fieldset(
                [
                    html.Legend("Kennzahl"),
                    dcc.RadioItems(
                        id=ids.INDICATOR_IMPORT_INDICATOR,
                        options=options,
                        value=options[0]["value"] if options else None,
                        className="kd-radios",
                        labelClassName="kd-radio",
                    ),
                ],
                className="kd-fieldset",
            ),
            html.Div(
                html.Label(
                    [
                        html.Span("Jahr", className="kd-label"),
                        dcc.Input(
                            id=ids.INDICATOR_IMPORT_YEAR,
                            type="number",
                            min=1990,
                            max=2100,
                            step=1,
                            value=2024,
                            className="kd-input",
                            style={"maxWidth": "10rem"},
                        ),
                    ]
                ),
                className="kd-field",
            ),
            dcc.Upload(
                id=ids.INDICATOR_IMPORT_UPLOAD,
                children=html.Div(
                    [
                        "Datei hierher ziehen oder ",
                        html.Button("Datei auswählen", type="button", className="kd-btn"),
                        html.Br(),
                        html.Small(f"CSV oder XLSX, höchstens {limit_mb} MB"),
                    ]
                ),
                accept=".csv,.txt,.xlsx",
                max_size=_max_bytes(),
                multiple=False,
                className="imp-upload",
            ),
            html.Div(id=ids.INDICATOR_IMPORT_PREVIEW, **{"aria-live": "polite"}),
            html.Button(
                "Übernehmen",
                id=ids.INDICATOR_IMPORT_APPLY,
                className="kd-btn kd-btn-primary",
                type="button",
                disabled=True,
            ),
            html.Div(id=ids.INDICATOR_IMPORT_RESULT, role="status"),
            dcc.Store(id=ids.INDICATOR_IMPORT_STORE),
        ],
        className="kd-page",
    )


def _decode(contents: str) -> bytes:
    try:
        _header, encoded = contents.split(",", 1)
        return base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise CockpitError(
            "upload payload is not a base64 data URL",
            "Die Datei konnte nicht übertragen werden. Bitte versuchen Sie es erneut.",
        ) from None


def preview_block(preview: bulk_indicators.IndicatorPreview) -> html.Div:
    rows = [
        [
            str(r.line),
            r.ags,
            r.name or "",
            r.status_label,
            format_number(r.old, preview.decimals) if r.old is not None else "–",
            format_number(r.new, preview.decimals),
        ]
        for r in preview.rows[:MAX_PREVIEW_ROWS]
    ]
    summary = html.P(
        [
            html.Span(f"neu: {preview.count('new')}"),
            html.Span(f"geändert: {preview.count('changed')}"),
            html.Span(f"unverändert: {preview.count('unchanged')}"),
            html.Span(f"AGS unbekannt: {preview.count('unmatched')}"),
        ],
        className="imp-summary",
    )
    note = (
        html.P(f"Die Tabelle zeigt die ersten {MAX_PREVIEW_ROWS} Zeilen.", className="kd-muted")
        if len(preview.rows) > MAX_PREVIEW_ROWS
        else None
    )
    return html.Div(
        [
            html.H2(
                f"Vorschau: {preview.indicator_label} {preview.year} "
                f"({preview.filename}, {preview.file_format})"
            ),
            summary,
            data_table(
                "Vorschau der Änderungen",
                ["Zeile", "AGS", "Kommune", "Status", "bisher", "neu"],
                rows,
                numeric=(0, 4, 5),
                table_id="imp-preview-table",
            ),
            note,
            html.P(
                "Zeilen mit unbekanntem AGS werden nicht übernommen."
                if preview.count("unmatched")
                else "",
                className="kd-muted",
            ),
        ]
    )


def _refusal(text: str) -> html.P:
    return html.P(text, role="alert", className="kd-form-message is-error")


def load_preview(
    session: Session,
    principal: Principal,
    contents: Any,
    indicator_id: Any,
    year: Any,
    filename: Any,
) -> bulk_indicators.IndicatorPreview:
    """The preview of an uploaded file (raises ``ValueError``/``TypeError`` without choice)."""
    return bulk_indicators.preview_indicator_update(
        session,
        principal,
        int(indicator_id),
        int(year) if year is not None else 0,
        str(filename or "upload"),
        _decode(str(contents)),
        config=get_config(),
    )


def preview_outputs(preview: bulk_indicators.IndicatorPreview, contents: Any) -> tuple[Any, ...]:
    """Preview, the store for "Übernehmen" (disabled when nothing can be written), no result."""
    store = {
        "indicator_id": preview.indicator_id,
        "year": preview.year,
        "filename": preview.filename,
        "contents": contents,
        "fingerprint": preview.fingerprint,
    }
    return preview_block(preview), store, preview.writable == 0, ""


def apply_stored(
    session: Session, principal: Principal, store: dict[str, Any]
) -> bulk_indicators.ApplyResult:
    """Apply the previewed file (raises ``KeyError``/``ValueError`` for a broken store)."""
    return bulk_indicators.apply_indicator_update(
        session,
        principal,
        int(store["indicator_id"]),
        int(store["year"]),
        str(store["filename"]),
        _decode(str(store["contents"])),
        str(store["fingerprint"]),
        config=get_config(),
    )


def applied_message(result: bulk_indicators.ApplyResult) -> html.P:
    return html.P(
        f"Übernommen: {result.indicator_label} {result.year} – {result.created} neu, "
        f"{result.updated} geändert, {result.unchanged} unverändert, "
        f"{result.unmatched} nicht zugeordnet.",
        className="kd-status",
    )


def register_callbacks(app: Dash) -> None:
    @app.callback(
        Output(ids.INDICATOR_IMPORT_PREVIEW, "children"),
        Output(ids.INDICATOR_IMPORT_STORE, "data"),
        Output(ids.INDICATOR_IMPORT_APPLY, "disabled"),
        Output(ids.INDICATOR_IMPORT_RESULT, "children"),
        Input(ids.INDICATOR_IMPORT_UPLOAD, "contents"),
        Input(ids.INDICATOR_IMPORT_INDICATOR, "value"),
        Input(ids.INDICATOR_IMPORT_YEAR, "value"),
        State(ids.INDICATOR_IMPORT_UPLOAD, "filename"),
        prevent_initial_call=True,
    )
    def _preview(contents: Any, indicator_id: Any, year: Any, filename: Any) -> tuple[Any, ...]:
        if not contents:
            return no_update, None, True, ""
        principal = current_principal()
        try:
            preview = load_preview(get_db(), principal, contents, indicator_id, year, filename)
        except (TypeError, ValueError):
            return html.P("Bitte wählen Sie Kennzahl und Jahr.", role="alert"), None, True, ""
        except CockpitError as exc:
            return _refusal(exc.user_message), None, True, ""
        return preview_outputs(preview, contents)

    @app.callback(
        Output(ids.INDICATOR_IMPORT_RESULT, "children", allow_duplicate=True),
        Output(ids.INDICATOR_IMPORT_APPLY, "disabled", allow_duplicate=True),
        Input(ids.INDICATOR_IMPORT_APPLY, "n_clicks"),
        State(ids.INDICATOR_IMPORT_STORE, "data"),
        prevent_initial_call=True,
    )
    def _apply(n_clicks: Any, store: Any) -> tuple[Any, Any]:
        if not n_clicks or not store:
            return no_update, no_update
        try:
            result = apply_stored(get_db(), current_principal(), store)
        except (KeyError, TypeError, ValueError):
            return html.P("Bitte laden Sie die Datei erneut hoch.", role="alert"), True
        except CockpitError as exc:
            return _refusal(exc.user_message), True
        return applied_message(result), True
