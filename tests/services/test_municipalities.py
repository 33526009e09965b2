"""Municipality choices: scoped by the principal's role, read with one SQL statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cockpit.db import make_engine, make_session_factory
from cockpit.demo import GOERLITZ_AGS
from cockpit.domain.roles import Permission, Principal
from cockpit.models import Municipality, User
from cockpit.services.municipalities import municipality_choices


@pytest.fixture
def demo_engine(demo_url: str) -> Iterator[Engine]:
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    with make_session_factory(demo_engine)() as session:
        yield session


def _principal(session: Session, username: str) -> Principal:
    user = session.scalars(select(User).where(User.username == username)).one()
    return user.to_principal()


def _all_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Municipality.id)))


def test_kommune_user_sees_only_its_own_municipality(demo_session: Session) -> None:
    choices = municipality_choices(demo_session, _principal(demo_session, "kommune.goerlitz"))
    assert [(c.ags, c.name) for c in choices] == [(GOERLITZ_AGS, "Görlitz")]


@pytest.mark.parametrize("username", ["kreis", "analyse"])
def test_district_roles_see_every_municipality_by_name(
    demo_session: Session, username: str
) -> None:
    choices = municipality_choices(demo_session, _principal(demo_session, username))
    assert {c.id for c in choices} == _all_ids(demo_session)
    assert len(choices) == 53
    names = [c.name.casefold() for c in choices]
    assert names == sorted(names)


def test_admin_sees_every_municipality_for_public_data_only(demo_session: Session) -> None:
    admin = _principal(demo_session, "admin")
    public = municipality_choices(demo_session, admin, Permission.VIEW_PUBLIC)
    assert {c.id for c in public} == _all_ids(demo_session)
    assert municipality_choices(demo_session, admin) == []  # no confidential area data


@pytest.mark.parametrize("username", ["kommune.goerlitz", "kreis"])
def test_one_sql_statement(demo_engine: Engine, demo_session: Session, username: str) -> None:
    principal = _principal(demo_session, username)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(demo_engine, "before_cursor_execute", count)
    try:
        choices = municipality_choices(demo_session, principal)
    finally:
        event.remove(demo_engine, "before_cursor_execute", count)
    assert choices
    assert len(statements) == 1, statements
