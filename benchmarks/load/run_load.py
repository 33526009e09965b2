#!/usr/bin/env python3
"""Load benchmark: gunicorn (production mode) on PostgreSQL/PostGIS + Redis, driven by locust.

    .venv/bin/python benchmarks/load/run_load.py [--users 50] [--duration 120] [--workers 2]

Everything runs on loopback and is bounded in time: a fresh PostgreSQL database with the
demo data (``cockpit init-db`` + ``cockpit demo``), a private redis-server on a free port,
``gunicorn -c gunicorn.conf.py`` with N workers, then ``locust --headless``. Afterwards every
process started here is stopped and the database dropped. Locust lives in its own virtual
environment (``benchmarks/.cache/load-venv``, the ``[load]`` extra's pin) so that gevent
never enters the app's environment. Results: ``benchmarks/load/results/<timestamp>_*.csv``
and a summary printed as a markdown table for ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
LOAD_VENV = ROOT / "benchmarks" / ".cache" / "load-venv"
RESULTS = ROOT / "benchmarks" / "load" / "results"
PG_ADMIN = os.environ.get("COCKPIT_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432")
SECRET = "load-test-secret-key-" + "z" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_locust() -> Path:
    locust = LOAD_VENV / "bin" / "locust"
    if not locust.exists():
        print("==> installing locust into", LOAD_VENV, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
        subprocess.run(
            [str(LOAD_VENV / "bin" / "pip"), "install", "-q", "locust>=2.32"], check=True
        )
    return locust


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN}/postgres", "-qc", sql], check=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_ready(log: Path, workers: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()}")
        if log.read_text(errors="replace").count("Worker ready (pid:") >= workers:
            return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn not ready:\n{log.read_text()}")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """utime + stime of a process (seconds); with ``reaped_children`` also the CPU time of
    its children that have exited and been waited for (cutime + cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def app_cpu_seconds(master: int) -> float:
    """CPU time of gunicorn: master, live workers and workers that were recycled
    (``max_requests``) — recycled workers' time moves into the master's cutime."""
    return cpu_seconds(master, reaped_children=True) + sum(
        cpu_seconds(pid) for pid in children(master)
    )


def percentiles(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open(newline="") as handle:
        return list(csv.DictReader(handle))


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.0f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    locust = ensure_locust()
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M")
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = ROOT / "benchmarks" / ".cache" / f"load-{stamp}"
    work.mkdir(parents=True, exist_ok=True)
    db = f"cockpit_load_{uuid.uuid4().hex[:8]}"
    db_url = f"postgresql+psycopg://{PG_ADMIN.split('://', 1)[1]}/{db}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COCKPIT_", "GUNICORN_"))}
    redis_port, app_port = free_port(), free_port()
    env.update(
        {
            "COCKPIT_ENV": "production",
            "COCKPIT_SECRET_KEY": SECRET,
            "COCKPIT_DATABASE_URL": db_url,
            "COCKPIT_SECURE_COOKIES": "true",
            "COCKPIT_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "COCKPIT_INSTANCE_DIR": str(work / "instance"),
            "COCKPIT_LOG_JSON": "true",
            "COCKPIT_LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{app_port}",
            "GUNICORN_WORKERS": str(args.workers),
            "GUNICORN_THREADS": str(args.threads),
        }
    )
    processes: list[subprocess.Popen[bytes]] = []
    psql(f'CREATE DATABASE "{db}"')
    try:
        print(f"==> database {db}: migrate + demo", flush=True)
        subprocess.run([str(VENV_BIN / "cockpit"), "init-db"], env=env, check=True)
        subprocess.run(
            [str(VENV_BIN / "cockpit"), "demo"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        redis = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(redis_port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        processes.append(redis)
        log = work / "gunicorn.log"
        with log.open("wb") as log_file:
            app = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")],
                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        processes.append(app)
        wait_ready(log, args.workers, app)
        print(f"==> gunicorn ready on :{app_port} with {args.workers} workers", flush=True)
        prefix = RESULTS / stamp
        started = dt.datetime.now()
        load_before = os.getloadavg()
        cpu_before = app_cpu_seconds(app.pid)
        subprocess.run(
            [
                str(locust), "-f", str(ROOT / "benchmarks" / "load" / "locustfile.py"),
                "--headless", "--only-summary", "--host", f"http://127.0.0.1:{app_port}",
                "-u", str(args.users), "-r", str(args.spawn_rate),
                "-t", f"{args.duration}s", "--stop-timeout", "10",
                "--csv", str(prefix), "--loglevel", "WARNING",
            ],
            check=False, timeout=args.duration + 120,
        )  # fmt: skip
        load_after = os.getloadavg()
        cpu_used = app_cpu_seconds(app.pid) - cpu_before
        rows = percentiles(Path(f"{prefix}_stats.csv"))
        total = next((r for r in rows if r["Name"] == "Aggregated"), None)
        requests_done = int(total["Request Count"]) if total else 0
        errors = log.read_text(errors="replace").count('"level": "ERROR"')
        print(f"\n### Load test {started:%Y-%m-%d %H:%M} — {machine()}\n")
        print(
            f"{args.users} users (spawn {args.spawn_rate}/s), {args.duration} s, "
            f"gunicorn {args.workers} workers × {args.threads} threads, app ERROR log lines: "
            f"{errors}. Machine load average (1 min) before/after: {load_before[0]:.1f} / "
            f"{load_after[0]:.1f}; app workers used {cpu_used:.0f} CPU-s = "
            f"{1000 * cpu_used / max(requests_done, 1):.0f} ms CPU per request.\n"
        )
        print("| request | count | failures | median ms | p95 ms | p99 ms | max ms | req/s |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for row in rows:
            print(
                f"| {row['Name'] or row['Type']} | {row['Request Count']} | "
                f"{row['Failure Count']} | {row['50%']} | {row['95%']} | {row['99%']} | "
                f"{float(row['Max Response Time']):.0f} | {float(row['Requests/s']):.1f} |"
            )
        return 0
    finally:
        for process in reversed(processes):
            stop(process)
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
