"""Audit entries of exports and the principal lookups of the export entry points."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError, NotFoundError
from cockpit.domain.roles import Principal
from cockpit.models import User
from cockpit.services import audit, profile
from cockpit.services.exports.provenance import require_export

EXPORT: Final = audit.EXPORT  # audit action


def record_export(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    target: str,
    details: Mapping[str, Any],
    ip: str = "",
) -> None:
    """Write the audit entry of an export (committed; one entry per delivered file)."""
    require_export(principal)
    audit.record(
        session,
        actor=principal,
        action=EXPORT,
        target=f"{kind}:{target}"[:200],
        ip=ip,
        details=dict(details),
        commit=True,
    )


def municipality_id_for_ags(session: Session, principal: Principal, ags: str) -> int:
    """Resolve an (untrusted) AGS (see :func:`profile.municipality_id_for_ags`)."""
    return profile.municipality_id_for_ags(session, principal, ags)


def principal_for_username(session: Session, username: str) -> Principal:
    """The principal of an active user (for the CLI ``--user``: shell access acts as them).

    Raises :class:`NotFoundError` for an unknown and :class:`AccessDeniedError` for a
    deactivated account.
    """
    name = username.strip().lower()
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFoundError(f"no user {name!r}", f"Ein Benutzerkonto „{username}“ gibt es nicht.")
    if not user.is_active:
        raise AccessDeniedError(
            f"user {name!r} is deactivated", f"Das Benutzerkonto „{username}“ ist deaktiviert."
        )
    return user.to_principal()
