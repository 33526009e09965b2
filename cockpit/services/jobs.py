"""Records of background jobs: start, list, status, cancel, result — and the worker's side.

The job queue (Huey, :mod:`cockpit.jobqueue`) carries only a job id; the record here is
the one truth the UI shows (who started what for which scope, state, progress, heartbeat,
result file, German message). Every principal-facing function authorizes through
:mod:`cockpit.services.authz` (:func:`~cockpit.services.authz.job_clause`,
:func:`~cockpit.services.authz.require_job`).

The worker-side functions (``claim``, ``beat``, ``report_progress``, ``finish``) take no
principal: the job was authorized when it was created, and the work itself runs the
authorizing services again as the job's user.

Liveness: a running job's worker beats ``heartbeat_at`` every ``job_heartbeat_seconds``.
:func:`expire_stale` (on every status/list request and periodically in the worker) marks a
running job without a beat for twice that interval as failed (:data:`INTERRUPTED_MESSAGE`).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cockpit.domain.errors import AccessDeniedError, NotFoundError, ValidationError
from cockpit.domain.roles import Permission, Principal
from cockpit.domain.vocab import JobState
from cockpit.models import Job, User
from cockpit.models._types import utcnow
from cockpit.services import authz
from cockpit.services.config import ServiceConfig

log = logging.getLogger(__name__)

# What each kind of job needs, district-wide, to be started and its result downloaded.
KIND_PERMISSIONS: Final[dict[str, tuple[Permission, ...]]] = {
    "steckbriefe": (Permission.EXPORT_DATA, Permission.VIEW_CONFIDENTIAL),
}
KIND_LABELS: Final = {"steckbriefe": "Steckbriefe aller Gemeinden"}
INTERRUPTED_MESSAGE: Final = (
    "Der Auftrag wurde unterbrochen (Hintergrundprozess beendet). Bitte starten Sie ihn erneut."
)
CANCELLED_MESSAGE: Final = "Der Auftrag wurde abgebrochen."
NOT_FOUND_MESSAGE: Final = "Der Auftrag wurde nicht gefunden."
LIST_LIMIT: Final = 200
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True)
class JobView:
    """A job as its owner or an Admin sees it."""

    id: str
    kind: str
    state: JobState
    user_id: int | None
    username: str
    scope: str
    total: int
    done: int
    current: str
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    has_result: bool  # the result file is there
    downloadable: bool  # … and the principal asking may download it

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def finished(self) -> bool:
        return self.state.finished

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


@dataclass(frozen=True)
class JobRun:
    """What a worker needs to run a claimed job."""

    id: str
    kind: str
    user_id: int
    params: dict[str, Any]
    created_at: dt.datetime


def _view(job: Job, principal: Principal) -> JobView:
    has_result = job.state is JobState.DONE and bool(job.result_file)
    needs = KIND_PERMISSIONS.get(job.kind, ())
    return JobView(
        id=job.id,
        kind=job.kind,
        state=job.state,
        user_id=job.user_id,
        username=job.username,
        scope=job.scope,
        total=job.total,
        done=job.done,
        current=job.current,
        message=job.message,
        created_at=job.created_at,
        finished_at=job.finished_at,
        has_result=has_result,
        downloadable=has_result and authz.may_job(principal, job.user_id, needs),
    )


def _load(session: Session, job_id: str) -> Job:
    job = None
    if job_id and len(job_id) <= 32 and set(job_id) <= _ID_CHARS:
        job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NotFoundError(f"job {job_id!r} not found", NOT_FOUND_MESSAGE)
    return job


# --------------------------------------------------------------------------- principals


def create_job(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    scope: str,
    total: int,
    params: dict[str, Any] | None = None,
) -> JobView:
    """Record a queued job of ``kind`` for ``principal`` (who must hold its permissions)."""
    for permission in KIND_PERMISSIONS[kind]:
        authz.require(principal, permission)
    job = Job(
        id=secrets.token_urlsafe(12),
        kind=kind,
        user_id=principal.user_id,
        username=principal.username,
        scope=scope,
        params=params or {},
        state=JobState.QUEUED,
        total=total,
        created_at=utcnow(),
    )
    session.add(job)
    session.commit()
    log.info("job %s (%s, %d steps) queued by %s", job.id, kind, total, principal.log_ref)
    return _view(job, principal)


def list_jobs(session: Session, principal: Principal, config: ServiceConfig) -> list[JobView]:
    """The newest jobs ``principal`` may see (Admin: everyone's; others: their own)."""
    expire_stale(session, config)
    statement = (
        select(Job)
        .where(authz.job_clause(principal, Job.__table__.c.user_id))
        .order_by(Job.created_at.desc(), Job.id)
        .limit(LIST_LIMIT)
    )
    return [_view(job, principal) for job in session.scalars(statement)]


def get_job(session: Session, principal: Principal, job_id: str, config: ServiceConfig) -> JobView:
    """One job for its owner or an Admin; a dead worker's job is reported as failed."""
    expire_stale(session, config)
    job = _load(session, job_id)
    authz.require_job(principal, job.user_id)
    return _view(job, principal)


def cancel_job(
    session: Session, principal: Principal, job_id: str, config: ServiceConfig
) -> JobView:
    """Cancel a job: a queued one at once, a running one at its next step."""
    expire_stale(session, config)
    job = _load(session, job_id)
    authz.require_job(principal, job.user_id)
    if job.state is JobState.QUEUED:
        job.state = JobState.CANCELLED
        job.finished_at = utcnow()
        job.message = CANCELLED_MESSAGE
    elif job.state is JobState.RUNNING:
        job.cancel_requested = True
    session.commit()
    log.info("job %s: cancel requested by %s (%s)", job_id, principal.log_ref, job.state.value)
    return _view(job, principal)


def result_file(session: Session, principal: Principal, job_id: str, config: ServiceConfig) -> str:
    """The result file name of a finished job: for its owner, with the job's permissions
    held now (re-checked on every download)."""
    job = _load(session, job_id)
    authz.require_job(principal, job.user_id, KIND_PERMISSIONS.get(job.kind, ()))
    if job.state is not JobState.DONE:
        raise ValidationError(
            f"job {job_id} not done ({job.state.value})", "Der Auftrag ist noch nicht fertig."
        )
    if not job.result_file:
        raise ValidationError(
            f"job {job_id}: result purged",
            f"Das Ergebnis wurde nach {config.job_result_hours} Stunden gelöscht. "
            "Bitte starten Sie den Auftrag erneut.",
        )
    return job.result_file


# --------------------------------------------------------------------------- worker side


def claim(session: Session, job_id: str, worker: str) -> JobRun | None:
    """Mark a queued job running for ``worker``; ``None`` if it is not queued (cancelled,
    or already run: a job id runs at most once)."""
    now = utcnow()
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, started_at=now, heartbeat_at=now, worker=worker[:100])
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        log.info("job %s: not queued any more, not run again", job_id)
        return None
    job = _load(session, job_id)
    return JobRun(job.id, job.kind, job.user_id or 0, dict(job.params), job.created_at)


def job_principal(session: Session, run: JobRun) -> Principal:
    """The job's user with the permissions held NOW (the work re-authorizes as them)."""
    user = session.get(User, run.user_id)
    if user is None or not user.is_active:
        raise AccessDeniedError(
            f"job {run.id}: user#{run.user_id} missing or deactivated",
            "Das Benutzerkonto des Auftrags ist deaktiviert.",
        )
    return user.to_principal()


def beat(session: Session, job_id: str) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING)
        .values(heartbeat_at=utcnow())
    )
    session.commit()


def report_progress(session: Session, job_id: str, done: int, current: str) -> bool:
    """Store progress (and beat); answers whether the job should stop (cancel requested,
    or no longer running because it was declared dead)."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING)
        .values(done=done, current=current[:200], heartbeat_at=utcnow())
    )
    session.commit()
    row = session.execute(select(Job.state, Job.cancel_requested).where(Job.id == job_id)).one()
    return bool(row.cancel_requested) or row.state is not JobState.RUNNING


def finish(session: Session, job_id: str, state: JobState, message: str, result: str = "") -> bool:
    """End a running job; ``False`` if it was no longer running (then nothing changes)."""
    ended = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING)
        .values(state=state, message=message, result_file=result, current="", finished_at=utcnow())
    )
    session.commit()
    return bool(ended.rowcount == 1)  # type: ignore[attr-defined]


def expire_stale(session: Session, config: ServiceConfig, now: dt.datetime | None = None) -> int:
    """Mark running jobs without a heartbeat for twice the interval as failed."""
    now = now or utcnow()
    limit = now - dt.timedelta(seconds=2 * config.job_heartbeat_seconds)
    stale = (Job.state == JobState.RUNNING, Job.heartbeat_at < limit)
    if session.scalar(select(Job.id).where(*stale).limit(1)) is None:
        return 0  # the usual case: read only, no write lock taken on every status request
    expired = session.execute(
        update(Job)
        .where(*stale)
        .values(state=JobState.FAILED, message=INTERRUPTED_MESSAGE, current="", finished_at=now)
    )
    session.commit()
    count = int(expired.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        log.warning(
            "jobs: %d running job(s) without heartbeat since %s marked failed", count, limit
        )
    return count


def purge_results(
    session: Session, config: ServiceConfig, now: dt.datetime | None = None
) -> list[str]:
    """Forget result files of jobs finished more than ``job_result_hours`` ago; returns
    the file names for the caller to delete (the records stay as history)."""
    limit = (now or utcnow()) - dt.timedelta(hours=config.job_result_hours)
    jobs = list(session.scalars(select(Job).where(Job.result_file != "", Job.finished_at < limit)))
    names = [job.result_file for job in jobs]
    for job in jobs:
        job.result_file = ""
    session.commit()
    if names:
        log.info("jobs: results of %d job(s) finished before %s purged", len(names), limit)
    return names
