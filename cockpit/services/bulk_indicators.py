"""Bulk update of one indicator for one year from a CSV or XLSX file, with a preview.

Flow: :func:`preview_indicator_update` parses the file and compares it with the stored
values (new / changed / unchanged / unmatched AGS) without writing anything;
:func:`apply_indicator_update` parses the same file again, checks that nothing changed
since the preview (fingerprint), and writes all values in one transaction with a
:class:`ChangeRecord` per new or changed value. Needs ``IMPORT_DATA`` (district-wide).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import (
    ConflictError,
    ImportRejectedError,
    NotFoundError,
)
from cockpit.domain.parsing import NumberFormatError, parse_optional_number
from cockpit.domain.roles import Permission, Principal
from cockpit.models import ChangeRecord, Indicator, IndicatorValue, Municipality, User
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.config import ServiceConfig
from cockpit.services.importing import normalize_ags
from cockpit.services.unit_of_work import transaction

log = logging.getLogger(__name__)

Status = Literal["new", "changed", "unchanged", "unmatched"]
STATUS_LABELS: dict[str, str] = {
    "new": "neu",
    "changed": "geändert",
    "unchanged": "unverändert",
    "unmatched": "AGS unbekannt",
}
INDICATOR_FILE_MAX_BYTES = 5 * 1024 * 1024  # a value table is small; the upload limit may be lower
MAX_ROWS = 20_000
AGS_HEADERS = ("ags", "gemeindeschluessel", "gemeindeschlüssel", "ags8", "schluessel", "schlüssel")
VALUE_HEADERS = ("wert", "value", "neuer wert", "neuer_wert")
YEAR_HEADERS = ("jahr", "year")
NAME_HEADERS = ("name", "gemeinde", "kommune", "gen", "gemeindename")
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class PreviewRow:
    line: int  # row number in the file (header = 1)
    ags: str
    name: str
    status: Status
    old: float | None
    new: float

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class IndicatorPreview:
    indicator_id: int
    indicator_label: str
    unit: str
    decimals: int
    year: int
    filename: str
    file_format: str  # "CSV" | "XLSX"
    rows: tuple[PreviewRow, ...]
    fingerprint: str

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def writable(self) -> int:
        return self.count("new") + self.count("changed")


@dataclass(frozen=True)
class ApplyResult:
    indicator_label: str
    year: int
    created: int
    updated: int
    unchanged: int
    unmatched: int


@dataclass(frozen=True)
class ImportableIndicator:
    id: int
    key: str
    label: str
    unit: str


def _reject(filename: str, log_message: str, user_message: str) -> ImportRejectedError:
    log.warning("indicator bulk update rejected (%s): %s", filename, log_message)
    return ImportRejectedError(log_message, user_message)


def list_importable_indicators(session: Session, principal: Principal) -> list[ImportableIndicator]:
    """Indicators the principal may update in bulk (needs ``IMPORT_DATA``)."""
    authz.require(principal, Permission.IMPORT_DATA)
    rows = session.scalars(select(Indicator).order_by(Indicator.category, Indicator.label))
    return [ImportableIndicator(i.id, i.key, i.label, i.unit) for i in rows]


# --------------------------------------------------------------------------- parsing


def _sniff_format(filename: str, content: bytes) -> str:
    lower = filename.lower()
    if content.startswith(b"PK\x03\x04"):
        return "XLSX"
    if lower.endswith((".xlsx", ".xlsm")):
        raise _reject(
            filename,
            "xlsx extension without zip signature",
            f"„{filename}“ ist keine gültige Excel-Datei (XLSX). Bitte speichern Sie die "
            "Tabelle erneut als XLSX oder CSV.",
        )
    if lower.endswith(".xls"):
        raise _reject(
            filename,
            "legacy xls",
            f"„{filename}“ ist im alten Excel-Format (XLS). Bitte speichern Sie sie als XLSX "
            "oder CSV.",
        )
    if b"\x00" in content[:4096]:
        raise _reject(
            filename,
            "binary content",
            f"„{filename}“ ist weder eine CSV- noch eine XLSX-Datei.",
        )
    return "CSV"


def _read_csv(filename: str, content: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise _reject(filename, "undecodable", f"„{filename}“: Zeichenkodierung unbekannt.")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(";,\t", key=first.count)
    if first.count(delimiter) == 0:
        raise _reject(
            filename,
            "no delimiter in header",
            f"„{filename}“: Die Kopfzeile enthält kein Trennzeichen (Semikolon, Komma "
            "oder Tabulator). Erwartet werden mindestens die Spalten „AGS“ und „Wert“.",
        )
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(filename: str, content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _reject(
            filename,
            f"openpyxl failed: {exc}",
            f"„{filename}“ konnte nicht als Excel-Datei gelesen werden.",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[object]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _find(headers: Sequence[str], names: Sequence[str]) -> int | None:
    lowered = [h.strip().lower() for h in headers]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _parse_value(raw: object) -> float | None:
    """A value cell under the one number rule (:mod:`cockpit.domain.parsing`); None if bad."""
    try:
        return parse_optional_number(raw)
    except NumberFormatError:
        return None


@dataclass(frozen=True)
class _FileRow:
    line: int
    ags: str
    name: str
    value: float


def parse_file(
    filename: str, content: bytes, year: int, indicator_key: str = ""
) -> tuple[str, list[_FileRow]]:
    """Read AGS + value rows from CSV/XLSX bytes; raises :class:`ImportRejectedError`."""
    file_format = _sniff_format(filename, content)
    table = _read_xlsx(filename, content) if file_format == "XLSX" else _read_csv(filename, content)
    table = [row for row in table if any(str(c).strip() for c in row if c is not None)]
    if len(table) < 2:
        raise _reject(
            filename,
            "no data rows",
            f"„{filename}“ enthält keine Datenzeilen (erwartet: Kopfzeile mit „AGS“ und "
            "„Wert“, darunter eine Zeile je Kommune).",
        )
    if len(table) > MAX_ROWS + 1:
        raise _reject(
            filename,
            f"more than {MAX_ROWS} rows",
            f"„{filename}“ hat mehr als {MAX_ROWS:,} Zeilen.".replace(",", "."),
        )
    headers = ["" if h is None else str(h) for h in table[0]]
    ags_col = _find(headers, AGS_HEADERS)
    if ags_col is None:
        raise _reject(
            filename,
            f"no AGS column in {headers}",
            f"„{filename}“: Keine Spalte „AGS“ gefunden (Kopfzeile: {', '.join(headers)}).",
        )
    value_col = _find(
        headers, (*VALUE_HEADERS, indicator_key.lower()) if indicator_key else VALUE_HEADERS
    )
    if value_col is None:
        raise _reject(
            filename,
            f"no value column in {headers}",
            f"„{filename}“: Keine Spalte „Wert“ gefunden (Kopfzeile: {', '.join(headers)}).",
        )
    columns = _Columns(
        ags_col, value_col, _find(headers, YEAR_HEADERS), _find(headers, NAME_HEADERS)
    )
    rows: list[_FileRow] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(table[1:], start=2):
        rows.append(_file_row(filename, headers, columns, index, raw, year, seen))
    return file_format, rows


class _Columns(NamedTuple):
    """Positions of the AGS, value, optional year and optional name column."""

    ags: int
    value: int
    year: int | None
    name: int | None


def _file_row(
    filename: str,
    headers: Sequence[str],
    columns: _Columns,
    index: int,
    raw: Sequence[object],
    year: int,
    seen: dict[str, int],
) -> _FileRow:
    """One checked data row (``index``: its line; ``seen``: line by AGS so far, updated).

    Raises :class:`ImportRejectedError` naming row and column.
    """
    cells = list(raw) + [None] * (len(headers) - len(raw))
    ags = normalize_ags(cells[columns.ags])
    if ags is None:
        raise _reject(
            filename,
            f"row {index}: bad AGS {cells[columns.ags]!r}",
            f"„{filename}“, Zeile {index}, Spalte „{headers[columns.ags]}“: "
            f"„{cells[columns.ags] if cells[columns.ags] is not None else ''}“ ist kein "
            "gültiger Gemeindeschlüssel (8 Ziffern).",
        )
    if ags in seen:
        raise _reject(
            filename,
            f"duplicate AGS {ags} rows {seen[ags]} and {index}",
            f"„{filename}“, Zeile {index}: Der Gemeindeschlüssel {ags} kommt schon in "
            f"Zeile {seen[ags]} vor.",
        )
    seen[ags] = index
    value = _parse_value(cells[columns.value])
    if value is None:
        shown = "" if cells[columns.value] is None else str(cells[columns.value])
        raise _reject(
            filename,
            f"row {index}: bad value {shown!r}",
            f"„{filename}“, Zeile {index}, Spalte „{headers[columns.value]}“: „{shown}“ ist "
            "keine Zahl (Beispiele: 1234,5 oder 1.234,5).",
        )
    if columns.year is not None and cells[columns.year] not in (None, ""):
        row_year = _parse_value(cells[columns.year])
        if row_year != year:
            raise _reject(
                filename,
                f"row {index}: year {cells[columns.year]!r} != {year}",
                f"„{filename}“, Zeile {index}, Spalte „{headers[columns.year]}“: Das Jahr "
                f"„{cells[columns.year]}“ passt nicht zum gewählten Jahr {year}.",
            )
    cell = None if columns.name is None else cells[columns.name]
    name = "" if cell is None else str(cell)
    return _FileRow(index, ags, name.strip(), value)


# --------------------------------------------------------------------------- preview / apply


def _require_indicator(session: Session, indicator_id: int) -> Indicator:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFoundError(
            f"indicator {indicator_id} not found", "Die Kennzahl wurde nicht gefunden."
        )
    return indicator


def _check_year(year: int) -> None:
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        raise ImportRejectedError(
            f"implausible year {year!r}", "Bitte wählen Sie ein Jahr zwischen 1990 und 2100."
        )


def _build_preview(
    session: Session,
    indicator: Indicator,
    year: int,
    filename: str,
    content: bytes,
    max_bytes: int,
) -> IndicatorPreview:
    if len(content) > max_bytes:
        raise _reject(
            filename,
            f"{len(content)} bytes > {max_bytes}",
            f"„{filename}“ ist zu groß ({len(content) / 1024 / 1024:.1f} MB; erlaubt sind "
            f"{max_bytes / 1024 / 1024:.0f} MB).".replace(".", ","),
        )
    file_format, file_rows = parse_file(filename, content, year, indicator.key)
    municipalities = {
        ags: (mid, name)
        for mid, ags, name in session.execute(
            select(Municipality.id, Municipality.ags, Municipality.name)
        )
    }
    stored = {
        mid: value
        for mid, value in session.execute(
            select(IndicatorValue.municipality_id, IndicatorValue.value).where(
                IndicatorValue.indicator_id == indicator.id, IndicatorValue.year == year
            )
        )
    }
    rows: list[PreviewRow] = []
    for row in file_rows:
        match = municipalities.get(row.ags)
        if match is None:
            rows.append(PreviewRow(row.line, row.ags, row.name, "unmatched", None, row.value))
            continue
        mid, name = match
        old = stored.get(mid)
        if mid not in stored:
            status: Status = "new"
        elif old is not None and abs(old - row.value) <= _TOLERANCE * max(1.0, abs(old)):
            status = "unchanged"
        else:
            status = "changed"
        rows.append(PreviewRow(row.line, row.ags, name, status, old, row.value))
    digest = hashlib.sha256()
    digest.update(content)
    digest.update(f"|{indicator.id}|{year}|".encode())
    for prow in rows:
        digest.update(f"{prow.ags}:{prow.status}:{prow.old!r};".encode())
    return IndicatorPreview(
        indicator_id=indicator.id,
        indicator_label=indicator.label,
        unit=indicator.unit,
        decimals=indicator.decimals,
        year=year,
        filename=filename,
        file_format=file_format,
        rows=tuple(rows),
        fingerprint=digest.hexdigest(),
    )


def max_file_bytes(config: ServiceConfig) -> int:
    """The size limit of an indicator file: the product's cap or the upload limit."""
    return min(INDICATOR_FILE_MAX_BYTES, config.max_upload_bytes)


def preview_indicator_update(
    session: Session,
    principal: Principal,
    indicator_id: int,
    year: int,
    filename: str,
    content: bytes,
    *,
    config: ServiceConfig,
) -> IndicatorPreview:
    """What applying ``content`` would change; writes nothing.

    Raises :class:`AccessDeniedError` without ``IMPORT_DATA``, :class:`NotFoundError` for an
    unknown indicator, :class:`ImportRejectedError` (German, naming row and column) for a
    bad file.
    """
    authz.require(principal, Permission.IMPORT_DATA)
    _check_year(year)
    indicator = _require_indicator(session, indicator_id)
    preview = _build_preview(session, indicator, year, filename, content, max_file_bytes(config))
    session.rollback()  # read-only: end the transaction
    log.info(
        "indicator bulk preview %s %s by %s: %d rows (%d writable)",
        indicator.key,
        year,
        principal.log_ref,
        len(preview.rows),
        preview.writable,
    )
    return preview


def apply_indicator_update(
    session: Session,
    principal: Principal,
    indicator_id: int,
    year: int,
    filename: str,
    content: bytes,
    expected_fingerprint: str,
    source: str = "",
    *,
    config: ServiceConfig,
) -> ApplyResult:
    """Write the new and changed values of a previewed file in one transaction.

    Raises :class:`ConflictError` if the stored values changed since the preview
    (``expected_fingerprint``); nothing is written then.
    """
    authz.require(principal, Permission.IMPORT_DATA)
    _check_year(year)
    with transaction(session, f"indicator {indicator_id} bulk update {year}"):
        indicator = _require_indicator(session, indicator_id)
        preview = _build_preview(
            session, indicator, year, filename, content, max_file_bytes(config)
        )
        if preview.fingerprint != expected_fingerprint:
            raise ConflictError(
                f"bulk update {indicator.key} {year}: fingerprint changed since preview",
                "Die gespeicherten Werte haben sich seit der Vorschau geändert. Bitte "
                "erstellen Sie die Vorschau neu.",
            )
        user_id = principal.user_id if session.get(User, principal.user_id) else None
        ids = {ags: mid for mid, ags in session.execute(select(Municipality.id, Municipality.ags))}
        existing = {
            value.municipality_id: value
            for value in session.scalars(
                select(IndicatorValue).where(
                    IndicatorValue.indicator_id == indicator.id, IndicatorValue.year == year
                )
            )
        }
        label = source or f"Sammelaktualisierung aus {filename} ({dt.date.today():%d.%m.%Y})"
        created = updated = 0
        for row in preview.rows:
            if row.status not in ("new", "changed"):
                continue
            mid = ids[row.ags]
            record = existing.get(mid)
            if record is None:
                record = IndicatorValue(
                    indicator_id=indicator.id,
                    municipality_id=mid,
                    year=year,
                    value=row.new,
                    source=label,
                    is_demo=False,
                    updated_by_id=user_id,
                )
                session.add(record)
                session.flush()
                created += 1
            else:
                record.value = row.new
                record.source = label
                record.is_demo = False
                record.updated_by_id = user_id
                updated += 1
            session.add(
                ChangeRecord(
                    at=utcnow(),
                    user_id=user_id,
                    user_name=principal.display_name or principal.username,
                    municipality_id=mid,
                    entity="indicator_value",
                    entity_id=record.id,
                    action="create" if row.status == "new" else "update",
                    old_values=None
                    if row.old is None and row.status == "new"
                    else {"indicator": indicator.key, "year": year, "value": row.old},
                    new_values={"indicator": indicator.key, "year": year, "value": row.new},
                )
            )
    log.info(
        "indicator bulk update %s %s by %s: %d new, %d changed",
        indicator.key,
        year,
        principal.log_ref,
        created,
        updated,
    )
    return ApplyResult(
        indicator_label=indicator.label,
        year=year,
        created=created,
        updated=updated,
        unchanged=preview.count("unchanged"),
        unmatched=preview.count("unmatched"),
    )
