"""No double booking, ever: threads and processes racing for the same officer and time."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from booking.db import write_intent
from booking.extensions import db
from tests.conftest import Clock
from tests.factories import booking_payload
from tests.integration.booking_worker import book_in_threads

THREADS = 30


def _race(app: Flask, bodies: list[dict[str, Any]]) -> Counter[int]:
    """Post every body from its own thread, all released at once; count the statuses."""
    gate = threading.Barrier(len(bodies))
    statuses: list[int] = []
    lock = threading.Lock()

    def post(body: dict[str, Any]) -> None:
        client = app.test_client()
        gate.wait()
        status = client.post("/api/v1/bookings", json=body).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def _bodies(count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [booking_payload(applicant={"email": f"a{i}@example.org"}, **overrides)
            for i in range(count)]


def _overlapping_pairs(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(text(
            "SELECT count(*) FROM bookings a JOIN bookings b ON a.officer_id = b.officer_id "
            "AND a.id < b.id AND a.status = 'confirmed' AND b.status = 'confirmed' "
            "AND a.busy_start_at < b.busy_end_at AND b.busy_start_at < a.busy_end_at"
        )).scalar_one())


def _confirmed(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(
            text("SELECT count(*) FROM bookings WHERE status = 'confirmed'")).scalar_one())


def test_thirty_threads_one_officer_one_start(app: Flask, world: Any) -> None:
    officer = world.private_officers[0]
    statuses = _race(app, _bodies(THREADS, officer_id=officer))
    assert statuses == Counter({201: 1, 409: THREADS - 1})
    assert _confirmed(app) == 1
    assert _overlapping_pairs(app) == 0


def test_thirty_threads_any_officer_of_a_team_of_three(app: Flask, world: Any) -> None:
    statuses = _race(app, _bodies(THREADS))
    assert statuses == Counter({201: 3, 409: THREADS - 3})
    with app.app_context():
        officers = db.session.execute(text("SELECT officer_id FROM bookings")).scalars().all()
    assert sorted(officers) == sorted(world.private_officers)


def test_overlapping_but_not_equal_times_race(app: Flask, world: Any) -> None:
    # 10:00 and 10:15 (+15 min buffer) overlap: whichever wins, the other must lose.
    officer = world.private_officers[0]
    bodies = _bodies(THREADS // 2, officer_id=officer) + _bodies(
        THREADS // 2, officer_id=officer, start="2027-03-03T10:15:00+01:00")
    statuses = _race(app, bodies)
    assert statuses == Counter({201: 1, 409: THREADS - 1})
    assert _overlapping_pairs(app) == 0


def test_two_processes_with_threads(app: Flask, world: Any, clock: Clock) -> None:
    context = multiprocessing.get_context("spawn")
    gate = context.Barrier(2)
    results = context.Queue()
    bodies = _bodies(THREADS // 2, officer_id=world.private_officers[0])
    processes = [
        context.Process(target=book_in_threads, args=(
            app.config["SQLALCHEMY_DATABASE_URI"], clock(), bodies, gate, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    statuses: Counter[int] = Counter()
    for _ in processes:
        statuses.update(results.get(timeout=120))
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert statuses == Counter({201: 1, 409: THREADS - 1})
    assert _overlapping_pairs(app) == 0


@pytest.mark.parametrize(
    ("second_start", "expected"),
    [
        ("2027-03-03T10:15:00+01:00", 409),  # 10:00–10:45 against 10:15–11:00
        ("2027-03-03T09:30:00+01:00", 409),  # 09:30–10:15 against 10:00–10:45
        ("2027-03-03T10:45:00+01:00", 201),  # adjacent after
        ("2027-03-03T09:15:00+01:00", 201),  # adjacent before
    ],
)
def test_overlap_rule_without_buffers(
    client: Any, factory: Any, second_start: str, expected: int
) -> None:
    meeting_type = factory.meeting_type(slug="kort", buffer_after_minutes=0)
    team = factory.team(meeting_types=[meeting_type])
    officer = factory.officer(teams=[team])
    first = client.post("/api/v1/bookings", json=booking_payload(meeting_type="kort",
                                                                 officer_id=officer))
    assert first.status_code == 201, first.json
    second = client.post("/api/v1/bookings", json=booking_payload(
        meeting_type="kort", officer_id=officer, start=second_start,
        applicant={"email": "b@example.org"}))
    assert second.status_code == expected, second.json


def test_the_database_refuses_overlaps_behind_the_service(app: Flask, world: Any) -> None:
    """The exclusion constraint (PostgreSQL) / trigger (SQLite) is the last line of defence."""
    client = app.test_client()
    booked = client.post("/api/v1/bookings", json=booking_payload(
        officer_id=world.private_officers[0])).json
    with app.app_context(), write_intent():
        columns = (
            "reference, meeting_type_id, team_id, officer_id, start_at, end_at, busy_start_at, "
            "busy_end_at, mode, status, applicant_kind, applicant_name, language, channel, "
            "manage_token_hash, team_reason, officer_reason, officer_requested, sequence, "
            "created_at, updated_at"
        )
        copy = (
            "'COPY-0001', meeting_type_id, team_id, officer_id, start_at, end_at, busy_start_at, "
            "busy_end_at, mode, status, applicant_kind, applicant_name, language, channel, "
            "manage_token_hash, team_reason, officer_reason, officer_requested, sequence, "
            "created_at, updated_at"
        )
        with pytest.raises(IntegrityError):
            db.session.execute(text(
                f"INSERT INTO bookings ({columns}) SELECT {copy} FROM bookings "
                "WHERE reference = :reference"), {"reference": booked["reference"]})
            db.session.flush()
        db.session.rollback()
    assert _confirmed(app) == 1


def test_a_constraint_violation_is_a_409_not_a_500(
    app: Flask, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    officer = world.private_officers[0]
    assert client.post("/api/v1/bookings",
                       json=booking_payload(officer_id=officer)).status_code == 201
    # Pretend the service's own check was fooled: the database must still refuse.
    from booking.bookings import service

    monkeypatch.setattr(service, "free_officers_at", lambda **kwargs: [officer])
    response = client.post("/api/v1/bookings", json=booking_payload(
        officer_id=officer, applicant={"email": "b@example.org"}))
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert _confirmed(app) == 1
