"""Call-backs in the officers' and teams' calendar feeds: short events at the window's start."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.api.test_feeds import (
    PERSONNUMMER,
    STOCKHOLM,
    book,
    by_uid,
    fetch,
    issue,
    issue_team,
    read_feed,
    rename_officer,
)

CALLBACKS = "/api/v1/callbacks"


def register(client: FlaskClient, world: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
        "topic": "Altan på tomten",
        "note": f"Ringde själv, pnr {PERSONNUMMER}",
        "window_start": "2027-03-01T13:00:00+01:00",
        "window_end": "2027-03-01T15:00:00+01:00",
        **overrides,
    }
    response = client.post(CALLBACKS, json=body, headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.json)


def test_the_officer_feed_shows_a_short_event_at_the_window_start(
    client: FlaskClient, world: Any
) -> None:
    anna, erik = world.private_officers[:2]
    callback = register(client, world, officer_id=anna)
    register(client, world, officer_id=erik)
    booking = book(client, officer_id=anna)
    response = fetch(client, issue(client, anna, world.admin)["url"])
    assert response.status_code == 200
    events, vevents, _ = read_feed(response.data)
    assert len(events) == len(vevents) == 2
    uid = f"callback-{callback['id']}@booking.test"
    # In start order: the call-back on Monday, the booking on Wednesday.
    assert [str(e["UID"]) for e in events] == [uid, f"{booking['reference']}@booking.test"]
    event = by_uid(events)[uid]
    start = datetime(2027, 3, 1, 13, 0, tzinfo=STOCKHOLM)
    assert event.start == start and event.end == start + timedelta(minutes=15)
    assert str(event["SUMMARY"]) == "Ring upp: Åsa Öberg, Altan på tomten"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Telefon: +46701234567"
    description = vevents[0].description.value
    for needle in (
        "Återuppringning: ring Åsa Öberg senast 2027-03-01 15:00",
        "Tid att ringa: 2027-03-01 13:00–15:00",
        "Telefon: +46701234567",
        "Ärende: Altan på tomten",
        "Anteckning: Ringde själv, pnr [personnummer borttaget]",
        "Handläggare: Anna Lindqvist",
        f"Återuppringningen: http://booking.test/api/v1/callbacks/{callback['id']}",
    ):
        assert needle in description, needle
    assert PERSONNUMMER not in response.get_data(as_text=True)


def test_a_window_shorter_than_the_event_ends_with_the_window(
    client: FlaskClient, world: Any
) -> None:
    anna = world.private_officers[0]
    register(
        client,
        world,
        officer_id=anna,
        window_start="2027-03-01T13:00:00+01:00",
        window_end="2027-03-01T13:10:00+01:00",
    )
    (event,), _, _ = read_feed(fetch(client, issue(client, anna, world.admin)["url"]).data)
    assert event.end - event.start == timedelta(minutes=10)


def test_the_team_feed_names_the_officer(client: FlaskClient, world: Any) -> None:
    register(client, world, officer_id=world.private_officers[1])
    feed = issue_team(client, "bygglov-privat", world.admin)["url"]
    (event,), _, _ = read_feed(fetch(client, feed).data)
    assert str(event["SUMMARY"]) == "Ring upp: Åsa Öberg, Altan på tomten (Erik Johansson)"


def test_changes_move_the_etag_and_the_bytes(
    app: Flask, client: FlaskClient, world: Any, clock: Any
) -> None:
    anna, erik = world.private_officers[:2]
    callback = register(client, world, officer_id=anna)
    feed = issue(client, anna, world.admin)["url"]
    first = fetch(client, feed)
    etag = first.headers["ETag"]
    # The aggregate (304) path and the full path agree on the ETag.
    assert fetch(client, feed, **{"If-None-Match": etag}).status_code == 304
    assert fetch(client, feed).data == first.data

    clock.advance(minutes=5)
    response = client.post(
        f"{CALLBACKS}/{callback['id']}/attempts",
        json={"outcome": "reached"},
        headers=world.service_center,
    )
    assert response.status_code == 201
    reached = fetch(client, feed, **{"If-None-Match": etag})
    assert reached.status_code == 200 and reached.headers["ETag"] != etag
    (event,), _, _ = read_feed(reached.data)
    assert str(event["SUMMARY"]) == "Uppringd: Åsa Öberg, Altan på tomten"
    assert fetch(client, feed, **{"If-None-Match": reached.headers["ETag"]}).status_code == 304

    # A renamed officer changes the bytes, so the ETag too.
    rename_officer(app, anna, "Anna Lindqvist-Berg")
    renamed = fetch(client, feed, **{"If-None-Match": reached.headers["ETag"]})
    assert renamed.status_code == 200

    # Reassigned: it leaves one officer's feed for the other's.
    second = register(client, world, officer_id=anna)
    moved = client.post(
        f"{CALLBACKS}/{second['id']}/assign", json={"officer_id": erik}, headers=world.admin
    )
    assert moved.status_code == 200
    uids = [str(e["UID"]) for e in read_feed(fetch(client, feed).data)[0]]
    assert f"callback-{second['id']}@booking.test" not in uids
    erik_feed = issue(client, erik, world.admin)["url"]
    erik_uids = [str(e["UID"]) for e in read_feed(fetch(client, erik_feed).data)[0]]
    assert erik_uids == [f"callback-{second['id']}@booking.test"]
