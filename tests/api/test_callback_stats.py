"""The call-back summary: count, promises kept, time to first attempt, overdue; input and roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.helpers import assert_problem
from tests.conftest import STOCKHOLM, Clock

CALLBACKS = "/api/v1/callbacks"
STATS = "/api/v1/callbacks/stats"


def _at(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2027, 3, day, hour, minute, tzinfo=STOCKHOLM).isoformat()


def register(client: FlaskClient, world: Any, start: str, end: str, kind: str = "private") -> int:
    applicant: dict[str, Any] = {"kind": kind, "name": "Åsa Öberg", "phone": "070-123 45 67"}
    if kind == "company":
        applicant["organisation_number"] = "5560360793"
    body = {"applicant": applicant, "topic": "Altan", "window_start": start, "window_end": end}
    response = client.post(CALLBACKS, json=body, headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.json["id"])


def attempt(client: FlaskClient, world: Any, callback_id: int, outcome: str) -> None:
    response = client.post(
        f"{CALLBACKS}/{callback_id}/attempts",
        json={"outcome": outcome},
        headers=world.service_center,
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def stats(client: FlaskClient, world: Any, **query: str) -> Any:
    response = client.get(STATS, query_string=query, headers=world.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_the_figures_and_what_each_rests_on(client: FlaskClient, world: Any, clock: Clock) -> None:
    # Registered Monday 09:00.
    kept = register(client, world, _at(1, 10), _at(1, 11))
    late = register(client, world, _at(1, 10), _at(1, 12))
    forgotten = register(client, world, _at(1, 11), _at(1, 12))
    register(client, world, _at(3, 10), _at(3, 11))  # promise still running
    wrong = register(client, world, _at(1, 10), _at(1, 11), kind="company")
    register(client, world, _at(10, 10), _at(10, 11))  # promised after the period
    clock.set(datetime(2027, 3, 1, 9, 30, tzinfo=STOCKHOLM))
    attempt(client, world, kept, "reached")
    clock.set(datetime(2027, 3, 1, 10, 0, tzinfo=STOCKHOLM))
    attempt(client, world, late, "no_answer")
    clock.set(datetime(2027, 3, 1, 10, 30, tzinfo=STOCKHOLM))
    attempt(client, world, wrong, "wrong_number")
    clock.set(datetime(2027, 3, 1, 12, 30, tzinfo=STOCKHOLM))
    attempt(client, world, late, "reached")  # after its promise: not kept

    body = stats(client, world, **{"from": "2027-03-01", "to": "2027-03-03"})
    assert body == {
        "from": "2027-03-01",
        "to": "2027-03-03",
        "team": None,
        "count": 5,
        # kept / (kept, late, forgotten, wrong): the running promise is not judged yet.
        "reached_within_promise": {"share": 0.25, "reached": 1, "decided": 4},
        # 30, 60 and 90 minutes after registration; `forgotten` has had no attempt.
        "time_to_first_attempt": {"median_seconds": 3600, "callbacks": 3},
        "overdue": {"count": 1, "past_promise": 4},
    }
    assert forgotten

    team = stats(
        client, world, **{"from": "2027-03-01", "to": "2027-03-03", "team": "bygglov-privat"}
    )
    assert team["team"] == "bygglov-privat" and team["count"] == 4
    assert team["reached_within_promise"] == {"share": 0.3333, "reached": 1, "decided": 3}
    assert team["time_to_first_attempt"] == {"median_seconds": 2700, "callbacks": 2}
    assert team["overdue"] == {"count": 1, "past_promise": 3}

    running = stats(client, world, **{"from": "2027-03-03", "to": "2027-03-03"})
    assert running["count"] == 1
    assert running["reached_within_promise"] == {"share": None, "reached": 0, "decided": 0}
    assert running["time_to_first_attempt"] == {"median_seconds": None, "callbacks": 0}
    assert running["overdue"] == {"count": 0, "past_promise": 0}


def test_reached_exactly_at_the_promise_is_kept(
    client: FlaskClient, world: Any, clock: Clock
) -> None:
    callback = register(client, world, _at(1, 10), _at(1, 11))
    clock.set(datetime(2027, 3, 1, 11, 0, tzinfo=STOCKHOLM))
    attempt(client, world, callback, "reached")
    body = stats(client, world, **{"from": "2027-03-01", "to": "2027-03-01"})
    assert body["reached_within_promise"] == {"share": 1.0, "reached": 1, "decided": 1}
    assert body["overdue"] == {"count": 0, "past_promise": 1}


def test_days_are_local_dates(client: FlaskClient, world: Any) -> None:
    # Due 23:30 Stockholm on Monday is 22:30 UTC: Monday's, not Tuesday's.
    register(client, world, _at(1, 15), _at(1, 23, 30))
    assert stats(client, world, **{"from": "2027-03-01", "to": "2027-03-01"})["count"] == 1
    assert stats(client, world, **{"from": "2027-03-02", "to": "2027-03-02"})["count"] == 0


BAD_QUERIES: dict[str, tuple[dict[str, str], str]] = {
    "from-missing": ({"to": "2027-03-01"}, "from"),
    "to-missing": ({"from": "2027-03-01"}, "to"),
    "from-not-a-date": ({"from": "1 March", "to": "2027-03-01"}, "from"),
    "from-short-form": ({"from": "2027-3-1", "to": "2027-03-01"}, "from"),
    "to-before-from": ({"from": "2027-03-02", "to": "2027-03-01"}, "to"),
    "period-too-long": ({"from": "2027-01-01", "to": "2028-06-01"}, "to"),
    "team-unknown": ({"from": "2027-03-01", "to": "2027-03-01", "team": "strandskydd"}, "team"),
    "team-not-a-slug": ({"from": "2027-03-01", "to": "2027-03-01", "team": "Bygg Lov"}, "team"),
}


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_bad_input_names_the_field(
    client: FlaskClient, world: Any, query: dict[str, str], field: str
) -> None:
    assert_problem(client.get(STATS, query_string=query, headers=world.admin), 422, field)


def test_roles(client: FlaskClient, world: Any, factory: Any) -> None:
    query = {"from": "2027-03-01", "to": "2027-03-01"}
    assert_problem(client.get(STATS, query_string=query), 401)
    officer = factory.token("officer", world.private_officers[0])
    assert_problem(client.get(STATS, query_string=query, headers=officer), 403)
    response = client.get(STATS, query_string=query, headers=world.service_center)
    assert response.status_code == 200
