"""Erhebungsgespräch: check with a municipality whether each of its areas is still current.

Flow: :func:`start_survey` → :func:`get_survey` (areas in order) → per area
:func:`record_outcome` (bestätigt / geändert / entfällt) or :func:`record_new_area` (neu) →
:func:`close_survey` → :func:`get_protocol` (for CSV/PDF in ``cockpit.exports.area_protocol``).

Decisions: "bestätigt" sets last confirmed at (survey date) / by / method and appends a
"confirm" version. "geändert" applies the changes and confirms in the same version.
"entfällt" soft-deletes the area (history and restore stay possible; the Geoportal export
reports it as deleted) — an area that still exists but is sold or blocked is "geändert"
with status "vermarktet" / "nicht verfügbar" instead. Conducting surveys needs EDIT_AREAS.

Surveys and areas are looked up by id with :func:`cockpit.services.areas.access.load_in_scope`
(authorization before any state such as "closed" or "deleted" is revealed).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, cast, func, or_, select
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError, ValidationError
from cockpit.domain.formatting import format_date, format_datetime, format_ha
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaSource, ConfirmationMethod, SurveyOutcome
from cockpit.models import AreaPotential, AreaVersion, Municipality, Survey, SurveyItem, User
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.areas.access import load_in_scope, writable_area
from cockpit.services.areas.editing import (
    AreaWriteResult,
    GeometryInput,
    change_area,
    check_version,
    mark_confirmed,
    mark_deleted,
    new_area,
)
from cockpit.services.areas.fields import FIELDS, display_value
from cockpit.services.areas.queries import stale_condition
from cockpit.services.config import ServiceConfig
from cockpit.services.unit_of_work import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SurveyRow:
    area_id: int
    public_id: str
    name: str
    kind_label: str
    status_label: str
    area_ha: float
    area_text: str
    version: int
    last_confirmed_at: dt.date | None
    is_deleted: bool
    outcome: SurveyOutcome | None
    outcome_label: str
    note: str


@dataclass(frozen=True)
class SurveyView:
    id: int
    municipality_id: int
    municipality_name: str
    held_on: dt.date
    held_on_text: str
    participants: str
    method: ConfirmationMethod
    method_label: str
    closed_at: dt.datetime | None
    is_closed: bool
    rows: list[SurveyRow]
    counts: dict[str, int]  # outcome value -> count, plus "offen"


@dataclass(frozen=True)
class ProtocolRow:
    public_id: str
    name: str
    kind_label: str
    area_text: str
    status_label: str
    outcome_label: str
    changes: str
    note: str


@dataclass(frozen=True)
class SurveyProtocol:
    survey_id: int
    municipality_name: str
    municipality_ags: str
    held_on_text: str
    participants: str
    method_label: str
    recorded_by: str
    closed_text: str
    rows: list[ProtocolRow]
    open_rows: list[ProtocolRow]  # areas not discussed
    counts: dict[str, int]


@dataclass(frozen=True)
class DueMunicipality:
    municipality_id: int
    name: str
    ags: str
    total: int
    due: int
    never_confirmed: int
    oldest_confirmation: dt.date | None


@dataclass(frozen=True)
class DueArea:
    area_id: int
    name: str
    municipality_name: str
    last_confirmed_text: str
    area_text: str


def _survey_tag(survey: Survey) -> str:
    return f"Erhebungsgespräch Nr. {survey.id} vom {format_date(survey.held_on)}"


def _load_survey(session: Session, principal: Principal, survey_id: int) -> Survey:
    return load_in_scope(
        session,
        principal,
        Survey,
        survey_id,
        Permission.VIEW_CONFIDENTIAL,
        "Das Gespräch wurde nicht gefunden.",
    )


def _open_survey_for_write(session: Session, principal: Principal, survey_id: int) -> Survey:
    survey = _load_survey(session, principal, survey_id)
    authz.require(principal, Permission.EDIT_AREAS, survey.municipality_id)
    if survey.closed_at is not None:
        raise ValidationError(
            f"survey {survey_id} closed",
            "Das Gespräch ist abgeschlossen; es können keine Ergebnisse mehr erfasst werden.",
        )
    return survey


def start_survey(
    session: Session,
    principal: Principal,
    municipality_id: int,
    held_on: dt.date,
    participants: str,
    method: ConfirmationMethod = ConfirmationMethod.GESPRAECH,
) -> SurveyView:
    """Start an Erhebungsgespräch with one municipality (Kreis-Redaktion)."""
    authz.require(principal, Permission.EDIT_AREAS, municipality_id)
    if session.get(Municipality, municipality_id) is None:
        raise NotFoundError(
            f"municipality {municipality_id} not found", "Die Gemeinde wurde nicht gefunden."
        )
    if not participants.strip():
        raise ValidationError(
            "no participants", "Bitte tragen Sie die Teilnehmenden ein.", field="participants"
        )
    if held_on > dt.date.today() + dt.timedelta(days=1):
        raise ValidationError(
            f"survey date in the future: {held_on}",
            "Das Gesprächsdatum liegt in der Zukunft.",
            field="held_on",
        )
    with transaction(session, what=f"survey start in {municipality_id}"):
        survey = Survey(
            municipality_id=municipality_id,
            held_on=held_on,
            participants=participants.strip(),
            method=method,
            created_by_id=principal.user_id or None,
        )
        session.add(survey)
        session.flush()
    log.info("survey %s started for municipality %s", survey.id, municipality_id)
    return get_survey(session, principal, survey.id)


def get_survey(session: Session, principal: Principal, survey_id: int) -> SurveyView:
    """The survey with all areas of the municipality in order (name) and their outcome."""
    survey = _load_survey(session, principal, survey_id)
    municipality = session.get(Municipality, survey.municipality_id)
    assert municipality is not None
    items = {i.area_id: i for i in survey.items}
    area_rows = session.scalars(
        select(AreaPotential)
        .where(
            AreaPotential.municipality_id == survey.municipality_id,
            or_(AreaPotential.is_deleted.is_(False), AreaPotential.id.in_(list(items) or [-1])),
        )
        .order_by(AreaPotential.name, AreaPotential.id)
    ).all()
    rows = []
    for area in area_rows:
        item = items.get(area.id)
        rows.append(
            SurveyRow(
                area_id=area.id,
                public_id=area.public_id,
                name=area.name,
                kind_label=area.kind.label,
                status_label=area.status.label,
                area_ha=area.area_ha,
                area_text=format_ha(area.area_ha),
                version=area.version,
                last_confirmed_at=area.last_confirmed_at,
                is_deleted=area.is_deleted,
                outcome=item.outcome if item else None,
                outcome_label=item.outcome.label if item else "offen",
                note=item.note if item else "",
            )
        )
    counts = {o.value: 0 for o in SurveyOutcome}
    for row in rows:
        key = row.outcome.value if row.outcome else "offen"
        counts[key] = counts.get(key, 0) + 1
    counts.setdefault("offen", 0)
    return SurveyView(
        id=survey.id,
        municipality_id=survey.municipality_id,
        municipality_name=municipality.name,
        held_on=survey.held_on,
        held_on_text=format_date(survey.held_on),
        participants=survey.participants,
        method=survey.method,
        method_label=survey.method.label,
        closed_at=survey.closed_at,
        is_closed=survey.closed_at is not None,
        rows=rows,
        counts=counts,
    )


def list_surveys(
    session: Session, principal: Principal, municipality_id: int | None = None
) -> list[SurveyView]:
    """Surveys the principal may see, newest first."""
    scope = authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)
    stmt = (
        select(Survey.id)
        .where(scope.clause(Survey.__table__.c.municipality_id))
        .order_by(Survey.held_on.desc(), Survey.id.desc())
    )
    if municipality_id is not None:
        authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
        stmt = stmt.where(Survey.municipality_id == municipality_id)
    return [get_survey(session, principal, sid) for sid in session.scalars(stmt)]


def record_outcome(
    session: Session,
    principal: Principal,
    survey_id: int,
    area_id: int,
    outcome: SurveyOutcome | str,
    expected_version: int,
    *,
    changes: Mapping[str, Any] | None = None,
    geometry: GeometryInput | None = None,
    note: str = "",
    config: ServiceConfig,
) -> AreaWriteResult:
    """Record bestätigt / geändert / entfällt for one area of the survey's municipality."""
    outcome = SurveyOutcome(outcome)
    if outcome is SurveyOutcome.NEU:
        raise ValidationError(
            "outcome neu for existing area",
            "Neue Flächen erfassen Sie mit „Neue Fläche erfassen“.",
        )
    with transaction(session, what=f"survey {survey_id} outcome for area {area_id}"):
        survey = _open_survey_for_write(session, principal, survey_id)
        area = writable_area(session, principal, area_id)
        if area.municipality_id != survey.municipality_id:
            raise ValidationError(
                f"area {area_id} not in survey municipality",
                "Die Fläche gehört nicht zur Gemeinde dieses Gesprächs.",
            )
        existing = session.scalar(
            select(SurveyItem).where(
                SurveyItem.survey_id == survey.id, SurveyItem.area_id == area_id
            )
        )
        if existing is not None:
            raise ValidationError(
                f"area {area_id} already recorded in survey {survey.id}",
                f"Für „{area.name}“ wurde in diesem Gespräch bereits "
                f"„{existing.outcome.label}“ erfasst.",
            )
        if area.is_deleted:
            raise ValidationError(f"area {area_id} deleted", "Die Fläche ist gelöscht.")
        check_version(area, expected_version)
        tag = _survey_tag(survey)
        reason = f"{tag}: {outcome.label}" + (f" – {note.strip()}" if note.strip() else "")
        by = survey.participants[:200]
        warnings: tuple[str, ...] = ()
        if outcome is SurveyOutcome.BESTAETIGT:
            mark_confirmed(session, principal, area, survey.held_on, survey.method, by, reason)
        elif outcome is SurveyOutcome.GEAENDERT:
            if not changes and geometry is None:
                raise ValidationError(
                    "geaendert without changes",
                    "Bitte geben Sie die Änderungen an (oder wählen Sie „bestätigt“).",
                )
            area.last_confirmed_at = survey.held_on
            area.last_confirmed_by = by
            area.last_confirmed_method = survey.method
            check = change_area(
                session,
                principal,
                area,
                changes or {},
                geometry,
                action="update",
                reason=reason,
                config=config,
            )
            warnings = check.warnings if check else ()
        else:
            mark_deleted(session, principal, area, reason)
        session.add(SurveyItem(survey_id=survey.id, area_id=area.id, outcome=outcome, note=note))
        session.flush()
    log.info("survey %s: area %s %s", survey_id, area_id, outcome.value)
    return AreaWriteResult.of(area, warnings)


def record_new_area(
    session: Session,
    principal: Principal,
    survey_id: int,
    attributes: Mapping[str, Any],
    geometry: GeometryInput,
    *,
    note: str = "",
    config: ServiceConfig,
) -> AreaWriteResult:
    """Capture an area the Geoportal lacks ("neu"); it counts as confirmed on the survey date."""
    with transaction(session, what=f"survey {survey_id} new area"):
        survey = _open_survey_for_write(session, principal, survey_id)
        tag = _survey_tag(survey)
        area, check = new_area(
            session,
            principal,
            {**attributes, "municipality_id": survey.municipality_id},
            geometry,
            source=AreaSource.GESPRAECH,
            reason=f"{tag}: neu" + (f" – {note.strip()}" if note.strip() else ""),
            confirmed=(survey.held_on, survey.participants[:200], survey.method),
            config=config,
        )
        session.add(
            SurveyItem(survey_id=survey.id, area_id=area.id, outcome=SurveyOutcome.NEU, note=note)
        )
        session.flush()
    return AreaWriteResult.of(area, check.warnings)


def close_survey(session: Session, principal: Principal, survey_id: int) -> SurveyProtocol:
    """Close the survey (no further records) and return its protocol."""
    with transaction(session, what=f"survey {survey_id} close"):
        survey = _open_survey_for_write(session, principal, survey_id)
        survey.closed_at = utcnow()
    log.info("survey %s closed by %s", survey_id, principal.log_ref)
    return get_protocol(session, principal, survey_id)


def _changes_text(session: Session, survey: Survey, area_id: int, municipality: str) -> str:
    tag = _survey_tag(survey)
    version = session.scalar(
        select(AreaVersion)
        .where(
            AreaVersion.area_id == area_id,
            AreaVersion.action == "update",
            AreaVersion.reason.like(f"{tag}:%"),
        )
        .order_by(AreaVersion.version.desc())
        .limit(1)
    )
    if version is None:
        return ""
    before = session.scalar(
        select(AreaVersion).where(
            AreaVersion.area_id == area_id, AreaVersion.version == version.version - 1
        )
    )
    old = before.attributes if before else {}
    new = version.attributes
    parts = [
        f"{spec.label}: {display_value(spec.name, old.get(spec.name), municipality)} → "
        f"{display_value(spec.name, new[spec.name], municipality)}"
        for spec in FIELDS
        if not spec.confirmation and spec.name in new and old.get(spec.name) != new[spec.name]
    ]
    if before is not None and not before.geom.equals(version.geom):
        parts.append("Geometrie geändert")
    return "; ".join(parts)


def get_protocol(session: Session, principal: Principal, survey_id: int) -> SurveyProtocol:
    """Protocol data: header and what was confirmed / changed / dropped / added."""
    survey = _load_survey(session, principal, survey_id)
    view = get_survey(session, principal, survey_id)
    municipality = session.get(Municipality, survey.municipality_id)
    assert municipality is not None
    rows: list[ProtocolRow] = []
    open_rows: list[ProtocolRow] = []
    for row in view.rows:
        protocol_row = ProtocolRow(
            public_id=row.public_id,
            name=row.name,
            kind_label=row.kind_label,
            area_text=row.area_text,
            status_label=row.status_label,
            outcome_label=row.outcome_label,
            changes=(
                _changes_text(session, survey, row.area_id, municipality.name)
                if row.outcome is SurveyOutcome.GEAENDERT
                else ""
            ),
            note=row.note,
        )
        (rows if row.outcome else open_rows).append(protocol_row)
    creator = session.get(User, survey.created_by_id) if survey.created_by_id else None
    return SurveyProtocol(
        survey_id=survey.id,
        municipality_name=municipality.name,
        municipality_ags=municipality.ags,
        held_on_text=format_date(survey.held_on),
        participants=survey.participants,
        method_label=survey.method.label,
        recorded_by=(creator.display_name or creator.username) if creator else "",
        closed_text=format_datetime(survey.closed_at) if survey.closed_at else "noch offen",
        rows=rows,
        open_rows=open_rows,
        counts=view.counts,
    )


def list_due(
    session: Session,
    principal: Principal,
    municipality_id: int | None = None,
    *,
    config: ServiceConfig,
    today: dt.date | None = None,
) -> tuple[list[DueMunicipality], list[DueArea]]:
    """Areas not confirmed within the stale period: per municipality and one by one."""
    today = today or dt.date.today()
    scope = authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)
    if scope.is_empty:
        authz.require(principal, Permission.VIEW_CONFIDENTIAL)
    if municipality_id is not None:
        authz.require(principal, Permission.VIEW_CONFIDENTIAL, municipality_id)
    due_expr = stale_condition(today, config.stale_after_days)
    conds = [
        scope.clause(AreaPotential.__table__.c.municipality_id),
        AreaPotential.is_deleted.is_(False),
    ]
    if municipality_id is not None:
        conds.append(AreaPotential.municipality_id == municipality_id)
    summary = session.execute(
        select(
            Municipality.id,
            Municipality.name,
            Municipality.ags,
            func.count(AreaPotential.id),
            func.sum(cast(due_expr, Integer)),
            func.sum(cast(AreaPotential.last_confirmed_at.is_(None), Integer)),
            func.min(AreaPotential.last_confirmed_at),
        )
        .join(AreaPotential, AreaPotential.municipality_id == Municipality.id)
        .where(*conds)
        .group_by(Municipality.id, Municipality.name, Municipality.ags)
        .order_by(Municipality.name)
    ).all()
    per_municipality = [
        DueMunicipality(r[0], r[1], r[2], int(r[3]), int(r[4] or 0), int(r[5] or 0), r[6])
        for r in summary
    ]
    due_rows = session.execute(
        select(
            AreaPotential.id,
            AreaPotential.name,
            Municipality.name,
            AreaPotential.last_confirmed_at,
            AreaPotential.area_ha,
        )
        .join(Municipality, Municipality.id == AreaPotential.municipality_id)
        .where(*conds, due_expr)
        .order_by(Municipality.name, AreaPotential.last_confirmed_at, AreaPotential.name)
    ).all()
    due = [
        DueArea(r[0], r[1], r[2], format_date(r[3]) if r[3] else "nie bestätigt", format_ha(r[4]))
        for r in due_rows
    ]
    return per_municipality, due
