"""THE catalogue of area attributes: one :class:`AreaFieldSpec` per attribute.

Everything that used to repeat the attribute list derives from :data:`FIELDS`: checking user
input (:func:`normalize_attributes`), the version snapshot (:func:`snapshot`) and restoring
from it (:func:`restored_values`), German labels and display texts (:func:`attribute_rows`,
:func:`display_value`), the import mapping targets and their synonyms, the fields compared
for an import change set and the exported field names (≤ 10 characters, Shapefile).
Adding an attribute: model + migration, then one entry here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cockpit.domain.errors import ValidationError
from cockpit.domain.formatting import format_date, format_ha
from cockpit.domain.parsing import NumberFormatError, echo, parse_optional_number
from cockpit.domain.vocab import (
    OBSTACLE_OPTIONS,
    SERVICING_OPTIONS,
    AreaKind,
    AreaSource,
    AreaStatus,
    ConfirmationMethod,
    LabelledEnum,
    Ownership,
    PlanningStatus,
)
from cockpit.models import AreaPotential

# text: short text ("" when empty); code: identifier (None when empty); longtext: free text;
# municipality: municipality id; choice: LabelledEnum; codes: list of option codes;
# hectares: number >= 0; date: ISO day in snapshots; flag: yes/no.
FieldKind = Literal[
    "text", "code", "longtext", "municipality", "choice", "codes", "hectares", "date", "flag"
]


@dataclass(frozen=True)
class AreaFieldSpec:
    """One attribute of an area potential, with its German label and how it travels."""

    name: str  # AreaPotential column and snapshot key
    label: str
    kind: FieldKind
    choices: type[LabelledEnum] | None = None  # kind "choice"
    options: Mapping[str, str] | None = None  # kind "codes": code -> German label
    editable: bool = False  # users set it (create/update/proposal/import)
    required: bool = False
    max_length: int | None = None
    decimals: int | None = None  # rounding in the snapshot
    export: tuple[str, str] | None = None  # (field name ≤ 10 characters, description)
    synonyms: tuple[str, ...] = ()  # source field names the import mapping suggests
    import_label: str = ""  # label of the import target (default: label)
    compared: bool = False  # compared for "changed" in an import change set
    confirmation: bool = False  # set by confirming, not part of a change description
    shown: bool = True  # listed in the attribute table of the detail panel

    @property
    def importable(self) -> bool:
        return bool(self.synonyms)

    @property
    def target_label(self) -> str:
        return self.import_label or self.label


FIELDS: tuple[AreaFieldSpec, ...] = (
    AreaFieldSpec(
        "public_id",
        "Kennung",
        "text",
        export=("public_id", "stabile Kennung des Kommunal-Cockpits (UUID)"),
    ),
    AreaFieldSpec(
        "name",
        "Bezeichnung",
        "text",
        editable=True,
        required=True,
        max_length=200,
        export=("name", "Bezeichnung"),
        synonyms=("name", "bezeichnung", "bez", "titel"),
        compared=True,
    ),
    AreaFieldSpec("municipality_id", "Gemeinde", "municipality", editable=True, required=True),
    AreaFieldSpec(
        "kind",
        "Art",
        "choice",
        choices=AreaKind,
        editable=True,
        required=True,
        export=("art", "Art (Code)"),
        synonyms=("art", "kind", "typ", "flaechenart"),
        compared=True,
    ),
    AreaFieldSpec(
        "area_ha",
        "Bruttofläche",
        "hectares",
        decimals=4,
        export=("flaeche_ha", "Bruttofläche in ha (berechnet in EPSG:25833)"),
    ),
    AreaFieldSpec(
        "net_area_ha",
        "Nettofläche",
        "hectares",
        editable=True,
        export=("netto_ha", "Nettofläche in ha"),
        synonyms=("netto_ha", "nettoflaeche", "net_area_ha"),
        import_label="Nettofläche (ha)",
        compared=True,
    ),
    AreaFieldSpec(
        "status",
        "Vermarktungsstand",
        "choice",
        choices=AreaStatus,
        editable=True,
        required=True,
        export=("status", "Vermarktungsstand (Code)"),
        synonyms=("status", "vermarktung", "vermarktungsstand"),
        compared=True,
    ),
    AreaFieldSpec(
        "planning_status",
        "Planungsrecht",
        "choice",
        choices=PlanningStatus,
        editable=True,
        export=("plan_recht", "Planungsrecht (Code)"),
        synonyms=("planungsrecht", "plan_recht", "planung"),
        compared=True,
    ),
    AreaFieldSpec(
        "ownership",
        "Eigentum",
        "choice",
        choices=Ownership,
        editable=True,
        export=("eigentum", "Eigentum (Code)"),
        synonyms=("eigentum", "eigentuemer"),
        compared=True,
    ),
    AreaFieldSpec(
        "servicing",
        "Erschließung",
        "codes",
        options=SERVICING_OPTIONS,
        editable=True,
        export=("erschl", "Erschließung (Codes, kommagetrennt)"),
        synonyms=("erschliessung", "erschl"),
        import_label="Erschließung (Liste)",
        compared=True,
    ),
    AreaFieldSpec(
        "obstacles",
        "Hemmnisse",
        "codes",
        options=OBSTACLE_OPTIONS,
        editable=True,
        export=("hemmnisse", "Hemmnisse (Codes, kommagetrennt)"),
        synonyms=("hemmnisse", "hemmnis"),
        import_label="Hemmnisse (Liste)",
        compared=True,
    ),
    AreaFieldSpec(
        "notes",
        "Bemerkungen",
        "longtext",
        editable=True,
        export=("bemerkung", "Bemerkungen"),
        synonyms=("bemerkung", "bemerkungen", "notes", "hinweis"),
        compared=True,
    ),
    AreaFieldSpec(
        "source", "Quelle", "choice", choices=AreaSource, export=("quelle", "Quelle (Code)")
    ),
    AreaFieldSpec(
        "geoportal_id",
        "Geoportal-ID",
        "code",
        editable=True,
        max_length=100,
        export=("geoport_id", "Geoportal-ID"),
        synonyms=("geoportal_id", "id", "objectid", "object_id", "gid", "fid_geo", "flaechen_id"),
        import_label="Geoportal-ID (Pflicht, zum Abgleich)",
    ),
    AreaFieldSpec(
        "kwis_id",
        "KWIS-ID",
        "code",
        editable=True,
        max_length=100,
        export=("kwis_id", "KWIS-ID"),
        synonyms=("kwis_id", "kwis"),
        compared=True,
    ),
    AreaFieldSpec(
        "last_confirmed_at",
        "zuletzt bestätigt am",
        "date",
        export=("bestaetigt", "zuletzt bestätigt am"),
        confirmation=True,
    ),
    AreaFieldSpec("last_confirmed_by", "zuletzt bestätigt von", "text", confirmation=True),
    AreaFieldSpec(
        "last_confirmed_method",
        "bestätigt durch",
        "choice",
        choices=ConfirmationMethod,
        export=("best_wie", "bestätigt durch (Code)"),
        confirmation=True,
    ),
    AreaFieldSpec("is_deleted", "gelöscht", "flag", shown=False),
)

FIELD: dict[str, AreaFieldSpec] = {spec.name: spec for spec in FIELDS}
FIELD_LABELS: dict[str, str] = {spec.name: spec.label for spec in FIELDS}
# Attributes a user may set (create/update/proposal/import); geometry travels separately.
EDITABLE_FIELDS: tuple[str, ...] = tuple(spec.name for spec in FIELDS if spec.editable)
# Compared for "changed" in an import (municipality and geometry are compared separately).
COMPARED_FIELDS: tuple[str, ...] = tuple(spec.name for spec in FIELDS if spec.compared)
EXPORTED_FIELDS: tuple[AreaFieldSpec, ...] = tuple(spec for spec in FIELDS if spec.export)
IMPORTABLE_FIELDS: tuple[AreaFieldSpec, ...] = tuple(spec for spec in FIELDS if spec.importable)


@dataclass(frozen=True)
class AttributeRow:
    key: str
    label: str
    value: Any
    text: str


# --------------------------------------------------------------------------- snapshot


def _json_value(spec: AreaFieldSpec, value: Any) -> Any:
    if spec.kind in ("text", "longtext"):
        return value or ""
    if spec.kind == "choice":
        return value.value if value is not None else None
    if spec.kind == "codes":
        return list(value or [])
    if spec.kind == "date":
        return value.isoformat() if value is not None else None
    if spec.kind == "flag":
        return bool(value)
    if spec.decimals is not None and value is not None:
        return round(value, spec.decimals)
    return value


def snapshot(area: AreaPotential) -> dict[str, Any]:
    """The full attribute state of an area as JSON-ready values (for AreaVersion)."""
    return {spec.name: _json_value(spec, getattr(area, spec.name)) for spec in FIELDS}


def json_ready(values: Mapping[str, Any]) -> dict[str, Any]:
    """Checked attributes (:func:`normalize_attributes`) as snapshot-style JSON values."""
    return {k: (v.value if isinstance(v, LabelledEnum) else v) for k, v in values.items()}


def _model_value(spec: AreaFieldSpec, raw: Any) -> Any:
    if spec.kind in ("text", "longtext"):
        return raw or ""
    if spec.kind == "municipality":
        return int(raw)
    if spec.kind == "choice":
        assert spec.choices is not None
        return spec.choices(raw) if raw else None
    if spec.kind == "codes":
        return list(raw or [])
    return raw


def restored_values(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The editable attributes of a snapshot as model values (restoring a version)."""
    return {name: _model_value(FIELD[name], attributes.get(name)) for name in EDITABLE_FIELDS}


def blank_value(name: str) -> Any:
    """The value of an editable attribute the user left out (new areas)."""
    kind = FIELD[name].kind
    return [] if kind == "codes" else "" if kind == "longtext" else None


# --------------------------------------------------------------------------- display


def _choice_text(spec: AreaFieldSpec, value: Any) -> str:
    assert spec.choices is not None
    try:
        return spec.choices(value).label
    except ValueError:
        return str(value)


def _codes_text(spec: AreaFieldSpec, value: Any) -> str:
    options = spec.options or {}
    return ", ".join(options.get(v, v) for v in value)


def _date_text(_spec: AreaFieldSpec, value: Any) -> str:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return format_date(day)


_DISPLAY: dict[str, Callable[[AreaFieldSpec, Any], str]] = {
    "choice": _choice_text,
    "codes": _codes_text,
    "date": _date_text,
    "hectares": lambda _spec, value: format_ha(float(value)),
    "flag": lambda _spec, value: "ja" if value else "nein",
}


def display_value(key: str, value: Any, municipality_name: str = "") -> str:
    """German display text of one attribute value (raw codes or typed values)."""
    if value is None or value == "" or value == [] or value == ():
        return "–"
    spec = FIELD.get(key)
    if spec is None:
        return str(value)
    if spec.kind == "municipality":
        return municipality_name or str(value)
    show = _DISPLAY.get(spec.kind)
    return show(spec, value) if show else str(value)


def attribute_rows(values: Mapping[str, Any], municipality_name: str = "") -> list[AttributeRow]:
    """German label + display text for a (snapshot-style) attribute mapping."""
    return [
        AttributeRow(
            spec.name,
            spec.label,
            values[spec.name],
            display_value(spec.name, values[spec.name], municipality_name),
        )
        for spec in FIELDS
        if spec.shown and spec.name in values
    ]


# --------------------------------------------------------------------------- checking input


def _missing(spec: AreaFieldSpec) -> ValidationError:
    return ValidationError(
        f"{spec.name} missing", f"Bitte geben Sie „{spec.label}“ an.", field=spec.name
    )


def _not_allowed(spec: AreaFieldSpec, raw: Any, text: str, allowed: str) -> ValidationError:
    return ValidationError(
        f"{spec.name}: unknown value {raw!r}",
        f"„{text}“ ist kein gültiger Wert für „{spec.label}“. Erlaubt: {allowed}.",
        field=spec.name,
    )


def _text(spec: AreaFieldSpec, raw: Any) -> str:
    text = str(raw).strip() if raw is not None else ""
    if spec.max_length is not None and len(text) > spec.max_length:
        raise ValidationError(
            f"{spec.name} too long",
            f"„{spec.label}“ ist zu lang (max. {spec.max_length} Zeichen).",
            spec.name,
        )
    if spec.required and not text:
        raise _missing(spec)
    return text


def _code(spec: AreaFieldSpec, raw: Any) -> str | None:
    return _text(spec, raw) or None


def _municipality(spec: AreaFieldSpec, raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError(
            f"bad municipality id {raw!r}", "Bitte wählen Sie eine Gemeinde.", spec.name
        ) from None


def _choice(spec: AreaFieldSpec, raw: Any) -> LabelledEnum | None:
    assert spec.choices is not None
    if raw is None or raw == "":
        if spec.required:
            raise _missing(spec)
        return None
    if isinstance(raw, spec.choices):
        return raw
    text = str(raw).strip()
    for member in spec.choices:
        if text.lower() in (member.value.lower(), member.label.lower()):
            return member
    raise _not_allowed(spec, raw, text, ", ".join(m.label for m in spec.choices))


def _codes(spec: AreaFieldSpec, raw: Any) -> list[str]:
    options = spec.options or {}
    if raw is None or raw == "":
        return []
    items = [p.strip() for p in raw.split(",")] if isinstance(raw, str) else list(raw)
    codes: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        code = next((c for c, label in options.items() if text.lower() in (c, label.lower())), None)
        if code is None:
            raise _not_allowed(spec, item, text, ", ".join(options.values()))
        if code not in codes:
            codes.append(code)
    return codes


def _hectares(spec: AreaFieldSpec, raw: Any) -> float | None:
    try:
        number = parse_optional_number(raw, field=spec.name)
    except NumberFormatError as error:
        raise ValidationError(
            str(error),
            f"„{echo(raw)}“ ist keine Zahl ({spec.label} in ha, z. B. 12,5).",
            field=spec.name,
        ) from None
    if number is not None and number < 0:
        raise ValidationError(
            f"negative {spec.name} {number}",
            f"„{spec.label}“ darf nicht negativ sein.",
            spec.name,
        )
    return number


_CHECKS: dict[str, Callable[[AreaFieldSpec, Any], Any]] = {
    "text": _text,
    "code": _code,
    "longtext": _text,
    "municipality": _municipality,
    "choice": _choice,
    "codes": _codes,
    "hectares": _hectares,
}


def normalize_attributes(raw: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check and type user-given attributes (codes or German labels accepted).

    ``partial=False`` requires every required attribute (name, kind, status,
    municipality_id). Unknown keys are refused. Raises :class:`ValidationError` with the
    German message and the field.
    """
    unknown = sorted(set(raw) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            f"unknown attributes {unknown}",
            f"Unbekannte Felder: {', '.join(unknown)}.",
            field=unknown[0],
        )
    out = {key: _CHECKS[FIELD[key].kind](FIELD[key], value) for key, value in raw.items()}
    if not partial:
        for name in EDITABLE_FIELDS:
            if FIELD[name].required and out.get(name) in (None, ""):
                raise _missing(FIELD[name])
    return out
