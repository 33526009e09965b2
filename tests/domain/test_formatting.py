"""The one German formatter: equal to Babel's de_DE output, Berlin time for every moment."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from babel.numbers import format_decimal

from cockpit.domain.formatting import (
    MISSING,
    NBSP,
    format_date,
    format_datetime,
    format_eur,
    format_ha,
    format_number,
    round_half_up,
    to_local,
)


def _babel(value: float, min_decimals: int, max_decimals: int) -> str:
    pattern = "#,##0" + ("." + "0" * min_decimals + "#" * (max_decimals - min_decimals))
    pattern = pattern.rstrip(".")
    rounded = round_half_up(value, max_decimals)
    return format_decimal(rounded or 0.0, format=pattern, locale="de_DE")


def test_numbers_equal_babel() -> None:
    rng = random.Random(7)
    values = [0.0, -0.0, 0.004, -0.004, 2.5, 1234.5, -1234.56, 1e9 + 0.5, 999.995, 12.3]
    values += [rng.uniform(-1e7, 1e7) for _ in range(500)]
    values += [rng.uniform(-10, 10) for _ in range(500)]
    for value in values:
        for low, high in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2)):
            ours = format_number(value, high, min_decimals=low)
            assert ours == _babel(value, low, high), (value, low, high)


def test_examples() -> None:
    assert format_number(1234.56, 1) == "1.234,6"
    assert format_number(-0.04, 1) == "0,0"  # no "-0,0"
    assert format_number(2.5) == "3"  # half up, as people expect
    assert format_ha(12.3) == f"12,3{NBSP}ha"
    assert format_ha(12.345) == f"12,35{NBSP}ha"
    assert format_ha(1200) == f"1.200,0{NBSP}ha"
    assert format_eur(1234567) == f"1.234.567{NBSP}€"
    assert format_number(None) == format_ha(None) == format_datetime(None) == MISSING


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (dt.datetime(2026, 7, 1, 10, 0), "01.07.2026, 12:00"),  # naive = UTC (SQLite)
        (dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC), "01.07.2026, 12:00"),
        (dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC), "15.01.2026, 11:00"),
        (dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC), "29.03.2026, 01:59"),  # before DST
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC), "29.03.2026, 03:00"),  # after DST
    ],
)
def test_berlin_time(stored: dt.datetime, shown: str) -> None:
    assert format_datetime(stored) == shown
    assert to_local(stored).tzinfo is not None


def test_dates() -> None:
    assert format_date(dt.date(2026, 11, 22)) == "22.11.2026"
    assert format_date(dt.datetime(2026, 11, 22, 23, 0)) == "22.11.2026"
