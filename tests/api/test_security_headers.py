"""Security headers on every response, framing by an allow-list, HSTS, and CORS for the API."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking import create_app
from tests.conftest import Clock
from tests.support.apps import another_app

MUNICIPALITY = "https://www.sjodalen.se"
MAP_APP = "https://karta.sjodalen.se"
# Pages and API answers of every sort: a page, a page behind a manage token, the console,
# JSON, a problem document, an operations endpoint.
EVERY_KIND = (
    "/",
    "/boka",
    "/boka/hantera/ABCDEF?token=nope",
    "/staff/logga-in",
    "/api/v1/teams",
    "/api/v1/bookings/ABCDEF",
    "/healthz",
)


def configured_app(app: Flask, clock: Clock, **settings: Any) -> AbstractContextManager[Flask]:
    """Another app on the suite's database with these settings (no rate limits)."""
    return another_app(app, clock, **{"BOOKING_RATE_LIMIT": "off", **settings})


def _frame_ancestors(response: Any) -> str:
    policy = response.headers["Content-Security-Policy"]
    (directive,) = [d.strip() for d in policy.split(";") if "frame-ancestors" in d]
    return str(directive)


@pytest.mark.parametrize("path", EVERY_KIND)
def test_every_response_carries_the_headers_and_nothing_may_frame_it(
    client: FlaskClient, world: Any, path: str
) -> None:
    response = client.get(path)
    headers = response.headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert _frame_ancestors(response) == "frame-ancestors 'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Permissions-Policy" in headers and "Referrer-Policy" in headers
    # Served over plain HTTP with an http:// public URL: no HSTS (it would be ignored anyway).
    assert "Strict-Transport-Security" not in headers
    # CORS is off: not even the municipality's own origin is let in.
    from_elsewhere = client.get(path, headers={"Origin": MAP_APP})
    assert "Access-Control-Allow-Origin" not in from_elsewhere.headers


def test_the_allow_list_may_frame_the_public_pages_only(
    app: Flask, clock: Clock, world: Any
) -> None:
    allowed = f"{MUNICIPALITY} https://*.sjodalen.se"
    with configured_app(app, clock, BOOKING_FRAME_ANCESTORS=allowed) as framed:
        client = framed.test_client()
        for path in ("/", "/boka", "/boka?lang=en", "/tillganglighet"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert _frame_ancestors(response) == f"frame-ancestors {allowed}", path
            # DENY would win over the allow-list in browsers that know both.
            assert "X-Frame-Options" not in response.headers, path
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        # The console, a manage page (its URL holds a token) and the API stay unframeable.
        for path in ("/staff/logga-in", "/boka/hantera/ABCDEF?token=nope", "/api/v1/teams"):
            response = client.get(path)
            assert _frame_ancestors(response) == "frame-ancestors 'none'", path
            assert response.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize(
    "setting",
    ["*", "https://www.sjodalen.se/boka", "'unsafe-inline'", "https://a.se;script-src *", "a.se"],
)
def test_anything_but_origins_in_the_allow_lists_stops_the_app(
    app: Flask, clock: Clock, setting: str
) -> None:
    for name in ("BOOKING_FRAME_ANCESTORS", "BOOKING_CORS_ORIGINS"):
        with pytest.raises(RuntimeError, match=name):
            create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SECRET_KEY": "test-secret",
                    name: setting,
                }
            )


def test_hsts_when_the_public_url_is_https(app: Flask, clock: Clock, world: Any) -> None:
    with configured_app(app, clock, BOOKING_PUBLIC_URL="https://boka.sjodalen.se") as secure:
        client = secure.test_client()
        for path in ("/", "/api/v1/teams", "/api/v1/bookings/ABCDEF"):
            hsts = client.get(path).headers["Strict-Transport-Security"]
            assert hsts == "max-age=31536000; includeSubDomains"


def test_hsts_when_the_request_came_over_https(app: Flask, clock: Clock, world: Any) -> None:
    with configured_app(app, clock) as plain:
        client = plain.test_client()
        assert "Strict-Transport-Security" in client.get("/", base_url="https://booking.test").headers
        # X-Forwarded-Proto from a client that is not a trusted proxy changes nothing.
        spoofed = client.get("/", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in spoofed.headers
    with configured_app(app, clock, BOOKING_TRUSTED_PROXIES=1) as proxied:
        forwarded = proxied.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" in forwarded.headers


def test_cors_lets_the_allow_list_call_the_api_without_credentials(
    app: Flask, clock: Clock, world: Any
) -> None:
    with configured_app(app, clock, BOOKING_CORS_ORIGINS=f"{MAP_APP} {MUNICIPALITY}") as api:
        client = api.test_client()
        response = client.get("/api/v1/teams", headers={"Origin": MAP_APP})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == MAP_APP
        assert "Origin" in response.headers.get("Vary", "")
        assert "Access-Control-Allow-Credentials" not in response.headers
        exposed = response.headers["Access-Control-Expose-Headers"].lower()
        assert "retry-after" in exposed and "x-request-id" in exposed
        assert "x-pagination" in exposed

        # Another origin is not let in.
        stranger = client.get("/api/v1/teams", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in stranger.headers

        # The pages are never opened to other origins.
        page = client.get("/boka", headers={"Origin": MAP_APP})
        assert "Access-Control-Allow-Origin" not in page.headers


def test_cors_preflight_of_a_booking(app: Flask, clock: Clock, world: Any) -> None:
    with configured_app(app, clock, BOOKING_CORS_ORIGINS=MUNICIPALITY) as api:
        client = api.test_client()
        preflight = client.options(
            "/api/v1/bookings",
            headers={
                "Origin": MUNICIPALITY,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, idempotency-key",
            },
        )
        assert preflight.status_code == 200
        headers = preflight.headers
        assert headers["Access-Control-Allow-Origin"] == MUNICIPALITY
        assert "POST" in headers["Access-Control-Allow-Methods"]
        allowed = headers["Access-Control-Allow-Headers"].lower()
        assert "content-type" in allowed and "idempotency-key" in allowed
        assert "Access-Control-Allow-Credentials" not in headers
        assert int(headers["Access-Control-Max-Age"]) > 0

        refused = client.options(
            "/api/v1/bookings",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "Access-Control-Allow-Origin" not in refused.headers
