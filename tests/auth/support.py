"""Test world for the auth tests: one district, two municipalities, one user per role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import MultiPolygon, box
from sqlalchemy.orm import Session

from cockpit.auth import install_csp
from cockpit.domain.roles import SYSTEM, Principal, Role
from cockpit.models import District, Municipality
from cockpit.services import users

GOERLITZ_AGS = "14626110"
ZITTAU_AGS = "14626610"
PASSWORDS = {
    "kommune.goerlitz": "Goerlitz-Test-Kennwort-1",
    "kommune.zittau": "Zittau-Test-Kennwort-2",
    "kreis": "Kreis-Test-Kennwort-3",
    "analyse": "Analyse-Test-Kennwort-4",
    "admin": "Admin-Test-Kennwort-5",
}
ROLE_USER = {
    Role.KOMMUNE: "kommune.goerlitz",
    Role.KREIS_REDAKTION: "kreis",
    Role.ANALYSE: "analyse",
    Role.ADMIN: "admin",
}


@dataclass
class World:
    own_id: int  # Görlitz: the municipality of the Kommune user "kommune.goerlitz"
    foreign_id: int  # Zittau
    user_ids: dict[str, int]
    principals: dict[str, Principal]

    def principal(self, role: Role) -> Principal:
        return self.principals[ROLE_USER[role]]


def _municipality(district: District, ags: str, name: str, x: float) -> Municipality:
    return Municipality(
        district=district,
        ags=ags,
        ars=ags[:5] + "0000" + ags[5:],
        name=name,
        official_name=f"Stadt {name}",
        kind="Stadt",
        boundary=MultiPolygon([box(x, 5_650_000, x + 5_000, 5_655_000)]),
        area_km2=25.0,
        source="test",
    )


def seed_world(session: Session) -> World:
    """Create Görlitz + Zittau and the five users of :data:`PASSWORDS` (committed)."""
    district = District(ags="14626", name="Görlitz", official_name="Landkreis Görlitz")
    goerlitz = _municipality(district, GOERLITZ_AGS, "Görlitz", 490_000)
    zittau = _municipality(district, ZITTAU_AGS, "Zittau", 500_000)
    session.add_all([district, goerlitz, zittau])
    session.commit()
    roles = {
        "kommune.goerlitz": (Role.KOMMUNE, [goerlitz.id]),
        "kommune.zittau": (Role.KOMMUNE, [zittau.id]),
        "kreis": (Role.KREIS_REDAKTION, []),
        "analyse": (Role.ANALYSE, []),
        "admin": (Role.ADMIN, []),
    }
    user_ids: dict[str, int] = {}
    principals: dict[str, Principal] = {}
    for name, (role, municipality_ids) in roles.items():
        user = users.create_user(
            session,
            SYSTEM,
            username=name,
            password=PASSWORDS[name],
            role=role,
            display_name=name.title(),
            municipality_ids=municipality_ids,
        )
        user_ids[name] = user.id
        principals[name] = user.to_principal()
    return World(goerlitz.id, zittau.id, user_ids, principals)


CSRF_RE = re.compile(r'name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path`` (read from the rendered page)."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
    """POST the login form like a browser (with the CSRF token); returns the response."""
    token = csrf_token(client)
    data = {
        "csrf_token": token,
        "username": username,
        "password": PASSWORDS[username] if password is None else password,
        **extra,
    }
    return client.post("/login", data=data)


TEST_DASH_PREFIX = "/testdash/"


def mount_test_dash(app: Flask) -> Any:
    """A small Dash app at ``/testdash/`` (map + dropdown + callback) on ``app``.

    Used where the guard and the CSP must be checked against real Dash routes and a real
    Plotly map, independent of the dashboard pages.
    """
    import plotly.graph_objects as go
    from dash import Dash, Input, Output, dcc, html

    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": ags,
                "properties": {"name": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[x, 51.0], [x + 0.1, 51.0], [x + 0.1, 51.1], [x, 51.1], [x, 51.0]]
                    ],
                },
            }
            for ags, name, x in ((GOERLITZ_AGS, "Görlitz", 14.9), (ZITTAU_AGS, "Zittau", 14.8))
        ],
    }
    dash_app = Dash(
        __name__, server=False, use_pages=False, url_base_pathname=TEST_DASH_PREFIX, title="Test"
    )
    dash_app.layout = html.Div(
        [
            dcc.Dropdown(
                id="test-ags",
                options=[{"label": "Görlitz", "value": GOERLITZ_AGS}],
                value=GOERLITZ_AGS,
            ),
            html.Div(id="test-out"),
            dcc.Graph(
                id="test-map",
                figure=go.Figure(
                    go.Choroplethmap(
                        geojson=geojson,
                        locations=[GOERLITZ_AGS, ZITTAU_AGS],
                        z=[1, 2],
                        featureidkey="id",
                    ),
                    layout={
                        "map": {
                            "style": "white-bg",
                            "center": {"lon": 14.9, "lat": 51.05},
                            "zoom": 8,
                        }
                    },
                ),
            ),
        ]
    )

    @dash_app.callback(Output("test-out", "children"), Input("test-ags", "value"))
    def _show(ags: str) -> str:
        return f"Gemeinde {ags}"

    dash_app.init_app(app)
    install_csp(app, dash_app)
    return dash_app
