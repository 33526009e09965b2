"""The Kenndaten field catalogue: one :class:`GroupSpec` per group, with German labels and rules."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Literal

from cockpit.domain.errors import ValidationError
from cockpit.domain.vocab import (
    ActorKind,
    FocusKind,
    InvestmentKind,
    InvestmentSector,
    MembershipKind,
)
from cockpit.models import (
    ClusterFocus,
    ContactPerson,
    CouncilSeat,
    InvestmentItem,
    Membership,
    MunicipalEnterprise,
    StaffCount,
)

FieldKind = Literal[
    "text", "longtext", "int", "float", "money", "year", "date", "email", "phone", "choice", "lines"
]

MIN_YEAR = 1990
MAX_YEAR = 2100
# First free municipal elections in Saxony after reunification: 6 May 1990.
MIN_ELECTION_DATE = dt.date(1990, 5, 6)
MAX_AMOUNT_EUR = 1_000_000_000_000.0


@dataclass(frozen=True)
class FieldSpec:
    """One editable attribute of a Kenndaten item, with its German label and rules."""

    name: str
    label: str
    kind: FieldKind
    required: bool = False
    max_length: int = 200
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, German label); dynamic for "cluster_id"
    help: str = ""


@dataclass(frozen=True)
class GroupSpec:
    """One Kenndaten group: its model, German titles and editable fields."""

    key: str
    title: str
    item_label: str
    entity: str  # table name, used in change records
    model: type[Any]
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _enum_choices(enum_cls: type[enum.Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((str(m.value), str(getattr(m, "label", m.value))) for m in enum_cls)


_COMMON = (
    FieldSpec("as_of", "Stand", "date", help="Datum, zu dem die Angabe gilt"),
    FieldSpec("source", "Quelle", "text", max_length=500),
)

GROUPS: dict[str, GroupSpec] = {
    spec.key: spec
    for spec in (
        GroupSpec(
            "contacts",
            "Ansprechpartner",
            "Ansprechpartner/in",
            "contact_person",
            ContactPerson,
            (
                FieldSpec("name", "Name", "text", required=True),
                FieldSpec("function", "Funktion", "text"),
                FieldSpec("department", "Organisationseinheit", "text"),
                FieldSpec("phone", "Telefon", "phone", max_length=50, help="z. B. 03581 672-0"),
                FieldSpec("email", "E-Mail", "email"),
                FieldSpec("notes", "Hinweise", "longtext", max_length=2000),
                *_COMMON,
            ),
        ),
        GroupSpec(
            "staff",
            "Beschäftigte in der Kernverwaltung",
            "Beschäftigtenzahl",
            "staff_count",
            StaffCount,
            (
                FieldSpec("year", "Jahr", "year", required=True),
                FieldSpec(
                    "headcount", "Beschäftigte (Köpfe)", "int", required=True, maximum=100_000
                ),
                FieldSpec("full_time_equivalent", "Vollzeitäquivalente", "float", maximum=100_000),
                *_COMMON,
            ),
        ),
        GroupSpec(
            "investments",
            "Investitionsrückstände und geplante Investitionen",
            "Investitionsposten",
            "investment_item",
            InvestmentItem,
            (
                FieldSpec(
                    "sector",
                    "Bereich",
                    "choice",
                    required=True,
                    choices=_enum_choices(InvestmentSector),
                ),
                FieldSpec(
                    "kind", "Art", "choice", required=True, choices=_enum_choices(InvestmentKind)
                ),
                FieldSpec("year", "Jahr", "year", required=True),
                FieldSpec(
                    "amount_eur",
                    "Betrag (EUR)",
                    "money",
                    required=True,
                    maximum=MAX_AMOUNT_EUR,
                    help="z. B. 1.250.000",
                ),
                FieldSpec("description", "Beschreibung", "longtext", max_length=2000),
                *_COMMON,
            ),
        ),
        GroupSpec(
            "enterprises",
            "Kommunale Eigenbetriebe",
            "Eigenbetrieb/Unternehmen",
            "municipal_enterprise",
            MunicipalEnterprise,
            (
                FieldSpec("name", "Name", "text", required=True),
                FieldSpec("legal_form", "Rechtsform", "text", max_length=100),
                FieldSpec("purpose", "Aufgabe", "longtext", max_length=2000),
                FieldSpec("employees", "Beschäftigte", "int", maximum=100_000),
                *_COMMON,
            ),
        ),
        GroupSpec(
            "memberships",
            "Mitgliedschaften und Zweckverbände",
            "Mitgliedschaft",
            "membership",
            Membership,
            (
                FieldSpec("name", "Name", "text", required=True),
                FieldSpec(
                    "kind", "Art", "choice", required=True, choices=_enum_choices(MembershipKind)
                ),
                FieldSpec("purpose", "Zweck", "longtext", max_length=2000),
                *_COMMON,
            ),
        ),
        GroupSpec(
            "council",
            "Stadt-/Gemeinderat",
            "Sitzverteilung einer Liste",
            "council_seat",
            CouncilSeat,
            (
                FieldSpec("election_date", "Wahltag", "date", required=True),
                FieldSpec("party", "Partei/Liste", "text", required=True),
                FieldSpec("seats", "Sitze", "int", required=True, minimum=1, maximum=100),
                *_COMMON,
            ),
        ),
        GroupSpec(
            "focus",
            "Kernkompetenzen und Entwicklungsziele",
            "Schwerpunkt",
            "cluster_focus",
            ClusterFocus,
            (
                FieldSpec("cluster_id", "Themencluster", "choice", required=True),
                FieldSpec(
                    "focus",
                    "Schwerpunkt",
                    "choice",
                    required=True,
                    choices=_enum_choices(FocusKind),
                ),
                FieldSpec("description", "Beschreibung", "longtext", max_length=2000),
                FieldSpec(
                    "companies",
                    "Unternehmen",
                    "lines",
                    max_length=4000,
                    help="ein Name je Zeile",
                ),
                FieldSpec(
                    "institutions",
                    "Institutionen",
                    "lines",
                    max_length=4000,
                    help="ein Name je Zeile",
                ),
                FieldSpec(
                    "research",
                    "Forschungseinrichtungen",
                    "lines",
                    max_length=4000,
                    help="ein Name je Zeile",
                ),
                *_COMMON,
            ),
        ),
    )
}

GROUP_ORDER: tuple[str, ...] = tuple(GROUPS)
ENTITY_LABELS = {spec.entity: spec.item_label for spec in GROUPS.values()}
ACTION_LABELS = {"create": "angelegt", "update": "geändert", "delete": "gelöscht"}
ACTOR_FIELDS = {
    "companies": ActorKind.COMPANY,
    "institutions": ActorKind.INSTITUTION,
    "research": ActorKind.RESEARCH,
}


def get_group(group: str) -> GroupSpec:
    """The spec of ``group``; raises :class:`ValidationError` for an unknown group key."""
    try:
        return GROUPS[group]
    except KeyError:
        raise ValidationError(
            f"unknown Kenndaten group {group!r}", "Unbekannter Kenndaten-Bereich."
        ) from None


def group_for_entity(entity: str) -> GroupSpec | None:
    for spec in GROUPS.values():
        if spec.entity == entity:
            return spec
    return None
