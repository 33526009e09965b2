"""Helpers for job queue tests: settings per backend, a real ``cockpit worker`` process,
the embedded consumer, polling."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from flask import Flask

from cockpit.jobqueue import EXTENSION, JobQueue
from cockpit.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("sqlite", "redis")
T = TypeVar("T")


def job_settings(base: Settings, backend: str = "sqlite", **overrides: object) -> Settings:
    """``base`` with the job queue on ``backend`` (Redis: a queue name of its own)."""
    changes: dict[str, object] = {"job_heartbeat_seconds": 5, "job_backend": backend}
    if backend == "redis":
        changes.update(redis_url=REDIS_URL, job_queue_name=f"cockpit-test-{secrets.token_hex(6)}")
    changes.update(overrides)
    settings = base.with_overrides(**changes)
    settings.validate()
    return settings


def queue_of(app: Flask) -> JobQueue:
    queue: JobQueue = app.extensions[EXTENSION]
    return queue


def flush(queue: JobQueue) -> None:
    """Drop the test's queue contents (its own Redis keys, or its SQLite queue file)."""
    queue.huey.storage.flush_all()


@contextmanager
def embedded(app: Flask) -> Iterator[JobQueue]:
    """The app's in-process consumer, started and stopped deterministically."""
    queue = queue_of(app)
    queue.start_embedded()
    try:
        yield queue
    finally:
        queue.stop_embedded()


def worker_env(settings: Settings) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(PROJECT_ROOT),
        "COCKPIT_ENV": "test",
        "COCKPIT_DATABASE_URL": settings.database_url,
        "COCKPIT_INSTANCE_DIR": str(settings.instance_dir),
        "COCKPIT_SECRET_KEY": settings.secret_key,
        "COCKPIT_JOB_BACKEND": settings.job_backend,
        "COCKPIT_JOB_QUEUE_NAME": settings.job_queue_name,
        "COCKPIT_JOB_HEARTBEAT_SECONDS": str(settings.job_heartbeat_seconds),
        "COCKPIT_JOB_TIME_LIMIT_SECONDS": str(settings.job_time_limit_seconds),
        "COCKPIT_REDIS_URL": settings.redis_url,
    }
    if settings.data_dir is not None:
        env["COCKPIT_DATA_DIR"] = str(settings.data_dir)
    return env


def start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    """``cockpit worker --workers 1`` as a real process on ``settings``."""
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from cockpit.cli import main; main()",
                "worker",
                "--workers",
                "1",
            ],
            cwd=PROJECT_ROOT,
            env=worker_env(settings),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a worker's log (for assertion messages)."""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def wait_until(probe: Callable[[], T | None], timeout: float, interval: float = 0.1) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
