"""THE authorization point: every read and write of municipal data passes through here.

Services call :func:`require` (one municipality) or :func:`scope_for` (lists); a
:class:`Scope` can only be made here, and queries of municipal data take one, so a query
without an authorization decision cannot be written by accident.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, true

from cockpit.domain.errors import AccessDeniedError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import Visibility

log = logging.getLogger(__name__)

_TOKEN = object()

# Disclosure control: figures the principal may not see one by one (other municipalities'
# confidential values) are shown only aggregated over at least this many municipalities.
MIN_AGGREGATE_GROUP = 5
T = TypeVar("T", bound=tuple[Any, ...])


@dataclass(frozen=True)
class Scope:
    """The municipalities one principal may access with one permission."""

    permission: Permission
    all_municipalities: bool
    municipality_ids: frozenset[int]
    _token: object = None

    def __post_init__(self) -> None:
        if self._token is not _TOKEN:
            raise TypeError("Scope objects are created by cockpit.services.authz only")

    def allows(self, municipality_id: int) -> bool:
        return self.all_municipalities or municipality_id in self.municipality_ids

    def clause(self, column: ColumnElement[int]) -> ColumnElement[bool]:
        """SQL condition restricting ``column`` (a municipality id) to this scope."""
        if self.all_municipalities:
            return column.is_not(None)
        if not self.municipality_ids:
            return false()
        return column.in_(sorted(self.municipality_ids))

    def apply(self, statement: Select[T], column: ColumnElement[int]) -> Select[T]:
        return statement.where(self.clause(column))

    @property
    def is_empty(self) -> bool:
        return not self.all_municipalities and not self.municipality_ids


def _make_scope(permission: Permission, everything: bool, ids: Iterable[int]) -> Scope:
    return Scope(permission, everything, frozenset(ids), _TOKEN)


def scope_for(principal: Principal, permission: Permission) -> Scope:
    """The municipalities ``principal`` may access with ``permission`` (maybe none)."""
    if principal.has_district_wide(permission):
        return _make_scope(permission, True, ())
    ids = [m for m in principal.municipality_ids if principal.may(permission, m)]
    return _make_scope(permission, False, ids)


def require(
    principal: Principal, permission: Permission, municipality_id: int | None = None
) -> None:
    """Raise :class:`AccessDeniedError` unless ``principal`` holds ``permission``.

    ``municipality_id`` is untrusted input (URL, dropdown, store); ``None`` asks for the
    permission district-wide.
    """
    if principal.may(permission, municipality_id):
        return
    log.warning(
        "access denied: user=%s role=%s permission=%s municipality=%s",
        principal.log_ref,
        principal.role.value,
        permission.value,
        municipality_id,
    )
    raise AccessDeniedError(
        f"{principal.log_ref} lacks {permission.value} for municipality {municipality_id}"
    )


def may(principal: Principal, permission: Permission, municipality_id: int | None = None) -> bool:
    """Like :func:`require` but answers instead of raising (for hiding UI elements)."""
    return principal.may(permission, municipality_id)


def indicator_scope(principal: Principal, visibility: Visibility) -> Scope:
    """Whose values of an indicator with ``visibility`` the principal may see."""
    if visibility is Visibility.PUBLIC:
        return scope_for(principal, Permission.VIEW_PUBLIC)
    if visibility is Visibility.DISTRICT_INTERNAL:
        return scope_for(principal, Permission.VIEW_DISTRICT_INTERNAL)
    return scope_for(principal, Permission.VIEW_CONFIDENTIAL)


def visible_indicator_visibilities(principal: Principal) -> set[Visibility]:
    """Visibilities of which the principal may see at least one value."""
    return {v for v in Visibility if not indicator_scope(principal, v).is_empty}


def job_clause(principal: Principal, owner_column: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL condition for the background jobs ``principal`` may see: all of them with
    MANAGE_JOBS (Admin), otherwise only the jobs the principal started."""
    if principal.has_district_wide(Permission.MANAGE_JOBS):
        return true()
    return owner_column == principal.user_id


def may_job(
    principal: Principal,
    owner_id: int | None,
    result_needs: Iterable[Permission] | None = None,
) -> bool:
    """Like :func:`require_job` but answers instead of raising (for hiding UI elements)."""
    owner = owner_id is not None and owner_id == principal.user_id
    if result_needs is None:
        return owner or principal.has_district_wide(Permission.MANAGE_JOBS)
    return owner and all(principal.has_district_wide(p) for p in result_needs)


def require_job(
    principal: Principal,
    owner_id: int | None,
    result_needs: Iterable[Permission] | None = None,
) -> None:
    """Raise :class:`AccessDeniedError` unless ``principal`` may act on a job of ``owner_id``.

    Status and cancel (``result_needs`` None): the owner, or an Admin (MANAGE_JOBS). The
    result file: the owner only, and only while still holding every permission of
    ``result_needs`` district-wide (a user whose role changed since keeps no access).
    """
    if may_job(principal, owner_id, result_needs):
        return
    log.warning(
        "access denied: user=%s role=%s job of user#%s (%s)",
        principal.log_ref,
        principal.role.value,
        owner_id,
        "result" if result_needs is not None else "status/cancel",
    )
    raise AccessDeniedError(
        f"{principal.log_ref} may not access a job of user#{owner_id}",
        "Sie haben keine Berechtigung für diesen Auftrag.",
    )
