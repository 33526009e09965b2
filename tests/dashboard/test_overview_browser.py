"""Browser test: log in, see the map of the 53 Görlitz municipalities, switch the indicator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cockpit import create_app
from cockpit.settings import Settings
from tests.browser_support import login, screenshot_path, serve
from tests.dashboard.overview_world import PASSWORDS
from tests.dashboard.test_overview import _seed

COUNT_FEATURES = """(trace) => {
    const gd = document.querySelector('#overview-map .js-plotly-plot');
    if (!gd || !gd.calcdata || !gd.calcdata[trace]) { return -1; }
    return gd.calcdata[trace].filter(d => d.fOut).length;
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_map_renders_53_municipalities_and_switches_indicator(
    goerlitz_url: str, settings: Settings, tmp_path: Path, browser_page: object
) -> None:
    path = tmp_path / "browser.sqlite"
    shutil.copy(goerlitz_url.removeprefix("sqlite:///"), path)
    real = settings.with_overrides(database_url=f"sqlite:///{path}")
    _seed(real.database_url, goerlitz_users=True)
    app = create_app(real)
    page = browser_page
    try:
        with serve(app) as base_url:
            login(page, base_url, "kreis", PASSWORDS["kreis"])
            # all 53 municipalities drawn (all have a population value)
            page.wait_for_function(f"() => ({COUNT_FEATURES})(0) === 53", timeout=30_000)  # type: ignore[attr-defined]
            base = page.evaluate(  # type: ignore[attr-defined]
                "() => document.querySelector('#overview-map .js-plotly-plot')"
                "._fullLayout.map.layers[0].color"
            )
            assert base == "#b3b3b3"  # the grey "keine Daten" base layer
            assert "Übersicht" in page.title()  # type: ignore[attr-defined]
            legend = page.inner_text("#overview-legend")  # type: ignore[attr-defined]
            assert "Einwohner (Zensus 2022)" in legend and "769 bis" in legend
            kpis = page.inner_text("#overview-kpis")  # type: ignore[attr-defined]
            assert "247.014 Personen" in kpis
            assert "GeoBasis-DE / BKG" in page.inner_text(".map-source")  # type: ignore[attr-defined]
            page.screenshot(path=str(screenshot_path("overview_population")), full_page=True)  # type: ignore[attr-defined]

            # page 2 of the ranking table, then a new indicator starts again on page 1
            first_rank = "#overview-ranking td[data-dash-column=rank]"
            page.click("#overview-ranking button.next-page")  # type: ignore[attr-defined]
            page.wait_for_function(  # type: ignore[attr-defined]
                f"() => document.querySelector('{first_rank}')?.innerText.trim() === '26'",
                timeout=15_000,
            )

            # switch the indicator through the dropdown like a user
            page.click("#overview-indicator")  # type: ignore[attr-defined]
            page.get_by_role("option", name="Kaufkraft je Einwohner").first.click()  # type: ignore[attr-defined]
            page.wait_for_function(  # type: ignore[attr-defined]
                "() => document.querySelector('#overview-legend').innerText"
                ".includes('Kaufkraft je Einwohner')",
                timeout=15_000,
            )
            hover = page.evaluate(  # type: ignore[attr-defined]
                "() => document.querySelector('#overview-map .js-plotly-plot')"
                "._fullData[0].hovertemplate"
            )
            assert "€ je Einwohner" in hover and "2015" in hover
            assert page.evaluate(COUNT_FEATURES, 0) == 53  # type: ignore[attr-defined]
            assert "2015" in page.inner_text("#overview-source")  # type: ignore[attr-defined]
            page.wait_for_function(  # type: ignore[attr-defined]
                f"() => document.querySelector('{first_rank}')?.innerText.trim() === '1'",
                timeout=15_000,
            )
            page.screenshot(path=str(screenshot_path("overview_kaufkraft")), full_page=True)  # type: ignore[attr-defined]

            # clicking a municipality opens its cockpit page (client-side navigation)
            page.evaluate(  # type: ignore[attr-defined]
                "() => { const gd = document.querySelector('#overview-map .js-plotly-plot');"
                " gd.emit('plotly_click', {points: [{location: '14626110'}]}); }"
            )
            page.wait_for_url("**/kommune/14626110", timeout=15_000)  # type: ignore[attr-defined]

            # the header's logout form posts with its CSRF token
            page.click("button:has-text('Abmelden')")  # type: ignore[attr-defined]
            page.wait_for_url("**/login**", timeout=15_000)  # type: ignore[attr-defined]
            assert "abgemeldet" in page.content()  # type: ignore[attr-defined]
    finally:
        app.extensions["cockpit"].engine.dispose()
