"""Looking up area records by (untrusted) id: authorization before any state is revealed.

An id outside the principal's scope gives :class:`AccessDeniedError` whether the record
exists, is deleted or not; :class:`NotFoundError` (and "deleted") only reaches principals who
would be allowed to see the record, i.e. who hold the permission district-wide or for its
municipality. Areas are read with ``VIEW_CONFIDENTIAL`` (:func:`area_scope`).
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from cockpit.domain.errors import NotFoundError
from cockpit.domain.roles import Permission, Principal
from cockpit.models import AreaPotential, AreaProposal, Survey
from cockpit.services import authz
from cockpit.services.authz import Scope

AREA_MUNICIPALITY: ColumnElement[int] = AreaPotential.__table__.c.municipality_id
AREA_NOT_FOUND = "Die Fläche wurde nicht gefunden."

# Records that belong to one municipality and are looked up by id.
ScopedRecord = TypeVar("ScopedRecord", AreaPotential, AreaProposal, Survey)


def area_scope(principal: Principal) -> Scope:
    """The municipalities whose areas the principal may read."""
    return authz.scope_for(principal, Permission.VIEW_CONFIDENTIAL)


def load_in_scope(
    session: Session,
    principal: Principal,
    model: type[ScopedRecord],
    record_id: int,
    permission: Permission,
    not_found_message: str,
) -> ScopedRecord:
    """Load a municipal record by an untrusted id, authorizing before revealing anything.

    Exists and its municipality is in the principal's ``permission`` scope → the record;
    exists outside the scope → :class:`AccessDeniedError`. Does not exist →
    :class:`NotFoundError` (``not_found_message``) only for principals holding
    ``permission`` district-wide (they could see any id); everyone else gets the same
    :class:`AccessDeniedError` as for a foreign id, so ids reveal nothing. State checks
    (deleted, closed, ...) belong after this call.
    """
    record = session.get(model, record_id)
    if record is None:
        authz.require(principal, permission)
        raise NotFoundError(f"{model.__name__} {record_id} not found", not_found_message)
    authz.require(principal, permission, record.municipality_id)
    return record


def readable_area(session: Session, principal: Principal, area_id: int) -> AreaPotential:
    """An area the principal may read; deleted ones only for its editors."""
    area = load_in_scope(
        session, principal, AreaPotential, area_id, Permission.VIEW_CONFIDENTIAL, AREA_NOT_FOUND
    )
    if area.is_deleted and not principal.may(Permission.EDIT_AREAS, area.municipality_id):
        raise NotFoundError(f"area {area_id} is deleted", "Die Fläche wurde gelöscht.")
    return area


def writable_area(session: Session, principal: Principal, area_id: int) -> AreaPotential:
    """An area the principal may edit (deleted ones included)."""
    return load_in_scope(
        session, principal, AreaPotential, area_id, Permission.EDIT_AREAS, AREA_NOT_FOUND
    )
