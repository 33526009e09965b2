"""Proposals of the municipalities and their review by the Kreis-Redaktion.

A Kommune user (``Permission.PROPOSE_AREAS``, own municipality only) proposes a new area
or a correction of an existing one; nothing changes until the Kreis-Redaktion
(``Permission.REVIEW_AREAS``) accepts it (applied as a new version, source "vorschlag") or
rejects it with a reason. Only accepted data counts as current.

Areas and proposals are looked up by id with
:func:`cockpit.services.areas.access.load_in_scope`:
authorization first, so a foreign id answers "keine Berechtigung" whether it exists, is
deleted or already reviewed; "not found"/"deleted" only for ids the principal may access.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ConflictError, NotFoundError, ValidationError
from cockpit.domain.formatting import format_datetime, format_ha
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import AreaSource, ReviewState
from cockpit.models import AreaPotential, AreaProposal, Municipality, User
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.areas.access import AREA_NOT_FOUND, load_in_scope
from cockpit.services.areas.editing import (
    AreaWriteResult,
    GeometryInput,
    change_area,
    check_geometry,
    check_version,
    new_area,
)
from cockpit.services.areas.fields import (
    FIELD_LABELS,
    display_value,
    json_ready,
    normalize_attributes,
    snapshot,
)
from cockpit.services.config import ServiceConfig
from cockpit.services.unit_of_work import transaction
from layers.area_geometry import to_web_geometries
from layers.crs import area_ha

log = logging.getLogger(__name__)

KIND_LABELS = {"new": "neue Fläche", "correction": "Korrektur"}


@dataclass(frozen=True)
class ProposalInfo:
    id: int
    municipality_id: int
    municipality_name: str
    area_id: int | None
    area_name: str
    kind: str  # "new" | "correction"
    kind_label: str
    state: ReviewState
    state_label: str
    comment: str
    proposed_by_name: str
    created_at: dt.datetime
    created_text: str
    base_version: int | None
    reviewed_at: dt.datetime | None
    review_reason: str
    has_geometry: bool


@dataclass(frozen=True)
class FieldDiff:
    key: str
    label: str
    old_text: str
    new_text: str


@dataclass(frozen=True)
class ProposalReview:
    """Old vs. new side by side (attribute diff and both geometries, EPSG:4326)."""

    proposal: ProposalInfo
    diffs: list[FieldDiff]
    old_geojson: dict[str, Any] | None
    new_geojson: dict[str, Any] | None
    old_area_ha: float | None
    new_area_ha: float | None
    current_version: int | None
    outdated: bool  # the area changed after the proposal was made
    warnings: tuple[str, ...]


def _proposal_area(
    session: Session, principal: Principal, proposal: AreaProposal
) -> AreaPotential | None:
    """The area a correction refers to, in its CURRENT state — ``None`` for new-area
    proposals and when the area has since been re-assigned to a municipality outside the
    principal's scope (the proposing Kommune must not see a foreign area's state)."""
    area = session.get(AreaPotential, proposal.area_id) if proposal.area_id else None
    if area is None or not authz.may(principal, Permission.VIEW_CONFIDENTIAL, area.municipality_id):
        return None
    return area


def _info(session: Session, principal: Principal, proposal: AreaProposal) -> ProposalInfo:
    municipality = session.get(Municipality, proposal.municipality_id)
    area = _proposal_area(session, principal, proposal)
    user = session.get(User, proposal.proposed_by_id) if proposal.proposed_by_id else None
    kind = "correction" if proposal.area_id else "new"
    name = area.name if area else str(proposal.attributes.get("name", ""))
    return ProposalInfo(
        id=proposal.id,
        municipality_id=proposal.municipality_id,
        municipality_name=municipality.name if municipality else "",
        area_id=proposal.area_id,
        area_name=name,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        state=proposal.state,
        state_label=proposal.state.label,
        comment=proposal.comment,
        proposed_by_name=(user.display_name or user.username) if user else "",
        created_at=proposal.created_at,
        created_text=format_datetime(proposal.created_at),
        base_version=proposal.base_version,
        reviewed_at=proposal.reviewed_at,
        review_reason=proposal.review_reason,
        has_geometry=proposal.geom is not None,
    )


def propose_area(
    session: Session,
    principal: Principal,
    municipality_id: int,
    attributes: Mapping[str, Any],
    geometry: GeometryInput,
    *,
    comment: str = "",
    config: ServiceConfig,
) -> ProposalInfo:
    """A municipality proposes a new area (validated now, applied only when accepted)."""
    authz.require(principal, Permission.PROPOSE_AREAS, municipality_id)
    values = normalize_attributes({**attributes, "municipality_id": municipality_id}, partial=False)
    with transaction(session, what=f"proposal of a new area in {municipality_id}"):
        check = check_geometry(session, principal, geometry, municipality_id, config=config)
        info = _record_proposal(
            session,
            principal,
            AreaProposal(
                municipality_id=municipality_id,
                area_id=None,
                base_version=None,
                attributes=json_ready(values),
                geom=check.geometry,
                comment=comment.strip(),
            ),
        )
    log.info("proposal %s (new area) by %s", info.id, principal.log_ref)
    return info


def _record_proposal(
    session: Session, principal: Principal, proposal: AreaProposal
) -> ProposalInfo:
    """Store ``proposal`` as open, made by ``principal`` (inside the caller's transaction)."""
    proposal.state = ReviewState.OPEN
    proposal.proposed_by_id = principal.user_id or None
    session.add(proposal)
    session.flush()
    return _info(session, principal, proposal)


def propose_correction(
    session: Session,
    principal: Principal,
    area_id: int,
    base_version: int,
    attributes: Mapping[str, Any],
    geometry: GeometryInput | None = None,
    *,
    comment: str = "",
    config: ServiceConfig,
) -> ProposalInfo:
    """A municipality proposes changes to one of its areas (attributes and/or geometry)."""
    area = load_in_scope(
        session,
        principal,
        AreaPotential,
        area_id,
        Permission.PROPOSE_AREAS,
        AREA_NOT_FOUND,
    )
    if area.is_deleted:
        raise NotFoundError(f"area {area_id} is deleted", "Die Fläche wurde gelöscht.")
    values = normalize_attributes(attributes, partial=True)
    if values.get("municipality_id", area.municipality_id) != area.municipality_id:
        raise ValidationError(
            "proposal moves area to another municipality",
            "Eine Fläche kann per Vorschlag nicht einer anderen Gemeinde zugeordnet werden.",
            field="municipality_id",
        )
    current = snapshot(area)
    changed = {k: v for k, v in json_ready(values).items() if current.get(k) != v}
    if not changed and geometry is None:
        raise ValidationError(
            "proposal without changes",
            "Der Vorschlag enthält keine Änderung gegenüber dem aktuellen Stand.",
        )
    with transaction(session, what=f"proposal for area {area.id}"):
        geom = None
        if geometry is not None:
            geom = check_geometry(
                session,
                principal,
                geometry,
                area.municipality_id,
                exclude_area_id=area.id,
                config=config,
            ).geometry
        info = _record_proposal(
            session,
            principal,
            AreaProposal(
                municipality_id=area.municipality_id,
                area_id=area.id,
                base_version=base_version,
                attributes=changed,
                geom=geom,
                comment=comment.strip(),
            ),
        )
    log.info("proposal %s (correction of area %s) by %s", info.id, area.id, principal.log_ref)
    return info


def list_proposals(
    session: Session, principal: Principal, state: ReviewState | None = ReviewState.OPEN
) -> list[ProposalInfo]:
    """Reviewers see every proposal; a Kommune sees those of its own municipality."""
    if principal.may(Permission.REVIEW_AREAS):
        scope = authz.scope_for(principal, Permission.REVIEW_AREAS)
    else:
        scope = authz.scope_for(principal, Permission.PROPOSE_AREAS)
        if scope.is_empty:
            authz.require(principal, Permission.REVIEW_AREAS)
    stmt = (
        select(AreaProposal)
        .where(scope.clause(AreaProposal.__table__.c.municipality_id))
        .order_by(AreaProposal.created_at, AreaProposal.id)
    )
    if state is not None:
        stmt = stmt.where(AreaProposal.state == state)
    return [_info(session, principal, p) for p in session.scalars(stmt)]


def _load_proposal(
    session: Session, principal: Principal, proposal_id: int, permission: Permission
) -> AreaProposal:
    return load_in_scope(
        session,
        principal,
        AreaProposal,
        proposal_id,
        permission,
        "Der Vorschlag wurde nicht gefunden.",
    )


def get_proposal_review(
    session: Session,
    principal: Principal,
    proposal_id: int,
    *,
    config: ServiceConfig,
) -> ProposalReview:
    """Old vs. new for the reviewer (or for the proposing municipality, read-only)."""
    # Reviewers (district-wide) see every proposal, a Kommune those of its municipality.
    reader = (
        Permission.REVIEW_AREAS
        if authz.may(principal, Permission.REVIEW_AREAS)
        else Permission.PROPOSE_AREAS
    )
    proposal = _load_proposal(session, principal, proposal_id, reader)
    area = _proposal_area(session, principal, proposal)
    old = snapshot(area) if area else {}
    municipality = session.get(Municipality, proposal.municipality_id)
    mname = municipality.name if municipality else ""
    keys = [k for k in proposal.attributes if k != "municipality_id" or area is None]
    diffs = [
        FieldDiff(
            key=k,
            label=FIELD_LABELS.get(k, k),
            old_text=display_value(k, old.get(k), mname) if area else "–",
            new_text=display_value(k, proposal.attributes[k], mname),
        )
        for k in keys
        if not area or old.get(k) != proposal.attributes[k]
    ]
    geoms = [g for g in (area.geom if area else None, proposal.geom) if g is not None]
    web = iter(to_web_geometries(geoms, metric_crs=config.metric_crs, tolerance_m=0))
    old_gj = _feature(next(web), "alt") if area else None
    new_gj = _feature(next(web), "neu") if proposal.geom is not None else None
    warnings: list[str] = []
    outdated = bool(area and proposal.base_version and area.version != proposal.base_version)
    if outdated:
        warnings.append(
            "Die Fläche wurde nach dem Vorschlag geändert; bitte prüfen Sie den aktuellen Stand."
        )
    if proposal.geom is not None:
        old_ha = area.area_ha if area else None
        new_ha = area_ha(proposal.geom, config.metric_crs)
        diffs.append(
            FieldDiff(
                "geometry", "Geometrie", format_ha(old_ha) if area else "–", format_ha(new_ha)
            )
        )
    return ProposalReview(
        proposal=_info(session, principal, proposal),
        diffs=diffs,
        old_geojson=old_gj,
        new_geojson=new_gj,
        old_area_ha=area.area_ha if area else None,
        new_area_ha=area_ha(proposal.geom, config.metric_crs)
        if proposal.geom is not None
        else None,
        current_version=area.version if area else None,
        outdated=outdated,
        warnings=tuple(warnings),
    )


def _feature(geometry: dict[str, Any], role: str) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"role": role}}


def _require_open(proposal: AreaProposal) -> None:
    if proposal.state is not ReviewState.OPEN:
        raise ValidationError(
            f"proposal {proposal.id} is {proposal.state.value}",
            f"Der Vorschlag wurde bereits bearbeitet ({proposal.state.label}).",
        )


def accept_proposal(
    session: Session,
    principal: Principal,
    proposal_id: int,
    *,
    expected_version: int | None = None,
    reason: str = "",
    config: ServiceConfig,
) -> AreaWriteResult:
    """Apply a proposal as a new version (source "vorschlag").

    ``expected_version`` is the area version shown in the review (corrections); a
    mismatch raises :class:`ConflictError`.
    """
    proposal = _load_proposal(session, principal, proposal_id, Permission.REVIEW_AREAS)
    authz.require(principal, Permission.EDIT_AREAS, proposal.municipality_id)
    _require_open(proposal)
    note = reason.strip() or f"Vorschlag Nr. {proposal.id} angenommen"
    with transaction(session, what=f"proposal {proposal.id} accept"):
        if proposal.area_id is None:
            area, check = new_area(
                session,
                principal,
                proposal.attributes,
                proposal.geom if proposal.geom is not None else _missing_geometry(),
                source=AreaSource.VORSCHLAG,
                action="proposal",
                reason=note,
                config=config,
            )
            proposal.area_id = area.id
            warnings = check.warnings
        else:
            area_or_none = session.get(AreaPotential, proposal.area_id)
            if area_or_none is None or area_or_none.is_deleted:
                raise ValidationError(
                    "area of proposal gone", "Die Fläche des Vorschlags ist gelöscht."
                )
            area = area_or_none
            if expected_version is not None:
                check_version(area, expected_version)
            elif proposal.base_version is not None and area.version != proposal.base_version:
                raise ConflictError(
                    f"area {area.id} changed since proposal {proposal.id}",
                    "Die Fläche wurde nach dem Vorschlag geändert. Bitte prüfen Sie den "
                    "Vorschlag gegen den aktuellen Stand und bestätigen Sie erneut.",
                )
            changed = change_area(
                session,
                principal,
                area,
                proposal.attributes,
                proposal.geom,
                action="proposal",
                reason=note,
                source=AreaSource.VORSCHLAG,
                config=config,
            )
            warnings = changed.warnings if changed else ()
        proposal.state = ReviewState.ACCEPTED
        proposal.reviewed_by_id = principal.user_id or None
        proposal.reviewed_at = utcnow()
        proposal.review_reason = reason.strip()
    log.info("proposal %s accepted by %s -> area %s", proposal.id, principal.log_ref, area.id)
    return AreaWriteResult.of(area, warnings)


def _missing_geometry() -> GeometryInput:
    raise ValidationError("new-area proposal without geometry", "Der Vorschlag hat keine Fläche.")


def reject_proposal(
    session: Session, principal: Principal, proposal_id: int, reason: str
) -> ProposalInfo:
    """Reject a proposal; the reason is mandatory and shown to the municipality."""
    proposal = _load_proposal(session, principal, proposal_id, Permission.REVIEW_AREAS)
    if not reason.strip():
        raise ValidationError(
            "rejection without reason",
            "Bitte geben Sie einen Grund für die Ablehnung an.",
            field="reason",
        )
    _require_open(proposal)
    with transaction(session, what=f"proposal {proposal.id} reject"):
        proposal.state = ReviewState.REJECTED
        proposal.reviewed_by_id = principal.user_id or None
        proposal.reviewed_at = utcnow()
        proposal.review_reason = reason.strip()
        session.flush()
        info = _info(session, principal, proposal)
    log.info("proposal %s rejected by %s", proposal.id, principal.log_ref)
    return info
