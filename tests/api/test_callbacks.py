"""Call-backs through the HTTP API: registering, windows, routing, attempts, reassignment, roles."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from booking.callbacks.models import Callback
from booking.config import config_from_env
from booking.db import write_intent
from booking.extensions import db
from booking.teams.models import Team
from tests.api.helpers import assert_problem, snapshot
from tests.conftest import STOCKHOLM, Clock

CALLBACKS = "/api/v1/callbacks"


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid call-back body (a private applicant, no window); override any key, `...` drops it."""
    body: dict[str, Any] = {
        "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
        "topic": "Altan på tomten",
        "note": "Vill veta om altanen kräver bygglov.",
    }
    applicant = overrides.pop("applicant", None)
    if applicant is not None:
        merged = {**body["applicant"], **applicant}
        body["applicant"] = {key: value for key, value in merged.items() if value is not ...}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def register(client: FlaskClient, world: Any, **overrides: Any) -> Any:
    response = client.post(CALLBACKS, json=payload(**overrides), headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def attempt(client: FlaskClient, headers: Any, callback_id: int, outcome: str, **extra: Any) -> Any:
    return client.post(
        f"{CALLBACKS}/{callback_id}/attempts", json={"outcome": outcome, **extra}, headers=headers
    )


def test_register_with_the_default_window_and_the_response_shape(
    client: FlaskClient, world: Any
) -> None:
    body = register(client, world)
    assert body["status"] == "open"
    assert body["team"] == {"slug": "bygglov-privat", "name": "Bygglov privatpersoner"}
    assert body["officer"]["id"] in world.private_officers
    assert body["applicant"] == {
        "kind": "private",
        "name": "Åsa Öberg",
        "phone": "+46701234567",
        "organisation_number": None,
        "identifier_kind": None,
    }
    # Monday 09:00 + 8 working hours (08–12, 13–16): 6 h on Monday, 2 on Tuesday.
    assert body["window_start"] == "2027-03-01T09:00:00+01:00"
    assert body["window_end"] == body["due_at"] == "2027-03-02T10:00:00+01:00"
    assert body["meeting_type"] is None and body["language"] == "sv"
    assert body["attempts"] == [] and body["closed_at"] is None
    assert body["created_by_token_id"] is not None
    routing = body["routing"]
    assert "bygglov-privat" in routing["team"]
    assert "among 3 officers working in the window" in routing["officer"]
    assert routing["assigned_by_token_id"] is None
    read = client.get(f"{CALLBACKS}/{body['id']}", headers=world.admin)
    assert read.status_code == 200 and read.json == body


# The clock when registered (Stockholm), and the promised window of 8 working hours.
DEFAULT_WINDOWS = {
    # Allhelgonaafton (Friday) closes at 14:00, alla helgons dag is the Saturday.
    "friday-15-before-all-saints": (
        datetime(2027, 11, 5, 15, 0),
        "2027-11-08T08:00:00+01:00",
        "2027-11-09T09:00:00+01:00",
    ),
    # Skärtorsdagen closes at 14:00; Easter (and the change to summer time) until Tuesday.
    "skartorsdagen-early-closing": (
        datetime(2027, 3, 25, 13, 0),
        "2027-03-25T13:00:00+01:00",
        "2027-03-30T16:00:00+02:00",
    ),
    "friday-before-autumn-dst": (
        datetime(2027, 10, 29, 15, 0),
        "2027-10-29T15:00:00+02:00",
        "2027-11-01T16:00:00+01:00",
    ),
    "registered-at-night": (
        datetime(2027, 3, 1, 22, 30),
        "2027-03-02T08:00:00+01:00",
        "2027-03-03T09:00:00+01:00",
    ),
}


@pytest.mark.parametrize(
    ("registered", "start", "end"), DEFAULT_WINDOWS.values(), ids=DEFAULT_WINDOWS.keys()
)
def test_default_window_counts_working_hours(
    client: FlaskClient, world: Any, clock: Clock, registered: datetime, start: str, end: str
) -> None:
    clock.set(registered.replace(tzinfo=STOCKHOLM))
    body = register(client, world)
    assert (body["window_start"], body["window_end"], body["due_at"]) == (start, end, end)


def test_an_explicit_window_is_kept(client: FlaskClient, world: Any) -> None:
    body = register(
        client,
        world,
        window_start="2027-03-02T13:00:00+01:00",
        window_end="2027-03-02T14:00:00Z",
    )
    assert body["window_start"] == "2027-03-02T13:00:00+01:00"
    assert body["window_end"] == body["due_at"] == "2027-03-02T15:00:00+01:00"


def test_window_start_alone_gets_the_working_hours_from_it(client: FlaskClient, world: Any) -> None:
    body = register(client, world, window_start="2027-03-05T15:00:00+01:00")
    assert body["window_start"] == "2027-03-05T15:00:00+01:00"
    assert body["window_end"] == "2027-03-08T16:00:00+01:00"


def test_window_end_alone_starts_now(client: FlaskClient, world: Any) -> None:
    body = register(client, world, window_end="2027-03-01T11:00:00+01:00")
    assert body["window_start"] == "2027-03-01T09:00:00+01:00"


def test_company_goes_to_the_company_team_with_its_organisation_number(
    client: FlaskClient, world: Any
) -> None:
    body = register(
        client,
        world,
        applicant={"kind": "company", "name": "Bygg AB", "organisation_number": "5560360793"},
        meeting_type="bygglovsradgivning",
        language="en",
    )
    assert body["team"]["slug"] == "bygglov-foretag"
    assert body["officer"]["id"] == world.company_officers[0]
    assert body["applicant"]["organisation_number"] == "556036-0793"
    assert body["meeting_type"] == "bygglovsradgivning" and body["language"] == "en"
    assert "only officer working in the window" in body["routing"]["officer"]


# name → (body overrides, the field the 422 names)
INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "phone-missing": ({"applicant": {"phone": ...}}, "applicant.phone"),
    "phone-null": ({"applicant": {"phone": None}}, "applicant.phone"),
    "phone-blank": ({"applicant": {"phone": "   "}}, "applicant.phone"),
    "phone-invalid": ({"applicant": {"phone": "12"}}, "applicant.phone"),
    "phone-letters": ({"applicant": {"phone": "ring mig"}}, "applicant.phone"),
    "name-blank": ({"applicant": {"name": " "}}, "applicant.name"),
    "kind-unknown": ({"applicant": {"kind": "authority"}}, "applicant.kind"),
    "company-without-number": ({"applicant": {"kind": "company"}}, "applicant.organisation_number"),
    "company-bad-number": (
        {"applicant": {"kind": "company", "organisation_number": "556036-0794"}},
        "applicant.organisation_number",
    ),
    "private-with-number": (
        {"applicant": {"organisation_number": "556036-0793"}},
        "applicant.organisation_number",
    ),
    "applicant-unknown-field": ({"applicant": {"ssn": "x"}}, "applicant.ssn"),
    "topic-missing": ({"topic": ...}, "topic"),
    "topic-blank": ({"topic": "  "}, "topic"),
    "topic-too-long": ({"topic": "x" * 201}, "topic"),
    "note-nul": ({"note": "a\x00b"}, "note"),
    "unknown-field": ({"priority": "high"}, "priority"),
    "meeting-type-unknown": ({"meeting_type": "strandskydd"}, "meeting_type"),
    "window-start-in-the-past": (
        {"window_start": "2027-03-01T08:00:00+01:00", "window_end": "2027-03-01T11:00:00+01:00"},
        "window_start",
    ),
    "window-end-in-the-past": ({"window_end": "2027-03-01T08:30:00+01:00"}, "window_end"),
    "window-end-before-start": (
        {"window_start": "2027-03-02T11:00:00+01:00", "window_end": "2027-03-02T10:00:00+01:00"},
        "window_end",
    ),
    "window-empty": (
        {"window_start": "2027-03-02T11:00:00+01:00", "window_end": "2027-03-02T11:00:00+01:00"},
        "window_end",
    ),
    "window-without-offset": ({"window_start": "2027-03-02T11:00:00"}, "window_start"),
    "window-not-a-time": ({"window_end": "tomorrow"}, "window_end"),
    "window-years-ahead": ({"window_end": "2029-03-02T11:00:00+01:00"}, "window_end"),
    "window-start-years-ahead": ({"window_start": "2999-03-02T11:00:00+01:00"}, "window_start"),
    "window-when-nobody-works": (
        {"window_start": "2027-03-06T10:00:00+01:00", "window_end": "2027-03-06T12:00:00+01:00"},
        "window_start",
    ),
    "team-unknown": ({"team": "bygglov-okant"}, "team"),
    "team-of-the-other-kind": ({"team": "bygglov-foretag"}, "team"),
    "officer-unknown": ({"officer_id": 9999}, "officer_id"),
    "officer-as-string": ({"officer_id": "1"}, "officer_id"),
    "language-unknown": ({"language": "de"}, "language"),
}


@pytest.mark.parametrize(("overrides", "field"), INVALID.values(), ids=INVALID.keys())
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    app: Flask, client: FlaskClient, world: Any, overrides: dict[str, Any], field: str
) -> None:
    before = snapshot(app)
    response = client.post(CALLBACKS, json=payload(**overrides), headers=world.service_center)
    assert_problem(response, 422, field)
    assert snapshot(app) == before


def test_officer_from_another_team_is_refused(app: Flask, client: FlaskClient, world: Any) -> None:
    before = snapshot(app)
    response = client.post(
        CALLBACKS, json=payload(officer_id=world.company_officers[0]), headers=world.service_center
    )
    body = assert_problem(response, 422, "officer_id")
    assert "bygglov-privat" in body["errors"]["officer_id"][0]
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "body", [None, [], "x", {"applicant": []}, {"applicant": {"kind": None}}, {"topic": 5}]
)
def test_malformed_bodies_are_problems(client: FlaskClient, world: Any, body: Any) -> None:
    response = client.post(CALLBACKS, json=body, headers=world.service_center)
    assert response.status_code in (400, 422)
    assert response.headers["Content-Type"] == "application/problem+json"


def test_roles(app: Flask, client: FlaskClient, world: Any, factory: Any) -> None:
    officer = factory.token("officer", officer_id=world.private_officers[0])
    before = snapshot(app)
    assert_problem(client.post(CALLBACKS, json=payload()), 401)
    assert_problem(
        client.post(CALLBACKS, json=payload(), headers={"Authorization": "Bearer bk_nope"}), 401
    )
    assert_problem(client.post(CALLBACKS, json=payload(), headers=officer), 403)
    assert_problem(client.get(CALLBACKS), 401)
    assert snapshot(app) == before
    made = register(client, world)
    assert client.post(CALLBACKS, json=payload(), headers=world.admin).status_code == 201
    assert_problem(
        client.post(
            f"{CALLBACKS}/{made['id']}/assign",
            json={"officer_id": world.private_officers[1]},
            headers=officer,
        ),
        403,
    )
    assert_problem(attempt(client, {}, made["id"], "reached"), 401)
    for headers in (world.admin, world.service_center, officer):
        assert client.get(CALLBACKS, headers=headers).status_code == 200


def test_fair_routing_spreads_open_callbacks_over_the_team(client: FlaskClient, world: Any) -> None:
    officers = [register(client, world)["officer"]["id"] for _ in range(6)]
    assert officers == world.private_officers * 2
    # A completed call-back no longer counts: its officer is first in line again.
    first = client.get(CALLBACKS, headers=world.admin).json[0]
    assert attempt(client, world.admin, first["id"], "reached").status_code == 201
    again = register(client, world)
    assert again["officer"]["id"] == first["officer"]["id"]
    assert "fewest open call-backs (1; next fewest 2)" in again["routing"]["officer"]


def test_ties_on_callbacks_go_to_the_officer_with_fewest_bookings_that_day(
    client: FlaskClient, world: Any
) -> None:
    first, second, third = world.private_officers
    for officer, start in ((first, "10:00"), (second, "10:00"), (first, "13:00")):
        booking = {
            "meeting_type": "bygglovsradgivning",
            "start": f"2027-03-02T{start}:00+01:00",
            "mode": "phone",
            "officer_id": officer,
            "applicant": {"kind": "private", "name": "Bo", "phone": "070-111 22 33"},
        }
        response = client.post("/api/v1/bookings", json=booking, headers=world.service_center)
        assert response.status_code == 201, response.json
    window = {
        "window_start": "2027-03-02T08:00:00+01:00",
        "window_end": "2027-03-02T12:00:00+01:00",
    }
    body = register(client, world, **window)
    assert body["officer"]["id"] == third
    assert "fewest bookings that day (0; next fewest 1)" in body["routing"]["officer"]
    # Now all have one open call-back or more: the officer with one booking comes before two.
    assert register(client, world, **window)["officer"]["id"] == second


def test_only_officers_working_in_the_window_are_chosen(
    client: FlaskClient, world: Any, factory: Any
) -> None:
    first, second, third = world.private_officers
    factory.absence(
        officer_id=first,
        start=datetime(2027, 3, 2, 0, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 3, 0, 0, tzinfo=STOCKHOLM),
    )
    evening = factory.officer(
        teams=[world.private_team], hours=[(1, 17 * 60, 19 * 60)], email="kvall@example.org"
    )
    afternoon = {
        "window_start": "2027-03-02T13:00:00+01:00",
        "window_end": "2027-03-02T15:00:00+01:00",
    }
    chosen = {register(client, world, **afternoon)["officer"]["id"] for _ in range(4)}
    assert chosen == {second, third}
    late = {"window_start": "2027-03-02T17:30:00+01:00", "window_end": "2027-03-02T18:00:00+01:00"}
    body = register(client, world, **late)
    assert body["officer"]["id"] == evening
    assert "only officer working in the window" in body["routing"]["officer"]


def test_a_team_without_working_officers_cannot_promise_a_call(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    factory.team(meeting_types=[], slug="bygglov-tom", name="Tomt team")
    before = snapshot(app)
    response = client.post(CALLBACKS, json=payload(team="bygglov-tom"), headers=world.admin)
    assert "window_start" in assert_problem(response, 409)["detail"]
    window = {
        "window_start": "2027-03-02T08:00:00+01:00",
        "window_end": "2027-03-02T12:00:00+01:00",
    }
    response = client.post(
        CALLBACKS, json=payload(team="bygglov-tom", **window), headers=world.admin
    )
    assert_problem(response, 422, "window_start")
    assert snapshot(app) == before
    # Chosen by hand, the team is recorded as such.
    body = register(client, world, team="bygglov-privat")
    assert body["routing"]["team"] == "team 'bygglov-privat' chosen by staff"


def test_everyone_absent_during_the_default_window_is_a_conflict(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    for officer in world.private_officers:
        factory.absence(
            officer_id=officer,
            start=datetime(2027, 3, 1, 0, 0, tzinfo=STOCKHOLM),
            end=datetime(2027, 3, 3, 0, 0, tzinfo=STOCKHOLM),
        )
    before = snapshot(app)
    assert_problem(client.post(CALLBACKS, json=payload(), headers=world.admin), 409)
    assert snapshot(app) == before
    later = {"window_start": "2027-03-03T08:00:00+01:00", "window_end": "2027-03-03T10:00:00+01:00"}
    assert register(client, world, **later)["officer"]["id"] in world.private_officers


def test_staff_may_choose_the_officer_at_registration(client: FlaskClient, world: Any) -> None:
    officer = world.private_officers[2]
    body = register(client, world, officer_id=officer)
    assert body["officer"]["id"] == officer
    assert body["routing"]["officer"] == "chosen by staff at registration"
    assert body["routing"]["assigned_by_token_id"] == body["created_by_token_id"]


def test_three_unanswered_calls_make_it_unreachable(
    client: FlaskClient, world: Any, clock: Clock, factory: Any
) -> None:
    made = register(client, world)
    officer = factory.token("officer", officer_id=made["officer"]["id"])
    for count in (1, 2):
        clock.advance(minutes=30)
        response = attempt(client, officer, made["id"], "no_answer", note="Inget svar")
        assert response.status_code == 201
        assert response.json["status"] == "open" and len(response.json["attempts"]) == count
    clock.advance(minutes=30)
    done = attempt(client, officer, made["id"], "no_answer").json
    assert done["status"] == "unreachable"
    assert done["closed_at"] == "2027-03-01T10:30:00+01:00"
    assert [a["outcome"] for a in done["attempts"]] == ["no_answer"] * 3
    assert done["attempts"][0]["note"] == "Inget svar"
    assert done["attempts"][0]["attempted_at"] == "2027-03-01T09:30:00+01:00"
    assert all(a["staff_token_id"] is not None for a in done["attempts"])
    assert_problem(attempt(client, officer, made["id"], "reached"), 409)


def test_hours_and_attempts_are_configurable(
    app: Flask, client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "BOOKING_CALLBACK_HOURS", 2)
    monkeypatch.setitem(app.config, "BOOKING_CALLBACK_MAX_ATTEMPTS", 1)
    made = register(client, world)
    assert made["due_at"] == "2027-03-01T11:00:00+01:00"
    assert attempt(client, world.admin, made["id"], "no_answer").json["status"] == "unreachable"


@pytest.mark.parametrize("name", ["BOOKING_CALLBACK_HOURS", "BOOKING_CALLBACK_MAX_ATTEMPTS"])
def test_settings_from_the_environment(name: str) -> None:
    assert config_from_env({name: "5"})[name] == 5
    for bad in ("0", "-2", "drei"):
        with pytest.raises(RuntimeError, match=name):
            config_from_env({name: bad})


def test_reached_completes_even_after_unanswered_calls(client: FlaskClient, world: Any) -> None:
    made = register(client, world)
    assert attempt(client, world.service_center, made["id"], "no_answer").json["status"] == "open"
    done = attempt(client, world.service_center, made["id"], "reached").json
    assert done["status"] == "completed" and done["closed_at"] is not None
    assert [a["outcome"] for a in done["attempts"]] == ["no_answer", "reached"]
    assert_problem(attempt(client, world.service_center, made["id"], "no_answer"), 409)


def test_wrong_number_closes_it_at_once(client: FlaskClient, world: Any) -> None:
    made = register(client, world)
    done = attempt(client, world.admin, made["id"], "wrong_number").json
    assert done["status"] == "unreachable"


def test_an_overdue_callback_can_still_be_completed(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    made = register(client, world)
    with app.app_context():
        db.session.execute(
            update(Callback).where(Callback.id == made["id"]).values(status="overdue")
        )
        db.session.commit()
    listed = client.get(CALLBACKS, query_string={"status": "overdue"}, headers=world.admin).json
    assert [c["id"] for c in listed] == [made["id"]]
    assert attempt(client, world.admin, made["id"], "reached").json["status"] == "completed"


def test_officers_see_and_work_only_their_own(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    mine = register(client, world, officer_id=world.private_officers[0])
    theirs = register(client, world, officer_id=world.private_officers[1])
    officer = factory.token("officer", officer_id=world.private_officers[0])
    listed = client.get(
        CALLBACKS, query_string={"officer": world.private_officers[1]}, headers=officer
    ).json
    assert [c["id"] for c in listed] == [mine["id"]]
    assert client.get(f"{CALLBACKS}/{mine['id']}", headers=officer).status_code == 200
    assert_problem(client.get(f"{CALLBACKS}/{theirs['id']}", headers=officer), 404)
    before = snapshot(app)
    assert_problem(attempt(client, officer, theirs["id"], "reached"), 404)
    assert snapshot(app) == before
    assert attempt(client, officer, mine["id"], "reached").status_code == 201


def test_attempt_input_is_checked(app: Flask, client: FlaskClient, world: Any) -> None:
    made = register(client, world)
    before = snapshot(app)
    for body, field in (
        ({}, "outcome"),
        ({"outcome": "voicemail"}, "outcome"),
        ({"outcome": "reached", "note": "x" * 4001}, "note"),
        ({"outcome": "reached", "who": 1}, "who"),
    ):
        response = client.post(f"{CALLBACKS}/{made['id']}/attempts", json=body, headers=world.admin)
        assert_problem(response, 422, field)
    for unknown in (9999, 2**40):
        assert_problem(attempt(client, world.admin, unknown, "reached"), 404)
    assert snapshot(app) == before


def test_reassignment_is_recorded_with_who_did_it(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    made = register(client, world)
    other = next(o for o in world.private_officers if o != made["officer"]["id"])
    clock.advance(minutes=10)
    moved = client.post(
        f"{CALLBACKS}/{made['id']}/assign", json={"officer_id": other}, headers=world.admin
    )
    assert moved.status_code == 200, moved.json
    body = moved.json
    assert body["officer"]["id"] == other
    assert body["routing"]["officer"] == "assigned by staff"
    assert body["routing"]["assigned_by_token_id"] not in (None, made["created_by_token_id"])
    assert body["routing"]["assigned_at"] == "2027-03-01T09:10:00+01:00"
    assert body["routing"]["team"] == made["routing"]["team"]

    before = snapshot(app)
    for officer_id, field in ((world.company_officers[0], "officer_id"), (9999, "officer_id")):
        response = client.post(
            f"{CALLBACKS}/{made['id']}/assign",
            json={"officer_id": officer_id},
            headers=world.service_center,
        )
        assert_problem(response, 422, field)
    assert_problem(
        client.post(f"{CALLBACKS}/{made['id']}/assign", json={}, headers=world.admin),
        422,
        "officer_id",
    )
    assert_problem(
        client.post(f"{CALLBACKS}/9999/assign", json={"officer_id": other}, headers=world.admin),
        404,
    )
    assert snapshot(app) == before

    attempt(client, world.admin, made["id"], "reached")
    assert_problem(
        client.post(
            f"{CALLBACKS}/{made['id']}/assign",
            json={"officer_id": made["officer"]["id"]},
            headers=world.admin,
        ),
        409,
    )


def test_an_inactive_officer_is_neither_routed_to_nor_assigned(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    resting = factory.officer(teams=[world.private_team], active=False, email="vila@example.org")
    assert all(register(client, world)["officer"]["id"] != resting for _ in range(4))
    made = register(client, world)
    response = client.post(
        f"{CALLBACKS}/{made['id']}/assign", json={"officer_id": resting}, headers=world.admin
    )
    assert_problem(response, 422, "officer_id")


def test_list_filters(client: FlaskClient, world: Any) -> None:
    private = register(client, world)
    company = register(
        client,
        world,
        applicant={"kind": "company", "organisation_number": "556036-0793"},
        window_start="2027-03-10T08:00:00+01:00",
        window_end="2027-03-10T10:00:00+01:00",
    )
    attempt(client, world.admin, private["id"], "reached")

    def ids(**query: Any) -> list[int]:
        response = client.get(CALLBACKS, query_string=query, headers=world.service_center)
        assert response.status_code == 200, response.json
        return [c["id"] for c in response.json]

    assert ids() == [private["id"], company["id"]]
    assert ids(status="open") == [company["id"]]
    assert ids(status="completed") == [private["id"]]
    assert ids(team="bygglov-foretag") == [company["id"]]
    assert ids(officer=world.company_officers[0]) == [company["id"]]
    assert ids(**{"from": "2027-03-03"}) == [company["id"]]
    assert ids(to="2027-03-02") == [private["id"]]
    for query, field in (({"status": "lost"}, "status"), ({"officer": "x"}, "officer")):
        assert_problem(client.get(CALLBACKS, query_string=query, headers=world.admin), 422, field)
    assert_problem(
        client.get(
            CALLBACKS, query_string={"from": "2027-03-05", "to": "2027-03-01"}, headers=world.admin
        ),
        422,
        "to",
    )


_TEXT = st.text(max_size=30)
_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "applicant": st.one_of(
            st.none(),
            _TEXT,
            st.fixed_dictionaries(
                {},
                optional={
                    "kind": st.sampled_from(["private", "company", "", None]),
                    "name": _TEXT,
                    "phone": st.one_of(_TEXT, st.integers()),
                    "organisation_number": st.one_of(_TEXT, st.just("556036-0793")),
                },
            ),
        ),
        "topic": st.one_of(_TEXT, st.integers()),
        "meeting_type": st.one_of(_TEXT, st.just("bygglovsradgivning")),
        "window_start": st.one_of(_TEXT, st.just("2027-03-02T08:00:00+01:00")),
        "window_end": st.one_of(_TEXT, st.just("2027-03-02T09:00:00+01:00")),
        "team": _TEXT,
        "officer_id": st.one_of(st.integers(), _TEXT),
        "language": _TEXT,
    },
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=_BODIES)
def test_fuzzed_bodies_never_cause_a_server_error(
    client: FlaskClient, world: Any, body: Any
) -> None:
    response = client.post(
        CALLBACKS, data=json.dumps(body), content_type="application/json", headers=world.admin
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/problem+json"


def test_a_team_can_promise_fewer_working_hours(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    body = {
        "slug": "bygglov-snabb",
        "name": "Snabbteamet",
        "applicant_kind": "private",
        "meeting_types": ["bygglovsradgivning"],
        "callback_hours": 2,
    }
    created = client.post("/api/v1/teams", json=body, headers=world.admin)
    assert created.status_code == 201, created.json
    assert created.json["callback_hours"] == 2
    for bad in (0, 81, "2", 1.5):
        assert_problem(
            client.post(
                "/api/v1/teams",
                json={**body, "slug": "x", "callback_hours": bad},
                headers=world.admin,
            ),
            422,
            "callback_hours",
        )
    # The private team promises two working hours instead of the default eight.
    with app.app_context(), write_intent():
        team = db.session.get(Team, world.private_team)
        assert team is not None
        team.callback_hours = 2
        db.session.commit()
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=STOCKHOLM))
    registered = register(client, world)
    assert (registered["window_start"], registered["window_end"]) == (
        "2027-03-01T09:00:00+01:00",
        "2027-03-01T11:00:00+01:00",
    )
