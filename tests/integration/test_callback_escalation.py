"""The escalation job: officer reminders at the window's start and at 80 %, then overdue + team.

Each stage once per call-back, however often and by however many workers the job runs (two
processes racing on the same database); messages delivered to real servers on loopback.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.callbacks.escalation import EscalationReport, escalate_callbacks, stage_at
from booking.callbacks.models import Callback
from booking.extensions import db
from booking.notifications.models import Notification
from tests.conftest import STOCKHOLM, Clock
from tests.integration.escalation_worker import escalate
from tests.support.outbox import run_dispatcher
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer

CALLBACKS = "/api/v1/callbacks"
STAGES = ("callback_window_start", "callback_reminder", "callback_overdue")


def _local(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=STOCKHOLM)


# A window 13:00–15:00: the reminder at 80 % of its two hours is 14:36.
START, REMINDER, END = _local(13), _local(14, 36), _local(15)


def _register(client: FlaskClient, world: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
        "topic": "Altan på tomten",
        "window_start": START.isoformat(),
        "window_end": END.isoformat(),
        **overrides,
    }
    response = client.post(CALLBACKS, json=body, headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def _escalate(app: Flask, clock: Clock) -> EscalationReport:
    with app.app_context():
        try:
            return escalate_callbacks(now=clock())
        finally:
            db.session.remove()


def _stage_rows(app: Flask) -> list[tuple[int | None, str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                Notification.callback_id,
                Notification.kind,
                Notification.recipient,
                Notification.status,
            )
            .where(Notification.kind.in_(STAGES))
            .order_by(Notification.id)
        ).all()
        db.session.rollback()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _status(app: Flask, callback_id: int) -> str:
    with app.app_context():
        status = db.session.scalar(select(Callback.status).where(Callback.id == callback_id))
        db.session.rollback()
        assert status is not None
        return status


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_local(12, 59), None),
        (START, "callback_window_start"),
        (_local(14, 35), "callback_window_start"),
        (REMINDER, "callback_reminder"),
        (_local(14, 59), "callback_reminder"),
        (END, "callback_overdue"),
        (_local(9, day=2), "callback_overdue"),
    ],
)
def test_stage_at(now: datetime, expected: str | None) -> None:
    assert stage_at(window_start_at=START, window_end_at=END, now=now) == expected


def test_each_stage_fires_once_at_its_moment(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    callback = _register(client, world)
    officer_email = f"p{world.private_officers.index(callback['officer']['id'])}@example.org"
    clock.set(_local(12, 59))
    assert _escalate(app, clock).summary() == "nothing to escalate"
    clock.set(START)
    assert _escalate(app, clock).window_start == 1
    assert _escalate(app, clock).summary() == "nothing to escalate"
    clock.set(_local(14, 35))
    assert _escalate(app, clock).summary() == "nothing to escalate"
    clock.set(REMINDER)
    assert _escalate(app, clock).reminder == 1
    assert _escalate(app, clock).summary() == "nothing to escalate"
    assert _status(app, callback["id"]) == "open"
    clock.set(END)
    assert _escalate(app, clock).overdue == 1
    clock.advance(hours=1)
    assert _escalate(app, clock).summary() == "nothing to escalate"

    assert [(kind, recipient) for _, kind, recipient, _ in _stage_rows(app)] == [
        ("callback_window_start", officer_email),
        ("callback_reminder", officer_email),
        ("callback_overdue", "privat@example.org"),
    ]
    assert _status(app, callback["id"]) == "overdue"
    listed = client.get(CALLBACKS, query_string={"status": "overdue"}, headers=world.admin)
    assert [c["id"] for c in listed.json] == [callback["id"]]
    # Overdue is still pending: the officer can still reach the applicant.
    reached = client.post(
        f"{CALLBACKS}/{callback['id']}/attempts",
        json={"outcome": "reached"},
        headers=world.service_center,
    )
    assert reached.status_code == 201 and reached.json["status"] == "completed"


def test_a_team_without_an_address_has_its_officer_told_of_the_overdue_call_back(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, _ = outbound
    from booking.db import write_intent
    from booking.teams.models import Team

    with app.app_context(), write_intent():
        team = db.session.get(Team, world.private_team)
        assert team is not None
        team.email = None
        db.session.commit()
    callback = _register(client, world)
    officer_email = f"p{world.private_officers.index(callback['officer']['id'])}@example.org"
    clock.set(END)
    assert _escalate(app, clock).overdue == 1
    assert [(kind, recipient) for _, kind, recipient, _ in _stage_rows(app)] == [
        ("callback_overdue", officer_email),
    ]
    run_dispatcher(app)
    (alarm,) = [m for m in smtp.messages if "Försenad" in str(m.message["Subject"])]
    assert alarm.rcpt_tos == (officer_email,)


def test_a_worker_that_was_down_makes_only_the_latest_stage(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    first = _register(client, world)
    clock.set(_local(14, 40))
    assert _escalate(app, clock).reminder == 1
    second = _register(
        client, world, window_start=_local(15).isoformat(), window_end=_local(15, 30).isoformat()
    )
    clock.set(_local(16))
    report = _escalate(app, clock)
    assert (report.overdue, report.window_start, report.reminder) == (2, 0, 0)
    kinds = Counter((callback_id, kind) for callback_id, kind, _, _ in _stage_rows(app))
    assert kinds == {
        (first["id"], "callback_reminder"): 1,
        (first["id"], "callback_overdue"): 1,
        (second["id"], "callback_overdue"): 1,
    }


def test_closed_call_backs_are_left_alone(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    callback = _register(client, world)
    response = client.post(
        f"{CALLBACKS}/{callback['id']}/attempts",
        json={"outcome": "reached"},
        headers=world.service_center,
    )
    assert response.status_code == 201
    for moment in (START, REMINDER, END):
        clock.set(moment)
        assert _escalate(app, clock).summary() == "nothing to escalate"
    assert _stage_rows(app) == []
    assert _status(app, callback["id"]) == "completed"


def test_the_job_is_registered_and_runs_from_the_cli(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    _register(client, world)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert "escalate-callbacks" in listed.output and "every 60 s" in listed.output
    clock.set(START)
    ran = runner.invoke(args=["jobs", "run", "escalate-callbacks"])
    assert ran.exit_code == 0, ran.output
    assert "window_start 1" in ran.output
    assert "nothing to escalate" in runner.invoke(args=["jobs", "run", "escalate-callbacks"]).output


def test_the_messages_arrive_and_stale_ones_are_not_sent(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, sms = outbound
    callback = _register(client, world)
    officer_email = f"p{world.private_officers.index(callback['officer']['id'])}@example.org"
    assert run_dispatcher(app).sent == 1
    (registered,) = sms.messages
    assert "i dag mellan 13:00 och 15:00" in registered.message

    clock.set(START)
    _escalate(app, clock)
    assert run_dispatcher(app).sent == 1
    (start_mail,) = smtp.messages
    assert start_mail.rcpt_tos == (officer_email,)
    assert str(start_mail.message["Subject"]) == (
        "Dags att ringa tillbaka: Åsa Öberg, Altan på tomten"
    )
    text = start_mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "070-123 45 67" in text and "måndag 1 mars 2027 kl. 15:00" in text

    # Reassigned before the reminder: it goes to the officer who has the call-back now.
    other = next(o for o in world.private_officers if o != callback["officer"]["id"])
    moved = client.post(
        f"{CALLBACKS}/{callback['id']}/assign", json={"officer_id": other}, headers=world.admin
    )
    assert moved.status_code == 200
    clock.set(REMINDER)
    _escalate(app, clock)
    assert run_dispatcher(app).sent == 1
    reminder = smtp.messages[-1]
    assert reminder.rcpt_tos == (f"p{world.private_officers.index(other)}@example.org",)
    assert str(reminder.message["Subject"]).startswith("Påminnelse:")

    clock.set(END)
    _escalate(app, clock)
    assert run_dispatcher(app).sent == 1
    alarm = smtp.messages[-1]
    assert alarm.rcpt_tos == ("privat@example.org",)
    assert str(alarm.message["Subject"]).startswith("Försenad återuppringning:")
    alarm_text = alarm.message.get_body(preferencelist=("plain",)).get_content()
    assert "Se till att någon i teamet ringer." in alarm_text
    assert len(sms.messages) == 1


def test_a_reminder_for_a_completed_call_back_is_superseded(
    app: Flask,
    client: FlaskClient,
    world: Any,
    clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, _ = outbound
    callback = _register(client, world)
    run_dispatcher(app)
    clock.set(START)
    _escalate(app, clock)
    response = client.post(
        f"{CALLBACKS}/{callback['id']}/attempts",
        json={"outcome": "reached"},
        headers=world.service_center,
    )
    assert response.status_code == 201
    assert run_dispatcher(app).superseded == 1
    assert smtp.messages == []
    ((_, _, _, status),) = _stage_rows(app)
    assert status == "superseded"


def test_two_worker_processes_make_each_stage_once(
    app: Flask, client: FlaskClient, world: Any, clock: Clock, database_url: str
) -> None:
    count = 30
    ids = [_register(client, world)["id"] for _ in range(count)]
    context = multiprocessing.get_context("spawn")
    gate = context.Barrier(2)
    results = context.Queue()
    # Both workers run at the same three moments, released together at each.
    moments = [START, REMINDER, END]
    workers = [
        context.Process(target=escalate, args=(database_url, moments, gate, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sum(r["failed"] for r in reports) == 0
    for stage in ("window_start", "reminder", "overdue"):
        assert sum(r[stage] for r in reports) == count, reports
    made = Counter((callback_id, kind) for callback_id, kind, _, _ in _stage_rows(app))
    assert made == {(i, kind): 1 for i in ids for kind in STAGES}
    assert {_status(app, i) for i in ids} == {"overdue"}
