"""`flask --app booking worker` and `flask --app booking jobs list|run NAME`."""

from __future__ import annotations

import logging
import signal
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from booking.jobs.registry import registered_jobs, run_job
from booking.jobs.scheduler import build_scheduler
from booking.jobs.stopping import request_stop

# The worker's own start and stop lines go through logging, so BOOKING_LOG_FORMAT=json
# makes them JSON like everything else it writes.
log = logging.getLogger("booking.worker")

jobs_cli = AppGroup("jobs", help="Periodic jobs, for operators.")


@jobs_cli.command("list")
def list_jobs_command() -> None:
    """List the jobs with their interval."""
    for job in registered_jobs().values():
        click.echo(f"{job.name}\tevery {job.interval(current_app.config)} s\t{job.description}")


@jobs_cli.command("run")
@click.argument("name")
def run_job_command(name: str) -> None:
    """Run one job now, once, and print its summary."""
    jobs = registered_jobs()
    if name not in jobs:
        raise click.UsageError(f"No job '{name}'. Jobs: {', '.join(jobs)}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(run_job(app, jobs[name]))


@click.command("worker")
def worker_command() -> None:
    """Run every job on its schedule until stopped (SIGTERM or Ctrl-C), then exit 0."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app, blocking=True)

    def _stop(signum: int, _frame: Any) -> None:
        # Jobs run in the scheduler's threads; the main thread only waits in the scheduler loop,
        # so leaving that loop here is safe, and the running jobs see the request below.
        request_stop()
        log.info("worker: stopping (finishing the messages in hand)")
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    log.info("worker: running %s", ", ".join(registered_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        request_stop()
    finally:
        # A second SIGTERM while waiting must not cut the item in hand short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if scheduler.running:
            # Waits for the running jobs: each finishes the item in hand and releases the rest.
            scheduler.shutdown(wait=True)
        log.info("worker: stopped")
