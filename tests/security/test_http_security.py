"""Session cookies, security headers on Dash pages and callbacks, anonymous access."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from cockpit import create_app
from cockpit.settings import Settings, load_settings
from tests.security.conftest import demo_login


def _cookie(headers: list[str], name: str) -> str:
    matches = [h for h in headers if h.startswith(f"{name}=")]
    assert matches, f"no Set-Cookie for {name}: {headers}"
    return matches[-1]


@pytest.fixture
def secure_app(demo_url: str, tmp_path: Path, data_dir: Path) -> Iterator[Flask]:
    """The app as configured for production cookies (HTTPS only)."""
    settings: Settings = load_settings(
        environ={},
        database_url=demo_url,
        instance_dir=tmp_path / "instance",
        data_dir=data_dir,
        env="test",
        secret_key="test-secret-key-" + "x" * 32,
        secure_cookies=True,
    )
    app = create_app(settings)
    yield app
    app.extensions["cockpit"].engine.dispose()


def test_session_and_remember_cookies_are_httponly_samesite_and_secure(secure_app: Flask) -> None:
    secure_app.config["PREFERRED_URL_SCHEME"] = "https"  # the test client speaks HTTPS
    client = secure_app.test_client()
    response = demo_login(
        client, "kommune.goerlitz", remember=True, referer="https://localhost/login"
    )
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("cockpit_session", "cockpit_remember"):
        flags = [part.strip().lower() for part in _cookie(cookies, name).split(";")]
        assert "httponly" in flags, name
        assert "secure" in flags, name
        assert "samesite=lax" in flags or "samesite=strict" in flags, name
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_dash_page_and_callbacks_carry_csp_and_no_store(demo_app: Flask) -> None:
    client = demo_app.test_client()
    demo_login(client, "kommune.goerlitz")
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    directives: dict[str, str] = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value
    script_src = directives["script-src"].split()
    assert "'self'" in script_src
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert any(s.startswith("'sha256-") for s in script_src), "Dash inline script not hashed"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "*" not in csp and "http:" not in csp and "https:" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    for path in ("/_dash-layout", "/_dash-dependencies"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert "Content-Security-Policy" in response.headers


def test_anonymous_requests_reach_no_municipal_data(demo_app: Flask) -> None:
    client = demo_app.test_client()
    for path in ("/", "/kommune/14626610", "/flaechen", "/_dash-layout", "/static/flaechen.js"):
        response = client.get(path)
        assert response.status_code in (302, 401), path
        assert "Zittau" not in response.get_data(as_text=True)
    callback = client.post(
        "/_dash-update-component",
        json={"output": "page.children", "outputs": {}, "inputs": [], "changedPropIds": []},
        headers={"Origin": "http://localhost"},
    )
    assert callback.status_code == 401
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_cross_site_dash_callback_is_refused(demo_app: Flask) -> None:
    """A logged-in browser tricked by another site: form-encoded or foreign Origin → 403."""
    client = demo_app.test_client()
    demo_login(client, "kreis")
    body = {
        "output": "page-content.children",
        "outputs": {"id": "page-content", "property": "children"},
        "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
        "changedPropIds": ["url.pathname"],
    }
    foreign = client.post(
        "/_dash-update-component", json=body, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    form = client.post(
        "/_dash-update-component",
        data="x=1",
        content_type="text/plain",
        headers={"Origin": "http://localhost"},
    )
    assert form.status_code == 403
