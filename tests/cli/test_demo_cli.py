"""``cockpit demo``: loads once, ``--if-empty`` is a no-op afterwards, re-runs are refused."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.demo import DEMO_USERS
from cockpit.models import AreaPotential, Municipality, User
from cockpit.settings import Settings


def _count(settings: Settings, model: type) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def _app(settings: Settings) -> Flask:
    return create_app(settings)


def test_demo_loads_once_then_if_empty_skips_and_rerun_is_refused(
    settings: Settings, data_dir: Path
) -> None:
    runner = _app(settings).test_cli_runner()

    first = runner.invoke(args=["demo", "--if-empty", "--data-dir", str(data_dir)])
    assert first.exit_code == 0, first.output
    assert "53 Gemeinden" in first.output
    assert "nur für die Demo" in first.output
    for spec in DEMO_USERS:
        assert spec.username in first.output and spec.password in first.output
    # The passwords are printed exactly once.
    assert first.output.count(DEMO_USERS[0].password) == 1
    areas = _count(settings, AreaPotential)
    assert areas >= 150 and _count(settings, User) == len(DEMO_USERS)

    second = runner.invoke(args=["demo", "--if-empty", "--data-dir", str(data_dir)])
    assert second.exit_code == 0, second.output
    assert "enthält bereits Gemeinden" in second.output
    assert DEMO_USERS[0].password not in second.output
    assert _count(settings, AreaPotential) == areas

    third = runner.invoke(args=["demo", "--data-dir", str(data_dir)])
    assert third.exit_code == 1
    assert "bereits Demo-Daten" in third.output
    assert _count(settings, AreaPotential) == areas
    assert _count(settings, Municipality) == 53


def test_demo_refuses_a_data_dir_without_the_files(settings: Settings, tmp_path: Path) -> None:
    result = _app(settings).test_cli_runner().invoke(args=["demo", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "lk_goerlitz_gemeinden_vg250_2016.gpkg" in result.output
    assert "fehlt im Datenverzeichnis" in result.output
    assert _count(settings, Municipality) == 0


def test_demo_help_documents_the_options(settings: Settings) -> None:
    result = _app(settings).test_cli_runner().invoke(args=["demo", "--help"])
    assert result.exit_code == 0
    for option in ("--seed", "--if-empty", "--data-dir", "abgelehnt", "Demo-Daten"):
        assert option in result.output
