"""Request and response schemas for the calendar feeds and the officers' calendar sources."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from booking.calendar.models import SOURCE_KINDS
from booking.fields import LocalDateTime, StrictSchema, Text

URL_SCHEMES = ("http", "https", "webcal", "webcals")


class FeedQuerySchema(StrictSchema):
    """`?token=…` of a feed URL; calendar clients may add parameters of their own."""

    class Meta:
        unknown = EXCLUDE

    # Checked by the service, which answers 404 for a missing, malformed or wrong token alike.
    token = fields.String(load_default=None, metadata={"description": "The feed's secret token"})


class FeedTokenSchema(StrictSchema):
    """A new feed token, shown once, and the feed URL that carries it."""

    token = fields.String(metadata={"description": "Shown once; only its hash is stored"})
    url = fields.String(metadata={"description": "The feed's address, token included"})


def _http_url(value: str) -> None:
    """An absolute http(s) (or webcal) URL with a host, without blanks."""
    if value != value.strip() or any(c.isspace() for c in value):
        raise ValidationError("Must not contain blanks.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ValidationError("Not a valid URL.") from exc
    if parts.scheme.lower() not in URL_SCHEMES:
        raise ValidationError("Must be an http:// or https:// address.")
    if not parts.hostname:
        raise ValidationError("Must name a host.")


class CalendarSourceCreateSchema(StrictSchema):
    """An officer's own calendar: an ICS address or a CalDAV calendar collection."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(SOURCE_KINDS),
        metadata={"description": "ics: a published calendar address; caldav: a CalDAV calendar"},
    )
    url = Text(
        required=True,
        min_length=1,
        max_length=2000,
        validate=[_http_url],
        metadata={
            "description": "http(s) address (webcal:// is read as https://). For caldav, the "
            "calendar collection's address. User info in it (https://user:pass@host/…) is "
            "taken as the credentials and removed from the stored address."
        },
    )
    username = Text(load_default=None, allow_none=True, min_length=1, max_length=254)
    password = Text(
        load_default=None,
        allow_none=True,
        min_length=1,
        max_length=1000,
        load_only=True,
        metadata={"description": "CalDAV only; stored encrypted, never shown"},
    )

    @validates_schema
    def _credentials(self, data: dict[str, Any], **kwargs: Any) -> None:
        kind, url = data.get("kind"), data.get("url")
        username, password = data.get("username"), data.get("password")
        errors: dict[str, list[str]] = {}
        if kind == "ics":
            for name, value in (("username", username), ("password", password)):
                if value is not None:
                    errors[name] = [
                        "Only a CalDAV source takes a user and password; an ICS address that "
                        "needs them carries them in the URL."
                    ]
        elif kind == "caldav":
            if password is not None and username is None:
                errors["username"] = ["A password needs a user."]
            if username is not None and password is None:
                errors["password"] = ["A user needs a password."]
            if url is not None:
                parts = urlsplit(url)
                if parts.scheme.lower() in ("webcal", "webcals"):
                    errors["url"] = ["A CalDAV calendar has an http(s) address."]
                elif parts.username is not None and username is not None:
                    errors["url"] = ["Give the user either in the URL or as username, not both."]
        if errors:
            raise ValidationError(errors)


class CalendarSourceSchema(StrictSchema):
    """An officer's calendar source and how its imports went; never the password."""

    officer_id = fields.Integer()
    kind = fields.String()
    url = fields.String(metadata={"description": "The address, without user info"})
    username = fields.String(allow_none=True)
    has_password = fields.Method("_has_password", metadata={"type": "boolean"})
    status = fields.Method(
        "_status",
        metadata={
            "type": "string",
            "enum": ["pending", "ok", "failing"],
            "description": "pending: not imported yet; failing: the last attempt failed and "
            "the last good busy time is kept",
        },
    )
    writes_bookings = fields.Method(
        "_writes_bookings",
        metadata={"type": "boolean", "description": "Bookings are written into the calendar"},
    )
    events_imported = fields.Integer(
        metadata={"description": "Busy occurrences in the last successful import"}
    )
    last_attempt_at = LocalDateTime(allow_none=True)
    last_success_at = LocalDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()

    def _has_password(self, source: Any) -> bool:
        return source.password_ciphertext is not None

    def _status(self, source: Any) -> str:
        if source.last_attempt_at is None:
            return "pending"
        return "failing" if source.last_error is not None else "ok"

    def _writes_bookings(self, source: Any) -> bool:
        return bool(source.kind == "caldav")
