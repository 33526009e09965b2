"""Protocol of an Erhebungsgespräch as CSV (UTF-8 with BOM, ``;``) and PDF (matplotlib).

Input is :class:`cockpit.services.areas.survey.SurveyProtocol` (already authorized by the
service); these functions only render bytes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from cockpit.domain.spreadsheet import neutralize_spreadsheet_text
from cockpit.services.areas.survey import ProtocolRow, SurveyProtocol
from layers.writers import csv_bytes

CSV_COLUMNS = [
    "Kennung",
    "Bezeichnung",
    "Art",
    "Bruttofläche",
    "Vermarktungsstand",
    "Ergebnis",
    "Änderungen",
    "Bemerkung",
]


def _row_values(row: ProtocolRow) -> list[str]:
    return [
        row.public_id,
        row.name,
        row.kind_label,
        row.area_text,
        row.status_label,
        row.outcome_label,
        row.changes,
        row.note,
    ]


def protocol_filename(protocol: SurveyProtocol, extension: str) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in protocol.municipality_name)
    return f"Erhebungsgespraech_{safe}_{protocol.survey_id}.{extension}"


def _spreadsheet_safe(values: Sequence[object]) -> list[object]:
    return [neutralize_spreadsheet_text(v) if isinstance(v, str) else v for v in values]


def protocol_csv(protocol: SurveyProtocol) -> bytes:
    """CSV for Excel: UTF-8 with BOM, ``;`` separated, header block then one row per area."""
    rows: list[Sequence[object]] = [
        ["Erhebungsgespräch", f"Nr. {protocol.survey_id}"],
        ["Gemeinde", f"{protocol.municipality_name} ({protocol.municipality_ags})"],
        ["Datum", protocol.held_on_text],
        ["Art der Erhebung", protocol.method_label],
        ["Teilnehmende", protocol.participants],
        ["Erfasst von", protocol.recorded_by],
        ["Abgeschlossen", protocol.closed_text],
        [],
        CSV_COLUMNS,
        *(_row_values(row) for row in protocol.rows),
        *(_row_values(row) for row in protocol.open_rows),
    ]
    return csv_bytes(_spreadsheet_safe(row) for row in rows)


_PAGE = (8.27, 11.69)  # A4 portrait, inches
_LINES_PER_PAGE = 52


def _lines(protocol: SurveyProtocol) -> list[tuple[str, str]]:
    """(style, text) lines of the protocol; styles: title, head, text, small."""
    lines: list[tuple[str, str]] = [
        ("title", f"Protokoll Erhebungsgespräch – {protocol.municipality_name}"),
        ("text", f"Gemeinde: {protocol.municipality_name} (AGS {protocol.municipality_ags})"),
        ("text", f"Datum: {protocol.held_on_text}    Art: {protocol.method_label}"),
    ]
    for part in textwrap.wrap(f"Teilnehmende: {protocol.participants}", 95):
        lines.append(("text", part))
    lines.append(
        ("text", f"Erfasst von: {protocol.recorded_by}    Abgeschlossen: {protocol.closed_text}")
    )
    counts = protocol.counts
    lines.append(
        (
            "text",
            f"Bestätigt: {counts.get('bestaetigt', 0)}   Geändert: {counts.get('geaendert', 0)}   "
            f"Entfällt: {counts.get('entfaellt', 0)}   Neu: {counts.get('neu', 0)}   "
            f"Nicht besprochen: {counts.get('offen', 0)}",
        )
    )
    lines.append(("text", ""))
    for title, rows in (("Ergebnisse", protocol.rows), ("Nicht besprochen", protocol.open_rows)):
        if not rows:
            continue
        lines.append(("head", title))
        for row in rows:
            lines.append(
                (
                    "text",
                    f"{row.outcome_label.upper()}: {row.name} – {row.kind_label}, "
                    f"{row.area_text}, {row.status_label}",
                )
            )
            for detail in (row.changes, row.note):
                for part in textwrap.wrap(detail, 100):
                    lines.append(("small", "    " + part))
            lines.append(("small", f"    Kennung {row.public_id}"))
        lines.append(("text", ""))
    return lines


_STYLE = {
    "title": {"fontsize": 14, "fontweight": "bold"},
    "head": {"fontsize": 11, "fontweight": "bold"},
    "text": {"fontsize": 9},
    "small": {"fontsize": 7.5, "color": "#444444"},
}


def protocol_pdf(protocol: SurveyProtocol) -> bytes:
    """A4 PDF listing header, counts and every area with its result and changes."""
    lines = _lines(protocol)
    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": lines[0][1], "Creator": "Kommunal-Cockpit"}) as pdf:
        for number, page in enumerate(pages, start=1):
            figure = Figure(figsize=_PAGE)
            y = 0.95
            for style, text in page:
                figure.text(0.07, y, text, va="top", ha="left", **_STYLE[style])  # type: ignore[arg-type]
                y -= 0.03 if style == "title" else 0.017
            figure.text(0.93, 0.03, f"Seite {number} von {len(pages)}", ha="right", fontsize=7)
            pdf.savefig(figure)
    return buffer.getvalue()
