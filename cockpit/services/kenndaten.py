"""Kenndaten of a municipality: read, create, update, delete, history.

Every Kenndaten group (Ansprechpartner, Beschäftigte, Investitionen, Eigenbetriebe,
Mitgliedschaften, Gemeinderat, Themencluster-Schwerpunkte) is described once by a
:class:`GroupSpec`; validation, change records and the edit forms are driven by it.

Reading needs ``VIEW_CONFIDENTIAL`` for the municipality, writing ``EDIT_KENNDATEN``.
Writes use optimistic locking (the item's ``version``) and leave a :class:`ChangeRecord`
with the old and new values; each write is one transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cockpit.domain.errors import (
    CockpitError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from cockpit.domain.parsing import NumberFormatError, parse_number
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import (
    ActorKind,
    FocusKind,
    InvestmentKind,
    InvestmentSector,
    MembershipKind,
)
from cockpit.models import (
    ChangeRecord,
    ClusterFocus,
    ContactPerson,
    CouncilSeat,
    FocusActor,
    InvestmentItem,
    Membership,
    MunicipalEnterprise,
    Municipality,
    StaffCount,
    ThemeCluster,
    User,
)
from cockpit.models._types import utcnow
from cockpit.services import authz

log = logging.getLogger(__name__)

FieldKind = Literal[
    "text", "longtext", "int", "float", "money", "year", "date", "email", "phone", "choice", "lines"
]

MIN_YEAR = 1990
MAX_YEAR = 2100
# First free municipal elections in Saxony after reunification: 6 May 1990.
MIN_ELECTION_DATE = dt.date(1990, 5, 6)
MAX_AMOUNT_EUR = 1_000_000_000_000.0

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/\-]{3,28}[0-9]$")


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
_ACTOR_FIELDS = {
    "companies": ActorKind.COMPANY,
    "institutions": ActorKind.INSTITUTION,
    "research": ActorKind.RESEARCH,
}


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


@dataclass(frozen=True)
class KenndatenItem:
    """One Kenndaten item as the UI sees it (``values`` holds Python values per field)."""

    group: str
    id: int
    version: int
    values: Mapping[str, Any]
    source: str
    as_of: dt.date | None
    is_demo: bool
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class StaffBenchmark:
    """District median of staff per 1.000 inhabitants (aggregated, ≥ 5 municipalities)."""

    year: int
    own_per_1000: float | None
    median_per_1000: float
    municipality_count: int


@dataclass(frozen=True)
class KenndatenView:
    municipality_id: int
    ags: str
    name: str
    groups: Mapping[str, tuple[KenndatenItem, ...]]
    cluster_choices: tuple[tuple[str, str], ...]
    staff_benchmark: StaffBenchmark | None
    population: float | None
    can_edit: bool

    def items(self, group: str) -> tuple[KenndatenItem, ...]:
        return self.groups.get(group, ())


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: dt.datetime
    user_name: str
    action: str
    action_label: str
    group: str
    entity_label: str
    entity_id: int
    title: str
    changes: tuple[FieldChange, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- lookups


def get_group(group: str) -> GroupSpec:
    """The spec of ``group``; raises :class:`ValidationError` for an unknown group key."""
    try:
        return GROUPS[group]
    except KeyError:
        raise ValidationError(
            f"unknown Kenndaten group {group!r}", "Unbekannter Kenndaten-Bereich."
        ) from None


def _group_for_entity(entity: str) -> GroupSpec | None:
    for spec in GROUPS.values():
        if spec.entity == entity:
            return spec
    return None


def _require_municipality(session: Session, municipality_id: int) -> Municipality:
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise NotFoundError(
            f"municipality {municipality_id} not found", "Die Kommune wurde nicht gefunden."
        )
    return municipality


def cluster_choices(session: Session) -> tuple[tuple[str, str], ...]:
    """Theme clusters as (id, name) choices, in catalogue order (not municipal data)."""
    rows = session.scalars(
        select(ThemeCluster).order_by(ThemeCluster.sort_order, ThemeCluster.name)
    )
    return tuple((str(c.id), c.name) for c in rows)


# --------------------------------------------------------------------------- parsing


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


def _is_empty(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return not raw
    return False


def _parse_field(spec: FieldSpec, raw: object, choices: Sequence[tuple[str, str]]) -> object:
    """Parse one raw form value; raises ``ValueError`` with a German message."""
    label = spec.label
    if spec.kind in ("text", "longtext", "email", "phone"):
        text = str(raw).strip()
        if len(text) > spec.max_length:
            raise ValueError(f"{label}: höchstens {spec.max_length} Zeichen erlaubt.")
        if spec.kind == "email" and not _EMAIL.match(text):
            raise ValueError(f"{label}: Bitte geben Sie eine gültige E-Mail-Adresse ein.")
        if spec.kind == "phone" and (
            not _PHONE.match(text) or sum(ch.isdigit() for ch in text) < 5
        ):
            raise ValueError(
                f"{label}: Bitte geben Sie eine gültige Telefonnummer ein "
                "(Ziffern, Leerzeichen, +, -, /, Klammern)."
            )
        return text
    if spec.kind == "lines":
        lines = raw if isinstance(raw, list | tuple) else str(raw).splitlines()
        names = [str(line).strip() for line in lines if str(line).strip()]
        if any(len(name) > 200 for name in names):
            raise ValueError(f"{label}: ein Name darf höchstens 200 Zeichen lang sein.")
        if len(names) != len({n.casefold() for n in names}):
            raise ValueError(f"{label}: Jeder Name darf nur einmal vorkommen.")
        return names
    if spec.kind == "choice":
        value = str(raw).strip()
        if value not in {v for v, _ in choices}:
            raise ValueError(f"{label}: Bitte wählen Sie einen Eintrag aus der Liste.")
        return value
    if spec.kind == "date":
        try:
            day = _parse_date(raw)
        except ValueError:
            raise ValueError(f"{label}: Bitte geben Sie ein Datum als TT.MM.JJJJ ein.") from None
        if spec.name == "election_date":
            if not MIN_ELECTION_DATE <= day <= dt.date.today():
                raise ValueError(
                    f"{label}: Der Wahltag muss zwischen dem 06.05.1990 und heute liegen."
                )
        elif not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValueError(f"{label}: Das Datum muss zwischen 1990 und 2100 liegen.")
        return day
    # numeric kinds
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
    minimum = 0.0 if spec.minimum is None else spec.minimum
    if number < minimum:
        if minimum == 0:
            raise ValueError(f"{label}: Der Wert darf nicht negativ sein.")
        raise ValueError(f"{label}: Der Wert muss mindestens {minimum:g} betragen.")
    if spec.maximum is not None and number > spec.maximum:
        raise ValueError(f"{label}: Der Wert ist unplausibel hoch (höchstens {spec.maximum:,.0f}).")
    if spec.kind == "money":
        return round(float(number), 2)
    return number


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
        if _is_empty(raw):
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


# --------------------------------------------------------------------------- snapshots


def _json_value(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _item_values(spec: GroupSpec, item: Any) -> dict[str, Any]:
    """The editable values of ``item`` as Python values (enums as their string value)."""
    values: dict[str, Any] = {}
    for fspec in spec.fields:
        if fspec.kind == "lines":
            kind = _ACTOR_FIELDS[fspec.name]
            values[fspec.name] = [a.name for a in item.actors if a.kind is kind]
            continue
        value = getattr(item, fspec.name)
        if isinstance(value, enum.Enum):
            value = value.value
        if fspec.name == "cluster_id" and value is not None:
            value = str(value)
        values[fspec.name] = value
    return values


def _snapshot(spec: GroupSpec, item: Any) -> dict[str, Any]:
    snap = {k: _json_value(v) for k, v in _item_values(spec, item).items()}
    if spec.key == "focus" and item.cluster is not None:
        snap["cluster_name"] = item.cluster.name
    return snap


def _editable_part(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k != "cluster_name"}


def _to_item(spec: GroupSpec, item: Any) -> KenndatenItem:
    values = _item_values(spec, item)
    if spec.key == "focus":
        values["cluster_name"] = item.cluster.name if item.cluster is not None else ""
    return KenndatenItem(
        group=spec.key,
        id=item.id,
        version=item.version,
        values=values,
        source=item.source,
        as_of=item.as_of,
        is_demo=item.is_demo,
        updated_at=item.updated_at,
    )


def item_title(group: str, values: Mapping[str, Any]) -> str:
    """A short German title for an item (used in histories and confirmations)."""
    if group in ("contacts", "enterprises", "memberships"):
        return str(values.get("name") or "")
    if group == "staff":
        return f"Jahr {values.get('year')}"
    if group == "investments":
        sector = GROUPS["investments"].field("sector")
        kind = GROUPS["investments"].field("kind")
        return " – ".join(
            [
                dict(sector.choices).get(str(values.get("sector")), str(values.get("sector"))),
                dict(kind.choices).get(str(values.get("kind")), str(values.get("kind"))),
                str(values.get("year")),
            ]
        )
    if group == "council":
        return f"{values.get('party')} ({values.get('election_date')})"
    if group == "focus":
        focus = dict(GROUPS["focus"].field("focus").choices).get(str(values.get("focus")), "")
        return f"{values.get('cluster_name') or values.get('cluster_id')} – {focus}"
    return ""


# --------------------------------------------------------------------------- reads


def list_kenndaten(session: Session, principal: Principal, municipality_id: int) -> KenndatenView:
    """All Kenndaten of one municipality.

    Raises :class:`AccessDeniedError` unless the principal may view the municipality's
    confidential data (district roles; Kommune users for their own municipality only),
    :class:`NotFoundError` for an unknown municipality.
    """
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    municipality = _require_municipality(session, municipality_id)
    groups: dict[str, tuple[KenndatenItem, ...]] = {}
    for spec in GROUPS.values():
        model = spec.model
        stmt = select(model).where(model.municipality_id == municipality_id)
        stmt = stmt.order_by(*_order_by(spec))
        groups[spec.key] = tuple(_to_item(spec, row) for row in session.scalars(stmt))
    from cockpit.services.profile import population_of

    population = population_of(session, municipality_id)
    return KenndatenView(
        municipality_id=municipality.id,
        ags=municipality.ags,
        name=municipality.name,
        groups=groups,
        cluster_choices=cluster_choices(session),
        staff_benchmark=_staff_benchmark(session, municipality, groups["staff"]),
        population=population.value if population else None,
        can_edit=authz.may(principal, Permission.EDIT_KENNDATEN, municipality_id),
    )


def _order_by(spec: GroupSpec) -> tuple[Any, ...]:
    model = spec.model
    if spec.key == "staff":
        return (model.year,)
    if spec.key == "investments":
        return (model.sector, model.kind, model.year, model.id)
    if spec.key == "council":
        return (model.election_date.desc(), model.seats.desc(), model.party)
    if spec.key == "focus":
        return (model.cluster_id, model.focus, model.id)
    return (model.name, model.id)


def _staff_benchmark(
    session: Session, municipality: Municipality, own_staff: Sequence[KenndatenItem]
) -> StaffBenchmark | None:
    """Median staff per 1.000 inhabitants over the district, for the own latest year.

    Staff counts are confidential, so only the median over at least
    :data:`authz.MIN_AGGREGATE_GROUP` municipalities leaves this function (no single values).
    """
    if not own_staff:
        return None
    from cockpit.services.profile import population_by_municipality

    year = max(int(item.values["year"]) for item in own_staff)
    rows = session.execute(
        select(StaffCount.municipality_id, StaffCount.headcount)
        .join(Municipality, Municipality.id == StaffCount.municipality_id)
        .where(StaffCount.year == year, Municipality.district_id == municipality.district_id)
    ).all()
    population = population_by_municipality(session, municipality.district_id)
    ratios = {
        mid: headcount * 1000.0 / population[mid].value
        for mid, headcount in rows
        if mid in population and population[mid].value
    }
    if len(ratios) < authz.MIN_AGGREGATE_GROUP:
        return None
    return StaffBenchmark(
        year=year,
        own_per_1000=ratios.get(municipality.id),
        median_per_1000=statistics.median(ratios.values()),
        municipality_count=len(ratios),
    )


# --------------------------------------------------------------------------- writes


def _load_item(session: Session, spec: GroupSpec, municipality_id: int, item_id: int) -> Any:
    model = spec.model
    item = session.scalars(
        select(model).where(model.id == item_id, model.municipality_id == municipality_id)
    ).one_or_none()
    if item is None:
        # Deleted meanwhile, or an id of another municipality (untrusted input): same answer.
        log.warning("%s %s not found for municipality %s", spec.entity, item_id, municipality_id)
        raise ConflictError(
            f"{spec.entity} {item_id} missing in municipality {municipality_id}",
            "Der Datensatz wurde inzwischen gelöscht oder existiert nicht. "
            "Bitte laden Sie die Seite neu.",
        )
    return item


def _user_id(session: Session, principal: Principal) -> int | None:
    return principal.user_id if session.get(User, principal.user_id) is not None else None


def _check_unique(
    session: Session,
    spec: GroupSpec,
    municipality_id: int,
    item_id: int | None,
    clean: Mapping[str, object],
) -> None:
    model = spec.model
    if spec.key == "staff":
        stmt = select(model.id).where(model.year == clean["year"])
        message, fieldname = f"Für das Jahr {clean['year']} ist bereits ein Wert erfasst.", "year"
    elif spec.key == "council":
        stmt = select(model.id).where(
            model.election_date == clean["election_date"], model.party == clean["party"]
        )
        message = "Für diese Partei/Liste und diesen Wahltag ist bereits ein Eintrag erfasst."
        fieldname = "party"
    elif spec.key == "focus":
        stmt = select(model.id).where(
            model.cluster_id == int(str(clean["cluster_id"])),
            model.focus == FocusKind(str(clean["focus"])),
        )
        message = "Dieser Schwerpunkt ist für das Themencluster bereits erfasst."
        fieldname = "focus"
    else:
        return
    stmt = stmt.where(model.municipality_id == municipality_id)
    if item_id is not None:
        stmt = stmt.where(model.id != item_id)
    if session.scalars(stmt).first() is not None:
        raise KenndatenValidationError(f"duplicate {spec.key} item", {fieldname: message})


def _apply(spec: GroupSpec, item: Any, clean: Mapping[str, object]) -> None:
    for fspec in spec.fields:
        value = clean[fspec.name]
        if fspec.kind == "lines":
            continue
        if fspec.kind == "choice":
            if fspec.name == "cluster_id":
                value = int(str(value))
            elif value is not None:
                enum_cls = getattr(spec.model, fspec.name).type.enum_class
                value = enum_cls(str(value))
        if fspec.kind in ("text", "longtext", "email", "phone") and value is None:
            value = ""
        setattr(item, fspec.name, value)
    if spec.key == "focus":
        wanted = [
            (name, kind)
            for fieldname, kind in _ACTOR_FIELDS.items()
            for name in clean[fieldname]  # type: ignore[attr-defined]
        ]
        current = {(a.name, a.kind): a for a in item.actors}
        item.actors = [current.get(key) or FocusActor(name=key[0], kind=key[1]) for key in wanted]


def _record(
    session: Session,
    principal: Principal,
    user_id: int | None,
    municipality_id: int,
    spec: GroupSpec,
    entity_id: int,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> None:
    session.add(
        ChangeRecord(
            at=utcnow(),
            user_id=user_id,
            user_name=principal.display_name or principal.username,
            municipality_id=municipality_id,
            entity=spec.entity,
            entity_id=entity_id,
            action=action,
            old_values=old,
            new_values=new,
        )
    )


def save_item(
    session: Session,
    principal: Principal,
    municipality_id: int,
    group: str,
    item_id: int | None,
    values: Mapping[str, object],
    expected_version: int | None,
) -> KenndatenItem:
    """Create (``item_id`` None) or update one Kenndaten item and record the change.

    Raises :class:`AccessDeniedError` without ``EDIT_KENNDATEN``,
    :class:`KenndatenValidationError` (per-field German messages) for bad values,
    :class:`ConflictError` when ``expected_version`` is not the stored version (nothing is
    overwritten). Commits on success, rolls back on every error.
    """
    authz.require(principal, Permission.EDIT_KENNDATEN, municipality_id)
    spec = get_group(group)
    try:
        _require_municipality(session, municipality_id)
        choices = cluster_choices(session) if spec.key == "focus" else ()
        clean = validate_values(spec, values, choices)
        user_id = _user_id(session, principal)
        if item_id is None:
            item = spec.model(municipality_id=municipality_id, version=1, is_demo=False)
            if spec.key == "focus":
                item.actors = []
            _check_unique(session, spec, municipality_id, None, clean)
            _apply(spec, item, clean)
            item.updated_by_id = user_id
            session.add(item)
            session.flush()
            session.refresh(item)
            action, old = "create", None
        else:
            if expected_version is None:
                raise ValidationError(
                    f"update of {spec.entity} {item_id} without version",
                    "Dem Formular fehlt die Versionsnummer. Bitte laden Sie die Seite neu.",
                )
            item = _load_item(session, spec, municipality_id, item_id)
            if item.version != expected_version:
                raise ConflictError(
                    f"{spec.entity} {item_id}: form version {expected_version}, "
                    f"stored {item.version}"
                )
            old = _snapshot(spec, item)
            _check_unique(session, spec, municipality_id, item_id, clean)
            _apply(spec, item, clean)
            if _editable_part(_snapshot(spec, item)) == _editable_part(old):
                session.rollback()  # nothing changed: no new version, no change record
                return _to_item(spec, _load_item(session, spec, municipality_id, item_id))
            # Force one UPDATE of the row (bumps ``version`` even if only actors changed).
            item.updated_at = utcnow()
            item.updated_by_id = user_id
            session.flush()
            session.refresh(item)
            action = "update"
        new = _snapshot(spec, item)
        _record(session, principal, user_id, municipality_id, spec, item.id, action, old, new)
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        log.warning("optimistic lock failed for %s %s: %s", spec.entity, item_id, exc)
        raise ConflictError(f"stale {spec.entity} {item_id}: {exc}") from exc
    except IntegrityError as exc:
        session.rollback()
        log.warning("integrity error saving %s: %s", spec.entity, exc.orig)
        raise ValidationError(
            f"integrity error saving {spec.entity}: {exc.orig}",
            "Der Eintrag widerspricht einem vorhandenen Datensatz (doppelter Eintrag?).",
        ) from exc
    except CockpitError:
        session.rollback()
        raise
    log.info(
        "kenndaten %s: %s %s id=%s municipality=%s by %s",
        action,
        spec.entity,
        item_title(spec.key, new),
        item.id,
        municipality_id,
        principal.log_ref,
    )
    return _to_item(spec, item)


def delete_item(
    session: Session,
    principal: Principal,
    municipality_id: int,
    group: str,
    item_id: int,
    expected_version: int,
) -> None:
    """Delete one item (old values stay in the history). Same errors as :func:`save_item`."""
    authz.require(principal, Permission.EDIT_KENNDATEN, municipality_id)
    spec = get_group(group)
    try:
        item = _load_item(session, spec, municipality_id, item_id)
        if item.version != expected_version:
            raise ConflictError(
                f"delete {spec.entity} {item_id}: form version {expected_version}, "
                f"stored {item.version}"
            )
        old = _snapshot(spec, item)
        user_id = _user_id(session, principal)
        session.delete(item)
        session.flush()
        _record(session, principal, user_id, municipality_id, spec, item_id, "delete", old, None)
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(f"stale delete {spec.entity} {item_id}: {exc}") from exc
    except CockpitError:
        session.rollback()
        raise
    log.info(
        "kenndaten delete: %s id=%s municipality=%s by %s",
        spec.entity,
        item_id,
        municipality_id,
        principal.log_ref,
    )


# --------------------------------------------------------------------------- history


def _history_entry(record: ChangeRecord) -> HistoryEntry:
    spec = _group_for_entity(record.entity)
    old = record.old_values or {}
    new = record.new_values or {}
    changes: list[FieldChange] = []
    if spec is not None:
        for fspec in spec.fields:
            before, after = old.get(fspec.name), new.get(fspec.name)
            if record.action == "update" and before == after:
                continue
            if record.action != "update" and _is_empty(before) and _is_empty(after):
                continue
            changes.append(FieldChange(fspec.name, fspec.label, before, after))
    group = spec.key if spec else record.entity
    return HistoryEntry(
        id=record.id,
        at=record.at,
        user_name=record.user_name,
        action=record.action,
        action_label=ACTION_LABELS.get(record.action, record.action),
        group=group,
        entity_label=ENTITY_LABELS.get(record.entity, record.entity),
        entity_id=record.entity_id,
        title=item_title(group, new or old),
        changes=tuple(changes),
    )


def item_history(
    session: Session, principal: Principal, municipality_id: int, group: str, item_id: int
) -> list[HistoryEntry]:
    """Change history of one item, newest first (also for deleted items)."""
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    spec = get_group(group)
    records = session.scalars(
        select(ChangeRecord)
        .where(
            ChangeRecord.municipality_id == municipality_id,
            ChangeRecord.entity == spec.entity,
            ChangeRecord.entity_id == item_id,
        )
        .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
    )
    return [_history_entry(r) for r in records]


def municipality_history(
    session: Session, principal: Principal, municipality_id: int, limit: int = 50
) -> list[HistoryEntry]:
    """The latest Kenndaten changes of one municipality, newest first."""
    authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    entities = [spec.entity for spec in GROUPS.values()]
    records = session.scalars(
        select(ChangeRecord)
        .where(ChangeRecord.municipality_id == municipality_id, ChangeRecord.entity.in_(entities))
        .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    return [_history_entry(r) for r in records]


# --------------------------------------------------------------------------- Themencluster


@dataclass(frozen=True)
class ClusterEntry:
    """One municipality's focus in a theme cluster."""

    municipality_id: int
    ags: str
    name: str
    focus: str
    focus_label: str
    description: str
    actors: Mapping[str, tuple[str, ...]]  # ActorKind label -> names
    is_demo: bool


@dataclass(frozen=True)
class ClusterCount:
    """Municipalities per cluster; ``None`` = suppressed (1–4, shown only as "weniger als 5")."""

    cluster_id: int
    name: str
    current: int | None
    future: int | None


@dataclass(frozen=True)
class ClusterOverview:
    """The Themencluster lens: who has a cluster as current or future focus.

    ``entries`` holds only municipalities the principal may see Kenndaten of; the counts
    are district-wide aggregates. ``complete`` says whether ``entries`` is the full list;
    ``any_demo`` whether any counted record is demo data (so aggregates get the demo note).
    """

    cluster_id: int | None
    cluster_name: str
    entries: tuple[ClusterEntry, ...]
    current_count: int | None
    future_count: int | None
    counts: tuple[ClusterCount, ...]
    complete: bool
    any_demo: bool = False


def cluster_overview(
    session: Session, principal: Principal, cluster_id: int | None
) -> ClusterOverview:
    """Which municipalities have ``cluster_id`` as focus (scoped), plus counts per cluster.

    ``cluster_id`` is untrusted; ``None`` or an unknown id selects the first cluster.
    """
    authz.require(principal, Permission.VIEW_PUBLIC)
    scope = authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)
    clusters = session.scalars(
        select(ThemeCluster).order_by(ThemeCluster.sort_order, ThemeCluster.name)
    ).all()
    counts_raw: dict[tuple[int, FocusKind], set[int]] = {}
    any_demo = False
    for cid, mid, focus, is_demo in session.execute(
        select(
            ClusterFocus.cluster_id,
            ClusterFocus.municipality_id,
            ClusterFocus.focus,
            ClusterFocus.is_demo,
        )
    ):
        counts_raw.setdefault((cid, focus), set()).add(mid)
        any_demo = any_demo or bool(is_demo)

    def count(cid: int, focus: FocusKind) -> int | None:
        # Counts of a confidential field single out municipalities when small: principals
        # without district-wide access get them only from authz.MIN_AGGREGATE_GROUP upwards.
        n = len(counts_raw.get((cid, focus), ()))
        if scope.all_municipalities or n == 0 or n >= authz.MIN_AGGREGATE_GROUP:
            return n
        return None

    counts = tuple(
        ClusterCount(c.id, c.name, count(c.id, FocusKind.CURRENT), count(c.id, FocusKind.FUTURE))
        for c in clusters
    )
    selected = next((c for c in clusters if c.id == cluster_id), clusters[0] if clusters else None)
    if selected is None:
        return ClusterOverview(None, "", (), 0, 0, counts, scope.all_municipalities, any_demo)
    stmt = (
        select(ClusterFocus, Municipality)
        .join(Municipality, Municipality.id == ClusterFocus.municipality_id)
        .where(ClusterFocus.cluster_id == selected.id)
        .where(scope.clause(ClusterFocus.__table__.c.municipality_id))
        .order_by(Municipality.name, ClusterFocus.focus)
    )
    entries = []
    for focus_item, municipality in session.execute(stmt):
        actors: dict[str, tuple[str, ...]] = {}
        for kind in ActorKind:
            names = tuple(a.name for a in focus_item.actors if a.kind is kind)
            if names:
                actors[kind.label] = names
        entries.append(
            ClusterEntry(
                municipality_id=municipality.id,
                ags=municipality.ags,
                name=municipality.name,
                focus=focus_item.focus.value,
                focus_label=focus_item.focus.label,
                description=focus_item.description,
                actors=actors,
                is_demo=focus_item.is_demo,
            )
        )
    selected_count = next(c for c in counts if c.cluster_id == selected.id)
    return ClusterOverview(
        cluster_id=selected.id,
        cluster_name=selected.name,
        entries=tuple(entries),
        current_count=selected_count.current,
        future_count=selected_count.future,
        counts=counts,
        complete=scope.all_municipalities,
        any_demo=any_demo,
    )
