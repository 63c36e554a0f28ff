"""Call-back attempts racing for one call-back: each is counted once, none after it closes."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import Flask
from sqlalchemy import text

from booking.extensions import db

THREADS = 8


def test_concurrent_unanswered_calls_close_it_exactly_once(app: Flask, world: Any) -> None:
    client = app.test_client()
    made = client.post(
        "/api/v1/callbacks",
        json={
            "applicant": {"kind": "private", "name": "Bo", "phone": "070-111 22 33"},
            "topic": "Garage",
        },
        headers=world.service_center,
    )
    assert made.status_code == 201, made.json
    path = f"/api/v1/callbacks/{made.json['id']}/attempts"
    gate = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def post() -> None:
        own = app.test_client()
        gate.wait()
        status = own.post(path, json={"outcome": "no_answer"}, headers=world.admin).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The default of three unanswered calls: three are recorded, the rest find it closed.
    assert Counter(statuses) == Counter({201: 3, 409: THREADS - 3})
    with app.app_context():
        attempts = db.session.execute(text("SELECT count(*) FROM callback_attempts")).scalar_one()
        status = db.session.execute(text("SELECT status FROM callbacks")).scalar_one()
    assert (attempts, status) == (3, "unreachable")
