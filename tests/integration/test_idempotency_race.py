"""Requests racing with one Idempotency-Key: one booking, the others replay it, never a 5xx."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import Flask
from sqlalchemy import text

from booking.extensions import db
from tests.factories import booking_payload


def test_concurrent_requests_with_one_idempotency_key_book_once(app: Flask, world: Any) -> None:
    gate = threading.Barrier(8)
    statuses: list[int] = []
    lock = threading.Lock()

    def post() -> None:
        client = app.test_client()
        gate.wait()
        response = client.post(
            "/api/v1/bookings", json=booking_payload(), headers={"Idempotency-Key": "same-key"}
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = Counter(statuses)
    # One booking; every other request replays it (200) or is told to retry (409), never a 5xx.
    assert counts[201] == 1 and counts[201] + counts[200] + counts[409] == 8, counts
    with app.app_context():
        total = db.session.execute(text("SELECT count(*) FROM bookings")).scalar_one()
    assert total == 1
