"""Per-client rate limits on the public endpoints: 429 problems, exemptions, Redis, proxies.

Each test builds its own app on the suite's database with small limits ("3/minute"), so a
handful of requests inside one window is enough: nothing sleeps. The session app runs with
`BOOKING_RATE_LIMIT=off`.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking import create_app
from tests.api.helpers import assert_problem
from tests.conftest import Clock
from tests.factories import booking_payload
from tests.support.apps import another_app

REDIS_URL = os.environ.get("BOOKING_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SLOTS = (
    "/api/v1/slots?meeting_type=bygglovsradgivning&applicant_kind=private"
    "&from=2027-03-03&to=2027-03-03"
)


def limited_app(app: Flask, clock: Clock, **settings: Any) -> AbstractContextManager[Flask]:
    """Another app on the suite's database, with these settings (limits on by default)."""
    limits = {"BOOKING_RATE_LIMIT": "3/minute", "BOOKING_SEARCH_RATE_LIMIT": "5/minute"}
    return another_app(app, clock, **{**limits, **settings})


def _invalid_booking(client: FlaskClient, **kw: Any) -> Any:
    # An empty body: answered 422 without touching the database, still counted.
    return client.post("/api/v1/bookings", json={}, **kw)


def assert_rate_limited(response: Any) -> int:
    """Assert a 429 problem document with a usable Retry-After; return its seconds."""
    body = assert_problem(response, 429)
    assert body["type"] == "/problems/rate-limited"
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 61
    return seconds


def test_a_client_over_the_write_limit_gets_a_429_problem_with_retry_after(
    app: Flask, clock: Clock, world: Any
) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        for _ in range(3):
            assert _invalid_booking(client).status_code == 422
        assert_rate_limited(_invalid_booking(client))
        # A valid booking is refused too: the limit is on the client, not on bad input.
        assert_rate_limited(client.post("/api/v1/bookings", json=booking_payload()))
        # Another address has its own budget.
        other = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
        assert _invalid_booking(client, **other).status_code == 422


def test_booking_cancelling_and_moving_share_one_budget(
    app: Flask, clock: Clock, world: Any
) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        created = client.post("/api/v1/bookings", json=booking_payload())
        assert created.status_code == 201, created.json
        reference = created.json["reference"]
        token = {"X-Booking-Token": created.json["manage_token"]}
        moved = client.post(
            f"/api/v1/bookings/{reference}/reschedule",
            json={"start": "2027-03-03T13:00:00+01:00"},
            headers=token,
        )
        assert moved.status_code == 200, moved.json
        assert client.post(f"/api/v1/bookings/{reference}/cancel", json={}, headers=token).json[
            "status"
        ] == "cancelled"
        assert_rate_limited(
            client.post(f"/api/v1/bookings/{reference}/cancel", json={}, headers=token)
        )
        # Reading is not a write: the manage GET still answers.
        assert client.get(f"/api/v1/bookings/{reference}", headers=token).status_code == 200


def test_staff_with_a_valid_token_are_exempt_and_a_wrong_token_is_not(
    app: Flask, clock: Clock, world: Any
) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        for _ in range(6):
            assert _invalid_booking(client, headers=world.service_center).status_code == 422
        for _ in range(8):
            assert client.get(SLOTS, headers=world.service_center).status_code == 200
        wrong = {"Authorization": "Bearer bk_not-a-token"}
        for _ in range(3):
            assert _invalid_booking(client, headers=wrong).status_code in (401, 422)
        assert_rate_limited(_invalid_booking(client, headers=wrong))


def test_slot_search_has_its_own_higher_budget(app: Flask, clock: Clock, world: Any) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        for _ in range(5):
            assert client.get(SLOTS).status_code == 200
        assert_rate_limited(client.get(SLOTS))
        # The week view of the booking pages searches slots too: same budget.
        week = client.get("/boka/tid")
        assert week.status_code == 429 and week.mimetype == "text/html"
        # Writes are counted apart from searches.
        assert _invalid_booking(client).status_code == 422


def test_a_page_post_over_the_limit_gets_an_error_page_with_retry_after(
    app: Flask, clock: Clock, world: Any
) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        for _ in range(3):
            # No CSRF token: refused (400), but counted before the form is even read.
            assert client.post("/boka", data={}).status_code == 400
        response = client.post("/boka?lang=en", data={})
        assert response.status_code == 429
        assert response.mimetype == "text/html"
        assert int(response.headers["Retry-After"]) >= 1
        html = response.get_data(as_text=True)
        assert "many requests from your connection" in html
        assert 'role="alert"' in html


def test_staff_sign_in_is_limited_against_guessing(app: Flask, clock: Clock, world: Any) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        for _ in range(3):
            guess = {"token": "bk_" + uuid.uuid4().hex}
            assert client.post("/staff/logga-in", data=guess).status_code == 400
        # A staff bearer token is no pass here: whoever signs in is not staff yet.
        blocked = client.post(
            "/staff/logga-in",
            data={"token": "bk_" + uuid.uuid4().hex},
            headers=world.service_center,
        )
        assert blocked.status_code == 429 and blocked.mimetype == "text/html"
        assert "Retry-After" in blocked.headers
        # The form itself can still be shown.
        assert client.get("/staff/logga-in").status_code == 200


def test_off_disables_every_limit(client: FlaskClient, world: Any) -> None:
    # The session app is configured with BOOKING_RATE_LIMIT=off.
    for _ in range(25):
        assert _invalid_booking(client).status_code == 422
    for _ in range(130):
        assert client.get(SLOTS).status_code == 200


def test_only_the_search_limit_can_be_switched_off(app: Flask, clock: Clock, world: Any) -> None:
    with limited_app(app, clock, BOOKING_SEARCH_RATE_LIMIT="off") as limited:
        client = limited.test_client()
        for _ in range(10):
            assert client.get(SLOTS).status_code == 200
        for _ in range(3):
            assert _invalid_booking(client).status_code == 422
        assert_rate_limited(_invalid_booking(client))


@pytest.mark.parametrize("setting", ["20 per fortnight", "lots"])
def test_a_malformed_limit_stops_the_app_at_start(app: Flask, clock: Clock, setting: str) -> None:
    with pytest.raises(RuntimeError, match="BOOKING_RATE_LIMIT"):
        create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "SECRET_KEY": "test-secret",
                "BOOKING_RATE_LIMIT": setting,
            }
        )


def test_addresses_of_one_ipv6_subscriber_share_a_budget(
    app: Flask, clock: Clock, world: Any
) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        for host in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"):
            environ = {"REMOTE_ADDR": host}
            assert _invalid_booking(client, environ_base=environ).status_code == 422
        same_64 = {"REMOTE_ADDR": "2001:db8:1:2::abcd"}
        assert_rate_limited(_invalid_booking(client, environ_base=same_64))
        other_64 = {"REMOTE_ADDR": "2001:db8:1:3::1"}
        assert _invalid_booking(client, environ_base=other_64).status_code == 422


def test_x_forwarded_for_is_ignored_without_trusted_proxies(
    app: Flask, clock: Clock, world: Any
) -> None:
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        # A client that invents a new address per request still has one budget.
        for n in range(3):
            spoofed = {"X-Forwarded-For": f"203.0.113.{n}"}
            assert _invalid_booking(client, headers=spoofed).status_code == 422
        assert_rate_limited(_invalid_booking(client, headers={"X-Forwarded-For": "203.0.113.99"}))


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_the_key(
    app: Flask, clock: Clock, world: Any
) -> None:
    with limited_app(app, clock, BOOKING_TRUSTED_PROXIES=1) as limited:
        client = limited.test_client()
        proxy = {"REMOTE_ADDR": "10.0.0.2"}

        def via_proxy(forwarded_for: str) -> Any:
            return _invalid_booking(
                client, environ_base=proxy, headers={"X-Forwarded-For": forwarded_for}
            )

        for _ in range(3):
            assert via_proxy("203.0.113.5").status_code == 422
        assert_rate_limited(via_proxy("203.0.113.5"))
        # Another client behind the same proxy is not punished for the first one.
        assert via_proxy("203.0.113.6").status_code == 422
        # What the client wrote itself (left of what our proxy appended) is not believed.
        assert_rate_limited(via_proxy("198.51.100.1, 203.0.113.5"))


def _redis_or_skip() -> Any:
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return connection


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test alone; its keys (and only those) are deleted afterwards."""
    connection = _redis_or_skip()
    prefix = f"booking-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield prefix
    finally:
        for key in connection.scan_iter(match=f"{prefix}*"):
            connection.delete(key)
        connection.close()


def test_two_instances_share_one_budget_through_redis(
    app: Flask, clock: Clock, world: Any, redis_prefix: str
) -> None:
    shared = {"BOOKING_REDIS_URL": REDIS_URL, "BOOKING_RATE_LIMIT_KEY_PREFIX": redis_prefix}
    with limited_app(app, clock, **shared) as first, limited_app(app, clock, **shared) as second:
        one, two = first.test_client(), second.test_client()
        assert _invalid_booking(one).status_code == 422
        assert _invalid_booking(two).status_code == 422
        assert _invalid_booking(one).status_code == 422
        assert_rate_limited(_invalid_booking(two))
        assert_rate_limited(_invalid_booking(one))
        # An instance with its own (memory) counters would have let these through.
        with limited_app(app, clock) as alone:
            assert _invalid_booking(alone.test_client()).status_code == 422


def test_an_unreachable_redis_falls_back_to_limits_in_memory(
    app: Flask, clock: Clock, world: Any
) -> None:
    # Port 1 refuses connections at once: requests must neither fail nor go unlimited.
    with limited_app(app, clock, BOOKING_REDIS_URL="redis://127.0.0.1:1/0") as limited:
        client = limited.test_client()
        for _ in range(3):
            assert _invalid_booking(client).status_code == 422
        assert_rate_limited(_invalid_booking(client))


class _FakeTime:
    """Stands in for the `time` module inside the limits library: a clock the test moves."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def test_no_burst_of_twice_the_limit_when_a_window_turns(
    app: Flask, clock: Clock, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import limits.storage.memory
    import limits.strategies

    import booking.ratelimits

    fake = _FakeTime(1_000_000.0)
    for module in (limits.storage.memory, limits.strategies, booking.ratelimits):
        monkeypatch.setattr(module, "time", fake)
    with limited_app(app, clock) as limited:
        client = limited.test_client()
        # One write, then two more 59 s later: the limit of three per minute is reached.
        assert _invalid_booking(client).status_code == 422
        fake.now += 59
        for _ in range(2):
            assert _invalid_booking(client).status_code == 422
        # Two seconds on, the first has left the last minute: one more, not three more (a
        # fixed window begun with the first write would start afresh here).
        fake.now += 2
        assert _invalid_booking(client).status_code == 422
        # The next waits until the two sent at 59 s are a minute old (rounded up a second).
        assert assert_rate_limited(_invalid_booking(client)) in (58, 59)
