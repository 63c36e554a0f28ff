"""Request and response schemas for the outbox."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, fields, validate

from booking.fields import QueryId, StrictSchema, Text
from booking.notifications.models import STATUSES


class NotificationQuerySchema(StrictSchema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    booking = Text(load_default=None, max_length=16)
    callback = QueryId(load_default=None)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class NotificationSchema(StrictSchema):
    id = fields.Integer()
    kind = fields.String()
    channel = fields.String()
    audience = fields.String()
    booking = fields.Method("_reference")
    booking_version = fields.Integer()
    callback = fields.Integer(attribute="callback_id", allow_none=True)
    recipient = fields.String()
    language = fields.String()
    minutes_before = fields.Integer(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    due_at = fields.AwareDateTime()
    next_attempt_at = fields.AwareDateTime()
    last_error = fields.String(allow_none=True)
    skip_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)

    def _reference(self, notification: Any) -> str | None:
        return notification.booking.reference if notification.booking is not None else None
