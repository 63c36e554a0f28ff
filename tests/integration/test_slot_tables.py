"""Slot tables through the API, on both databases: the calendar's edge cases, case by case."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload

MORNING = [f"{h:02d}:{m:02d}" for h in range(8, 12) for m in (0, 15, 30, 45)][:13]  # 08:00–11:00
AFTERNOON = [f"{h:02d}:{m:02d}" for h in range(13, 16) for m in (0, 15, 30, 45)][:9]  # 13:00–15:00
FULL_DAY = MORNING + AFTERNOON


def slot_table(client: FlaskClient, first: str, last: str, *, headers: Any = None,
               meeting_type: str = "bygglovsradgivning", **params: Any) -> dict[str, list[str]]:
    """{local date: ["HH:MM", ...]} of the free slots, checking each carries its UTC offset."""
    response = client.get("/api/v1/slots", headers=headers, query_string={
        "meeting_type": meeting_type, "applicant_kind": "private", "from": first, "to": last,
        **params})
    assert response.status_code == 200, response.json
    table: dict[str, list[str]] = defaultdict(list)
    for slot in response.json["slots"]:
        start = datetime.fromisoformat(slot["start"])
        assert start.utcoffset() == start.astimezone(STOCKHOLM).utcoffset()
        table[start.date().isoformat()].append(start.strftime("%H:%M"))
    return dict(table)


def offsets(client: FlaskClient, day: str) -> set[str]:
    response = client.get("/api/v1/slots", query_string={
        "meeting_type": "bygglovsradgivning", "applicant_kind": "private", "from": day, "to": day})
    return {slot["start"][-6:] for slot in response.json["slots"]}


def test_a_normal_week(client: FlaskClient, world: Any) -> None:
    table = slot_table(client, "2027-03-08", "2027-03-14")
    assert table == {f"2027-03-{d:02d}": FULL_DAY for d in range(8, 13)}  # Mon–Fri, no weekend
    response = client.get("/api/v1/slots", query_string={
        "meeting_type": "bygglovsradgivning", "applicant_kind": "private",
        "from": "2027-03-08", "to": "2027-03-08"})
    first = response.json["slots"][0]
    assert first == {"start": "2027-03-08T08:00:00+01:00", "end": "2027-03-08T08:45:00+01:00",
                     "available_officers": 3}


@pytest.mark.parametrize(
    ("now", "day", "expected", "offset"),
    [
        # March 2027: DST starts Sunday 28 March (Easter weekend too).
        ("2027-03-15T09:00", "2027-03-24", FULL_DAY, "+01:00"),
        ("2027-03-15T09:00", "2027-03-25", MORNING + ["13:00"], "+01:00"),  # skärtorsdagen 14:00
        ("2027-03-15T09:00", "2027-03-26", None, None),  # långfredagen
        ("2027-03-15T09:00", "2027-03-29", None, None),  # annandag påsk
        ("2027-03-15T09:00", "2027-03-30", FULL_DAY, "+02:00"),
        # October 2027: DST ends Sunday 31 October.
        ("2027-10-18T09:00", "2027-10-29", FULL_DAY, "+02:00"),
        ("2027-10-18T09:00", "2027-11-01", FULL_DAY, "+01:00"),
        ("2027-10-18T09:00", "2027-11-05", MORNING + ["13:00"], "+01:00"),  # allhelgonaafton
        # De facto holidays and others.
        ("2027-06-14T09:00", "2027-06-25", None, None),  # midsommarafton
        ("2027-04-19T09:00", "2027-04-30", MORNING + ["13:00"], "+02:00"),  # valborgsmässoafton
        ("2027-12-13T09:00", "2027-12-24", None, None),  # julafton
        ("2027-12-13T09:00", "2027-12-31", None, None),  # nyårsafton
        ("2027-12-13T09:00", "2027-12-30", FULL_DAY, "+01:00"),
    ],
)
def test_calendar_edge_cases(client: FlaskClient, world: Any, clock: Clock, now: str, day: str,
                             expected: list[str] | None, offset: str | None) -> None:
    clock.set(datetime.fromisoformat(now).replace(tzinfo=STOCKHOLM))
    table = slot_table(client, day, day)
    assert table.get(day) == expected
    if offset is not None:
        assert offsets(client, day) == {offset}


def test_dst_week_slots_keep_their_wall_clock_time(client: FlaskClient, world: Any,
                                                   clock: Clock) -> None:
    clock.set(datetime(2027, 3, 15, 9, tzinfo=STOCKHOLM))
    table = slot_table(client, "2027-03-22", "2027-04-02")
    # Every open weekday either side of the change has the same wall-clock slots.
    assert table["2027-03-23"] == table["2027-03-31"] == FULL_DAY
    response = client.get("/api/v1/slots", query_string={
        "meeting_type": "bygglovsradgivning", "applicant_kind": "private",
        "from": "2027-03-31", "to": "2027-03-31"})
    assert response.json["slots"][4]["start"] == "2027-03-31T09:00:00+02:00"


def test_buffers_around_an_existing_booking(client: FlaskClient, world: Any) -> None:
    officer = world.private_officers[0]
    booked = client.post("/api/v1/bookings", json=booking_payload(officer_id=officer))
    assert booked.status_code == 201
    table = slot_table(client, "2027-03-03", "2027-03-03", officer=officer)
    # 10:00–10:45 plus 15 min after: nothing may end after 10:00 or start before 11:00.
    assert table["2027-03-03"] == MORNING[:5] + ["11:00"] + AFTERNOON


def test_buffer_before_must_fit_inside_the_hours(client: FlaskClient, factory: Any) -> None:
    meeting_type = factory.meeting_type(slug="fore", buffer_before_minutes=15,
                                        buffer_after_minutes=0)
    factory.officer(teams=[factory.team(meeting_types=[meeting_type])])
    table = slot_table(client, "2027-03-03", "2027-03-03", meeting_type="fore")
    assert table["2027-03-03"][0] == "08:15" and table["2027-03-03"][-1] == "15:15"
    assert "11:15" in table["2027-03-03"] and "11:30" not in table["2027-03-03"]


def test_step_different_from_duration(client: FlaskClient, factory: Any) -> None:
    meeting_type = factory.meeting_type(slug="timme", duration_minutes=60, slot_step_minutes=30,
                                        buffer_after_minutes=0)
    factory.officer(teams=[factory.team(meeting_types=[meeting_type])])
    table = slot_table(client, "2027-03-03", "2027-03-03", meeting_type="timme")
    assert table["2027-03-03"] == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00",
                                   "13:00", "13:30", "14:00", "14:30", "15:00"]


def test_notice_and_horizon_per_channel(client: FlaskClient, world: Any) -> None:
    # Now is Monday 1 March 2027 09:00; public notice 24 h, staff notice 0, horizon 60 days.
    public = slot_table(client, "2027-03-01", "2027-03-02")
    assert "2027-03-01" not in public
    assert public["2027-03-02"][0] == "09:00"
    staff = slot_table(client, "2027-03-01", "2027-03-01", headers=world.service_center)
    assert staff["2027-03-01"][0] == "09:00" and len(staff["2027-03-01"]) == 9 + 9
    horizon = slot_table(client, "2027-04-28", "2027-05-04")
    assert "2027-04-30" in horizon and "2027-05-03" not in horizon


def test_absences_block_time(client: FlaskClient, world: Any, factory: Any) -> None:
    officer = world.private_officers[0]
    factory.absence(officer_id=officer, start=datetime(2027, 3, 3, 10, 0, tzinfo=STOCKHOLM),
                    end=datetime(2027, 3, 3, 11, 30, tzinfo=STOCKHOLM))
    table = slot_table(client, "2027-03-03", "2027-03-04", officer=officer)
    assert table["2027-03-03"] == MORNING[:5] + AFTERNOON
    assert table["2027-03-04"] == FULL_DAY
    team = client.get("/api/v1/slots", query_string={
        "meeting_type": "bygglovsradgivning", "applicant_kind": "private",
        "from": "2027-03-03", "to": "2027-03-03"}).json["slots"]
    counts = {s["start"][11:16]: s["available_officers"] for s in team}
    assert counts["10:00"] == 2 and counts["08:00"] == 3


@pytest.mark.parametrize(("close_from", "expected"), [
    (None, None),
    (13 * 60, MORNING),
    (11 * 60, MORNING[:9]),
])
def test_closures(client: FlaskClient, world: Any, factory: Any, close_from: int | None,
                  expected: list[str] | None) -> None:
    from datetime import date

    factory.closure(day=date(2027, 3, 3), close_from_minute=close_from)
    table = slot_table(client, "2027-03-03", "2027-03-04")
    assert table.get("2027-03-03") == expected
    assert table["2027-03-04"] == FULL_DAY


def test_inactive_officers_offer_nothing(client: FlaskClient, factory: Any) -> None:
    meeting_type = factory.meeting_type()
    team = factory.team(meeting_types=[meeting_type])
    factory.officer(teams=[team], active=False)
    assert slot_table(client, "2027-03-03", "2027-03-05") == {}
