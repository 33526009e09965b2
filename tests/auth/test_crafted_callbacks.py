"""Crafted Dash callback requests: a Kommune user asks for another municipality.

Every callback of the real dashboard (``dash_app.callback_map``) whose inputs or states look
like they carry a municipality (URL path, ``*municipal*``/``*ags*``/``*context*`` ids) is
POSTed to ``/_dash-update-component`` by ``kommune.goerlitz`` with Zittau's AGS / id in
those places. No response may contain a confidential value of Zittau (contact persons'
names, e-mails, phone numbers). A positive control with Görlitz shows that the same
requests do reach data.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash import Input, Output
from flask.testing import FlaskClient
from sqlalchemy import select

from cockpit import create_app
from cockpit.auth import BAD_REQUEST_MESSAGE
from cockpit.dashboard import ids
from cockpit.dashboard.errors import CALLBACK_FAILED
from cockpit.db import make_engine, make_session_factory
from cockpit.demo import DEMO_USERS, GOERLITZ_AGS, ZITTAU_AGS
from cockpit.models import ContactPerson, Municipality
from cockpit.settings import Settings
from tests.auth.support import login

PASSWORDS = {spec.username: spec.password for spec in DEMO_USERS}
MUNICIPALITY_HINTS = ("municipal", "ags", "kommune-context", "areas-context", "gemeinde")


def _split_outputs(key: str) -> list[dict[str, Any]]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        try:
            component_id: Any = json.loads(component)
        except json.JSONDecodeError:
            component_id = component
        outputs.append({"id": component_id, "property": prop.split("@")[0]})
    return outputs


def _is_municipal(spec: dict[str, Any]) -> bool:
    text = f"{spec['id']}".lower()
    return spec["property"] in {"pathname", "href"} or any(h in text for h in MUNICIPALITY_HINTS)


def _value_for(spec: dict[str, Any], ags: str, municipality_id: int, variant: int) -> Any:
    if spec["property"] == "pathname":
        return f"/kommune/{ags}"
    if spec["property"] == "href":
        return f"http://localhost/kommune/{ags}"
    if _is_municipal(spec):
        return [
            ags,
            municipality_id,
            [municipality_id],
            {"municipality_id": municipality_id, "ags": ags},
        ][variant]
    if spec["property"] == "n_clicks":
        return 1
    return None


def _payload(
    key: str, entry: dict[str, Any], ags: str, municipality_id: int, variant: int
) -> dict[str, Any] | None:
    def item(spec: dict[str, Any]) -> Any:
        if spec["id"].startswith("{"):
            return []  # wildcard pattern-matching inputs: no matching components
        return {
            "id": spec["id"],
            "property": spec["property"],
            "value": _value_for(spec, ags, municipality_id, variant),
        }

    inputs = [item(s) for s in entry["inputs"]]
    state = [item(s) for s in entry.get("state", [])]
    outputs = _split_outputs(key)
    changed = [f"{s['id']}.{s['property']}" for s in entry["inputs"] if not s["id"].startswith("{")]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": changed[:1],
    }


def _confidential_markers(settings: Settings, ags: str) -> tuple[int, list[str]]:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            municipality_id = session.scalar(select(Municipality.id).where(Municipality.ags == ags))
            assert municipality_id is not None
            contacts = session.scalars(
                select(ContactPerson).where(ContactPerson.municipality_id == municipality_id)
            ).all()
            markers = [c.email for c in contacts if c.email] + [c.name for c in contacts]
            markers += [c.phone for c in contacts if c.phone]
    finally:
        engine.dispose()
    assert markers
    return municipality_id, markers


def _responses(client: FlaskClient, callbacks: dict[str, Any], ags: str, mid: int) -> list[str]:
    bodies = []
    for key, entry in callbacks.items():
        for variant in range(4):
            payload = _payload(key, entry, ags, mid, variant)
            response = client.post(
                "/_dash-update-component", json=payload, headers={"Origin": "http://localhost"}
            )
            bodies.append(
                f"{key} [{variant}] -> {response.status_code}\n" + response.get_data(as_text=True)
            )
    return bodies


@pytest.mark.slow
def test_kommune_user_gets_no_confidential_values_of_another_municipality(
    demo_settings: Settings,
) -> None:
    app = create_app(demo_settings)
    dash_app = app.extensions["dash_app"]
    callbacks = {
        key: entry
        for key, entry in dash_app.callback_map.items()
        if any(_is_municipal(s) for s in [*entry["inputs"], *entry.get("state", [])])
    }
    assert len(callbacks) >= 3, "few callbacks take a municipality: update the heuristics"
    foreign_id, foreign_markers = _confidential_markers(demo_settings, ZITTAU_AGS)
    own_id, own_markers = _confidential_markers(demo_settings, GOERLITZ_AGS)

    client = app.test_client()
    assert login(client, "kommune.goerlitz", PASSWORDS["kommune.goerlitz"]).status_code == 302

    own = "\n".join(_responses(client, callbacks, GOERLITZ_AGS, own_id))
    assert any(marker in own for marker in own_markers), "positive control reached no data"

    foreign = _responses(client, callbacks, ZITTAU_AGS, foreign_id)
    crashed = [body.split("\n", 1)[0] for body in foreign if body.split("\n", 1)[0].endswith("500")]
    assert not crashed, f"crafted requests answered with HTTP 500: {crashed}"
    for body in foreign:
        leaked = [marker for marker in foreign_markers if marker in body]
        assert not leaked, f"confidential values of Zittau leaked: {leaked} in {body[:300]}"


def test_a_failing_callback_changes_nothing_and_says_so_in_german(
    demo_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Dash's global error handler: outputs kept, German notice, traceback in the log."""
    app = create_app(demo_settings)
    dash_app = app.extensions["dash_app"]

    @dash_app.callback(Output("probe-out", "children"), Input("probe-in", "n_clicks"))
    def probe(n_clicks: int) -> str:
        return str(1 // (n_clicks - n_clicks))  # ZeroDivisionError: a bug in a callback

    client = app.test_client()
    assert login(client, "kommune.goerlitz", PASSWORDS["kommune.goerlitz"]).status_code == 302
    response = client.post(
        "/_dash-update-component",
        json={
            "output": "probe-out.children",
            "outputs": {"id": "probe-out", "property": "children"},
            "inputs": [{"id": "probe-in", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["probe-in.n_clicks"],
        },
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert "probe-out" not in body["response"]  # the output is left as it was
    assert body["sideUpdate"] == {ids.CALLBACK_ERROR: {"children": CALLBACK_FAILED}}
    failure = [r for r in caplog.records if r.getMessage().startswith("dashboard callback")]
    assert failure and failure[0].exc_info and failure[0].exc_info[0] is ZeroDivisionError


def test_an_undispatchable_request_is_400_in_german(demo_settings: Settings) -> None:
    app = create_app(demo_settings)
    client = app.test_client()
    assert login(client, "kommune.goerlitz", PASSWORDS["kommune.goerlitz"]).status_code == 302
    response = client.post(
        "/_dash-update-component",
        json={"output": "no-such.children", "inputs": []},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == BAD_REQUEST_MESSAGE
