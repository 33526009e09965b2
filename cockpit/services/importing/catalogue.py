"""The indicator catalogue (``data/indicators.toml``): labels, units, sources, aliases."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.domain.vocab import Visibility
from cockpit.services.importing.reading import reject
from cockpit.settings import PROJECT_ROOT

DEFAULT_CATALOGUE = PROJECT_ROOT / "data" / "indicators.toml"


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
        raise reject(
            f"catalogue {path}: {exc}",
            f"Der Indikatorkatalog „{path.name}“ kann nicht gelesen werden: {exc}",
        ) from exc
    catalogue: dict[str, IndicatorMeta] = {}
    for key, entry in raw.items():
        problem = _catalogue_problem(key, entry)
        if problem:
            raise reject(
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
