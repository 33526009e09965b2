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
from babel.numbers import format_decimal

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


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def format_number(value: float | None, decimals: int = 0) -> str:
    """``1234.56 -> "1.234,6"`` (decimals=1); ``None -> "–"``."""
    if value is None:
        return MISSING
    rounded = round_half_up(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    return format_decimal(rounded, format=_pattern(decimals), locale=LOCALE)


def format_integer(value: float | None) -> str:
    return format_number(value, 0)


def format_eur(value: float | None, decimals: int = 0) -> str:
    """``1234567 -> "1.234.567 €"``."""
    if value is None:
        return MISSING
    return f"{format_number(value, decimals)}{NBSP}€"


def format_ha(value: float | None, decimals: int = 1) -> str:
    """``12.34 -> "12,3 ha"``."""
    if value is None:
        return MISSING
    return f"{format_number(value, decimals)}{NBSP}ha"


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
