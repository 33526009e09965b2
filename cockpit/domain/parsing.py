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


class NumberFormatError(ValueError):
    """Text that is not a number under the rule above; ``user_text`` is German."""

    def __init__(self, raw: object) -> None:
        self.raw = raw
        self.user_text = f"„{echo(raw)}“ ist keine gültige Zahl (Beispiel: 1.234,5)."
        super().__init__(f"not a number: {echo(raw)!r}")


def echo(raw: object) -> str:
    """User input shortened for a message (at most :data:`MAX_ECHO` characters)."""
    text = str(raw)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _finite(value: float, raw: object) -> float:
    if not math.isfinite(value):
        raise NumberFormatError(raw)
    return value


def parse_number(raw: object, style: NumberStyle = "de") -> float:
    """A number from untrusted input under the module's rule; raises :class:`NumberFormatError`."""
    if isinstance(raw, bool) or raw is None:
        raise NumberFormatError(raw)
    if isinstance(raw, int | float):
        try:
            return _finite(float(raw), raw)
        except OverflowError as error:  # an int beyond float range
            raise NumberFormatError(raw) from error
    text = str(raw).translate(_IGNORED).removesuffix("€")
    if len(text) > 64:
        raise NumberFormatError(raw)
    if style == "de":
        if _DE_NUMBER.match(text):
            text = text.replace(".", "").replace(",", ".")
        elif not _DE_PLAIN_DOT.match(text):
            raise NumberFormatError(raw)
    elif _EN_NUMBER.match(text):
        text = text.replace(",", "")
    else:
        raise NumberFormatError(raw)
    return _finite(float(text), raw)


def parse_optional_number(raw: object, style: NumberStyle = "de") -> float | None:
    """As :func:`parse_number`, but empty input (``None``, ``""``, blanks) is ``None``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_number(raw, style)


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


def parse_ags_list(raw: object, *, limit: int = 20_000) -> list[str]:
    """Eight-digit municipality keys (AGS); raises ``ValueError`` naming the first bad one."""
    values = split_list(raw)
    if len(values) > limit:
        raise ValueError(f"more than {limit} AGS")
    for value in values:
        if not _AGS.match(value):
            raise ValueError(f"„{echo(value)}“ ist kein achtstelliger Gemeindeschlüssel.")
    return values


def parse_enum_list(raw: object, enum_cls: type[E]) -> tuple[E, ...]:
    """Enum members from their values; raises ``ValueError`` naming the unknown value."""
    allowed = {str(m.value): m for m in enum_cls}
    members: list[E] = []
    for value in split_list(raw):
        if value not in allowed:
            raise ValueError(
                f"Unbekannter Wert „{echo(value)}“. Möglich: {', '.join(sorted(allowed))}."
            )
        members.append(allowed[value])
    return tuple(members)


def parse_bbox(raw: object) -> tuple[float, float, float, float] | None:
    """``"minx,miny,maxx,maxy"`` (EPSG:4326, decimal points) or a list of four numbers.

    Empty input is ``None``; anything else that is not a proper lon/lat box raises
    ``ValueError``.
    """
    if raw is None or raw == "" or raw == []:
        return None
    parts: Sequence[object] = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    if len(parts) != 4:
        raise ValueError("Ein Kartenausschnitt braucht vier Zahlen.")
    minx, miny, maxx, maxy = (parse_number(p, "en") for p in parts)
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise ValueError("Der Kartenausschnitt liegt außerhalb gültiger Koordinaten.")
    return (minx, miny, maxx, maxy)
