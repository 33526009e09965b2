"""Fixtures of the auth tests: a seeded database, the app and its test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.settings import Settings
from tests.auth.support import World, seed_world


@pytest.fixture
def world(settings: Settings) -> World:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return seed_world(session)
    finally:
        engine.dispose()


@pytest.fixture
def app(settings: Settings, world: World) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["cockpit"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
