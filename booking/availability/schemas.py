"""Schemas for slot search and office closures."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from booking.fields import ClockTime, LocalDate, LocalDateTime, QueryId, Slug, StrictSchema, Text
from booking.teams.models import APPLICANT_KINDS, MODES


class SlotQuerySchema(StrictSchema):
    class Meta:
        # Query strings collect cache-busters and tracking parameters; ignore what we don't know.
        unknown = EXCLUDE

    meeting_type = Slug(required=True)
    applicant_kind = fields.String(required=True, validate=validate.OneOf(APPLICANT_KINDS))
    from_ = LocalDate(required=True, data_key="from")
    to = LocalDate(required=True)
    mode = fields.String(load_default=None, validate=validate.OneOf(MODES))
    officer = QueryId(load_default=None)

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first is None or last is None:
            return
        if last < first:
            raise ValidationError("Must not be before 'from'.", field_name="to")
        limit = current_app.config["BOOKING_MAX_SLOT_DAYS"]
        if (last - first).days + 1 > limit:
            raise ValidationError(f"At most {limit} days per request.", field_name="to")


class SlotSchema(StrictSchema):
    start = LocalDateTime()
    end = LocalDateTime()
    available_officers = fields.Integer()


class SlotTeamSchema(StrictSchema):
    slug = fields.String()
    name = fields.String()


class SlotsResponseSchema(StrictSchema):
    team = fields.Nested(SlotTeamSchema)
    slots = fields.List(fields.Nested(SlotSchema))


class ClosureCreateSchema(StrictSchema):
    date = LocalDate(required=True)
    reason = Text(required=True, min_length=1, max_length=500)
    close_from = ClockTime(load_default=None, allow_none=True)

    @validates_schema
    def _close_from(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("close_from") is not None and data["close_from"] >= 1440:
            raise ValidationError("Must be before 24:00.", field_name="close_from")


class ClosureSchema(StrictSchema):
    id = fields.Integer()
    date = fields.Date(attribute="day")
    reason = fields.String()
    close_from = ClockTime(attribute="close_from_minute", allow_none=True)
    created_at = LocalDateTime()
