"""Request and response schemas for the audit log and the staff-token admin endpoints."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from booking.fields import LocalDate, LocalDateTime, StrictSchema, Text

MAX_LIMIT = 1000
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OBJECT = re.compile(r"^[a-z_]{1,32}(:[A-Za-z0-9._-]{1,64})?$")
_ACTION = re.compile(r"^[a-z_]{1,32}(\.[a-z_]{1,32})?$")


class DateOrInstant(fields.String):
    """A local date "YYYY-MM-DD" (the whole day) or an RFC 3339 instant with its offset."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and _DATE_ONLY.match(value):
            parsed_day: date = LocalDate()._deserialize(value, attr, data, **kwargs)
            return parsed_day
        parsed: datetime = LocalDateTime()._deserialize(value, attr, data, **kwargs)
        return parsed


class AuditQuerySchema(StrictSchema):
    class Meta:
        unknown = EXCLUDE

    from_ = DateOrInstant(
        load_default=None,
        data_key="from",
        metadata={"description": "A local date (from its start) or an RFC 3339 instant."},
    )
    to = DateOrInstant(
        load_default=None,
        metadata={"description": "A local date (that day included) or an instant (excluded)."},
    )
    actor = Text(
        load_default=None,
        max_length=200,
        metadata={"description": "staff|applicant|system, a token id (7 or token:7), or a name."},
    )
    object = Text(
        load_default=None,
        max_length=100,
        validate=[validate.Regexp(_OBJECT, error='Use "type" or "type:id", e.g. booking:K7QM4XPR')],
        metadata={"description": 'An object type or "type:id", e.g. "booking:K7QM-4XPR".'},
    )
    action = Text(
        load_default=None,
        max_length=65,
        validate=[validate.Regexp(_ACTION, error='Use an action such as "booking.cancel".')],
    )
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=MAX_LIMIT))

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        # Compared only when both are of one kind; mixed kinds are resolved by the view.
        if first is not None and last is not None and type(first) is type(last) and last < first:
            raise ValidationError("Must not be before 'from'.", field_name="to")


class AuditEntrySchema(StrictSchema):
    id = fields.Integer()
    at = LocalDateTime()
    actor = fields.Method("_actor")
    client_address = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    details = fields.Dict(allow_none=True)

    def _actor(self, entry: Any) -> dict[str, Any]:
        return {
            "kind": entry.actor_kind,
            "token_id": entry.actor_token_id,
            "name": entry.actor_name,
            "role": entry.actor_role,
        }


class StaffTokenSchema(StrictSchema):
    """A staff token as admins see it: never the token or its hash."""

    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    officer_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    last_used_at = LocalDateTime(allow_none=True)
    revoked_at = LocalDateTime(allow_none=True)
    active = fields.Boolean(attribute="is_active")
