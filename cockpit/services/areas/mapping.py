"""Attribute mappings of the Geoportal sources: which source field feeds which of ours.

Mapping format (``{key: value}``, all strings):

* ``"<source field>": "<our field>"`` — our fields: :data:`IMPORT_FIELDS` (the importable
  attributes of the field catalogue, with their synonyms for :func:`suggest_mapping`);
* ``"values.<our field>.<source value>": "<our value>"`` — translate Geoportal codes;
* ``"default.<our field>": "<value>"`` — used when the source has no value.

One mapping is saved per source (:class:`~cockpit.models.ImportMapping`); reading and
writing them needs ``Permission.IMPORT_DATA``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.models import ImportMapping
from cockpit.services import authz
from cockpit.services.areas.fields import FIELD, IMPORTABLE_FIELDS
from cockpit.services.unit_of_work import transaction

MATCH_FIELD = "geoportal_id"  # matches source features to our areas
# Not an attribute: the municipality's AGS in the source (else found by location).
AGS_FIELD = "municipality_ags"
_AGS_SYNONYMS = ("ags", "gemeinde_ags", "gem_ags", "gkz", "gemeindeschluessel")

# Our fields a Geoportal field can be mapped to: the matching key first.
IMPORT_FIELDS: dict[str, str] = {
    MATCH_FIELD: FIELD[MATCH_FIELD].target_label,
    AGS_FIELD: "Gemeindeschlüssel (AGS); sonst nach Lage",
    **{spec.name: spec.target_label for spec in IMPORTABLE_FIELDS},
}
_SUGGEST: dict[str, tuple[str, ...]] = {
    AGS_FIELD: _AGS_SYNONYMS,
    **{spec.name: spec.synonyms for spec in IMPORTABLE_FIELDS},
}


def save_mapping(
    session: Session, principal: Principal, source_name: str, mapping: Mapping[str, str]
) -> dict[str, str]:
    """Store the attribute mapping of one Geoportal source (replaces the old one)."""
    authz.require(principal, Permission.IMPORT_DATA)
    clean = check_mapping(mapping)
    with transaction(session, what=f"import mapping {source_name.strip()!r}"):
        store_mapping(session, source_name, clean)
    return clean


def store_mapping(session: Session, source_name: str, mapping: dict[str, str]) -> None:
    name = source_name.strip()
    if not name:
        raise ValidationError(
            "empty source name", "Bitte geben Sie einen Namen für die Quelle an.", "source_name"
        )
    row = session.scalar(select(ImportMapping).where(ImportMapping.source_name == name))
    if row is None:
        session.add(ImportMapping(source_name=name, mapping=dict(mapping)))
    else:
        row.mapping = dict(mapping)
    session.flush()


def get_mapping(session: Session, principal: Principal, source_name: str) -> dict[str, str] | None:
    """The saved mapping of a source, or ``None``."""
    authz.require(principal, Permission.IMPORT_DATA)
    row = session.scalar(
        select(ImportMapping).where(ImportMapping.source_name == source_name.strip())
    )
    return dict(row.mapping) if row else None


def list_mapping_sources(session: Session, principal: Principal) -> list[str]:
    authz.require(principal, Permission.IMPORT_DATA)
    return list(
        session.scalars(select(ImportMapping.source_name).order_by(ImportMapping.source_name))
    )


def suggest_mapping(fields: Sequence[str]) -> dict[str, str]:
    """Guess a mapping from source field names (the user confirms it in the UI)."""
    result: dict[str, str] = {}
    lowered = {f.lower(): f for f in fields}
    for ours, candidates in _SUGGEST.items():
        for candidate in candidates:
            if candidate in lowered and lowered[candidate] not in result:
                result[lowered[candidate]] = ours
                break
    return result


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    targets: list[str] = []
    for key, value in mapping.items():
        key, value = str(key).strip(), str(value).strip()
        if not key or not value:
            continue
        if key.startswith(("values.", "default.")):
            ours = key.split(".")[1]
            if ours not in IMPORT_FIELDS:
                raise ValidationError(
                    f"mapping rule for unknown field {ours}",
                    f"Die Zuordnung nennt ein unbekanntes Feld „{ours}“.",
                    "mapping",
                )
        elif value not in IMPORT_FIELDS:
            raise ValidationError(
                f"mapping target {value} unknown",
                f"„{value}“ ist kein Zielfeld. Erlaubt: {', '.join(IMPORT_FIELDS)}.",
                "mapping",
            )
        else:
            if value in targets:
                raise ValidationError(
                    f"mapping target {value} twice",
                    f"Das Zielfeld „{IMPORT_FIELDS[value]}“ ist mehreren Feldern zugeordnet.",
                    "mapping",
                )
            targets.append(value)
        clean[key] = value
    if MATCH_FIELD not in targets:
        raise ValidationError(
            "mapping without geoportal_id",
            "Bitte ordnen Sie ein Feld der Geoportal-ID zu; sie wird zum Abgleich gebraucht.",
            "mapping",
        )
    return clean


def saved_mapping(session: Session, source_name: str) -> dict[str, str]:
    saved = session.scalar(
        select(ImportMapping).where(ImportMapping.source_name == source_name.strip())
    )
    if saved is None:
        raise ValidationError(
            f"no mapping for {source_name}",
            f"Für die Quelle „{source_name}“ ist noch keine Feldzuordnung gespeichert.",
            "mapping",
        )
    return dict(saved.mapping)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def feature_values(record: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for source, ours in mapping.items():
        if source.startswith(("values.", "default.")):
            continue
        values[ours] = _cell(record.get(source))
    for key, value in mapping.items():
        if key.startswith("default."):
            ours = key.split(".", 1)[1]
            if values.get(ours) in (None, ""):
                values[ours] = value
    for ours, raw in list(values.items()):
        if raw is None:
            continue
        translated = mapping.get(f"values.{ours}.{raw}")
        if translated is not None:
            values[ours] = translated
    return values
