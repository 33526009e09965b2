"""What an import wrote: the reports (German summary lines) and the progress stepper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from babel.numbers import format_decimal

from layers.simplify import DEFAULT_DISPLAY_TOLERANCE_M

Progress = Callable[[int, int], None]

LOCALE = "de_DE"


def _num(value: float | int, decimals: int = 0) -> str:
    pattern = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
    return format_decimal(value, format=pattern, locale=LOCALE)


def short(items: Sequence[str], limit: int = 10) -> str:
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
                f"Ungültige Geometrien repariert ({len(self.repaired)}): {short(self.repaired)}."
            )
        if self.dropped_water_parts:
            lines.append(
                f"Wasserflächen (VG250 GF 1/2) nicht übernommen: {short(self.dropped_water_parts)}."
            )
        if self.skipped_unincorporated:
            lines.append(
                f"Gemeindefreie Gebiete übersprungen: {short(self.skipped_unincorporated)}."
            )
        if self.skipped_other_districts:
            lines.append(
                f"{_num(self.skipped_other_districts)} Objekte anderer Landkreise ignoriert."
            )
        if self.missing_in_file:
            lines.append(
                "Achtung: Diese Gemeinden sind gespeichert, fehlen aber in der Datei "
                f"(nicht gelöscht): {short(self.missing_in_file)}."
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
                f"{short(self.uncatalogued)}."
            )
        if self.columns_without_year:
            lines.append(
                "Ohne Jahresangabe nicht importiert (Spaltenname <kennung>_<JJJJ> oder "
                f"Jahr angeben): {short(self.columns_without_year)}."
            )
        if self.ignored_columns:
            lines.append(f"Ignorierte Spalten: {short(self.ignored_columns)}.")
        if self.unmatched_ags:
            lines.append(
                "Keine gespeicherte Gemeinde zu diesen Gemeindeschlüsseln (übersprungen): "
                f"{short(self.unmatched_ags)}."
            )
        lines.extend(self.warnings)
        return lines


class Stepper:
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
