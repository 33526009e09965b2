"""The one number rule and the list/box readers (``cockpit.domain.parsing``).

The last tests feed the same text through every entry point that reads numbers — Kenndaten
forms, area attributes, bulk indicator files, indicator imports, export parameters — and
expect the same value everywhere (before, ``"12.500"`` was 12.5 ha but 12,500 staff).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import ValidationError
from cockpit.domain.parsing import (
    MAX_ECHO,
    NumberFormatError,
    classify_number,
    detect_number_style,
    echo,
    parse_ags_list,
    parse_bbox,
    parse_enum_list,
    parse_number,
    parse_optional_number,
    split_list,
)
from cockpit.domain.vocab import AreaKind
from cockpit.services import areas, bulk_indicators, exports, importing, kenndaten


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.500", 12_500.0),
        ("1.234.567", 1_234_567.0),
        ("1.234,5", 1234.5),
        ("12,5", 12.5),
        ("12.5", 12.5),  # a dot that cannot group thousands is a decimal point
        ("0.75", 0.75),
        (".5", 0.5),
        ("-3", -3.0),
        ("+7,25", 7.25),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234", 1234.0),
        ("250 €", 250.0),
        ("1,5e3", 1500.0),
        ("1.5E3", 1500.0),
        (42, 42.0),
        (2.5, 2.5),
    ],
)
def test_german_rule(raw: object, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.500", 12.5), ("1,234.5", 1234.5), ("1,234", 1234.0), ("0.75", 0.75), ("1e3", 1000.0)],
)
def test_english_rule(raw: str, expected: float) -> None:
    assert parse_number(raw, "en") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "12,5,3",
        "1.23.4",
        "1.2345,6",
        "12,5.0",
        "1e400",
        "inf",
        "NaN",
        "--1",
        True,
        False,
        None,
        float("nan"),
        float("inf"),
        10**400,
        "1" * 65,
    ],
)
def test_refused(raw: object) -> None:
    with pytest.raises(NumberFormatError) as caught:
        parse_number(raw, field="x", label="Wert")
    error = caught.value
    assert isinstance(error, ValidationError) and isinstance(error, ValueError)
    assert error.field == "x"
    assert error.user_message.startswith("Wert: „")
    assert "keine gültige Zahl" in error.user_message


def test_en_refuses_german_decimal_comma_groups() -> None:
    with pytest.raises(NumberFormatError):
        parse_number("1.234,5", "en")


def test_optional() -> None:
    assert parse_optional_number(None) is None
    assert parse_optional_number("  ") is None
    assert parse_optional_number(float("nan")) is None  # an empty spreadsheet cell
    assert parse_optional_number("3,5") == 3.5
    with pytest.raises(NumberFormatError):
        parse_optional_number("drei")


def test_echo_is_bounded() -> None:
    long = "x" * 500
    assert len(echo(long)) == MAX_ECHO
    with pytest.raises(NumberFormatError) as caught:
        parse_number(long)
    assert len(caught.value.user_message) < MAX_ECHO + 60


def test_classify_and_detect() -> None:
    assert classify_number("12.500") == "both"
    assert classify_number("12,5") == "de"
    assert classify_number("12.5") == "en"
    assert classify_number("x") == ""
    assert detect_number_style(["12.500", "3,5", "7"]) == "de"
    assert detect_number_style(["12.500", "3.5", "7"]) == "en"
    assert detect_number_style(["12.500", "7"], default="en") == "en"  # nothing decides
    assert detect_number_style([], default="de") == "de"


def test_lists() -> None:
    assert split_list("a, b;c  d,,a") == ["a", "b", "c", "d"]
    assert split_list(["a b", "c"]) == ["a", "b", "c"]
    assert split_list(None) == []
    assert parse_ags_list("14626010,14626020") == ("14626010", "14626020")
    with pytest.raises(ValidationError) as caught:
        parse_ags_list("14626010,1462601", field="municipalities")
    assert caught.value.field == "municipalities"
    assert "„1462601“" in caught.value.user_message
    with pytest.raises(ValidationError):
        parse_ags_list(",".join(f"{n:08d}" for n in range(5)), limit=4)


def test_enum_list() -> None:
    assert parse_enum_list("gewerbe,brache,gewerbe", AreaKind, field="kinds") == (
        AreaKind("gewerbe"),
        AreaKind("brache"),
    )
    with pytest.raises(ValidationError) as caught:
        parse_enum_list("gewerbe,wald", AreaKind, field="kinds", label="die Art")
    assert caught.value.field == "kinds"
    assert "„wald“ für die Art" in caught.value.user_message
    assert "gewerbe" in caught.value.user_message


def test_bbox() -> None:
    assert parse_bbox("14.5,50.9,15.0,51.3") == (14.5, 50.9, 15.0, 51.3)
    assert parse_bbox([14.5, 50.9, 15.0, 51.3]) == (14.5, 50.9, 15.0, 51.3)
    assert parse_bbox("") is None and parse_bbox(None) is None
    for bad in ("1,2,3", "a,b,c,d", "15,50,14,51", "0,0,200,1", "1,2,3,4,5", "nan,1,2,3"):
        with pytest.raises(ValidationError) as caught:
            parse_bbox(bad)
        assert caught.value.field == "bbox"
        assert "vier Zahlen" in caught.value.user_message


# ------------------------------------------------------------- the same text everywhere

SAME_TEXT = [("12.500", 12_500.0), ("12,5", 12.5), ("1.234,5", 1234.5), ("12.5", 12.5)]


@pytest.fixture
def db(any_db_url: str) -> Iterator[Session]:
    """The export parameters read through a session: run on SQLite and PostGIS."""
    engine = make_engine(any_db_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.mark.parametrize(("text", "expected"), SAME_TEXT)
def test_every_entry_point_reads_the_same_number(text: str, expected: float, db: Session) -> None:
    staff = kenndaten.validate_values(
        kenndaten.get_group("staff"),
        {"year": "2024", "headcount": "3", "full_time_equivalent": text},
    )
    area = areas.normalize_attributes({"net_area_ha": text}, partial=True)
    _, rows = bulk_indicators.parse_file("werte.csv", f"AGS;Wert\n14626010;{text}\n".encode(), 2024)
    area_filter = exports.parse_area_filter(db, {"min_ha": text})
    found = {
        "kenndaten": staff["full_time_equivalent"],
        "area": area["net_area_ha"],
        "bulk": rows[0].value,
        "export": area_filter.min_ha,
    }
    assert found == dict.fromkeys(found, expected)


@pytest.mark.parametrize("text", ["12,5,0", "zwölf", "1e999"])
def test_every_entry_point_refuses_the_same_text(text: str, db: Session) -> None:
    with pytest.raises(kenndaten.KenndatenValidationError):
        kenndaten.validate_values(
            kenndaten.get_group("staff"),
            {"year": "2024", "headcount": "3", "full_time_equivalent": text},
        )
    with pytest.raises(ValidationError) as area_error:
        areas.normalize_attributes({"net_area_ha": text}, partial=True)
    assert area_error.value.field == "net_area_ha"
    with pytest.raises(ValidationError):
        bulk_indicators.parse_file("werte.csv", f"AGS;Wert\n14626010;{text}\n".encode(), 2024)
    with pytest.raises(ValidationError) as export_error:
        exports.parse_area_filter(db, {"min_ha": text})
    assert export_error.value.field == "min_ha"


def test_indicator_import_cells_follow_the_rule() -> None:
    values, bad = importing.indicators._parse_cells(["12.500", "", "3,5"], "de")
    assert (values, bad) == ([12_500.0, None, 3.5], None)
    values, bad = importing.indicators._parse_cells(["12.500", "x"], "en")
    assert values == [12.5] and bad == (1, "x")
