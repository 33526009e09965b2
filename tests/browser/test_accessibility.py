"""Accessibility and responsive layout of the cockpit pages (axe-core in headless Chromium).

One live server on a copy of the full demo data set and one browser for the whole module;
one logged-in browser context per demo user (login through the real form). Every page is
checked with axe-core (``node_modules/axe-core``, installed by ``scripts/setup.sh test``
via ``npm ci``): no violation of impact "serious" or "critical" is allowed; "moderate" and
"minor" ones are printed (run pytest with ``-s`` to see them). At 390×844 (phone) no page may
scroll horizontally. Screenshots of both sizes go to ``test-artifacts/a11y-*.png``.
"""

from __future__ import annotations

import base64
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cockpit import create_app
from cockpit.demo import DEMO_USERS
from cockpit.settings import PROJECT_ROOT, Settings, load_settings
from tests.browser_support import screenshot_path, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")
GOERLITZ = "14626110"

# Runs axe on the whole document; returns a compact list of the violations.
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))
    }));
}"""
# Dash has rendered the page: the router filled the page area, no callback is running.
DASH_SETTLED = """(selector) => document.querySelector(selector) !== null
    && document.querySelector('[data-dash-is-loading="true"]') === null"""
HORIZONTAL_OVERFLOW = """() => {
    const root = document.scrollingElement;
    const wide = [];
    // an element sticking out of the viewport inside a scrolling/clipping box is fine
    const clipped = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') { return true; }
        }
        return false;
    };
    if (root.scrollWidth > window.innerWidth + 1) {
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 1 && r.width > 0 && !clipped(el)) {
                wide.push((el.id ? '#' + el.id : el.tagName.toLowerCase())
                    + '.' + String(el.className).split(' ').join('.')
                    + ' → ' + Math.round(r.right));
            }
        }
    }
    return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 12)};
}"""
FOCUS_STYLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(), id: el.id, cls: String(el.className),
        text: (el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 60),
        outline: s.outlineStyle === 'none' || s.outlineWidth === '0px' ? 'none'
            : s.outlineStyle + ' ' + s.outlineWidth,
        shadow: s.boxShadow,
        inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
        inIndicator: el.closest('#overview-indicator') !== null,
    };
}"""


def _password(username: str) -> str:
    return next(spec.password for spec in DEMO_USERS if spec.username == username)


@dataclass(frozen=True)
class Check:
    """One page to check: who looks at it, where, and what shows it has rendered."""

    name: str
    user: str | None  # None: anonymous
    path: str
    ready: str  # CSS selector present once the page content is there
    then: Callable[[Any], None] | None = None  # a second state to check, e.g. open a dialog


def _open_edit_dialog(page: Any) -> None:
    page.click("#kommune-edit-mode")
    page.wait_for_selector(".kd-sections.is-editing")
    page.locator(".kd-sections.is-editing button:visible").first.click()
    page.wait_for_selector(".kd-modal.is-open form, .kd-modal.is-open input")
    page.wait_for_function(DASH_SETTLED, arg=".kd-modal.is-open")


CHECKS = [
    Check("login", None, "/login", "form input[name=username]"),
    Check("uebersicht-kreis", "kreis", "/", "#overview-map .js-plotly-plot"),
    Check("uebersicht-kommune", "kommune.goerlitz", "/", "#overview-map .js-plotly-plot"),
    Check(
        "kommune-kreis",
        "kreis",
        f"/kommune/{GOERLITZ}",
        ".kd-page #kommune-edit-mode",
        then=_open_edit_dialog,  # edit mode on, first item's dialog open
    ),
    Check("kommune-fremd", "kommune.zittau", f"/kommune/{GOERLITZ}", "#kd-public-note"),
    Check("themencluster", "kreis", "/themencluster", "#cluster-map .js-plotly-plot"),
    Check("benutzer", "admin", "/admin/benutzer", "main table"),
    Check("protokoll", "admin", "/admin/protokoll", "main form"),
    Check("passwort", "analyse", "/passwort", "form input[type=password]"),
    Check("kennzahlen-import", "kreis", "/indikatoren/import", "#indicator-import-upload"),
    Check("flaechen", "kreis", "/flaechen", ".fl-table tbody tr"),
]


@pytest.fixture(scope="module")
def live_url(
    tmp_path_factory: pytest.TempPathFactory, demo_template: Path, data_dir: Path
) -> Iterator[str]:
    """The cockpit on a module-wide copy of the demo database, served on a free port."""
    tmp = tmp_path_factory.mktemp("a11y")
    shutil.copy(demo_template, tmp / "demo.sqlite")
    settings: Settings = load_settings(
        environ={},
        database_url=f"sqlite:///{tmp / 'demo.sqlite'}",
        instance_dir=tmp / "instance",
        data_dir=data_dir,
        env="test",
        secret_key="test-secret-key-" + "x" * 32,
    )
    app = create_app(settings)
    try:
        with serve(app) as base_url:
            yield base_url
    finally:
        app.extensions["cockpit"].engine.dispose()


@pytest.fixture(scope="module")
def contexts(chromium: Any, live_url: str) -> Iterator[Callable[[str | None], Any]]:
    """One browser context per user (logged in once, reused across the pages)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} missing: run `scripts/setup.sh test` (npm ci)")
    made: dict[str | None, Any] = {}

    def get(user: str | None) -> Any:
        if user not in made:
            # bypass_csp: axe is injected as a script tag, which the app's CSP forbids.
            context = chromium.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
            if user is not None:
                page = context.new_page()
                page.goto(f"{live_url}/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", _password(user))
                page.click("button[type=submit]")
                page.wait_for_url(lambda url: "/login" not in url)
                page.close()
            made[user] = context
        return made[user]

    yield get
    for context in made.values():
        context.close()


def _shot(page: Any, name: str) -> Path:
    """Full-page screenshot via CDP (Playwright's own one can stall on WebGL maps)."""
    session = page.context.new_cdp_session(page)
    try:
        data = session.send(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )["data"]
    finally:
        session.detach()
    path = screenshot_path(f"a11y-{name}")
    path.write_bytes(base64.b64decode(data))
    return path


def _axe(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return violations


def _format(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} Knoten)")
        for node in v["nodes"][:5]:
            lines.append(f"      {node['target']}")
            summary = " ".join(str(node["summary"] or "").split())
            lines.append(f"        {summary[:300]}")
    return "\n".join(lines)


def _audit(page: Any, label: str, problems: list[str]) -> None:
    """axe on the current state: serious/critical -> ``problems``, the rest is printed."""
    violations = _axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    others = [v for v in violations if v["impact"] not in BLOCKING_IMPACTS]
    print(f"\n{label}: {len(blocking)} schwer/kritisch, {len(others)} mittel/gering")
    if others:
        print(_format(others))
    if blocking:
        problems.append(f"axe {label}:\n{_format(blocking)}")


@pytest.mark.parametrize("check", CHECKS, ids=[c.name for c in CHECKS])
def test_page_has_no_serious_axe_violations_and_fits_a_phone(
    check: Check, contexts: Callable[[str | None], Any], live_url: str
) -> None:
    started = time.perf_counter()
    page = contexts(check.user).new_page()
    problems: list[str] = []
    try:
        page.goto(live_url + check.path)
        page.wait_for_function(DASH_SETTLED, arg=check.ready, timeout=30_000)
        _audit(page, f"{check.path} ({check.user or 'anonym'}, 1366×768)", problems)
        _shot(page, f"{check.name}-1366")
        if check.then is not None:
            check.then(page)
            _audit(page, f"{check.path} ({check.user}, 1366×768, {check.then.__name__})", problems)
            _shot(page, f"{check.name}-then-1366")

        # Same page at phone width: media queries apply at once, Plotly resizes itself.
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(300)
        page.wait_for_function(DASH_SETTLED, arg=check.ready)
        overflow = page.evaluate(HORIZONTAL_OVERFLOW)
        if overflow["scrollWidth"] > overflow["innerWidth"] + 1:
            problems.append(f"scrolls horizontally at 390 px: {overflow}")
        _audit(page, f"{check.path} ({check.user or 'anonym'}, 390×844)", problems)
        _shot(page, f"{check.name}-390")
        print(f"  {time.perf_counter() - started:.1f} s")
        assert not problems, f"{check.path}:\n" + "\n".join(problems)
    finally:
        page.close()


def test_keyboard_skip_link_then_indicator_with_visible_focus(
    contexts: Callable[[str | None], Any], live_url: str
) -> None:
    page = contexts("kreis").new_page()
    check = CHECKS[1]
    try:
        page.goto(live_url + "/")
        page.wait_for_function(DASH_SETTLED, arg=check.ready, timeout=30_000)
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUS_STYLE)
        assert first is not None and "skip-link" in first["cls"], first
        assert first["text"] == "Zum Inhalt springen"
        assert first["inViewport"], f"skip link not visible when focused: {first}"
        assert first["outline"] != "none" or first["shadow"] != "none", first

        # Tab through the header: every stop shows a focus indicator, the indicator comes.
        stops = []
        for _ in range(25):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_STYLE)
            assert focused is not None
            stops.append(focused)
            assert focused["outline"] != "none" or focused["shadow"] != "none", (
                f"no visible focus on {focused}"
            )
            if focused["inIndicator"]:
                break
        assert stops[-1]["inIndicator"], f"indicator dropdown not reached: {stops}"

        # The skip link jumps over the header: Enter on it, then Tab -> the indicator.
        page.focus(".skip-link")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        after_skip = page.evaluate(FOCUS_STYLE)
        assert after_skip is not None and after_skip["inIndicator"], after_skip
        assert after_skip["outline"] != "none" or after_skip["shadow"] != "none", after_skip

        # The dropdown works by keyboard alone: open, next option, choose -> legend follows.
        legend = page.inner_text("#overview-legend")
        page.keyboard.press("Enter")
        in_list = "document.activeElement.matches('[role=listbox] input')"
        page.wait_for_function(f"() => {in_list}")
        current = page.evaluate("() => document.activeElement.value")
        page.keyboard.press("ArrowDown")
        page.wait_for_function(f"v => {in_list} && document.activeElement.value !== v", arg=current)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "before => document.querySelector('#overview-legend').innerText !== before",
            arg=legend,
            timeout=15_000,
        )
        chosen = page.evaluate(FOCUS_STYLE)
        assert chosen is not None and chosen["id"] == "overview-indicator", chosen
    finally:
        page.close()
