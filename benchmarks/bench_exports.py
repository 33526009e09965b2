"""Benchmark of the print exports: map snapshots, Steckbriefe, all 53 reports, Germany PNG.

Builds a fresh SQLite demo database (``load_demo``: the real 53 municipalities of LK Görlitz
plus generated Kenndaten and areas), then times the full path service + rendering:

* district snapshot PDF (A4 landscape, with district outline and area layer);
* Steckbrief PDF of one municipality (Görlitz, the largest);
* "Steckbriefe aller Gemeinden" (53 PDFs into one zip, the background job run inline);
* a Germany-wide PNG snapshot (``de_gemeinden_vg250_2022_simplified.gpkg``, 10,990
  municipalities, Zensus 2022 population) rendered by the same renderer.

Run: ``.venv/bin/python benchmarks/bench_exports.py [--runs 5] [--full-germany] [--write]``.
``--write`` replaces this benchmark's section of ``benchmarks/RESULTS.md`` (between the
bench_exports markers; other sections are left alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402

from cockpit.db import make_engine, make_session_factory  # noqa: E402
from cockpit.demo import load_demo  # noqa: E402
from cockpit.domain.vocab import JobState, Visibility  # noqa: E402
from cockpit.exports import jobs, report, snapshot  # noqa: E402
from cockpit.exports.metadata import build_record  # noqa: E402
from cockpit.jobqueue import JobQueue  # noqa: E402
from cockpit.migrate import upgrade  # noqa: E402
from cockpit.services import exports as export_service  # noqa: E402
from cockpit.services import jobs as job_service  # noqa: E402
from cockpit.services.config import ServiceConfig  # noqa: E402
from cockpit.services.maps import BOUNDARY_ATTRIBUTION, IndicatorInfo  # noqa: E402
from cockpit.settings import load_settings  # noqa: E402
from layers.crs import to_metric  # noqa: E402
from layers.palettes import map_classes  # noqa: E402
from tests.config_support import TEST_CONFIG  # noqa: E402

DATA = Path(os.environ.get("COCKPIT_DATA_DIR", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- bench_exports:start -->", "<!-- bench_exports:end -->"


def timed(function: Callable[[], object], runs: int) -> tuple[list[float], object]:
    """Wall-clock seconds per run; CPU seconds of the process are kept in CPU_TIMES."""
    times, result = [], None
    CPU_TIMES.clear()
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - started)
        CPU_TIMES.append(time.process_time() - cpu)
    return times, result


CPU_TIMES: list[float] = []


def cpu_note() -> str:
    return f"CPU {statistics.median(CPU_TIMES):.2f} s" if CPU_TIMES else ""


def germany_snapshot(path: Path, dpi: int, column: str) -> tuple[float, float, int]:
    """(read seconds, render seconds, features) for a Germany-wide PNG."""
    started = time.perf_counter()
    frame = gpd.read_file(path, layer="gemeinden", columns=["AGS", "GEN", column])
    frame = to_metric(frame, "EPSG:25832")  # UTM 32N: the metric CRS of a Germany deployment
    read = time.perf_counter() - started
    values = [None if v != v else float(v) for v in frame[column]]
    started, cpu = time.perf_counter(), time.process_time()
    classes = map_classes(values, 0, "quantiles", 7, "viridis")
    geo = gpd.GeoDataFrame(
        {
            "ags": frame["AGS"],
            "name": frame["GEN"],
            "value": list(classes.values),
            "class_index": list(classes.classification.class_index),
            "colour": list(classes.colours),
        },
        geometry=frame.geometry,
        crs=frame.crs,
    )
    info = IndicatorInfo(
        key=column,
        label="Einwohner (Zensus 2022)" if column == "EWZ_2022" else "Fläche (berechnet)",
        unit="Personen" if column == "EWZ_2022" else "km²",
        category="",
        description="",
        source="Zensus 2022, Statistische Ämter des Bundes und der Länder",
        licence="dl-de/by-2-0",
        visibility=Visibility.PUBLIC,
        higher_is_better=None,
        decimals=0,
        is_demo=False,
        years=(2022,),
    )
    params = export_service.SnapshotParams("bevoelkerung", 2022, layers=("gemeinden",))
    data = export_service.SnapshotData(
        params=params,
        indicator=info,
        frame=geo,
        classes=classes,
        legend=export_service.legend_items(classes),
        no_data_count=sum(1 for v in values if v is None),
        areas=None,
        full_scope=True,
        provenance=export_service.Provenance(
            district_name="Deutschland",
            scope_text="Deutschland",
            sources=(BOUNDARY_ATTRIBUTION, info.source),
            is_demo=False,
            data_hash="0" * 64,
            metric_crs="EPSG:25832",
            extent=tuple(float(v) for v in geo.total_bounds),  # type: ignore[arg-type]
        ),
    )
    from cockpit.domain.roles import SYSTEM

    page = snapshot.PageSpec("png", "A4", "portrait", dpi)
    record = build_record(
        kind="snapshot",
        fmt="png",
        params=params.to_dict(),
        data_hash=data.data_hash,
        principal=SYSTEM,
        scope="Deutschland",
        title=info.label,
        render=page.to_dict(),
    )
    payload = snapshot.render_snapshot(data, page, record)
    render = time.perf_counter() - started
    CPU_TIMES[:] = [time.process_time() - cpu]
    (Path(tempfile.gettempdir()) / f"bench_germany_{dpi}dpi.png").write_bytes(payload)
    return read, render, len(geo)


class _Rows(list[tuple[str, str, str, str]]):
    """Prints each result as soon as it is measured."""

    def append(self, row: tuple[str, str, str, str]) -> None:
        print(" | ".join(row), flush=True)
        super().append(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-germany", action="store_true", help="also the 40 MB 2016 file")
    parser.add_argument("--skip-all", action="store_true", help="skip the 53-report run")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    load_at_start = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    url = f"sqlite:///{tmp / 'demo.sqlite'}"
    upgrade(url, metric_crs="EPSG:25833")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        load_demo(session, DATA, config=TEST_CONFIG, seed=2026)
    settings = load_settings(
        environ={},
        database_url=url,
        instance_dir=tmp / "instance",
        env="test",
        secret_key="x" * 40,
        data_dir=DATA,
    )
    rows: list[tuple[str, str, str, str]] = _Rows()
    with factory() as session:
        kreis = export_service.principal_for_username(session, "kreis")

        def district_pdf() -> bytes:
            params = export_service.SnapshotParams(
                "bevoelkerung", 2022, layers=("gemeinden", "kreisgrenze", "flaechen")
            )
            data = export_service.get_snapshot_data(
                session, kreis, params, config=replace(TEST_CONFIG, district_ags="14626")
            )
            page = snapshot.PageSpec("pdf", "A4", "landscape")
            record = build_record(
                kind="snapshot",
                fmt="pdf",
                params=params.to_dict(),
                data_hash=data.data_hash,
                principal=kreis,
                scope=data.scope_text,
                render=page.to_dict(),
            )
            return snapshot.render_snapshot(data, page, record)

        district_pdf()  # warm-up (font cache, imports)
        times, payload = timed(district_pdf, args.runs)
        rows.append(
            (
                "District snapshot PDF (A4, 53 municipalities + areas)",
                f"{statistics.median(times):.2f} s",
                f"max {max(times):.2f} s; {cpu_note()}",
                "≤ 2 s",
            )
        )

        mid = export_service.municipality_id_for_ags(session, kreis, "14626110")

        def one_report() -> bytes:
            data = export_service.get_report_data(
                session, kreis, mid, config=replace(TEST_CONFIG, district_ags="14626")
            )
            record = build_record(
                kind="report",
                fmt="pdf",
                params={"municipality": "14626110"},
                data_hash=data.data_hash,
                principal=kreis,
                scope=data.scope_text,
            )
            return report.render_report(data, record)

        times, payload = timed(one_report, max(3, args.runs // 2))
        assert isinstance(payload, bytes)
        rows.append(
            (
                "Steckbrief PDF of one municipality (Görlitz, 6 pages)",
                f"{statistics.median(times):.2f} s",
                f"max {max(times):.2f} s; {cpu_note()}",
                "≤ 5 s",
            )
        )

        if not args.skip_all:
            queue = JobQueue(settings, factory)
            config = ServiceConfig.from_settings(settings)
            started, cpu = time.perf_counter(), time.process_time()
            job = jobs.start_all_reports(queue, session, kreis, config, inline=True)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu
            state = job_service.get_job(session, kreis, job.id, config)
            assert state.state is JobState.DONE, state
            result = job_service.result_file(session, kreis, job.id, config)
            size = (queue.result_dir / result).stat().st_size
            rows.append(
                (
                    f"All 53 Steckbriefe into one zip ({size / 1e6:.1f} MB)",
                    f"{seconds:.1f} s",
                    f"CPU {cpu_seconds:.1f} s",
                    "≤ 3 min",
                )
            )

    for label, path, column in [
        ("2022 simplified", DATA / "de_gemeinden_vg250_2022_simplified.gpkg", "EWZ_2022")
    ] + (
        [("2016 full resolution", DATA / "de_gemeinden_vg250_2016.gpkg", "flaeche_km2_calc")]
        if args.full_germany
        else []
    ):
        read, render, count = germany_snapshot(path, 96, column)
        rows.append(
            (
                f"Germany PNG 96 dpi, {count:_} municipalities ({label}): render".replace("_", "."),
                f"{render:.2f} s",
                f"read {read:.2f} s; {cpu_note()}",
                "≤ 10 s",
            )
        )
    engine.dispose()

    table = ["| case | wall time (median) | notes | target |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    if args.write:
        section = (
            f"{START}\n## Print exports (`benchmarks/bench_exports.py`)\n\n"
            f"Run {dt.datetime.now():%Y-%m-%d %H:%M}; machine: {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average at start {load_at_start:.1f} "
            "(medians of several runs, warm process). Times include the authorizing service "
            "calls and the rendering (matplotlib Agg/PDF, fonts embedded as Type 3 subsets). "
            "Wall time rises with the load of other processes, so the CPU time of the "
            "exporting process is given as the load-independent figure (on an idle 2-core "
            "machine wall time ≈ CPU time).\n\n"
            f"{text}\n\n"
            "The Germany case renders the same snapshot layout from a GeoPackage (no "
            "database), reprojected to EPSG:25832; one `PatchCollection` above 3,000 features.\n"
            f"{END}"
        )
        current = (
            RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
        )
        if START in current:
            current = re.sub(
                re.escape(START) + ".*?" + re.escape(END), lambda _m: section, current, flags=re.S
            )
        else:
            current = current.rstrip("\n") + "\n\n" + section + "\n"
        RESULTS.write_text(current, encoding="utf-8")


if __name__ == "__main__":
    main()
