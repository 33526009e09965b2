"""German number, money, area and date formatting (Babel, ``de_DE``): the one formatter.

Used by services, exports and the dashboard alike. Every time a person sees is shown in
**Europe/Berlin** (:data:`LOCAL_TZ`). Stored timestamps are UTC; SQLite hands them back
without time zone, so a naive ``datetime`` is read as UTC.

All helpers accept ``None`` and return :data:`MISSING` for it. Units are separated by a
no-break space (``"12,3\u00a0ha"``) so values never wrap between number and unit; Babel does
the same for ``€``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date

LOCALE: Final = "de_DE"
NBSP: Final = "\u00a0"
MISSING: Final = "–"
LOCAL_TZ: Final = ZoneInfo("Europe/Berlin")

# Plotly's number formatting (d3-format) with German separators: set
# ``layout.separators = PLOTLY_SEPARATORS`` and use :func:`d3_format` in hover templates.
PLOTLY_SEPARATORS: Final = ",."


def round_half_up(value: float, decimals: int) -> float:
    """Round like people (and d3's ``toFixed`` on the sent value) expect: 2,5 -> 3."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _grouped(value: float, min_decimals: int, max_decimals: int) -> str:
    """Babel's de_DE ``#,##0.0#``-style output without Babel's cost (~0.25 ms a number,
    too slow for thousands of map labels); equality with Babel is tested."""
    rounded = round_half_up(value, max_decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = f"{abs(rounded):,.{max_decimals}f}"
    if max_decimals > min_decimals:
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0").ljust(min_decimals, "0")
        text = f"{whole}.{fraction}" if fraction else whole
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"-{text}" if rounded < 0 else text


def format_number(
    value: float | None, decimals: int = 0, *, min_decimals: int | None = None
) -> str:
    """``1234.56 -> "1.234,6"`` (decimals=1); ``None -> "–"``.

    ``decimals`` is the most decimals shown; with ``min_decimals`` trailing zeros beyond it
    are dropped (``format_number(12.3, 2, min_decimals=1) -> "12,3"``).
    """
    if value is None:
        return MISSING
    return _grouped(float(value), decimals if min_decimals is None else min_decimals, decimals)


def format_integer(value: float | None) -> str:
    return format_number(value, 0)


def format_eur(value: float | None, decimals: int = 0) -> str:
    """``1234567 -> "1.234.567 €"``."""
    if value is None:
        return MISSING
    return f"{format_number(value, decimals)}{NBSP}€"


def format_ha(value: float | None) -> str:
    """``12.345 -> "12,35 ha"``, ``12.3 -> "12,3 ha"`` (one or two decimals, as Geoportale)."""
    if value is None:
        return MISSING
    return f"{format_number(value, 2, min_decimals=1)}{NBSP}ha"


def format_km2(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return MISSING
    return f"{format_number(value, decimals)}{NBSP}km²"


def format_percent(value: float | None, decimals: int = 1) -> str:
    """A value already in percent: ``12.34 -> "12,3 %"``."""
    if value is None:
        return MISSING
    return f"{format_number(value, decimals)}{NBSP}%"


def format_value(value: float | None, unit: str = "", decimals: int = 0) -> str:
    """A number with its unit: ``"54.664 Einwohner"``, ``"12,3 %"``, ``"1.234 €"``."""
    if value is None:
        return MISSING
    text = format_number(value, decimals)
    return f"{text}{NBSP}{unit}" if unit else text


def format_date(value: dt.date | dt.datetime | None) -> str:
    """``2026-11-22 -> "22.11.2026"``."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = value.date()
    return _babel_date(value, format="dd.MM.yyyy", locale=LOCALE)


def to_local(value: dt.datetime) -> dt.datetime:
    """A stored timestamp in Berlin time (naive values are UTC, see the module docstring)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_TZ)


def format_datetime(value: dt.datetime | None) -> str:
    """``"22.11.2026, 14:05"`` in Berlin time."""
    if value is None:
        return MISSING
    return f"{to_local(value):%d.%m.%Y, %H:%M}"


def d3_format(decimals: int) -> str:
    """The d3-format spec matching :func:`format_number` (with :data:`PLOTLY_SEPARATORS`)."""
    return f",.{max(decimals, 0)}f"
