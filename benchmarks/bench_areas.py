"""Benchmark of the area-potential list/map service with many areas.

Builds a fresh database (SQLite, optionally PostGIS too) with the 53 real municipalities
of LK Görlitz and N synthetic areas (``benchmarks/area_generator.py``), then times
``cockpit.services.areas.list_areas`` for typical views (server time, median and max of
several runs) and measures the payload the browser would get (map GeoJSON + table rows
as JSON).

Run: ``.venv/bin/python benchmarks/bench_areas.py [--count 50000] [--postgres] [--write]``.
``--write`` updates this benchmark's section of ``benchmarks/RESULTS.md`` (between the
bench_areas markers; other sections are left alone).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from benchmarks.area_generator import generate_areas  # noqa: E402
from cockpit.db import make_engine, make_session_factory  # noqa: E402
from cockpit.domain.roles import SYSTEM, Principal, Role  # noqa: E402
from cockpit.domain.vocab import AreaKind, AreaStatus  # noqa: E402
from cockpit.migrate import upgrade  # noqa: E402
from cockpit.models import AreaPotential, Municipality  # noqa: E402
from cockpit.services import areas  # noqa: E402
from cockpit.services.areas import AreaFilter  # noqa: E402
from cockpit.services.importing import import_boundaries  # noqa: E402
from tests.config_support import TEST_CONFIG  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "lk_goerlitz_gemeinden_vg250_2016.gpkg"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- bench_areas:start -->", "<!-- bench_areas:end -->"
PAGE = 100  # table rows per page in the UI


def _payload(result: areas.AreaListResult) -> tuple[int, int]:
    geo = len(json.dumps(result.geojson, separators=(",", ":")))
    rows = len(
        json.dumps(
            [dataclasses.asdict(i) for i in result.items], default=str, separators=(",", ":")
        )
    )
    return geo, rows


def _scenarios(session: Any) -> list[tuple[str, Principal, AreaFilter]]:
    goerlitz = session.scalar(select(Municipality).where(Municipality.ags == "14626110"))
    centre = session.execute(
        select(AreaPotential.min_lon, AreaPotential.min_lat)
        .where(AreaPotential.municipality_id == goerlitz.id)
        .limit(1)
    ).one()
    kommune = Principal(
        user_id=0,
        username="bench-kommune",
        role=Role.KOMMUNE,
        municipality_ids=frozenset({goerlitz.id}),
    )
    lon, lat = centre
    return [
        ("Kreis gesamt, ohne Filter", SYSTEM, AreaFilter()),
        ("Gemeinde Görlitz", SYSTEM, AreaFilter(municipality_ids=(goerlitz.id,))),
        (
            "Gewerbe + verfügbar + ≥ 5 ha",
            SYSTEM,
            AreaFilter(kinds=(AreaKind.GEWERBE,), statuses=(AreaStatus.VERFUEGBAR,), min_ha=5),
        ),
        ("nicht bestätigt > 365 Tage", SYSTEM, AreaFilter(stale=True)),
        (
            "Kartenausschnitt ca. 7 × 5 km",
            SYSTEM,
            AreaFilter(bbox=(lon - 0.05, lat - 0.025, lon + 0.05, lat + 0.025)),
        ),
        ("Kommune (nur eigene Gemeinde)", kommune, AreaFilter()),
    ]


def run(url: str, count: int, runs: int, *, reuse: bool = False) -> list[dict[str, Any]]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    if not reuse:
        upgrade(url, metric_crs="EPSG:25833")
        with factory() as session:
            import_boundaries(
                session,
                SYSTEM,
                DATA,
                "14626",
                district_name="Landkreis Görlitz",
                config=TEST_CONFIG,
            )
            started = time.perf_counter()
            generate_areas(session, count, seed=2026)
            generated = time.perf_counter() - started
        print(f"{url.split(':')[0]}: {count} areas generated in {generated:.1f} s", flush=True)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    rows: list[dict[str, Any]] = []
    with factory() as session:
        for label, principal, filters in _scenarios(session):
            times = []
            result = None
            for _ in range(runs):
                session.expire_all()
                t0 = time.perf_counter()
                result = areas.list_areas(
                    session, principal, filters, limit=PAGE, config=TEST_CONFIG
                )
                times.append((time.perf_counter() - t0) * 1000)
                session.rollback()
            assert result is not None
            geo, table = _payload(result)
            rows.append(
                {
                    "scenario": label,
                    "total": result.total,
                    "map": result.map_feature_count,
                    "clustered": result.clustered,
                    "median_ms": statistics.median(times),
                    "max_ms": max(times),
                    "geo_kb": geo / 1024,
                    "table_kb": table / 1024,
                }
            )
            print(rows[-1], flush=True)
        area_id = session.scalar(select(AreaPotential.id).limit(1))
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            areas.get_area(session, SYSTEM, area_id, config=TEST_CONFIG)
            times.append((time.perf_counter() - t0) * 1000)
        rows.append(
            {
                "scenario": "Detail einer Fläche (get_area)",
                "total": 1,
                "map": 1,
                "clustered": False,
                "median_ms": statistics.median(times),
                "max_ms": max(times),
                "geo_kb": 0.0,
                "table_kb": 0.0,
            }
        )
    engine.dispose()
    return rows


def _de(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _table(title: str, rows: list[dict[str, Any]]) -> str:
    lines = [
        f"#### {title}",
        "",
        "| Ansicht | Treffer | Kartenobjekte | Karte | Serverzeit Median / Max (ms) "
        "| GeoJSON (KB) | Tabelle 100 Zeilen (KB) |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        mode = "Gruppen" if r["clustered"] else "Polygone"
        lines.append(
            f"| {r['scenario']} | {_de(r['total'])} | {_de(r['map'])} | {mode} | "
            f"{_de(r['median_ms'])} / {_de(r['max_ms'])} | {_de(r['geo_kb'])} | "
            f"{_de(r['table_kb'])} |"
        )
    slowest = max(rows, key=lambda r: r["median_ms"])
    largest = max(rows, key=lambda r: r["geo_kb"] + r["table_kb"])
    met = slowest["median_ms"] <= 200 and largest["geo_kb"] + largest["table_kb"] <= 500
    lines += [
        "",
        f"Ziel {'erreicht' if met else 'NICHT erreicht'}: langsamste Ansicht (Median) "
        f"{_de(slowest['median_ms'])} ms ({slowest['scenario']}), größte Ansicht "
        f"{_de(largest['geo_kb'] + largest['table_kb'])} KB ({largest['scenario']}).",
    ]
    return "\n".join(lines) + "\n"


def _write(sections: list[str], count: int, load: str) -> None:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    body = "\n".join(
        [
            START,
            "## Flächenpotenziale: Liste und Karte (`benchmarks/bench_areas.py`)",
            "",
            f"Stand {dt.date.today():%d.%m.%Y}; Rechner: {cpu}, {os.cpu_count()} Kerne, "
            f"{load}; Python {platform.python_version()}. "
            f"{_de(count)} synthetische Flächen (`benchmarks/area_generator.py`) in den 53 "
            "echten Gemeinden (VG250 2016). Serverzeit = Aufruf von `list_areas(...)` "
            "einschließlich aller Abfragen, Vereinfachung und Umprojektion (7 Läufe, eine "
            "Seite mit 100 Tabellenzeilen). Ziel: höchstens 200 ms und 500 KB je Ansicht. Über "
            f"{_de(areas.MAX_MAP_FEATURES)} Kartenobjekten liefert der Dienst Gruppen "
            "(Rasterzellen aus den bbox-Spalten, ein Index deckt die Abfrage ab) mit dem "
            "Hinweis „Bitte Ausschnitt verkleinern“.",
            "",
            *sections,
            END,
        ]
    )
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    if START in current and END in current:
        current = re.sub(
            re.escape(START) + ".*?" + re.escape(END), lambda _m: body, current, flags=re.S
        )
    else:
        current = current.rstrip("\n") + "\n\n" + body + "\n"
    RESULTS.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--sqlite-file", help="keep/reuse the SQLite database at this path")
    args = parser.parse_args()
    sections = []
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.sqlite_file) if args.sqlite_file else Path(tmp) / "bench.sqlite"
        rows = run(f"sqlite:///{path}", args.count, args.runs, reuse=path.exists())
        sections.append(_table("SQLite", rows))
    if args.postgres:
        admin_url = os.environ.get(
            "COCKPIT_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
        name = f"bench_areas_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            rows = run(admin_url.rsplit("/", 1)[0] + f"/{name}", args.count, args.runs)
            sections.append(_table("PostgreSQL 15 / PostGIS", rows))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    loads.append(os.getloadavg()[0])
    load = f"Load Average (1 min) während der Messung {_de(min(loads), 1)}–{_de(max(loads), 1)}"
    for section in sections:
        print(section)
    if args.write:
        _write(sections, args.count, load)


if __name__ == "__main__":
    main()
