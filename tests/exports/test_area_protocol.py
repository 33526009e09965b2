"""Survey protocol rendering: CSV for Excel and a multi-page A4 PDF."""

from __future__ import annotations

import csv
import io
import subprocess

from cockpit.exports.area_protocol import protocol_csv, protocol_filename, protocol_pdf
from cockpit.services.areas.survey import ProtocolRow, SurveyProtocol


def _protocol(rows: int) -> SurveyProtocol:
    return SurveyProtocol(
        survey_id=7,
        municipality_name="Bernstadt a.d. Eigen",
        municipality_ags="14626020",
        held_on_text="20.11.2026",
        participants="Frau Schulz; Herr „Müller“",
        method_label="Ortsbegehung",
        recorded_by="Redaktion",
        closed_text="20.11.2026 15:30",
        rows=[
            ProtocolRow(
                public_id=f"id-{i}",
                name=f"Fläche {i}; Süd",
                kind_label="Gewerbefläche",
                area_text="1.234,5 ha",
                status_label="verfügbar",
                outcome_label="geändert" if i % 2 else "bestätigt",
                changes="Vermarktungsstand: verfügbar → vermarktet" if i % 2 else "",
                note="Zeile mit\nUmbruch" if i == 3 else "",
            )
            for i in range(rows)
        ],
        open_rows=[],
        counts={"bestaetigt": rows // 2, "geaendert": rows - rows // 2, "offen": 0},
    )


def test_csv_is_excel_friendly() -> None:
    raw = protocol_csv(_protocol(5))
    assert raw[:3] == b"\xef\xbb\xbf"
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[4] == ["Teilnehmende", "Frau Schulz; Herr „Müller“"]
    header = next(i for i, row in enumerate(table) if row[:2] == ["Kennung", "Bezeichnung"])
    body = table[header + 1 :]
    assert len(body) == 5 and body[1][1] == "Fläche 1; Süd" and body[3][7] == "Zeile mit\nUmbruch"
    assert protocol_filename(_protocol(1), "csv") == "Erhebungsgespraech_Bernstadt_a_d__Eigen_7.csv"


def test_pdf_has_all_rows_on_several_pages() -> None:
    pdf = protocol_pdf(_protocol(60))
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    pages = int(
        next(line for line in info.decode().splitlines() if line.startswith("Pages:")).split()[1]
    )
    assert pages >= 3
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Fläche 59; Süd" in text and "Seite 1 von" in text and "Ortsbegehung" in text
