"""Who may do what: missing/invalid tokens (401), wrong roles (403), officers see their own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from booking.auth.models import StaffToken
from booking.auth.service import hash_secret
from booking.extensions import db
from tests.api.helpers import assert_problem, snapshot
from tests.conftest import STOCKHOLM
from tests.factories import booking_payload

# method, path, body: each would succeed with an admin token (see the control test).
ADMIN_ONLY: dict[str, tuple[str, str, Any]] = {
    "create-team": (
        "POST",
        "/api/v1/teams",
        {
            "slug": "bygglov-nytt",
            "name": "Nytt team",
            "applicant_kind": "private",
            "meeting_types": ["bygglovsradgivning"],
        },
    ),
    "create-meeting-type": (
        "POST",
        "/api/v1/meeting-types",
        {"slug": "strandskydd", "name": "Strandskydd", "duration_minutes": 30, "modes": ["video"]},
    ),
    "create-officer": (
        "POST",
        "/api/v1/officers",
        {"name": "Ny Handläggare", "email": "ny@example.org", "teams": ["bygglov-privat"]},
    ),
    "replace-weekly-hours": (
        "PUT",
        "/api/v1/officers/{officer}/weekly-hours",
        [{"weekday": 0, "start": "09:00", "end": "11:00"}],
    ),
    "add-absence": (
        "POST",
        "/api/v1/officers/{officer}/absences",
        {"start": "2027-03-10T08:00:00+01:00", "end": "2027-03-10T12:00:00+01:00"},
    ),
    "delete-absence": ("DELETE", "/api/v1/officers/{officer}/absences/{absence}", None),
    "create-closure": ("POST", "/api/v1/closures", {"date": "2027-03-12", "reason": "Flytt"}),
}
STAFF_LISTS = {
    "list-bookings": "/api/v1/bookings?from=2027-03-01&to=2027-03-31",
    "list-officers": "/api/v1/officers",
}
BAD_CREDENTIALS: dict[str, dict[str, str]] = {
    "no-header": {},
    "empty-bearer": {"Authorization": "Bearer "},
    "unknown-token": {"Authorization": "Bearer bk_not-a-real-token"},
    "basic-scheme": {"Authorization": "Basic YWRtaW46YWRtaW4="},
    "10kb-token": {"Authorization": "Bearer " + "x" * 10_240},
    "token-without-scheme": {"Authorization": "bk_not-a-real-token"},
}


@pytest.fixture
def ids(world: Any, factory: Any) -> dict[str, int]:
    absence = factory.absence(
        officer_id=world.private_officers[0],
        start=datetime(2027, 3, 11, 8, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 11, 9, 0, tzinfo=STOCKHOLM),
    )
    return {"officer": world.private_officers[0], "absence": absence}


def _call(
    client: FlaskClient, endpoint: tuple[str, str, Any], ids: dict[str, int], headers: Any
) -> Any:
    method, path, body = endpoint
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return client.open(path.format(**ids), method=method, **kwargs)


def _assert_unauthorized(response: Any) -> None:
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS.values()), ids=list(BAD_CREDENTIALS))
@pytest.mark.parametrize("endpoint", list(ADMIN_ONLY.values()), ids=list(ADMIN_ONLY))
def test_admin_endpoints_need_a_valid_token(
    app: Flask,
    client: FlaskClient,
    ids: dict[str, int],
    endpoint: tuple[str, str, Any],
    credentials: dict[str, str],
) -> None:
    before = snapshot(app)
    _assert_unauthorized(_call(client, endpoint, ids, credentials))
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["service_center", "officer"])
@pytest.mark.parametrize("endpoint", list(ADMIN_ONLY.values()), ids=list(ADMIN_ONLY))
def test_admin_endpoints_refuse_other_roles(
    app: Flask,
    client: FlaskClient,
    factory: Any,
    ids: dict[str, int],
    endpoint: tuple[str, str, Any],
    role: str,
) -> None:
    token = factory.token(role, ids["officer"] if role == "officer" else None)
    before = snapshot(app)
    assert_problem(_call(client, endpoint, ids, token), 403)
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint", list(ADMIN_ONLY.values()), ids=list(ADMIN_ONLY))
def test_admin_endpoints_work_for_admin(
    client: FlaskClient, world: Any, ids: dict[str, int], endpoint: tuple[str, str, Any]
) -> None:
    # The control for the two tests above: the same requests are fine for an admin.
    response = _call(client, endpoint, ids, world.admin)
    assert response.status_code in (200, 201, 204), response.get_json()


def test_a_revoked_token_is_refused(app: Flask, client: FlaskClient, factory: Any) -> None:
    headers = factory.token("admin")
    assert client.get("/api/v1/officers", headers=headers).status_code == 200
    plaintext = headers["Authorization"].removeprefix("Bearer ")
    with app.app_context():
        db.session.execute(
            update(StaffToken)
            .where(StaffToken.token_hash == hash_secret(plaintext))
            .values(revoked_at=datetime.now(UTC))
        )
        db.session.commit()
    _assert_unauthorized(client.get("/api/v1/officers", headers=headers))
    _assert_unauthorized(
        client.post("/api/v1/closures", json={"date": "2027-03-12", "reason": "x"}, headers=headers)
    )


@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS.values()), ids=list(BAD_CREDENTIALS))
@pytest.mark.parametrize("path", list(STAFF_LISTS.values()), ids=list(STAFF_LISTS))
def test_staff_lists_need_a_valid_token(
    client: FlaskClient, world: Any, path: str, credentials: dict[str, str]
) -> None:
    _assert_unauthorized(client.get(path, headers=credentials))


@pytest.mark.parametrize("path", list(STAFF_LISTS.values()), ids=list(STAFF_LISTS))
@pytest.mark.parametrize("role", ["admin", "service_center"])
def test_staff_lists_work_for_admin_and_service_center(
    client: FlaskClient, factory: Any, world: Any, path: str, role: str
) -> None:
    response = client.get(path, headers=factory.token(role))
    assert response.status_code == 200, response.get_json()
    assert isinstance(response.json, list)


def test_officers_may_not_list_officers(client: FlaskClient, factory: Any, world: Any) -> None:
    token = factory.token("officer", world.private_officers[0])
    assert_problem(client.get("/api/v1/officers", headers=token), 403)


def _book_with(client: FlaskClient, officer: int, start: str, email: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/bookings",
        json=booking_payload(officer_id=officer, start=start, applicant={"email": email}),
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def test_officers_see_only_their_own_bookings(
    client: FlaskClient, factory: Any, world: Any
) -> None:
    anna, erik, _ = world.private_officers
    mine = _book_with(client, anna, "2027-03-03T10:00:00+01:00", "a@example.org")
    also_mine = _book_with(client, anna, "2027-03-04T10:00:00+01:00", "b@example.org")
    theirs = _book_with(client, erik, "2027-03-03T10:00:00+01:00", "c@example.org")
    anna_token = factory.token("officer", anna)
    period = "from=2027-03-01&to=2027-03-31"

    listed = client.get(f"/api/v1/bookings?{period}", headers=anna_token)
    assert listed.status_code == 200
    assert sorted(b["reference"] for b in listed.json) == sorted(
        [mine["reference"], also_mine["reference"]]
    )
    # Asking for another officer's bookings still shows only one's own.
    other = client.get(f"/api/v1/bookings?{period}&officer={erik}", headers=anna_token)
    assert other.status_code == 200
    assert {b["officer"]["id"] for b in other.json} <= {anna}
    assert theirs["reference"] not in {b["reference"] for b in other.json}

    everything = client.get(f"/api/v1/bookings?{period}", headers=world.service_center)
    assert len(everything.json) == 3

    own = client.get(f"/api/v1/bookings/{mine['reference']}", headers=anna_token)
    assert own.status_code == 200 and own.json["reference"] == mine["reference"]
    assert_problem(client.get(f"/api/v1/bookings/{theirs['reference']}", headers=anna_token), 404)


def test_officers_cannot_touch_others_bookings(
    app: Flask, client: FlaskClient, factory: Any, world: Any
) -> None:
    anna, erik, _ = world.private_officers
    theirs = _book_with(client, erik, "2027-03-03T10:00:00+01:00", "c@example.org")
    anna_token = factory.token("officer", anna)
    before = snapshot(app)
    base = f"/api/v1/bookings/{theirs['reference']}"
    assert_problem(client.post(f"{base}/cancel", json={}, headers=anna_token), 404)
    assert_problem(
        client.post(
            f"{base}/reschedule", json={"start": "2027-03-04T13:00:00+01:00"}, headers=anna_token
        ),
        404,
    )
    assert snapshot(app) == before


def test_an_officer_token_may_not_book(
    app: Flask, client: FlaskClient, factory: Any, world: Any
) -> None:
    token = factory.token("officer", world.private_officers[0])
    before = snapshot(app)
    assert_problem(client.post("/api/v1/bookings", json=booking_payload(), headers=token), 403)
    assert snapshot(app) == before
    # The same body from the service center is a booking (the control).
    staff = client.post("/api/v1/bookings", json=booking_payload(), headers=world.service_center)
    assert staff.status_code == 201, staff.json
    assert staff.json["channel"] == "service_center"


def test_an_invalid_token_on_a_public_write_is_refused(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    # A token that is given must be valid: never silently treated as a public caller.
    before = snapshot(app)
    response = client.post(
        "/api/v1/bookings",
        json=booking_payload(),
        headers={"Authorization": "Bearer bk_not-a-real-token"},
    )
    _assert_unauthorized(response)
    assert snapshot(app) == before


PUBLIC = {
    "teams": "/api/v1/teams",
    "meeting-types": "/api/v1/meeting-types",
    "closures": "/api/v1/closures",
    "slots": (
        "/api/v1/slots?meeting_type=bygglovsradgivning&applicant_kind=private"
        "&from=2027-03-03&to=2027-03-03"
    ),
}


@pytest.mark.parametrize("path", list(PUBLIC.values()), ids=list(PUBLIC))
def test_public_endpoints_need_no_token(
    client: FlaskClient, factory: Any, world: Any, path: str
) -> None:
    factory.closure(day=datetime(2027, 3, 12).date())
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json
    if path.startswith("/api/v1/slots"):
        assert body["team"]["slug"] == "bygglov-privat" and body["slots"]
    else:
        assert isinstance(body, list) and body
