"""Request and response shapes of the outcome endpoints."""

from __future__ import annotations

from marshmallow import EXCLUDE, fields, validate

from booking.bookings.models import OUTCOMES
from booking.bookings.schemas import BookingSchema
from booking.fields import LocalDateTime, QueryId, Slug, StrictSchema, Text


class OutcomeSchema(StrictSchema):
    """What happened at the meeting, with an optional note."""

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = Text(max_length=2000, multiline=True, load_default=None, allow_none=True)


class AwaitingOutcomeQuerySchema(StrictSchema):
    """Filters of the list of bookings awaiting an outcome."""

    class Meta:
        unknown = EXCLUDE

    team = Slug(load_default=None)
    officer = QueryId(load_default=None)


class BookingOutcomeSchema(BookingSchema):
    """A booking with what happened at its meeting."""

    outcome = fields.String(allow_none=True)
    outcome_note = fields.String(allow_none=True)
    outcome_at = LocalDateTime(allow_none=True)
