"""Parsing and checking raw Kenndaten form values (German per-field messages)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence

from cockpit.domain.errors import ValidationError
from cockpit.domain.parsing import NumberFormatError, parse_number
from cockpit.services.kenndaten.specs import (
    MAX_YEAR,
    MIN_ELECTION_DATE,
    MIN_YEAR,
    FieldSpec,
    GroupSpec,
)

log = logging.getLogger(__name__)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()/\-]{3,28}[0-9]$")


class KenndatenValidationError(ValidationError):
    """One or more form fields are invalid; ``errors`` maps field name -> German message."""

    def __init__(self, log_message: str, errors: Mapping[str, str]) -> None:
        first = next(iter(errors), "")
        super().__init__(
            log_message,
            "Bitte prüfen Sie die markierten Felder: " + " ".join(errors.values()),
            field=first,
        )
        self.errors = dict(errors)


def _parse_date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def is_empty(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return not raw
    return False


def _parse_field(spec: FieldSpec, raw: object, choices: Sequence[tuple[str, str]]) -> object:
    """Parse one raw form value; raises ``ValueError`` with a German message."""
    if spec.kind in ("text", "longtext", "email", "phone"):
        return _parse_text(spec, raw)
    if spec.kind == "lines":
        return _parse_lines(spec, raw)
    if spec.kind == "choice":
        value = str(raw).strip()
        if value not in {v for v, _ in choices}:
            raise ValueError(f"{spec.label}: Bitte wählen Sie einen Eintrag aus der Liste.")
        return value
    if spec.kind == "date":
        return _parse_day(spec, raw)
    return _parse_numeric(spec, raw)


def _parse_text(spec: FieldSpec, raw: object) -> str:
    label = spec.label
    text = str(raw).strip()
    if len(text) > spec.max_length:
        raise ValueError(f"{label}: höchstens {spec.max_length} Zeichen erlaubt.")
    if spec.kind == "email" and not EMAIL.match(text):
        raise ValueError(f"{label}: Bitte geben Sie eine gültige E-Mail-Adresse ein.")
    if spec.kind == "phone" and (not PHONE.match(text) or sum(ch.isdigit() for ch in text) < 5):
        raise ValueError(
            f"{label}: Bitte geben Sie eine gültige Telefonnummer ein "
            "(Ziffern, Leerzeichen, +, -, /, Klammern)."
        )
    return text


def _parse_lines(spec: FieldSpec, raw: object) -> list[str]:
    lines = raw if isinstance(raw, list | tuple) else str(raw).splitlines()
    names = [str(line).strip() for line in lines if str(line).strip()]
    if any(len(name) > 200 for name in names):
        raise ValueError(f"{spec.label}: ein Name darf höchstens 200 Zeichen lang sein.")
    if len(names) != len({n.casefold() for n in names}):
        raise ValueError(f"{spec.label}: Jeder Name darf nur einmal vorkommen.")
    return names


def _parse_day(spec: FieldSpec, raw: object) -> dt.date:
    label = spec.label
    try:
        day = _parse_date(raw)
    except ValueError:
        raise ValueError(f"{label}: Bitte geben Sie ein Datum als TT.MM.JJJJ ein.") from None
    if spec.name == "election_date":
        if not MIN_ELECTION_DATE <= day <= dt.date.today():
            raise ValueError(f"{label}: Der Wahltag muss zwischen dem 06.05.1990 und heute liegen.")
    elif not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"{label}: Das Datum muss zwischen 1990 und 2100 liegen.")
    return day


def _parse_numeric(spec: FieldSpec, raw: object) -> float:
    label = spec.label
    try:
        number = parse_number(raw)
    except NumberFormatError:
        raise ValueError(f"{label}: Bitte geben Sie eine Zahl ein (z. B. 1.234,5).") from None
    if spec.kind in ("int", "year"):
        if number != int(number):
            raise ValueError(f"{label}: Bitte geben Sie eine ganze Zahl ein.")
        number = int(number)
    if spec.kind == "year":
        if not MIN_YEAR <= number <= MAX_YEAR:
            raise ValueError(f"{label}: Das Jahr muss zwischen {MIN_YEAR} und {MAX_YEAR} liegen.")
        return number
    _check_range(spec, number)
    return round(float(number), 2) if spec.kind == "money" else number


def _check_range(spec: FieldSpec, number: float) -> None:
    label = spec.label
    minimum = 0.0 if spec.minimum is None else spec.minimum
    if number < minimum:
        if minimum == 0:
            raise ValueError(f"{label}: Der Wert darf nicht negativ sein.")
        raise ValueError(f"{label}: Der Wert muss mindestens {minimum:g} betragen.")
    if spec.maximum is not None and number > spec.maximum:
        raise ValueError(f"{label}: Der Wert ist unplausibel hoch (höchstens {spec.maximum:,.0f}).")


def validate_values(
    spec: GroupSpec,
    values: Mapping[str, object],
    choices: Sequence[tuple[str, str]] = (),
) -> dict[str, object]:
    """Parse and check raw form values of ``spec``.

    Returns the clean values (Python types; ``None`` for empty optional fields). Raises
    :class:`KenndatenValidationError` listing every invalid field with a German message.
    ``choices`` are the dynamic options of a ``cluster_id`` field.
    """
    clean: dict[str, object] = {}
    errors: dict[str, str] = {}
    unknown = set(values) - {f.name for f in spec.fields}
    if unknown:
        log.info("ignoring unknown Kenndaten fields %s for %s", sorted(unknown), spec.key)
    for fspec in spec.fields:
        raw = values.get(fspec.name)
        if is_empty(raw):
            if fspec.required:
                errors[fspec.name] = f"{fspec.label}: Bitte füllen Sie dieses Pflichtfeld aus."
            clean[fspec.name] = [] if fspec.kind == "lines" else None
            continue
        field_choices = choices if fspec.name == "cluster_id" else fspec.choices
        try:
            clean[fspec.name] = _parse_field(fspec, raw, field_choices)
        except ValueError as exc:
            errors[fspec.name] = str(exc)
    if errors:
        raise KenndatenValidationError(
            f"invalid {spec.key} values: {sorted(errors)}",
            errors,
        )
    return clean
