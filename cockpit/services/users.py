"""User accounts: authentication, password policy, roles and municipality assignments.

Passwords are hashed with argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane; hashes
made with other parameters are upgraded at the next successful login). Every change is
audited in the same transaction. User administration needs ``MANAGE_USERS`` or the
``SYSTEM`` principal (CLI, demo).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cockpit.domain.errors import NotFoundError, ValidationError
from cockpit.domain.roles import SYSTEM, Permission, Principal, Role
from cockpit.models.geo import Municipality
from cockpit.models.user import User
from cockpit.services import audit, authz
from cockpit.services.unit_of_work import transaction

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified when the user name is unknown, so that the answer takes as long as for a real one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# --------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class MunicipalityRef:
    id: int
    ags: str
    name: str


@dataclass(frozen=True)
class UserInfo:
    """A user as the admin pages and the CLI show it (never the password hash)."""

    id: int
    username: str
    display_name: str
    email: str
    role: Role
    is_active: bool
    is_demo: bool
    must_change_password: bool
    last_login_at: dt.datetime | None
    municipalities: tuple[MunicipalityRef, ...]

    @property
    def role_label(self) -> str:
        return self.role.label


@dataclass(frozen=True)
class SessionState:
    """What the login session needs to know about a user on every request."""

    principal: Principal
    generation: int
    must_change_password: bool
    municipality_ags: tuple[str, ...]  # assigned municipalities, ordered by name


# --------------------------------------------------------------------------- password policy


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def is_common_password(password: str) -> bool:
    """True if ``password`` (or its core without trailing digits/symbols) is a common one."""
    lowered = password.strip().lower()
    common = _common_passwords()
    if lowered in common:
        return True
    core = lowered.rstrip(string.digits + string.punctuation + " ")
    return len(core) >= 4 and core in common


def validate_password(password: str, *, username: str = "") -> None:
    """Raise :class:`ValidationError` (German message, field ``password``) if too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"password too short ({len(password)} characters)",
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            "password too long",
            f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen lang sein.",
            field="password",
        )
    if len(set(password)) < 4:
        raise ValidationError(
            "password has fewer than 4 distinct characters",
            "Das Passwort besteht aus zu wenigen verschiedenen Zeichen.",
            field="password",
        )
    name = username.strip().lower()
    lowered = password.strip().lower()
    if name and name in {lowered, lowered.rstrip(string.digits + string.punctuation + " ")}:
        raise ValidationError(
            "password equals the user name",
            "Das Passwort darf nicht der Benutzername sein.",
            field="password",
        )
    if is_common_password(password):
        raise ValidationError(
            "password is on the common-password list",
            "Dieses Passwort ist zu verbreitet und leicht zu erraten. "
            "Bitte wählen Sie ein anderes.",
            field="password",
        )


def generate_password(length: int = 16) -> str:
    """A random password that passes the policy (for one-time passwords and the demo)."""
    alphabet = string.ascii_letters + string.digits + "-_.!?"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            try:
                validate_password(candidate)
            except ValidationError:
                continue
            return candidate


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --------------------------------------------------------------------------- helpers


def normalize_username(username: str) -> str:
    return username.strip().lower()


def _require_user_admin(principal: Principal) -> None:
    """User administration: the SYSTEM principal (CLI, demo) or ``MANAGE_USERS``."""
    if principal == SYSTEM:
        return
    authz.require(principal, Permission.MANAGE_USERS)


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, options=[selectinload(User.municipalities)])
    if user is None:
        raise NotFoundError(f"user {user_id} not found", "Der Benutzer wurde nicht gefunden.")
    return user


def _admin_get_user(session: Session, principal: Principal, user_id: int) -> User:
    """Authorize user administration, then load the account (raises NotFoundError)."""
    _require_user_admin(principal)
    return _get_user(session, user_id)


def _audit_user_change(
    session: Session,
    principal: Principal,
    user: User,
    action: str,
    *,
    ip: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Audit a change of ``user`` made by ``principal`` and commit it with the change."""
    with transaction(session, f"user {user.username} {action}"):
        audit.record(
            session, actor=principal, action=action, target=user.username, ip=ip, details=details
        )


def _audit_anonymous(
    session: Session, name: str, action: str, *, ip: str, outcome: str, details: dict[str, Any]
) -> None:
    """Audit (and commit) an event of a client not logged in that claimed to be ``name``."""
    audit.record(
        session,
        actor=None,
        actor_name=name,
        action=action,
        target=name,
        ip=ip,
        outcome=outcome,
        details=details,
        commit=True,
    )


def _load_municipalities(session: Session, municipality_ids: Iterable[int]) -> list[Municipality]:
    ids = sorted(set(municipality_ids))
    if not ids:
        return []
    found = session.scalars(select(Municipality).where(Municipality.id.in_(ids))).all()
    missing = set(ids) - {m.id for m in found}
    if missing:
        raise ValidationError(
            f"unknown municipality ids {sorted(missing)}",
            "Mindestens eine der gewählten Gemeinden gibt es nicht.",
            field="municipalities",
        )
    return sorted(found, key=lambda m: m.name)


def _check_assignment(role: Role, municipalities: list[Municipality]) -> None:
    if role is Role.KOMMUNE and not municipalities:
        raise ValidationError(
            "role kommune without municipality",
            "Benutzer mit der Rolle „Kommune“ brauchen mindestens eine zugeordnete Gemeinde.",
            field="municipalities",
        )
    if role is not Role.KOMMUNE and municipalities:
        raise ValidationError(
            f"role {role.value} with municipalities",
            "Gemeinden werden nur Benutzern mit der Rolle „Kommune“ zugeordnet.",
            field="municipalities",
        )


def _to_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        is_active=user.is_active,
        is_demo=user.is_demo,
        must_change_password=user.must_change_password,
        last_login_at=user.last_login_at,
        municipalities=tuple(MunicipalityRef(m.id, m.ags, m.name) for m in user.municipalities),
    )


def _active_admin_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.is_active.is_(True))
        )
        or 0
    )


def _refuse_last_admin(session: Session, user: User) -> None:
    if user.role is Role.ADMIN and user.is_active and _active_admin_count(session) <= 1:
        raise ValidationError(
            f"refusing to remove the last active admin user#{user.id}",
            "Der letzte aktive Admin kann weder seine Rolle verlieren noch deaktiviert werden.",
            field="role",
        )


# --------------------------------------------------------------------------- authentication


def authenticate(session: Session, username: str, password: str, *, ip: str) -> Principal | None:
    """The principal for valid credentials of an active user, else ``None``.

    Always verifies one argon2 hash (a dummy one for unknown names), so the response time
    does not tell whether an account exists. Audits the success or failure and commits.
    """
    name = normalize_username(username)[:100]
    user = session.scalar(
        select(User).options(selectinload(User.municipalities)).where(User.username == name)
    )
    if user is None:
        _verify(_DUMMY_HASH, password)
        _audit_anonymous(
            session,
            name,
            audit.LOGIN_FAILED,
            ip=ip,
            outcome="failed",
            details={"reason": "unknown_user"},
        )
        return None
    verified = _verify(user.password_hash, password)
    if not verified or not user.is_active:
        reason = "wrong_password" if not verified else "inactive"
        _audit_anonymous(
            session, name, audit.LOGIN_FAILED, ip=ip, outcome="failed", details={"reason": reason}
        )
        return None
    with transaction(session, f"login of user#{user.id}"):
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at = dt.datetime.now(dt.UTC)
        principal = user.to_principal()
        audit.record(session, actor=principal, action=audit.LOGIN, target=name, ip=ip)
    return principal


def load_session_state(session: Session, user_id: int) -> SessionState | None:
    """The login-session view of an active user (``None`` if unknown or deactivated).

    Called on every request by the session loader; the role and the assignments always
    come fresh from the database, so changes take effect at the next request.
    """
    user = session.get(User, user_id, options=[selectinload(User.municipalities)])
    if user is None or not user.is_active:
        return None
    return SessionState(
        principal=user.to_principal(),
        generation=user.session_generation,
        must_change_password=user.must_change_password,
        municipality_ags=tuple(m.ags for m in user.municipalities),
    )


def end_sessions(session: Session, principal: Principal, *, ip: str = "") -> None:
    """Log out: invalidate every session of the principal's own account and audit it."""
    with transaction(session, f"logout of user#{principal.user_id}"):
        user = session.get(User, principal.user_id)
        if user is not None:
            user.session_generation += 1
        audit.record(
            session, actor=principal, action=audit.LOGOUT, target=principal.username, ip=ip
        )


def record_lockout(session: Session, username: str, *, ip: str, limit: str) -> None:
    """Audit a login attempt refused by the throttle (the account may or may not exist)."""
    name = normalize_username(username)[:100]
    _audit_anonymous(
        session, name, audit.LOCKOUT, ip=ip, outcome="denied", details={"limit": limit}
    )


# --------------------------------------------------------------------------- own account


def change_password(
    session: Session,
    principal: Principal,
    *,
    current_password: str,
    new_password: str,
    ip: str = "",
) -> int:
    """Change the principal's own password; returns the new session generation.

    Every other session of the account becomes invalid. Raises :class:`ValidationError`
    (field ``current_password`` or ``password``) without changing anything.
    """
    user = _get_user(session, principal.user_id)
    if not _verify(user.password_hash, current_password):
        audit.record(
            session,
            actor=principal,
            action=audit.PASSWORD_CHANGED,
            target=user.username,
            ip=ip,
            outcome="failed",
            details={"reason": "wrong_current_password"},
            commit=True,
        )
        raise ValidationError(
            f"wrong current password for user#{user.id}",
            "Das bisherige Passwort ist nicht korrekt.",
            field="current_password",
        )
    validate_password(new_password, username=user.username)
    if _verify(user.password_hash, new_password):
        raise ValidationError(
            "new password equals the old one",
            "Das neue Passwort muss sich vom bisherigen unterscheiden.",
            field="password",
        )
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_generation += 1
    _audit_user_change(session, principal, user, audit.PASSWORD_CHANGED, ip=ip)
    return user.session_generation


# --------------------------------------------------------------------------- administration


def create_user(
    session: Session,
    principal: Principal,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    email: str = "",
    municipality_ids: Iterable[int] = (),
    is_demo: bool = False,
    must_change_password: bool = False,
    ip: str = "",
) -> User:
    """Create an account (``SYSTEM`` or ``MANAGE_USERS``). Kommune users need municipalities.

    Raises :class:`ValidationError` for a bad or taken user name, a weak password, an unknown
    municipality or an assignment that does not fit the role; nothing is written then.
    """
    _require_user_admin(principal)
    name = normalize_username(username)
    if not USERNAME_PATTERN.match(name):
        raise ValidationError(
            f"invalid username {username!r}",
            "Der Benutzername muss 2 bis 100 Zeichen lang sein und darf nur Kleinbuchstaben, "
            "Ziffern sowie . _ @ - enthalten.",
            field="username",
        )
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ValidationError(
            f"username {name} exists",
            f"Der Benutzername „{name}“ ist bereits vergeben.",
            field="username",
        )
    role = Role(role)
    municipalities = _load_municipalities(session, municipality_ids)
    _check_assignment(role, municipalities)
    validate_password(password, username=name)
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip()):
        raise ValidationError(
            f"invalid e-mail {email!r}",
            "Die E-Mail-Adresse ist ungültig.",
            field="email",
        )
    user = User(
        username=name,
        display_name=display_name.strip()[:200],
        email=email.strip()[:200],
        password_hash=hash_password(password),
        role=role,
        is_active=True,
        is_demo=is_demo,
        must_change_password=must_change_password,
        session_generation=1,
        municipalities=municipalities,
    )
    with transaction(session, f"user {name} create"):
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor=principal,
            action=audit.USER_CREATED,
            target=name,
            ip=ip,
            details={"role": role.value, "municipalities": [m.ags for m in municipalities]},
        )
    return user


def list_users(session: Session, principal: Principal) -> list[UserInfo]:
    """All accounts, ordered by user name (``MANAGE_USERS``)."""
    _require_user_admin(principal)
    users = session.scalars(
        select(User).options(selectinload(User.municipalities)).order_by(User.username)
    ).all()
    return [_to_info(u) for u in users]


def get_user(session: Session, principal: Principal, user_id: int) -> UserInfo:
    """One account (``MANAGE_USERS``); raises :class:`NotFoundError`."""
    return _to_info(_admin_get_user(session, principal, user_id))


def find_user_id(session: Session, principal: Principal, username: str) -> int:
    """The id of the account named ``username`` (``MANAGE_USERS``); raises NotFoundError."""
    _require_user_admin(principal)
    user_id = session.scalar(select(User.id).where(User.username == normalize_username(username)))
    if user_id is None:
        raise NotFoundError(
            f"user {username!r} not found",
            f"Den Benutzer „{username}“ gibt es nicht.",
        )
    return user_id


def list_assignable_municipalities(session: Session, principal: Principal) -> list[MunicipalityRef]:
    """Municipalities for the assignment form (``MANAGE_USERS``), ordered by name."""
    _require_user_admin(principal)
    rows = session.execute(
        select(Municipality.id, Municipality.ags, Municipality.name).order_by(Municipality.name)
    ).all()
    return [MunicipalityRef(r.id, r.ags, r.name) for r in rows]


def municipality_ids_for_ags(
    session: Session, principal: Principal, ags_list: Iterable[str]
) -> list[int]:
    """Map AGS keys to municipality ids (``MANAGE_USERS``); unknown keys are refused."""
    _require_user_admin(principal)
    wanted = [a.strip() for a in ags_list]
    rows: dict[str, int] = {
        ags: municipality_id
        for ags, municipality_id in session.execute(
            select(Municipality.ags, Municipality.id).where(Municipality.ags.in_(wanted))
        )
    }
    missing = [a for a in wanted if a not in rows]
    if missing:
        raise ValidationError(
            f"unknown AGS {missing}",
            f"Unbekannter Gemeindeschlüssel (AGS): {', '.join(missing)}.",
            field="municipalities",
        )
    return [rows[a] for a in wanted]


def reset_password(
    session: Session,
    principal: Principal,
    user_id: int,
    *,
    new_password: str | None = None,
    must_change: bool = True,
    ip: str = "",
) -> str:
    """Set a new password for another account; returns it (generated if not given).

    With ``must_change`` (default) the user has to choose a new password at the next login.
    All sessions of the account end.
    """
    user = _admin_get_user(session, principal, user_id)
    password = new_password if new_password is not None else generate_password()
    validate_password(password, username=user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.session_generation += 1
    _audit_user_change(
        session, principal, user, audit.PASSWORD_RESET, ip=ip, details={"must_change": must_change}
    )
    return password


def set_role(
    session: Session,
    principal: Principal,
    user_id: int,
    role: Role,
    *,
    municipality_ids: Iterable[int] | None = None,
    ip: str = "",
) -> UserInfo:
    """Change an account's role (``MANAGE_USERS``).

    Leaving the Kommune role drops the assignments; becoming Kommune needs
    ``municipality_ids``. The last active admin cannot lose the role.
    """
    user = _admin_get_user(session, principal, user_id)
    role = Role(role)
    old = user.role
    if role is old:
        return _to_info(user)
    if old is Role.ADMIN:
        _refuse_last_admin(session, user)
    if role is Role.KOMMUNE:
        municipalities = _load_municipalities(session, municipality_ids or ())
        if not municipalities:
            municipalities = list(user.municipalities)
    else:
        municipalities = []
    _check_assignment(role, municipalities)
    user.role = role
    user.municipalities = municipalities
    _audit_user_change(
        session,
        principal,
        user,
        audit.ROLE_CHANGED,
        ip=ip,
        details={"from": old.value, "to": role.value},
    )
    return _to_info(user)


def assign_municipalities(
    session: Session,
    principal: Principal,
    user_id: int,
    municipality_ids: Iterable[int],
    *,
    ip: str = "",
) -> UserInfo:
    """Replace the municipalities of a Kommune account (``MANAGE_USERS``)."""
    user = _admin_get_user(session, principal, user_id)
    municipalities = _load_municipalities(session, municipality_ids)
    _check_assignment(user.role, municipalities)
    before = [m.ags for m in user.municipalities]
    user.municipalities = municipalities
    _audit_user_change(
        session,
        principal,
        user,
        audit.MUNICIPALITIES_ASSIGNED,
        ip=ip,
        details={"from": before, "to": [m.ags for m in municipalities]},
    )
    return _to_info(user)


def deactivate(session: Session, principal: Principal, user_id: int, *, ip: str = "") -> UserInfo:
    """Deactivate an account and end its sessions (``MANAGE_USERS``; not one's own)."""
    user = _admin_get_user(session, principal, user_id)
    if user.id == principal.user_id:
        raise ValidationError(
            "refusing to deactivate oneself",
            "Sie können Ihr eigenes Konto nicht deaktivieren.",
            field="user",
        )
    if not user.is_active:
        return _to_info(user)
    _refuse_last_admin(session, user)
    user.is_active = False
    user.session_generation += 1
    _audit_user_change(session, principal, user, audit.USER_DEACTIVATED, ip=ip)
    return _to_info(user)


def reactivate(session: Session, principal: Principal, user_id: int, *, ip: str = "") -> UserInfo:
    """Allow a deactivated account to log in again (``MANAGE_USERS``)."""
    user = _admin_get_user(session, principal, user_id)
    if user.is_active:
        return _to_info(user)
    user.is_active = True
    _audit_user_change(session, principal, user, audit.USER_REACTIVATED, ip=ip)
    return _to_info(user)
