"""Use case: import indicator values per municipality and year from a CSV table."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.parsing import NumberFormatError, NumberStyle, detect_number_style, parse_number
from cockpit.domain.roles import Permission, Principal
from cockpit.models.geo import Municipality
from cockpit.models.indicator import Indicator, IndicatorValue
from cockpit.services import audit, authz
from cockpit.services.importing.catalogue import IndicatorMeta, load_catalogue
from cockpit.services.importing.reading import (
    AGS_COLUMNS,
    IDENTIFIER_COLUMNS,
    YEAR_SUFFIX,
    find_column,
    normalize_ags,
    read_csv,
    reject,
)
from cockpit.services.importing.reports import IndicatorImportReport, Progress, Stepper, short
from cockpit.services.unit_of_work import transaction

log = logging.getLogger(__name__)


@dataclass
class _Column:
    name: str
    key: str
    year: int
    values: list[float | None]


def import_indicators(
    session: Session,
    principal: Principal,
    path: Path,
    *,
    catalogue: Mapping[str, IndicatorMeta] | None = None,
    year: int | None = None,
    source: str = "",
    progress: Progress | None = None,
) -> IndicatorImportReport:
    """Import (upsert) indicator values per municipality and year from a CSV table.

    The CSV (``,``, ``;`` or tab separated; UTF-8 with or without BOM, else Latin-1 with a
    warning) has one row per municipality with an AGS column (``AGS``/``ags``/
    ``Gemeindeschluessel``) and value columns named ``<key>_<YYYY>`` (INKAR style) or
    ``<key>`` together with ``year``, or listed as a column alias in the catalogue.
    Numbers may be German (``1.234,5``) or English (``1234.5``).

    Returns
    -------
    IndicatorImportReport

    Raises
    ------
    AccessDeniedError
        Without ``IMPORT_DATA``.
    ImportRejectedError
        Unreadable file, no AGS column, invalid or duplicate AGS, a non-numeric value in a
        value column (message names line, column and value), no row matching a stored
        municipality. Nothing is written then.
    """
    authz.require(principal, Permission.IMPORT_DATA)
    step = Stepper(progress)
    with transaction(session, f"indicator import {path.name}"):
        catalogue = load_catalogue() if catalogue is None else catalogue
        table, report = read_csv(path)
        step.set_total(4)
        step.advance()
        ags_values, columns = _parse_table(table, path, report, catalogue, year)
        step.advance()
        _write_indicators(session, ags_values, columns, report, catalogue, source or path.name)
        step.advance()
        audit.record(
            session,
            actor=principal,
            action="import_indicators",
            target=path.name,
            details={
                "file": path.name,
                "rows": report.rows,
                "matched_rows": report.matched_rows,
                "indicators": report.indicator_keys,
                "values_created": report.values_created,
                "values_updated": report.values_updated,
                "unmatched_ags": len(report.unmatched_ags),
            },
        )
    step.advance()
    log.info(
        "indicators imported: file=%s indicators=%s values created=%d updated=%d unmatched=%d",
        path.name,
        report.indicator_keys,
        report.values_created,
        report.values_updated,
        len(report.unmatched_ags),
    )
    return report


def _line(row_position: int) -> int:
    """File line number of a data row (line 1 is the header)."""
    return row_position + 2


def _parse_table(
    table: pd.DataFrame,
    path: Path,
    report: IndicatorImportReport,
    catalogue: Mapping[str, IndicatorMeta],
    default_year: int | None,
) -> tuple[list[str], list[_Column]]:
    ags_col = find_column(table.columns, AGS_COLUMNS)
    if ags_col is None:
        raise reject(
            f"{path}: no AGS column in {list(table.columns)}",
            f"In der Datei „{path.name}“ fehlt die Spalte „AGS“ (Amtlicher Gemeindeschlüssel). "
            f"Gefundene Spalten: {short(list(table.columns))}.",
        )
    ags_values = _ags_values(table[ags_col], path)
    candidates = _candidates(table, ags_col, catalogue, report, default_year)
    file_style = _file_decimal_style(table, [c for c, _, _ in candidates], report.separator)
    report.decimal_style = file_style
    columns: list[_Column] = []
    for column, key, column_year in candidates:
        parsed = _column_values(table, column, key in catalogue, file_style, path, report)
        if parsed is None:
            continue
        if column_year is None:
            report.columns_without_year.append(column)
            continue
        if not re.fullmatch(r"[A-Za-z0-9_äöüÄÖÜß]{1,100}", key):
            report.ignored_columns.append(column)
            continue
        if key not in catalogue and key not in report.uncatalogued:
            report.uncatalogued.append(key)
        columns.append(_Column(column, key, column_year, parsed))
        report.empty_cells += sum(1 for v in parsed if v is None)
    _check_columns(columns, path)
    return ags_values, columns


def _ags_values(cells: pd.Series, path: Path) -> list[str]:
    """The AGS of every row; an invalid or repeated AGS rejects the file."""
    ags_values: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(cells):
        ags = normalize_ags(raw)
        if ags is None:
            raise reject(
                f"{path}: line {_line(position)}: invalid AGS {raw!r}",
                f"Die Datei „{path.name}“, Zeile {_line(position)}: „{raw}“ ist kein gültiger "
                "Gemeindeschlüssel (8 Ziffern).",
            )
        if ags in seen:
            raise reject(
                f"{path}: duplicate AGS {ags} in lines {seen[ags]} and {_line(position)}",
                f"Die Datei „{path.name}“: Der Gemeindeschlüssel {ags} steht doppelt "
                f"(Zeilen {seen[ags]} und {_line(position)}).",
            )
        seen[ags] = _line(position)
        ags_values.append(ags)
    return ags_values


def _candidates(
    table: pd.DataFrame,
    ags_col: str,
    catalogue: Mapping[str, IndicatorMeta],
    report: IndicatorImportReport,
    default_year: int | None,
) -> list[tuple[str, str, int | None]]:
    """(column, indicator key, year) of every column that may hold indicator values."""
    aliases = {col: (meta.key, y) for meta in catalogue.values() for col, y in meta.columns.items()}
    candidates: list[tuple[str, str, int | None]] = []
    for column in table.columns:
        if column == ags_col:
            continue
        if column in aliases:
            alias_key, alias_year = aliases[column]
            candidates.append((column, alias_key, alias_year))
        elif column.lower() in IDENTIFIER_COLUMNS:
            report.ignored_columns.append(column)
        elif match := YEAR_SUFFIX.match(column):
            candidates.append((column, match["key"], int(match["year"])))
        else:
            candidates.append((column, column, default_year))
    return candidates


def _column_values(
    table: pd.DataFrame,
    column: str,
    in_catalogue: bool,
    file_style: NumberStyle,
    path: Path,
    report: IndicatorImportReport,
) -> list[float | None] | None:
    """The column's numbers; ``None`` (reported as ignored) for a non-numeric column.

    A column of a catalogued indicator must be numeric: a bad cell rejects the file.
    """
    cells = [str(v).strip() for v in table[column]]
    style = detect_number_style(cells, default=file_style)
    parsed, bad = _parse_cells(cells, style)
    if bad is not None and not in_catalogue:
        other: NumberStyle = "en" if style == "de" else "de"
        parsed_other, bad_other = _parse_cells(cells, other)
        if bad_other is None:
            parsed, bad = parsed_other, None
    if bad is not None and in_catalogue:
        position, value = bad
        raise reject(
            f"{path}: line {_line(position)} column {column!r}: non-numeric {value!r}",
            f"Die Datei „{path.name}“, Zeile {_line(position)}, Spalte „{column}“: "
            f"„{value}“ ist keine Zahl. Bitte korrigieren Sie den Wert oder lassen Sie "
            "die Zelle leer.",
        )
    if bad is not None or (all(v is None for v in parsed) and not in_catalogue):
        report.ignored_columns.append(column)
        return None
    return parsed


def _check_columns(columns: Sequence[_Column], path: Path) -> None:
    """At least one value column, and no indicator/year twice."""
    if not columns:
        raise reject(
            f"{path}: no indicator columns",
            f"Die Datei „{path.name}“ enthält keine Spalte mit Indikatorwerten "
            "(Zahlen in Spalten wie „kennung_2022“).",
        )
    duplicates = [k for k, n in Counter((c.key, c.year) for c in columns).items() if n > 1]
    if duplicates:
        key, dup_year = duplicates[0]
        names = [c.name for c in columns if (c.key, c.year) == (key, dup_year)]
        raise reject(
            f"{path}: columns {names} map to the same indicator/year {key}/{dup_year}",
            f"Die Datei „{path.name}“: Die Spalten {', '.join(names)} liefern denselben "
            f"Indikator „{key}“ für {dup_year}.",
        )


def _file_decimal_style(table: pd.DataFrame, columns: Sequence[str], separator: str) -> NumberStyle:
    cells = (str(value).strip() for column in columns for value in table[column])
    return detect_number_style(cells, default="de" if separator == ";" else "en")


def _parse_cells(
    cells: Sequence[str], style: NumberStyle
) -> tuple[list[float | None], tuple[int, str] | None]:
    """Parse every cell; returns values and the first bad (position, text) or None."""
    values: list[float | None] = []
    for position, text in enumerate(cells):
        if not text:
            values.append(None)
            continue
        try:
            number = parse_number(text, style)
        except NumberFormatError:
            return values, (position, text)
        values.append(number)
    return values, None


def _generated_label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _write_indicators(
    session: Session,
    ags_values: Sequence[str],
    columns: Sequence[_Column],
    report: IndicatorImportReport,
    catalogue: Mapping[str, IndicatorMeta],
    source: str,
) -> None:
    ids_by_ags = _municipality_ids(session, ags_values, report)
    keys = sorted({c.key for c in columns})
    indicators = _upsert_indicators(session, keys, report, catalogue, source)
    existing: dict[tuple[int, int, int], IndicatorValue] = {}
    for value_row in session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id.in_([indicators[k].id for k in keys]),
            IndicatorValue.municipality_id.in_(sorted(set(ids_by_ags.values()))),
        )
    ):
        existing[(value_row.indicator_id, value_row.municipality_id, value_row.year)] = value_row

    now = dt.datetime.now(dt.UTC)
    for column in columns:
        indicator = indicators[column.key]
        meta = catalogue.get(column.key)
        value_source = source if not meta or not meta.source else meta.source
        years = report.years.setdefault(column.key, [])
        if column.year not in years:
            years.append(column.year)
            years.sort()
        for ags, value in zip(ags_values, column.values, strict=True):
            municipality_id = ids_by_ags.get(ags)
            if municipality_id is None or value is None:
                continue
            found = existing.get((indicator.id, municipality_id, column.year))
            if found is None:
                session.add(
                    IndicatorValue(
                        indicator_id=indicator.id,
                        municipality_id=municipality_id,
                        year=column.year,
                        value=value,
                        source=value_source,
                        is_demo=False,
                        updated_at=now,
                    )
                )
                report.values_created += 1
            else:
                found.value = value
                found.source = value_source
                found.is_demo = False
                report.values_updated += 1
    session.flush()


def _municipality_ids(
    session: Session, ags_values: Sequence[str], report: IndicatorImportReport
) -> dict[str, int]:
    """Stored municipality id by AGS; no row matching a stored municipality rejects the file."""
    ids_by_ags: dict[str, int] = {}
    wanted = sorted(set(ags_values))
    for chunk_start in range(0, len(wanted), 500):
        chunk = wanted[chunk_start : chunk_start + 500]
        rows = session.execute(
            select(Municipality.ags, Municipality.id).where(Municipality.ags.in_(chunk))
        )
        ids_by_ags.update({ags: mid for ags, mid in rows})
    report.unmatched_ags = [a for a in ags_values if a not in ids_by_ags]
    report.matched_rows = len(ags_values) - len(report.unmatched_ags)
    if not report.matched_rows:
        raise reject(
            f"{report.file}: no row matches a stored municipality",
            f"Keine Zeile der Datei „{report.file}“ passt zu einer gespeicherten Gemeinde. "
            "Bitte importieren Sie zuerst die Gemeindegrenzen oder prüfen Sie die "
            "Gemeindeschlüssel.",
        )
    return ids_by_ags


def _upsert_indicators(
    session: Session,
    keys: Sequence[str],
    report: IndicatorImportReport,
    catalogue: Mapping[str, IndicatorMeta],
    source: str,
) -> dict[str, Indicator]:
    """The indicators of ``keys``, created if new, described from the catalogue (flushed)."""
    indicators = {
        i.key: i for i in session.scalars(select(Indicator).where(Indicator.key.in_(keys)))
    }
    for key in keys:
        meta = catalogue.get(key)
        indicator = indicators.get(key)
        if indicator is None:
            indicator = Indicator(key=key, label=meta.label if meta else _generated_label(key))
            session.add(indicator)
            indicators[key] = indicator
            report.indicators_created.append(key)
        else:
            report.indicators_updated.append(key)
        if meta is not None:
            indicator.label = meta.label
            indicator.unit = meta.unit
            indicator.category = meta.category
            indicator.source = meta.source
            indicator.licence = meta.licence
            indicator.visibility = meta.visibility
            indicator.higher_is_better = meta.higher_is_better
            indicator.decimals = meta.decimals
            indicator.description = meta.description
        elif indicator.id is None:
            indicator.source = source
            indicator.description = "Automatisch angelegt beim Import; nicht im Katalog."
    session.flush()
    return indicators
