"""Background jobs for long exports ("Steckbriefe aller Gemeinden"), with progress and cancel.

The work runs in a small thread pool of the web process (the UI is never blocked); the
job STATE lives outside the process so that every gunicorn worker can answer progress,
cancel and download requests:

* :class:`RedisJobStore` when ``COCKPIT_REDIS_URL`` is set (state and cancel flag in Redis,
  one day TTL);
* :class:`FileJobStore` otherwise (JSON files in ``<instance>/export_jobs``, written
  atomically; fine for several workers on ONE host).

The result zip is written to ``<instance>/export_jobs`` (a shared volume in production)
under a temporary name and renamed only when complete: a cancelled or failed job leaves
no half-written file.

Heartbeat: while a job is queued or running, its process refreshes a heartbeat (a
``<id>.heartbeat`` file, or a Redis key) every few seconds from a daemon thread and after
every report. Every status request checks it: an unfinished job without a heartbeat for
``COCKPIT_EXPORT_JOB_STALE_SECONDS`` (default 120 s) belonged to a process that died
(worker killed, deploy, OOM) and is marked "abgebrochen" with :data:`INTERRUPTED_MESSAGE`;
its partial zip is removed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session, sessionmaker

from cockpit.domain.errors import CockpitError, NotFoundError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.exports import build, report
from cockpit.exports.metadata import ExportRecord, build_record, now_utc
from cockpit.services import authz
from cockpit.services import exports as export_service
from cockpit.services.config import ServiceConfig
from cockpit.settings import Settings

log = logging.getLogger(__name__)

QUEUED: Final = "wartend"
RUNNING: Final = "läuft"
DONE: Final = "fertig"
CANCELLED: Final = "abgebrochen"
FAILED: Final = "fehlgeschlagen"
FINISHED: Final = frozenset({DONE, CANCELLED, FAILED})
JOB_TTL_SECONDS: Final = 24 * 3600
DEFAULT_STALE_SECONDS: Final = 120
INTERRUPTED_MESSAGE: Final = (
    "Der Export wurde unterbrochen (Serverprozess beendet). Bitte starten Sie ihn erneut."
)
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True)
class JobState:
    id: str
    kind: str
    user: str
    status: str
    total: int
    done: int = 0
    current: str = ""
    message: str = ""
    created_at: str = ""
    finished_at: str = ""
    result_name: str = ""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["percent"] = self.percent
        data["finished"] = self.finished
        return data


class JobStore(Protocol):
    directory: Path
    stale_after_seconds: float

    def save(self, state: JobState) -> None: ...
    def load(self, job_id: str) -> JobState | None: ...
    def request_cancel(self, job_id: str) -> None: ...
    def cancel_requested(self, job_id: str) -> bool: ...
    def beat(self, job_id: str) -> None: ...
    def last_beat(self, job_id: str) -> float | None: ...


def heartbeat_interval(stale_after_seconds: float) -> float:
    """Seconds between heartbeats: a quarter of the stale limit, 0.2 to 5 s."""
    return max(0.2, min(5.0, stale_after_seconds / 4))


def _check_id(job_id: str) -> str:
    if not job_id or len(job_id) > 64 or not set(job_id) <= _ID_CHARS:
        raise NotFoundError(f"bad job id {job_id!r}", "Der Exportauftrag wurde nicht gefunden.")
    return job_id


class FileJobStore:
    """Job state as JSON files (atomic replace); cancel = a marker file; heartbeat = the
    modification time of ``<id>.heartbeat``."""

    def __init__(self, directory: Path, stale_after_seconds: float = DEFAULT_STALE_SECONDS) -> None:
        self.directory = directory
        self.stale_after_seconds = stale_after_seconds
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, job_id: str, suffix: str) -> Path:
        return self.directory / f"{_check_id(job_id)}{suffix}"

    def save(self, state: JobState) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".state-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(state), handle, ensure_ascii=False)
        os.replace(tmp, self._path(state.id, ".json"))

    def load(self, job_id: str) -> JobState | None:
        path = self._path(job_id, ".json")
        try:
            return JobState(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    def request_cancel(self, job_id: str) -> None:
        self._path(job_id, ".cancel").touch()

    def cancel_requested(self, job_id: str) -> bool:
        return self._path(job_id, ".cancel").exists()

    def beat(self, job_id: str) -> None:
        path = self._path(job_id, ".heartbeat")
        path.touch()
        os.utime(path)  # touch() of an existing file may keep a coarse mtime on some mounts

    def last_beat(self, job_id: str) -> float | None:
        try:
            return self._path(job_id, ".heartbeat").stat().st_mtime
        except FileNotFoundError:
            return None


class RedisJobStore:
    """Job state in Redis (shared by all workers and hosts); results still on disk."""

    def __init__(
        self,
        url: str,
        directory: Path,
        prefix: str = "cockpit:exportjob:",
        stale_after_seconds: float = DEFAULT_STALE_SECONDS,
    ) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix
        self.directory = directory
        self.stale_after_seconds = stale_after_seconds
        directory.mkdir(parents=True, exist_ok=True)

    def save(self, state: JobState) -> None:
        self.client.set(
            self.prefix + _check_id(state.id),
            json.dumps(asdict(state), ensure_ascii=False),
            ex=JOB_TTL_SECONDS,
        )

    def load(self, job_id: str) -> JobState | None:
        raw: bytes | None = self.client.get(self.prefix + _check_id(job_id))  # type: ignore[assignment]
        if raw is None:
            return None
        return JobState(**json.loads(raw))

    def request_cancel(self, job_id: str) -> None:
        self.client.set(self.prefix + _check_id(job_id) + ":cancel", "1", ex=JOB_TTL_SECONDS)

    def cancel_requested(self, job_id: str) -> bool:
        return bool(self.client.exists(self.prefix + _check_id(job_id) + ":cancel"))

    def beat(self, job_id: str) -> None:
        key = self.prefix + _check_id(job_id) + ":heartbeat"
        self.client.set(key, repr(time.time()), ex=JOB_TTL_SECONDS)

    def last_beat(self, job_id: str) -> float | None:
        raw = self.client.get(self.prefix + _check_id(job_id) + ":heartbeat")
        return float(raw) if raw is not None else None  # type: ignore[arg-type]


def make_store(settings: Settings) -> JobStore:
    directory = settings.instance_dir / "export_jobs"
    stale = settings.export_job_stale_seconds
    if settings.redis_url:
        return RedisJobStore(settings.redis_url, directory, stale_after_seconds=stale)
    return FileJobStore(directory, stale_after_seconds=stale)


class _Heartbeats:
    """One daemon thread per process that beats for every job of this process that is
    queued or running (a queued job may wait behind another one in the one-thread pool).
    It dies with the process, so a missing heartbeat means the process is gone."""

    def __init__(self) -> None:
        self._jobs: dict[tuple[int, str], JobStore] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, store: JobStore, job_id: str) -> None:
        store.beat(job_id)
        with self._lock:
            self._jobs[(id(store), job_id)] = store
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="cockpit-export-heartbeat", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def remove(self, store: JobStore, job_id: str) -> None:
        with self._lock:
            self._jobs.pop((id(store), job_id), None)

    def _run(self) -> None:
        while True:
            with self._lock:
                jobs = list(self._jobs.items())
            interval = min(
                (heartbeat_interval(store.stale_after_seconds) for _, store in jobs), default=5.0
            )
            for key, store in jobs:
                try:
                    store.beat(key[1])
                except Exception as error:  # e.g. the job directory is gone: stop beating
                    log.warning("export job %s: heartbeat failed (%s), dropped", key[1], error)
                    self.remove(store, key[1])
            self._wake.wait(interval)
            self._wake.clear()


_HEARTBEATS = _Heartbeats()


def _parse_time(value: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(value).timestamp() if value else None
    except ValueError:
        return None


def _expire_if_orphaned(store: JobStore, state: JobState) -> JobState:
    """An unfinished job whose heartbeat stopped: its process died. Mark it "abgebrochen"
    (persisted, so every worker answers the same) and remove its partial result."""
    if state.finished:
        return state
    last = store.last_beat(state.id)
    if last is None:
        last = _parse_time(state.created_at)
    if last is None or time.time() - last <= store.stale_after_seconds:
        return state
    store.request_cancel(state.id)  # should the process still live, it stops at the next step
    interrupted = replace(
        state,
        status=CANCELLED,
        current="",
        finished_at=now_utc(),
        message=INTERRUPTED_MESSAGE,
    )
    store.save(interrupted)
    _partial_path(store, state.id).unlink(missing_ok=True)
    log.warning(
        "export job %s: no heartbeat for %.0f s, marked as interrupted (%d of %d done)",
        state.id,
        time.time() - last,
        state.done,
        state.total,
    )
    return interrupted


def _partial_path(store: JobStore, job_id: str) -> Path:
    return store.directory / f".partial-{_check_id(job_id)}.zip"


_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            # One report at a time per process: rendering is CPU-bound and the web workers
            # must stay responsive.
            _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cockpit-export")
        return _EXECUTOR


def get_job(store: JobStore, principal: Principal, job_id: str) -> JobState:
    """The job if it belongs to ``principal`` (others' jobs are "not found").

    The permission the job needed (all municipalities' confidential data) is checked again on
    every status or download request: a user whose role changed since keeps no access.
    """
    state = store.load(job_id)
    if state is None or state.user != principal.username:
        raise NotFoundError(
            f"job {job_id} not found for {principal.log_ref}",
            "Der Exportauftrag wurde nicht gefunden.",
        )
    authz.require(principal, Permission.EXPORT_DATA)
    authz.require(principal, Permission.VIEW_CONFIDENTIAL)
    return _expire_if_orphaned(store, state)


def cancel_job(store: JobStore, principal: Principal, job_id: str) -> JobState:
    state = get_job(store, principal, job_id)
    if not state.finished:
        store.request_cancel(job_id)
        log.info("export job %s: cancel requested by %s", job_id, principal.log_ref)
    return state


def result_path(store: JobStore, principal: Principal, job_id: str) -> Path:
    state = get_job(store, principal, job_id)
    if state.status != DONE or not state.result_name:
        raise ValidationError(
            f"job {job_id} not done ({state.status})",
            "Der Export ist noch nicht fertig.",
        )
    return store.directory / state.result_name


def remove_expired(directory: Path, max_age_seconds: int = JOB_TTL_SECONDS) -> int:
    """Delete job files (state, results, leftovers) older than ``max_age_seconds``."""
    import time

    limit = time.time() - max_age_seconds
    removed = 0
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker was faster
            continue
    if removed:
        log.info("export jobs: %d expired files removed from %s", removed, directory)
    return removed


def start_all_reports(
    store: JobStore,
    session_factory: sessionmaker[Session],
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    ip: str = "",
    run: Callable[[Callable[[], None]], object] | None = None,
) -> JobState:
    """Start "Steckbriefe aller Gemeinden" for a district role; returns the queued job.

    Authorization happens here, before anything is queued
    (:func:`export_service.list_report_targets`). ``run`` executes the work (default: the
    process thread pool; tests may pass ``lambda work: work()`` to run it inline).
    """
    targets = export_service.list_report_targets(session, principal)
    remove_expired(store.directory)
    job = JobState(
        id=secrets.token_urlsafe(12),
        kind="steckbriefe",
        user=principal.username,
        status=QUEUED,
        total=len(targets),
        created_at=now_utc(),
    )
    store.save(job)
    _HEARTBEATS.add(store, job.id)
    log.info("export job %s: %d reports queued by %s", job.id, len(targets), principal.log_ref)

    def work() -> None:
        _run_reports(store, session_factory, principal, settings, job, targets, ip)

    if run is None:
        _executor().submit(work)
    else:
        run(work)
    return job


def _run_reports(
    store: JobStore,
    session_factory: sessionmaker[Session],
    principal: Principal,
    settings: Settings,
    job: JobState,
    targets: list[export_service.ReportTarget],
    ip: str,
) -> None:
    state = replace(job, status=RUNNING)
    store.save(state)
    store.beat(job.id)
    final = store.directory / f"Steckbriefe_{job.id}.zip"
    tmp = _partial_path(store, job.id)
    hashes: dict[str, str] = {}
    scope = ""
    try:
        with session_factory() as session, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
            for index, target in enumerate(targets):
                if store.cancel_requested(job.id):
                    state = replace(
                        state,
                        status=CANCELLED,
                        finished_at=now_utc(),
                        message="Der Export wurde abgebrochen.",
                    )
                    store.save(state)
                    log.info("export job %s cancelled after %d reports", job.id, index)
                    return
                state = replace(state, current=target.name)
                store.save(state)
                data = export_service.get_report_data(
                    session, principal, target.id, config=ServiceConfig.from_settings(settings)
                )
                record = _record(principal, data, job)
                zf.writestr(report.report_filename(data), report.render_report(data, record))
                hashes[target.ags] = data.data_hash
                scope = data.scope_text
                state = replace(state, done=index + 1)
                store.save(state)
                store.beat(job.id)
            manifest = build_record(
                kind="report",
                fmt="zip",
                params={"municipalities": "alle", "job": job.id},
                data_hash=export_service.hash_payload(hashes),
                principal=principal,
                scope=scope,
                title=f"Steckbriefe aller Gemeinden ({len(targets)})",
                render={"reports": hashes},
                created_at=job.created_at,
            )
            zf.writestr("metadaten.json", manifest.to_json(indent=2))
            export_service.record_export(
                session,
                principal,
                kind="report",
                target=f"alle:{len(targets)}",
                details=manifest.audit_details(),
                ip=ip,
            )
        os.replace(tmp, final)
        store.save(
            replace(
                state,
                status=DONE,
                finished_at=now_utc(),
                current="",
                result_name=final.name,
                message=f"{len(targets)} Steckbriefe erstellt.",
            )
        )
        log.info("export job %s done: %d reports", job.id, len(targets))
    except CockpitError as error:
        log.warning("export job %s refused: %s", job.id, error)
        store.save(replace(state, status=FAILED, finished_at=now_utc(), message=error.user_message))
    except Exception:
        log.exception("export job %s failed", job.id)
        store.save(
            replace(
                state,
                status=FAILED,
                finished_at=now_utc(),
                message="Der Export ist fehlgeschlagen. Bitte versuchen Sie es erneut.",
            )
        )
    finally:
        _HEARTBEATS.remove(store, job.id)
        tmp.unlink(missing_ok=True)


def _record(principal: Principal, data: export_service.ReportData, job: JobState) -> ExportRecord:
    return build.report_record(principal, data, created_at=job.created_at)
