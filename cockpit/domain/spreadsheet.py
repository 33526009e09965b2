"""Spreadsheet safety: text that Excel/LibreOffice must not evaluate as a formula.

Every export that writes user-controlled text into a spreadsheet file (CSV, XLSX) uses
:func:`neutralize_spreadsheet_text` for its text cells, so the rule lives in one place.

* CSV: write ``neutralize_spreadsheet_text(text)`` (OWASP "CSV Injection": a cell starting
  with ``= + - @``, tab or carriage return gets a leading apostrophe, which spreadsheet
  programs show as plain text).
* XLSX: store text cells as explicit strings (openpyxl: assign the value, then set
  ``cell.data_type = "s"``; openpyxl otherwise turns any string starting with ``=`` into a
  formula). Writing the neutralized text there too keeps CSV and XLSX cells identical and
  also protects users who later copy the cell into a CSV.

Only text is neutralized; numbers, dates and booleans stay typed values (``-5`` as a
number is not a formula).
"""

from __future__ import annotations

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program evaluate a cell (OWASP)."""


def neutralize_spreadsheet_text(text: str) -> str:
    """``text`` as a spreadsheet shows it literally: prefixed with ``'`` if it starts like
    a formula, otherwise unchanged."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


__all__ = ["FORMULA_TRIGGERS", "neutralize_spreadsheet_text"]
