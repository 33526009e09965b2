""" "Steckbriefe aller Gemeinden" as a background job on the job queue (:mod:`cockpit.jobqueue`).

:func:`start_all_reports` authorizes (district roles only), records the job
(:func:`cockpit.services.jobs.create_job`) and enqueues it; :func:`run_all_reports` is the
handler a worker runs: one Steckbrief PDF per municipality into a zip, progress and the
cancel check after each one, the manifest ``metadaten.json`` and the audit entry at the
end. The zip is written under a temporary name and renamed to ``Steckbriefe_<job id>.zip``
only when complete.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from cockpit.domain.errors import ValidationError
from cockpit.domain.roles import Principal
from cockpit.exports import build, report
from cockpit.exports.metadata import build_record
from cockpit.jobqueue import JobContext, JobQueue, Outcome
from cockpit.services import exports as export_service
from cockpit.services import jobs as job_service
from cockpit.services.config import ServiceConfig

log = logging.getLogger(__name__)

KIND: Final = "steckbriefe"


def register(queue: JobQueue) -> None:
    queue.register(KIND, run_all_reports)


def start_all_reports(
    queue: JobQueue,
    session: Session,
    principal: Principal,
    config: ServiceConfig,
    *,
    only: Sequence[str] = (),
    ip: str = "",
    inline: bool = False,
) -> job_service.JobView:
    """Queue "Steckbriefe aller Gemeinden" for a district role; returns the queued job.

    ``only`` restricts the run to these AGS (the CLI's ``--ags A,B``). Authorization happens
    here, before anything is queued (:func:`export_service.list_report_targets`,
    :func:`job_service.create_job`). ``inline`` runs it in this thread instead (the CLI),
    through the same worker code.
    """
    targets = _targets(export_service.list_report_targets(session, principal), only)
    scope = (
        f"alle Gemeinden des Landkreises {config.district_ags} ({len(targets)})"
        if not only
        else f"{len(targets)} Gemeinden: {', '.join(t.ags for t in targets)}"
    )
    job = job_service.create_job(
        session,
        principal,
        kind=KIND,
        scope=scope[:300],
        total=len(targets),
        params={"municipalities": list(only) or "alle", "ip": ip},
    )
    if inline:
        queue.run_now(job.id)
    else:
        queue.enqueue(job.id)
    return job


def _targets(
    targets: list[export_service.ReportTarget], only: Sequence[str]
) -> list[export_service.ReportTarget]:
    """``targets`` restricted to the AGS of ``only`` (all when empty); unknown AGS refused."""
    if not only:
        return targets
    unknown = sorted(set(only) - {t.ags for t in targets})
    if unknown:
        raise ValidationError(
            f"unknown AGS {unknown}",
            f"Unbekannte Gemeindeschlüssel: {', '.join(unknown)}.",
            "ags",
        )
    return [t for t in targets if t.ags in set(only)]


def run_all_reports(context: JobContext) -> Outcome:
    """The worker side: every municipality's Steckbrief into one zip."""
    session, principal, job_id = context.session, context.principal, context.run.id
    chosen = context.run.params.get("municipalities", "alle")
    only = [] if chosen == "alle" else [str(ags) for ags in chosen]
    targets = _targets(export_service.list_report_targets(session, principal), only)
    created_at = context.run.created_at.replace(microsecond=0).isoformat()
    hashes: dict[str, str] = {}
    scope = ""
    name = f"Steckbriefe_{job_id}.zip"
    with context.result(name) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for index, target in enumerate(targets):
            context.step(index, target.name)
            data = export_service.get_report_data(
                session, principal, target.id, config=context.config
            )
            record = build.report_record(principal, data, created_at=created_at)
            zf.writestr(report.report_filename(data), report.render_report(data, record))
            hashes[target.ags] = data.data_hash
            scope = data.scope_text
        context.step(len(targets))
        manifest = build_record(
            kind="report",
            fmt="zip",
            params={"municipalities": chosen, "job": job_id},
            data_hash=export_service.hash_payload(hashes),
            principal=principal,
            scope=scope,
            title=f"Steckbriefe aller Gemeinden ({len(targets)})",
            render={"reports": hashes},
            created_at=created_at,
        )
        zf.writestr("metadaten.json", manifest.to_json(indent=2))
        export_service.record_export(
            session,
            principal,
            kind="report",
            target=f"alle:{len(targets)}",
            details=manifest.audit_details(),
            ip=str(context.run.params.get("ip", "")),
        )
    log.info("job %s: %d reports written to %s", job_id, len(targets), name)
    return Outcome(f"{len(targets)} Steckbriefe erstellt.", name)
