"""`BOOKING_METRICS_TOKEN`: /metrics behind a bearer token when set, open when unset."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking import create_app
from booking.config import config_from_env
from booking.extensions import db
from tests.api.helpers import assert_problem
from tests.conftest import Clock

TOKEN = "metrics-3f9c1a7e5b2d4c6e8a0b1c2d3e4f5a6b"
WRONG = "metrics-0000000000000000wrongwrongwrong0"


@contextmanager
def app_with_token(app: Flask, clock: Clock, token: str | None) -> Iterator[Flask]:
    """Another app on the suite's database, with this metrics token."""
    guarded = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret",
            "BOOKING_CLOCK": clock,
            "BOOKING_RATE_LIMIT": "off",
            "BOOKING_METRICS_TOKEN": token,
        }
    )
    try:
        yield guarded
    finally:
        with guarded.app_context():
            db.engine.dispose()


def bearer(token: str) -> dict[str, str]:
    """The header Prometheus sends with `authorization: {credentials: token}`."""
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response: Any) -> None:
    """A 401 problem document asking for a bearer token, and not echoing any token."""
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    text = response.get_data(as_text=True)
    assert TOKEN not in text and WRONG not in text


def assert_metrics(response: Any) -> None:
    """The Prometheus exposition."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "booking_http_requests_total" in response.get_data(as_text=True)


def test_without_a_token_metrics_stay_open(client: FlaskClient) -> None:
    assert_metrics(client.get("/metrics"))
    # A staff token, or any other header, changes nothing.
    assert_metrics(client.get("/metrics", headers=bearer(WRONG)))


@pytest.mark.parametrize("token", [None, ""])
def test_an_unset_or_empty_token_is_today_s_open_metrics(
    app: Flask, clock: Clock, token: str | None
) -> None:
    with app_with_token(app, clock, token) as guarded:
        assert_metrics(guarded.test_client().get("/metrics"))


def test_with_a_token_metrics_need_it(app: Flask, clock: Clock) -> None:
    with app_with_token(app, clock, TOKEN) as guarded:
        client = guarded.test_client()
        assert_refused(client.get("/metrics"))
        assert_refused(client.get("/metrics", headers=bearer(WRONG)))
        assert_refused(client.get("/metrics", headers=bearer(TOKEN[:-1])))
        assert_refused(client.get("/metrics", headers=bearer(TOKEN + "x")))
        assert_refused(client.get("/metrics", headers=bearer("")))
        assert_refused(client.get("/metrics", headers={"Authorization": TOKEN}))
        assert_refused(client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}))
        assert_refused(client.get(f"/metrics?token={TOKEN}"))
        assert_metrics(client.get("/metrics", headers=bearer(TOKEN)))
        # The scheme is case-insensitive (RFC 9110), as Prometheus and curl may spell it.
        assert_metrics(client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}))
        # Health and readiness stay open: orchestrators probe them without credentials.
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


def test_the_token_comes_from_the_environment() -> None:
    assert config_from_env({"BOOKING_METRICS_TOKEN": TOKEN})["BOOKING_METRICS_TOKEN"] == TOKEN
    assert "BOOKING_METRICS_TOKEN" not in config_from_env({"BOOKING_METRICS_TOKEN": ""})
    assert "BOOKING_METRICS_TOKEN" not in config_from_env({})


def test_no_token_reaches_the_logs(
    app: Flask, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with app_with_token(app, clock, TOKEN) as guarded:
        client = guarded.test_client()
        assert_refused(client.get("/metrics"))
        assert_refused(client.get("/metrics", headers=bearer(WRONG)))
        assert_metrics(client.get("/metrics", headers=bearer(TOKEN)))
    assert any(r.name == "booking.requests" for r in caplog.records), "nothing was logged"
    for record in caplog.records:
        # The message and every `extra` field (what the JSON log format writes out).
        logged = f"{record.getMessage()} {record.__dict__}"
        assert TOKEN not in logged and WRONG not in logged, record.name
    assert TOKEN not in caplog.text and WRONG not in caplog.text
