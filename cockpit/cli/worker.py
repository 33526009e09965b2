"""``cockpit worker``: the job queue's consumer as its own process (server mode).

With Redis (``COCKPIT_REDIS_URL`` / ``COCKPIT_JOB_BACKEND=redis``) this is the only place
jobs run (systemd unit ``deploy/systemd/kommunal-cockpit-worker.service``). In the embedded
SQLite mode the web process consumes the queue itself; a ``cockpit worker`` may still be
run next to it (e.g. when the web server runs with ``COCKPIT_JOB_WORKERS=0``).

SIGTERM (systemd stop) lets running jobs finish for up to 60 s; a job still running then
is marked failed. SIGKILL leaves it to the heartbeat: failed within twice its interval.
"""

from __future__ import annotations

import logging
import os
import threading

import click
from flask.cli import with_appcontext

from cockpit.jobqueue import get_queue

log = logging.getLogger(__name__)


@click.command("worker")
@with_appcontext
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=None,
    help="Anzahl paralleler Aufträge (Threads); Vorgabe: COCKPIT_JOB_WORKERS.",
)
def worker(workers: int | None) -> None:
    """Hintergrundaufträge (Exporte) ausführen, bis der Prozess beendet wird."""
    queue = get_queue()
    consumer = queue.consumer(workers)
    log.info(
        "job worker starting: backend=%s queue=%s threads=%d heartbeat=%ds limit=%ds",
        queue.settings.job_queue_backend,
        queue.settings.job_queue_name,
        consumer.workers,
        queue.settings.job_heartbeat_seconds,
        queue.settings.job_time_limit_seconds,
    )
    consumer.run()
    busy = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if busy:
        # A forced stop leaves job threads inside native code (GDAL, matplotlib); their jobs
        # are already marked failed. Finalizing the interpreter under them aborts the
        # process (SIGABRT), so end it here, logs flushed.
        log.warning("job worker stopped with %d thread(s) still running: %s", len(busy), busy)
        logging.shutdown()
        os._exit(0)


COMMANDS = [worker]
