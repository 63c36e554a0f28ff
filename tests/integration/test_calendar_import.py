"""Officers' own calendars against real servers on loopback: an ICS file server and Radicale.

Busy-time import (ICS with ETag, CalDAV REPORT), what counts as busy (recurrences, all-day,
floating, DST, TRANSP, STATUS, our own bookings), failures that keep the last good data, the
slot engine and the booking path treating imported time as busy, and the write-back of
bookings into CalDAV calendars (create → move → cancel). The injected clock drives time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from booking.bookings.invites import booking_uid
from booking.calendar.caldav_sync import OWN_EVENT_PROPERTY, object_url
from booking.calendar.imports import ImportReport, import_calendars
from booking.calendar.models import ImportedBusy
from booking.extensions import db
from booking.notifications.dispatch import DispatchReport, dispatch_due, stale_reason
from booking.notifications.models import Notification
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload
from tests.support.caldav import PASSWORD, USER, RadicaleServer
from tests.support.ics import IcsServer
from tests.support.net import refused_port

PUBLIC_HOST = "booking.test"
TZ = "DTSTART;TZID=Europe/Stockholm"

# --- helpers ----------------------------------------------------------------------------------


def vevent(uid: str, *lines: str) -> str:
    """One VEVENT with a UID and DTSTAMP, and the given content lines."""
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z", *lines, "END:VEVENT"]
    )


def vcalendar(*events: str) -> bytes:
    """A VCALENDAR holding the events, as a calendar server publishes it."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Kalender//SV", *events]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode("utf-8")


def weekly(uid: str, first_day: str, start: str, end: str, *extra: str) -> str:
    """A weekly meeting from `first_day` (YYYYMMDD), local HHMMSS start and end."""
    return vevent(
        uid,
        f"{TZ}:{first_day}T{start}",
        f"DTEND;TZID=Europe/Stockholm:{first_day}T{end}",
        "SUMMARY:Veckomöte",
        *extra,
    )


def set_source(client: FlaskClient, world: Any, officer_id: int, **body: Any) -> dict[str, Any]:
    """PUT the officer's calendar source as admin."""
    response = client.put(
        f"/api/v1/officers/{officer_id}/calendar-source", json=body, headers=world.admin
    )
    assert response.status_code == 200, response.json
    return dict(response.json)


def source_of(client: FlaskClient, world: Any, officer_id: int) -> dict[str, Any]:
    """GET the officer's calendar source as admin."""
    response = client.get(f"/api/v1/officers/{officer_id}/calendar-source", headers=world.admin)
    assert response.status_code == 200, response.json
    return dict(response.json)


def run_import(app: Flask) -> ImportReport:
    """One run of the import job's work, on the injected clock."""
    with app.app_context():
        return import_calendars(now_fn=app.config["BOOKING_CLOCK"])


def dispatch(app: Flask) -> DispatchReport:
    """One run of the outbox dispatcher (e-mail and SMS go to the log senders)."""
    with app.app_context():
        return dispatch_due(now_fn=app.config["BOOKING_CLOCK"])


def busy(app: Flask, officer_id: int) -> list[tuple[str, str]]:
    """The officer's imported busy intervals as UTC "YYYY-MM-DDTHH:MM" pairs."""
    with app.app_context():
        rows = db.session.execute(
            select(ImportedBusy.start_at, ImportedBusy.end_at)
            .where(ImportedBusy.officer_id == officer_id)
            .order_by(ImportedBusy.start_at)
        ).all()
        db.session.rollback()
    return [(_utc(start), _utc(end)) for start, end in rows]


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def starts(client: FlaskClient, day: str, officer_id: int | None = None) -> list[str]:
    """Local "HH:MM" starts of the free slots on `day` (of one officer, when given)."""
    query = {
        "meeting_type": "bygglovsradgivning",
        "applicant_kind": "private",
        "from": day,
        "to": day,
    }
    if officer_id is not None:
        query["officer"] = str(officer_id)
    response = client.get("/api/v1/slots", query_string=query)
    assert response.status_code == 200, response.json
    return [slot["start"][11:16] for slot in response.json["slots"]]


def book(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    """Book through the public API; return the booking with its manage token."""
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides))
    assert response.status_code == 201, response.json
    return dict(response.json)


def manage(client: FlaskClient, booking: dict[str, Any], action: str, body: Any) -> dict[str, Any]:
    """Cancel or reschedule with the manage token."""
    response = client.post(
        f"/api/v1/bookings/{booking['reference']}/{action}",
        json=body,
        headers={"X-Booking-Token": booking["manage_token"]},
    )
    assert response.status_code == 200, response.json
    return dict(response.json)


def caldav_source(radicale: RadicaleServer, calendar_url: str) -> dict[str, str]:
    """The body that connects a Radicale calendar."""
    return {"kind": "caldav", "url": calendar_url, "username": USER, "password": PASSWORD}


def written_event(radicale: RadicaleServer, calendar_url: str, reference: str) -> Any:
    """The booking's event as stored in the CalDAV calendar, or None when it is not there."""
    uid = booking_uid(reference=reference, public_url=f"http://{PUBLIC_HOST}")
    response = radicale.get(object_url(calendar_url, uid))
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.content)


def caldav_rows(app: Flask) -> list[tuple[str, str, str | None]]:
    """(kind, status, last_error) of the outbox's calendar writes, in order."""
    with app.app_context():
        rows = db.session.execute(
            select(Notification.kind, Notification.status, Notification.last_error)
            .where(Notification.channel == "caldav")
            .order_by(Notification.id)
        ).all()
        db.session.rollback()
    return [tuple(row) for row in rows]


# --- ICS import -------------------------------------------------------------------------------


def test_an_ics_address_is_imported_then_revalidated_with_its_etag(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer, clock: Clock
) -> None:
    officer = world.private_officers[0]
    ics_server.set_body(
        vcalendar(weekly("m1", "20270324", "100000", "110000", "RRULE:FREQ=WEEKLY;COUNT=3"))
    )
    # User info in the address: sent as Basic auth, stored apart, never shown.
    url = ics_server.url.replace("http://", "http://kalle:hemligt@")
    shown = set_source(client, world, officer, kind="ics", url=url)
    assert shown["url"] == ics_server.url

    report = run_import(app)
    assert (report.imported, report.failed) == (1, 0)
    # Wednesdays at 10:00 local: 09:00 UTC before the change to summer time, 08:00 after.
    assert busy(app, officer) == [
        ("2027-03-24T09:00", "2027-03-24T10:00"),
        ("2027-03-31T08:00", "2027-03-31T09:00"),
        ("2027-04-07T08:00", "2027-04-07T09:00"),
    ]
    first = ics_server.requests[-1]
    assert (first.status, first.if_none_match, first.user, first.password) == (
        200,
        None,
        "kalle",
        "hemligt",
    )
    shown = source_of(client, world, officer)
    assert shown["status"] == "ok" and shown["events_imported"] == 3
    assert shown["last_success_at"] == shown["last_attempt_at"] == "2027-03-01T09:00:00+01:00"

    clock.advance(minutes=5)
    report = run_import(app)
    assert report.not_modified == 1
    second = ics_server.requests[-1]
    assert second.status == 304 and second.if_none_match is not None
    assert second.if_modified_since is not None
    assert busy(app, officer)[0] == ("2027-03-24T09:00", "2027-03-24T10:00")
    assert source_of(client, world, officer)["last_attempt_at"] == "2027-03-01T09:05:00+01:00"

    ics_server.set_body(
        vcalendar(weekly("m1", "20270324", "100000", "110000", "RRULE:FREQ=WEEKLY;COUNT=1"))
    )
    clock.advance(minutes=5)
    assert run_import(app).imported == 1
    assert busy(app, officer) == [("2027-03-24T09:00", "2027-03-24T10:00")]
    assert source_of(client, world, officer)["events_imported"] == 1


def test_the_job_runs_from_the_command_line(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer
) -> None:
    runner = app.test_cli_runner()
    assert "import-calendars" in runner.invoke(args=["jobs", "list"]).output
    assert "no calendar sources" in runner.invoke(args=["jobs", "run", "import-calendars"]).output
    ics_server.set_body(vcalendar(weekly("m1", "20270303", "100000", "110000")))
    set_source(client, world, world.private_officers[0], kind="ics", url=ics_server.url)
    result = runner.invoke(args=["jobs", "run", "import-calendars"])
    assert result.exit_code == 0, result.output
    assert "imported 1" in result.output


def test_what_counts_as_busy_time(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer
) -> None:
    officer = world.private_officers[0]
    ics_server.set_body(
        vcalendar(
            # All day: whole local days, 23 hours on the day clocks go forward.
            vevent("allday", "DTSTART;VALUE=DATE:20270311", "DTEND;VALUE=DATE:20270312"),
            vevent("dst-day", "DTSTART;VALUE=DATE:20270328", "DTEND;VALUE=DATE:20270329"),
            vevent("two-days", "DTSTART;VALUE=DATE:20270405", "DTEND;VALUE=DATE:20270407"),
            vevent("no-end-day", "DTSTART;VALUE=DATE:20270409"),
            # Floating: office-local time. UTC stays UTC. DURATION instead of DTEND.
            vevent("floating", "DTSTART:20270312T130000", "DTEND:20270312T140000"),
            vevent("utc", "DTSTART:20270312T150000Z", "DTEND:20270312T153000Z"),
            vevent("duration", f"{TZ}:20270313T100000", "DURATION:PT90M"),
            # Across the spring and autumn changes.
            vevent(
                "spring",
                f"{TZ}:20270327T200000",
                "DTEND;TZID=Europe/Stockholm:20270329T083000",
            ),
            vevent(
                "autumn",
                f"{TZ}:20271029T150000",
                "DTEND;TZID=Europe/Stockholm:20271101T093000",
            ),
            # Recurring, with a deleted and a cancelled occurrence.
            weekly(
                "series",
                "20270304",
                "090000",
                "100000",
                "RRULE:FREQ=WEEKLY;COUNT=4",
                "EXDATE;TZID=Europe/Stockholm:20270311T090000",
            ),
            vevent(
                "series",
                "RECURRENCE-ID;TZID=Europe/Stockholm:20270318T090000",
                f"{TZ}:20270318T090000",
                "DTEND;TZID=Europe/Stockholm:20270318T100000",
                "STATUS:CANCELLED",
            ),
            # Not busy: free time, cancelled, no duration, outside the window, our own bookings.
            vevent(
                "free",
                f"{TZ}:20270315T130000",
                "DTEND;TZID=Europe/Stockholm:20270315T140000",
                "TRANSP:TRANSPARENT",
            ),
            vevent(
                "cancelled",
                f"{TZ}:20270315T140000",
                "DTEND;TZID=Europe/Stockholm:20270315T150000",
                "STATUS:CANCELLED",
            ),
            vevent("instant", f"{TZ}:20270315T150000"),
            vevent("past", f"{TZ}:20270220T100000", "DTEND;TZID=Europe/Stockholm:20270220T110000"),
            vevent("far", f"{TZ}:20290105T100000", "DTEND;TZID=Europe/Stockholm:20290105T110000"),
            vevent(
                f"ABCD-EFGH@{PUBLIC_HOST}",
                f"{TZ}:20270316T100000",
                "DTEND;TZID=Europe/Stockholm:20270316T110000",
            ),
            vevent(
                "written-back",
                f"{TZ}:20270316T130000",
                "DTEND;TZID=Europe/Stockholm:20270316T140000",
                f"{OWN_EVENT_PROPERTY}:ABCD-EFGH",
            ),
        )
    )
    set_source(client, world, officer, kind="ics", url=ics_server.url)
    assert run_import(app).imported == 1
    assert busy(app, officer) == [
        ("2027-03-04T08:00", "2027-03-04T09:00"),
        ("2027-03-10T23:00", "2027-03-11T23:00"),
        ("2027-03-12T12:00", "2027-03-12T13:00"),
        ("2027-03-12T15:00", "2027-03-12T15:30"),
        ("2027-03-13T09:00", "2027-03-13T10:30"),
        ("2027-03-25T08:00", "2027-03-25T09:00"),
        # 20:00 CET Saturday to 08:30 CEST Monday, merged with Sunday's 23-hour all-day event.
        ("2027-03-27T19:00", "2027-03-29T06:30"),
        ("2027-04-04T22:00", "2027-04-06T22:00"),
        ("2027-04-08T22:00", "2027-04-09T22:00"),
        ("2027-10-29T13:00", "2027-11-01T08:30"),
    ]
    assert source_of(client, world, officer)["events_imported"] == 11


# --- the slot engine and the booking path -----------------------------------------------------


def test_a_weekly_meeting_blocks_slots_and_bookings(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer
) -> None:
    officer = world.private_officers[0]
    before = starts(client, "2027-03-10", officer)
    assert "10:00" in before
    ics_server.set_body(
        vcalendar(weekly("team-meeting", "20270303", "100000", "110000", "RRULE:FREQ=WEEKLY"))
    )
    set_source(client, world, officer, kind="ics", url=ics_server.url)
    run_import(app)

    # 45 minutes plus a 15-minute buffer: starts from 09:15 to 10:45 would overlap the meeting.
    blocked = {"09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45"}
    assert starts(client, "2027-03-10", officer) == [s for s in before if s not in blocked]
    # After the change to summer time the meeting stays at 10:00 local.
    after_dst = starts(client, "2027-03-31", officer)
    assert "09:00" in after_dst and "11:00" in after_dst
    assert not blocked & set(after_dst)
    # The team still has the time: other officers are free.
    assert "10:00" in starts(client, "2027-03-10")

    refused = client.post(
        "/api/v1/bookings",
        json=booking_payload(start="2027-03-10T10:00:00+01:00", officer_id=officer),
    )
    assert refused.status_code == 409, refused.json
    assert (
        book(client, start="2027-03-10T11:00:00+01:00", officer_id=officer)["officer"]["id"]
        == officer
    )
    taken = book(client, start="2027-03-10T10:00:00+01:00")
    assert taken["officer"]["id"] != officer


def test_an_all_day_absence_blocks_the_officer_for_the_day(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer
) -> None:
    officer = world.private_officers[0]
    ics_server.set_body(
        vcalendar(
            vevent(
                "leave",
                "DTSTART;VALUE=DATE:20270311",
                "DTEND;VALUE=DATE:20270312",
                "SUMMARY:Semester",
            )
        )
    )
    set_source(client, world, officer, kind="ics", url=ics_server.url)
    run_import(app)
    assert starts(client, "2027-03-11", officer) == []
    assert starts(client, "2027-03-12", officer)[:2] == ["08:00", "08:15"]
    assert starts(client, "2027-03-10", officer)[-1] == "15:00"


def test_an_event_across_the_change_to_summer_time_blocks_the_right_hours(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer
) -> None:
    officer = world.private_officers[0]
    # Saturday 20:00 CET to Tuesday 08:30 CEST (Monday 29 March 2027 is Easter Monday).
    ics_server.set_body(
        vcalendar(
            vevent(
                "study-trip",
                f"{TZ}:20270327T200000",
                "DTEND;TZID=Europe/Stockholm:20270330T083000",
            )
        )
    )
    set_source(client, world, officer, kind="ics", url=ics_server.url)
    run_import(app)
    assert busy(app, officer) == [("2027-03-27T19:00", "2027-03-30T06:30")]
    response = client.get(
        "/api/v1/slots",
        query_string={
            "meeting_type": "bygglovsradgivning",
            "applicant_kind": "private",
            "from": "2027-03-30",
            "to": "2027-03-30",
            "officer": str(officer),
        },
    )
    assert response.json["slots"][0]["start"] == "2027-03-30T08:30:00+02:00"
    assert starts(client, "2027-03-24", officer)[0] == "08:00"


def test_free_time_does_not_block(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer
) -> None:
    officer = world.private_officers[0]
    before = starts(client, "2027-03-12", officer)
    ics_server.set_body(
        vcalendar(
            vevent(
                "lunch-walk",
                f"{TZ}:20270312T080000",
                "DTEND;TZID=Europe/Stockholm:20270312T160000",
                "TRANSP:TRANSPARENT",
            )
        )
    )
    set_source(client, world, officer, kind="ics", url=ics_server.url)
    assert run_import(app).imported == 1
    assert starts(client, "2027-03-12", officer) == before
    assert busy(app, officer) == []


def test_removing_or_replacing_the_source_frees_the_time(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer
) -> None:
    officer = world.private_officers[0]
    ics_server.set_body(
        vcalendar(vevent("leave", "DTSTART;VALUE=DATE:20270311", "DTEND;VALUE=DATE:20270312"))
    )
    set_source(client, world, officer, kind="ics", url=ics_server.url)
    run_import(app)
    assert starts(client, "2027-03-11", officer) == []
    set_source(client, world, officer, kind="ics", url=ics_server.url + "?other")
    assert busy(app, officer) == [] and starts(client, "2027-03-11", officer) != []
    run_import(app)
    assert starts(client, "2027-03-11", officer) == []
    client.delete(f"/api/v1/officers/{officer}/calendar-source", headers=world.admin)
    assert busy(app, officer) == [] and starts(client, "2027-03-11", officer) != []


# --- failures ---------------------------------------------------------------------------------


def test_a_server_that_goes_away_keeps_the_last_good_busy_time(
    app: Flask, client: FlaskClient, world: Any, ics_server: IcsServer, clock: Clock
) -> None:
    leaving, staying = world.private_officers[0], world.private_officers[1]
    server = IcsServer(
        vcalendar(vevent("leave", "DTSTART;VALUE=DATE:20270311", "DTEND;VALUE=DATE:20270312"))
    ).start()
    try:
        set_source(client, world, leaving, kind="ics", url=server.url)
        ics_server.set_body(
            vcalendar(weekly("m", "20270303", "100000", "110000", "RRULE:FREQ=WEEKLY;COUNT=2"))
        )
        set_source(client, world, staying, kind="ics", url=ics_server.url)
        assert run_import(app).imported == 2
        kept = busy(app, leaving)
        assert kept == [("2027-03-10T23:00", "2027-03-11T23:00")]
    finally:
        server.stop()

    clock.advance(minutes=5)
    ics_server.set_body(
        vcalendar(weekly("m", "20270303", "100000", "110000", "RRULE:FREQ=WEEKLY;COUNT=3"))
    )
    report = run_import(app)
    # One source failing does not keep the other from being imported.
    assert (report.failed, report.imported) == (1, 1)
    assert busy(app, leaving) == kept
    assert len(busy(app, staying)) == 3
    assert starts(client, "2027-03-11", leaving) == []
    shown = source_of(client, world, leaving)
    assert shown["status"] == "failing"
    assert shown["last_success_at"] == "2027-03-01T09:00:00+01:00"
    assert shown["last_attempt_at"] == "2027-03-01T09:05:00+01:00"
    assert "unreachable" in shown["last_error"]
    assert "127.0.0.1" not in shown["last_error"] and str(server.url) not in shown["last_error"]
    # Retried at the next run, and still failing.
    clock.advance(minutes=5)
    assert run_import(app).failed == 1
    assert source_of(client, world, leaving)["last_attempt_at"] == "2027-03-01T09:10:00+01:00"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, None, "HTTP 500"),
        (404, None, "HTTP 404"),
        (None, b"<html><body>Logga in</body></html>", "iCalendar"),
        (None, vcalendar(vevent("x", f"{TZ}:20270305T100000", "RRULE:FREQ=MINUTELY")), "MINUTELY"),
        (
            None,
            vcalendar(vevent("x", f"{TZ}:20270305T100000", "RRULE:FREQ=WEEKLY;BYDAY=XX")),
            "cannot be read",
        ),
    ],
)
def test_a_failing_source_records_why_and_keeps_its_data(
    app: Flask,
    client: FlaskClient,
    world: Any,
    ics_server: IcsServer,
    clock: Clock,
    status: int | None,
    body: bytes | None,
    error: str,
) -> None:
    officer = world.private_officers[0]
    ics_server.set_body(
        vcalendar(vevent("leave", "DTSTART;VALUE=DATE:20270311", "DTEND;VALUE=DATE:20270312"))
    )
    set_source(client, world, officer, kind="ics", url=ics_server.url)
    run_import(app)
    kept = busy(app, officer)
    assert kept

    clock.advance(minutes=5)
    if status is not None:
        ics_server.fail(status)
    if body is not None:
        ics_server.set_body(body)
    assert run_import(app).failed == 1
    assert busy(app, officer) == kept
    shown = source_of(client, world, officer)
    assert shown["status"] == "failing" and error in shown["last_error"]
    assert "BEGIN:" not in shown["last_error"] and "Logga" not in shown["last_error"]

    ics_server.fail(None)
    ics_server.set_body(vcalendar())
    clock.advance(minutes=5)
    assert run_import(app).imported == 1
    assert busy(app, officer) == []
    shown = source_of(client, world, officer)
    assert (shown["status"], shown["last_error"]) == ("ok", None)


def test_an_unreachable_address_fails_only_that_source(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    with refused_port() as port:
        set_source(
            client,
            world,
            world.private_officers[0],
            kind="ics",
            url=f"http://127.0.0.1:{port}/x.ics",
        )
        report = run_import(app)
    assert report.failed == 1
    assert "unreachable" in report.errors[1]


# --- CalDAV -----------------------------------------------------------------------------------


def test_a_caldav_calendar_is_imported_through_radicale(
    app: Flask, client: FlaskClient, world: Any, radicale: RadicaleServer
) -> None:
    officer = world.private_officers[0]
    calendar = radicale.new_calendar()
    radicale.put(
        calendar,
        "weekly.ics",
        vcalendar(weekly("weekly", "20270303", "100000", "110000", "RRULE:FREQ=WEEKLY;COUNT=5")),
    )
    radicale.put(
        calendar,
        "leave.ics",
        vcalendar(vevent("leave", "DTSTART;VALUE=DATE:20270311", "DTEND;VALUE=DATE:20270312")),
    )
    radicale.put(
        calendar,
        "free.ics",
        vcalendar(
            vevent(
                "free",
                f"{TZ}:20270312T100000",
                "DTEND;TZID=Europe/Stockholm:20270312T110000",
                "TRANSP:TRANSPARENT",
            )
        ),
    )
    radicale.put(
        calendar,
        "far.ics",
        vcalendar(
            vevent("far", f"{TZ}:20290312T100000", "DTEND;TZID=Europe/Stockholm:20290312T110000")
        ),
    )
    set_source(client, world, officer, **caldav_source(radicale, calendar))

    assert run_import(app).imported == 1
    assert busy(app, officer) == [
        ("2027-03-03T09:00", "2027-03-03T10:00"),
        ("2027-03-10T09:00", "2027-03-10T10:00"),
        ("2027-03-10T23:00", "2027-03-11T23:00"),
        ("2027-03-17T09:00", "2027-03-17T10:00"),
        ("2027-03-24T09:00", "2027-03-24T10:00"),
        ("2027-03-31T08:00", "2027-03-31T09:00"),
    ]
    assert starts(client, "2027-03-11", officer) == []
    # Nothing changed: the next run rewrites no rows.
    assert run_import(app).unchanged == 1


def test_a_wrong_caldav_password_is_an_error_that_never_shows_it(
    app: Flask, client: FlaskClient, world: Any, radicale: RadicaleServer
) -> None:
    officer = world.private_officers[0]
    calendar = radicale.new_calendar()
    set_source(
        client, world, officer, **{**caldav_source(radicale, calendar), "password": "fel-lösen"}
    )
    assert run_import(app).failed == 1
    shown = source_of(client, world, officer)
    assert "refused the user or password" in shown["last_error"]
    assert "fel-lösen" not in str(shown) and PASSWORD not in str(shown)


# --- write-back -------------------------------------------------------------------------------


def test_a_booking_is_written_moved_and_deleted_in_the_caldav_calendar(
    app: Flask, client: FlaskClient, world: Any, radicale: RadicaleServer
) -> None:
    officer = world.private_officers[0]
    calendar = radicale.new_calendar()
    set_source(client, world, officer, **caldav_source(radicale, calendar))

    booking = book(client, start="2027-03-03T10:00:00+01:00", officer_id=officer)
    dispatch(app)
    written = written_event(radicale, calendar, booking["reference"])
    assert written is not None
    assert "METHOD" not in written  # RFC 4791 §4.1
    (event,) = written.walk("VEVENT")
    assert str(event["UID"]) == f"{booking['reference']}@{PUBLIC_HOST}"
    assert event["SEQUENCE"] == 0
    assert event.start == datetime(2027, 3, 3, 10, 0, tzinfo=STOCKHOLM)
    assert str(event[OWN_EVENT_PROPERTY]) == booking["reference"]
    assert "ORGANIZER" not in event and "ATTENDEE" not in event
    # No personal data of the applicant in the officer's (often third-party) calendar.
    assert "Åsa" not in written.to_ical().decode("utf-8")
    assert caldav_rows(app) == [("confirmation", "sent", None)]

    manage(client, booking, "reschedule", {"start": "2027-03-04T13:00:00+01:00"})
    dispatch(app)
    moved = written_event(radicale, calendar, booking["reference"])
    assert moved is not None
    (event,) = moved.walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert event.start == datetime(2027, 3, 4, 13, 0, tzinfo=STOCKHOLM)
    # One resource, updated in place.
    assert radicale.get(calendar).text.count("BEGIN:VEVENT") == 1

    manage(client, booking, "cancel", {"reason": "Löst på annat sätt"})
    dispatch(app)
    assert written_event(radicale, calendar, booking["reference"]) is None
    assert caldav_rows(app) == [
        ("confirmation", "sent", None),
        ("rescheduled", "sent", None),
        ("cancelled", "sent", None),
    ]


def test_a_booking_moved_to_another_officer_leaves_one_calendar_for_the_other(
    app: Flask, client: FlaskClient, world: Any, factory: Any, radicale: RadicaleServer
) -> None:
    first, second, third = world.private_officers
    calendars = {first: radicale.new_calendar(), second: radicale.new_calendar()}
    for officer, calendar in calendars.items():
        set_source(client, world, officer, **caldav_source(radicale, calendar))
    march = (datetime(2027, 3, 1, tzinfo=STOCKHOLM), datetime(2027, 4, 1, tzinfo=STOCKHOLM))
    factory.absence(officer_id=third, start=march[0], end=march[1])
    factory.absence(
        officer_id=second,
        start=datetime(2027, 3, 3, 10, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 3, 11, tzinfo=STOCKHOLM),
    )
    booking = book(client, start="2027-03-03T10:00:00+01:00")
    assert booking["officer"]["id"] == first
    dispatch(app)
    assert written_event(radicale, calendars[first], booking["reference"]) is not None

    factory.absence(
        officer_id=first,
        start=datetime(2027, 3, 4, 13, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 4, 14, tzinfo=STOCKHOLM),
    )
    moved = manage(client, booking, "reschedule", {"start": "2027-03-04T13:00:00+01:00"})
    assert moved["officer"]["id"] == second
    dispatch(app)
    assert written_event(radicale, calendars[first], booking["reference"]) is None
    written = written_event(radicale, calendars[second], booking["reference"])
    assert written is not None
    (event,) = written.walk("VEVENT")
    assert event.start == datetime(2027, 3, 4, 13, 0, tzinfo=STOCKHOLM)


def test_written_back_bookings_are_not_read_back_as_busy_time(
    app: Flask, client: FlaskClient, world: Any, radicale: RadicaleServer
) -> None:
    officer = world.private_officers[0]
    calendar = radicale.new_calendar()
    set_source(client, world, officer, **caldav_source(radicale, calendar))
    radicale.put(
        calendar,
        "own.ics",
        vcalendar(
            vevent("own", f"{TZ}:20270303T130000", "DTEND;TZID=Europe/Stockholm:20270303T140000")
        ),
    )
    booking = book(client, start="2027-03-03T10:00:00+01:00", officer_id=officer)
    dispatch(app)
    assert written_event(radicale, calendar, booking["reference"]) is not None

    report = run_import(app)
    assert report.imported == 1, report
    assert busy(app, officer) == [("2027-03-03T12:00", "2027-03-03T13:00")]
    assert source_of(client, world, officer)["events_imported"] == 1
    # Cancelled but not yet deleted from the calendar: the stale copy blocks nothing.
    manage(client, booking, "cancel", {})
    run_import(app)
    assert "10:00" in starts(client, "2027-03-03", officer)
    assert "13:00" not in starts(client, "2027-03-03", officer)


def test_connecting_a_caldav_calendar_writes_the_upcoming_bookings(
    app: Flask, client: FlaskClient, world: Any, radicale: RadicaleServer
) -> None:
    officer = world.private_officers[0]
    kept = [
        book(client, start=start, officer_id=officer)
        for start in ("2027-03-03T10:00:00+01:00", "2027-03-05T13:00:00+01:00")
    ]
    dropped = book(client, start="2027-03-04T10:00:00+01:00", officer_id=officer)
    manage(client, dropped, "cancel", {})
    dispatch(app)
    assert caldav_rows(app) == []

    calendar = radicale.new_calendar()
    set_source(client, world, officer, **caldav_source(radicale, calendar))
    dispatch(app)
    for booking in kept:
        assert written_event(radicale, calendar, booking["reference"]) is not None
    assert written_event(radicale, calendar, dropped["reference"]) is None
    # Setting the same source again writes nothing more.
    set_source(client, world, officer, **caldav_source(radicale, calendar))
    assert len(caldav_rows(app)) == 2


def test_a_refused_write_is_dead_and_an_unreachable_server_is_retried(
    app: Flask, client: FlaskClient, world: Any, radicale: RadicaleServer, clock: Clock
) -> None:
    refused, unreachable = world.private_officers[0], world.private_officers[1]
    wrong = {**caldav_source(radicale, radicale.new_calendar()), "password": "fel-lösen"}
    set_source(client, world, refused, **wrong)
    book(client, start="2027-03-03T10:00:00+01:00", officer_id=refused)
    with refused_port() as port:
        set_source(
            client,
            world,
            unreachable,
            kind="caldav",
            url=f"http://127.0.0.1:{port}/{USER}/cal/",
            username=USER,
            password=PASSWORD,
        )
        book(client, start="2027-03-03T13:00:00+01:00", officer_id=unreachable)
        dispatch(app)
    rows = caldav_rows(app)
    assert [row[:2] for row in rows] == [("confirmation", "dead"), ("confirmation", "failed")]
    assert rows[0][2] is not None and "refused the user or password" in rows[0][2]
    assert rows[1][2] is not None and "unreachable" in rows[1][2]
    assert all("fel-lösen" not in (row[2] or "") for row in rows)


# --- which calendar writes are still needed (the dispatcher's stale check) --------------------

END = datetime(2027, 3, 3, 10, 45, tzinfo=STOCKHOLM)


def _write(kind: str, *, officer_id: int = 1, version: int = 1) -> Any:
    return SimpleNamespace(
        channel="caldav",
        kind=kind,
        audience="officer",
        officer_id=officer_id,
        booking_version=version,
    )


@pytest.mark.parametrize(
    ("kind", "status", "officer_id", "sequence", "now", "expected"),
    [
        # A DELETE is needed whenever it runs, even long after the meeting…
        ("cancelled", "cancelled", 1, 1, END + timedelta(days=30), None),
        ("cancelled", "confirmed", 2, 1, END + timedelta(days=30), None),
        # …unless the booking is back with this officer, whose later PUT owns the event.
        ("cancelled", "confirmed", 1, 2, END - timedelta(hours=1), "superseded"),
        # A PUT is stale once the booking changed, was cancelled, moved away or is over.
        ("confirmation", "confirmed", 1, 1, END - timedelta(hours=1), None),
        ("confirmation", "confirmed", 1, 2, END - timedelta(hours=1), "superseded"),
        ("confirmation", "cancelled", 1, 1, END - timedelta(hours=1), "superseded"),
        ("confirmation", "confirmed", 2, 1, END - timedelta(hours=1), "superseded"),
        ("rescheduled", "confirmed", 1, 1, END, "expired"),
    ],
)
def test_stale_calendar_writes(
    kind: str, status: str, officer_id: int, sequence: int, now: datetime, expected: str | None
) -> None:
    row = _write(kind)
    row.booking = SimpleNamespace(
        status=status,
        officer_id=officer_id,
        sequence=sequence,
        end_at=END,
        start_at=END - timedelta(minutes=45),
    )
    reason = stale_reason(row, now=now)  # type: ignore[arg-type]
    assert (reason[0] if reason else None) == expected
