"""Calendar feeds through the HTTP API: tokens, content, validators (ETag / 304), privacy."""

from __future__ import annotations

import hashlib
import logging
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar, Event
from sqlalchemy import select, update
from werkzeug.serving import make_server

from booking.calendar.models import CalendarFeedToken
from booking.calendar.redact import redact, redact_tokens_in_access_logs
from booking.extensions import db
from booking.officers.models import Officer
from booking.teams.models import MeetingType
from tests.api.helpers import assert_problem, snapshot
from tests.conftest import Clock
from tests.factories import booking_payload

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PUBLIC_URL = "http://booking.test"
PERSONNUMMER = "19811218-9876"


# --- helpers ----------------------------------------------------------------------------------


def issue(client: FlaskClient, officer_id: int, headers: dict[str, str]) -> dict[str, str]:
    """Create (or rotate) an officer's feed token; return {token, url}."""
    response = client.post(f"/api/v1/officers/{officer_id}/feed-token", headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def issue_team(client: FlaskClient, slug: str, headers: dict[str, str]) -> dict[str, str]:
    """Create (or rotate) a team's feed token; return {token, url}."""
    response = client.post(f"/api/v1/teams/{slug}/feed-token", headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def fetch(client: FlaskClient, url: str, **headers: str) -> Any:
    """GET a feed by the URL the API handed out."""
    assert url.startswith(PUBLIC_URL)
    return client.get(url.removeprefix(PUBLIC_URL), headers=headers)


def book(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    """Book through the public API; return the created booking (with its manage token)."""
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides))
    assert response.status_code == 201, response.json
    return dict(response.json)


def manage(client: FlaskClient, booking: dict[str, Any], action: str, body: Any) -> Any:
    """Cancel or reschedule a booking with its manage token."""
    response = client.post(
        f"/api/v1/bookings/{booking['reference']}/{action}",
        json=body,
        headers={"X-Booking-Token": booking["manage_token"]},
    )
    assert response.status_code == 200, response.json
    return response.json


def read_feed(data: bytes) -> tuple[list[Event], list[Any], Calendar]:
    """Parse with icalendar and vobject: icalendar's events, vobject's events, the calendar."""
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    parsed = vobject.readOne(data.decode("utf-8"))
    return list(calendar.events), list(parsed.contents.get("vevent", [])), calendar


def by_uid(events: list[Event]) -> dict[str, Event]:
    """icalendar events keyed by UID."""
    return {str(event["UID"]): event for event in events}


def rename_officer(app: Flask, officer_id: int, name: str) -> None:
    """Rename an officer directly (as an admin change would)."""
    with app.app_context():
        db.session.execute(update(Officer).where(Officer.id == officer_id).values(name=name))
        db.session.commit()


def rename_meeting_type(app: Flask, name: str) -> None:
    """Rename every meeting type directly."""
    with app.app_context():
        db.session.execute(update(MeetingType).values(name=name))
        db.session.commit()


# --- tokens -----------------------------------------------------------------------------------


def test_admin_and_the_officer_themself_may_create_a_token(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    anna, erik, _ = world.private_officers
    by_admin = client.post(f"/api/v1/officers/{anna}/feed-token", headers=world.admin)
    assert by_admin.status_code == 201
    assert by_admin.headers["Cache-Control"] == "no-store"
    assert set(by_admin.json) == {"token", "url"}
    token = by_admin.json["token"]
    assert token.startswith("cal_") and len(token) > 40
    assert by_admin.json["url"] == f"{PUBLIC_URL}/api/v1/officers/{anna}/calendar.ics?token={token}"

    by_self = issue(client, anna, factory.token("officer", anna))
    assert by_self["token"] != token

    assert_problem(
        client.post(f"/api/v1/officers/{anna}/feed-token", headers=factory.token("officer", erik)),
        403,
    )
    assert_problem(
        client.post(f"/api/v1/officers/{anna}/feed-token", headers=world.service_center), 403
    )
    missing = client.post(f"/api/v1/officers/{anna}/feed-token")
    assert_problem(missing, 401)
    assert "Bearer" in missing.headers["WWW-Authenticate"]
    assert_problem(
        client.post(f"/api/v1/officers/{anna}/feed-token", headers={"Authorization": "Bearer x"}),
        401,
    )
    # An officer asking for someone else's feed learns nothing about whether it exists.
    assert_problem(
        client.post("/api/v1/officers/999/feed-token", headers=factory.token("officer", anna)),
        403,
    )
    for unknown in ("999", "99999999999999999999999"):
        assert_problem(
            client.post(f"/api/v1/officers/{unknown}/feed-token", headers=world.admin), 404
        )

    # Only a hash is stored, in one row per officer.
    with app.app_context():
        rows = db.session.scalars(select(CalendarFeedToken)).all()
        assert [(r.officer_id, r.team_id, r.version) for r in rows] == [(anna, None, 2)]
        assert rows[0].token_hash == hashlib.sha256(by_self["token"].encode()).hexdigest()
    assert not any(
        by_self["token"] in repr(row) or token in repr(row)
        for rows_of_table in snapshot(app).values()
        for row in rows_of_table
    )


def test_posting_again_rotates_the_token_at_once(client: FlaskClient, world: Any) -> None:
    anna = world.private_officers[0]
    first = issue(client, anna, world.admin)
    assert fetch(client, first["url"]).status_code == 200
    second = issue(client, anna, world.admin)
    assert_problem(fetch(client, first["url"]), 404)
    assert fetch(client, second["url"]).status_code == 200


def test_team_feed_tokens_are_for_admins(client: FlaskClient, world: Any, factory: Any) -> None:
    issued = issue_team(client, "bygglov-privat", world.admin)
    assert issued["url"] == (
        f"{PUBLIC_URL}/api/v1/teams/bygglov-privat/calendar.ics?token={issued['token']}"
    )
    officer = factory.token("officer", world.private_officers[0])
    assert_problem(client.post("/api/v1/teams/bygglov-privat/feed-token", headers=officer), 403)
    assert_problem(
        client.post("/api/v1/teams/bygglov-privat/feed-token", headers=world.service_center), 403
    )
    assert_problem(client.post("/api/v1/teams/bygglov-privat/feed-token"), 401)
    for slug in ("no-such-team", "Not%20A%20Slug", "x" * 80):
        assert_problem(client.post(f"/api/v1/teams/{slug}/feed-token", headers=world.admin), 404)


# --- unknown feeds ----------------------------------------------------------------------------


def test_unknown_missing_and_wrong_tokens_are_404_and_store_nothing(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    anna, erik, _ = world.private_officers
    good = issue(client, anna, world.admin)["token"]
    issue_team(client, "bygglov-privat", world.admin)
    before = snapshot(app)
    requests = [
        f"/api/v1/officers/{anna}/calendar.ics?token=cal_wrong",
        f"/api/v1/officers/{anna}/calendar.ics",
        f"/api/v1/officers/{anna}/calendar.ics?token=",
        f"/api/v1/officers/{anna}/calendar.ics?token={'x' * 5000}",
        f"/api/v1/officers/{anna}/calendar.ics?token={good[:-1]}",
        f"/api/v1/officers/{erik}/calendar.ics?token={good}",  # has no feed token at all
        f"/api/v1/officers/999/calendar.ics?token={good}",
        f"/api/v1/officers/99999999999999999999/calendar.ics?token={good}",
        f"/api/v1/teams/bygglov-privat/calendar.ics?token={good}",
        f"/api/v1/teams/bygglov-foretag/calendar.ics?token={good}",
        f"/api/v1/teams/no-such-team/calendar.ics?token={good}",
        f"/api/v1/teams/%00%ff/calendar.ics?token={good}",
        f"/api/v1/officers/{anna}/calendar.ics?token=%00%ff%ED%A0%80",
    ]
    details = set()
    for path in requests:
        body = assert_problem(client.get(path), 404)
        details.add(body["detail"])
        assert good not in str(body)
    assert len(details) == 1  # one answer, whatever was wrong
    assert snapshot(app) == before


# --- content ----------------------------------------------------------------------------------


def test_the_feed_holds_the_bookings_and_both_parsers_read_it(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    anna = world.private_officers[0]
    feed = issue(client, anna, world.admin)["url"]
    empty = fetch(client, feed)
    assert empty.status_code == 200
    assert read_feed(empty.data)[0] == []

    first = book(
        client,
        officer_id=anna,
        mode="phone",
        case_number="BYGG 2027-000123",
        description="Altan; 3,5 m\nmot söder",
    )
    second = book(
        client,
        officer_id=anna,
        start="2027-03-04T13:00:00+01:00",
        applicant={"email": "b@example.org", "phone": None, "name": "Bo Ek"},
        language="en",
    )
    other = book(
        client,
        officer_id=world.private_officers[1],
        applicant={"email": "c@example.org", "name": "Ceci Annan"},
    )
    response = fetch(client, feed)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    data = response.data
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))

    events, vevents, calendar = read_feed(data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in data
    assert b"X-PUBLISHED-TTL:PT15M\r\n" in data
    assert "X-WR-CALNAME:Rådgivning: Anna Lindqvist\r\n".encode() in data
    assert b"ATTENDEE" not in data and b"VALARM" not in data
    assert len(events) == len(vevents) == 2
    assert other["reference"] not in response.get_data(as_text=True)

    # In start order; the UID is the one of the booking's own invitation.
    assert [e["UID"] for e in events] == [v.uid.value for v in vevents]
    for booked, event, vevent in zip([first, second], events, vevents, strict=True):
        invite = client.get(
            f"/api/v1/bookings/{booked['reference']}/invite.ics",
            headers={"X-Booking-Token": booked["manage_token"]},
        )
        (invite_event,) = Calendar.from_ical(invite.data).events
        assert str(event["UID"]) == str(invite_event["UID"]) == vevent.uid.value
        assert event.sequence == 0 and vevent.sequence.value == "0"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event.start == datetime.fromisoformat(booked["start"])
        assert vevent.dtstart.value == datetime.fromisoformat(booked["start"])
        assert event.DTSTAMP == datetime.fromisoformat(booked["updated_at"]).replace(microsecond=0)

    summary = str(events[0]["SUMMARY"])
    assert summary == "Bygglovsrådgivning: Åsa Öberg-Nguyễn"
    description = vevents[0].description.value
    for needle in (
        f"Bokningsnummer: {first['reference']}",
        "Mötesform: Telefon",
        "Handläggare: Anna Lindqvist",
        "Sökande: Åsa Öberg-Nguyễn (privatperson)",
        "Telefon: +46701234567",
        "E-post: asa@example.org",
        "Fastighetsbeteckning: SJÖDALEN 1:1",
        "Ärendenummer: BYGG 2027-000123",
        "Beskrivning: Altan; 3,5 m\nmot söder",
        f"Bokningen: {PUBLIC_URL}/staff/bokning/{first['reference']}",
    ):
        assert needle in description, needle
    assert str(events[0]["DESCRIPTION"]) == description
    assert vevents[0].location.value == "Telefon: +46701234567"
    # Staff read the feed in Swedish, whatever language the applicant booked in.
    assert vevents[1].location.value == "Video"
    assert "Telefon:" not in vevents[1].description.value


def test_no_personal_identity_number_ever_appears(client: FlaskClient, world: Any) -> None:
    lars = world.company_officers[0]
    feed = issue(client, lars, world.admin)["url"]
    book(
        client,
        applicant={
            "kind": "company",
            "name": "Ek Bygg (enskild firma)",
            "organisation_number": PERSONNUMMER,
        },
        description=f"Mitt personnummer är {PERSONNUMMER}, eller 198112189876 / 811218-9876.",
        case_number="811218-9876",
    )
    book(
        client,
        start="2027-03-04T10:00:00+01:00",
        applicant={
            "kind": "company",
            "name": "Byggbolaget AB",
            "email": "ab@example.org",
            "organisation_number": "556036-0793",
        },
        description="Ring 0701234567 om bygglov 2027-123 (orgnr 5560360793).",
    )
    text = fetch(client, feed).get_data(as_text=True)
    unfolded = text.replace("\r\n ", "")
    for fragment in ("9876", "811218", "19811218", "****", "personal_identity"):
        assert fragment not in unfolded, fragment
    assert "[personnummer borttaget]" in unfolded
    assert "Organisationsnummer: 556036-0793" in unfolded
    # Numbers that are not personal identity numbers are left as the applicant wrote them.
    assert "Ring 0701234567 om bygglov 2027-123 (orgnr 5560360793)." in unfolded.replace("\\", "")
    events, vevents, _ = read_feed(text.encode())
    assert len(events) == len(vevents) == 2
    assert "Sökande: Ek Bygg (enskild firma) (företag)" in vevents[0].description.value
    assert "Organisationsnummer" not in vevents[0].description.value


def test_times_are_stockholm_time_with_a_vtimezone_across_the_dst_change(
    client: FlaskClient, world: Any
) -> None:
    anna = world.private_officers[0]
    feed = issue(client, anna, world.admin)["url"]
    # Clocks go forward on Sunday 28 March 2027 (Easter: the Friday and Monday are holidays):
    # 10:00 is 09:00Z before and 08:00Z after.
    book(client, officer_id=anna, start="2027-03-24T10:00:00+01:00")
    book(client, officer_id=anna, start="2027-03-30T10:00:00+02:00")
    data = fetch(client, feed).data
    assert data.count(b"BEGIN:VTIMEZONE") == 1
    assert b"DTSTART;TZID=Europe/Stockholm:20270324T100000\r\n" in data
    assert b"DTSTART;TZID=Europe/Stockholm:20270330T100000\r\n" in data
    assert b"DTEND;TZID=Europe/Stockholm:20270330T104500\r\n" in data
    events, vevents, _ = read_feed(data)
    expected = [datetime(2027, 3, 24, 9, tzinfo=UTC), datetime(2027, 3, 30, 8, tzinfo=UTC)]
    assert [e.start.astimezone(UTC) for e in events] == expected
    # vobject builds its zone from the VTIMEZONE in the feed, not from the tz database.
    assert [v.dtstart.value.astimezone(UTC) for v in vevents] == expected
    assert [v.dtstart.value.tzinfo.utcoffset(v.dtstart.value) for v in vevents] == [
        timedelta(hours=1),
        timedelta(hours=2),
    ]


def test_the_team_feed_holds_the_teams_bookings_with_their_officers(
    client: FlaskClient, world: Any
) -> None:
    anna, erik, _ = world.private_officers
    team = issue_team(client, "bygglov-privat", world.admin)["url"]
    book(client, officer_id=anna)
    book(client, officer_id=erik, applicant={"email": "e@example.org", "name": "Eva Ek"})
    book(
        client,
        applicant={
            "kind": "company",
            "email": "f@example.org",
            "organisation_number": "556036-0793",
        },
    )
    response = fetch(client, team)
    events, vevents, _ = read_feed(response.data)
    assert [str(e["SUMMARY"]) for e in events] == [
        "Bygglovsrådgivning: Åsa Öberg-Nguyễn (Anna Lindqvist)",
        "Bygglovsrådgivning: Eva Ek (Erik Johansson)",
    ]
    assert "Handläggare: Erik Johansson" in vevents[1].description.value
    assert "X-WR-CALNAME:Rådgivning: Bygglov privatpersoner\r\n".encode() in response.data
    # The team's ETag also works for 304s (several officers, so several groups).
    again = fetch(client, team, **{"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# --- validators -------------------------------------------------------------------------------


def test_an_unchanged_feed_is_byte_identical(client: FlaskClient, world: Any, clock: Clock) -> None:
    anna = world.private_officers[0]
    feed = issue(client, anna, world.admin)["url"]
    book(client, officer_id=anna)
    first = fetch(client, feed)
    clock.advance(hours=10)  # still the same local day
    # Someone else's booking does not touch this feed.
    book(client, officer_id=world.private_officers[1], applicant={"email": "z@example.org"})
    second = fetch(client, feed)
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]


def test_not_modified_on_if_none_match_and_if_modified_since(
    client: FlaskClient, world: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    feed = issue(client, anna, world.admin)["url"]
    book(client, officer_id=anna)
    full = fetch(client, feed)
    etag, modified = full.headers["ETag"], full.headers["Last-Modified"]

    for value in (etag, f"W/{etag}", "*", f'"other", {etag}'):
        not_modified = fetch(client, feed, **{"If-None-Match": value})
        assert not_modified.status_code == 304, value
        assert not_modified.data == b""
        assert not_modified.headers["ETag"] == etag
        assert not_modified.headers["Cache-Control"] == "private, no-cache"
    assert fetch(client, feed, **{"If-None-Match": '"other"'}).status_code == 200

    assert fetch(client, feed, **{"If-Modified-Since": modified}).status_code == 304
    clock.advance(hours=1)
    later = clock().astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert fetch(client, feed, **{"If-Modified-Since": later}).status_code == 304
    # A date ahead of the server's clock cannot be one it gave: the full feed.
    ahead = (clock() + timedelta(days=1)).astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert fetch(client, feed, **{"If-Modified-Since": ahead}).status_code == 200
    earlier = "Mon, 01 Feb 2027 08:00:00 GMT"
    assert fetch(client, feed, **{"If-Modified-Since": earlier}).status_code == 200
    assert fetch(client, feed, **{"If-Modified-Since": "not a date"}).status_code == 200
    # If-None-Match decides when both are given (RFC 9110 §13.2.2).
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert fetch(client, feed, **both).status_code == 200

    head = client.head(feed.removeprefix(PUBLIC_URL))
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == etag
    assert_problem(fetch(client, feed + "x", **{"If-None-Match": etag}), 404)


def test_the_etag_follows_every_change_of_the_bytes(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    feed = issue(client, anna, world.admin)["url"]
    seen: dict[str, bytes] = {}

    def state() -> str:
        response = fetch(client, feed)
        etag = response.headers["ETag"]
        assert seen.setdefault(etag, response.data) == response.data  # one ETag, one body
        assert fetch(client, feed, **{"If-None-Match": etag}).status_code == 304
        return etag

    steps = [state()]
    booked = book(client, officer_id=anna)
    steps.append(state())
    manage(client, booked, "reschedule", {"start": "2027-03-04T13:00:00+01:00"})
    steps.append(state())
    second = book(client, officer_id=anna, applicant={"email": "y@example.org"})
    steps.append(state())
    manage(client, second, "cancel", {"reason": "Klart"})
    steps.append(state())
    rename_officer(app, anna, "Anna Lindqvist-Berg")
    steps.append(state())
    rename_meeting_type(app, "Rådgivning om bygglov")
    steps.append(state())
    clock.advance(days=1)  # the window moved at midnight
    steps.append(state())
    issue(client, anna, world.admin)  # a new token (version) is a new feed
    feed = issue(client, anna, world.admin)["url"]
    steps.append(state())
    assert len(set(steps)) == len(steps), steps
    assert len(set(seen.values())) == len(seen) - 2  # the window and the token: same bytes
    assert b"Anna Lindqvist-Berg" in seen[steps[-1]]
    assert "Rådgivning om bygglov: ".encode() in seen[steps[-1]]


def test_an_old_etag_gets_the_new_feed(client: FlaskClient, world: Any, clock: Clock) -> None:
    anna = world.private_officers[0]
    feed = issue(client, anna, world.admin)["url"]
    booked = book(client, officer_id=anna)
    before = fetch(client, feed)
    clock.advance(minutes=1)  # Last-Modified counts whole seconds
    manage(client, booked, "cancel", {})
    after = fetch(client, feed, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.data != before.data
    assert after.headers["ETag"] != before.headers["ETag"]
    since = fetch(client, feed, **{"If-Modified-Since": before.headers["Last-Modified"]})
    assert since.status_code == 200


# --- cancelled and moved bookings -------------------------------------------------------------


def test_a_cancelled_booking_stays_as_cancelled_then_leaves(
    client: FlaskClient, world: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    feed = issue(client, anna, world.admin)["url"]
    kept = book(client, officer_id=anna, start="2027-03-04T10:00:00+01:00")
    cancelled = book(client, officer_id=anna, applicant={"email": "x@example.org"})
    manage(client, cancelled, "cancel", {"reason": "Ångrat"})
    events, vevents, _ = read_feed(fetch(client, feed).data)
    status = {str(e["UID"]).split("@")[0]: str(e["STATUS"]) for e in events}
    assert status == {kept["reference"]: "CONFIRMED", cancelled["reference"]: "CANCELLED"}
    gone = by_uid(events)[f"{cancelled['reference']}@booking.test"]
    assert gone.sequence == 1
    assert str(gone["SUMMARY"]).startswith("Avbokad: ")
    assert "Avbokad: 2027-03-01 09:00" in str(gone["DESCRIPTION"])
    assert {v.status.value for v in vevents} == {"CONFIRMED", "CANCELLED"}

    # 29 days on, both are still there (the past 30 days are kept) ...
    clock.set(datetime(2027, 3, 30, 12, tzinfo=STOCKHOLM))
    assert len(read_feed(fetch(client, feed).data)[0]) == 2
    # ... 31 days after the cancellation it has gone; the confirmed one stays until 30 days
    # after its day.
    clock.set(datetime(2027, 4, 1, 0, 30, tzinfo=STOCKHOLM))
    (event,) = read_feed(fetch(client, feed).data)[0]
    assert str(event["UID"]) == f"{kept['reference']}@booking.test"
    clock.set(datetime(2027, 4, 4, 0, 30, tzinfo=STOCKHOLM))
    assert read_feed(fetch(client, feed).data)[0] == []


def test_a_booking_moved_to_another_officer_leaves_the_first_feed(
    client: FlaskClient, world: Any, factory: Any
) -> None:
    booked = book(client)  # no officer asked for: a move may change officer
    first = booked["officer"]["id"]
    feed_first = issue(client, first, world.admin)["url"]
    factory.absence(
        officer_id=first,
        start=datetime(2027, 3, 5, 8, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 5, 17, tzinfo=STOCKHOLM),
    )
    moved = manage(client, booked, "reschedule", {"start": "2027-03-05T10:00:00+01:00"})
    second = moved["officer"]["id"]
    assert second != first
    feed_second = issue(client, second, world.admin)["url"]
    assert read_feed(fetch(client, feed_first).data)[0] == []
    (event,) = read_feed(fetch(client, feed_second).data)[0]
    assert str(event["UID"]) == f"{booked['reference']}@booking.test" and event.sequence == 1


# --- logs -------------------------------------------------------------------------------------


def test_the_feed_token_never_reaches_the_access_log(
    app: Flask, client: FlaskClient, world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    anna = world.private_officers[0]
    issued = issue(client, anna, world.admin)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = issued["url"].replace(PUBLIC_URL, f"http://127.0.0.1:{server.server_port}")
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(f"/officers/{anna}/calendar.ics?token=[redacted]" in line for line in lines)
    assert issued["token"] not in caplog.text


def test_gunicorn_access_log_atoms_are_redacted_too(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    redact_tokens_in_access_logs()  # idempotent: the app installed it already
    assert (
        sum(
            type(f).__name__ == "TokenRedactingFilter"
            for f in logging.getLogger("gunicorn.access").filters
        )
        == 1
    )
    atoms = {
        "h": "127.0.0.1",
        "r": "GET /api/v1/officers/1/calendar.ics?token=cal_SECRET HTTP/1.1",
        "q": "token=cal_SECRET",
        "s": "200",
        "f": "https://kalender.example/x?a=1&token=cal_SECRET&b=2",
    }
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" %(s)s %(q)s "%(f)s"', atoms)
    assert "cal_SECRET" not in caplog.text
    assert "token=[redacted]&b=2" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /x?token=abc HTTP/1.1", "GET /x?token=[redacted] HTTP/1.1"),
        ("/x?a=1&token=abc&b=2", "/x?a=1&token=[redacted]&b=2"),
        ("token=abc", "token=[redacted]"),
        ("/x?manage_token=abc&xtoken=d", "/x?manage_token=abc&xtoken=d"),
        ("/x?token=", "/x?token="),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
