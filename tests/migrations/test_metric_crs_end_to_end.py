"""A whole run on a deployment whose metric CRS is not the default (issue #12, bug 2).

Mansfeld-Südharz (15087, Sachsen-Anhalt) works in EPSG:25832. From an *empty* database
(no test template): ``init-db`` → ``import-boundaries`` (VG250 2022, Germany-wide, 25832) →
a Kreis-Redaktion user created on the command line logs in through the form → "Geometrie
prüfen" on a 200 m square drawn in the browser's EPSG:4326 (the real Dash callback) → the
area is saved → ``import-areas --apply`` of a Geoportal file in EPSG:25833 →
``export-areas --format gpkg``, read back with GDAL's ``ogrinfo``. Every hectare figure
equals the geodesic area of the same polygon (±0.05 %), whatever the storage CRS.
The default CRS (25833) runs the same way as the control.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Geod
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import create_engine, select, text

from cockpit import create_app
from cockpit.dashboard import ids
from cockpit.db import make_engine, make_session_factory, storage_srid
from cockpit.models import AreaPotential, Municipality, User
from cockpit.services import areas
from cockpit.services.config import ServiceConfig
from cockpit.settings import Settings, load_settings
from layers.crs import to_metric
from tests.auth.support import csrf_token
from tests.conftest import pg_database

DISTRICT = "15087"  # Landkreis Mansfeld-Südharz
BOUNDARIES = "de_gemeinden_vg250_2022_simplified.gpkg"
PASSWORD = "Mansfeld-Redaktion-Kennwort-7"
GEOD = Geod(ellps="GRS80")
MAPPING = {"ID": "geoportal_id", "NAME": "name", "default.kind": "gewerbe"}
MAPPING["default.status"] = "verfuegbar"


def _geodesic_ha(geometry_4326: BaseGeometry) -> float:
    area, _ = GEOD.geometry_area_perimeter(geometry_4326)
    return abs(area) / 10_000


def _square_4326(centre_4326: BaseGeometry, size_m: float) -> BaseGeometry:
    """A square of ``size_m`` around a point, built in the equal-area EPSG:3035."""
    centre = to_metric(gpd.GeoSeries([centre_4326], crs="EPSG:4326"), "EPSG:3035").iloc[0]
    half = size_m / 2
    square = box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
    return gpd.GeoSeries([square], crs="EPSG:3035").to_crs("EPSG:4326").iloc[0]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.db)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody has migrated yet (SQLite file or a fresh PostGIS database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    with pg_database("cockpit_crs") as (_, url):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        yield url


def _check_callback(app: Flask) -> tuple[str, dict[str, Any]]:
    """The registered "Geometrie prüfen" callback (its output key carries Dash's hash)."""
    callbacks = app.extensions["dash_app"].callback_map
    for key, entry in callbacks.items():
        if any(i["id"] == ids.AREAS_FORM_CHECK for i in entry["inputs"]):
            return key, entry
    raise AssertionError("no callback listens to the check button")


def _press_check(client: FlaskClient, app: Flask, geometry: dict[str, Any], mid: int) -> str:
    key, entry = _check_callback(app)
    values = {
        ids.AREAS_FORM_GEOMETRY: geometry,
        ids.AREAS_FORM_MODE: {"mode": "create"},
    }
    state = []
    for spec in entry["state"]:
        component = json.loads(spec["id"]) if spec["id"].startswith("{") else spec["id"]
        value = mid if isinstance(component, dict) else values[component]
        state.append({"id": component, "property": spec["property"], "value": value})
    output_id, prop = key.rsplit(".", 1)
    payload = {
        "output": key,
        "outputs": {"id": output_id, "property": prop.split("@")[0]},
        "inputs": [{"id": ids.AREAS_FORM_CHECK, "property": "n_clicks", "value": 1}],
        "state": state,
        "changedPropIds": [f"{ids.AREAS_FORM_CHECK}.n_clicks"],
    }
    response = client.post(
        "/_dash-update-component", json=payload, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.dumps(response.get_json(), ensure_ascii=False)


def _settings(url: str, tmp_path: Path, data_dir: Path, metric_crs: str) -> Settings:
    return load_settings(
        environ={"COCKPIT_METRIC_CRS": metric_crs, "COCKPIT_DISTRICT_AGS": DISTRICT},
        database_url=url,
        instance_dir=tmp_path / "instance",
        data_dir=data_dir,
        env="test",
        secret_key="test-secret-key-" + "y" * 32,
    )


@pytest.fixture
def app(empty_url: str, tmp_path: Path, data_dir: Path, metric_crs: str) -> Iterator[Flask]:
    app = create_app(_settings(empty_url, tmp_path, data_dir, metric_crs))
    yield app
    app.extensions["cockpit"].engine.dispose()


def _run(app: Flask, args: list[str], stdin: str | None = None) -> str:
    with app.app_context():  # like ``cockpit <command>`` (FlaskGroup pushes one)
        result = app.test_cli_runner().invoke(args=args, input=stdin)
    assert result.exit_code == 0, f"{args[0]}: {result.output}"
    return result.output


def _geoportal_file(path: Path, centre_4326: BaseGeometry) -> tuple[Path, BaseGeometry]:
    """A Geoportal GeoPackage in EPSG:25833 with one 350 m square (whatever we store in)."""
    square = _square_4326(centre_4326, 350)
    frame = gpd.GeoDataFrame(
        {"ID": ["GP-1"], "NAME": ["GE Geoportal"]}, geometry=[square], crs="EPSG:4326"
    ).to_crs("EPSG:25833")
    frame.to_file(path, layer="gewerbe")
    return path, square


@pytest.mark.slow
@pytest.mark.parametrize("metric_crs", ["EPSG:25832", "EPSG:25833"])
def test_full_run_in_the_configured_metric_crs(
    app: Flask, tmp_path: Path, data_dir: Path, metric_crs: str
) -> None:
    settings: Settings = app.extensions["cockpit"].settings
    _run(app, ["init-db"])
    imported = _run(app, ["import-boundaries", str(data_dir / BOUNDARIES), "--district", DISTRICT])
    assert "22 Gemeinden" in imported and f"gespeichert in {metric_crs}" in imported, imported
    _run(
        app,
        ["create-user", "redaktion.msh", "--role", "kreis_redaktion", "--password-stdin"],
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    engine = make_engine(settings.database_url)
    session = make_session_factory(engine)()
    try:
        stored_crs = session.execute(
            text("SELECT value FROM deployment_info WHERE key = 'storage_crs'")
        ).scalar_one()
        assert stored_crs == metric_crs
        epsg = int(metric_crs.split(":")[1])
        assert storage_srid(engine) == epsg
        if engine.dialect.name == "postgresql":
            column_srid = "SELECT Find_SRID('public', 'area_potential', 'geom')"
            assert session.execute(text(column_srid)).scalar_one() == epsg
        towns = session.scalars(select(Municipality).order_by(Municipality.ags)).all()
        assert {t.ags[:5] for t in towns} == {DISTRICT}
        town = max(towns, key=lambda t: t.boundary.area)
        centre = gpd.GeoSeries([town.boundary.representative_point()], crs=metric_crs)
        centre_4326 = centre.to_crs("EPSG:4326").iloc[0]
        drawn = _square_4326(centre_4326, 200)
        geojson = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": mapping(drawn)}],
        }

        client = app.test_client()
        login = client.post(
            "/login",
            data={
                "csrf_token": csrf_token(client),
                "username": "redaktion.msh",
                "password": PASSWORD,
            },
        )
        assert login.status_code == 302, login.get_data(as_text=True)[:300]
        answer = _press_check(client, app, geojson, town.id)
        assert "Die Geometrie ist gültig" in answer, answer
        assert "außerhalb" not in answer, answer

        user = session.scalars(select(User).where(User.username == "redaktion.msh")).one()
        config = ServiceConfig.from_settings(settings)
        result = areas.create_area(
            session,
            user.to_principal(),
            {
                "name": "GE Zeichnung",
                "kind": "gewerbe",
                "status": "verfuegbar",
                "municipality_id": town.id,
            },
            geojson,
            config=config,
        )
        assert result.area_ha == pytest.approx(_geodesic_ha(drawn), rel=5e-4)

        gpkg, square = _geoportal_file(tmp_path / "geoportal.gpkg", centre_4326)
        applied = _run(
            app,
            [
                "import-areas",
                str(gpkg),
                "--source-name",
                "Geoportal",
                "--mapping",
                json.dumps(MAPPING),
                "--apply",
            ],
        )
        assert "1 neu" in applied, applied
        session.expire_all()
        stored = {a.name: a for a in session.scalars(select(AreaPotential))}
        assert set(stored) == {"GE Zeichnung", "GE Geoportal"}
        assert stored["GE Geoportal"].area_ha == pytest.approx(_geodesic_ha(square), rel=5e-4)
        assert stored["GE Geoportal"].municipality_id == town.id
    finally:
        session.close()
        engine.dispose()

    out = tmp_path / "export"
    _run(app, ["export-areas", "--format", "gpkg", "--out", str(out)])
    exported = next(out.glob("*.gpkg"))
    info = subprocess.run(
        ["ogrinfo", "-so", "-al", str(exported)], capture_output=True, text=True, check=True
    ).stdout
    assert "Feature Count: 2" in info, info
    assert re.search(rf'ID\["EPSG",\s*{epsg}\]\]\s*$', info, re.MULTILINE), info
    frame = gpd.read_file(exported)
    assert str(frame.crs) == metric_crs
    by_name = dict(zip(frame["name"], frame.geometry, strict=True))
    back = gpd.GeoSeries([by_name["GE Geoportal"]], crs=metric_crs).to_crs("EPSG:4326").iloc[0]
    assert _geodesic_ha(back) == pytest.approx(_geodesic_ha(square), rel=5e-4)
    assert shape(mapping(back)).symmetric_difference(square).area < 1e-10
