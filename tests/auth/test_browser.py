"""Headless Chromium: log in per demo role, land on the role's start page, log out.

Runs against the real app (dashboard included) on the demo database, and fails on any
Content-Security-Policy violation the browser reports while the pages render.
"""

from __future__ import annotations

from typing import Any

import pytest

from cockpit import create_app
from cockpit.demo import DEMO_USERS, GOERLITZ_AGS, ZITTAU_AGS
from cockpit.settings import Settings
from tests.auth.support import mount_test_dash
from tests.browser_support import login, screenshot_path, serve

PASSWORDS = {spec.username: spec.password for spec in DEMO_USERS}
START_PAGES = {
    "kommune.goerlitz": f"/kommune/{GOERLITZ_AGS}",
    "kommune.zittau": f"/kommune/{ZITTAU_AGS}",
    "kreis": "/",
    "analyse": "/",
    "admin": "/admin/benutzer",
}

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("username", list(START_PAGES))
def test_login_start_page_and_logout_per_role(
    demo_settings: Settings, browser_page: Any, username: str
) -> None:
    page = browser_page
    problems = _watch(page)
    app = create_app(demo_settings)
    with serve(app) as base:
        page.goto(f"{base}/")
        assert page.url.startswith(f"{base}/login?next=")  # anonymous: sent to the login
        assert page.locator("h1").inner_text() == "Anmeldung"
        login(page, base, username, PASSWORDS[username])
        assert page.url == base + START_PAGES[username], page.url
        if username == "admin":
            page.wait_for_selector("text=Benutzerverwaltung")
            assert page.locator("table").inner_text().count("Demo-Daten") == 5
        else:
            # The Dash page rendered: the shell shows who is logged in, the page its data.
            page.wait_for_selector(".user-area", timeout=20_000)
            content = "#kd-section-contacts" if username.startswith("kommune.") else "h1"
            page.wait_for_selector(content, timeout=30_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
        page.screenshot(path=str(screenshot_path(f"auth-start-{username}")), full_page=True)
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], violations
        assert problems == [], problems

        page.get_by_role("button", name="Abmelden").first.click()
        page.wait_for_url(f"{base}/login")
        assert "Sie wurden abgemeldet." in page.content()
        page.goto(base + START_PAGES[username])
        assert page.url.startswith(f"{base}/login?next="), page.url


@pytest.mark.browser
def test_csp_allows_a_dash_map_and_callbacks(settings: Settings, browser_page: Any) -> None:
    """A Dash app with a Choroplethmap and a callback renders under our CSP, no violations."""
    from cockpit.db import make_engine, make_session_factory
    from tests.auth.support import PASSWORDS as TEST_PASSWORDS
    from tests.auth.support import seed_world

    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        seed_world(session)
    engine.dispose()
    page = browser_page
    problems = _watch(page)
    app = create_app(settings)
    mount_test_dash(app)
    with serve(app) as base:
        login(page, base, "kreis", TEST_PASSWORDS["kreis"])
        page.goto(f"{base}/testdash/")
        page.wait_for_selector("text=Gemeinde 14626110", timeout=20_000)
        page.wait_for_selector(".maplibregl-canvas, canvas", timeout=20_000)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(screenshot_path("auth-csp-dash-map")))
        assert page.evaluate("window.__cspViolations") == []
        assert problems == [], problems
