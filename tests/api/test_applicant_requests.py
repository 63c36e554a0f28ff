"""Data subject requests: an admin exports, or erases, everything held about one person."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.audit.models import AuditEntry
from booking.bookings.models import Booking
from booking.callbacks.models import Callback
from booking.extensions import db
from booking.notifications.models import Notification
from booking.privacy.anonymise import ANONYMISED
from tests.api.helpers import assert_problem, snapshot
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload

EXPORT = "/api/v1/applicants/export"
ERASE = "/api/v1/applicants/erase"
OTHER = {"name": "Bo Ek", "email": "bo@example.org", "phone": "070-111 22 33"}


def book(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides))
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def register_callback(client: FlaskClient, world: Any, phone: str = "070-123 45 67") -> int:
    response = client.post(
        "/api/v1/callbacks",
        json={
            "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": phone},
            "topic": "Altan på tomten",
            "note": "Vill veta om altanen kräver bygglov.",
        },
        headers=world.service_center,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.json["id"])


def dispatch(app: Flask) -> None:
    ran = app.test_cli_runner().invoke(args=["jobs", "run", "dispatch-notifications"])
    assert ran.exit_code == 0, ran.output


def audit_rows(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        db.session.expunge_all()
        db.session.rollback()
        return list(rows)


def test_export_by_email_finds_the_persons_bookings_and_messages_without_tokens(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    mine = book(client, case_number="BN 2027-1", description="Ett förråd.")
    # The same person typing their address in capitals is the same person.
    second = book(client, start="2027-03-04T10:00:00+01:00", applicant={"email": "Asa@Example.ORG"})
    book(client, start="2027-03-05T10:00:00+01:00", applicant=OTHER)
    dispatch(app)

    response = client.get(EXPORT, query_string={"email": "asa@example.org"}, headers=world.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["identifier"] == {"email": "asa@example.org"}
    assert [b["reference"] for b in body["bookings"]] == [mine["reference"], second["reference"]]
    first = body["bookings"][0]
    assert first["applicant"]["name"] == "Åsa Öberg-Nguyễn"
    assert first["applicant"]["phone"] == "+46701234567"
    assert (first["case_number"], first["description"]) == ("BN 2027-1", "Ett förråd.")
    assert first["start"] == "2027-03-03T10:00:00+01:00"
    assert "routing" in first
    # Call-backs are registered by phone number: an e-mail finds none.
    assert body["callbacks"] == []
    # Per booking: the confirmation by e-mail and SMS (sent, with the copy kept) and the two
    # reminders still to come; nothing addressed to the officer.
    messages = body["messages"]
    assert {m["audience"] for m in messages} == {"applicant"}
    assert sorted((m["kind"], m["status"]) for m in messages) == sorted(
        [("confirmation", "sent")] * 4 + [("reminder", "pending")] * 4
    )
    assert all(m["body"] for m in messages if m["status"] == "sent")
    text = response.get_data(as_text=True)
    for created in (mine, second):
        assert created["manage_token"] not in text
    assert "manage_token" not in text and "bo@example.org" not in text


def test_export_by_phone_normalises_it_and_includes_call_backs_with_attempts(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booking = book(client)
    callback = register_callback(client, world)
    attempt = client.post(
        f"/api/v1/callbacks/{callback}/attempts",
        json={"outcome": "no_answer", "note": "Inget svar"},
        headers=world.service_center,
    )
    assert attempt.status_code in (200, 201)
    register_callback(client, world, phone="070-111 22 33")

    response = client.get(EXPORT, query_string={"phone": "+46 70 123 45 67"}, headers=world.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["identifier"] == {"phone": "+46701234567"}
    assert [b["reference"] for b in body["bookings"]] == [booking["reference"]]
    (found,) = body["callbacks"]
    assert found["id"] == callback and found["topic"] == "Altan på tomten"
    assert [(a["outcome"], a["note"]) for a in found["attempts"]] == [("no_answer", "Inget svar")]
    # Queued, not yet sent: the booking's confirmation SMS and the call-back's.
    assert {m["channel"] for m in body["messages"]} == {"email", "sms"}
    assert any(m["callback"] == callback for m in body["messages"])


def test_an_export_is_audited_without_the_identifier(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    book(client)
    response = client.get(EXPORT, query_string={"email": "asa@example.org"}, headers=world.admin)
    assert response.status_code == 200
    (row,) = audit_rows(app, "applicant.export")
    assert (row.actor_kind, row.actor_role, row.object_type) == ("staff", "admin", "applicant")
    assert row.object_id.startswith("email:") and "asa" not in row.object_id
    # The booking's confirmations and reminders to the applicant, e-mail and SMS each.
    assert row.details == {"by": "email", "bookings": 1, "callbacks": 0, "messages": 4}
    # The same person asked again is the same pseudonym: requests can be traced, not read.
    client.get(EXPORT, query_string={"email": "ASA@example.org"}, headers=world.admin)
    assert len({r.object_id for r in audit_rows(app, "applicant.export")}) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_an_admin_may_ask(
    app: Flask, client: FlaskClient, world: Any, factory: Any, method: str
) -> None:
    book(client)
    before = snapshot(app)
    officer = factory.token("officer", officer_id=world.private_officers[0])
    for headers in (world.service_center, officer):
        if method == "get":
            response = client.get(
                EXPORT, query_string={"email": "asa@example.org"}, headers=headers
            )
        else:
            response = client.post(ERASE, json={"email": "asa@example.org"}, headers=headers)
        assert_problem(response, 403)
    unauthenticated = (
        client.get(EXPORT, query_string={"email": "asa@example.org"})
        if method == "get"
        else client.post(ERASE, json={"email": "asa@example.org"})
    )
    assert_problem(unauthenticated, 401)
    after = snapshot(app)
    # Refused requests change nothing (the audit helper may note the token's last use).
    for table in ("bookings", "callbacks", "notifications"):
        assert after[table] == before[table]


@pytest.mark.parametrize(
    ("arguments", "fields"),
    [
        ({}, ("email", "phone")),
        ({"email": "asa@example.org", "phone": "0701234567"}, ("email", "phone")),
        ({"email": "not an address"}, ("email",)),
        ({"phone": "12"}, ("phone",)),
        ({"phone": "x" * 41}, ("phone",)),
    ],
)
def test_exactly_one_valid_identifier_is_needed(
    client: FlaskClient, world: Any, arguments: dict[str, str], fields: tuple[str, ...]
) -> None:
    exported = client.get(EXPORT, query_string=arguments, headers=world.admin)
    erased = client.post(ERASE, json=arguments, headers=world.admin)
    for response in (exported, erased):
        for field in fields:
            assert_problem(response, 422, field)


def test_erase_body_must_be_an_object_with_known_fields(client: FlaskClient, world: Any) -> None:
    response = client.post(
        ERASE, json={"email": "asa@example.org", "name": "Åsa"}, headers=world.admin
    )
    assert_problem(response, 422, "name")
    response = client.post(
        ERASE,
        data=json.dumps(["asa@example.org"]),
        headers={**world.admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_erase_cancels_meetings_to_come_closes_waiting_call_backs_and_anonymises_all(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    past = book(client, case_number="BN 2027-1")
    dispatch(app)
    callback = register_callback(client, world)
    clock.set(datetime(2027, 3, 8, 9, 0, tzinfo=STOCKHOLM))
    future = book(client, start="2027-03-10T10:00:00+01:00")
    other = book(client, start="2027-03-10T10:00:00+01:00", applicant=OTHER)

    response = client.post(ERASE, json={"phone": "0701234567"}, headers=world.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    counts = response.json
    assert counts["bookings"] == 2 and counts["cancelled"] == 1
    assert counts["callbacks"] == 1 and counts["callbacks_closed"] == 1
    assert counts["messages"] >= 3
    # The person made both bookings online: those audit rows held their address.
    assert counts["audit_addresses"] == 2

    with app.app_context():
        rows = {
            b.reference: b for b in db.session.scalars(select(Booking).order_by(Booking.id)).all()
        }
        for reference in (past["reference"], future["reference"]):
            row = rows[reference]
            assert row.applicant_name == ANONYMISED and row.anonymised_at is not None
            assert row.applicant_email is None and row.applicant_phone is None
            assert row.case_number is None and row.property_designation is None
        assert rows[past["reference"]].status == "confirmed"  # it took place: kept as such
        assert rows[future["reference"]].status == "cancelled"
        assert rows[other["reference"]].applicant_email == "bo@example.org"

        erased_callback = db.session.get(Callback, callback)
        assert erased_callback is not None
        assert erased_callback.status == "unreachable" and erased_callback.closed_at is not None
        assert erased_callback.applicant_phone == ANONYMISED and erased_callback.note is None

        messages = db.session.scalars(
            select(Notification).where(
                Notification.booking_id.in_(
                    [rows[past["reference"]].id, rows[future["reference"]].id]
                )
                | (Notification.callback_id == callback)
            )
        ).all()
        to_applicant = [m for m in messages if m.audience == "applicant"]
        # Nothing more goes to the person, and no address of theirs is left.
        assert to_applicant and all(m.status not in ("pending", "failed") for m in to_applicant)
        assert all(m.recipient == ANONYMISED and m.body is None for m in to_applicant)
        # The officer is still told that the meeting to come is cancelled.
        assert any(
            m.audience == "officer" and m.kind == "cancelled" and m.status == "pending"
            for m in messages
        )
        db.session.rollback()

    created = {r.object_id: r for r in audit_rows(app, "booking.create")}
    assert created[past["reference"]].client_address is None
    assert created[future["reference"]].client_address is None
    assert created[other["reference"]].client_address == "127.0.0.1"
    (row,) = audit_rows(app, "applicant.erase")
    assert row.object_id.startswith("phone:") and "701234567" not in row.object_id
    assert row.details is not None
    assert row.details["cancelled_references"] == [future["reference"]]
    assert row.details["bookings"] == 2

    # Nothing is found any more, and erasing again changes nothing.
    found = client.get(EXPORT, query_string={"phone": "0701234567"}, headers=world.admin).json
    assert (found["bookings"], found["callbacks"], found["messages"]) == ([], [], [])
    before = snapshot(app)
    again = client.post(ERASE, json={"phone": "0701234567"}, headers=world.admin)
    assert again.status_code == 200
    assert set(again.json.values()) == {0}
    after = snapshot(app)
    for table in ("bookings", "callbacks", "callback_attempts", "notifications"):
        assert after[table] == before[table]


def test_the_erased_meeting_leaves_the_officers_calendar_feed(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    created = book(client)
    officer = created["officer"]["id"]
    feed = client.post(f"/api/v1/officers/{officer}/feed-token", headers=world.admin).json
    before = client.get(feed["url"].replace("http://booking.test", ""))
    assert "Åsa" in before.get_data(as_text=True)
    assert (
        client.post(ERASE, json={"email": "asa@example.org"}, headers=world.admin).status_code
        == 200
    )
    after = client.get(feed["url"].replace("http://booking.test", ""))
    text = after.get_data(as_text=True)
    assert "Åsa" not in text and "asa@example.org" not in text
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_message_being_sent_during_an_erasure_cannot_write_its_copy_back(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    from booking.db import write_intent
    from booking.notifications.dispatch import _mark

    book(client)
    # A dispatcher has claimed the applicant's confirmation e-mail and is sending it.
    with app.app_context(), write_intent():
        row = db.session.scalars(
            select(Notification).where(
                Notification.audience == "applicant",
                Notification.channel == "email",
                Notification.kind == "confirmation",
            )
        ).one()
        row.status, row.claim_token = "sending", "claim-of-a-busy-worker"
        row_id = row.id
        db.session.commit()

    response = client.post(ERASE, json={"email": "asa@example.org"}, headers=world.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        # The worker finishes and tries to record what it sent: its claim is gone.
        assert not _mark(
            row_id,
            "claim-of-a-busy-worker",
            now=clock.value,
            status="sent",
            body="Hej Åsa Öberg-Nguyễn …",
        )
        erased = db.session.get(Notification, row_id)
        assert erased is not None
        assert (erased.status, erased.claim_token) == ("superseded", None)
        assert erased.recipient == ANONYMISED and erased.body is None
        db.session.rollback()
