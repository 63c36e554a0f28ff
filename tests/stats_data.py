"""A hand-arranged month for the figures: bookings by the API, outcomes and answers by model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.bookings.models import Booking
from booking.db import write_intent
from booking.extensions import db
from booking.jobs.first_free import measure_first_free_slots
from booking.surveys.models import SurveyResponse
from tests.conftest import STOCKHOLM
from tests.factories import booking_payload

# What the arrangement below must give for the private team in March 2027 (hand-computed).
EXPECTED_MARCH_PRIVATE = {
    "bookings": {
        "count": 4,
        "by_channel": {"web": 3, "service_center": 1},
        "by_mode": {"phone": 1, "video": 2, "in_person": 1},
    },
    # One of four cancelled.
    "cancellations": {"count": 1, "value": 0.25, "n": 4, "flagged": False},
    # One no-show among the three with an outcome.
    "no_show": {"count": 1, "value": 0.3333, "n": 3, "flagged": False},
    # Booked Monday 1 March 09:00 for Wed/Thu/Fri 10:00: 2.04, 3.04, 4.04 days → median 3.0.
    "lead_time_days": {"value": 3.0, "n": 3, "flagged": False},
    # All four were made Monday 09:00. Online (24 h notice) the first free start was Tuesday
    # 09:00, 1.0 day on; the service center (no notice) had Monday 09:00, 0.0: median of
    # 1, 1, 0 and 1 (the cancelled one counts too: it was offered a slot) is 1.0.
    "request_to_first_slot_days": {"value": 1.0, "n": 4, "flagged": False},
    # One call-back, reached within its window.
    "callback_promises_kept": {"count": 1, "value": 1.0, "n": 1, "flagged": False},
    "responses": 2,
    # (10,10,10) → 100 and (10,7,4) → 66.67: mean 83.3, on two answers (< 5: flagged).
    "nki": {"value": 83.3, "n": 2, "flagged": True},
}


def _at(day: int, hour: int, month: int = 3) -> str:
    return datetime(2027, month, day, hour, tzinfo=STOCKHOLM).isoformat()


def _book(client: FlaskClient, headers: dict[str, str] | None, **overrides: Any) -> str:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.json["reference"])


def arrange(app: Flask, client: FlaskClient, world: Any) -> None:
    """Book, cancel, record outcomes, a call-back and survey answers (clock: 1 March 09:00)."""
    wednesday = _book(client, None, start=_at(3, 10), mode="video")
    thursday = _book(client, None, start=_at(4, 10), mode="phone")
    friday = _book(client, world.service_center, start=_at(5, 10), mode="in_person")
    cancelled = _book(client, None, start=_at(8, 10), mode="video")
    response = client.post(
        f"/api/v1/bookings/{cancelled}/cancel", json={}, headers=world.service_center
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    company = {"kind": "company", "organisation_number": "5560360793"}
    _book(client, None, start=_at(5, 10, month=4), mode="video", applicant=company)

    callback = {
        "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
        "topic": "Altan",
        "window_start": _at(1, 10),
        "window_end": _at(1, 11),
    }
    response = client.post("/api/v1/callbacks", json=callback, headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    response = client.post(
        f"/api/v1/callbacks/{response.json['id']}/attempts",
        json={"outcome": "reached"},
        headers=world.service_center,
    )
    assert response.status_code == 201, response.get_data(as_text=True)

    outcomes = {wednesday: "completed", thursday: "no_show", friday: "completed"}
    answers = {wednesday: (10, 10, 10), friday: (10, 7, 4)}
    with app.app_context(), write_intent():
        for reference, outcome in outcomes.items():
            booking = db.session.scalars(
                select(Booking).where(Booking.reference == reference)
            ).one()
            booking.outcome = outcome
            booking.outcome_at = booking.end_at
            if reference in answers:
                overall, expectations, ideal = answers[reference]
                db.session.add(
                    SurveyResponse(
                        booking_id=booking.id,
                        team_id=booking.team_id,
                        answered_at=datetime(2027, 3, 20, 12, tzinfo=STOCKHOLM),
                        q_overall=overall,
                        q_expectations=expectations,
                        q_ideal=ideal,
                    )
                )
        db.session.commit()
    with app.app_context():
        # What the worker records shortly after each booking (the clock has not moved).
        assert measure_first_free_slots() == "measured 5 of 5"
