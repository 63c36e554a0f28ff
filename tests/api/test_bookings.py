"""Booking lifecycle through the HTTP API: create, read, cancel, reschedule, idempotency."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories import booking_payload


def _book(client: FlaskClient, **overrides: Any) -> Any:
    return client.post("/api/v1/bookings", json=booking_payload(**overrides))


def _slot_starts(client: FlaskClient, day: str, **params: str) -> list[str]:
    query = {
        "meeting_type": "bygglovsradgivning",
        "applicant_kind": "private",
        "from": day,
        "to": day,
        **params,
    }
    response = client.get("/api/v1/slots", query_string=query)
    assert response.status_code == 200, response.json
    return [slot["start"] for slot in response.json["slots"]]


def test_book_read_and_the_response_shape(client: FlaskClient, world: Any) -> None:
    response = _book(client)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "confirmed"
    assert body["start"] == "2027-03-03T10:00:00+01:00"
    assert body["end"] == "2027-03-03T10:45:00+01:00"
    assert body["team"] == {"slug": "bygglov-privat", "name": "Bygglov privatpersoner"}
    assert body["officer"]["id"] in world.private_officers
    assert body["channel"] == "web"
    assert body["applicant"]["name"] == "Åsa Öberg-Nguyễn"
    assert body["applicant"]["phone"] == "+46701234567"
    assert len(body["reference"]) == 9 and body["reference"][4] == "-"
    assert body["manage_token"] and body["manage_token"] in body["links"]["manage"]
    assert "routing" not in body  # reasons are for staff

    read = client.get(
        f"/api/v1/bookings/{body['reference']}", headers={"X-Booking-Token": body["manage_token"]}
    )
    assert read.status_code == 200
    assert read.json["reference"] == body["reference"]
    assert "manage_token" not in read.json

    staff_read = client.get(f"/api/v1/bookings/{body['reference']}", headers=world.admin)
    assert staff_read.status_code == 200
    assert "fewest bookings" in staff_read.json["routing"]["officer"]
    assert "bygglov-privat" in staff_read.json["routing"]["team"]


def test_wrong_token_and_unknown_reference_look_the_same(client: FlaskClient, world: Any) -> None:
    reference = _book(client).json["reference"]
    wrong = client.get(f"/api/v1/bookings/{reference}?token=not-the-token")
    unknown = client.get("/api/v1/bookings/ZZZZ-ZZZZ?token=not-the-token")
    missing = client.get(f"/api/v1/bookings/{reference}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.json["detail"] == unknown.json["detail"]
    assert wrong.headers["Content-Type"] == "application/problem+json"


def test_cancel_frees_the_slot_and_repeating_it_is_harmless(
    client: FlaskClient, world: Any
) -> None:
    # Only one officer may take the slot, so its presence in /slots follows the booking.
    booked = _book(client, officer_id=world.private_officers[0]).json
    token = {"X-Booking-Token": booked["manage_token"]}
    officer = str(world.private_officers[0])
    assert "2027-03-03T10:00:00+01:00" not in _slot_starts(client, "2027-03-03", officer=officer)

    first = client.post(
        f"/api/v1/bookings/{booked['reference']}/cancel", json={"reason": "Klart"}, headers=token
    )
    assert first.status_code == 200 and first.json["status"] == "cancelled"
    again = client.post(f"/api/v1/bookings/{booked['reference']}/cancel", json={}, headers=token)
    assert again.status_code == 200 and again.json["status"] == "cancelled"
    assert again.json["cancelled_at"] == first.json["cancelled_at"]
    assert "2027-03-03T10:00:00+01:00" in _slot_starts(client, "2027-03-03", officer=officer)


def test_reschedule_moves_and_keeps_the_reference(client: FlaskClient, world: Any) -> None:
    booked = _book(client).json
    token = {"X-Booking-Token": booked["manage_token"]}
    moved = client.post(
        f"/api/v1/bookings/{booked['reference']}/reschedule",
        json={"start": "2027-03-04T13:00:00+01:00"},
        headers=token,
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["reference"] == booked["reference"]
    assert moved.json["start"] == "2027-03-04T13:00:00+01:00"
    assert moved.json["sequence"] == 1
    assert moved.json["officer"]["id"] == booked["officer"]["id"]  # continuity


def test_reschedule_to_a_time_its_officer_is_busy_goes_to_a_free_colleague(
    client: FlaskClient, world: Any
) -> None:
    booked = _book(client).json
    officer = booked["officer"]["id"]
    _book(
        client,
        officer_id=officer,
        start="2027-03-04T13:00:00+01:00",
        applicant={"email": "other@example.org"},
    )
    moved = client.post(
        f"/api/v1/bookings/{booked['reference']}/reschedule",
        json={"start": "2027-03-04T13:00:00+01:00"},
        headers={"X-Booking-Token": booked["manage_token"]},
    )
    # Not a 409: the booking must not be written at its new time before its new officer is set.
    assert moved.status_code == 200, moved.json
    assert moved.json["start"] == "2027-03-04T13:00:00+01:00"
    assert moved.json["officer"]["id"] != officer


def test_failed_reschedule_leaves_the_booking_untouched(client: FlaskClient, world: Any) -> None:
    officer = world.private_officers[0]
    mine = _book(client, officer_id=officer).json
    _book(
        client,
        officer_id=officer,
        start="2027-03-03T13:00:00+01:00",
        applicant={"email": "other@example.org"},
    )
    token = {"X-Booking-Token": mine["manage_token"]}
    # The applicant chose this officer, who is busy at 13:00: no silent reassignment.
    clash = client.post(
        f"/api/v1/bookings/{mine['reference']}/reschedule",
        json={"start": "2027-03-03T13:00:00+01:00"},
        headers=token,
    )
    assert clash.status_code == 409
    assert clash.headers["Content-Type"] == "application/problem+json"
    after = client.get(f"/api/v1/bookings/{mine['reference']}", headers=token).json
    assert after["start"] == mine["start"] and after["sequence"] == 0
    assert after["officer"] == mine["officer"]


def test_idempotency_key_replays_and_refuses_another_body(client: FlaskClient, world: Any) -> None:
    headers = {"Idempotency-Key": "5d1f1c1e-retry-me"}
    first = client.post("/api/v1/bookings", json=booking_payload(), headers=headers)
    replay = client.post("/api/v1/bookings", json=booking_payload(), headers=headers)
    assert first.status_code == 201 and replay.status_code == 200
    assert replay.json["reference"] == first.json["reference"]
    assert replay.json["manage_token"] == first.json["manage_token"]
    other = client.post("/api/v1/bookings", json=booking_payload(mode="phone"), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json["errors"]
    listing = client.get("/api/v1/bookings?from=2027-03-01&to=2027-03-31", headers=world.admin)
    assert len(listing.json) == 1


def test_service_center_books_with_a_phone_number_alone(client: FlaskClient, world: Any) -> None:
    body = booking_payload(
        mode="phone",
        start="2027-03-01T13:00:00+01:00",
        applicant={"email": None, "phone": "08-123 456 78"},
    )
    public = client.post("/api/v1/bookings", json=body)
    assert public.status_code == 422 and "applicant.email" in public.json["errors"]
    staff = client.post("/api/v1/bookings", json=body, headers=world.service_center)
    # Staff notice is 0 minutes: this afternoon is bookable by phone for the service center.
    assert staff.status_code == 201, staff.json
    assert staff.json["channel"] == "service_center"
    assert staff.json["created_by_token_id"] is not None
    assert staff.json["applicant"]["phone"] == "+46812345678"


def test_company_needs_a_valid_organisation_number(client: FlaskClient, world: Any) -> None:
    bad = _book(client, applicant={"kind": "company", "organisation_number": "556036-0794"})
    assert bad.status_code == 422 and "applicant.organisation_number" in bad.json["errors"]
    good = _book(client, applicant={"kind": "company", "organisation_number": "5560360793"})
    assert good.status_code == 201, good.json
    assert good.json["team"]["slug"] == "bygglov-foretag"
    assert good.json["applicant"]["organisation_number"] == "556036-0793"
    assert good.json["officer"]["id"] in world.company_officers


def test_sole_trader_identity_number_is_never_echoed_in_full(
    client: FlaskClient, world: Any
) -> None:
    response = _book(client, applicant={"kind": "company", "organisation_number": "19811218-9876"})
    assert response.status_code == 201, response.json
    assert "9876" not in response.get_data(as_text=True)
    assert response.json["applicant"]["identifier_kind"] == "personal_identity_number"


def test_preferred_officer_or_nothing(client: FlaskClient, world: Any) -> None:
    officer = world.private_officers[1]
    first = _book(client, officer_id=officer)
    assert first.status_code == 201 and first.json["officer"]["id"] == officer
    second = _book(client, officer_id=officer, applicant={"email": "b@example.org"})
    assert second.status_code == 409  # never silently reassigned
    third = _book(client, applicant={"email": "c@example.org"})
    assert third.status_code == 201 and third.json["officer"]["id"] != officer


def test_fair_assignment_spreads_bookings_over_the_team(client: FlaskClient, world: Any) -> None:
    starts = ["2027-03-03T08:00:00+01:00", "2027-03-03T09:00:00+01:00", "2027-03-03T10:00:00+01:00"]
    officers = [
        _book(client, start=s, applicant={"email": f"{i}@example.org"}).json["officer"]["id"]
        for i, s in enumerate(starts)
    ]
    assert sorted(officers) == sorted(world.private_officers)


def test_invite_follows_the_booking_request_then_cancel(client: FlaskClient, world: Any) -> None:
    import vobject

    booked = _book(client, applicant={"name": "Åsa Öberg; Väg 3, vån 2"}).json
    token = {"X-Booking-Token": booked["manage_token"]}
    link = booked["links"]["invite_ics"].removeprefix("http://booking.test")
    invite = client.get(link)
    assert invite.status_code == 200
    assert invite.headers["Content-Type"] == "text/calendar; method=REQUEST; charset=UTF-8"
    event = vobject.readOne(invite.get_data(as_text=True)).vevent
    assert event.uid.value == f"{booked['reference']}@booking.test"
    assert event.sequence.value == "0"
    assert event.dtstart.value.isoformat() == "2027-03-03T10:00:00+01:00"
    assert any(a.params["CN"] == ["Åsa Öberg; Väg 3, vån 2"] for a in event.contents["attendee"])

    client.post(
        f"/api/v1/bookings/{booked['reference']}/reschedule",
        json={"start": "2027-03-04T10:00:00+01:00"},
        headers=token,
    )
    client.post(f"/api/v1/bookings/{booked['reference']}/cancel", json={}, headers=token)
    cancelled = client.get(f"/api/v1/bookings/{booked['reference']}/invite.ics", headers=token)
    assert cancelled.headers["Content-Type"].startswith("text/calendar; method=CANCEL")
    event = vobject.readOne(cancelled.get_data(as_text=True)).vevent
    assert event.sequence.value == "2" and event.status.value == "CANCELLED"
    assert event.uid.value == f"{booked['reference']}@booking.test"
    assert client.get(f"/api/v1/bookings/{booked['reference']}/invite.ics").status_code == 404


def test_an_invite_without_the_applicants_token_links_the_staff_console(
    client: FlaskClient, world: Any
) -> None:
    booked = _book(client).json
    staff_copy = client.get(
        f"/api/v1/bookings/{booked['reference']}/invite.ics", headers=world.admin
    )
    text = staff_copy.get_data(as_text=True).replace("\r\n ", "")
    assert f"/staff/bokning/{booked['reference']}" in text
    assert booked["manage_token"] not in text
    applicant_copy = client.get(
        f"/api/v1/bookings/{booked['reference']}/invite.ics",
        headers={"X-Booking-Token": booked["manage_token"]},
    )
    assert "/boka/hantera/" in applicant_copy.get_data(as_text=True).replace("\r\n ", "")
