"""A separate process that books concurrently against the same database (spawned by tests)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any


def book_in_threads(database_url: str, now: datetime, bodies: list[dict[str, Any]],
                    start_gate: Any, results: Any) -> None:
    """Build an app on `database_url`, then post each body from its own thread at the gate."""
    from booking import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "BOOKING_CLOCK": _Fixed(now),
        "BOOKING_RATE_LIMIT": "off",
    })
    statuses: list[int] = []
    lock = threading.Lock()
    local_gate = threading.Barrier(len(bodies))

    def post(body: dict[str, Any]) -> None:
        client = app.test_client()
        local_gate.wait()
        response = client.post("/api/v1/bookings", json=body)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    start_gate.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(statuses)


class _Fixed:
    def __init__(self, value: datetime) -> None:
        self.value = value

    def __call__(self) -> datetime:
        return self.value
