"""The users and audit services on a real database (SQLite; PostgreSQL where marked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.errors import AccessDeniedError, ValidationError
from cockpit.domain.roles import SYSTEM, Role
from cockpit.models import AuditLog, User
from cockpit.services import audit, users
from tests.auth.support import PASSWORDS, World, seed_world


@pytest.fixture
def db(any_db_url: str) -> Iterator[Session]:
    engine = make_engine(any_db_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def world(db: Session) -> World:
    return seed_world(db)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --------------------------------------------------------------------------- password policy


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kurz", "mindestens 12 Zeichen"),
        ("x" * 257, "höchstens 256 Zeichen"),
        ("aaaaaaaaaaaaaaa", "zu wenigen verschiedenen Zeichen"),
        ("passwort1234", "zu verbreitet"),
        ("Schalke04!!!!!", "zu verbreitet"),
        ("Hallo12345678", "zu verbreitet"),
        ("qwertyuiop123", "zu verbreitet"),
        ("Passwort2026!", "zu verbreitet"),
        ("max.mustermann", "nicht der Benutzername"),
        ("Max.Mustermann2026", "nicht der Benutzername"),
    ],
)
def test_weak_passwords_are_refused_in_german(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        users.validate_password(password, username="max.mustermann")
    assert message in info.value.user_message
    assert info.value.field == "password"


def test_good_and_generated_passwords_pass() -> None:
    users.validate_password("Lausitzer-Bergland-Weg-7", username="max.mustermann")
    users.validate_password("correct horse battery staple", username="max")
    generated = {users.generate_password() for _ in range(20)}
    assert len(generated) == 20
    for password in generated:
        users.validate_password(password)
        assert len(password) == 16


def test_common_password_list_is_large_and_german() -> None:
    for word in ("passwort", "hallo123", "schalke04", "123456", "iloveyou"):
        assert users.is_common_password(word)
    assert not users.is_common_password("Lausitzer-Bergland-Weg-7")


def test_passwords_are_stored_as_argon2id(db: Session, world: World) -> None:
    stored = db.scalar(select(User.password_hash).where(User.username == "kreis"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORDS["kreis"] not in stored


# --------------------------------------------------------------------------- authentication


def test_authenticate_returns_the_principal_and_audits(db: Session, world: World) -> None:
    principal = users.authenticate(
        db, " Kommune.Goerlitz ", PASSWORDS["kommune.goerlitz"], ip="10.1.2.3"
    )
    assert principal is not None
    assert principal.role is Role.KOMMUNE
    assert principal.municipality_ids == frozenset({world.own_id})
    entry = db.scalars(select(AuditLog).where(AuditLog.action == audit.LOGIN)).one()
    assert (entry.actor_id, entry.ip, entry.outcome) == (principal.user_id, "10.1.2.3", "ok")
    assert db.scalar(select(User.last_login_at).where(User.id == principal.user_id)) is not None


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("kreis", "falsches-Passwort-1", "wrong_password"),
        ("niemand", "irgendein-Passwort-1", "unknown_user"),
    ],
)
def test_failed_authentication_is_audited(
    db: Session, world: World, username: str, password: str, reason: str
) -> None:
    assert users.authenticate(db, username, password, ip="10.9.9.9") is None
    entry = db.scalars(select(AuditLog).where(AuditLog.action == audit.LOGIN_FAILED)).one()
    assert entry.actor_id is None
    assert (entry.target, entry.outcome, entry.details["reason"]) == (username, "failed", reason)


def test_legacy_hash_parameters_are_upgraded_at_login(db: Session, world: World) -> None:
    from argon2 import PasswordHasher

    legacy = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORDS["kreis"])
    user = db.get(User, world.user_ids["kreis"])
    assert user is not None
    user.password_hash = legacy
    db.commit()
    assert users.authenticate(db, "kreis", PASSWORDS["kreis"], ip="") is not None
    db.refresh(user)
    assert user.password_hash != legacy
    assert "m=19456,t=2,p=1" in user.password_hash


# --------------------------------------------------------------------------- administration


def test_create_user_validates_everything_and_writes_nothing_on_error(
    db: Session, world: World
) -> None:
    admin = world.principals["admin"]
    before_users, before_audit = _count(db, User), _count(db, AuditLog)
    cases = [
        (dict(username="kreis", role=Role.ANALYSE), "bereits vergeben", "username"),
        (dict(username="Ä ungültig", role=Role.ANALYSE), "Benutzername", "username"),
        (dict(username="neu", role=Role.KOMMUNE), "mindestens eine", "municipalities"),
        (
            dict(username="neu", role=Role.ANALYSE, municipality_ids=[world.own_id]),
            "nur Benutzern mit der Rolle",
            "municipalities",
        ),
        (
            dict(username="neu", role=Role.KOMMUNE, municipality_ids=[999_999]),
            "gibt es nicht",
            "municipalities",
        ),
        (dict(username="neu", role=Role.ANALYSE, email="kein-at"), "E-Mail", "email"),
        (
            dict(username="neu", role=Role.ANALYSE, password="passwort12345"),
            "verbreitet",
            "password",
        ),
    ]
    for kwargs, message, field in cases:
        kwargs.setdefault("password", "Neues-Konto-Kennwort-1")
        with pytest.raises(ValidationError) as info:
            users.create_user(db, admin, **kwargs)  # type: ignore[arg-type]
        assert message in info.value.user_message, kwargs
        assert info.value.field == field, kwargs
        db.rollback()
    assert (_count(db, User), _count(db, AuditLog)) == (before_users, before_audit)


def test_role_assignment_and_deactivation_are_audited(db: Session, world: World) -> None:
    admin = world.principals["admin"]
    target = world.user_ids["kommune.zittau"]
    info = users.assign_municipalities(db, admin, target, [world.own_id, world.foreign_id])
    assert [m.name for m in info.municipalities] == ["Görlitz", "Zittau"]
    info = users.set_role(db, admin, target, Role.ANALYSE)
    assert info.role is Role.ANALYSE
    assert info.municipalities == ()
    with pytest.raises(ValidationError):
        users.set_role(db, admin, target, Role.KOMMUNE)  # Kommune needs a municipality
    db.rollback()
    info = users.set_role(db, admin, target, Role.KOMMUNE, municipality_ids=[world.foreign_id])
    assert [m.ags for m in info.municipalities] == ["14626610"]
    generation = db.scalar(select(User.session_generation).where(User.id == target))
    info = users.deactivate(db, admin, target)
    assert not info.is_active
    assert users.load_session_state(db, target) is None
    assert db.scalar(select(User.session_generation).where(User.id == target)) == (
        (generation or 0) + 1
    )
    assert users.reactivate(db, admin, target).is_active
    actions = db.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-5:] == [
        audit.MUNICIPALITIES_ASSIGNED,
        audit.ROLE_CHANGED,
        audit.ROLE_CHANGED,
        audit.USER_DEACTIVATED,
        audit.USER_REACTIVATED,
    ]
    role_change = db.scalars(
        select(AuditLog).where(AuditLog.action == audit.ROLE_CHANGED).order_by(AuditLog.id)
    ).first()
    assert role_change is not None
    assert role_change.details == {"from": "kommune", "to": "analyse"}
    assert role_change.actor_name == "admin"


def test_last_admin_and_self_are_protected(db: Session, world: World) -> None:
    admin = world.principals["admin"]
    with pytest.raises(ValidationError, match="oneself"):
        users.deactivate(db, admin, admin.user_id)
    with pytest.raises(ValidationError) as info:
        users.set_role(db, admin, admin.user_id, Role.ANALYSE)
    assert "letzte aktive Admin" in info.value.user_message


def test_reset_password_forces_change_and_ends_sessions(db: Session, world: World) -> None:
    target = world.user_ids["analyse"]
    before = users.load_session_state(db, target)
    assert before is not None
    one_time = users.reset_password(db, world.principals["admin"], target)
    after = users.load_session_state(db, target)
    assert after is not None
    assert after.must_change_password
    assert after.generation == before.generation + 1
    assert users.authenticate(db, "analyse", PASSWORDS["analyse"], ip="") is None
    principal = users.authenticate(db, "analyse", one_time, ip="")
    assert principal is not None
    users.change_password(
        db, principal, current_password=one_time, new_password="Analyse-eigenes-Kennwort"
    )
    state = users.load_session_state(db, target)
    assert state is not None and not state.must_change_password


def test_user_administration_needs_manage_users(db: Session, world: World) -> None:
    for name in ("kommune.goerlitz", "kreis", "analyse"):
        principal = world.principals[name]
        with pytest.raises(AccessDeniedError):
            users.list_users(db, principal)
        with pytest.raises(AccessDeniedError):
            users.create_user(
                db, principal, username="x.y", password="Neues-Konto-Kennwort-1", role=Role.ADMIN
            )
    assert len(users.list_users(db, SYSTEM)) == 5


# --------------------------------------------------------------------------- audit log


def test_audit_log_filters_pages_and_is_append_only(db: Session, world: World) -> None:
    admin = world.principals["admin"]
    for attempt in range(7):
        users.authenticate(db, "kreis", f"falsch-{attempt}-Passwort", ip="10.0.0.1")
    users.authenticate(db, "kreis", PASSWORDS["kreis"], ip="10.0.0.1")
    page = audit.list_entries(db, admin, action=audit.LOGIN_FAILED, per_page=5)
    assert (page.total, page.pages, len(page.entries)) == (7, 2, 5)
    assert page.entries[0].action_label == "fehlgeschlagene Anmeldung"
    second = audit.list_entries(db, admin, action=audit.LOGIN_FAILED, per_page=5, page=2)
    assert len(second.entries) == 2
    assert {e.id for e in page.entries}.isdisjoint({e.id for e in second.entries})
    by_user = audit.list_entries(db, admin, user="KREIS")
    assert by_user.total >= 8
    today = dt.datetime.now(dt.UTC).date()
    assert audit.list_entries(db, admin, date_from=today, date_to=today).total >= 8
    assert audit.list_entries(db, admin, date_to=today - dt.timedelta(days=1)).total == 0
    with pytest.raises(ValidationError):
        audit.list_entries(db, admin, action="erfunden")
    with pytest.raises(ValidationError):
        audit.list_entries(db, admin, date_from=today, date_to=today - dt.timedelta(days=2))
    for name in ("kommune.goerlitz", "kreis", "analyse"):
        with pytest.raises(AccessDeniedError):
            audit.list_entries(db, world.principals[name])
    with pytest.raises(DBAPIError):
        db.execute(text("DELETE FROM audit_log"))
    db.rollback()
    with pytest.raises(DBAPIError):
        db.execute(text("UPDATE audit_log SET outcome = 'ok'"))
    db.rollback()
