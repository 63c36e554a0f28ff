"""Per-client rate limits on the public endpoints (Flask-Limiter), and their 429 problem.

Three budgets per client address, each shared by the endpoints in it, so that spreading
requests over several endpoints buys an abuser nothing:

- `search` (`BOOKING_SEARCH_RATE_LIMIT`): `GET /api/v1/slots` and the pages' week views;
- `public-write` (`BOOKING_RATE_LIMIT`): booking, cancelling and moving through the API and the
  public and manage pages' form posts;
- `staff-login` (`BOOKING_RATE_LIMIT`): the staff sign-in form (password guessing).

Staff calling the API with a valid bearer token are exempt. `BOOKING_RATE_LIMIT=off` disables
all three. The counters live in Redis when `BOOKING_REDIS_URL` is set (one budget across every
process and instance), else in the process's memory. The limiter is made per app, never at
import: Flask-Limiter keeps its storage and limits on the instance, and tests build many apps.

Every API operation given a limit here gets its 429 response (problem document, Retry-After) in
this app's `/openapi.json` in the same loop, so the document lists 429 exactly where a limit
applies in this configuration, and nowhere else.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_smorest.spec.plugins import FlaskPlugin
from limits import parse_many

from booking.auth.access import current_staff
from booking.errors import PROBLEM_MIMETYPE, Unauthorized, problem_response
from booking.extensions import ProblemSchema

log = logging.getLogger(__name__)

EXTENSION = "booking_limiter"
OFF = "off"

# (endpoint, methods) per budget; methods limit a route that also serves an unlimited method
# (e.g. GET /api/v1/bookings, the staff list, beside the public POST).
SEARCH_ENDPOINTS = {
    "availability.Slots": ("GET",),
    "public.choose_time": ("GET",),
    "manage.move": ("GET",),
}
WRITE_ENDPOINTS = {
    "bookings.Bookings": ("POST",),
    "bookings.BookingCancel": ("POST",),
    "bookings.BookingReschedule": ("POST",),
    "public.choose": ("POST",),
    "public.details": ("POST",),
    "manage.cancel": ("POST",),
    "manage.move_to": ("POST",),
}
LOGIN_ENDPOINTS = {"staff.login": ("POST",)}

# OpenAPI components of the 429 response (registered once per app's document).
RATE_LIMITED_RESPONSE = "RATE_LIMITED"
RETRY_AFTER_HEADER = "RETRY_AFTER"


def is_disabled(value: Any) -> bool:
    """Whether a limit setting switches its limit off."""
    return value is None or str(value).strip().lower() in (OFF, "")


def client_key() -> str:
    """The rate-limit key of this request: the client address (after ProxyFix), IPv6 per /64."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        # One IPv6 subscriber holds a whole /64 and can hop between its addresses at will.
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _is_staff() -> bool:
    if not request.headers.get("Authorization"):
        # Only a bearer token exempts: a console session (g.staff) is no pass for the public
        # forms, nor for guessing other tokens at the sign-in form.
        return False
    try:
        return current_staff(required=False) is not None
    except Unauthorized:
        # A wrong token is limited like any anonymous caller (the view then answers 401).
        return False


def _check_limit(name: str, value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise RuntimeError(
            f"{name} must be a limit such as 20/minute, or off, not {value!r}"
        ) from None
    return value


def init_rate_limits(app: Flask) -> Limiter | None:
    """Bind a limiter to this app's public endpoints (after the blueprints are registered)."""
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    config = app.config
    if is_disabled(config["BOOKING_RATE_LIMIT"]):
        return None
    write = _check_limit("BOOKING_RATE_LIMIT", str(config["BOOKING_RATE_LIMIT"]))
    search_setting = config["BOOKING_SEARCH_RATE_LIMIT"]
    search = None
    if not is_disabled(search_setting):
        search = _check_limit("BOOKING_SEARCH_RATE_LIMIT", str(search_setting))

    redis_url = config.get("BOOKING_REDIS_URL")
    limiter = Limiter(
        key_func=client_key,
        storage_uri=redis_url or "memory://",
        # A dead Redis must neither fail requests nor silently lift the limits: the limiter
        # falls back to per-process memory and retries Redis now and then.
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1} if redis_url else {},
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        key_prefix=str(config["BOOKING_RATE_LIMIT_KEY_PREFIX"]),
        # A moving window counts the last minute at every moment: a fixed one would let a
        # client send twice its limit across a window boundary.
        strategy="moving-window",
        headers_enabled=False,
    )
    limiter.init_app(app)
    # Flask-Limiter logs each breach with its key, a client's IP address: personal data, which
    # our logs never carry (ours names the endpoint only). Storage warnings still come through.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    app.extensions[EXTENSION] = limiter

    budgets: list[tuple[str, str | None, dict[str, tuple[str, ...]], bool]] = [
        ("search", search, SEARCH_ENDPOINTS, True),
        ("public-write", write, WRITE_ENDPOINTS, True),
        # Whoever signs in is not staff yet: no exemption here.
        ("staff-login", write, LOGIN_ENDPOINTS, False),
    ]
    spec = _api_spec(app)
    for scope, value, endpoints, staff_exempt in budgets:
        if value is None:
            continue
        for endpoint, methods in endpoints.items():
            decorate = limiter.shared_limit(
                value,
                scope=scope,
                methods=list(methods),
                exempt_when=_is_staff if staff_exempt else None,
            )
            view: Callable[..., Any] = app.view_functions[endpoint]
            app.view_functions[endpoint] = decorate(view)
            if spec is not None:
                _document_rate_limit(app, spec, endpoint, methods)
    return limiter


def _api_spec(app: Flask) -> APISpec | None:
    # flask-smorest's Api of this app; its document was made when the blueprints were registered.
    apis = app.extensions.get("flask-smorest", {}).get("apis", {})
    entry = apis.get("")
    return entry["ext_obj"].spec if entry is not None else None


def _register_rate_limit_components(spec: APISpec) -> None:
    if RATE_LIMITED_RESPONSE in spec.components.responses:
        return
    spec.components.header(
        RETRY_AFTER_HEADER,
        {
            "description": "Seconds until this client's budget is renewed.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        },
    )
    spec.components.response(
        RATE_LIMITED_RESPONSE,
        {
            "description": (
                "Too many requests from this client address (IPv6: its /64); wait Retry-After "
                "seconds. Staff calling with a valid bearer token are exempt."
            ),
            "headers": {"Retry-After": RETRY_AFTER_HEADER},
            # The same schema as every other error (booking/extensions.py).
            "content": {PROBLEM_MIMETYPE: {"schema": ProblemSchema}},
        },
    )


def _document_rate_limit(
    app: Flask, spec: APISpec, endpoint: str, methods: tuple[str, ...]
) -> None:
    # The operations are already in the document (blueprints register first, and the limit
    # must wrap the registered view); apispec has no public way to amend an operation, so the
    # 429 is added to the stored path item. Pages have no path item: they are not in the API.
    paths: dict[str, dict[str, Any]] = spec._paths
    for rule in app.url_map.iter_rules(endpoint):
        item = paths.get(FlaskPlugin.flaskpath2openapi(rule.rule))
        if item is None:
            continue
        for method in methods:
            operation = item.get(method.lower())
            if operation is None:
                continue
            _register_rate_limit_components(spec)
            operation.setdefault("responses", {})["429"] = {
                "$ref": f"#/components/responses/{RATE_LIMITED_RESPONSE}"
            }


def _too_many_requests(exc: RateLimitExceeded) -> Response:
    retry_after = 1
    limiter: Limiter | None = current_app.extensions.get(EXTENSION)
    current = limiter.current_limit if limiter is not None else None
    if current is not None:
        retry_after = max(1, math.ceil(current.reset_at - time.time()))
    log.info("rate limit %s reached on %s", exc.limit.limit, request.endpoint)
    return problem_response(
        429,
        "Too Many Requests",
        "Too many requests from this address; wait before trying again.",
        slug="rate-limited",
        headers={"Retry-After": str(retry_after)},
    )
