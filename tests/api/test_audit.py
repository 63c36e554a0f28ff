"""The audit log: one row per change with the right actor, none for a refused request, every
staff read of a personal identity number, and the admin endpoint's filters and roles."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from booking.audit.models import AuditEntry
from booking.db import write_intent
from booking.extensions import db
from booking.notifications.models import Notification
from tests.api.helpers import assert_problem
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload
from tests.pages.helpers import csrf_token
from tests.pages.test_staff_console import signed_in

AUDIT = "/api/v1/audit"
PERSONNUMMER = "19811218-9876"
ICS = {"kind": "ics", "url": "https://outlook.example.org/owa/calendar/abc/reachcalendar.ics"}


def rows(app: Flask, action: str | None = None) -> list[dict[str, Any]]:
    """The audit rows (optionally of one action), oldest first, as plain dicts."""
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        found = [
            {c.name: getattr(entry, c.name) for c in AuditEntry.__table__.columns}
            for entry in db.session.scalars(query)
        ]
        db.session.rollback()
        return found


def only(app: Flask, action: str) -> dict[str, Any]:
    """The one audit row of this action (fails if there are none or several)."""
    found = rows(app, action)
    assert len(found) == 1, found
    return found[0]


def assert_staff(row: dict[str, Any], role: str) -> None:
    assert row["actor_kind"] == "staff"
    assert row["actor_role"] == role
    assert row["actor_name"] == f"test-{role}"
    assert isinstance(row["actor_token_id"], int)
    assert row["client_address"] == "127.0.0.1"


def _book(client: FlaskClient, headers: Any = None, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


# --- bookings ---------------------------------------------------------------------------------


def test_public_booking_and_manage_link_changes_are_the_applicants(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(client)
    created = only(app, "booking.create")
    assert created["actor_kind"] == "applicant"
    assert created["actor_token_id"] is None and created["actor_name"] is None
    assert created["object_type"] == "booking" and created["object_id"] == booked["reference"]
    assert created["client_address"] == "127.0.0.1"
    assert created["details"]["channel"] == "web"

    token = {"X-Booking-Token": booked["manage_token"]}
    moved = client.post(
        f"/api/v1/bookings/{booked['reference']}/reschedule",
        json={"start": "2027-03-03T13:00:00+01:00"},
        headers=token,
    )
    assert moved.status_code == 200, moved.json
    assert only(app, "booking.reschedule")["actor_kind"] == "applicant"
    cancelled = client.post(f"/api/v1/bookings/{booked['reference']}/cancel", json={},
                            headers=token)
    assert cancelled.status_code == 200, cancelled.json
    assert only(app, "booking.cancel")["actor_kind"] == "applicant"
    # Cancelling again changes nothing, so it writes nothing.
    again = client.post(f"/api/v1/bookings/{booked['reference']}/cancel", json={}, headers=token)
    assert again.status_code == 200
    assert len(rows(app, "booking.cancel")) == 1


def test_staff_booking_changes_name_the_token(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(client, world.service_center)
    assert_staff(only(app, "booking.create"), "service_center")
    moved = client.post(
        f"/api/v1/bookings/{booked['reference']}/reschedule",
        json={"start": "2027-03-03T13:00:00+01:00"},
        headers=world.admin,
    )
    assert moved.status_code == 200, moved.json
    assert_staff(only(app, "booking.reschedule"), "admin")
    cancelled = client.post(
        f"/api/v1/bookings/{booked['reference']}/cancel", json={}, headers=world.service_center
    )
    assert cancelled.status_code == 200
    assert_staff(only(app, "booking.cancel"), "service_center")


def test_a_refused_or_failed_request_writes_no_audit_row(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(client, officer_id=world.private_officers[0])
    before = rows(app)
    taken = client.post(
        "/api/v1/bookings", json=booking_payload(officer_id=world.private_officers[0])
    )
    assert_problem(taken, 409)
    wrong = client.post(
        f"/api/v1/bookings/{booked['reference']}/cancel", json={},
        headers={"X-Booking-Token": "not-the-token"},
    )
    assert_problem(wrong, 404)
    bad = client.post("/api/v1/teams", json={"slug": "x"}, headers=world.admin)
    assert_problem(bad, 422)
    forbidden = client.post("/api/v1/closures", json={"date": "2027-03-10", "reason": "x"},
                            headers=world.service_center)
    assert_problem(forbidden, 403)
    assert rows(app) == before


def test_audit_rows_hold_no_personal_data(app: Flask, client: FlaskClient, world: Any) -> None:
    booked = _book(client, applicant={"kind": "company", "organisation_number": PERSONNUMMER})
    client.post(f"/api/v1/bookings/{booked['reference']}/cancel", json={"reason": "Sjuk"},
                headers={"X-Booking-Token": booked["manage_token"]})
    client.get(f"/api/v1/bookings/{booked['reference']}", headers=world.admin)
    text = json.dumps(rows(app), default=str)
    for personal in ("Åsa", "asa@example.org", "+4670", "19811218", "811218", "Sjuk",
                     booked["manage_token"], "SJÖDALEN"):
        assert personal not in text


# --- call-backs -------------------------------------------------------------------------------


def test_callback_changes_are_audited_with_the_staff_token(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    created = client.post(
        "/api/v1/callbacks",
        json={"applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
              "topic": "Altan"},
        headers=world.service_center,
    )
    assert created.status_code == 201, created.json
    callback_id = created.json["id"]
    row = only(app, "callback.create")
    assert_staff(row, "service_center")
    assert row["object_type"] == "callback" and row["object_id"] == str(callback_id)

    other = next(o for o in world.private_officers if o != created.json["officer"]["id"])
    assigned = client.post(f"/api/v1/callbacks/{callback_id}/assign",
                           json={"officer_id": other}, headers=world.admin)
    assert assigned.status_code == 200, assigned.json
    assert_staff(only(app, "callback.assign"), "admin")
    assert only(app, "callback.assign")["details"] == {"officer_id": other}

    tried = client.post(f"/api/v1/callbacks/{callback_id}/attempts",
                        json={"outcome": "no_answer", "note": "Ingen svarade"},
                        headers=world.service_center)
    assert tried.status_code == 201, tried.json
    row = only(app, "callback.attempt")
    assert_staff(row, "service_center")
    assert row["details"] == {"outcome": "no_answer", "status": "open"}


# --- admin changes ----------------------------------------------------------------------------


def _kill_a_message(app: Flask) -> int:
    with app.app_context(), write_intent():
        row = db.session.scalars(select(Notification).order_by(Notification.id)).first()
        assert row is not None
        db.session.execute(update(Notification).where(Notification.id == row.id)
                           .values(status="dead", attempts=1))
        db.session.commit()
        return row.id


ADMIN_CHANGES: list[tuple[str, str, Any, str, str]] = [
    ("meeting_type.create", "post", "/api/v1/meeting-types",
     {"slug": "kort", "name": "Kort", "duration_minutes": 30, "modes": ["video"]}, "kort"),
    ("team.create", "post", "/api/v1/teams",
     {"slug": "bygglov-stora", "name": "Stora", "applicant_kind": "company",
      "meeting_types": ["bygglovsradgivning"]}, "bygglov-stora"),
    ("officer.create", "post", "/api/v1/officers",
     {"name": "Ny Handläggare", "email": "ny@example.org", "teams": ["bygglov-privat"]}, "{new}"),
    ("hours.update", "put", "/api/v1/officers/{officer}/weekly-hours",
     [{"weekday": 0, "start": "08:00", "end": "12:00"}], "{officer}"),
    ("absence.create", "post", "/api/v1/officers/{officer}/absences",
     {"start": "2027-03-08T09:00:00+01:00", "end": "2027-03-08T10:00:00+01:00",
      "reason": "Sjukskriven"}, "{officer}"),
    ("closure.create", "post", "/api/v1/closures",
     {"date": "2027-03-10", "reason": "Personaldag"}, "2027-03-10"),
    ("calendar_source.set", "put", "/api/v1/officers/{officer}/calendar-source", ICS,
     "{officer}"),
    ("feed_token.rotate", "post", "/api/v1/officers/{officer}/feed-token", None, "{officer}"),
    ("feed_token.rotate", "post", "/api/v1/teams/bygglov-privat/feed-token", None,
     "bygglov-privat"),
]


@pytest.mark.parametrize(
    ("action", "method", "url", "body", "object_id"),
    ADMIN_CHANGES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(ADMIN_CHANGES)],
)
def test_every_admin_change_writes_one_row(
    app: Flask, client: FlaskClient, world: Any,
    action: str, method: str, url: str, body: Any, object_id: str,
) -> None:
    officer = world.private_officers[0]
    kwargs = {"json": body} if body is not None else {}
    response = getattr(client, method)(url.format(officer=officer), headers=world.admin, **kwargs)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    row = only(app, action)
    assert_staff(row, "admin")
    expected = object_id.format(officer=officer, new=response.json.get("id") if isinstance(
        response.json, dict) else None)
    assert row["object_id"] == expected
    assert "Sjukskriven" not in json.dumps(row["details"])


def test_absence_delete_calendar_source_delete_and_retry(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    officer = world.private_officers[0]
    absence = client.post(
        f"/api/v1/officers/{officer}/absences",
        json={"start": "2027-03-08T09:00:00+01:00", "end": "2027-03-08T10:00:00+01:00"},
        headers=world.admin,
    ).json
    deleted = client.delete(f"/api/v1/officers/{officer}/absences/{absence['id']}",
                            headers=world.admin)
    assert deleted.status_code == 204
    assert only(app, "absence.delete")["details"] == {"absence_id": absence["id"]}

    assert client.put(f"/api/v1/officers/{officer}/calendar-source", json=ICS,
                      headers=world.admin).status_code == 200
    removed = client.delete(f"/api/v1/officers/{officer}/calendar-source", headers=world.admin)
    assert removed.status_code == 204
    assert_staff(only(app, "calendar_source.delete"), "admin")

    _book(client)
    dead = _kill_a_message(app)
    retried = client.post(f"/api/v1/notifications/{dead}/retry", headers=world.service_center)
    assert retried.status_code == 200, retried.json
    row = only(app, "notification.retry")
    assert_staff(row, "service_center")
    assert row["object_id"] == str(dead)


# --- personal identity numbers read -----------------------------------------------------------


def test_staff_reads_of_a_personal_identity_number_are_audited(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    sole_trader = _book(client, applicant={"kind": "company",
                                           "organisation_number": PERSONNUMMER})
    company = _book(client, start="2027-03-03T13:00:00+01:00",
                    applicant={"kind": "company", "organisation_number": "5560360793"})
    # The applicant reading their own booking discloses nothing to anyone else.
    own = client.get(f"/api/v1/bookings/{sole_trader['reference']}",
                     headers={"X-Booking-Token": sole_trader["manage_token"]})
    assert own.status_code == 200
    assert rows(app, "pin.read") == []

    assert client.get(f"/api/v1/bookings/{sole_trader['reference']}",
                      headers=world.admin).status_code == 200
    row = only(app, "pin.read")
    assert_staff(row, "admin")
    assert (row["object_type"], row["object_id"]) == ("booking", sole_trader["reference"])
    # A company's organisation number is not personal data.
    assert client.get(f"/api/v1/bookings/{company['reference']}",
                      headers=world.admin).status_code == 200
    assert len(rows(app, "pin.read")) == 1

    # A list shows it once per request.
    listed = client.get("/api/v1/bookings?from=2027-03-03&to=2027-03-03",
                        headers=world.service_center)
    assert listed.status_code == 200 and len(listed.json) == 2
    reads = rows(app, "pin.read")
    assert len(reads) == 2
    assert reads[-1]["actor_role"] == "service_center"
    assert reads[-1]["object_id"] == sole_trader["reference"]


def test_reads_in_a_refused_request_are_not_recorded(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    booked = _book(client, applicant={"kind": "company", "organisation_number": PERSONNUMMER})
    # An officer who does not hold the booking (one of the other team) gets 404, sees nothing.
    officer_token = factory.token("officer", officer_id=world.private_officers[0])
    assert_problem(client.get(f"/api/v1/bookings/{booked['reference']}", headers=officer_token),
                   404)
    assert rows(app, "pin.read") == []


def test_callback_pin_reads_and_the_staff_pages(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    created = client.post(
        "/api/v1/callbacks",
        json={"applicant": {"kind": "company", "name": "Firma Öberg", "phone": "070-123 45 67",
                            "organisation_number": PERSONNUMMER}, "topic": "Altan"},
        headers=world.service_center,
    )
    assert created.status_code == 201, created.json
    callback_id = created.json["id"]
    # The registration's own response shows the number: recorded with the registration.
    assert len(rows(app, "pin.read")) == 1
    assert client.get(f"/api/v1/callbacks/{callback_id}",
                      headers=world.admin).status_code == 200
    assert len(rows(app, "pin.read")) == 2

    booked = _book(client, applicant={"kind": "company", "organisation_number": PERSONNUMMER})
    staff = signed_in(app.test_client(), world.service_center)
    page = staff.get(f"/staff/bokning/{booked['reference']}")
    assert page.status_code == 200
    assert "Personnummer (maskerat)" in page.get_data(as_text=True)
    callback_page = staff.get(f"/staff/aterkomst/{callback_id}")
    assert callback_page.status_code == 200
    reads = rows(app, "pin.read")[2:]
    assert [(r["object_type"], r["object_id"], r["actor_role"]) for r in reads] == [
        ("booking", booked["reference"], "service_center"),
        ("callback", str(callback_id), "service_center"),
    ]


# --- the endpoint -----------------------------------------------------------------------------


def test_only_admins_read_the_log(client: FlaskClient, world: Any, factory: Any) -> None:
    assert_problem(client.get(AUDIT), 401)
    assert_problem(client.get(AUDIT, headers=world.service_center), 403)
    officer = factory.token("officer", officer_id=world.private_officers[0])
    assert_problem(client.get(AUDIT, headers=officer), 403)
    assert client.get(AUDIT, headers=world.admin).status_code == 200


def test_filters_order_and_shape(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    first = _book(client)
    clock.advance(days=1)
    second = _book(client, world.service_center, start="2027-03-03T13:00:00+01:00")
    clock.advance(days=1)
    client.post(f"/api/v1/bookings/{first['reference']}/cancel", json={},
                headers=world.admin)

    everything = client.get(AUDIT, headers=world.admin)
    assert everything.status_code == 200
    body = everything.json
    ids = [entry["id"] for entry in body]
    assert ids == sorted(ids, reverse=True)
    newest = body[0]
    assert newest["action"] == "booking.cancel"
    assert newest["at"] == "2027-03-03T09:00:00+01:00"
    assert newest["actor"] == {"kind": "staff", "token_id": newest["actor"]["token_id"],
                               "name": "test-admin", "role": "admin"}
    assert set(newest) == {"id", "at", "actor", "client_address", "action", "object_type",
                           "object_id", "details"}

    def actions(**query: Any) -> list[tuple[str, str]]:
        response = client.get(AUDIT, query_string=query, headers=world.admin)
        assert response.status_code == 200, response.json
        return [(e["action"], e["object_id"]) for e in response.json]

    assert actions(object=f"booking:{first['reference']}") == [
        ("booking.cancel", first["reference"]), ("booking.create", first["reference"])]
    # References are found however they are typed.
    assert actions(object="booking:" + first["reference"].replace("-", "").lower()) == actions(
        object=f"booking:{first['reference']}")
    assert actions(action="booking.create") == [
        ("booking.create", second["reference"]), ("booking.create", first["reference"])]
    assert actions(actor="applicant") == [("booking.create", first["reference"])]
    assert actions(actor="test-service_center", action="booking.create") == [
        ("booking.create", second["reference"])]
    admin_id = newest["actor"]["token_id"]
    assert actions(actor=f"token:{admin_id}") == [("booking.cancel", first["reference"])]
    assert actions(actor=str(admin_id)) == actions(actor=f"token:{admin_id}")
    # Local dates: the whole day; instants: from (included) to (excluded).
    assert actions(**{"from": "2027-03-02", "to": "2027-03-02"}) == [
        ("booking.create", second["reference"])]
    assert actions(**{"from": "2027-03-02T09:00:00+01:00", "to": "2027-03-03T09:00:00+01:00"},
                   object="booking") == [("booking.create", second["reference"])]
    assert len(actions(limit=1)) == 1
    assert actions(object="callback") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"from": "2027-13-01"}, "from"),
        ({"from": "2027-03-01T09:00:00"}, "from"),
        ({"from": "2027-03-05", "to": "2027-03-01"}, "to"),
        ({"object": "booking:K7QM 4XPR"}, "object"),
        ({"object": "Booking"}, "object"),
        ({"action": "DROP TABLE"}, "action"),
    ],
)
def test_bad_queries_are_422(client: FlaskClient, world: Any, query: dict[str, str],
                             field: str) -> None:
    assert_problem(client.get(AUDIT, query_string=query, headers=world.admin), 422, field)


def test_the_limit_is_1000_at_most(app: Flask, client: FlaskClient, world: Any) -> None:
    assert client.get(AUDIT, query_string={"limit": "1000"},
                      headers=world.admin).status_code == 200


def test_jobs_and_commands_are_the_system(app: Flask) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["tokens", "create", "--role", "admin", "--name", "ops"])
    assert made.exit_code == 0, made.output
    row = only(app, "token.create")
    assert row["actor_kind"] == "system"
    assert row["client_address"] is None
    assert row["details"] == {"role": "admin", "officer_id": None}
    assert made.output.strip() not in json.dumps(rows(app), default=str)


def test_times_are_utc_in_the_database(app: Flask, client: FlaskClient, world: Any) -> None:
    _book(client)
    row = only(app, "booking.create")
    assert row["at"] == datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)
    assert row["at"].utcoffset().total_seconds() == 0


# --- the pages --------------------------------------------------------------------------------


def test_page_cancellations_name_the_console_user_or_the_applicant(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    by_console = _book(client, world.service_center)
    staff = signed_in(app.test_client(), world.service_center)
    page = staff.get(f"/staff/bokning/{by_console['reference']}").get_data(as_text=True)
    cancelled = staff.post(f"/staff/bokning/{by_console['reference']}/avboka",
                           data={"csrf_token": csrf_token(page), "reason": "Ringde"})
    assert cancelled.status_code == 303
    assert_staff(only(app, "booking.cancel"), "service_center")

    by_link = _book(client, start="2027-03-03T13:00:00+01:00")
    manage = f"/boka/hantera/{by_link['reference']}?token={by_link['manage_token']}"
    form = {"csrf_token": csrf_token(client.get(manage).get_data(as_text=True)),
            "token": by_link["manage_token"]}
    assert client.post(f"/boka/hantera/{by_link['reference']}/avboka",
                       data=form).status_code == 303
    row = rows(app, "booking.cancel")[-1]
    assert row["actor_kind"] == "applicant" and row["object_id"] == by_link["reference"]
    assert len(rows(app, "booking.cancel")) == 2


def test_a_pin_read_that_cannot_be_audited_is_not_shown(
    app: Flask, client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from sqlalchemy.exc import OperationalError

    import booking.audit.service as audit_service

    booked = _book(client, applicant={"kind": "company", "organisation_number": PERSONNUMMER})
    plain = _book(client, start="2027-03-03T13:00:00+01:00")

    @contextmanager
    def busy() -> Any:
        # What SQLite's busy timeout (or PostgreSQL's lock timeout) looks like at BEGIN.
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        yield

    monkeypatch.setattr(audit_service, "write_intent", busy)
    refused = client.get(f"/api/v1/bookings/{booked['reference']}", headers=world.admin)
    assert_problem(refused, 503)
    assert refused.headers["Retry-After"] == "1"
    assert PERSONNUMMER[-4:] not in refused.get_data(as_text=True)
    # Without an identity number only the token's last use was lost: the answer stands.
    shown = client.get(f"/api/v1/bookings/{plain['reference']}", headers=world.service_center)
    assert shown.status_code == 200
    assert rows(app, "pin.read") == []
