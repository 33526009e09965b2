"""The demo accounts: one per role, with fixed, documented passwords (demo only).

Demo passwords (fixed, documented, for demonstrations only -- never use them productively;
they must not contain the user name, so "Demo-Kreis-…" is not possible for ``kreis``):
``kreis`` / ``Demo-Redaktion-2026!``, ``analyse`` / ``Demo-Auswertung-2026!``, ``admin`` /
``Demo-Verwaltung-2026!``, ``kommune.goerlitz`` / ``Demo-Goerlitz-2026!``, ``kommune.zittau`` /
``Demo-Zittau-2026!``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cockpit.domain.roles import SYSTEM, Role
from cockpit.models import Municipality, User
from cockpit.services import audit
from cockpit.services.users import hash_password, validate_password


@dataclass(frozen=True)
class DemoUserSpec:
    """One demo account; the password is fixed and documented (demo only)."""

    username: str
    password: str
    role: Role
    display_name: str
    municipality_ags: tuple[str, ...] = ()


DEMO_USERS: tuple[DemoUserSpec, ...] = (
    DemoUserSpec("kreis", "Demo-Redaktion-2026!", Role.KREIS_REDAKTION, "Kreis-Redaktion (Demo)"),
    DemoUserSpec("analyse", "Demo-Auswertung-2026!", Role.ANALYSE, "Analyse (Demo)"),
    DemoUserSpec("admin", "Demo-Verwaltung-2026!", Role.ADMIN, "Administration (Demo)"),
    DemoUserSpec(
        "kommune.goerlitz",
        "Demo-Goerlitz-2026!",
        Role.KOMMUNE,
        "Stadt Görlitz (Demo)",
        ("14626110",),
    ),
    DemoUserSpec(
        "kommune.zittau", "Demo-Zittau-2026!", Role.KOMMUNE, "Stadt Zittau (Demo)", ("14626610",)
    ),
)
GOERLITZ_AGS = "14626110"
ZITTAU_AGS = "14626610"


def slugify(text: str) -> str:
    """ASCII slug for e-mail addresses: ``Weißwasser/O.L.`` -> ``weisswasser-o-l``."""
    lowered = text.lower()
    for umlaut, ascii_text in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        lowered = lowered.replace(umlaut, ascii_text)
    plain = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def create_demo_user(
    session: Session, spec: DemoUserSpec, municipalities: Sequence[Municipality]
) -> User:
    """Create one demo account in the caller's transaction (no commit).

    Uses the users service's password policy and argon2 hashing and audits the creation;
    ``cockpit.services.users.create_user`` itself commits, which would split the demo's
    single transaction.
    """
    validate_password(spec.password, username=spec.username)
    user = User(
        username=spec.username,
        display_name=spec.display_name,
        email=f"{slugify(spec.username)}@demo.invalid",
        password_hash=hash_password(spec.password),
        role=spec.role,
        is_active=True,
        is_demo=True,
        must_change_password=False,
        session_generation=1,
        municipalities=list(municipalities),
    )
    session.add(user)
    audit.record(
        session,
        actor=SYSTEM,
        action=audit.USER_CREATED,
        target=spec.username,
        details={
            "role": spec.role.value,
            "municipalities": [m.ags for m in municipalities],
            "demo": True,
        },
    )
    return user
