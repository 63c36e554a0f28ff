"""Staff tokens for admins: list and revoke (API and CLI), their last use, and manage tokens
that stop working some days after the meeting."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.auth.models import StaffToken
from booking.extensions import db
from tests.api.helpers import assert_problem
from tests.api.test_audit import only, rows
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload
from tests.pages.test_staff_console import signed_in

TOKENS = "/api/v1/tokens"


def token_rows(app: Flask) -> dict[str, StaffToken]:
    """The staff tokens by name (detached copies of their columns)."""
    with app.app_context():
        found = {t.name: t for t in db.session.scalars(select(StaffToken))}
        db.session.expunge_all()
        db.session.rollback()
        return found


def _secret(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


# --- listing and revoking ---------------------------------------------------------------------


def test_admins_list_tokens_without_any_secret(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    officer = factory.token("officer", officer_id=world.private_officers[0])
    response = client.get(TOKENS, headers=world.admin)
    assert response.status_code == 200
    listed = response.json
    assert [t["name"] for t in listed] == ["test-admin", "test-service_center", "test-officer"]
    assert set(listed[0]) == {"id", "name", "role", "officer_id", "created_at", "last_used_at",
                              "revoked_at", "active"}
    assert listed[2]["officer_id"] == world.private_officers[0]
    assert all(t["active"] and t["revoked_at"] is None for t in listed)
    text = response.get_data(as_text=True)
    hashes = [t.token_hash for t in token_rows(app).values()]
    for secret in [_secret(world.admin), _secret(world.service_center), _secret(officer),
                   *hashes]:
        assert secret not in text


def test_only_admins_manage_tokens(client: FlaskClient, world: Any, factory: Any) -> None:
    officer = factory.token("officer", officer_id=world.private_officers[0])
    for headers in (world.service_center, officer):
        assert_problem(client.get(TOKENS, headers=headers), 403)
        assert_problem(client.post(f"{TOKENS}/1/revoke", headers=headers), 403)
    assert_problem(client.get(TOKENS), 401)
    assert_problem(client.post(f"{TOKENS}/1/revoke"), 401)


def test_revoking_stops_the_token_at_once_and_is_audited(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    target = token_rows(app)["test-service_center"].id
    assert client.get("/api/v1/officers", headers=world.service_center).status_code == 200
    revoked = client.post(f"{TOKENS}/{target}/revoke", headers=world.admin)
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["active"] is False
    assert revoked.json["revoked_at"] == "2027-03-01T09:00:00+01:00"
    assert_problem(client.get("/api/v1/officers", headers=world.service_center), 401)
    row = only(app, "token.revoke")
    assert row["actor_kind"] == "staff" and row["actor_role"] == "admin"
    assert (row["object_type"], row["object_id"]) == ("staff_token", str(target))
    # Revoking again changes nothing and writes nothing.
    again = client.post(f"{TOKENS}/{target}/revoke", headers=world.admin)
    assert again.status_code == 200 and again.json["revoked_at"] == revoked.json["revoked_at"]
    assert len(rows(app, "token.revoke")) == 1
    assert_problem(client.post(f"{TOKENS}/999999/revoke", headers=world.admin), 404)


def test_a_revoked_token_signs_the_console_out(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    console = signed_in(app.test_client(), world.service_center)
    assert console.get("/staff").status_code == 200
    target = token_rows(app)["test-service_center"].id
    assert client.post(f"{TOKENS}/{target}/revoke", headers=world.admin).status_code == 200
    assert console.get("/staff").status_code == 303


def test_an_admin_may_revoke_their_own_token(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    own = token_rows(app)["test-admin"].id
    assert client.post(f"{TOKENS}/{own}/revoke", headers=world.admin).status_code == 200
    assert_problem(client.get(TOKENS, headers=world.admin), 401)


def test_cli_lists_and_revokes(app: Flask, client: FlaskClient, world: Any) -> None:
    runner = app.test_cli_runner()
    client.get("/api/v1/officers", headers=world.service_center)
    listed = runner.invoke(args=["tokens", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ROLE", "OFFICER", "CREATED", "LAST", "USED",
                                "REVOKED"]
    by_name = {line.split()[1]: line for line in lines[1:]}
    assert set(by_name) == {"test-admin", "test-service_center"}
    assert "2027-03-01 09:00" in by_name["test-service_center"]
    assert by_name["test-admin"].split()[-1] == "-"  # never used, never revoked
    for secret in (_secret(world.admin), _secret(world.service_center)):
        assert secret not in listed.output
    for stored in token_rows(app).values():
        assert stored.token_hash not in listed.output

    target = token_rows(app)["test-service_center"].id
    revoked = runner.invoke(args=["tokens", "revoke", str(target)])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in revoked.output
    assert_problem(client.get("/api/v1/officers", headers=world.service_center), 401)
    row = only(app, "token.revoke")
    assert row["actor_kind"] == "system" and row["object_id"] == str(target)

    after = runner.invoke(args=["tokens", "list"])
    line = next(x for x in after.output.splitlines() if "test-service_center" in x)
    assert line.rstrip().endswith("2027-03-01 09:00")

    unknown = runner.invoke(args=["tokens", "revoke", "999999"])
    assert unknown.exit_code != 0
    assert "999999" in unknown.output


# --- last use ---------------------------------------------------------------------------------


def test_last_use_is_recorded_at_most_once_a_minute(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    assert token_rows(app)["test-service_center"].last_used_at is None
    # A reading request (SQLite: a transaction without the write lock) records it too.
    assert client.get("/api/v1/officers", headers=world.service_center).status_code == 200
    first = datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM)
    assert token_rows(app)["test-service_center"].last_used_at == first

    clock.advance(seconds=30)
    assert client.get("/api/v1/officers", headers=world.service_center).status_code == 200
    booked = client.post("/api/v1/bookings", json=booking_payload(),
                         headers=world.service_center)
    assert booked.status_code == 201
    assert token_rows(app)["test-service_center"].last_used_at == first

    clock.advance(seconds=31)
    assert client.get("/api/v1/officers", headers=world.service_center).status_code == 200
    assert token_rows(app)["test-service_center"].last_used_at == clock.value
    # The other tokens were not touched.
    assert token_rows(app)["test-admin"].last_used_at is None


def test_a_writing_request_records_last_use(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = client.post("/api/v1/bookings", json=booking_payload(),
                         headers=world.service_center)
    assert booked.status_code == 201
    assert token_rows(app)["test-service_center"].last_used_at is not None


def test_a_refused_request_does_not_record_last_use(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert_problem(client.get("/api/v1/audit", headers=world.service_center), 403)
    assert token_rows(app)["test-service_center"].last_used_at is None


def test_the_console_records_last_use(app: Flask, world: Any) -> None:
    console = signed_in(app.test_client(), world.service_center)
    assert console.get("/staff").status_code == 200
    assert token_rows(app)["test-service_center"].last_used_at is not None


# --- manage tokens expire ---------------------------------------------------------------------


def _manage(client: FlaskClient, booked: dict[str, Any]) -> Any:
    return client.get(f"/api/v1/bookings/{booked['reference']}",
                      headers={"X-Booking-Token": booked["manage_token"]})


@pytest.mark.parametrize("days", [None, 3])
def test_a_manage_token_stops_working_days_after_the_meeting(
    app: Flask, client: FlaskClient, world: Any, clock: Clock, days: int | None
) -> None:
    if days is not None:
        app.config["BOOKING_MANAGE_TOKEN_DAYS"] = days
    try:
        booked = client.post("/api/v1/bookings", json=booking_payload()).json
        meeting_end = datetime(2027, 3, 3, 10, 45, tzinfo=STOCKHOLM)
        lifetime = days if days is not None else 14
        clock.set(meeting_end - timedelta(minutes=1) + timedelta(days=lifetime))
        assert _manage(client, booked).status_code == 200
        clock.advance(minutes=1)
        gone = _manage(client, booked)
        assert_problem(gone, 404)
        unknown = client.get("/api/v1/bookings/ZZZZ-ZZZZ",
                             headers={"X-Booking-Token": booked["manage_token"]})
        assert {k: v for k, v in gone.json.items() if k != "request_id"} == {
            k: v for k, v in unknown.json.items() if k != "request_id"}
        # The manage page says the same.
        page = client.get(f"/boka/hantera/{booked['reference']}?token={booked['manage_token']}")
        assert page.status_code == 404
        # Staff still see the booking.
        assert client.get(f"/api/v1/bookings/{booked['reference']}",
                          headers=world.admin).status_code == 200
    finally:
        app.config["BOOKING_MANAGE_TOKEN_DAYS"] = 14


def test_a_cancelled_bookings_token_expires_days_after_the_cancellation(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booked = client.post("/api/v1/bookings",
                         json=booking_payload(start="2027-04-07T10:00:00+02:00")).json
    token = {"X-Booking-Token": booked["manage_token"]}
    assert client.post(f"/api/v1/bookings/{booked['reference']}/cancel", json={},
                       headers=token).status_code == 200
    clock.advance(days=13, hours=23)
    assert _manage(client, booked).status_code == 200
    clock.advance(hours=1)
    assert_problem(_manage(client, booked), 404)
