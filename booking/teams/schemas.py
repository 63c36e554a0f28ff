"""Request and response schemas for teams and meeting types."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from booking.fields import Email, Slug, StrictSchema, Text
from booking.teams.models import APPLICANT_KINDS, MODES

_kind = validate.OneOf(APPLICANT_KINDS)


class TeamCreateSchema(StrictSchema):
    slug = Slug(required=True)
    name = Text(required=True, min_length=1, max_length=200)
    applicant_kind = fields.String(required=True, validate=_kind)
    meeting_types = fields.List(Slug(), required=True, validate=validate.Length(max=50))
    email = Email(load_default=None, allow_none=True)
    # Omitted or null: BOOKING_CALLBACK_HOURS.
    callback_hours = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=80)
    )


class TeamSchema(StrictSchema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    applicant_kind = fields.String()
    meeting_types = fields.Method("_meeting_type_slugs")
    email = fields.String(allow_none=True)
    callback_hours = fields.Integer(allow_none=True)

    def _meeting_type_slugs(self, team: Any) -> list[str]:
        return [meeting_type.slug for meeting_type in team.meeting_types]


class TeamRefSchema(StrictSchema):
    slug = fields.String()
    name = fields.String()


def _bounded(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high)


class ReminderSchema(StrictSchema):
    channel = fields.String(required=True, validate=validate.OneOf(("email", "sms")))
    # Up to two weeks before; "24 h before" is an exact instant, whatever DST does meanwhile.
    minutes_before = fields.Integer(required=True, strict=True, validate=_bounded(5, 14 * 1440))


class MeetingTypeCreateSchema(StrictSchema):
    slug = Slug(required=True)
    name = Text(required=True, min_length=1, max_length=200)
    duration_minutes = fields.Integer(required=True, strict=True, validate=_bounded(5, 480))
    buffer_before_minutes = fields.Integer(load_default=0, strict=True, validate=_bounded(0, 240))
    buffer_after_minutes = fields.Integer(load_default=0, strict=True, validate=_bounded(0, 240))
    slot_step_minutes = fields.Integer(load_default=None, strict=True, validate=_bounded(5, 480))
    modes = fields.List(
        fields.String(validate=validate.OneOf(MODES)),
        required=True,
        validate=validate.Length(min=1, max=3),
    )
    min_notice_minutes = fields.Integer(
        load_default=1440, strict=True, validate=_bounded(0, 366 * 1440)
    )
    staff_min_notice_minutes = fields.Integer(
        load_default=0, strict=True, validate=_bounded(0, 366 * 1440)
    )
    horizon_days = fields.Integer(load_default=60, strict=True, validate=_bounded(1, 366))
    # Omitted or null: the service's default policy; [] turns reminders off.
    reminders = fields.List(
        fields.Nested(ReminderSchema), load_default=None, allow_none=True,
        validate=validate.Length(max=6),
    )

    @validates_schema
    def _no_repeats(self, data: dict[str, Any], **kwargs: Any) -> None:
        modes = data.get("modes") or []
        if len(set(modes)) != len(modes):
            raise ValidationError("Each mode may appear once.", field_name="modes")
        reminders = data.get("reminders") or []
        keys = [(r["channel"], r["minutes_before"]) for r in reminders]
        if len(set(keys)) != len(keys):
            raise ValidationError("Each reminder may appear once.", field_name="reminders")

    @post_load
    def _default_step(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("slot_step_minutes") is None:
            data["slot_step_minutes"] = data["duration_minutes"]
        return data


class MeetingTypeSchema(StrictSchema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    duration_minutes = fields.Integer()
    buffer_before_minutes = fields.Integer()
    buffer_after_minutes = fields.Integer()
    slot_step_minutes = fields.Integer()
    modes = fields.List(fields.String())
    min_notice_minutes = fields.Integer()
    staff_min_notice_minutes = fields.Integer()
    horizon_days = fields.Integer()
    reminders = fields.List(fields.Dict(), allow_none=True)
