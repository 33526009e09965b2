"""The audit log: who did what, when, from where (append-only, see ``AuditLog``).

``record`` adds an entry to the caller's transaction (it never commits on its own unless
asked to), so an audited change and its audit entry are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from cockpit.domain.errors import ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.models.user import AuditLog
from cockpit.services import authz
from cockpit.services.unit_of_work import transaction

log = logging.getLogger(__name__)

# Actions (stored values) and their German labels for the admin view.
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOCKOUT = "login_locked"
LOGOUT = "logout"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an action name)
PASSWORD_RESET = "password_reset"  # noqa: S105
USER_CREATED = "user_created"
ROLE_CHANGED = "role_changed"
MUNICIPALITIES_ASSIGNED = "municipalities_assigned"
USER_DEACTIVATED = "user_deactivated"
USER_REACTIVATED = "user_reactivated"
ACCESS_DENIED = "access_denied"
EXPORT = "export"  # map snapshots, Steckbriefe, tables (cockpit.services.exports)

# Actions whose target is an account name (kept in the audit table, not in the app log).
ACCOUNT_ACTIONS: frozenset[str] = frozenset(
    {
        LOGIN,
        LOGIN_FAILED,
        LOCKOUT,
        LOGOUT,
        PASSWORD_CHANGED,
        PASSWORD_RESET,
        USER_CREATED,
        ROLE_CHANGED,
        MUNICIPALITIES_ASSIGNED,
        USER_DEACTIVATED,
        USER_REACTIVATED,
    }
)

ACTION_LABELS: dict[str, str] = {
    LOGIN: "Anmeldung",
    LOGIN_FAILED: "fehlgeschlagene Anmeldung",
    LOCKOUT: "Anmeldung gesperrt (zu viele Versuche)",
    LOGOUT: "Abmeldung",
    PASSWORD_CHANGED: "Passwort geändert",
    PASSWORD_RESET: "Passwort zurückgesetzt",
    USER_CREATED: "Benutzer angelegt",
    ROLE_CHANGED: "Rolle geändert",
    MUNICIPALITIES_ASSIGNED: "Gemeinden zugeordnet",
    USER_DEACTIVATED: "Benutzer deaktiviert",
    USER_REACTIVATED: "Benutzer reaktiviert",
    ACCESS_DENIED: "Zugriff verweigert",
    EXPORT: "Export",
}

OUTCOME_LABELS: dict[str, str] = {
    "ok": "erfolgreich",
    "failed": "fehlgeschlagen",
    "denied": "abgewiesen",
}

MAX_PER_PAGE = 200


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    target: str = "",
    ip: str = "",
    details: Mapping[str, Any] | None = None,
    outcome: str = "ok",
    message: str = "",
    actor_name: str = "",
    commit: bool = False,
) -> AuditLog:
    """Add one audit entry to ``session`` (committed only with ``commit=True``).

    ``actor`` is ``None`` for anonymous events (failed logins); ``actor_name`` then names
    what the anonymous client claimed to be (the user name typed into the login form).
    """
    entry = AuditLog(
        actor_id=actor.user_id if actor is not None else None,
        actor_name=(actor.username if actor is not None else actor_name)[:200],
        action=action[:50],
        target=target[:200],
        ip=ip[:64],
        details=dict(details or {}),
        outcome=outcome[:20],
        message=message,
    )
    with transaction(session, f"audit {action}") if commit else nullcontext():
        session.add(entry)
    # The application log is read more widely than the audit table: it names the acting
    # account by id only, and leaves out targets that are account names (and what an
    # anonymous client typed as user name: sometimes a password).
    log.info(
        "audit: action=%s outcome=%s actor_id=%s target=%s ip=%s",
        action,
        outcome,
        entry.actor_id if entry.actor_id is not None else "-",
        "(Benutzerkonto)" if action in ACCOUNT_ACTIONS else target,
        ip,
    )
    return entry


@dataclass(frozen=True)
class AuditEntry:
    """One audit log line as the admin view shows it."""

    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    action: str
    action_label: str
    target: str
    ip: str
    outcome: str
    outcome_label: str
    details: dict[str, Any]
    message: str


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_entries(
    session: Session,
    principal: Principal,
    *,
    action: str = "",
    user: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Audit entries, newest first, filtered by action, actor/target name and date (inclusive).

    Requires ``VIEW_AUDIT``. Raises :class:`ValidationError` for an unknown action, a date
    range that ends before it starts, or a page size outside 1..200.
    """
    authz.require(principal, Permission.VIEW_AUDIT)
    if action and action not in ACTION_LABELS:
        raise ValidationError(
            f"unknown audit action {action!r}", "Unbekannte Aktion im Filter.", field="action"
        )
    if date_from and date_to and date_to < date_from:
        raise ValidationError(
            f"date_to {date_to} before date_from {date_from}",
            "Das Enddatum liegt vor dem Anfangsdatum.",
            field="date_to",
        )
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"per_page={per_page}", "Ungültige Seitengröße.", field="per_page")
    page = max(1, page)

    conditions: list[ColumnElement[bool]] = []
    if action:
        conditions.append(AuditLog.action == action)
    if user:
        pattern = f"%{user.strip().lower()}%"
        conditions.append(
            func.lower(AuditLog.actor_name).like(pattern)
            | func.lower(AuditLog.target).like(pattern)
        )
    if date_from:
        conditions.append(AuditLog.at >= _start_of(date_from))
    if date_to:
        conditions.append(AuditLog.at < _start_of(date_to + dt.timedelta(days=1)))

    total = session.scalar(select(func.count()).select_from(AuditLog).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditLog)
        .where(*conditions)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    entries = [
        AuditEntry(
            id=row.id,
            at=row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC),
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            action=row.action,
            action_label=ACTION_LABELS.get(row.action, row.action),
            target=row.target,
            ip=row.ip,
            outcome=row.outcome,
            outcome_label=OUTCOME_LABELS.get(row.outcome, row.outcome),
            details=dict(row.details or {}),
            message=row.message,
        )
        for row in rows
    ]
    return AuditPage(entries=entries, total=total, page=page, per_page=per_page)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
