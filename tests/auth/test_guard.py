"""Deny by default: every registered Flask and Dash route refuses anonymous requests.

The routes come from ``app.url_map`` of the real app (with the dashboard, once mounted) plus
a small Dash app, so a route added later is covered without touching this file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from cockpit.auth.guard import PUBLIC_ENDPOINTS
from tests.auth.support import TEST_DASH_PREFIX, login, mount_test_dash

SAMPLE_VALUES = {"int": "1", "float": "1.0", "uuid": "00000000-0000-0000-0000-000000000000"}


@pytest.fixture
def guarded_app(app: Flask) -> Iterator[Flask]:
    mount_test_dash(app)
    yield app


def _url_for_rule(rule: Rule) -> str:
    """A concrete URL for ``rule``: every converter filled with a plausible sample value."""
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument].__class__.__name__.lower()
        kind = converter.replace("converter", "")
        values[argument] = SAMPLE_VALUES.get(kind, "14626110")
    if rule.defaults:
        values.update({k: v for k, v in rule.defaults.items() if k in rule.arguments})
    path = rule.rule
    for argument, value in values.items():
        path = path.replace(f"<{argument}>", value)
        for marker in ("int", "float", "path", "string", "uuid", "any"):
            path = _replace_typed(path, argument, value, marker)
    return path


def _replace_typed(path: str, argument: str, value: str, marker: str) -> str:
    start = path.find(f"<{marker}")
    while start != -1:
        end = path.find(">", start)
        if path[start:end].endswith(f":{argument}"):
            return path[:start] + value + path[end + 1 :]
        start = path.find(f"<{marker}", end)
    return path


def _all_requests(app: Flask) -> list[tuple[str, str, str]]:
    requests = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            requests.append((rule.endpoint, method, _url_for_rule(rule)))
    return requests


def test_the_route_map_includes_dash_routes(guarded_app: Flask) -> None:
    paths = {rule.rule for rule in guarded_app.url_map.iter_rules()}
    for name in ("_dash-layout", "_dash-dependencies", "_dash-update-component"):
        assert f"{TEST_DASH_PREFIX}{name}" in paths
    assert any("_dash-component-suites" in p for p in paths)
    assert len(_all_requests(guarded_app)) > 20


def test_every_route_refuses_anonymous_requests(guarded_app: Flask) -> None:
    client = guarded_app.test_client()
    allowed = []
    checked = 0
    for endpoint, method, url in _all_requests(guarded_app):
        if endpoint in PUBLIC_ENDPOINTS:
            allowed.append(endpoint)
            continue
        for accept in ("text/html", "application/json"):
            response = client.open(
                url, method=method, headers={"Accept": accept}, json={} if method != "GET" else None
            )
            checked += 1
            detail = f"{method} {url} ({endpoint}, Accept {accept}) -> {response.status_code}"
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login?next="), detail
                assert method == "GET" and accept == "text/html", detail
            else:
                assert response.status_code == 401, detail
                assert response.get_json() == {
                    "error": "unauthenticated",
                    "message": "Bitte melden Sie sich an.",
                }, detail
            response.close()
    assert checked > 40
    assert {"auth.login", "auth.static"} <= set(allowed)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/kommune/14626110",
        "/flaechen",
        "/_dash-layout",
        "/_dash-dependencies",
        "/_dash-update-component",
        "/_reload-hash",
        "/_favicon.ico",
        "/assets/style.css",
        "/static/whatever.css",
        "/geo/municipalities.json",
        "/export/kenndaten.xlsx",
        "/api/anything",
        "/does-not-exist",
        "/auth/static/../templates/auth/login.html",
    ],
)
def test_well_known_and_unknown_paths_are_refused(client: FlaskClient, path: str) -> None:
    for method in ("GET", "POST"):
        response = client.open(path, method=method)
        assert response.status_code in {302, 401, 404}, f"{method} {path}"
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), path
        if response.status_code == 404:
            # Only the public static route may answer 404 (a missing file), never with data.
            assert path.startswith("/auth/static/"), path
        response.close()


def test_public_endpoints_answer_anonymously(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    with client.get("/auth/static/auth.css") as response:
        assert response.status_code == 200


def test_dash_posts_need_json_and_same_origin(guarded_app: Flask) -> None:
    client = guarded_app.test_client()
    login(client, "kreis")
    url = f"{TEST_DASH_PREFIX}_dash-update-component"
    body = {
        "output": "test-out.children",
        "outputs": {"id": "test-out", "property": "children"},
        "inputs": [{"id": "test-ags", "property": "value", "value": "14626110"}],
        "changedPropIds": ["test-ags.value"],
        "state": [],
    }
    ok = client.post(url, json=body, headers={"Origin": "http://localhost"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert "Gemeinde 14626110" in ok.get_data(as_text=True)
    assert client.post(url, json=body).status_code == 200  # no Origin: same-site fetch
    cross = client.post(url, json=body, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert cross.get_json()["message"] == "Die Anfrage wurde aus Sicherheitsgründen abgewiesen."
    cross_site = client.post(url, json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    form_post = client.post(url, data={"payload": "x"})
    assert form_post.status_code == 403
    text_post = client.post(url, data="{}", content_type="text/plain")
    assert text_post.status_code == 403
