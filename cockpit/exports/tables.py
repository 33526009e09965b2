"""Table and layer exports: CSV (zip with manifest), XLSX, GeoPackage and GeoJSON.

Input is already authorized data (:class:`cockpit.services.exports.TableData` and the
map layer frame). This module turns it into cells and embeds the export record
(:mod:`cockpit.exports.metadata`); the files themselves are written by
:mod:`layers.writers`, the writers of every export:

* CSV: UTF-8 with BOM (Excel), ``;`` or ``,`` separated, decimal comma or point; delivered
  in a zip together with ``<name>.metadaten.json`` (a comment line would break Excel);
* XLSX: German headers with units, sheets "Daten", "Quellen" and "Metadaten", document
  properties (title, subject, keywords, creator);
* GeoPackage (``VERSION=1.3``): the layer plus GDAL layer metadata (``gpkg_metadata``) and
  an attribute table ``metadaten``;
* GeoJSON (RFC 7946, EPSG:4326): a foreign member ``"metadaten"`` at the top (readers
  ignore it).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import pandas as pd

from cockpit.domain.formatting import format_date, format_number, to_local
from cockpit.domain.spreadsheet import neutralize_spreadsheet_text
from cockpit.exports.metadata import ExportRecord
from cockpit.services.exports import DEMO_DISCLAIMER, DEMO_NOTE, Column, TableData
from layers.writers import (
    Sheet,
    WorkbookProperties,
    ZipStamp,
    csv_bytes,
    geojson_bytes,
    write_gpkg,
    xlsx_bytes,
    zip_bytes,
)

Separator = Literal[";", ","]
DecimalMark = Literal[",", "."]
TABLE_FORMATS: Final = ("csv", "xlsx")
LAYER_FORMATS: Final = ("gpkg", "geojson")
MIME: Final = {
    "csv": "application/zip",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
}


def _plain_number(value: float | int) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.10f}".rstrip("0").rstrip(".")


def _csv_cell(value: Any, decimal: DecimalMark) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.datetime):
        return format_date(to_local(value))  # the Berlin day, not the UTC one
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, tuple | list):
        return " bis ".join(_csv_cell(v, decimal) for v in value)
    if isinstance(value, int | float):
        return _plain_number(value).replace(".", decimal)
    return neutralize_spreadsheet_text(str(value))


def to_csv(table: TableData, *, separator: Separator = ";", decimal: DecimalMark = ",") -> bytes:
    """CSV bytes for Excel: UTF-8 with BOM, one header row (German labels with units).

    Numbers are written unformatted (no thousands separator) with the chosen decimal mark;
    ``separator`` and ``decimal`` must differ.
    """
    if separator == decimal:
        raise ValueError("separator and decimal mark must differ")
    rows = ([_csv_cell(v, decimal) for v in row] for row in table.rows)
    return csv_bytes(chain([[c.header for c in table.columns]], rows), separator=separator)


def csv_zip(
    table: TableData,
    record: ExportRecord,
    *,
    separator: Separator = ";",
    decimal: DecimalMark = ",",
) -> bytes:
    """A zip with ``<name>.csv`` and ``<name>.metadaten.json`` (fixed timestamps)."""
    return zip_files(
        [
            (f"{table.name}.csv", to_csv(table, separator=separator, decimal=decimal)),
            (f"{table.name}.metadaten.json", record.to_json(indent=2).encode("utf-8")),
        ],
        record,
    )


def zip_files(files: Sequence[tuple[str, bytes]], record: ExportRecord) -> bytes:
    """A zip of ``files``, every member dated with the export time (local time)."""
    return zip_bytes(files, _zip_stamp(record))


def _zip_stamp(record: ExportRecord) -> ZipStamp:
    moment = to_local(record.created)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


# --------------------------------------------------------------------------- XLSX


def _number_format(column: Column) -> str:
    if column.kind == "int":
        return "#,##0"
    if column.kind == "money":
        return '#,##0 "€"'
    if column.kind == "float":
        return "#,##0" + ("." + "0" * column.decimals if column.decimals > 0 else "")
    if column.kind == "date":
        return "DD.MM.YYYY"
    return "General"


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, tuple | list):
        return " bis ".join(str(format_number(v, 2)) for v in value)
    if isinstance(value, str):
        return neutralize_spreadsheet_text(value)
    return value


def _table_sheet(table: TableData, title: str) -> Sheet:
    return Sheet(
        title=title,
        header=[c.header for c in table.columns],
        rows=[[_xlsx_cell(v) for v in row] for row in table.rows],
        number_formats=[_number_format(c) for c in table.columns],
    )


def to_xlsx(tables: Sequence[TableData], record: ExportRecord) -> bytes:
    """An XLSX workbook: one data sheet per table, then "Quellen" and "Metadaten"."""
    used: set[str] = set()
    sheets = [
        _table_sheet(table, _sheet_title(table.title if len(tables) > 1 else "Daten", used))
        for table in tables
    ]
    sources = list(record.sources)
    notes = [DEMO_DISCLAIMER] if record.is_demo else []
    sheets.append(
        Sheet(
            title="Quellen",
            header=["Quelle / Lizenz"],
            rows=[[line] for line in [*(sources or ["–"]), *notes]],
            widths=[max((len(s) for s in sources), default=20)],
            styled=False,
        )
    )
    sheets.append(
        Sheet(
            title="Metadaten",
            header=[],
            rows=[list(row) for row in metadata_rows(record)],
            widths=[28, 80],
            styled=False,
            bold_first_column=True,
        )
    )
    return xlsx_bytes(
        sheets,
        WorkbookProperties(
            title=record.title or tables[0].title,
            subject=record.summary(),
            keywords=record.to_json(),
            creator=record.user,
            description="; ".join(record.sources),
            created=record.created.replace(tzinfo=None),
        ),
    )


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join("-" if c in "[]:*?/\\" else c for c in title)[:31]
    candidate, n = clean, 2
    while candidate in used or candidate in ("Quellen", "Metadaten"):
        suffix = f" ({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate)
    return candidate


def metadata_rows(record: ExportRecord) -> list[tuple[str, str]]:
    """German key/value rows of the record (XLSX sheet, GeoPackage table)."""
    moment = to_local(record.created)
    return [
        ("Titel", record.title),
        ("Art des Exports", record.kind),
        ("Format", record.format),
        ("Auszug", record.scope),
        ("Exportiert am", f"{moment:%d.%m.%Y %H:%M} Uhr"),
        ("Exportiert von", f"{record.user} ({record.role})"),
        ("Parameter", json.dumps(dict(record.params), ensure_ascii=False, sort_keys=True)),
        ("Datenstand (SHA-256)", record.data_hash),
        (DEMO_NOTE, "ja" if record.is_demo else "nein"),
        ("Quellen", "; ".join(record.sources)),
        ("Datensatz (JSON)", record.to_json()),
    ]


# --------------------------------------------------------------------------- layers


def to_gpkg(frame: gpd.GeoDataFrame, record: ExportRecord, layer: str) -> bytes:
    """GeoPackage 1.3 with ``layer`` (CRS of ``frame``) and a ``metadaten`` table."""
    rows = metadata_rows(record)
    table = pd.DataFrame({"schluessel": [k for k, _ in rows], "wert": [v for _, v in rows]})
    with tempfile.TemporaryDirectory(prefix="cockpit-export-") as tmp:
        path = write_gpkg(
            frame,
            Path(tmp) / f"{layer}.gpkg",
            layer,
            description=record.title,
            metadata={
                "TITLE": record.title,
                "KOMMUNAL_COCKPIT_EXPORT": record.to_json(),
                "DATA_HASH": record.data_hash,
            },
            tables={"metadaten": table},
        )
        return path.read_bytes()


def to_geojson(frame: gpd.GeoDataFrame, record: ExportRecord) -> bytes:
    """GeoJSON (RFC 7946, EPSG:4326) with the record as foreign member ``metadaten``."""
    return geojson_bytes(frame, record.title, members={"metadaten": record.to_dict()})
