"""Marshmallow fields shared by the feature schemas: safe text, local times, HH:MM."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
# C0 and C1 control characters (tab, LF and CR are judged separately).
_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Line breaks other than LF/CR: refused in single-line text as well.
_OTHER_LINE_BREAKS = re.compile(r"[\u2028\u2029]")
# ASCII digits only: Python's \d would also take e.g. Arabic-Indic digits.
_HHMM = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])\Z")
_RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# Dates and instants outside these years are refused: they are certainly mistakes, and at the
# edges of Python's range converting between zones would overflow.
MIN_YEAR, MAX_YEAR = 1970, 2999
MAX_ID = 2**31 - 1


class StrictSchema(Schema):
    """A schema that rejects unknown fields (marshmallow's RAISE) and keeps field order."""

    class Meta:
        ordered = True


class Text(fields.String):
    """A string with a length limit that refuses NUL, C0/C1 controls and lone surrogates.

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
        if not self.multiline and _OTHER_LINE_BREAKS.search(text):
            raise ValidationError("Contains control characters.")
        return text


class Email(Text):
    """An e-mail address: safe text (so no control characters) that validates as an address.

    Addresses must have a dotted domain: `user@localhost` cannot receive the confirmation.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {"format": "email"})
        super().__init__(
            max_length=254,
            min_length=1,
            validate=[validate.Email(), _dotted_domain],
            **kwargs,
        )


def _dotted_domain(value: str) -> None:
    local, at, domain = value.rpartition("@")
    if local and at and "." not in domain.strip("."):
        raise ValidationError("Not a valid email address.")


class StrictBoolean(fields.Boolean):
    """A JSON `true` or `false`; strings and numbers ("yes", 1) are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


class Id(fields.Integer):
    """A database id in a JSON body: a JSON integer from 1 to 2**31 - 1 (no strings, no floats)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class QueryId(fields.Integer):
    """A database id in a query string: ASCII digits only, from 1 to 2**31 - 1."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise self.make_error("invalid")
        if isinstance(value, str) and len(value) > 20:
            raise ValidationError(f"Must be at most {MAX_ID}.")
        return super()._deserialize(value, attr, data, **kwargs)


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
        match = _RFC3339.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValidationError("Not a valid RFC 3339 date-time with offset.")
        if match.group("offset") is None:
            raise ValidationError("A time zone offset is required (RFC 3339).")
        # RFC 3339 allows a lower-case "t" and "z"; Python's parser wants them upper-case.
        parsed: datetime = super()._deserialize(value.upper(), attr, data, **kwargs)
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise ValidationError(f"Must be between the years {MIN_YEAR} and {MAX_YEAR}.")
        return parsed


class LocalDate(fields.Date):
    """A calendar date "YYYY-MM-DD" (no other ISO 8601 spellings) in a sane range of years."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or _ISO_DATE.match(value) is None:
            raise ValidationError('Not a valid date; use "YYYY-MM-DD".')
        parsed: date = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise ValidationError(f"Must be between the years {MIN_YEAR} and {MAX_YEAR}.")
        return parsed


class DateRangeQuerySchema(StrictSchema):
    """Query `from` and `to`: local dates, both included, `to` at most MAX_DAYS after `from`."""

    MAX_DAYS = 400

    class Meta:
        unknown = EXCLUDE

    from_ = LocalDate(required=True, data_key="from")
    to = LocalDate(required=True)

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first and last and last < first:
            raise ValidationError("Must not be before 'from'.", field_name="to")
        if first and last and (last - first).days >= self.MAX_DAYS:
            raise ValidationError(f"At most {self.MAX_DAYS} days after 'from'.", field_name="to")


class ClockTime(fields.Field):
    """A local wall-clock time "HH:MM" as minutes after midnight (24:00 allowed as an end)."""

    def __init__(self, **kwargs: Any) -> None:
        # Documented in the OpenAPI document as the string it is on the wire.
        pattern = _HHMM.pattern.replace("\\Z", "$")
        kwargs.setdefault("metadata", {"type": "string", "pattern": pattern, "example": "08:00"})
        super().__init__(**kwargs)

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
