"""Request and response schemas for officers, weekly hours and absences."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from booking.fields import ClockTime, Email, LocalDateTime, Slug, StrictBoolean, StrictSchema, Text


class OfficerCreateSchema(StrictSchema):
    name = Text(required=True, min_length=1, max_length=200)
    email = Email(required=True)
    phone = Text(load_default=None, allow_none=True, max_length=40)
    teams = fields.List(Slug(), required=True, validate=validate.Length(min=1, max=20))
    active = StrictBoolean(load_default=True)


class OfficerSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    teams = fields.Method("_team_slugs")

    def _team_slugs(self, officer: Any) -> list[str]:
        return [team.slug for team in officer.teams]


class OfficerRefSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()


class WeeklyHoursSchema(StrictSchema):
    weekday = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=6))
    start = ClockTime(required=True, attribute="start_minute", data_key="start")
    end = ClockTime(required=True, attribute="end_minute", data_key="end")

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("start_minute"), data.get("end_minute")
        if start is not None and end is not None and start >= end:
            raise ValidationError("Must be after start.", field_name="end")
        if start == 1440:
            raise ValidationError("A day's hours start before 24:00.", field_name="start")


class AbsenceCreateSchema(StrictSchema):
    start = LocalDateTime(required=True)
    end = LocalDateTime(required=True)
    reason = Text(load_default=None, allow_none=True, max_length=500)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None:
            if start >= end:
                raise ValidationError("Must be after start.", field_name="end")
            if (end - start).days > 400:
                raise ValidationError("An absence may last at most 400 days.", field_name="end")


class AbsenceSchema(StrictSchema):
    id = fields.Integer()
    officer_id = fields.Integer()
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    reason = fields.String(allow_none=True)
