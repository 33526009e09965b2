"""Browser test of the municipality cockpit (headless Debian Chromium via Playwright).

The full demo data set (``demo_settings``: real Görlitz boundaries and indicators,
generated Kenndaten, demo users), login through the real form; screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from cockpit import create_app
from cockpit.db import make_engine, make_session_factory
from cockpit.demo import DEMO_USERS
from cockpit.models import ContactPerson, Municipality
from cockpit.settings import Settings
from tests.browser_support import login, screenshot_path, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _password(username: str) -> str:
    return next(spec.password for spec in DEMO_USERS if spec.username == username)


@pytest.fixture
def live(demo_settings: Settings) -> Iterator[tuple[str, str, str]]:
    """The app on a copy of the full demo data; yields (base URL, first Görlitz contact's
    name, its phone number)."""
    engine = make_engine(demo_settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            contact = session.scalars(
                select(ContactPerson)
                .join(Municipality, Municipality.id == ContactPerson.municipality_id)
                .where(Municipality.ags == "14626110")
                .order_by(ContactPerson.name)
            ).first()
            assert contact is not None, "the demo data has no contact for Görlitz"
            name, phone = contact.name, contact.phone
    finally:
        engine.dispose()
    with serve(create_app(demo_settings)) as base_url:
        yield base_url, name, phone


def test_kreis_edits_contact_and_kommune_sees_public_profile(
    live: tuple[str, str, str], browser_page: Any, chromium: Any
) -> None:
    live_url, contact, old_phone = live
    page = browser_page
    page.set_default_timeout(30_000)  # the shared 2-core CI machine can be slow
    login(page, live_url, "kreis", _password("kreis"))
    page.goto(f"{live_url}/kommune/14626110")
    page.wait_for_selector("h1#kd-title")
    assert page.inner_text("h1#kd-title") == "Görlitz"
    page.wait_for_selector("#kd-section-contacts")
    page.screenshot(path=str(screenshot_path("kommune_kreis_overview")), full_page=True)

    # Edit mode shows the edit controls; open the contact form.
    edit_button = page.get_by_role("button", name=f"Ansprechpartner/in „{contact}“ bearbeiten")
    assert not edit_button.is_visible()
    page.click("#kommune-edit-mode")
    edit_button.wait_for(state="visible")
    edit_button.click()
    dialog = page.locator("#kommune-modal")
    dialog.get_by_label("Telefon").wait_for()

    # A bad phone number is refused with a German message next to the field.
    dialog.get_by_label("Telefon").fill("bitte anrufen")
    dialog.get_by_role("button", name="Speichern").click()
    field_error = dialog.locator(".kd-field-error", has_text="gültige Telefonnummer")
    field_error.wait_for()
    assert field_error.inner_text().startswith("Telefon: Bitte geben Sie eine gültige")
    page.screenshot(path=str(screenshot_path("kommune_kreis_validation")))

    dialog.get_by_label("Telefon").fill("03581 67-1234")
    dialog.get_by_label("Funktion").fill("Amtsleiterin Wirtschaftsförderung")
    dialog.get_by_role("button", name="Speichern").click()
    page.wait_for_selector("#kommune-modal.is-open", state="detached")
    card = page.locator("#kd-section-contacts .kd-card").first
    card.get_by_text("03581 67-1234").wait_for()
    assert "Amtsleiterin Wirtschaftsförderung" in card.inner_text()
    assert "gespeichert" in page.inner_text("#kommune-status")

    # The history shows who changed what (old -> new).
    page.get_by_role("button", name=f"Verlauf von Ansprechpartner/in „{contact}“ anzeigen").click()
    history = page.locator("#kommune-modal")
    history.get_by_text("Kreis-Redaktion (Demo)").first.wait_for()
    text = history.inner_text()
    assert old_phone in text and "03581 67-1234" in text
    assert re.search(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d", text)
    page.screenshot(path=str(screenshot_path("kommune_kreis_history")))
    history.get_by_role("button", name="Schließen").click()

    # Themencluster lens: the district map with all 53 municipalities.
    page.goto(f"{live_url}/themencluster")
    page.wait_for_selector("#cluster-map .js-plotly-plot")
    page.wait_for_timeout(500)
    locations = page.evaluate(
        "() => document.querySelector('#cluster-map .js-plotly-plot')._fullData[0].locations.length"
    )
    assert locations == 53
    page.screenshot(path=str(screenshot_path("themencluster_kreis")), full_page=True)
    page.goto(f"{live_url}/kommune/14626110")
    page.wait_for_selector("#kd-section-contacts")

    # Phone layout (390 px): no horizontal overflow of the page.
    page.set_viewport_size({"width": 390, "height": 844})
    # Plotly resizes its graphs after the viewport change: give it a moment (polled from
    # Python: the app's CSP forbids the eval Playwright's wait_for_function would use).
    overflow = 0
    for _ in range(25):
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow <= 1:
            break
        page.wait_for_timeout(200)
    page.screenshot(path=str(screenshot_path("kommune_kreis_phone")), full_page=True)
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(e => !e.closest('.kd-table-wrap'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert overflow <= 1, too_wide

    # A Kommune user looking at a foreign municipality: public profile only.
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE")
    try:
        other = context.new_page()
        other.set_default_timeout(30_000)
        login(other, live_url, "kommune.zittau", _password("kommune.zittau"))
        other.goto(f"{live_url}/kommune/14626110")
        other.wait_for_selector("h1#kd-title")
        other.wait_for_selector("#kd-public-note")
        body = other.inner_text("body")
        assert "Einwohner" in body
        assert contact not in body
        assert other.locator("#kd-section-contacts").count() == 0
        assert other.locator("#kommune-edit-mode").count() == 0
        other.screenshot(path=str(screenshot_path("kommune_zittau_public")), full_page=True)
    finally:
        context.close()
