"""Benchmark of the overview map ("Übersicht"): our Patch design vs. a naive full-figure app.

For 53 municipalities (LK Görlitz, real boundaries and indicators) and ~11,000 (all of
Germany, VG250 2022 simplified, imported per district with the real importer; Zensus 2022
population plus one synthetic indicator) it measures, through Flask's test client with a
logged-in session and real ``/_dash-update-component`` payloads:

* first map: the router callback (page with figure, geometry by URL) + the GeoJSON route;
* indicator switch: the map callback (a ``dash.Patch``) and the ranking-table callback;
* the naive baseline (Plotly docs style: ``px.choropleth_map(geojson=<dict>, ...)`` built and
  sent in every callback) mounted as a second Dash app on the same server;
* "map ready after login" in headless Chromium (Playwright, Debian chromium).

Run: ``.venv/bin/python benchmarks/bench_overview.py [--skip-germany] [--skip-browser]``.
Writes its section of ``benchmarks/RESULTS.md`` (between the bench_overview markers).
The all-Germany database is cached in ``benchmarks/.cache/`` (delete it to re-import).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import plotly.express as px  # noqa: E402
from dash import Dash, Input, Output, dcc, html  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from cockpit import create_app  # noqa: E402
from cockpit.auth.principal import current_principal  # noqa: E402
from cockpit.dashboard import ids  # noqa: E402
from cockpit.db import make_engine, make_session_factory  # noqa: E402
from cockpit.domain.roles import SYSTEM, Role  # noqa: E402
from cockpit.domain.vocab import Visibility  # noqa: E402
from cockpit.migrate import upgrade  # noqa: E402
from cockpit.models import Indicator, IndicatorValue, Municipality  # noqa: E402
from cockpit.services import maps, users  # noqa: E402
from cockpit.services.importing import import_boundaries, import_indicators  # noqa: E402
from cockpit.settings import load_settings  # noqa: E402
from cockpit.web import get_db  # noqa: E402
from tests.config_support import TEST_CONFIG  # noqa: E402

DATA = Path(os.environ.get("COCKPIT_DATA_DIR", ROOT.parent / "shared" / "data"))
CACHE = ROOT / "benchmarks" / ".cache"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- bench_overview:start -->", "<!-- bench_overview:end -->"
USER, PASSWORD = "bench.kreis", "Bench-Kreis-Kennwort-2026!"
RUNS = 15
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

log = logging.getLogger("bench_overview")


# --------------------------------------------------------------------------- databases


def _add_user(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        users.create_user(
            session, SYSTEM, username=USER, password=PASSWORD, role=Role.KREIS_REDAKTION
        )
    engine.dispose()


def build_goerlitz(workdir: Path) -> str:
    path = workdir / "goerlitz.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url, metric_crs="EPSG:25833")
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        import_boundaries(
            session,
            SYSTEM,
            DATA / "lk_goerlitz_gemeinden_vg250_2016.gpkg",
            "14626",
            district_name="Landkreis Görlitz",
            config=TEST_CONFIG,
        )
        import_indicators(session, SYSTEM, DATA / "lk_goerlitz_kennzahlen.csv")
    engine.dispose()
    _add_user(url)
    return url


def build_germany(workdir: Path) -> str:
    """All German municipalities via the real importer, one district at a time (cached)."""
    cached = CACHE / "germany.sqlite"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = CACHE / "germany.building.sqlite"
        tmp.unlink(missing_ok=True)
        url = f"sqlite:///{tmp}"
        upgrade(url, metric_crs="EPSG:25833")
        source = DATA / "de_gemeinden_vg250_2022_simplified.gpkg"
        districts = sorted(
            {a[:5] for a in gpd.read_file(source, columns=["AGS"], ignore_geometry=True)["AGS"]}
        )
        engine = make_engine(url)
        started = time.perf_counter()
        with make_session_factory(engine)() as session:
            for n, district in enumerate(districts, 1):
                import_boundaries(
                    session,
                    SYSTEM,
                    source,
                    district,
                    where=f"AGS LIKE '{district}%' AND GEN IS NOT NULL",
                    config=TEST_CONFIG,
                )
                if n % 50 == 0:
                    print(
                        f"  {n}/{len(districts)} districts, {time.perf_counter() - started:.0f} s"
                    )
            import_indicators(session, SYSTEM, DATA / "de_gemeinden_zensus2022_bevoelkerung.csv")
            _add_synthetic_indicator(session)
        engine.dispose()
        _add_user(url)
        tmp.rename(cached)
    path = workdir / "germany.sqlite"
    shutil.copy(cached, path)
    return f"sqlite:///{path}"


def _add_synthetic_indicator(session: Any) -> None:
    """A synthetic public indicator (one decimal) for every municipality: the switch target."""
    indicator = Indicator(
        key="synthetischer_index",
        label="Synthetischer Index (Benchmark)",
        unit="Punkte",
        category="Benchmark",
        source="synthetisch (bench_overview.py)",
        visibility=Visibility.PUBLIC,
        decimals=1,
        is_demo=True,
    )
    session.add(indicator)
    session.flush()
    rng = random.Random(2026)
    rows = [
        {
            "indicator_id": indicator.id,
            "municipality_id": mid,
            "year": 2022,
            "value": round(rng.lognormvariate(4.0, 0.6), 1),
            "is_demo": True,
        }
        for mid in session.scalars(select(Municipality.id))
    ]
    session.execute(insert(IndicatorValue), rows)
    session.commit()


# --------------------------------------------------------------------------- naive baseline


def mount_naive(server: Flask) -> None:
    """The Plotly-docs way: full figure incl. GeoJSON dict in every callback response."""
    naive = Dash(
        "naive", server=server, url_base_pathname="/naive/", serve_locally=True, compress=False
    )
    naive.layout = html.Div([dcc.Dropdown(id="naive-indicator"), dcc.Graph(id="naive-map")])
    geojson_cache: dict[str, Any] = {}

    @naive.callback(Output("naive-map", "figure"), Input("naive-indicator", "value"))
    def _figure(value: str) -> Any:
        key, year = value.rsplit(":", 1)
        session, principal = get_db(), current_principal()
        if "geojson" not in geojson_cache:
            geojson_cache["geojson"] = json.loads(
                maps.get_display_geometry(session, principal).geojson
            )
        data = maps.get_choropleth_values(session, principal, key, int(year))
        return px.choropleth_map(
            geojson=geojson_cache["geojson"],
            featureidkey="properties.ags",
            locations=list(data.ags),
            color=list(data.values),
            hover_name=list(data.names),
            map_style="white-bg",
            zoom=7,
            center={"lat": 51.1, "lon": 14.7},
        )


# --------------------------------------------------------------------------- measuring


def login(client: FlaskClient) -> None:
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True))
    assert token, "no CSRF token on /login"
    response = client.post(
        "/login", data={"csrf_token": token.group(1), "username": USER, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code


def post(
    client: FlaskClient,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, Any]],
    state: list[tuple[str, str, Any]] | None = None,
    prefix: str = "",
) -> tuple[int, float, int]:
    """(bytes on the wire with gzip accepted, server seconds, uncompressed bytes)."""
    body: dict[str, Any] = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state or []],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    if len(outputs) == 1:
        body["output"] = f"{outputs[0][0]}.{outputs[0][1]}"
        body["outputs"] = body["outputs"][0]
    started = time.perf_counter()
    response = client.post(
        f"{prefix}/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.data[:300]
    wire = response.data
    raw = gzip.decompress(wire) if response.headers.get("Content-Encoding") == "gzip" else wire
    return len(wire), elapsed, len(raw)


def median_of(runs: int, fn: Callable[[], tuple[int, float, int]]) -> tuple[int, float, int]:
    results = [fn() for _ in range(runs)]
    return (
        max(r[0] for r in results),
        statistics.median(r[1] for r in results),
        max(r[2] for r in results),
    )


def measure_case(
    name: str, url: str, workdir: Path, switch: list[tuple[str, int]]
) -> dict[str, Any]:
    settings = load_settings(
        environ={},
        database_url=url,
        instance_dir=workdir / f"instance-{name}",
        env="test",
        secret_key="bench-" + "x" * 40,
    )
    app = create_app(settings)
    mount_naive(app)
    client = app.test_client()
    login(client)
    result: dict[str, Any] = {"case": name}

    def route() -> tuple[int, float, int]:
        return post(
            client,
            [(ids.PAGE, "children"), (ids.NAV, "children"), (ids.PAGE_TITLE, "data")],
            [(ids.URL, "pathname", "/")],
        )

    # cold = first call in this process (builds the geometry cache), then warm median
    result["first_cold"] = route()
    result["first"] = median_of(max(3, RUNS // 3), route)
    page = client.post(
        "/_dash-update-component",
        json={
            "output": f"..{ids.PAGE}.children...{ids.NAV}.children...{ids.PAGE_TITLE}.data..",
            "outputs": [
                {"id": ids.PAGE, "property": "children"},
                {"id": ids.NAV, "property": "children"},
                {"id": ids.PAGE_TITLE, "property": "data"},
            ],
            "inputs": [{"id": ids.URL, "property": "pathname", "value": "/"}],
            "changedPropIds": [f"{ids.URL}.pathname"],
        },
    ).get_json()
    geo_url = re.search(r"/geo/municipalities/[0-9a-f]+\.geojson", json.dumps(page))
    assert geo_url
    started = time.perf_counter()
    geo = client.get(geo_url.group(0), headers={"Accept-Encoding": "gzip"})
    result["geo"] = (len(geo.data), time.perf_counter() - started)
    plain = client.get(geo_url.group(0), headers={"Accept-Encoding": "identity"})
    result["geo_raw"] = len(plain.data)

    toggle = {"i": 0}

    def switch_map() -> tuple[int, float, int]:
        key, year = switch[toggle["i"] % len(switch)]
        toggle["i"] += 1
        return post(
            client,
            [
                (ids.OVERVIEW_MAP, "figure"),
                (ids.OVERVIEW_INFO, "data"),
                (ids.OVERVIEW_STATUS, "children"),
            ],
            [
                (ids.OVERVIEW_INDICATOR, "value", key),
                (ids.OVERVIEW_YEAR, "value", year),
                (ids.OVERVIEW_METHOD, "value", "quantiles"),
                (ids.OVERVIEW_CLASSES, "value", 5),
                (ids.OVERVIEW_PALETTE, "value", "blues"),
            ],
            [(ids.OVERVIEW_STATUS, "children", None)],
        )

    def switch_ranking() -> tuple[int, float, int]:
        key, year = switch[toggle["i"] % len(switch)]
        toggle["i"] += 1
        return post(
            client,
            [
                (ids.OVERVIEW_RANKING, "data"),
                (ids.OVERVIEW_RANKING, "page_count"),
                (ids.OVERVIEW_RANKING, "page_current"),
            ],
            [
                (ids.OVERVIEW_INDICATOR, "value", key),
                (ids.OVERVIEW_YEAR, "value", year),
                (ids.OVERVIEW_RANKING, "page_current", 0),
                (ids.OVERVIEW_RANKING, "sort_by", []),
            ],
        )

    def switch_natural() -> tuple[int, float, int]:
        key, year = switch[toggle["i"] % len(switch)]
        toggle["i"] += 1
        return post(
            client,
            [
                (ids.OVERVIEW_MAP, "figure"),
                (ids.OVERVIEW_INFO, "data"),
                (ids.OVERVIEW_STATUS, "children"),
            ],
            [
                (ids.OVERVIEW_INDICATOR, "value", key),
                (ids.OVERVIEW_YEAR, "value", year),
                (ids.OVERVIEW_METHOD, "value", "natural_breaks"),
                (ids.OVERVIEW_CLASSES, "value", 5),
                (ids.OVERVIEW_PALETTE, "value", "blues"),
            ],
            [(ids.OVERVIEW_STATUS, "children", None)],
        )

    result["switch"] = median_of(RUNS, switch_map)
    key, year = switch[0]
    body = client.post(
        "/_dash-update-component",
        json={
            "output": (
                f"..{ids.OVERVIEW_MAP}.figure...{ids.OVERVIEW_INFO}.data..."
                f"{ids.OVERVIEW_STATUS}.children.."
            ),
            "outputs": [
                {"id": ids.OVERVIEW_MAP, "property": "figure"},
                {"id": ids.OVERVIEW_INFO, "property": "data"},
                {"id": ids.OVERVIEW_STATUS, "property": "children"},
            ],
            "inputs": [
                {"id": ids.OVERVIEW_INDICATOR, "property": "value", "value": key},
                {"id": ids.OVERVIEW_YEAR, "property": "value", "value": year},
                {"id": ids.OVERVIEW_METHOD, "property": "value", "value": "quantiles"},
                {"id": ids.OVERVIEW_CLASSES, "property": "value", "value": 5},
                {"id": ids.OVERVIEW_PALETTE, "property": "value", "value": "blues"},
            ],
            "state": [{"id": ids.OVERVIEW_STATUS, "property": "children", "value": None}],
            "changedPropIds": [f"{ids.OVERVIEW_INDICATOR}.value"],
        },
    ).get_json()
    patch = body["response"][ids.OVERVIEW_MAP]["figure"]
    result["patch_bytes"] = len(json.dumps(patch, separators=(",", ":")).encode())
    result["switch_jenks"] = median_of(max(3, RUNS // 3), switch_natural)
    result["ranking"] = median_of(RUNS, switch_ranking)

    def naive() -> tuple[int, float, int]:
        key, year = switch[toggle["i"] % len(switch)]
        toggle["i"] += 1
        return post(
            client,
            [("naive-map", "figure")],
            [("naive-indicator", "value", f"{key}:{year}")],
            prefix="/naive",
        )

    naive()  # warm the naive geometry cache
    result["naive"] = median_of(max(3, RUNS // 3), naive)
    result["municipalities"] = len(json.loads(plain.data)["features"])
    app.extensions["cockpit"].engine.dispose()
    return result


def measure_browser(name: str, url: str, workdir: Path, runs: int = 5) -> list[float]:
    """Seconds from submitting the login form until every municipality is drawn."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve

    settings = load_settings(
        environ={},
        database_url=url,
        instance_dir=workdir / f"instance-browser-{name}",
        env="test",
        secret_key="bench-" + "x" * 40,
    )
    app = create_app(settings)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        count = len(session.scalars(select(Municipality.id)).all())
    engine.dispose()
    ready_js = f"""() => {{
        const gd = document.querySelector('#overview-map .js-plotly-plot');
        if (!(gd && gd.calcdata && gd.calcdata[0] && gd.data[0].z)) {{ return false; }}
        const expected = gd.data[0].z.filter(v => v !== null).length;
        return expected > 0 && expected <= {count} &&
               gd.calcdata[0].filter(d => d.fOut).length === expected;
    }}"""
    timings = []
    with serve(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            started = time.perf_counter()
            page.click("button[type=submit]")
            page.wait_for_function(ready_js, timeout=120_000, polling=50)
            timings.append(time.perf_counter() - started)
            context.close()
        browser.close()
    app.extensions["cockpit"].engine.dispose()
    return timings


# --------------------------------------------------------------------------- report


def _kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB".replace(",", " ")


def _ms(s: float) -> str:
    return f"{s * 1000:,.1f} ms".replace(",", " ")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        ram = "? RAM"
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores (nproc), {cpu}, {ram}, Python {platform.python_version()}, "
        f"load average at start {load:.1f}"
    )


def render(results: list[dict[str, Any]], browser: dict[str, list[float]], started: str) -> str:
    lines = [
        START,
        "## Overview map (`benchmarks/bench_overview.py`)",
        "",
        f"Run {started}; machine: {machine()}. Server-side numbers through Flask's test client",
        "with a logged-in session and real `/_dash-update-component` payloads (median of "
        f"{RUNS} runs for switches). Bytes: on the wire with `Accept-Encoding: gzip` (the app "
        "gzips Dash's JSON responses, `cockpit/dashboard/compression.py`), uncompressed in "
        "brackets.",
        "",
        "| case | measurement | ours: bytes | ours: server time | naive: bytes "
        "| naive: server time |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        n = r["municipalities"]
        lines += [
            f"| {n} municipalities | first map: page callback (cold, builds geometry cache) "
            f"| {_kb(r['first_cold'][0])} ({_kb(r['first_cold'][2])}) "
            f"| {_ms(r['first_cold'][1])} | – | – |",
            f"| {n} municipalities | first map: page callback (warm) "
            f"| {_kb(r['first'][0])} ({_kb(r['first'][2])}) | {_ms(r['first'][1])} "
            f"| {_kb(r['naive'][0])} ({_kb(r['naive'][2])}) | {_ms(r['naive'][1])} |",
            f"| {n} municipalities | first map: geometry route (cached by the browser for a year) "
            f"| {_kb(r['geo'][0])} ({_kb(r['geo_raw'])}) | {_ms(r['geo'][1])} "
            "| (inside the figure) | – |",
            f"| {n} municipalities | **indicator switch: map Patch + legend/KPI data** (quantiles) "
            f"| **{r['switch'][0]:,} B** ({r['switch'][2]:,} B) | **{_ms(r['switch'][1])}** "
            f"| {_kb(r['naive'][0])} ({_kb(r['naive'][2])}) | {_ms(r['naive'][1])} |",
            f"| {n} municipalities | of which the figure `Patch` alone (uncompressed) "
            f"| {r['patch_bytes']:,} B | – | – | – |",
            f"| {n} municipalities | indicator switch with natural breaks (Jenks) "
            f"| {r['switch_jenks'][0]:,} B ({r['switch_jenks'][2]:,} B) "
            f"| {_ms(r['switch_jenks'][1])} | – | – |",
            f"| {n} municipalities | indicator switch: ranking table page (25 rows) "
            f"| {r['ranking'][0]:,} B ({r['ranking'][2]:,} B) | {_ms(r['ranking'][1])} | – | – |",
        ]
    lines += [
        "",
        "Map ready after login in headless Chromium (Playwright, Debian chromium; from "
        "submitting the login form until every municipality is drawn):",
        "",
    ]
    lines += ["| case | runs (s) | median |", "|---|---|---|"]
    for name, timings in browser.items():
        runs = ", ".join(f"{t:.2f}" for t in timings)
        lines.append(f"| {name} | {runs} | {statistics.median(timings):.2f} s |")
    lines += [
        "",
        "Note: `load average at start` is the 1-minute load of this 2-core machine; with "
        "other processes running, server and browser times are upper bounds (CPU-starved), "
        "while byte counts are exact. Each browser run uses a fresh browser context (empty "
        "cache: first visit). The browser loads the cockpit's trimmed Plotly bundle "
        "(`scripts/plotly`, 2.9 MB: the four trace types the app draws) instead of the full "
        "4.8 MB `plotly.min.js`, which alone took ~0.9 s of main-thread time to evaluate.",
        "",
        "Targets: 53 — switch ≤ 1 KB and ≤ 20 ms, map ready ≤ 2 s; ~11,000 — switch ≤ 80 KB "
        "and ≤ 150 ms, first map ≤ 4 s. The naive baseline builds `px.choropleth_map` with the "
        "GeoJSON dict in every callback, as in the Plotly documentation.",
        "The ~11,000 case: `de_gemeinden_vg250_2022_simplified.gpkg` imported with "
        "`import_boundaries` per district (gemeindefreie Gebiete skipped by the importer), "
        "Zensus 2022 population via `import_indicators`, plus one synthetic indicator "
        "(`synthetischer_index`, log-normal, one decimal).",
        END,
    ]
    return "\n".join(lines)


def write_results(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-germany", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    results, browser = [], {}
    with tempfile.TemporaryDirectory(prefix="bench_overview_") as tmp:
        workdir = Path(tmp)
        print("building Görlitz database …")
        goerlitz = build_goerlitz(workdir)
        results.append(
            measure_case(
                "goerlitz",
                goerlitz,
                workdir,
                [("kaufkraft_eur_je_ew", 2015), ("bevoelkerung", 2022)],
            )
        )
        if not args.skip_browser:
            browser["53 municipalities"] = measure_browser("goerlitz", goerlitz, workdir)
        if not args.skip_germany:
            print("building all-Germany database (cached after the first run) …")
            germany = build_germany(workdir)
            results.append(
                measure_case(
                    "germany",
                    germany,
                    workdir,
                    [("synthetischer_index", 2022), ("bevoelkerung", 2022)],
                )
            )
            if not args.skip_browser:
                browser[f"{results[-1]['municipalities']:,} municipalities"] = measure_browser(
                    "germany", germany, workdir, runs=2
                )
    section = render(results, browser, started)
    print(section)
    if not args.no_write:
        write_results(section)


if __name__ == "__main__":
    main()
