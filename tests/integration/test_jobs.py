"""The job runner: `flask jobs list|run`, the worker's schedule, and the in-process scheduler."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking.jobs.scheduler import build_scheduler, start_in_process
from tests.factories import booking_payload
from tests.support.sms import SmsGateway


def test_jobs_list_and_run(app: Flask, client: FlaskClient, world: Any) -> None:
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "dispatch-notifications" in listed.output
    assert f"every {app.config['BOOKING_DISPATCH_INTERVAL_SECONDS']} s" in listed.output

    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    ran = runner.invoke(args=["jobs", "run", "dispatch-notifications"])
    assert ran.exit_code == 0, ran.output
    # E-mail and SMS go to the log backends by default: three confirmations were handed over.
    assert "sent 3" in ran.output
    again = runner.invoke(args=["jobs", "run", "dispatch-notifications"])
    assert "nothing due" in again.output

    unknown = runner.invoke(args=["jobs", "run", "no-such-job"])
    assert unknown.exit_code != 0
    assert "No job 'no-such-job'" in unknown.output


def test_the_worker_schedule_never_stacks_runs(app: Flask) -> None:
    scheduler = build_scheduler(app, blocking=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "dispatch-notifications",
        "import-calendars",
        "escalate-callbacks",
        "apply-retention",
        "send-surveys",
        "measure-first-free",
    }
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
    intervals = {name: job.trigger.interval.total_seconds() for name, job in jobs.items()}
    assert intervals == {
        "dispatch-notifications": app.config["BOOKING_DISPATCH_INTERVAL_SECONDS"],
        "import-calendars": app.config["BOOKING_CALENDAR_IMPORT_SECONDS"],
        "escalate-callbacks": 60,
        "apply-retention": 86_400,
        "send-surveys": app.config["BOOKING_SURVEY_INTERVAL_SECONDS"],
        "measure-first-free": app.config["BOOKING_FIRST_FREE_INTERVAL_SECONDS"],
    }


def test_the_in_process_scheduler_sends_without_a_second_command(
    app: Flask,
    client: FlaskClient,
    world: Any,
    sms_gateway: SmsGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in sms_gateway.config().items():
        monkeypatch.setitem(app.config, key, value)
    assert client.post("/api/v1/bookings", json=booking_payload()).status_code == 201
    scheduler = start_in_process(app)
    try:
        # The job is due at start: the confirmation SMS arrives from the background thread.
        (message,) = sms_gateway.wait_for(1, timeout=20)
    finally:
        scheduler.shutdown(wait=True)
    assert message.to == "+46701234567"
