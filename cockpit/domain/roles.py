"""Roles, permissions and the principal that every service call carries."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    KOMMUNE = "kommune"
    KREIS_REDAKTION = "kreis_redaktion"
    ANALYSE = "analyse"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.KOMMUNE: "Kommune",
    Role.KREIS_REDAKTION: "Kreis-Redaktion",
    Role.ANALYSE: "Analyse",
    Role.ADMIN: "Admin",
}


class Permission(enum.StrEnum):
    """What a principal may do; scoped permissions also need a municipality."""

    VIEW_PUBLIC = "view_public"  # public statistics of every municipality
    VIEW_CONFIDENTIAL = "view_confidential"  # Kenndaten, internal indicators, areas (scoped)
    VIEW_DISTRICT_INTERNAL = "view_district_internal"  # district-internal indicators
    EDIT_KENNDATEN = "edit_kenndaten"
    EDIT_AREAS = "edit_areas"
    PROPOSE_AREAS = "propose_areas"  # scoped: own municipality only
    REVIEW_AREAS = "review_areas"
    IMPORT_DATA = "import_data"
    EXPORT_DATA = "export_data"  # scoped by what the principal may view
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    MANAGE_JOBS = "manage_jobs"  # see and cancel every user's background jobs


# Permissions that hold for every municipality ("district-wide") per role.
DISTRICT_WIDE: dict[Role, frozenset[Permission]] = {
    Role.KOMMUNE: frozenset({Permission.VIEW_PUBLIC}),
    Role.KREIS_REDAKTION: frozenset(
        {
            Permission.VIEW_PUBLIC,
            Permission.VIEW_CONFIDENTIAL,
            Permission.VIEW_DISTRICT_INTERNAL,
            Permission.EDIT_KENNDATEN,
            Permission.EDIT_AREAS,
            Permission.REVIEW_AREAS,
            Permission.IMPORT_DATA,
            Permission.EXPORT_DATA,
        }
    ),
    Role.ANALYSE: frozenset(
        {
            Permission.VIEW_PUBLIC,
            Permission.VIEW_CONFIDENTIAL,
            Permission.VIEW_DISTRICT_INTERNAL,
            Permission.EXPORT_DATA,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Permission.VIEW_PUBLIC,
            Permission.MANAGE_USERS,
            Permission.VIEW_AUDIT,
            Permission.MANAGE_JOBS,
        }
    ),
}

# Permissions a role holds only for its assigned municipalities.
OWN_MUNICIPALITY: dict[Role, frozenset[Permission]] = {
    Role.KOMMUNE: frozenset(
        {Permission.VIEW_CONFIDENTIAL, Permission.PROPOSE_AREAS, Permission.EXPORT_DATA}
    ),
    Role.KREIS_REDAKTION: frozenset(),
    Role.ANALYSE: frozenset(),
    Role.ADMIN: frozenset(),
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: the authenticated user as the services see it."""

    user_id: int
    username: str
    role: Role
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    display_name: str = ""

    @property
    def is_district(self) -> bool:
        return self.role in (Role.KREIS_REDAKTION, Role.ANALYSE)

    @property
    def log_ref(self) -> str:
        """How log lines name this user: by account id, never by name (personal data)."""
        return f"user#{self.user_id}"

    def has_district_wide(self, permission: Permission) -> bool:
        return permission in DISTRICT_WIDE[self.role]

    def may(self, permission: Permission, municipality_id: int | None = None) -> bool:
        if self.has_district_wide(permission):
            return True
        if municipality_id is None:
            return False
        return (
            permission in OWN_MUNICIPALITY[self.role] and municipality_id in self.municipality_ids
        )


SYSTEM = Principal(user_id=0, username="system", role=Role.KREIS_REDAKTION, display_name="System")
