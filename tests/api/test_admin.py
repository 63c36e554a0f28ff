"""The admin API as API.md describes it: meeting types, teams, officers, hours, closures."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import assert_problem, row_counts, snapshot

MONDAY, TUESDAY, WEDNESDAY = "2027-03-08", "2027-03-09", "2027-03-10"


def _slots(client: FlaskClient, first: str, last: str | None = None, **params: Any) -> list[str]:
    query = {
        "meeting_type": "bygglovsradgivning",
        "applicant_kind": "private",
        "from": first,
        "to": last or first,
        **params,
    }
    response = client.get("/api/v1/slots", query_string=query)
    assert response.status_code == 200, response.json
    return [slot["start"][11:16] for slot in response.json["slots"]]


def _quarters(first: str, last: str) -> list[str]:
    """Every quarter hour from first to last, both included ("HH:MM")."""
    start = int(first[:2]) * 60 + int(first[3:])
    end = int(last[:2]) * 60 + int(last[3:])
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(start, end + 1, 15)]


@pytest.fixture
def officer(client: FlaskClient, world: Any) -> int:
    """A new officer of the private team, created through the API (no hours yet)."""
    response = client.post(
        "/api/v1/officers",
        json={"name": "Ny Handläggare", "email": "ny@example.org", "teams": ["bygglov-privat"]},
        headers=world.admin,
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


def _put_hours(client: FlaskClient, world: Any, officer: int, hours: list[Any]) -> Any:
    return client.put(f"/api/v1/officers/{officer}/weekly-hours", json=hours, headers=world.admin)


# --- meeting types ----------------------------------------------------------------------------


def test_meeting_type_defaults(client: FlaskClient, world: Any) -> None:
    response = client.post(
        "/api/v1/meeting-types",
        json={
            "slug": "strandskydd",
            "name": "Strandskydd",
            "duration_minutes": 30,
            "modes": ["video"],
        },
        headers=world.admin,
    )
    assert response.status_code == 201, response.json
    created = response.json
    assert created["slug"] == "strandskydd" and created["name"] == "Strandskydd"
    assert isinstance(created["id"], int)
    assert created["duration_minutes"] == 30
    assert created["buffer_before_minutes"] == 0
    assert created["buffer_after_minutes"] == 0
    assert created["slot_step_minutes"] == 30  # the duration
    assert created["modes"] == ["video"]
    assert created["min_notice_minutes"] == 1440
    assert created["staff_min_notice_minutes"] == 0
    assert created["horizon_days"] == 60
    listed = client.get("/api/v1/meeting-types").json
    assert [m for m in listed if m["slug"] == "strandskydd"] == [created]


def test_meeting_type_explicit_values_are_kept(client: FlaskClient, world: Any) -> None:
    body = {
        "slug": "forhandsbesked",
        "name": "Förhandsbesked",
        "duration_minutes": 60,
        "buffer_before_minutes": 10,
        "buffer_after_minutes": 20,
        "slot_step_minutes": 30,
        "modes": ["in_person", "phone"],
        "min_notice_minutes": 2880,
        "staff_min_notice_minutes": 60,
        "horizon_days": 90,
    }
    response = client.post("/api/v1/meeting-types", json=body, headers=world.admin)
    assert response.status_code == 201, response.json
    assert {k: response.json[k] for k in body} == body


def test_duplicate_meeting_type_slug_is_a_conflict(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    before = snapshot(app)
    response = client.post(
        "/api/v1/meeting-types",
        json={
            "slug": "bygglovsradgivning",
            "name": "Igen",
            "duration_minutes": 30,
            "modes": ["video"],
        },
        headers=world.admin,
    )
    assert_problem(response, 409)
    assert snapshot(app) == before


# --- teams ------------------------------------------------------------------------------------


def test_create_team(client: FlaskClient, world: Any) -> None:
    response = client.post(
        "/api/v1/teams",
        json={
            "slug": "bygglov-stora",
            "name": "Stora projekt",
            "applicant_kind": "company",
            "meeting_types": ["bygglovsradgivning"],
            "email": "stora@example.org",
        },
        headers=world.admin,
    )
    assert response.status_code == 201, response.json
    team = response.json
    assert team["slug"] == "bygglov-stora" and team["applicant_kind"] == "company"
    assert team["meeting_types"] == ["bygglovsradgivning"]
    assert team["email"] == "stora@example.org"
    assert isinstance(team["id"], int)
    assert "bygglov-stora" in [t["slug"] for t in client.get("/api/v1/teams").json]


def test_team_with_an_unknown_meeting_type(app: Flask, client: FlaskClient, world: Any) -> None:
    before = snapshot(app)
    response = client.post(
        "/api/v1/teams",
        json={
            "slug": "bygglov-stora",
            "name": "Stora projekt",
            "applicant_kind": "company",
            "meeting_types": ["bygglovsradgivning", "finns-inte"],
        },
        headers=world.admin,
    )
    body = assert_problem(response, 422, "meeting_types")
    assert any("finns-inte" in message for message in body["errors"]["meeting_types"])
    assert snapshot(app) == before


def test_duplicate_team_slug_is_a_conflict(app: Flask, client: FlaskClient, world: Any) -> None:
    before = snapshot(app)
    response = client.post(
        "/api/v1/teams",
        json={
            "slug": "bygglov-privat",
            "name": "Igen",
            "applicant_kind": "private",
            "meeting_types": [],
        },
        headers=world.admin,
    )
    assert_problem(response, 409)
    assert snapshot(app) == before


# --- officers ---------------------------------------------------------------------------------


def test_create_officer(client: FlaskClient, world: Any) -> None:
    response = client.post(
        "/api/v1/officers",
        json={
            "name": "Zofia Łukasiewicz",
            "email": "zofia@example.org",
            "phone": "08-123 456 78",
            "teams": ["bygglov-privat", "bygglov-foretag"],
        },
        headers=world.admin,
    )
    assert response.status_code == 201, response.json
    officer = response.json
    assert isinstance(officer["id"], int)
    assert officer["name"] == "Zofia Łukasiewicz"
    assert officer["phone"] == "+46812345678"
    assert officer["active"] is True
    assert officer["teams"] == ["bygglov-privat", "bygglov-foretag"]
    listed = client.get("/api/v1/officers", headers=world.admin).json
    assert [o for o in listed if o["id"] == officer["id"]] == [officer]


def test_officer_with_an_unknown_team(app: Flask, client: FlaskClient, world: Any) -> None:
    before = snapshot(app)
    response = client.post(
        "/api/v1/officers",
        json={"name": "X", "email": "x@example.org", "teams": ["bygglov-privat", "finns-inte"]},
        headers=world.admin,
    )
    body = assert_problem(response, 422, "teams")
    assert any("finns-inte" in message for message in body["errors"]["teams"])
    assert snapshot(app) == before


def test_an_inactive_officer_offers_no_slots(client: FlaskClient, world: Any) -> None:
    response = client.post(
        "/api/v1/officers",
        json={
            "name": "Ledig",
            "email": "ledig@example.org",
            "teams": ["bygglov-privat"],
            "active": False,
        },
        headers=world.admin,
    )
    assert response.status_code == 201 and response.json["active"] is False
    officer = response.json["id"]
    hours = [{"weekday": 0, "start": "08:00", "end": "12:00"}]
    assert _put_hours(client, world, officer, hours).status_code == 200
    query = {
        "meeting_type": "bygglovsradgivning",
        "applicant_kind": "private",
        "from": MONDAY,
        "to": MONDAY,
        "officer": officer,
    }
    assert_problem(client.get("/api/v1/slots", query_string=query), 422, "officer")


# --- weekly hours -----------------------------------------------------------------------------


def test_weekly_hours_replace_the_week(
    app: Flask, client: FlaskClient, world: Any, officer: int
) -> None:
    assert _slots(client, MONDAY, TUESDAY, officer=officer) == []

    first = _put_hours(client, world, officer, [{"weekday": 0, "start": "08:00", "end": "12:00"}])
    assert first.status_code == 200, first.json
    assert first.json == [{"weekday": 0, "start": "08:00", "end": "12:00"}]
    # 45 minutes plus 15 minutes' buffer after, on a 15-minute grid, inside 08:00-12:00.
    assert _slots(client, MONDAY, officer=officer) == _quarters("08:00", "11:00")
    assert _slots(client, TUESDAY, officer=officer) == []

    second = _put_hours(client, world, officer, [{"weekday": 1, "start": "13:00", "end": "16:00"}])
    assert second.status_code == 200, second.json
    assert second.json == [{"weekday": 1, "start": "13:00", "end": "16:00"}]
    assert _slots(client, MONDAY, officer=officer) == []
    assert _slots(client, TUESDAY, officer=officer) == _quarters("13:00", "15:00")
    assert row_counts(app)["weekly_hours"] == 10 * 4 + 1  # the world's officers, and this one

    emptied = _put_hours(client, world, officer, [])
    assert emptied.status_code == 200 and emptied.json == []
    assert _slots(client, MONDAY, TUESDAY, officer=officer) == []


def test_several_intervals_per_weekday(client: FlaskClient, world: Any, officer: int) -> None:
    hours = [
        {"weekday": 2, "start": "13:00", "end": "14:30"},
        {"weekday": 2, "start": "08:00", "end": "10:00"},
        {"weekday": 2, "start": "10:00", "end": "12:00"},  # touching is not overlapping
        {"weekday": 4, "start": "09:00", "end": "10:00"},
        {"weekday": 6, "start": "00:00", "end": "24:00"},
    ]
    response = _put_hours(client, world, officer, hours)
    assert response.status_code == 200, response.json
    # Sorted, and touching intervals joined: the officer works 08:00-12:00 without a break.
    assert response.json == [
        {"weekday": 2, "start": "08:00", "end": "12:00"},
        {"weekday": 2, "start": "13:00", "end": "14:30"},
        {"weekday": 4, "start": "09:00", "end": "10:00"},
        {"weekday": 6, "start": "00:00", "end": "24:00"},
    ]
    # So a meeting may span 10:00.
    assert _slots(client, WEDNESDAY, officer=officer) == (
        _quarters("08:00", "11:00") + _quarters("13:00", "13:30")
    )
    assert _slots(client, "2027-03-12", officer=officer) == ["09:00"]


def test_overlapping_intervals_are_refused(
    app: Flask, client: FlaskClient, world: Any, officer: int
) -> None:
    good = [{"weekday": 0, "start": "08:00", "end": "12:00"}]
    assert _put_hours(client, world, officer, good).status_code == 200
    before = snapshot(app)
    overlapping = [
        {"weekday": 1, "start": "08:00", "end": "12:00"},
        {"weekday": 1, "start": "11:30", "end": "15:00"},
    ]
    response = _put_hours(client, world, officer, overlapping)
    assert_problem(response, 422, "1.start")
    assert snapshot(app) == before
    assert _slots(client, MONDAY, officer=officer) == _quarters("08:00", "11:00")


def test_weekly_hours_of_an_unknown_officer(client: FlaskClient, world: Any) -> None:
    hours = [{"weekday": 0, "start": "08:00", "end": "12:00"}]
    assert_problem(_put_hours(client, world, 9999, hours), 404)


# --- absences ---------------------------------------------------------------------------------


def test_absence_removes_slots_and_deleting_it_restores_them(
    app: Flask, client: FlaskClient, world: Any, officer: int
) -> None:
    hours = [{"weekday": 0, "start": "08:00", "end": "12:00"}]
    assert _put_hours(client, world, officer, hours).status_code == 200
    all_slots = _quarters("08:00", "11:00")
    assert _slots(client, MONDAY, officer=officer) == all_slots

    created = client.post(
        f"/api/v1/officers/{officer}/absences",
        json={"start": "2027-03-08T09:00:00+01:00", "end": "2027-03-08T10:00:00+01:00"},
        headers=world.admin,
    )
    assert created.status_code == 201, created.json
    absence = created.json
    assert absence["officer_id"] == officer
    assert absence["start"] == "2027-03-08T09:00:00+01:00"
    assert absence["end"] == "2027-03-08T10:00:00+01:00"
    assert absence["reason"] is None
    # A slot's busy span (meeting and buffer: 60 minutes) must clear 09:00-10:00.
    assert _slots(client, MONDAY, officer=officer) == ["08:00", *_quarters("10:00", "11:00")]

    url = f"/api/v1/officers/{officer}/absences/{absence['id']}"
    deleted = client.delete(url, headers=world.admin)
    assert deleted.status_code == 204
    assert _slots(client, MONDAY, officer=officer) == all_slots
    assert row_counts(app)["absences"] == 0
    assert_problem(client.delete(url, headers=world.admin), 404)


def test_absence_in_another_zone_and_with_a_reason(
    client: FlaskClient, world: Any, officer: int
) -> None:
    hours = [{"weekday": 0, "start": "08:00", "end": "12:00"}]
    assert _put_hours(client, world, officer, hours).status_code == 200
    created = client.post(
        f"/api/v1/officers/{officer}/absences",
        json={"start": "2027-03-08T07:00:00Z", "end": "2027-03-08T11:00:00Z", "reason": "Kurs"},
        headers=world.admin,
    )
    assert created.status_code == 201, created.json
    assert created.json["start"] == "2027-03-08T08:00:00+01:00"  # emitted in Stockholm time
    assert created.json["reason"] == "Kurs"
    assert _slots(client, MONDAY, officer=officer) == []


def test_an_absence_is_deleted_only_through_its_officer(
    app: Flask, client: FlaskClient, world: Any, officer: int
) -> None:
    created = client.post(
        f"/api/v1/officers/{officer}/absences",
        json={"start": "2027-03-08T09:00:00+01:00", "end": "2027-03-08T10:00:00+01:00"},
        headers=world.admin,
    )
    other = world.private_officers[0]
    before = snapshot(app)
    url = f"/api/v1/officers/{other}/absences/{created.json['id']}"
    assert_problem(client.delete(url, headers=world.admin), 404)
    assert snapshot(app) == before


# --- closures ---------------------------------------------------------------------------------


def test_whole_day_closure(client: FlaskClient, world: Any) -> None:
    assert _slots(client, WEDNESDAY)
    response = client.post(
        "/api/v1/closures", json={"date": WEDNESDAY, "reason": "Personaldag"}, headers=world.admin
    )
    assert response.status_code == 201, response.json
    assert response.json["date"] == WEDNESDAY
    assert response.json["close_from"] is None
    assert response.json["reason"] == "Personaldag"
    assert _slots(client, WEDNESDAY) == []
    assert _slots(client, TUESDAY)  # only that day


def test_closure_from_a_time(client: FlaskClient, world: Any) -> None:
    before = _slots(client, WEDNESDAY)
    assert "13:00" in before and "08:00" in before
    response = client.post(
        "/api/v1/closures",
        json={"date": WEDNESDAY, "reason": "Kickoff", "close_from": "12:00"},
        headers=world.admin,
    )
    assert response.status_code == 201, response.json
    assert response.json["close_from"] == "12:00"
    after = _slots(client, WEDNESDAY)
    assert after == [start for start in before if start < "12:00"]
    assert after  # the morning stays open


def test_duplicate_closure_date_is_a_conflict(app: Flask, client: FlaskClient, world: Any) -> None:
    first = client.post(
        "/api/v1/closures", json={"date": WEDNESDAY, "reason": "Personaldag"}, headers=world.admin
    )
    assert first.status_code == 201
    before = snapshot(app)
    again = client.post(
        "/api/v1/closures",
        json={"date": WEDNESDAY, "reason": "Igen", "close_from": "15:00"},
        headers=world.admin,
    )
    assert_problem(again, 409)
    assert snapshot(app) == before
    listed = client.get("/api/v1/closures").json
    assert [(c["date"], c["reason"], c["close_from"]) for c in listed] == [
        (WEDNESDAY, "Personaldag", None)
    ]


# --- the OpenAPI document ---------------------------------------------------------------------


def test_openapi_document(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        "/api/v1/bookings",
        "/api/v1/slots",
        "/api/v1/teams",
        "/api/v1/meeting-types",
        "/api/v1/officers",
        "/api/v1/closures",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/bookings"] and "get" in paths["/api/v1/slots"]

    schemas = document["components"]["schemas"]
    booking_ref = paths["/api/v1/bookings"]["post"]["requestBody"]["content"]["application/json"]
    booking = schemas[booking_ref["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"meeting_type", "start", "mode", "applicant"} <= set(booking["required"])
    assert booking["properties"]["start"]["type"] == "string"
    assert booking["properties"]["start"]["format"] == "date-time"
    for name, fields in {
        "TeamCreate": {"slug", "name", "applicant_kind", "meeting_types", "email"},
        "MeetingTypeCreate": {"slug", "duration_minutes", "slot_step_minutes", "horizon_days"},
        "OfficerCreate": {"name", "email", "phone", "teams", "active"},
        "WeeklyHours": {"weekday", "start", "end"},
        "AbsenceCreate": {"start", "end", "reason"},
        "ClosureCreate": {"date", "reason", "close_from"},
    }.items():
        assert fields <= set(schemas[name]["properties"]), name
    hours = schemas["WeeklyHours"]["properties"]
    assert hours["weekday"]["type"] == "integer" and hours["start"]["type"] == "string"
    slot_params = {p["name"] for p in paths["/api/v1/slots"]["get"]["parameters"]}
    assert {"meeting_type", "applicant_kind", "from", "to", "mode", "officer"} <= slot_params


def test_openapi_documents_errors_as_the_problem_documents_sent(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    responses = document["components"]["responses"]
    booking_responses = document["paths"]["/api/v1/bookings"]["post"]["responses"]
    invalid = booking_responses["422"]["$ref"].rsplit("/", 1)[1]
    for name in (invalid, "DEFAULT_ERROR"):
        content = responses[name]["content"]
        assert list(content) == ["application/problem+json"], name
        assert content["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    assert problem["properties"]["errors"]["additionalProperties"]["type"] == "array"
    # What an invalid booking actually gets matches: the media type and the required members.
    sent = client.post("/api/v1/bookings", json={"start": "soon"})
    assert sent.status_code == 422 and sent.mimetype == "application/problem+json"
    assert set(problem["required"]) <= set(sent.get_json())
