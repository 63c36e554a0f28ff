"""Domain exceptions and their RFC 9457 problem responses, in one place."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class ProblemError(Exception):
    """An error that becomes a problem document; subclasses set status, title and type."""

    status = 500
    title = "Internal Server Error"
    slug: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class BadRequest(ProblemError):
    """The request could not be read (e.g. malformed JSON)."""

    status, title = 400, "Bad Request"


class Unauthorized(ProblemError):
    """No or an invalid staff token."""

    status, title = 401, "Unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="booking"'})
        super().__init__(detail, **kw)


class Forbidden(ProblemError):
    """A valid token whose role may not do this."""

    status, title = 403, "Forbidden"


class NotFound(ProblemError):
    """Unknown object (also: wrong manage token, so existence is never revealed)."""

    status, title = 404, "Not Found"


class Conflict(ProblemError):
    """The state does not allow this (e.g. the slot is taken)."""

    status, title, slug = 409, "Conflict", "conflict"


class SlotUnavailable(Conflict):
    """The requested time is not (or no longer) free for the caller."""

    title, slug = "Slot unavailable", "slot-unavailable"


class ValidationProblem(ProblemError):
    """Well-formed input that breaks a rule; `errors` names the fields."""

    status, title, slug = 422, "Unprocessable Content", "validation"


class ServiceUnavailable(ProblemError):
    """Temporarily unable to answer (e.g. the database is busy): retry later."""

    status, title = 503, "Service Unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kw)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: Mapping[str, list[str]] | None = None,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Build an `application/problem+json` response."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = dict(errors)
    request_id = g.get("request_id") if g else None
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    # Messages may quote field names from the request (e.g. an unknown key); a lone surrogate
    # there cannot be encoded as UTF-8 and would break the response, so it becomes U+FFFD.
    text = _LONE_SURROGATE.sub("\ufffd", json.dumps(body, ensure_ascii=False))
    response = Response(text, status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn nested marshmallow/webargs messages into {"field.path": [message, ...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key)
            if name == "_schema":
                name = ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for sub_path, sub_messages in flatten_messages(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, Mapping):
                for sub_path, sub_messages in flatten_messages(item, prefix).items():
                    flat.setdefault(sub_path, []).extend(sub_messages)
            else:
                flat.setdefault(prefix or "body", []).append(str(item))
    else:
        flat.setdefault(prefix or "body", []).append(str(messages))
    return flat


def _webargs_errors(data: Mapping[str, Any]) -> dict[str, list[str]]:
    messages = data.get("messages") or {}
    errors: dict[str, list[str]] = {}
    for location, location_messages in messages.items():
        # The location (json, query, headers) is not part of the field path clients see,
        # except for errors about the whole body or query string.
        for path, msgs in flatten_messages(location_messages).items():
            key = path if path != "body" else ("body" if location == "json" else location)
            errors.setdefault(key, []).extend(msgs)
    return errors


def _is_lock_timeout(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else ""
    return "database is locked" in text or "lock timeout" in text or "deadlock" in text


def register_error_handlers(app: Flask) -> None:
    """Make every error, expected or not, a problem document."""

    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError) -> Response:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            errors=exc.errors,
            slug=exc.slug,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        data = getattr(exc, "data", None)
        if isinstance(data, Mapping) and "messages" in data:
            errors = _webargs_errors(data)
            if status == 400:
                return problem_response(
                    400, "Bad Request", "The request body is not valid JSON.", errors=errors
                )
            return problem_response(
                status,
                "Unprocessable Content",
                "The request has invalid fields.",
                errors=errors,
                slug="validation",
            )
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return problem_response(status, exc.name, exc.description, headers=headers)

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Response:
        if _is_lock_timeout(exc):
            return problem_response(
                503,
                "Service Unavailable",
                "The service is busy; retry shortly.",
                headers={"Retry-After": "1"},
            )
        log.error("database error (request %s): %s", g.get("request_id"), type(exc.orig).__name__)
        return problem_response(
            503,
            "Service Unavailable",
            "The database is not reachable.",
            headers={"Retry-After": "5"},
        )

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        log.info("integrity error (request %s): %s", g.get("request_id"), type(exc.orig).__name__)
        return problem_response(
            409, "Conflict", "The change conflicts with existing data.", slug="conflict"
        )

    @app.errorhandler(DataError)
    def _data(exc: DataError) -> Response:
        # The database refused a value (out of range, NUL in text, too long): the request's
        # fault, which validation should have caught; never a 500.
        log.warning("data error (request %s): %s", g.get("request_id"), type(exc.orig).__name__)
        return problem_response(
            400, "Bad Request", "A value in the request cannot be stored or looked up."
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Only the type and request id: an exception message may quote personal data.
        log.error(
            "unexpected %s (request %s)",
            type(exc).__name__,
            g.get("request_id"),
            exc_info=app.debug,
        )
        return problem_response(
            500,
            "Internal Server Error",
            "Something went wrong on our side; the request changed nothing.",
        )

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError) -> Response:
        if request.mimetype and "json" in request.mimetype:
            # json.loads gives up on a document nested deeper than the interpreter's limit.
            return problem_response(
                400,
                "Bad Request",
                "The request body is nested too deeply.",
                errors={"body": ["The JSON document is nested too deeply."]},
            )
        return _unexpected(exc)
