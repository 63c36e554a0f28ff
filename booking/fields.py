"""Marshmallow fields shared by the feature schemas: safe text, local times, HH:MM."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class StrictSchema(Schema):
    """A schema that rejects unknown fields (marshmallow's RAISE) and keeps field order."""

    class Meta:
        ordered = True


class Text(fields.String):
    """A string with a length limit that refuses NUL/control characters and lone surrogates.

    PostgreSQL cannot store NUL and UTF-8 cannot encode a lone surrogate: letting either through
    would turn bad input into a 500.
    """

    def __init__(
        self, *, max_length: int, min_length: int = 0, multiline: bool = False, **kwargs: Any
    ) -> None:
        self.multiline = multiline
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError("Contains characters that are not valid Unicode.") from exc
        if _FORBIDDEN_CONTROL.search(text) or (
            not self.multiline and ("\n" in text or "\r" in text)
        ):
            raise ValidationError("Contains control characters.")
        return text


class Slug(Text):
    """A lower-case identifier such as `bygglov-privat`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=63,
            min_length=1,
            validate=[
                validate.Regexp(SLUG_RE, error="Use lower-case letters, digits and hyphens.")
            ],
            **kwargs,
        )


def office_zone() -> ZoneInfo:
    """Return the office's zone (BOOKING_TIMEZONE) of the current app."""
    zone: ZoneInfo = current_app.extensions["booking_zone"]
    return zone


class LocalDateTime(fields.AwareDateTime):
    """Accepts RFC 3339 with any offset (no offset: rejected); emits office-local time."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | None:
        if value is None:
            return None
        return value.astimezone(office_zone()).isoformat()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError("Not a valid RFC 3339 date-time with offset.")
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        return parsed


class ClockTime(fields.Field):
    """A local wall-clock time "HH:MM" as minutes after midnight (24:00 allowed as an end)."""

    def _serialize(
        self, value: int | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | None:
        if value is None:
            return None
        return f"{value // 60:02d}:{value % 60:02d}"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        match = _HHMM.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValidationError('Not a valid time; use "HH:MM".')
        minutes = int(match.group(1)) * 60 + int(match.group(2))
        if minutes > 1440:
            raise ValidationError('Not a valid time; use "HH:MM".')
        return minutes
