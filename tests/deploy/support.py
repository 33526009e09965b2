"""Helpers for the deployment tests: sample data, real gunicorn/redis/nginx processes, HTTP.

Every process started here runs in its own session (process group) on a free loopback port
and is stopped by the helper that started it — never by name.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import requests
import shapely
from sqlalchemy import text

from cockpit.db import make_engine, make_session_factory
from cockpit.domain.roles import SYSTEM, Role
from cockpit.domain.vocab import MunicipalityKind, Visibility
from cockpit.models import AuditLog, District, Indicator, IndicatorValue, Municipality
from cockpit.settings import PROJECT_ROOT
from layers.crs import to_metric
from tests.config_support import TEST_METRIC_CRS

VENV_BIN = Path(sys.executable).parent
GUNICORN = str(VENV_BIN / "gunicorn")
SECRET_KEY = "deploy-test-secret-key-" + "k" * 40

USERS = {
    # username: (password, role, municipality AGS or None)
    "kreis.test": ("Kreis-Test-Passwort-2026!", Role.KREIS_REDAKTION, None),
    "analyse.test": ("Analyse-Test-Passwort-2026!", Role.ANALYSE, None),
    "kommune.test": ("Kommune-Test-Passwort-2026!", Role.KOMMUNE, "14626110"),
    "redaktion.test": ("Redaktion-Test-Passwort-2026!", Role.KREIS_REDAKTION, None),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- data ---------------------------------------------------------------------------------


def fill_sample_data(database_url: str, data_dir: Path) -> None:
    """The 53 real municipalities (VG250 2016, both geometries), one indicator with values,
    three users of different roles and an audit entry — in one transaction."""
    from cockpit.services import users

    frame = gpd.read_file(data_dir / "lk_goerlitz_gemeinden_vg250_2016.gpkg", layer="gemeinden")
    metric = to_metric(frame, TEST_METRIC_CRS)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            district = District(
                ags="14626",
                name="Landkreis Görlitz",
                boundary=_multi(shapely.union_all(list(metric.geometry))),
                source="VG250",
            )
            session.add(district)
            indicator = Indicator(
                key="ewz_2022",
                label="Einwohner (Zensus 2022)",
                unit="Personen",
                visibility=Visibility.PUBLIC,
                decimals=0,
            )
            session.add(indicator)
            for (_, row), metric_geom in zip(frame.iterrows(), metric.geometry, strict=True):
                municipality = Municipality(
                    district=district,
                    ags=row["AGS"],
                    ars=row["ARS"],
                    name=row["GEN"],
                    kind=MunicipalityKind.STADT
                    if "Stadt" in row["BEZ"]
                    else MunicipalityKind.GEMEINDE,
                    boundary=_multi(metric_geom),
                    display_boundary=_multi(row.geometry),
                    area_km2=float(row["flaeche_km2_calc"]),
                    source="VG250 2016",
                )
                session.add(municipality)
                session.flush()
                session.add(
                    IndicatorValue(
                        indicator=indicator,
                        municipality_id=municipality.id,
                        year=2022,
                        value=float(row["EWZ_2022"]),
                        source="Zensus 2022",
                    )
                )
            session.add(AuditLog(action="sample", actor_name="test", details={"n": 53}))
            session.commit()
            ids = dict(session.execute(text("SELECT ags, id FROM municipality")).all())
            for username, (password, role, ags) in USERS.items():
                users.create_user(
                    session,
                    SYSTEM,
                    username=username,
                    password=password,
                    role=role,
                    municipality_ids=[ids[ags]] if ags else [],
                )
    finally:
        engine.dispose()


def _multi(geometry: shapely.Geometry) -> shapely.MultiPolygon:
    if isinstance(geometry, shapely.MultiPolygon):
        return geometry
    return shapely.MultiPolygon([geometry])


# --- HTTP ---------------------------------------------------------------------------------


class LoopbackSession(requests.Session):
    """Sends ``Secure`` cookies over plain http to a loopback gunicorn (TLS ends at nginx)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def http_session() -> requests.Session:
    return LoopbackSession()


def pid_with_local_port(port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` owns the TCP socket with local ``port`` (e.g. a DB client socket)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    return None


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def login(
    session: requests.Session, base_url: str, username: str, password: str
) -> requests.Response:
    """POST the real login form (with its CSRF token); returns the response (no redirects)."""
    page = session.get(f"{base_url}/login", timeout=30)
    page.raise_for_status()
    match = CSRF_RE.search(page.text)
    assert match, "login page carries no CSRF token"
    token = match.group(1) or match.group(2)
    return session.post(
        f"{base_url}/login",
        data={"csrf_token": token, "username": username, "password": password, "next": ""},
        allow_redirects=False,
        timeout=30,
    )


# --- processes ----------------------------------------------------------------------------


def _stop(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free port (never the shared one on 6379)."""
    port = free_port()
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_port(port, process, 10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def production_env(
    database_url: str, redis_url: str, tmp_path: Path, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COCKPIT_", "GUNICORN_"))}
    env.update(
        {
            "COCKPIT_ENV": "production",
            "COCKPIT_SECRET_KEY": SECRET_KEY,
            "COCKPIT_DATABASE_URL": database_url,
            "COCKPIT_SECURE_COOKIES": "true",
            "COCKPIT_INSTANCE_DIR": str(tmp_path / "instance"),
            "COCKPIT_LOG_JSON": "true",
        }
    )
    if redis_url:
        env["COCKPIT_REDIS_URL"] = redis_url
        env["COCKPIT_RATELIMIT_STORAGE_URL"] = redis_url
    env.update(extra)
    return env


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return sorted(int(pid) for pid in children.read_text().split())

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_workers(self, count: int, ready: int = 0, timeout: float = 180) -> list[int]:
        """Wait until ``count`` workers run and ``ready`` (default ``count``) workers in
        total have loaded the app since the start (the "Worker ready" log lines)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            loaded = self.log().count("Worker ready (pid:")
            if loaded >= (ready or count) and len(self.worker_pids()) == count:
                return self.worker_pids()
            time.sleep(0.2)
        raise TimeoutError(f"gunicorn not ready after {timeout}s:\n{self.log()}")


@contextmanager
def gunicorn(
    env: Mapping[str, str], tmp_path: Path, *, workers: int = 2, threads: int = 4
) -> Iterator[Gunicorn]:
    """``gunicorn -c gunicorn.conf.py`` (the production command) on a free loopback port."""
    port = free_port()
    log_path = tmp_path / f"gunicorn-{port}.log"
    full_env = dict(env)
    full_env.update(
        {
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_TIMEOUT": "60",
        }
    )
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [GUNICORN, "--config", str(PROJECT_ROOT / "gunicorn.conf.py")],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(process, port, log_path)
    try:
        server.wait_for_workers(workers)
        yield server
    finally:
        _stop(process, timeout=30)
