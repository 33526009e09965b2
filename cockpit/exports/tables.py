"""Table and layer exports: CSV (zip with manifest), XLSX, GeoPackage and GeoJSON.

Input is already authorized data (:class:`cockpit.services.exports.TableData` and the
map layer frame). Every file carries its export record (:mod:`cockpit.exports.metadata`):

* CSV: UTF-8 with BOM (Excel), ``;`` or ``,`` separated, decimal comma or point; delivered
  in a zip together with ``<name>.metadaten.json`` (a comment line would break Excel);
* XLSX: German headers with units, sheets "Daten", "Quellen" and "Metadaten", document
  properties (title, subject, keywords, creator);
* GeoPackage (``VERSION=1.3``): the layer plus GDAL layer metadata (``gpkg_metadata``) and
  an attribute table ``metadaten``;
* GeoJSON (EPSG:4326): a foreign member ``"metadaten"`` at the top (readers ignore it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cockpit.domain.formatting import format_date, format_number, to_local
from cockpit.domain.spreadsheet import neutralize_spreadsheet_text
from cockpit.exports.metadata import ExportRecord
from cockpit.services.exports import Column, TableData
from layers.crs import to_web

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
HEADER_FILL: Final = PatternFill("solid", fgColor="DCE6F1")


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
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([c.header for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(v, decimal) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


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
    moment = to_local(record.created)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, payload)
    return buffer.getvalue()


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


def _autosize(sheet: Any, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(width + 2, 60))


def _write_table_sheet(workbook: Workbook, table: TableData, title: str) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([c.header for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(c.header) for c in table.columns]
    for row in table.rows:
        values = [_xlsx_cell(v) for v in row]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: openpyxl would store "=…" as a formula
        for i, value in enumerate(values):
            widths[i] = max(widths[i], len(str(value)) if value is not None else 0)
    for index, column in enumerate(table.columns, start=1):
        number_format = _number_format(column)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    _autosize(sheet, widths)


def to_xlsx(tables: Sequence[TableData], record: ExportRecord) -> bytes:
    """An XLSX workbook: one data sheet per table, then "Quellen" and "Metadaten"."""
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    used: set[str] = set()
    for table in tables:
        title = _sheet_title(table.title if len(tables) > 1 else "Daten", used)
        _write_table_sheet(workbook, table, title)

    sources = workbook.create_sheet("Quellen")
    sources.append(["Quelle / Lizenz"])
    sources["A1"].font = Font(bold=True)
    seen: list[str] = []
    for table in tables:
        for source in table.sources:
            if source not in seen:
                seen.append(source)
    for source in seen or ["–"]:
        sources.append([source])
    if any(t.is_demo for t in tables):
        sources.append(["Demo-Daten: Teile der Daten sind generiert und nicht amtlich."])
    _autosize(sources, [max((len(s) for s in seen), default=20)])

    meta = workbook.create_sheet("Metadaten")
    for key, value in metadata_rows(record):
        meta.append([key, value])
    for (cell,) in meta.iter_rows(min_col=1, max_col=1):
        cell.font = Font(bold=True)
    _autosize(meta, [28, 80])

    props = workbook.properties
    props.title = record.title or tables[0].title
    props.subject = record.summary()
    props.keywords = record.to_json()
    props.creator = record.user
    props.description = "; ".join(record.sources)
    props.created = record.created.replace(tzinfo=None)
    props.modified = props.created
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
        ("Demo-Daten", "ja" if record.is_demo else "nein"),
        ("Quellen", "; ".join(record.sources)),
        ("Datensatz (JSON)", record.to_json()),
    ]


# --------------------------------------------------------------------------- layers


def to_gpkg(frame: gpd.GeoDataFrame, record: ExportRecord, layer: str) -> bytes:
    """GeoPackage 1.3 with ``layer`` (CRS of ``frame``) and a ``metadaten`` table."""
    with tempfile.TemporaryDirectory(prefix="cockpit-export-") as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer,
            driver="GPKG",
            dataset_options={"VERSION": "1.3"},
            layer_options={"DESCRIPTION": record.title[:250]},
            layer_metadata={
                "TITLE": record.title,
                "KOMMUNAL_COCKPIT_EXPORT": record.to_json(),
                "DATA_HASH": record.data_hash,
            },
        )
        rows = metadata_rows(record)
        table = pd.DataFrame({"schluessel": [k for k, _ in rows], "wert": [v for _, v in rows]})
        pyogrio.write_dataframe(table, path, layer="metadaten", driver="GPKG", append=True)
        return path.read_bytes()


def to_geojson(frame: gpd.GeoDataFrame, record: ExportRecord) -> bytes:
    """GeoJSON (RFC 7946, EPSG:4326) with the record as foreign member ``metadaten``."""
    web = to_web(frame)
    collection = json.loads(web.to_json(na="null", show_bbox=False, drop_id=True))
    collection = {
        "type": "FeatureCollection",
        "name": record.title,
        "metadaten": record.to_dict(),
        "features": collection["features"],
    }
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")
