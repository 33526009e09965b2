"""The Flächen filters of the area exports: parsed from untrusted query parameters,
written back as the record's parameters and put into German words for the map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError, ValidationError
from cockpit.domain.formatting import format_ha
from cockpit.domain.parsing import (
    NumberFormatError,
    parse_ags_list,
    parse_enum_list,
    parse_optional_number,
)
from cockpit.domain.vocab import AreaKind, AreaSource, AreaStatus
from cockpit.models import Municipality
from cockpit.services import areas

# Query parameters of the area exports (``/export/tabelle/flaechen.*``,
# ``/export/ebene/flaechen.*``, ``/export/flaechen/karte.*``); the Flächen page writes the
# same into its download links.
AREA_QUERY_KEYS: Final = (
    "kinds",
    "statuses",
    "sources",
    "municipalities",
    "min_ha",
    "max_ha",
    "age",
    "search",
    "deleted",
)
AREA_AGE_STALE: Final = {"aktuell": False, "ueberfaellig": True}  # "age" -> AreaFilter.stale
AREA_SEARCH_MAX: Final = 100  # as the search field of the page


def _area_ha(raw: object, name: str) -> float | None:
    message = "Die Flächengröße (ha) muss eine Zahl ab 0 sein."
    try:
        value = parse_optional_number(raw, field=name)
    except NumberFormatError as error:
        raise ValidationError(str(error), message, name) from error
    if value is not None and not 0 <= value < 1e9:
        raise ValidationError(f"bad {name} {raw!r}", message, name)
    return value


def _municipality_ids(session: Session, raw: object) -> tuple[int, ...]:
    municipalities = parse_ags_list(raw)
    found = dict(
        session.execute(
            select(Municipality.ags, Municipality.id).where(Municipality.ags.in_(municipalities))
        ).all()
    )
    missing = [ags for ags in municipalities if ags not in found]
    if missing:
        raise NotFoundError(
            f"no municipality with AGS {missing[0]}",
            f"Eine Kommune mit dem Gemeindeschlüssel {missing[0]} ist nicht erfasst.",
        )
    return tuple(found[ags] for ags in dict.fromkeys(municipalities))


def _choice(raw: object, allowed: tuple[str, ...], field: str, message: str) -> str:
    value = str(raw or "").strip() or allowed[0]
    if value not in allowed:
        raise ValidationError(f"bad {field} {value!r}", message, field)
    return value


def parse_area_filter(session: Session, raw: Mapping[str, Any]) -> areas.AreaFilter:
    """An :class:`areas.AreaFilter` from untrusted export parameters (URL query).

    Keys (:data:`AREA_QUERY_KEYS`, lists comma-separated): ``kinds``, ``statuses``,
    ``sources`` (codes), ``municipalities`` (AGS), ``min_ha``/``max_ha``, ``age``
    (``aktuell``/``ueberfaellig``/``alle``), ``search``, ``deleted=ja``. Malformed values
    raise :class:`ValidationError`, an unknown AGS :class:`NotFoundError`. Nothing is
    authorized here: the exporting services check scope and permissions.
    """
    municipality_ids = _municipality_ids(session, raw.get("municipalities"))
    age = _choice(
        raw.get("age"),
        ("alle", *AREA_AGE_STALE),
        "age",
        "Ungültige Angabe für die Bestätigung. Möglich: alle, aktuell, ueberfaellig.",
    )
    deleted = _choice(
        raw.get("deleted"), ("", "ja", "nein"), "deleted", "Ungültige Angabe für gelöschte Flächen."
    )
    low, high = _area_ha(raw.get("min_ha"), "min_ha"), _area_ha(raw.get("max_ha"), "max_ha")
    if low is not None and high is not None and low > high:
        low, high = high, low
    return areas.AreaFilter(
        kinds=parse_enum_list(raw.get("kinds"), AreaKind, field="kinds", label="die Art"),
        statuses=parse_enum_list(
            raw.get("statuses"), AreaStatus, field="statuses", label="den Status"
        ),
        sources=parse_enum_list(
            raw.get("sources"), AreaSource, field="sources", label="die Quelle"
        ),
        municipality_ids=municipality_ids,
        min_ha=low,
        max_ha=high,
        stale=AREA_AGE_STALE.get(age),
        search=str(raw.get("search") or "").strip()[:AREA_SEARCH_MAX],
        include_deleted=deleted == "ja",
    )


def area_filter_params(session: Session, filters: areas.AreaFilter | None) -> dict[str, Any]:
    """The export record of ``filters``: the query parameters that reproduce it (AGS, not
    internal ids; see :func:`parse_area_filter`)."""
    filters = filters or areas.AreaFilter()
    ags_by_id = dict(
        session.execute(
            select(Municipality.id, Municipality.ags).where(
                Municipality.id.in_(filters.municipality_ids)
            )
        ).all()
    )
    age = "alle" if filters.stale is None else ("ueberfaellig" if filters.stale else "aktuell")
    return {
        "kinds": [k.value for k in filters.kinds],
        "statuses": [s.value for s in filters.statuses],
        "sources": [s.value for s in filters.sources],
        "municipalities": [ags_by_id[i] for i in filters.municipality_ids if i in ags_by_id],
        "min_ha": filters.min_ha,
        "max_ha": filters.max_ha,
        "age": age,
        "search": filters.search,
        "deleted": "ja" if filters.include_deleted else "",
    }


def area_filter_text(session: Session, filters: areas.AreaFilter) -> str:
    """The filters in German words (subtitle of the area map), e.g. ``"Art: Gewerbefläche ·
    Größe: ab 1 ha"``; ``"ohne Filter"`` when nothing restricts the list."""
    parts = [
        "Art: " + ", ".join(k.label for k in filters.kinds) if filters.kinds else "",
        "Vermarktungsstand: " + ", ".join(s.label for s in filters.statuses)
        if filters.statuses
        else "",
        "Herkunft: " + ", ".join(s.label for s in filters.sources) if filters.sources else "",
        _municipality_text(session, filters.municipality_ids),
        _size_text(filters.min_ha, filters.max_ha),
        _stale_text(filters.stale),
        f"Suche: „{filters.search.strip()}“" if filters.search.strip() else "",
        "mit gelöschten Flächen" if filters.include_deleted else "",
    ]
    return " · ".join(p for p in parts if p) or "ohne Filter"


def _municipality_text(session: Session, municipality_ids: tuple[int, ...]) -> str:
    if not municipality_ids:
        return ""
    names = dict(
        session.execute(
            select(Municipality.id, Municipality.name).where(Municipality.id.in_(municipality_ids))
        ).all()
    )
    return ("Gemeinde: " if len(municipality_ids) == 1 else "Gemeinden: ") + ", ".join(
        names.get(i, str(i)) for i in municipality_ids
    )


def _size_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"Größe: {format_ha(low)} bis {format_ha(high)}"
    if low is not None:
        return f"Größe: ab {format_ha(low)}"
    if high is not None:
        return f"Größe: bis {format_ha(high)}"
    return ""


def _stale_text(stale: bool | None) -> str:
    if stale is None:
        return ""
    return "Bestätigung: überfällig" if stale else "Bestätigung: aktuell bestätigt"
