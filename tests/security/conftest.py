"""Fixtures of the security review tests: the demo database, its principals, the real app.

Everything runs on a per-test copy of the full demo data set (``demo_url``): real
Landkreis Görlitz boundaries and indicators, generated Kenndaten and area potentials, and
the five demo users (``cockpit.demo.DEMO_USERS``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.demo import DEMO_USERS, GOERLITZ_AGS, ZITTAU_AGS
from cockpit.domain.roles import Principal
from cockpit.models import Municipality, User
from cockpit.settings import Settings
from tests.auth.support import csrf_token

DEMO_PASSWORDS = {spec.username: spec.password for spec in DEMO_USERS}


@dataclass
class DemoWorld:
    session: Session
    goerlitz: Municipality
    zittau: Municipality
    principals: dict[str, Principal]

    def principal(self, username: str) -> Principal:
        return self.principals[username]


@pytest.fixture
def demo(demo_url: str) -> Iterator[DemoWorld]:
    """An open session on a copy of the demo database plus the demo principals."""
    engine = make_engine(demo_url)
    session = make_session_factory(engine)()
    try:
        goerlitz = session.scalar(select(Municipality).where(Municipality.ags == GOERLITZ_AGS))
        zittau = session.scalar(select(Municipality).where(Municipality.ags == ZITTAU_AGS))
        assert goerlitz is not None and zittau is not None
        principals = {u.username: u.to_principal() for u in session.scalars(select(User))}
        assert set(DEMO_PASSWORDS) <= set(principals)
        yield DemoWorld(session, goerlitz, zittau, principals)
    finally:
        session.close()
        engine.dispose()


@pytest.fixture
def demo_app(demo_settings: Settings) -> Iterator[Flask]:
    app = create_app(demo_settings)
    yield app
    app.extensions["cockpit"].engine.dispose()


def demo_login(  # type: ignore[no-untyped-def]
    client: FlaskClient, username: str, *, remember: bool = False, referer: str | None = None
):
    """Log a demo user in through the real login form (CSRF token from the page)."""
    data = {
        "csrf_token": csrf_token(client),
        "username": username,
        "password": DEMO_PASSWORDS[username],
    }
    if remember:
        data["remember"] = "y"
    # Over HTTPS Flask-WTF also checks the Referer (same origin), like a browser sends it.
    headers = {"Referer": referer} if referer else {}
    response = client.post("/login", data=data, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response
