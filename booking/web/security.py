"""CSRF protection and the security headers every page is sent with."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# The blueprints that render pages (the JSON API keeps its own headers and has no CSRF: it is
# called with a bearer token or a manage token, never with an ambient cookie).
PAGE_BLUEPRINTS = frozenset({"site", "public", "manage", "staff"})
# Pages whose URL carries a manage token: nothing may leak it onwards, nothing may cache it.
PRIVATE_BLUEPRINTS = frozenset({"manage", "staff"})

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


def init_security(app: Flask) -> None:
    """CSRF tokens on every page form; CSP and friends on every page response."""
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

    @app.after_request
    def _page_headers(response: Response) -> Response:
        # Harmless on JSON and calendar responses, and an unknown address rendered as a page
        # has no blueprint: so every response gets them.
        blueprint = request.blueprint
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if blueprint in PRIVATE_BLUEPRINTS:
            headers["Referrer-Policy"] = "no-referrer"
            headers["Cache-Control"] = "no-store"
        else:
            headers.setdefault("Referrer-Policy", "same-origin")
        return response


def protect_form() -> None:
    """Reject a POST without this session's CSRF token (400, rendered as a page)."""
    csrf.protect()
