"""Fixtures of the export tests: the app on the demo database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from cockpit import create_app
from cockpit.settings import Settings


@pytest.fixture
def app(demo_settings: Settings) -> Iterator[Flask]:
    app = create_app(demo_settings)
    yield app
    app.extensions["cockpit"].engine.dispose()
