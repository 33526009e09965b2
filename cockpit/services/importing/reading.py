"""Reading import files: key columns, AGS/ARS normalisation, CSV decoding and sniffing."""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from cockpit.domain.errors import ImportRejectedError
from cockpit.domain.vocab import MunicipalityKind
from cockpit.services.importing.reports import IndicatorImportReport

log = logging.getLogger(__name__)


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
YEAR_SUFFIX = re.compile(r"^(?P<key>.+?)_(?P<year>(19|20)\d{2})$")


def normalize_ags(value: object) -> str | None:
    """An 8-digit AGS as text, or ``None`` if ``value`` is no AGS.

    Numbers that lost their leading zero (``1001000`` or ``1001000.0`` for Flensburg) are
    padded to 8 digits; only 7- and 8-digit values are accepted.
    """
    text = key_text(value)
    if text is None or len(text) not in (7, 8):
        return None
    return text.zfill(8)


def normalize_ars(value: object) -> str | None:
    """A 12-digit ARS as text (11 digits are padded), or ``None``."""
    text = key_text(value)
    if text is None or len(text) not in (11, 12):
        return None
    return text.zfill(12)


def ags_from_ars(ars: str) -> str:
    """AGS = Land, Regierungsbezirk, Kreis (5 digits) + Gemeinde (last 3 digits of the ARS)."""
    return ars[:5] + ars[9:12]


def key_text(value: object) -> str | None:
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


def find_column(columns: Iterable[object], candidates: Sequence[str]) -> str | None:
    by_lower = {str(c).strip().lower(): str(c) for c in columns}
    for candidate in candidates:
        if candidate in by_lower:
            return by_lower[candidate]
    return None


def kind_from(bez: object, name: str) -> tuple[MunicipalityKind, str, str]:
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


def is_truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "ja", "yes", "t", "wahr"}
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def reject(log_message: str, user_message: str) -> ImportRejectedError:
    log.warning("import rejected: %s", log_message)
    return ImportRejectedError(log_message, user_message)


def read_csv(path: Path) -> tuple[pd.DataFrame, IndicatorImportReport]:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise reject(f"{path}: {exc}", f"Die Datei „{name}“ konnte nicht gelesen werden.") from exc
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
        raise reject(f"{path}: empty CSV", f"Die Datei „{name}“ ist leer.")
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
        raise reject(
            f"{path}: CSV parse error: {exc}",
            f"Die Datei „{name}“ ist keine lesbare CSV-Tabelle: {exc}",
        ) from exc
    if table.empty:
        raise reject(f"{path}: CSV has no rows", f"Die Datei „{name}“ enthält keine Zeilen.")
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
