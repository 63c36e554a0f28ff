"""CSRF protection, the security headers every response is sent with, and CORS for the API."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask, Response, request
from flask_cors import CORS
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# The blueprints that render pages (the JSON API keeps its own headers and has no CSRF: it is
# called with a bearer token or a manage token, never with an ambient cookie).
PAGE_BLUEPRINTS = frozenset({"site", "public", "manage", "staff", "survey"})
# Pages whose URL carries a manage token: nothing may leak it onwards, nothing may cache it.
PRIVATE_BLUEPRINTS = frozenset({"manage", "staff", "survey"})
# The pages the municipality's own site may frame (BOOKING_FRAME_ANCESTORS): the start page and
# the public booking steps. Never the console, and never a page whose URL holds a manage token.
EMBEDDABLE_BLUEPRINTS = frozenset({"site", "public"})
HSTS = "max-age=31536000; includeSubDomains"
# A source expression we can put in a header without it saying more than an origin:
# scheme://host[:port], the host possibly `*.`-prefixed (frame-ancestors only).
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")
_WILDCARD_ORIGIN = re.compile(r"^https?://\*\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")
# Browsers calling the API from another origin (BOOKING_CORS_ORIGINS) may send and read these.
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Booking-Token")
CORS_EXPOSED_HEADERS = ("Retry-After", "X-Request-Id", "ETag", "Location", "X-Pagination")

# Everything from this origin, nothing inline, nothing from anywhere else.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)


def parse_origins(name: str, value: str | None, *, wildcards: bool = False) -> tuple[str, ...]:
    """Split a space-separated origin allow-list; refuse (at start-up) anything but origins."""
    origins = tuple(str(value or "").split())
    for origin in origins:
        if _ORIGIN.fullmatch(origin) or (wildcards and _WILDCARD_ORIGIN.fullmatch(origin)):
            continue
        # Anything else ('*', a path, a quote or a semicolon) would widen the policy or
        # inject into the header.
        raise RuntimeError(
            f"{name} must list origins such as https://www.example.se, not {origin!r}"
        )
    return origins


def framed_policy(ancestors: tuple[str, ...]) -> str:
    """The content security policy of a page these origins may frame."""
    return CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {' '.join(ancestors)}"
    )


def init_security(app: Flask) -> None:
    """CSRF tokens on page forms; CSP, framing, HSTS and friends on every response; CORS."""
    # Checked explicitly by the page blueprints (protect_form), so the JSON API is unaffected.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A form left open over lunch still submits; the token is bound to the session anyway.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    # Flask fills in its own defaults for these before we run, so they are set, not defaulted.
    app.config["SESSION_COOKIE_NAME"] = "radgivning_session"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = str(app.config["BOOKING_PUBLIC_URL"]).startswith(
        "https://"
    )
    # A staff login lasts a working day; a public visitor's draft needs no more.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=10)
    csrf.init_app(app)
    ancestors = parse_origins(
        "BOOKING_FRAME_ANCESTORS", app.config.get("BOOKING_FRAME_ANCESTORS"), wildcards=True
    )
    embeddable_policy = framed_policy(ancestors) if ancestors else None
    public_https = str(app.config["BOOKING_PUBLIC_URL"]).startswith("https://")
    init_cors(app)

    @app.after_request
    def _page_headers(response: Response) -> Response:
        # Harmless on JSON and calendar responses, and an unknown address rendered as a page
        # has no blueprint: so every response gets them.
        blueprint = request.blueprint
        headers = response.headers
        if embeddable_policy is not None and blueprint in EMBEDDABLE_BLUEPRINTS:
            # X-Frame-Options cannot name origins (ALLOW-FROM is gone from browsers), and
            # DENY would override the allow-list: frame-ancestors alone decides here.
            headers.setdefault("Content-Security-Policy", embeddable_policy)
        else:
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            headers.setdefault("X-Frame-Options", "DENY")
        if public_https or request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if blueprint in PRIVATE_BLUEPRINTS:
            headers["Referrer-Policy"] = "no-referrer"
            headers["Cache-Control"] = "no-store"
        else:
            headers.setdefault("Referrer-Policy", "same-origin")
        return response


def init_cors(app: Flask) -> None:
    """Let the BOOKING_CORS_ORIGINS allow-list call /api/v1 from browsers (off when unset)."""
    origins = parse_origins("BOOKING_CORS_ORIGINS", app.config.get("BOOKING_CORS_ORIGINS"))
    if not origins:
        return
    CORS(
        app,
        resources={r"/api/v1/*": {"origins": list(origins)}},
        # Staff authenticate with a bearer token, applicants with a manage token: no cookie
        # or HTTP auth is ever needed across origins, so none is allowed.
        supports_credentials=False,
        allow_headers=list(CORS_REQUEST_HEADERS),
        expose_headers=list(CORS_EXPOSED_HEADERS),
        methods=["GET", "POST", "PUT", "DELETE"],
        max_age=600,
    )


def protect_form() -> None:
    """Reject a POST without this session's CSRF token (400, rendered as a page)."""
    csrf.protect()
