"""Parsing of untrusted input: the one reader of numbers, AGS lists, enum lists and boxes.

Forms, file imports, bulk edits and export parameters all read through these functions, so a
value means the same everywhere.

**The number rule** (German first, because the users are German civil servants):

* ``style="de"`` (forms, URL parameters, German files): ``,`` is the decimal separator and
  ``.`` groups thousands — ``"12.500"`` is twelve thousand five hundred, ``"1.234,5"`` is
  1234.5, ``"12,5"`` is 12.5. A dot that cannot be a thousands group (``"12.5"``,
  ``"0.75"``, ``"1.5e3"``) is unambiguous and read as a decimal point.
* ``style="en"`` (files whose columns use decimal points, see :func:`detect_number_style`):
  ``.`` is the decimal separator and ``,`` groups thousands.
* Spaces, no-break spaces, thin spaces and a trailing ``€`` are ignored; a leading ``+`` or
  ``-`` is allowed; ``1,5e3`` / ``1.5E3`` is scientific notation.
* Numbers from a JSON body or a spreadsheet cell (``int``/``float``) are taken as they are.
* Refused with :class:`NumberFormatError`: empty text, ``True``/``False``, letters, two
  decimal separators, wrongly grouped digits (``"1.23.4"``), and every non-finite result
  (``"1e400"``, ``"inf"``, ``"NaN"``).
"""

from __future__ import annotations

import enum
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final, Literal, TypeVar

from cockpit.domain.errors import ValidationError

NumberStyle = Literal["de", "en"]
E = TypeVar("E", bound=enum.Enum)

MAX_ECHO: Final = 80  # characters of user input echoed in a message

_IGNORED = str.maketrans("", "", " \u00a0\u202f\u2009")
_EXP = r"([eE][+-]?\d+)?"
_DE_NUMBER = re.compile(rf"^[+-]?(\d+|\d{{1,3}}(\.\d{{3}})+)(,\d+)?{_EXP}$")
_EN_NUMBER = re.compile(rf"^[+-]?((\d+|\d{{1,3}}(,\d{{3}})+)(\.\d+)?|\.\d+){_EXP}$")
_DE_PLAIN_DOT = re.compile(rf"^[+-]?(\d+\.\d+|\.\d+){_EXP}$")  # "12.5": not a group of three
_AGS = re.compile(r"^\d{8}$")
_LIST_SPLIT = re.compile(r"[,;\s]+")


class NumberFormatError(ValidationError, ValueError):
    """Text that is not a number under the rule above (German ``user_message``)."""

    def __init__(self, raw: object, field: str = "", label: str = "") -> None:
        self.raw = raw
        prefix = f"{label}: " if label else ""
        super().__init__(
            f"not a number{' for ' + field if field else ''}: {echo(raw)!r}",
            f"{prefix}„{echo(raw)}“ ist keine gültige Zahl (Beispiel: 1.234,5).",
            field,
        )


def echo(raw: object) -> str:
    """User input shortened for a message (at most :data:`MAX_ECHO` characters)."""
    text = str(raw)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def parse_number(
    raw: object, style: NumberStyle = "de", *, field: str = "", label: str = ""
) -> float:
    """A number from untrusted input under the module's rule.

    Raises :class:`NumberFormatError` (a :class:`ValidationError` for ``field``; ``label`` is
    the field's German name, put in front of the message).
    """
    value = _number_or_none(raw, style)
    if value is None or not math.isfinite(value):
        raise NumberFormatError(raw, field, label)
    return value


def _number_or_none(raw: object, style: NumberStyle) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        try:
            return float(raw)
        except OverflowError:  # an int beyond float range
            return None
    text = str(raw).translate(_IGNORED).removesuffix("€")
    if len(text) > 64:
        return None
    if style == "de":
        if _DE_NUMBER.match(text):
            text = text.replace(".", "").replace(",", ".")
        elif not _DE_PLAIN_DOT.match(text):
            return None
    elif _EN_NUMBER.match(text):
        text = text.replace(",", "")
    else:
        return None
    return float(text)


def parse_optional_number(
    raw: object, style: NumberStyle = "de", *, field: str = "", label: str = ""
) -> float | None:
    """As :func:`parse_number`, but empty input (``None``, ``""``, blanks, NaN cells) is None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, float) and math.isnan(raw):  # an empty spreadsheet cell
        return None
    return parse_number(raw, style, field=field, label=label)


def classify_number(text: str) -> Literal["de", "en", "both", ""]:
    """Which styles read ``text`` as a number (``"both"``: ambiguous, e.g. ``"12.500"``)."""
    text = text.translate(_IGNORED)
    en = bool(_EN_NUMBER.match(text))
    de = bool(_DE_NUMBER.match(text))
    if en and de:
        return "both"
    return "en" if en else ("de" if de else "")


def detect_number_style(cells: Iterable[str], default: NumberStyle = "de") -> NumberStyle:
    """The decimal style of a file's number cells: the style the unambiguous cells agree on.

    Ambiguous cells (``"12.500"``, ``"1,234"``) don't vote; when no cell decides, ``default``
    (German files: ``;``-separated, ``de``; ``,``-separated: ``en``).
    """
    counts: Counter[str] = Counter(classify_number(str(c).strip()) for c in cells)
    if counts["de"] or counts["en"]:
        return "de" if counts["de"] >= counts["en"] else "en"
    return default


def split_list(raw: object) -> list[str]:
    """A comma/semicolon/space separated list (or a JSON list) of non-empty, unique items."""
    if raw is None:
        return []
    items: Iterable[object] = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for item in items:
        out.extend(part for part in _LIST_SPLIT.split(str(item).strip()) if part)
    return list(dict.fromkeys(out))


def parse_ags_list(
    raw: object, *, field: str = "municipalities", limit: int = 20_000
) -> tuple[str, ...]:
    """Eight-digit municipality keys (AGS); :class:`ValidationError` names the first bad one."""
    values = split_list(raw)
    if len(values) > limit:
        raise ValidationError(
            f"{len(values)} AGS > {limit}", f"Höchstens {limit} Gemeindeschlüssel.", field
        )
    for value in values:
        if not _AGS.match(value):
            raise ValidationError(
                f"malformed AGS {echo(value)!r}",
                f"Der Gemeindeschlüssel „{echo(value)}“ muss aus 8 Ziffern bestehen.",
                field,
            )
    return tuple(values)


def parse_enum_list(
    raw: object, enum_cls: type[E], *, field: str, label: str = ""
) -> tuple[E, ...]:
    """Unique enum members from their values, in input order.

    :class:`ValidationError` names the unknown value and the allowed ones (``label`` is the
    German name of the filter, e.g. "Flächenart").
    """
    allowed = {str(m.value): m for m in enum_cls}
    members: list[E] = []
    for value in split_list(raw):
        if value not in allowed:
            what = f" für {label}" if label else ""
            raise ValidationError(
                f"unknown {field} {echo(value)!r}",
                f"Unbekannter Wert „{echo(value)}“{what}. Möglich: {', '.join(sorted(allowed))}.",
                field,
            )
        members.append(allowed[value])
    return tuple(members)


BBOX_MESSAGE: Final = (
    "Der Kartenausschnitt muss aus vier Zahlen bestehen: "
    "West, Süd, Ost, Nord (Längen-/Breitengrad)."
)


def parse_bbox(raw: object, *, field: str = "bbox") -> tuple[float, float, float, float] | None:
    """``"west,south,east,north"`` (EPSG:4326, decimal points) or a list of four numbers.

    Empty input is ``None``; anything that is not a proper lon/lat box raises
    :class:`ValidationError`.
    """
    parts: Sequence[object] = (
        [p for p in raw if str(p).strip()]
        if isinstance(raw, list | tuple)
        else [p for p in str(raw if raw is not None else "").split(",") if p.strip()]
    )
    if not parts:
        return None
    values = [_number_or_none(p, "en") for p in parts]
    numbers = [v for v in values if v is not None and math.isfinite(v)]
    if len(numbers) != 4 or len(values) != 4:
        raise ValidationError(f"bad bbox {echo(raw)!r}", BBOX_MESSAGE, field)
    west, south, east, north = numbers
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError(f"bbox out of range {echo(raw)!r}", BBOX_MESSAGE, field)
    return (west, south, east, north)
