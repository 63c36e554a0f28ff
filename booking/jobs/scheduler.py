"""APScheduler 3 wiring: the same jobs in `flask worker` (blocking) or inside the web process.

The scheduler only decides *when* a job runs; what it may do is decided by the database (claims
with leases), so two workers, or a worker and an in-process scheduler, never send one message
twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from booking.jobs.registry import Job, registered_jobs, run_job

log = logging.getLogger(__name__)


def _runner(app: Flask, job: Job) -> None:
    try:
        summary = run_job(app, job)
    except Exception:
        # The next run tries again; a job never takes the scheduler down.
        log.exception("job %s failed", job.name)
    else:
        # A run that found nothing to do is routine (every few seconds): not worth an INFO line.
        idle = summary.startswith(("nothing", "no "))
        log.log(logging.DEBUG if idle else logging.INFO, "job %s: %s", job.name, summary)


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    """A scheduler with every registered job, each due at once and then at its interval."""
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone=UTC)
        if blocking
        else BackgroundScheduler(timezone=UTC, daemon=True)
    )
    for job in registered_jobs().values():
        scheduler.add_job(
            _runner,
            trigger="interval",
            seconds=job.interval(app.config),
            args=(app, job),
            id=job.name,
            name=job.name,
            # A run that is late (the previous one took long) is merged, never stacked.
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def start_in_process(app: Flask) -> BaseScheduler:
    """Run the jobs in a background thread of this process (the embedded default)."""
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start()
    log.info("in-process jobs started: %s", ", ".join(registered_jobs()))
    return scheduler
