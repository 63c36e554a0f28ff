"""GET /api/v1/stats: the figures on a hand-arranged month, roles and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import assert_problem
from tests.stats_data import EXPECTED_MARCH_PRIVATE, arrange

STATS = "/api/v1/stats"
RANGE = {"from": "2027-03-01", "to": "2027-04-30"}


def test_the_figures_per_month_and_team(app: Flask, client: FlaskClient, world: Any) -> None:
    arrange(app, client, world)
    response = client.get(STATS, query_string=RANGE, headers=world.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["min_answers"] == 5 and body["group_by"] == "month"
    keys = [(row["period"], row["team"]) for row in body["rows"]]
    assert keys == [
        ("2027-03", "bygglov-privat"),
        ("2027-03", "bygglov-foretag"),
        ("2027-04", "bygglov-privat"),
        ("2027-04", "bygglov-foretag"),
    ]
    march = body["rows"][0]
    assert march["period_from"] == "2027-03-01" and march["period_to"] == "2027-03-31"
    assert {key: march[key] for key in EXPECTED_MARCH_PRIVATE} == EXPECTED_MARCH_PRIVATE
    april_company = body["rows"][3]
    assert april_company["bookings"]["count"] == 1
    assert april_company["no_show"] == {"count": 0, "value": None, "n": 0, "flagged": False}
    assert april_company["nki"] == {"value": None, "n": 0, "flagged": True}


def test_weeks_and_one_team(app: Flask, client: FlaskClient, world: Any) -> None:
    arrange(app, client, world)
    query = {"from": "2027-03-03", "to": "2027-03-14", "team": "bygglov-privat", "group_by": "week"}
    body = client.get(STATS, query_string=query, headers=world.service_center).json
    # The first week is cut to the range asked for; 3–5 March, then the cancelled one on the 8th.
    assert [(r["period"], r["period_from"], r["bookings"]["count"]) for r in body["rows"]] == [
        ("2027-W09", "2027-03-03", 3),
        ("2027-W10", "2027-03-08", 1),
    ]
    assert body["rows"][1]["cancellations"]["count"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2027-03-10", "to": "2027-03-01"}, "to"),
        ({"from": "2025-01-01", "to": "2027-03-01"}, "to"),
        ({"from": "2027-03-01", "to": "2027-03-31", "team": "okand"}, "team"),
        ({"from": "2027-03-01", "to": "2027-03-31", "group_by": "day"}, "group_by"),
        ({"from": "1 mars", "to": "2027-03-31"}, "from"),
        ({"to": "2027-03-31"}, "from"),
    ],
)
def test_bad_input_names_the_field(
    client: FlaskClient, world: Any, query: dict[str, str], field: str
) -> None:
    assert_problem(client.get(STATS, query_string=query, headers=world.admin), 422, field)


def test_roles(factory: Any, client: FlaskClient, world: Any) -> None:
    officer = factory.token("officer", officer_id=world.private_officers[0])
    assert client.get(STATS, query_string=RANGE).status_code == 401
    assert client.get(STATS, query_string=RANGE, headers=officer).status_code == 403
    assert client.get(STATS, query_string=RANGE, headers=world.service_center).status_code == 200
