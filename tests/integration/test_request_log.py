"""Structured request logs: one JSON line per request, with no tokens and no personal data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.conftest import DEFAULT_NOW
from tests.factories import booking_payload
from tests.support.gunicorn import ROOT

IDENTITY_NUMBER = "19811218-9876"
SECRET = "s3cr3t-Token-Value"

# Runs in a fresh interpreter: the app configures logging from the environment, as in production.
_SCRIPT = """
import json, sys
from tests.support.wsgi import create_app

app = create_app()
client = app.test_client()
body = json.loads(sys.argv[1])
booked = client.post(
    "/api/v1/bookings?token=" + sys.argv[2], json=body, headers={"X-Request-Id": "req-log-1"}
)
manage = client.get(
    "/api/v1/bookings/" + booked.json["reference"] + "?token=" + sys.argv[2],
    headers={"X-Booking-Token": booked.json["manage_token"]},
)
print(json.dumps([booked.status_code, manage.status_code, booked.json["reference"]]))
"""


def _run(database_url: str, body: dict[str, Any]) -> tuple[list[Any], list[str]]:
    env = {
        **os.environ,
        "BOOKING_DATABASE_URL": database_url,
        "BOOKING_SECRET_KEY": "test-secret",
        "BOOKING_RATE_LIMIT": "off",
        "BOOKING_LOG_FORMAT": "json",
        "BOOKING_TEST_NOW": DEFAULT_NOW.isoformat(),
    }
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(body), SECRET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr.splitlines()


def test_one_json_line_per_request_without_tokens_or_identity_numbers(
    world: Any, database_url: str
) -> None:
    body = booking_payload(
        applicant={"kind": "company", "organisation_number": IDENTITY_NUMBER, "name": "Åsa Öberg"}
    )
    (booked, managed, reference), lines = _run(database_url, body)
    assert (booked, managed) == (201, 200)
    entries = [json.loads(line) for line in lines]  # every line is JSON
    requests = [e for e in entries if e["logger"] == "booking.requests"]
    assert [(e["method"], e["path"], e["status"]) for e in requests] == [
        ("POST", "/api/v1/bookings", 201),
        ("GET", "/api/v1/bookings/<string:reference>", 200),
    ]
    assert requests[0]["request_id"] == "req-log-1"
    assert requests[1]["request_id"] and requests[1]["request_id"] != "req-log-1"
    assert all(isinstance(e["duration_ms"], float) and e["duration_ms"] >= 0 for e in requests)
    captured = "\n".join(lines)
    for secret in (SECRET, IDENTITY_NUMBER, IDENTITY_NUMBER.replace("-", ""), reference):
        assert secret not in captured
    for personal in ("Åsa", "asa@example.org", "070-123", "+4670123"):
        assert personal not in captured
