"""``cockpit import-boundaries`` / ``import-indicators`` through Flask's CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.models import AuditLog, IndicatorValue, Municipality
from cockpit.settings import Settings


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


def _count(settings: Settings, model: type) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def test_help_texts_are_german(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-boundaries", "--help"])
    assert result.exit_code == 0
    assert "Gemeindegrenzen eines Landkreises" in result.output
    assert "--district AGS" in result.output and "--layer" in result.output
    result = runner.invoke(args=["import-indicators", "--help"])
    assert result.exit_code == 0
    assert "--year" in result.output and "--catalogue" in result.output


def test_import_goerlitz_boundaries_then_indicators(
    app: Flask, settings: Settings, data_dir: Path
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "import-boundaries",
            str(data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg"),
            "--district",
            "14626",
            "--name",
            "Landkreis Görlitz",
            "--gebietsstand",
            "01.01.2016",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Landkreis Görlitz (14626): 53 Gemeinden, Fläche 2.111,3 km²." in result.output
    assert "Gebietsstand: 01.01.2016." in result.output
    assert _count(settings, Municipality) == 53

    result = runner.invoke(args=["import-indicators", str(data_dir / "lk_goerlitz_kennzahlen.csv")])
    assert result.exit_code == 0, result.output
    assert "12 Indikatoren (12 neu, 0 aktualisiert): 1.272 Werte neu" in result.output
    assert _count(settings, IndicatorValue) == 1272
    assert _count(settings, AuditLog) == 2


def test_rejected_boundary_file_exits_non_zero_and_writes_nothing(
    app: Flask, settings: Settings, data_dir: Path
) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "import-boundaries",
            str(data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg"),
            "--district",
            "15087",
        ]
    )
    assert result.exit_code == 1
    assert (
        "Fehler: Die Datei „lk_goerlitz_gemeinden_vg250_2016.gpkg“ enthält keine Gemeinde "
        "des Landkreises 15087." in result.output
    )
    assert _count(settings, Municipality) == 0
    assert _count(settings, AuditLog) == 0


def test_indicators_with_year_and_catalogue_and_a_rejected_csv(
    app: Flask, settings: Settings, data_dir: Path, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    boundaries = str(data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg")
    assert runner.invoke(args=["import-boundaries", boundaries]).exit_code == 0
    catalogue = tmp_path / "katalog.toml"
    catalogue.write_text(
        '[baulandpreis]\nlabel = "Baulandpreis"\nunit = "€ je m²"\ndecimals = 2\n',
        encoding="utf-8",
    )
    csv = tmp_path / "bauland.csv"
    csv.write_text("AGS;baulandpreis\n14626110;45,50\n14626610;38,00\n", encoding="utf-8")
    result = runner.invoke(
        args=["import-indicators", str(csv), "--year", "2024", "--catalogue", str(catalogue)]
    )
    assert result.exit_code == 0, result.output
    assert "2 Werte neu" in result.output
    assert "Zahlenformat deutsch (1.234,5)" in result.output

    bad = tmp_path / "kaputt.csv"
    bad.write_text("AGS;baulandpreis_2024\n14626110;teuer\n", encoding="utf-8")
    result = runner.invoke(args=["import-indicators", str(bad), "--catalogue", str(catalogue)])
    assert result.exit_code == 1
    assert "Zeile 2, Spalte „baulandpreis_2024“: „teuer“ ist keine Zahl" in result.output
    assert _count(settings, IndicatorValue) == 2

    missing = runner.invoke(args=["import-indicators", str(tmp_path / "fehlt.csv")])
    assert missing.exit_code == 2  # click: the file does not exist
