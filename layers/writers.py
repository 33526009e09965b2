"""Writing files: GeoPackage, zipped Shapefile, GeoJSON (RFC 7946), CSV, XLSX and zip.

The one set of writers behind every export (map layers, tables, Steckbrief archives, the
area change sets of the Geoportal/KWIS exchange). Pure functions: no database, no export
record — callers pass already formatted, already authorized content.

Conventions (kept by every export):

* GeoPackage 1.3 and Shapefile in the frame's CRS; singular geometries are promoted to
  multi geometries, so a layer has one geometry type;
* Shapefile: zipped with ``.shp/.shx/.dbf/.prj`` and a ``.cpg`` saying ``UTF-8``;
* GeoJSON: RFC 7946 — EPSG:4326, longitude before latitude, no ``crs`` member; optional
  foreign members (e.g. ``metadaten``) at the top of the collection;
* CSV: UTF-8 with BOM (Excel), ``;`` separated by default, CRLF line ends; geometry as WKT
  (EPSG:4326) or as longitude/latitude of a point on the surface;
* XLSX: one sheet per :class:`Sheet`, text cells stored as text (never as formulas);
* zip: fixed member timestamps, so equal content gives equal bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from layers.crs import to_web

CsvGeometry = Literal["wkt", "centroid"]
ZipStamp = tuple[int, int, int, int, int, int]  # year, month, day, hour, minute, second

CSV_ENCODING: Final = "utf-8-sig"  # UTF-8 with BOM: Excel detects the encoding
CSV_LINE_END: Final = "\r\n"
SHAPEFILE_ENCODING: Final = "UTF-8"
WKT_DECIMALS: Final = 7  # degrees: ~1 cm
LONLAT_FORMAT: Final = "{:.6f}"
HEADER_FILL: Final = PatternFill("solid", fgColor="DCE6F1")
ZIP_EPOCH: Final[ZipStamp] = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- vector


@contextmanager
def atomic_target(target: Path, partial: Path | None = None) -> Iterator[Path]:
    """A temporary path beside ``target`` (or ``partial``) to write to: renamed to
    ``target`` when the block ends without error, removed otherwise. Readers never see a
    half-written file, and a failed write leaves nothing behind."""
    if partial is None:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        os.close(fd)
        partial = Path(name)
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def write_gpkg(
    frame: gpd.GeoDataFrame,
    path: Path,
    layer: str,
    *,
    description: str = "",
    metadata: Mapping[str, str] | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """GeoPackage 1.3 with ``layer`` in the CRS of ``frame``; ``metadata`` becomes GDAL
    layer metadata (``gpkg_metadata``), ``tables`` extra attribute tables (no geometry)."""
    pyogrio.write_dataframe(
        frame,
        path,
        layer=layer,
        driver="GPKG",
        promote_to_multi=True,
        dataset_options={"VERSION": "1.3"},
        layer_options={"DESCRIPTION": description[:250]} if description else None,
        layer_metadata=dict(metadata) if metadata else None,
    )
    for name, table in (tables or {}).items():
        pyogrio.write_dataframe(table, path, layer=name, driver="GPKG", append=True)
    return path


def write_shapefile_zip(
    frame: gpd.GeoDataFrame, path: Path, layer: str, *, stamp: ZipStamp = ZIP_EPOCH
) -> Path:
    """A zip at ``path`` holding the Shapefile ``layer`` (``.shp/.shx/.dbf/.prj``) in the
    CRS of ``frame``, attributes in UTF-8 with a ``.cpg`` saying so."""
    with tempfile.TemporaryDirectory(prefix="cockpit-shp-") as tmp:
        folder = Path(tmp)
        pyogrio.write_dataframe(
            frame,
            folder / f"{layer}.shp",
            driver="ESRI Shapefile",
            encoding=SHAPEFILE_ENCODING,
            promote_to_multi=True,
        )
        cpg = folder / f"{layer}.cpg"
        if not cpg.exists():
            cpg.write_text(SHAPEFILE_ENCODING, encoding="ascii")
        parts = [(part.name, part.read_bytes()) for part in sorted(folder.iterdir())]
    path.write_bytes(zip_bytes(parts, stamp))
    return path


def geojson_bytes(
    frame: gpd.GeoDataFrame, name: str, *, members: Mapping[str, Any] | None = None
) -> bytes:
    """RFC 7946 GeoJSON of ``frame`` (reprojected to EPSG:4326, lon/lat, no ``crs``).

    ``name`` is the collection's ``name``; ``members`` are foreign members placed before
    ``features`` (readers ignore them).
    """
    with tempfile.TemporaryDirectory(prefix="cockpit-geojson-") as tmp:
        path = Path(tmp) / "layer.geojson"
        pyogrio.write_dataframe(to_web(frame), path, layer=name, driver="GeoJSON", RFC7946="YES")
        payload = path.read_bytes()
    if not members:
        return payload
    collection = json.loads(payload)
    features = collection.pop("features")
    collection.update(members)
    collection["features"] = features
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- CSV


def csv_bytes(rows: Iterable[Sequence[object]], *, separator: str = ";") -> bytes:
    """CSV for Excel: UTF-8 with BOM, CRLF. The first row is the header; cells are written
    as given (format them, and neutralize spreadsheet formulas, before)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator=CSV_LINE_END)
    writer.writerows(rows)
    return buffer.getvalue().encode(CSV_ENCODING)


def frame_csv_bytes(
    frame: gpd.GeoDataFrame,
    *,
    geometry: CsvGeometry,
    cell: Callable[[Any], str] = str,
    separator: str = ";",
) -> bytes:
    """The attributes of ``frame`` (formatted by ``cell``) plus its geometry in EPSG:4326:
    a ``WKT`` column (``geometry="wkt"``) or ``lon``/``lat`` of a point on the surface
    (``"centroid"``; the point is taken in the frame's CRS, then reprojected)."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if geometry == "wkt":
        web = to_web(frame)
        wkts = shapely.to_wkt(web.geometry.to_numpy(), rounding_precision=WKT_DECIMALS)
        extra_header, extra = ["WKT"], [[str(wkt)] for wkt in wkts]
    else:
        points = shapely.point_on_surface(frame.geometry.to_numpy())
        web_points = to_web(gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, crs=frame.crs)))
        extra_header = ["lon", "lat"]
        extra = [
            [LONLAT_FORMAT.format(p.x), LONLAT_FORMAT.format(p.y)] for p in web_points.geometry
        ]
    rows = (
        [cell(v) for v in values] + geometry_cells
        for values, geometry_cells in zip(
            frame[columns].itertuples(index=False), extra, strict=True
        )
    )
    return csv_bytes(chain([[*columns, *extra_header]], rows), separator=separator)


# --------------------------------------------------------------------------- XLSX


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row (bold; ``styled`` adds fill, wrap and a frozen header),
    rows of typed values, an Excel number format per column (data rows only) and column
    widths (``None``: from the content, 10 to 60 characters)."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    number_formats: Sequence[str] = ()
    widths: Sequence[int] | None = None
    styled: bool = True
    bold_first_column: bool = False


@dataclass(frozen=True)
class WorkbookProperties:
    title: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = ""
    description: str = ""
    created: dt.datetime | None = None  # naive; also the modification time


def xlsx_bytes(sheets: Sequence[Sheet], properties: WorkbookProperties) -> bytes:
    """An XLSX workbook of ``sheets``; strings are stored as text, never as formulas."""
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    for spec in sheets:
        _write_sheet(workbook, spec)
    props = workbook.properties
    props.title = properties.title
    props.subject = properties.subject
    props.keywords = properties.keywords
    props.creator = properties.creator
    props.description = properties.description
    if properties.created is not None:
        props.created = properties.created
        props.modified = properties.created
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(workbook: Workbook, spec: Sheet) -> None:
    sheet = workbook.create_sheet(spec.title)
    if spec.header:
        sheet.append(list(spec.header))
        _style_header(sheet[1], spec.styled)
    for values in spec.rows:
        sheet.append(list(values))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: openpyxl would store "=…" as a formula
    _format_columns(sheet, spec)
    if spec.styled:
        sheet.freeze_panes = "A2"
    widths = _content_widths(spec) if spec.widths is None else spec.widths
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(width + 2, 60))


def _format_columns(sheet: Any, spec: Sheet) -> None:
    for index, number_format in enumerate(spec.number_formats, start=1):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    if spec.bold_first_column:
        for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
            cell.font = Font(bold=True)


def _style_header(cells: Iterable[Any], styled: bool) -> None:
    for cell in cells:
        cell.font = Font(bold=True)
        if styled:
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _content_widths(spec: Sheet) -> list[int]:
    widths = [len(h) for h in spec.header]
    for values in spec.rows:
        lengths = (len(str(v)) if v is not None else 0 for v in values)
        widths = [max(w, n) for w, n in zip(widths, lengths, strict=True)]
    return widths


# --------------------------------------------------------------------------- zip


def zip_bytes(files: Sequence[tuple[str, bytes]], stamp: ZipStamp = ZIP_EPOCH) -> bytes:
    """A deflated zip of ``(name, payload)`` with every member dated ``stamp``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, payload)
    return buffer.getvalue()
