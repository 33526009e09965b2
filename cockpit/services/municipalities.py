"""The municipalities a principal may choose from (filters, forms, page headings)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.roles import Permission, Principal
from cockpit.models import Municipality
from cockpit.services import authz


@dataclass(frozen=True)
class MunicipalityChoice:
    """One municipality of a choice list."""

    id: int
    ags: str
    name: str


def municipality_choices(
    session: Session, principal: Principal, permission: Permission = Permission.VIEW_CONFIDENTIAL
) -> list[MunicipalityChoice]:
    """The municipalities ``principal`` may access with ``permission``, by name; one query.

    The default is the permission of the area data: a Kommune user gets its own municipality,
    the district roles all of them, a role without the permission an empty list.
    """
    scope = authz.scope_for(principal, permission)
    if scope.is_empty:
        return []
    stmt = select(Municipality.id, Municipality.ags, Municipality.name).where(
        scope.clause(Municipality.__table__.c.id)
    )
    rows = session.execute(stmt).all()
    choices = [MunicipalityChoice(mid, ags, name) for mid, ags, name in rows]
    return sorted(choices, key=lambda c: (c.name.casefold(), c.ags))
