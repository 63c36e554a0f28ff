"""The jobs the worker runs, by name: what each does and how often."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

from booking.extensions import db


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job: `run` works inside an app context and returns a one-line summary."""

    name: str
    description: str
    run: Callable[[], str]
    # Seconds between runs, read from the configuration.
    interval: Callable[[Mapping[str, Any]], int]


def registered_jobs() -> dict[str, Job]:
    """Every job, by name (later features add theirs here)."""
    from booking.jobs import callbacks
    from booking.jobs.calendars import import_officer_calendars
    from booking.jobs.first_free import measure_first_free_slots
    from booking.jobs.notifications import dispatch_notifications
    from booking.jobs.retention import apply_retention_policy
    from booking.jobs.surveys import send_due_surveys

    jobs = [
        Job(
            name="dispatch-notifications",
            description="Send the due e-mail and SMS of the notification outbox.",
            run=dispatch_notifications,
            interval=lambda config: int(config["BOOKING_DISPATCH_INTERVAL_SECONDS"]),
        ),
        Job(
            name="import-calendars",
            description="Import busy time from the officers' own calendars (ICS, CalDAV).",
            run=import_officer_calendars,
            interval=lambda config: int(config["BOOKING_CALENDAR_IMPORT_SECONDS"]),
        ),
        Job(
            name="escalate-callbacks",
            description="Remind officers of call-backs in their window; mark late ones overdue.",
            run=callbacks.escalate_due_callbacks,
            interval=lambda config: int(
                config.get("BOOKING_CALLBACK_ESCALATION_SECONDS", callbacks.INTERVAL_SECONDS)
            ),
        ),
        Job(
            name="apply-retention",
            description="Anonymise applicants' data past its retention period (daily).",
            run=apply_retention_policy,
            interval=lambda config: int(config["BOOKING_RETENTION_INTERVAL_SECONDS"]),
        ),
        Job(
            name="send-surveys",
            description="Invite applicants to the NKI survey some hours after their meeting.",
            run=send_due_surveys,
            interval=lambda config: int(config["BOOKING_SURVEY_INTERVAL_SECONDS"]),
        ),
        Job(
            name="measure-first-free",
            description="Record each new booking's first free slot offered (for the figures).",
            run=measure_first_free_slots,
            interval=lambda config: int(config["BOOKING_FIRST_FREE_INTERVAL_SECONDS"]),
        ),
    ]
    return {job.name: job for job in jobs}


def run_job(app: Flask, job: Job) -> str:
    """Run one job in its own app context and session; return its summary."""
    with app.app_context():
        try:
            return job.run()
        finally:
            db.session.remove()
