"""The job queue: long work (export runs) on Huey, one API for both deployment modes.

* embedded (default; SQLite deployment, ``make run``): :class:`~huey.SqliteHuey` in
  ``<instance>/job_queue.sqlite3``; the web process runs a consumer of ``job_workers``
  threads, started with the first request it serves (never in the reloader's watcher
  process, never in CLI commands; with ``COCKPIT_ENV=test`` only by
  :meth:`JobQueue.start_embedded`);
* server (``COCKPIT_REDIS_URL`` set, or ``COCKPIT_JOB_BACKEND=redis``): :class:`~huey.RedisHuey`;
  the consumer is its own process, ``cockpit worker`` (systemd unit
  ``kommunal-cockpit-worker.service``).

The queue carries only a job id. The record (:mod:`cockpit.services.jobs`) holds state,
progress and heartbeat: a worker claims a queued job once (a job id never runs twice),
beats while it runs, and ends it done/failed/cancelled. Result files are written under a
temporary name and renamed atomically to a name derived from the job id. A periodic task
marks jobs of dead workers failed and purges old results.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.exceptions import TaskTimeout
from huey.signals import SIGNAL_INTERRUPTED
from sqlalchemy.orm import Session, sessionmaker

from cockpit.domain.errors import CockpitError
from cockpit.domain.roles import Principal
from cockpit.domain.vocab import JobState
from cockpit.services import jobs
from cockpit.services.config import ServiceConfig
from cockpit.settings import Settings
from layers.writers import atomic_target

log = logging.getLogger(__name__)

EXTENSION: Final = "cockpit_jobs"
FAILED_MESSAGE: Final = "Der Auftrag ist fehlgeschlagen. Bitte versuchen Sie es erneut."
PARTIAL_PREFIX: Final = ".partial-"


class JobStopped(Exception):
    """Raised by :meth:`JobContext.step` when the job was cancelled (or declared dead)."""


@dataclass(frozen=True)
class Outcome:
    """What a finished handler reports: a German message and the result file name."""

    message: str
    result_file: str = ""


@dataclass
class JobContext:
    """What a job handler gets: the claimed job, its user's principal, a session."""

    run: jobs.JobRun
    principal: Principal
    session: Session
    config: ServiceConfig
    settings: Settings
    result_dir: Path
    _session_factory: sessionmaker[Session]
    _task: Any = None

    def step(self, done: int, current: str = "") -> None:
        """Report progress; stop on cancel and when the time limit is exceeded."""
        if self._task is not None:
            self._task.check_timeout()  # raises TaskTimeout (cooperative in threads)
        with self._session_factory() as session:
            if jobs.report_progress(session, self.run.id, done, current):
                raise JobStopped(self.run.id)

    @contextmanager
    def result(self, name: str) -> Iterator[Path]:
        """A temporary path to write the result to; renamed to ``name`` when the block
        ends without error (a stopped or failed job leaves no file behind)."""
        tmp = self.result_dir / f"{PARTIAL_PREFIX}{self.run.id}-{secrets.token_hex(4)}"
        with atomic_target(self.result_dir / name, tmp) as partial:
            yield partial


Handler = Callable[[JobContext], Outcome]


def _duration(seconds: int) -> str:
    """German duration of a time limit: "90 Sekunden", "60 Minuten"."""
    return f"{seconds} Sekunden" if seconds < 120 else f"{round(seconds / 60)} Minuten"


def make_huey(settings: Settings) -> Huey:
    """The Huey of the configured backend (no result store: results live in our records)."""
    if settings.job_queue_backend == "redis":
        return RedisHuey(settings.job_queue_name, results=False, url=settings.redis_url)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    path = settings.instance_dir / "job_queue.sqlite3"
    return SqliteHuey(settings.job_queue_name, results=False, filename=str(path))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


class _Heartbeat:
    """Beats a running job every ``interval`` seconds from a daemon thread; it dies with
    the process, so a missing heartbeat means the worker is gone."""

    def __init__(self, factory: sessionmaker[Session], job_id: str, interval: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(factory, job_id, interval), daemon=True, name=f"beat-{job_id}"
        )

    def _run(self, factory: sessionmaker[Session], job_id: str, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                with factory() as session:
                    jobs.beat(session, job_id)
            except Exception as error:  # database briefly unavailable: try again next time
                log.warning("job %s: heartbeat failed: %s", job_id, error)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A Huey consumer inside the web process: threads only; the server owns the signals."""

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    """The Huey instance with the cockpit's one task (``run_job``) and the maintenance
    task, the job handlers by kind, and the embedded consumer."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.config = ServiceConfig.from_settings(settings)
        self.session_factory = session_factory
        self.result_dir = settings.instance_dir / "job_results"
        self.result_dir.mkdir(parents=True, exist_ok=True)
        self.huey = make_huey(settings)
        self._handlers: dict[str, Handler] = {}
        self._consumer: Consumer | None = None
        self._lock = threading.Lock()
        self._run_task = self.huey.task(
            context=True, name="run_job", timeout=settings.job_time_limit_seconds
        )(self._execute)
        self.huey.periodic_task(crontab(minute="*"), name="job_maintenance")(self.maintenance)
        self.huey.signal(SIGNAL_INTERRUPTED)(self._interrupted)

    @property
    def embedded(self) -> bool:
        return self.settings.job_queue_backend == "sqlite"

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def enqueue(self, job_id: str) -> None:
        self._run_task(job_id)
        log.info("job %s enqueued (%s)", job_id, self.settings.job_queue_backend)

    def run_now(self, job_id: str) -> None:
        """Run a queued job in this thread (the CLI), exactly as a worker would."""
        self._execute(job_id)

    # ------------------------------------------------------------------ execution

    def _execute(self, job_id: str, task: Any = None) -> None:
        with self.session_factory() as session:
            run = jobs.claim(session, job_id, worker_name())
        if run is None:
            return
        log.info("job %s (%s) started on %s", job_id, run.kind, worker_name())
        with _Heartbeat(self.session_factory, job_id, self.settings.job_heartbeat_seconds):
            state, outcome = self._outcome(run, task)
        with self.session_factory() as session:
            ended = jobs.finish(session, job_id, state, outcome.message, outcome.result_file)
        if ended:
            log.info("job %s ended %s", job_id, state.value)
            return
        log.warning("job %s ended %s but had been ended already", job_id, state.value)
        if outcome.result_file:  # no record points to it: no orphan result file stays
            (self.result_dir / outcome.result_file).unlink(missing_ok=True)

    def _outcome(self, run: jobs.JobRun, task: Any) -> tuple[JobState, Outcome]:
        try:
            return JobState.DONE, self._handle(run, task)
        except JobStopped:
            log.info("job %s stopped (cancelled or declared dead)", run.id)
            return JobState.CANCELLED, Outcome(jobs.CANCELLED_MESSAGE)
        except TaskTimeout:
            limit = self.settings.job_time_limit_seconds
            log.warning("job %s exceeded its time limit of %d s", run.id, limit)
            return JobState.FAILED, Outcome(
                f"Der Auftrag hat das Zeitlimit von {_duration(limit)} überschritten "
                "und wurde beendet."
            )
        except CockpitError as error:
            log.warning("job %s refused: %s", run.id, error)
            return JobState.FAILED, Outcome(error.user_message)
        except Exception:
            log.exception("job %s failed", run.id)
            return JobState.FAILED, Outcome(FAILED_MESSAGE)

    def _handle(self, run: jobs.JobRun, task: Any) -> Outcome:
        handler = self._handlers.get(run.kind)
        if handler is None:
            raise RuntimeError(f"no handler for job kind {run.kind!r}")
        with self.session_factory() as session:
            context = JobContext(
                run=run,
                principal=jobs.job_principal(session, run),
                session=session,
                config=self.config,
                settings=self.settings,
                result_dir=self.result_dir,
                _session_factory=self.session_factory,
                _task=task,
            )
            return handler(context)

    def _interrupted(self, _signal: str, task: Any) -> None:
        """The consumer shut down while the job ran: end it at once (no waiting for the
        heartbeat limit)."""
        job_id = str(task.args[0]) if task.args else ""
        with self.session_factory() as session:
            if job_id and jobs.finish(session, job_id, JobState.FAILED, jobs.INTERRUPTED_MESSAGE):
                log.warning("job %s interrupted by the worker shutdown", job_id)

    def maintenance(self) -> None:
        """Mark dead workers' jobs failed, delete expired results and stray partial files."""
        with self.session_factory() as session:
            jobs.expire_stale(session, self.config)
            names = jobs.purge_results(session, self.config)
        for name in names:
            (self.result_dir / name).unlink(missing_ok=True)
        limit = time.time() - self.settings.job_time_limit_seconds - 3600
        for path in self.result_dir.glob(PARTIAL_PREFIX + "*"):
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                log.info("job results: stray partial file %s removed", path.name)

    # ------------------------------------------------------------------ consumers

    def consumer(self, workers: int | None = None) -> Consumer:
        """A consumer for ``cockpit worker`` (main thread; SIGTERM stops gracefully)."""
        return Consumer(
            self.huey,
            workers=workers or self.settings.job_workers,
            worker_type="thread",
            periodic=True,
            max_delay=1.0,
            graceful_signal="TERM",
            shutdown_timeout=60,
        )

    def start_embedded(self) -> None:
        """Start the in-process consumer threads once (idempotent)."""
        with self._lock:
            if self._consumer is not None:
                return
            self._consumer = _EmbeddedConsumer(
                self.huey,
                workers=max(1, self.settings.job_workers),
                worker_type="thread",
                periodic=True,
                max_delay=1.0,
                shutdown_timeout=30,
            )
            self._consumer.start()
        log.info("embedded job consumer started (%d threads)", self.settings.job_workers)

    def stop_embedded(self) -> None:
        """Stop the in-process consumer, waiting for running jobs (bounded)."""
        with self._lock:
            consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop(graceful=True)
            log.info("embedded job consumer stopped")


def init_app(app: Flask, settings: Settings, session_factory: sessionmaker[Session]) -> JobQueue:
    """Create the app's queue; in embedded mode start its consumer with the first request."""
    queue = JobQueue(settings, session_factory)
    app.extensions[EXTENSION] = queue
    autostart = queue.embedded and settings.job_workers > 0 and settings.env != "test"
    if autostart:

        @app.before_request
        def _start_job_consumer() -> None:
            if queue._consumer is None:
                queue.start_embedded()

    return queue


def get_queue() -> JobQueue:
    queue: JobQueue = current_app.extensions[EXTENSION]
    return queue
