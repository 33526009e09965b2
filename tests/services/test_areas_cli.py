"""``cockpit import-areas`` (file and WFS) and ``cockpit export-areas`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from sqlalchemy import select

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.models import AreaPotential, Municipality
from cockpit.settings import Settings
from tests.areas_support import GOERLITZ, ZITTAU, inner_square, serve_wfs

MAPPING = {
    "OBJECTID": "geoportal_id",
    "BEZEICHNUNG": "name",
    "ART": "kind",
    "values.kind.GE": "gewerbe",
    "default.status": "verfuegbar",
}


def _geoportal_gpkg(url: str, path: Path) -> Path:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        towns = {m.ags: m for m in session.scalars(select(Municipality))}
        frame = gpd.GeoDataFrame(
            {"OBJECTID": [1, 2], "BEZEICHNUNG": ["GE Görlitz", "GE Zittau"], "ART": ["GE", "GE"]},
            geometry=[inner_square(towns[GOERLITZ], 200), inner_square(towns[ZITTAU], 300)],
            crs="EPSG:25833",
        )
    engine.dispose()
    frame.to_file(path, layer="gewerbeflaechen")
    return path


@pytest.fixture
def app_settings(settings: Settings, goerlitz_url: str) -> Settings:
    return settings.with_overrides(database_url=goerlitz_url)


def _areas(url: str) -> list[str]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        names = sorted(session.scalars(select(AreaPotential.name)))
    engine.dispose()
    return names


def test_cli_import_file_then_export(app_settings: Settings, tmp_path: Path) -> None:
    gpkg = _geoportal_gpkg(app_settings.database_url, tmp_path / "gp.gpkg")
    runner = create_app(app_settings).test_cli_runner()
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    preview = runner.invoke(
        args=["import-areas", str(gpkg), "--source-name", "Geoportal", "--mapping", str(mapping)]
    )
    assert preview.exit_code == 0, preview.output
    assert "2 neu, 0 geändert" in preview.output and "Nichts geschrieben" in preview.output
    assert _areas(app_settings.database_url) == []
    applied = runner.invoke(
        args=[
            "import-areas",
            str(gpkg),
            "--source-name",
            "Geoportal",
            "--mapping",
            json.dumps(MAPPING),
            "--apply",
        ]
    )
    assert applied.exit_code == 0, applied.output
    assert _areas(app_settings.database_url) == ["GE Görlitz", "GE Zittau"]
    out = tmp_path / "export"
    exported = runner.invoke(
        args=[
            "export-areas",
            "--target",
            "kwis",
            "--format",
            "shp",
            "--out",
            str(out),
            "--municipality",
            ZITTAU,
        ]
    )
    assert exported.exit_code == 0, exported.output
    zipped = next(out.glob("*.zip"))
    assert gpd.read_file(f"/vsizip/{zipped}")["name"].tolist() == ["GE Zittau"]
    bad = runner.invoke(args=["import-areas", str(mapping), "--source-name", "Geoportal"])
    assert bad.exit_code != 0 and "kein GeoJSON" in bad.output


def test_cli_import_from_wfs(app_settings: Settings, tmp_path: Path) -> None:
    gpkg = _geoportal_gpkg(app_settings.database_url, tmp_path / "gp.gpkg")
    runner = create_app(app_settings).test_cli_runner()
    with serve_wfs(gpkg, "gewerbeflaechen", tmp_path) as url:
        result = runner.invoke(
            args=[
                "import-areas",
                "--wfs",
                url,
                "--layer",
                "gewerbeflaechen",
                "--source-name",
                "Geoportal-WFS",
                "--mapping",
                json.dumps(MAPPING),
                "--apply",
            ]
        )
    assert result.exit_code == 0, result.output
    assert "Übernommen: 2 neu" in result.output
    assert _areas(app_settings.database_url) == ["GE Görlitz", "GE Zittau"]
