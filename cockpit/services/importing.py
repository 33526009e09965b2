"""Use cases: import municipal boundaries (vector files) and indicator tables (CSV).

Both imports are all-or-nothing: the file is read and checked completely before anything
is written, everything is written in one transaction, and on any error the session is
rolled back and an :class:`ImportRejectedError` with a German ``user_message`` (naming the
file, row/feature and problem) is raised.

Decisions (see also ``data/CATALOGUE.md``):

* Boundaries: a municipality is identified by its AGS. A file that holds several features
  with one AGS is rejected, except for VG250 water parts (``GF`` 1/2, e.g. Bodensee) next
  to a land part (``GF`` 3/4) of the same AGS: the water parts are dropped, as BKG's own
  area statistics do. Gemeindefreie Gebiete are skipped and reported. Municipalities of
  the district that are in the database but no longer in the file are reported, never
  deleted (indicator values and areas reference them).
* Indicators: an empty cell means "no value in this file": no value row is written and an
  existing value stays as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from babel.numbers import format_decimal
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ImportRejectedError
from cockpit.domain.parsing import (
    NumberFormatError,
    NumberStyle,
    detect_number_style,
    parse_number,
)
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import MunicipalityKind, Visibility
from cockpit.models.geo import District, Municipality
from cockpit.models.indicator import Indicator, IndicatorValue
from cockpit.services import audit, authz
from cockpit.services.config import ServiceConfig
from cockpit.settings import PROJECT_ROOT
from layers.crs import CRSError, area_m2, areas_m2, require_crs, to_metric, to_web
from layers.geometry import repair_polygonal, to_multipolygon
from layers.io import VectorReadError, read_vector
from layers.simplify import DEFAULT_DISPLAY_TOLERANCE_M, round_coordinates, simplify_coverage

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

DEFAULT_CATALOGUE = PROJECT_ROOT / "data" / "indicators.toml"
DISPLAY_DECIMALS = 5
LOCALE = "de_DE"

AGS_COLUMNS = ("ags", "gemeindeschluessel", "gemeindeschlüssel", "ags8")
ARS_COLUMNS = ("ars", "rs", "regionalschluessel", "regionalschlüssel")
NAME_COLUMNS = ("gen", "name", "gemeindename", "gemeinde")
KIND_COLUMNS = ("bez",)
# Key and descriptive columns of VG250/INKAR/Zensus tables: never indicator values.
IDENTIFIER_COLUMNS = frozenset(
    {
        *AGS_COLUMNS,
        *ARS_COLUMNS,
        *NAME_COLUMNS,
        "bez",
        "ibz",
        "bem",
        "ade",
        "gf",
        "bsg",
        "sdv_ars",
        "sdv_rs",
        "nbd",
        "sn_l",
        "sn_r",
        "sn_k",
        "sn_v1",
        "sn_v2",
        "sn_g",
        "fk_s3",
        "nuts",
        "wsk",
        "debkg_id",
        "objid",
        "beginn",
        "ars_0",
        "ags_0",
        "name_inkar",
        "name_zensus",
        "aggregat",
        "kennziffer",
        "raumeinheit",
        "id",
        "fid",
    }
)
WATER_GF = frozenset({1, 2})
LAND_GF = frozenset({3, 4})
YEAR_SUFFIX = re.compile(r"^(?P<key>.+?)_(?P<year>(19|20)\d{2})$")


# --------------------------------------------------------------------------- reports


def _num(value: float | int, decimals: int = 0) -> str:
    pattern = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
    return format_decimal(value, format=pattern, locale=LOCALE)


def _short(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" … (insgesamt {len(items)})" if len(items) > limit else "")


@dataclass
class BoundaryImportReport:
    """What :func:`import_boundaries` did."""

    file: str
    district_ags: str
    district_name: str
    source_crs: str
    metric_crs: str
    features_read: int
    municipalities: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    missing_in_file: list[str] = field(default_factory=list)
    skipped_other_districts: int = 0
    skipped_unincorporated: list[str] = field(default_factory=list)
    dropped_water_parts: list[str] = field(default_factory=list)
    district_created: bool = False
    total_area_km2: float = 0.0
    display_tolerance_m: float = DEFAULT_DISPLAY_TOLERANCE_M
    display_geojson_bytes: int = 0
    territorial_status: dt.date | None = None  # Gebietsstand (given, or newest WSK)

    def summary_lines(self) -> list[str]:
        """German summary for the CLI and the UI."""
        lines = [
            f"Datei „{self.file}“: {_num(self.features_read)} Objekte gelesen "
            f"(Koordinatenbezugssystem {self.source_crs}, gespeichert in {self.metric_crs}).",
            f"{self.district_name} ({self.district_ags}): {_num(self.municipalities)} Gemeinden, "
            f"Fläche {_num(self.total_area_km2, 1)} km².",
            f"Neu angelegt: {_num(len(self.created))}, aktualisiert: {_num(len(self.updated))}.",
        ]
        if self.territorial_status is not None:
            lines.append(f"Gebietsstand: {self.territorial_status:%d.%m.%Y}.")
        if self.district_created:
            lines.append(f"Der Landkreis {self.district_ags} wurde neu angelegt.")
        if self.repaired:
            lines.append(
                f"Ungültige Geometrien repariert ({len(self.repaired)}): {_short(self.repaired)}."
            )
        if self.dropped_water_parts:
            lines.append(
                "Wasserflächen (VG250 GF 1/2) nicht übernommen: "
                f"{_short(self.dropped_water_parts)}."
            )
        if self.skipped_unincorporated:
            lines.append(
                f"Gemeindefreie Gebiete übersprungen: {_short(self.skipped_unincorporated)}."
            )
        if self.skipped_other_districts:
            lines.append(
                f"{_num(self.skipped_other_districts)} Objekte anderer Landkreise ignoriert."
            )
        if self.missing_in_file:
            lines.append(
                "Achtung: Diese Gemeinden sind gespeichert, fehlen aber in der Datei "
                f"(nicht gelöscht): {_short(self.missing_in_file)}."
            )
        lines.append(
            f"Kartengeometrie vereinfacht (Toleranz {_num(self.display_tolerance_m)} m, "
            f"{_num(self.display_geojson_bytes / 1024, 1)} KB GeoJSON)."
        )
        return lines


@dataclass
class IndicatorImportReport:
    """What :func:`import_indicators` did."""

    file: str
    encoding: str
    separator: str
    decimal_style: str  # "de" (1.234,5) or "en" (1234.5)
    rows: int
    matched_rows: int = 0
    indicators_created: list[str] = field(default_factory=list)
    indicators_updated: list[str] = field(default_factory=list)
    years: dict[str, list[int]] = field(default_factory=dict)
    values_created: int = 0
    values_updated: int = 0
    empty_cells: int = 0
    uncatalogued: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns_without_year: list[str] = field(default_factory=list)
    unmatched_ags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def indicator_keys(self) -> list[str]:
        return sorted(self.years)

    def summary_lines(self) -> list[str]:
        """German summary for the CLI and the UI."""
        style = "deutsch (1.234,5)" if self.decimal_style == "de" else "englisch (1234.5)"
        sep = "Semikolon" if self.separator == ";" else "Komma"
        if self.separator == "\t":
            sep = "Tabulator"
        lines = [
            f"Datei „{self.file}“: {_num(self.rows)} Zeilen, Trennzeichen {sep}, "
            f"Zahlenformat {style}, Kodierung {self.encoding}.",
            f"{_num(self.matched_rows)} Zeilen gehören zu gespeicherten Gemeinden.",
            f"{_num(len(self.years))} Indikatoren ({_num(len(self.indicators_created))} neu, "
            f"{_num(len(self.indicators_updated))} aktualisiert): "
            f"{_num(self.values_created)} Werte neu, {_num(self.values_updated)} aktualisiert.",
        ]
        if self.empty_cells:
            lines.append(
                f"{_num(self.empty_cells)} leere Zellen: als fehlend behandelt "
                "(vorhandene Werte bleiben unverändert)."
            )
        if self.uncatalogued:
            lines.append(
                "Nicht im Indikatorkatalog, mit vorläufiger Bezeichnung importiert: "
                f"{_short(self.uncatalogued)}."
            )
        if self.columns_without_year:
            lines.append(
                "Ohne Jahresangabe nicht importiert (Spaltenname <kennung>_<JJJJ> oder "
                f"Jahr angeben): {_short(self.columns_without_year)}."
            )
        if self.ignored_columns:
            lines.append(f"Ignorierte Spalten: {_short(self.ignored_columns)}.")
        if self.unmatched_ags:
            lines.append(
                "Keine gespeicherte Gemeinde zu diesen Gemeindeschlüsseln (übersprungen): "
                f"{_short(self.unmatched_ags)}."
            )
        lines.extend(self.warnings)
        return lines


# --------------------------------------------------------------------------- keys


def normalize_ags(value: object) -> str | None:
    """An 8-digit AGS as text, or ``None`` if ``value`` is no AGS.

    Numbers that lost their leading zero (``1001000`` or ``1001000.0`` for Flensburg) are
    padded to 8 digits; only 7- and 8-digit values are accepted.
    """
    text = _key_text(value)
    if text is None or len(text) not in (7, 8):
        return None
    return text.zfill(8)


def normalize_ars(value: object) -> str | None:
    """A 12-digit ARS as text (11 digits are padded), or ``None``."""
    text = _key_text(value)
    if text is None or len(text) not in (11, 12):
        return None
    return text.zfill(12)


def ags_from_ars(ars: str) -> str:
    """AGS = Land, Regierungsbezirk, Kreis (5 digits) + Gemeinde (last 3 digits of the ARS)."""
    return ars[:5] + ars[9:12]


def _key_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value) or not value.is_integer():
            return None
        value = int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".", 1)[0]
    return text if text.isdigit() else None


def _find_column(columns: Iterable[object], candidates: Sequence[str]) -> str | None:
    by_lower = {str(c).strip().lower(): str(c) for c in columns}
    for candidate in candidates:
        if candidate in by_lower:
            return by_lower[candidate]
    return None


def _kind_from(bez: object, name: str) -> tuple[MunicipalityKind, str, str]:
    """(kind, display name, official name) from VG250 BEZ or a Zensus name suffix."""
    if isinstance(bez, str) and bez.strip():
        label = bez.strip().lower()
        is_town = label.endswith("stadt") or label == "stadtkreis"
        return (MunicipalityKind.STADT if is_town else MunicipalityKind.GEMEINDE), name, ""
    if name.endswith(", Stadt"):
        return MunicipalityKind.STADT, name.removesuffix(", Stadt").strip(), name
    suffix = name.rsplit(", ", 1)[1] if ", " in name else ""
    if suffix.lower().endswith("stadt"):  # "Eisleben, Lutherstadt", "…, Große Kreisstadt"
        return MunicipalityKind.STADT, name, name
    return MunicipalityKind.GEMEINDE, name, ""


def _is_truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "ja", "yes", "t", "wahr"}
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def _reject(log_message: str, user_message: str) -> ImportRejectedError:
    log.warning("import rejected: %s", log_message)
    return ImportRejectedError(log_message, user_message)


# --------------------------------------------------------------------------- boundaries


@dataclass
class _Feature:
    number: int  # 1-based feature number in the file
    ags: str
    ars: str
    name: str
    official_name: str
    kind: MunicipalityKind
    geometry: BaseGeometry
    repaired: bool = False


def import_boundaries(
    session: Session,
    principal: Principal,
    path: Path,
    district_ags: str,
    *,
    config: ServiceConfig,
    layer: str | None = None,
    district_name: str | None = None,
    source: str = "",
    progress: Progress | None = None,
    display_tolerance_m: float = DEFAULT_DISPLAY_TOLERANCE_M,
    where: str | None = None,
    territorial_status: dt.date | None = None,
) -> BoundaryImportReport:
    """Import (upsert) the municipalities of one district from a VG250-like vector file.

    Parameters
    ----------
    path
        GeoPackage, Shapefile (``.shp`` or zipped ``.zip``) or GeoJSON with polygons in
        any CRS (must be declared) and the columns ``AGS`` (or ``ARS``/``RS``), ``GEN``
        (name) and optionally ``BEZ`` (Stadt/Gemeinde), ``ARS``, ``GF``.
    district_ags
        5-digit district key; only features whose AGS starts with it are imported.
    metric_crs
        Storage CRS of the boundaries (areas are measured there).
    where
        Optional OGR SQL filter to read only part of a big file (e.g. ``AGS LIKE '15087%'``).
    territorial_status
        The Gebietsstand of the file (e.g. 2016-01-01 for VG250 of 01.01.2016), stored with
        every municipality and the district. Without it, the newest change date of the file
        (VG250 column ``WSK``) is used, if the file has one.

    Returns
    -------
    BoundaryImportReport

    Raises
    ------
    AccessDeniedError
        Without ``IMPORT_DATA``.
    ImportRejectedError
        For any problem with the file; nothing is written then.
    """
    authz.require(principal, Permission.IMPORT_DATA)
    name = path.name
    if not re.fullmatch(r"\d{5}", district_ags or ""):
        raise _reject(
            f"bad district AGS {district_ags!r}",
            f"„{district_ags}“ ist kein Kreisschlüssel (erwartet: 5 Ziffern, z. B. 14626).",
        )
    step = _Stepper(progress)
    try:
        frame = read_vector(path, layer, where=where)
        step.set_total(len(frame) + 4)
        step.advance()
        source_crs = require_crs(frame).to_string()
        features, report = _prepare_boundaries(frame, path, district_ags, config.metric_crs)
        step.advance(len(frame))
        display = _display_geometries(features, config.metric_crs, display_tolerance_m)
        step.advance()
        report.source_crs = source_crs
        report.territorial_status = territorial_status or _newest_change_date(frame)
        report.display_tolerance_m = display_tolerance_m
        report.display_geojson_bytes = _geojson_size(
            {f.ags: g for f, g in zip(features, display, strict=True)}
        )
        _write_boundaries(
            session, features, display, report, district_name, source or name, config.metric_crs
        )
        step.advance()
        audit.record(
            session,
            actor=principal,
            action="import_boundaries",
            target=f"district {district_ags}",
            details={
                "file": name,
                "district_ags": district_ags,
                "features_read": report.features_read,
                "municipalities": report.municipalities,
                "created": len(report.created),
                "updated": len(report.updated),
                "repaired": report.repaired,
                "missing_in_file": report.missing_in_file,
                "territorial_status": (
                    report.territorial_status.isoformat() if report.territorial_status else None
                ),
            },
        )
        session.commit()
        step.advance()
    except VectorReadError as exc:
        session.rollback()
        raise _reject(str(exc), exc.user_message) from exc
    except CRSError as exc:
        session.rollback()
        raise _reject(
            f"{path}: {exc}",
            f"Das Koordinatenbezugssystem der Datei „{name}“ kann nicht verwendet werden.",
        ) from exc
    except BaseException:
        session.rollback()
        raise
    log.info(
        "boundaries imported: file=%s district=%s municipalities=%d created=%d updated=%d "
        "repaired=%s",
        name,
        district_ags,
        report.municipalities,
        len(report.created),
        len(report.updated),
        report.repaired,
    )
    return report


def _prepare_boundaries(
    frame: gpd.GeoDataFrame, path: Path, district_ags: str, metric_crs: str
) -> tuple[list[_Feature], BoundaryImportReport]:
    """Check keys and names, filter the district, reproject, repair (no database access)."""
    name = path.name
    ags_col = _find_column(frame.columns, AGS_COLUMNS)
    ars_col = _find_column(frame.columns, ARS_COLUMNS)
    name_col = _find_column(frame.columns, NAME_COLUMNS)
    bez_col = _find_column(frame.columns, KIND_COLUMNS)
    gf_col = _find_column(frame.columns, ("gf",))
    free_col = _find_column(frame.columns, ("gemeindefrei",))
    if ags_col is None and ars_col is None:
        raise _reject(
            f"{path}: no AGS/ARS column in {list(frame.columns)}",
            f"In der Datei „{name}“ fehlt die Spalte mit dem Gemeindeschlüssel (AGS oder ARS).",
        )
    if name_col is None:
        raise _reject(
            f"{path}: no name column (GEN) in {list(frame.columns)}",
            f"In der Datei „{name}“ fehlt die Spalte mit dem Gemeindenamen (GEN).",
        )

    count = len(frame)
    raw_ags = frame[ags_col].tolist() if ags_col else [None] * count
    raw_ars = frame[ars_col].tolist() if ars_col else [None] * count
    keys: list[tuple[str | None, str]] = []
    bad_numbers: list[int] = []
    for position in range(count):
        ars = normalize_ars(raw_ars[position])
        ags = normalize_ags(raw_ags[position])
        if ags is None and ars is not None:
            ags = ags_from_ars(ars)
        if ags is None:
            bad_numbers.append(position + 1)
        keys.append((ags, ars or ""))
    if bad_numbers:
        raise _reject(
            f"{path}: invalid AGS in features {bad_numbers[:20]}",
            f"In der Datei „{name}“ haben {len(bad_numbers)} Objekte keinen gültigen "
            f"Gemeindeschlüssel (8 Ziffern), z. B. Objekt Nr. "
            f"{_short([str(n) for n in bad_numbers])}.",
        )

    in_district = [i for i, (ags, _) in enumerate(keys) if ags and ags.startswith(district_ags)]
    report = BoundaryImportReport(
        file=name,
        district_ags=district_ags,
        district_name="",
        source_crs="",
        metric_crs=metric_crs,
        features_read=len(frame),
        municipalities=0,
        skipped_other_districts=len(frame) - len(in_district),
    )
    if not in_district:
        raise _reject(
            f"{path}: no feature with AGS {district_ags}*",
            f"Die Datei „{name}“ enthält keine Gemeinde des Landkreises {district_ags}. "
            "Bitte prüfen Sie den Kreisschlüssel und die Datei.",
        )

    subset = frame.iloc[in_district]
    metric = to_metric(subset, metric_crs)
    rows: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for position, index in enumerate(in_district):
        ags = keys[index][0]
        assert ags is not None
        gf = _int_or_none(subset.iloc[position][gf_col]) if gf_col else None
        rows[ags].append((position, gf))

    features: list[_Feature] = []
    for ags, parts in sorted(rows.items()):
        if len(parts) > 1 and gf_col:
            land = [p for p in parts if p[1] in LAND_GF]
            if land and len(land) < len(parts):
                report.dropped_water_parts.append(ags)
                parts = land
        if len(parts) > 1:
            numbers = [str(in_district[p] + 1) for p, _ in parts]
            names = [str(subset.iloc[p][name_col]) for p, _ in parts]
            raise _reject(
                f"{path}: duplicate AGS {ags} in features {numbers}",
                f"In der Datei „{name}“ kommt der Gemeindeschlüssel {ags} mehrfach vor "
                f"(Objekt Nr. {', '.join(numbers)}: {', '.join(names)}). Jede Gemeinde darf "
                "nur einmal enthalten sein.",
            )
        position = parts[0][0]
        row = subset.iloc[position]
        number = in_district[position] + 1
        raw_name = row[name_col]
        if not isinstance(raw_name, str) or not raw_name.strip():
            raise _reject(
                f"{path}: feature {number} (AGS {ags}) has no name",
                f"In der Datei „{name}“ hat Objekt Nr. {number} (AGS {ags}) keinen Gemeindenamen.",
            )
        bez = row[bez_col] if bez_col else None
        if (free_col and _is_truthy(row[free_col])) or (
            isinstance(bez, str) and bez.strip().lower().startswith("gemeindefrei")
        ):
            report.skipped_unincorporated.append(f"{ags} {raw_name.strip()}")
            continue
        kind, display_name, official = _kind_from(bez, raw_name.strip())
        geometry, repaired = repair_polygonal(metric.geometry.iloc[position])
        if geometry.is_empty:
            raise _reject(
                f"{path}: feature {number} (AGS {ags}) has no area after repair",
                f"In der Datei „{name}“ hat Objekt Nr. {number} ({raw_name}, AGS {ags}) "
                "keine gültige Fläche.",
            )
        if repaired:
            report.repaired.append(ags)
        features.append(
            _Feature(
                number=number,
                ags=ags,
                ars=keys[in_district[position]][1],
                name=display_name,
                official_name=official,
                kind=kind,
                geometry=to_multipolygon(geometry),
                repaired=repaired,
            )
        )
    if not features:
        raise _reject(
            f"{path}: only unincorporated areas in district {district_ags}",
            f"Die Datei „{name}“ enthält keine Gemeinde des Landkreises {district_ags}.",
        )
    report.municipalities = len(features)
    report.total_area_km2 = sum(areas_m2([f.geometry for f in features], metric_crs)) / 1e6
    return features, report


def _newest_change_date(frame: gpd.GeoDataFrame) -> dt.date | None:
    """The newest VG250 ``WSK`` (date of the last territorial change) in the file."""
    column = _find_column(frame.columns, ("wsk",))
    if column is None:
        return None
    dates = pd.to_datetime(frame[column], errors="coerce", format="mixed").dropna()
    return None if dates.empty else dates.max().date()


def _int_or_none(value: object) -> int | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return None if math.isnan(number) else int(number)


def _display_geometries(
    features: Sequence[_Feature], metric_crs: str, tolerance_m: float
) -> list[MultiPolygon]:
    """Coverage-simplified EPSG:4326 geometries rounded to 5 decimals, one per feature."""
    frame = gpd.GeoDataFrame(
        {"ags": [f.ags for f in features]},
        geometry=[f.geometry for f in features],
        crs=metric_crs,
    )
    web = to_web(simplify_coverage(frame, tolerance_m))
    return [to_multipolygon(round_coordinates(g, DISPLAY_DECIMALS)) for g in web.geometry]


def _geojson_size(geometries: Mapping[str, BaseGeometry]) -> int:
    features = [
        {
            "type": "Feature",
            "id": ags,
            "properties": {},
            "geometry": json.loads(shapely.to_geojson(geom)),
        }
        for ags, geom in geometries.items()
    ]
    payload = {"type": "FeatureCollection", "features": features}
    return len(json.dumps(payload, separators=(",", ":")).encode())


def _write_boundaries(
    session: Session,
    features: Sequence[_Feature],
    display: Sequence[MultiPolygon],
    report: BoundaryImportReport,
    district_name: str | None,
    source: str,
    metric_crs: str,
) -> None:
    ags = report.district_ags
    district = session.scalar(select(District).where(District.ags == ags))
    union = shapely.union_all([f.geometry for f in features])
    boundary = to_multipolygon(repair_polygonal(union)[0])
    if district is None:
        district = District(
            ags=ags,
            name=district_name or f"Landkreis {ags}",
            boundary=boundary,
            source=source,
        )
        session.add(district)
        session.flush()
        report.district_created = True
    else:
        if district_name:
            district.name = district_name
        district.boundary = boundary
        district.source = source
    if report.territorial_status is not None:
        district.territorial_status = report.territorial_status
    report.district_name = district.name

    existing = {
        m.ags: m
        for m in session.scalars(select(Municipality).where(Municipality.ags.like(f"{ags}%")))
    }
    for feature, shape in zip(features, display, strict=True):
        municipality = existing.get(feature.ags)
        if municipality is None:
            municipality = Municipality(ags=feature.ags, district_id=district.id)
            session.add(municipality)
            report.created.append(feature.ags)
        else:
            report.updated.append(feature.ags)
        municipality.district_id = district.id
        municipality.ars = feature.ars
        municipality.name = feature.name
        if feature.official_name:
            municipality.official_name = feature.official_name
        municipality.kind = feature.kind
        municipality.boundary = feature.geometry
        municipality.display_boundary = shape
        municipality.area_km2 = round(area_m2(feature.geometry, metric_crs) / 1e6, 4)
        municipality.source = source
        if report.territorial_status is not None:
            municipality.territorial_status = report.territorial_status
    in_file = {f.ags for f in features}
    report.missing_in_file = sorted(
        f"{m.ags} {m.name}" for a, m in existing.items() if a not in in_file
    )
    session.flush()
    log.debug("boundaries stored in %s for district %s", metric_crs, ags)


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class IndicatorMeta:
    """Catalogue entry of one indicator (from ``data/indicators.toml``)."""

    key: str
    label: str
    unit: str = ""
    category: str = "Allgemein"
    source: str = ""
    licence: str = ""
    visibility: Visibility = Visibility.PUBLIC
    higher_is_better: bool | None = None
    decimals: int = 1
    description: str = ""
    # Explicit column -> year aliases, e.g. {"EWZ_2022": 2022, "flaeche_km2_calc": 2016}.
    columns: Mapping[str, int] = field(default_factory=dict)


_META_FIELDS = {
    "label",
    "unit",
    "category",
    "source",
    "licence",
    "visibility",
    "higher_is_better",
    "decimals",
    "description",
    "columns",
}


def load_catalogue(path: Path | None = None) -> dict[str, IndicatorMeta]:
    """Read the indicator catalogue (TOML: one table per indicator key).

    Raises
    ------
    ImportRejectedError
        If the file is missing or malformed (German message names the entry).
    """
    path = path or DEFAULT_CATALOGUE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _reject(
            f"catalogue {path}: {exc}",
            f"Der Indikatorkatalog „{path.name}“ kann nicht gelesen werden: {exc}",
        ) from exc
    catalogue: dict[str, IndicatorMeta] = {}
    for key, entry in raw.items():
        problem = _catalogue_problem(key, entry)
        if problem:
            raise _reject(
                f"catalogue {path}: entry {key!r}: {problem}",
                f"Der Indikatorkatalog „{path.name}“ ist fehlerhaft (Eintrag „{key}“): {problem}",
            )
        hib = entry.get("higher_is_better")
        catalogue[key] = IndicatorMeta(
            key=key,
            label=str(entry["label"]),
            unit=str(entry.get("unit", "")),
            category=str(entry.get("category", "Allgemein")),
            source=str(entry.get("source", "")),
            licence=str(entry.get("licence", "")),
            visibility=Visibility(entry.get("visibility", "public")),
            higher_is_better=None if hib is None else bool(hib),
            decimals=int(entry.get("decimals", 1)),
            description=str(entry.get("description", "")).strip(),
            columns={str(c): int(y) for c, y in entry.get("columns", {}).items()},
        )
    return catalogue


def _catalogue_problem(key: str, entry: object) -> str:
    if not isinstance(entry, dict):
        return "kein Abschnitt [kennung]"
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", key):
        return "Kennung nur aus Kleinbuchstaben, Ziffern und _"
    unknown = set(entry) - _META_FIELDS
    if unknown:
        return f"unbekannte Felder {', '.join(sorted(unknown))}"
    if not isinstance(entry.get("label"), str) or not entry["label"].strip():
        return "Bezeichnung (label) fehlt"
    if entry.get("visibility", "public") not in {v.value for v in Visibility}:
        return f"unbekannte Sichtbarkeit „{entry.get('visibility')}“"
    columns = entry.get("columns", {})
    if not isinstance(columns, dict) or not all(
        isinstance(y, int) and 1900 <= y <= 2100 for y in columns.values()
    ):
        return "columns muss Spaltenname = Jahr (z. B. EWZ_2022 = 2022) enthalten"
    return ""


# --------------------------------------------------------------------------- indicators


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
    step = _Stepper(progress)
    try:
        catalogue = load_catalogue() if catalogue is None else catalogue
        table, report = _read_csv(path)
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
        session.commit()
        step.advance()
    except BaseException:
        session.rollback()
        raise
    log.info(
        "indicators imported: file=%s indicators=%s values created=%d updated=%d unmatched=%d",
        path.name,
        report.indicator_keys,
        report.values_created,
        report.values_updated,
        len(report.unmatched_ags),
    )
    return report


def _read_csv(path: Path) -> tuple[pd.DataFrame, IndicatorImportReport]:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _reject(f"{path}: {exc}", f"Die Datei „{name}“ konnte nicht gelesen werden.") from exc
    warnings: list[str] = []
    try:
        text = data.decode("utf-8-sig")
        encoding = "UTF-8"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "Latin-1"
        warnings.append(
            "Hinweis: Die Datei ist nicht UTF-8-kodiert und wurde als Latin-1 gelesen; "
            "bitte prüfen Sie Umlaute in Namen."
        )
        log.warning("%s: not UTF-8, decoded as Latin-1", path)
    if not text.strip():
        raise _reject(f"{path}: empty CSV", f"Die Datei „{name}“ ist leer.")
    header = text.lstrip().splitlines()[0]
    try:
        separator = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t").delimiter
    except csv.Error:
        separator = max(",;\t", key=header.count)
    if header.count(separator) == 0:
        separator = max(",;\t", key=header.count)
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _reject(
            f"{path}: CSV parse error: {exc}",
            f"Die Datei „{name}“ ist keine lesbare CSV-Tabelle: {exc}",
        ) from exc
    if table.empty:
        raise _reject(f"{path}: CSV has no rows", f"Die Datei „{name}“ enthält keine Zeilen.")
    table.columns = [str(c).strip() for c in table.columns]
    report = IndicatorImportReport(
        file=name,
        encoding=encoding,
        separator=separator,
        decimal_style="",
        rows=len(table),
        warnings=warnings,
    )
    return table, report


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
    name = path.name
    ags_col = _find_column(table.columns, AGS_COLUMNS)
    if ags_col is None:
        raise _reject(
            f"{path}: no AGS column in {list(table.columns)}",
            f"In der Datei „{name}“ fehlt die Spalte „AGS“ (Amtlicher Gemeindeschlüssel). "
            f"Gefundene Spalten: {_short(list(table.columns))}.",
        )
    ags_values: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(table[ags_col]):
        ags = normalize_ags(raw)
        if ags is None:
            raise _reject(
                f"{path}: line {_line(position)}: invalid AGS {raw!r}",
                f"Die Datei „{name}“, Zeile {_line(position)}: „{raw}“ ist kein gültiger "
                "Gemeindeschlüssel (8 Ziffern).",
            )
        if ags in seen:
            raise _reject(
                f"{path}: duplicate AGS {ags} in lines {seen[ags]} and {_line(position)}",
                f"Die Datei „{name}“: Der Gemeindeschlüssel {ags} steht doppelt "
                f"(Zeilen {seen[ags]} und {_line(position)}).",
            )
        seen[ags] = _line(position)
        ags_values.append(ags)

    aliases = {col: (meta.key, y) for meta in catalogue.values() for col, y in meta.columns.items()}
    candidates: list[tuple[str, str, int | None]] = []
    for column in table.columns:
        if column == ags_col:
            continue
        if column in aliases:
            alias_key, alias_year = aliases[column]
            candidates.append((column, alias_key, alias_year))
            continue
        if column.lower() in IDENTIFIER_COLUMNS:
            report.ignored_columns.append(column)
            continue
        match = YEAR_SUFFIX.match(column)
        if match:
            candidates.append((column, match["key"], int(match["year"])))
        else:
            candidates.append((column, column, default_year))

    file_style = _file_decimal_style(table, [c for c, _, _ in candidates], report.separator)
    report.decimal_style = file_style
    columns: list[_Column] = []
    for column, key, column_year in candidates:
        cells = [str(v).strip() for v in table[column]]
        in_catalogue = key in catalogue
        style = detect_number_style(cells, default=file_style)
        parsed, bad = _parse_cells(cells, style)
        if bad is not None and not in_catalogue:
            other: NumberStyle = "en" if style == "de" else "de"
            parsed_other, bad_other = _parse_cells(cells, other)
            if bad_other is None:
                parsed, bad = parsed_other, None
        if bad is not None:
            if not in_catalogue:
                report.ignored_columns.append(column)
                continue
            position, value = bad
            raise _reject(
                f"{path}: line {_line(position)} column {column!r}: non-numeric {value!r}",
                f"Die Datei „{name}“, Zeile {_line(position)}, Spalte „{column}“: "
                f"„{value}“ ist keine Zahl. Bitte korrigieren Sie den Wert oder lassen Sie "
                "die Zelle leer.",
            )
        if all(v is None for v in parsed) and not in_catalogue:
            report.ignored_columns.append(column)
            continue
        if column_year is None:
            report.columns_without_year.append(column)
            continue
        if not re.fullmatch(r"[A-Za-z0-9_äöüÄÖÜß]{1,100}", key):
            report.ignored_columns.append(column)
            continue
        if not in_catalogue and key not in report.uncatalogued:
            report.uncatalogued.append(key)
        columns.append(_Column(column, key, column_year, parsed))
        report.empty_cells += sum(1 for v in parsed if v is None)
    if not columns:
        raise _reject(
            f"{path}: no indicator columns",
            f"Die Datei „{name}“ enthält keine Spalte mit Indikatorwerten "
            "(Zahlen in Spalten wie „kennung_2022“).",
        )
    duplicates = [k for k, n in Counter((c.key, c.year) for c in columns).items() if n > 1]
    if duplicates:
        key, dup_year = duplicates[0]
        names = [c.name for c in columns if (c.key, c.year) == (key, dup_year)]
        raise _reject(
            f"{path}: columns {names} map to the same indicator/year {key}/{dup_year}",
            f"Die Datei „{name}“: Die Spalten {', '.join(names)} liefern denselben "
            f"Indikator „{key}“ für {dup_year}.",
        )
    return ags_values, columns


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
        raise _reject(
            f"{report.file}: no row matches a stored municipality",
            f"Keine Zeile der Datei „{report.file}“ passt zu einer gespeicherten Gemeinde. "
            "Bitte importieren Sie zuerst die Gemeindegrenzen oder prüfen Sie die "
            "Gemeindeschlüssel.",
        )

    keys = sorted({c.key for c in columns})
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

    indicator_ids = [indicators[k].id for k in keys]
    municipality_ids = sorted(set(ids_by_ags.values()))
    existing: dict[tuple[int, int, int], IndicatorValue] = {}
    for value_row in session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id.in_(indicator_ids),
            IndicatorValue.municipality_id.in_(municipality_ids),
        )
    ):
        existing[(value_row.indicator_id, value_row.municipality_id, value_row.year)] = value_row

    now = dt.datetime.now(dt.UTC)
    for column in columns:
        indicator = indicators[column.key]
        meta = catalogue.get(column.key)
        value_source = source if not meta or not meta.source else meta.source
        report.years.setdefault(column.key, [])
        if column.year not in report.years[column.key]:
            report.years[column.key].append(column.year)
            report.years[column.key].sort()
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


# --------------------------------------------------------------------------- progress


class _Stepper:
    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._done = 0
        self._total = 1

    def set_total(self, total: int) -> None:
        self._total = max(total, 1)
        self._report()

    def advance(self, steps: int = 1) -> None:
        self._done = min(self._done + steps, self._total)
        self._report()

    def _report(self) -> None:
        if self._progress is not None:
            self._progress(self._done, self._total)
