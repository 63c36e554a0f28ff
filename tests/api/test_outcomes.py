"""Meeting outcomes: who may record one, when, only once (an admin may change it), audited,
and the list of meetings still awaiting one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.audit.models import AuditEntry
from booking.bookings.models import Booking
from booking.extensions import db
from booking.surveys.models import SurveyInvitation
from tests.api.helpers import assert_problem
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload

AWAITING = "/api/v1/bookings/awaiting-outcome"
# The payload's meeting: Wednesday 3 March 2027, 10:00–10:45 Stockholm.
DURING = datetime(2027, 3, 3, 10, 10, tzinfo=STOCKHOLM)
AFTER = datetime(2027, 3, 3, 11, 0, tzinfo=STOCKHOLM)


def book(
    client: FlaskClient, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """Book the payload's meeting (online, or as staff with `headers`); return the body."""
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def outcome_url(reference: str) -> str:
    """The outcome endpoint of a booking."""
    return f"/api/v1/bookings/{reference}/outcome"


def stored(app: Flask, reference: str) -> Booking:
    """The booking row, detached."""
    with app.app_context():
        booking = db.session.scalars(select(Booking).where(Booking.reference == reference)).one()
        db.session.expunge(booking)
        return booking


def audit_actions(app: Flask, action: str) -> list[AuditEntry]:
    """Audit rows of one action."""
    with app.app_context():
        found = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        for entry in found:
            db.session.expunge(entry)
        return found


def test_the_bookings_officer_records_completed_once_and_it_is_audited(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    booking = book(client)
    officer = factory.token("officer", officer_id=booking["officer"]["id"])
    clock.set(AFTER)
    response = client.post(
        outcome_url(booking["reference"]),
        json={"outcome": "completed", "note": "Gick igenom ritningarna."},
        headers=officer,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["outcome"] == "completed"
    row = stored(app, booking["reference"])
    assert (row.outcome, row.outcome_note) == ("completed", "Gick igenom ritningarna.")
    assert row.outcome_at == AFTER
    assert row.outcome_by_token_id is not None
    [entry] = audit_actions(app, "booking.outcome")
    assert entry.object_id == booking["reference"]
    assert entry.details == {"outcome": "completed", "previous": None}
    # Once only: a second answer, even the same one, is refused and changes nothing.
    again = client.post(
        outcome_url(booking["reference"]), json={"outcome": "no_show"}, headers=officer
    )
    assert_problem(again, 409)
    assert stored(app, booking["reference"]).outcome == "completed"
    assert len(audit_actions(app, "booking.outcome")) == 1


def test_an_admin_may_change_the_outcome(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booking = book(client)
    clock.set(AFTER)
    first = client.post(
        outcome_url(booking["reference"]), json={"outcome": "completed"},
        headers=world.service_center,
    )
    assert first.status_code == 200
    assert_problem(
        client.post(
            outcome_url(booking["reference"]), json={"outcome": "no_show"},
            headers=world.service_center,
        ),
        409,
    )
    changed = client.post(
        outcome_url(booking["reference"]), json={"outcome": "no_show"}, headers=world.admin
    )
    assert changed.status_code == 200
    assert stored(app, booking["reference"]).outcome == "no_show"
    details = [entry.details for entry in audit_actions(app, "booking.outcome")]
    assert details[-1] == {"outcome": "no_show", "previous": "completed"}


def test_not_before_the_meeting_has_started(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booking = book(client)
    body = {"outcome": "no_show"}
    url = outcome_url(booking["reference"])
    assert_problem(client.post(url, json=body, headers=world.admin), 409)
    clock.set(DURING)
    response = client.post(url, json=body, headers=world.admin)
    assert response.status_code == 200


def test_roles_and_other_officers(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    booking = book(client)
    clock.set(AFTER)
    other_id = next(
        officer for officer in world.private_officers + world.company_officers
        if officer != booking["officer"]["id"]
    )
    other = factory.token("officer", officer_id=other_id)
    url = outcome_url(booking["reference"])
    assert_problem(client.post(url, json={"outcome": "completed"}), 401)
    # Another officer's booking is not theirs to see.
    assert_problem(client.post(url, json={"outcome": "completed"}, headers=other), 404)
    assert stored(app, booking["reference"]).outcome is None
    assert audit_actions(app, "booking.outcome") == []


@pytest.mark.parametrize(
    "body", [{}, {"outcome": "cancelled"}, {"outcome": "completed", "extra": 1}]
)
def test_bad_input_is_refused(
    app: Flask, client: FlaskClient, world: Any, clock: Clock, body: dict[str, Any]
) -> None:
    booking = book(client)
    clock.set(AFTER)
    response = client.post(outcome_url(booking["reference"]), json=body, headers=world.admin)
    assert response.status_code == 422
    assert stored(app, booking["reference"]).outcome is None


def test_a_cancelled_booking_has_no_outcome(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booking = book(client)
    cancelled = client.post(
        f"/api/v1/bookings/{booking['reference']}/cancel", json={}, headers=world.admin
    )
    assert cancelled.status_code == 200, cancelled.get_data(as_text=True)
    clock.set(AFTER)
    body = {"outcome": "completed"}
    url = outcome_url(booking["reference"])
    assert_problem(client.post(url, json=body, headers=world.admin), 409)


def test_awaiting_outcome_lists_ended_meetings_without_one(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    first = book(client)
    second = book(client, start="2027-03-03T13:00:00+01:00")
    officer = factory.token("officer", officer_id=first["officer"]["id"])
    clock.set(AFTER)
    listed = client.get(AWAITING, headers=world.service_center)
    assert listed.status_code == 200
    # The afternoon meeting has not ended yet.
    assert [b["reference"] for b in listed.json] == [first["reference"]]
    own = client.get(AWAITING, headers=officer).json
    assert [b["reference"] for b in own] == [first["reference"]]
    clock.set(datetime(2027, 3, 3, 15, 0, tzinfo=STOCKHOLM))
    done = client.post(
        outcome_url(first["reference"]), json={"outcome": "no_show"}, headers=officer
    )
    assert done.status_code == 200
    listed = client.get(AWAITING, headers=world.admin).json
    assert [b["reference"] for b in listed] == [second["reference"]]
    if second["officer"]["id"] != first["officer"]["id"]:
        assert client.get(AWAITING, headers=officer).json == []
    assert_problem(client.get(AWAITING), 401)


def test_completed_invites_to_the_survey_in_the_same_transaction(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booking = book(client)
    clock.set(AFTER)
    client.post(
        outcome_url(booking["reference"]), json={"outcome": "completed"}, headers=world.admin
    )
    with app.app_context():
        invitations = list(db.session.scalars(select(SurveyInvitation)))
        assert len(invitations) == 1
