"""Filter inputs -> AreaFilter, the export query and the map viewport of a result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from cockpit.dashboard.presenters.areas.geometry import leaflet_bounds
from cockpit.domain.parsing import NumberFormatError, parse_optional_number
from cockpit.domain.vocab import AreaKind, AreaSource, AreaStatus
from cockpit.services.areas import AreaFilter

AGE_ALL = "alle"
AGE_CURRENT = "aktuell"
AGE_STALE = "ueberfaellig"
AGE_OPTIONS = [
    {"label": "alle", "value": AGE_ALL},
    {"label": "aktuell bestätigt", "value": AGE_CURRENT},
    {"label": "Bestätigung überfällig", "value": AGE_STALE},
]


def _enum_values(enum_cls: type[Any], values: Iterable[Any] | None) -> tuple[Any, ...]:
    """Known enum members from untrusted values (unknown codes are ignored)."""
    result = []
    for value in values or ():
        try:
            result.append(enum_cls(value))
        except ValueError:
            continue
    return tuple(result)


def float_or_none(value: Any) -> float | None:
    """A non-negative number under the one number rule; None for empty or bad input."""
    try:
        number = parse_optional_number(value)
    except NumberFormatError:
        return None
    return number if number is not None and number >= 0 else None


def int_tuple(values: Iterable[Any] | Any | None) -> tuple[int, ...]:
    if values is None or values == "":
        return ()
    if not isinstance(values, (list, tuple)):
        values = [values]
    result = []
    for value in values:
        try:
            result.append(int(value))
        except (TypeError, ValueError):
            continue
    return tuple(result)


def build_filter(
    *,
    kinds: Iterable[Any] | None = None,
    statuses: Iterable[Any] | None = None,
    sources: Iterable[Any] | None = None,
    municipality_ids: Iterable[Any] | Any | None = None,
    min_ha: Any = None,
    max_ha: Any = None,
    age: str | None = None,
    search: str | None = None,
    include_deleted: bool = False,
) -> AreaFilter:
    """An :class:`AreaFilter` from raw control values (untrusted; the service checks ids).

    An empty kind/status/source selection means "all" (the service's convention).
    """
    stale = {AGE_STALE: True, AGE_CURRENT: False}.get(age or AGE_ALL)
    low, high = float_or_none(min_ha), float_or_none(max_ha)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return AreaFilter(
        kinds=_enum_values(AreaKind, kinds),
        statuses=_enum_values(AreaStatus, statuses),
        sources=_enum_values(AreaSource, sources),
        municipality_ids=int_tuple(municipality_ids),
        min_ha=low,
        max_ha=high,
        stale=stale,
        search=(search or "").strip()[:100],
        include_deleted=include_deleted,
    )


def export_query(filters: AreaFilter, ags_by_id: Mapping[Any, str]) -> str:
    """URL query of the area exports for ``filters`` (the page's current filters).

    Same keys and values as :func:`cockpit.services.exports.parse_area_filter` reads, so
    the downloaded file holds exactly the filtered areas; municipalities as AGS
    (``ags_by_id`` maps the dropdown's ids — as int or JSON string keys — to AGS).
    Unset filters are left out.
    """
    municipalities = [
        str(ags_by_id.get(i, ags_by_id.get(str(i), ""))) for i in filters.municipality_ids
    ]
    stale = filters.stale
    params: list[tuple[str, str]] = [
        ("kinds", ",".join(k.value for k in filters.kinds)),
        ("statuses", ",".join(s.value for s in filters.statuses)),
        ("sources", ",".join(s.value for s in filters.sources)),
        ("municipalities", ",".join(m for m in municipalities if m)),
        ("min_ha", "" if filters.min_ha is None else repr(float(filters.min_ha))),
        ("max_ha", "" if filters.max_ha is None else repr(float(filters.max_ha))),
        ("age", "" if stale is None else (AGE_STALE if stale else AGE_CURRENT)),
        ("search", filters.search),
        ("deleted", "ja" if filters.include_deleted else ""),
    ]
    return urlencode([(k, v) for k, v in params if v], safe=",")


def fit_viewport(bounds: Sequence[float] | None) -> dict[str, Any] | None:
    """Map viewport that fits the filtered areas (``AreaListResult.bounds``), or ``None``."""
    box = leaflet_bounds(bounds)
    if box is None:
        return None
    return {"bounds": box, "transition": "flyToBounds"}
