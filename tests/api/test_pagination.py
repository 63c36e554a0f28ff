"""Paging the staff lists (bookings, call-backs, meetings awaiting an outcome): `page` and
`page_size` in, the `X-Pagination` header out, pages that add up to the whole list in its order;
without paging parameters the same first 2000 rows as before; bad parameters are 422 problems."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from booking.callbacks.models import Callback
from booking.extensions import db
from tests.api.helpers import assert_problem, snapshot
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload

BOOKINGS = "/api/v1/bookings"
CALLBACKS = "/api/v1/callbacks"
AWAITING = "/api/v1/bookings/awaiting-outcome"
LISTS = (BOOKINGS, CALLBACKS, AWAITING)
# Seven meetings: three at once on Wednesday morning, three that afternoon, one on Thursday, so
# equal starts (and ends) sit inside and across pages and only the id can order them.
STARTS = (
    ["2027-03-03T10:00:00+01:00"] * 3
    + ["2027-03-03T13:00:00+01:00"] * 3
    + ["2027-03-04T10:00:00+01:00"]
)
# After all seven meetings have ended.
AFTER_ALL = datetime(2027, 3, 4, 12, 0, tzinfo=STOCKHOLM)


def book_seven(client: FlaskClient, world: Any) -> list[dict[str, Any]]:
    """Book the seven meetings as the service center, spread over the private team's officers."""
    made = []
    for number, start in enumerate(STARTS):
        officer_id = world.private_officers[number % 3]
        response = client.post(
            BOOKINGS,
            json=booking_payload(start=start, officer_id=officer_id),
            headers=world.service_center,
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        made.append(response.json)
    return made


def register_seven(client: FlaskClient, world: Any) -> list[dict[str, Any]]:
    """Register seven call-backs with the default window (one promise: ordered by id alone)."""
    made = []
    for number in range(7):
        response = client.post(
            CALLBACKS,
            json={
                "applicant": {
                    "kind": "private",
                    "name": f"Uppringare {number}",
                    "phone": "070-123 45 67",
                },
                "topic": "Altan",
                "officer_id": world.private_officers[number % 3],
            },
            headers=world.service_center,
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        made.append(response.json)
    return made


def after_the_meetings(clock: Clock, url: str) -> None:
    """For the awaiting-outcome list, move the clock past the seven meetings' ends."""
    # The bookings list starts today by default: the others keep the clock on Monday.
    if url == AWAITING:
        clock.set(AFTER_ALL)


def key(url: str, item: dict[str, Any]) -> Any:
    """What names a listed row: a booking's reference, a call-back's id."""
    return item["id"] if url == CALLBACKS else item["reference"]


def get_page(
    client: FlaskClient, url: str, headers: dict[str, str], **query: Any
) -> tuple[list[Any], dict[str, Any]]:
    """One page's keys and its X-Pagination metadata (asserting a 200 JSON array)."""
    response = client.get(url, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert isinstance(response.json, list)
    return [key(url, item) for item in response.json], json.loads(response.headers["X-Pagination"])


def every_page(
    client: FlaskClient, url: str, headers: dict[str, str], page_size: int, **query: Any
) -> list[list[Any]]:
    """Follow `next_page` from page 1 to the end; the pages' keys."""
    pages = []
    page: int | None = 1
    while page is not None:
        keys, meta = get_page(client, url, headers, page=page, page_size=page_size, **query)
        assert meta["page"] == page
        pages.append(keys)
        page = meta.get("next_page")
        assert len(pages) <= 20, "next_page never ends"
    return pages


@pytest.mark.parametrize("url", LISTS)
def test_pages_of_three_add_up_to_the_whole_list_in_its_order(
    client: FlaskClient, world: Any, clock: Clock, url: str
) -> None:
    if url == CALLBACKS:
        made = [c["id"] for c in register_seven(client, world)]
    else:
        made = [b["reference"] for b in book_seven(client, world)]
    after_the_meetings(clock, url)
    whole, meta = get_page(client, url, world.admin)
    # No paging parameters: every row, as before, on one page that says so.
    assert sorted(whole, key=str) == sorted(made, key=str)
    assert meta == {"total": 7, "total_pages": 1, "first_page": 1, "last_page": 1, "page": 1}

    first, meta1 = get_page(client, url, world.admin, page_size=3)
    second, meta2 = get_page(client, url, world.admin, page=2, page_size=3)
    third, meta3 = get_page(client, url, world.admin, page=3, page_size=3)
    assert [len(first), len(second), len(third)] == [3, 3, 1]
    assert first + second + third == whole
    common = {"total": 7, "total_pages": 3, "first_page": 1, "last_page": 3}
    assert meta1 == {**common, "page": 1, "next_page": 2}
    assert meta2 == {**common, "page": 2, "previous_page": 1, "next_page": 3}
    assert meta3 == {**common, "page": 3, "previous_page": 2}

    # Past the last page: an empty page, and the header still tells how many there are.
    beyond, meta4 = get_page(client, url, world.admin, page=4, page_size=3)
    assert beyond == []
    assert meta4 == common


@pytest.mark.parametrize("url", LISTS)
def test_any_page_size_pages_through_without_overlap_or_gap(
    client: FlaskClient, world: Any, clock: Clock, url: str
) -> None:
    if url == CALLBACKS:
        register_seven(client, world)
    else:
        book_seven(client, world)
    after_the_meetings(clock, url)
    whole, _ = get_page(client, url, world.service_center)
    assert len(whole) == 7
    for size in range(1, 9):
        pages = every_page(client, url, world.service_center, size)
        assert [len(p) for p in pages] == [min(size, 7 - start) for start in range(0, 7, size)]
        flat = [item for page in pages for item in page]
        assert flat == whole, f"page_size={size}"
        assert len(set(flat)) == len(flat)


@pytest.mark.parametrize("url", LISTS)
def test_an_officer_sees_only_their_own_on_every_page(
    client: FlaskClient, world: Any, factory: Any, clock: Clock, url: str
) -> None:
    if url == CALLBACKS:
        made = register_seven(client, world)
    else:
        made = book_seven(client, world)
    after_the_meetings(clock, url)
    mine = world.private_officers[0]
    officer = factory.token("officer", officer_id=mine)
    own = [key(url, item) for item in made if item["officer"]["id"] == mine]
    assert len(own) == 3
    # Asking for another officer's rows changes nothing: an officer sees their own.
    other = {"officer": world.private_officers[1]}
    pages = every_page(client, url, officer, 2, **other)
    assert [len(p) for p in pages] == [2, 1]
    assert sorted((k for p in pages for k in p), key=str) == sorted(own, key=str)
    _, meta = get_page(client, url, officer, page_size=2, **other)
    assert (meta["total"], meta["total_pages"]) == (3, 2)


def test_filters_and_pages_combine(client: FlaskClient, world: Any) -> None:
    book_seven(client, world)
    wednesday, meta = get_page(
        client, BOOKINGS, world.admin, page_size=4, **{"from": "2027-03-03", "to": "2027-03-03"}
    )
    assert len(wednesday) == 4
    assert (meta["total"], meta["total_pages"], meta["next_page"]) == (6, 2, 2)
    nobody, meta = get_page(client, BOOKINGS, world.admin, team="bygglov-foretag", page_size=3)
    assert nobody == []
    assert meta == {"total": 0, "total_pages": 0}


BAD = [
    ("page", "0"),
    ("page", "-1"),
    ("page", "x"),
    ("page", ""),
    ("page", "1.5"),
    ("page", str(2**31)),
    ("page", "9" * 30),
    ("page", "9" * 5000),
    ("page_size", "0"),
    ("page_size", "-3"),
    ("page_size", "2001"),
    ("page_size", "abc"),
    ("page_size", "1e3"),
    ("page_size", "9" * 30),
]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(("field", "value"), BAD)
def test_bad_paging_parameters_are_a_422_naming_the_field(
    app: Flask, client: FlaskClient, world: Any, url: str, field: str, value: str
) -> None:
    before = snapshot(app)
    response = client.get(url, query_string={field: value}, headers=world.admin)
    body = assert_problem(response, 422, field)
    assert body["type"] == "/problems/validation"
    assert "X-Pagination" not in response.headers
    assert snapshot(app) == before


def test_the_largest_page_is_accepted(client: FlaskClient, world: Any) -> None:
    for url in LISTS:
        _, meta = get_page(client, url, world.admin, page=2**31 - 1, page_size=2000)
        assert meta == {"total": 0, "total_pages": 0}


def test_without_paging_parameters_the_first_2000_rows_come_and_the_rest_is_announced(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    response = client.post(
        CALLBACKS,
        json={
            "applicant": {"kind": "private", "name": "Uppringare", "phone": "070-123 45 67"},
            "topic": "A",
        },
        headers=world.service_center,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(Callback)).one()
        values = {
            column.key: getattr(row, column.key)
            for column in Callback.__mapper__.column_attrs
            if column.key != "id"
        }
        db.session.execute(insert(Callback), [values] * 2000)
        db.session.commit()
    first, meta = get_page(client, CALLBACKS, world.admin)
    assert len(first) == 2000
    assert first == sorted(first)
    assert meta == {
        "total": 2001,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 1,
        "next_page": 2,
    }
    rest, meta = get_page(client, CALLBACKS, world.admin, page=2)
    assert len(rest) == 1 and rest[0] > first[-1]
    assert meta["previous_page"] == 1 and "next_page" not in meta


def test_the_published_document_shows_the_parameters_and_the_header(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    for url in LISTS:
        operation = document["paths"][url]["get"]
        parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert parameters["page"]["schema"]["minimum"] == 1
        size = parameters["page_size"]["schema"]
        assert (size["default"], size["minimum"], size["maximum"]) == (2000, 1, 2000)
        assert "X-Pagination" in operation["responses"]["200"]["headers"]
        assert "422" in operation["responses"]
