"""Request and response schemas for data subject requests."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, validates_schema

from booking.bookings.schemas import BookingStaffSchema
from booking.callbacks.schemas import CallbackSchema
from booking.fields import Email, LocalDateTime, StrictSchema, Text
from booking.notifications.schemas import NotificationSchema

_ONE_OF = "Give exactly one of 'email' and 'phone'."


class ApplicantIdentifierSchema(StrictSchema):
    """Exactly one of `email` and `phone` (normalised to E.164 by the service)."""

    email = Email(load_default=None, allow_none=True)
    phone = Text(load_default=None, allow_none=True, min_length=1, max_length=40)

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("email") is None) == (data.get("phone") is None):
            raise ValidationError({"email": [_ONE_OF], "phone": [_ONE_OF]})


class ApplicantQuerySchema(ApplicantIdentifierSchema):
    class Meta:
        unknown = EXCLUDE


class MessageExportSchema(NotificationSchema):
    """An outbox row as the person may see it: the copy kept has the manage token replaced."""

    subject = fields.String(allow_none=True)
    body = fields.String(allow_none=True)


class ApplicantExportSchema(StrictSchema):
    exported_at = LocalDateTime()
    identifier = fields.Dict(keys=fields.String(), values=fields.String())
    bookings = fields.List(fields.Nested(BookingStaffSchema))
    callbacks = fields.List(fields.Nested(CallbackSchema))
    messages = fields.List(fields.Nested(MessageExportSchema))


class ErasureSchema(StrictSchema):
    bookings = fields.Integer(metadata={"description": "bookings anonymised"})
    cancelled = fields.Integer(
        metadata={"description": "of those, meetings still to come, cancelled first"}
    )
    callbacks = fields.Integer(metadata={"description": "call-backs anonymised"})
    callbacks_closed = fields.Integer(
        metadata={"description": "of those, still waiting: closed unreachable"}
    )
    callback_attempts = fields.Integer(metadata={"description": "attempts whose note was cleared"})
    messages = fields.Integer(metadata={"description": "outbox rows cleared"})
    audit_addresses = fields.Integer(
        metadata={"description": "audit rows of the person's own actions whose address was cleared"}
    )
