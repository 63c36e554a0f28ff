"""Request and response schemas for call-backs."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, post_dump, validate, validates_schema

from booking.audit.service import record_pin_reads
from booking.callbacks.models import OUTCOMES, STATUSES
from booking.fields import (
    DateRangeQuerySchema,
    Id,
    LocalDate,
    LocalDateTime,
    QueryId,
    Slug,
    StrictSchema,
    Text,
)
from booking.privacy.identity_numbers import revealed_identity_number
from booking.teams.models import APPLICANT_KINDS

LANGUAGES = ("sv", "en")


class CallbackApplicantSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(APPLICANT_KINDS))
    name = Text(required=True, min_length=1, max_length=200)
    phone = Text(required=True, min_length=1, max_length=40)
    organisation_number = Text(load_default=None, allow_none=True, max_length=20)

    @validates_schema
    def _not_blank(self, data: dict[str, Any], **kwargs: Any) -> None:
        for name in ("name", "phone"):
            if name in data and not data[name].strip():
                raise ValidationError("Must not be blank.", field_name=name)


class CallbackCreateSchema(StrictSchema):
    applicant = fields.Nested(CallbackApplicantSchema, required=True)
    topic = Text(required=True, min_length=1, max_length=200)
    meeting_type = Slug(load_default=None, allow_none=True)
    note = Text(load_default=None, allow_none=True, max_length=4000, multiline=True)
    window_start = LocalDateTime(load_default=None, allow_none=True)
    window_end = LocalDateTime(load_default=None, allow_none=True)
    # Staff may route by hand: the team (it must serve the applicant's kind) and the officer.
    team = Slug(load_default=None, allow_none=True)
    officer_id = Id(load_default=None, allow_none=True)
    language = fields.String(load_default="sv", validate=validate.OneOf(LANGUAGES))

    @validates_schema
    def _topic_not_blank(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "topic" in data and not data["topic"].strip():
            raise ValidationError("Must not be blank.", field_name="topic")


class AttemptCreateSchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = Text(load_default=None, allow_none=True, max_length=4000, multiline=True)


class AssignSchema(StrictSchema):
    officer_id = Id(required=True)


class CallbackListQuerySchema(StrictSchema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    team = Slug(load_default=None)
    officer = QueryId(load_default=None)
    # Local dates of the promise (`due_at`), both included.
    from_ = LocalDate(load_default=None, data_key="from")
    to = LocalDate(load_default=None)

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first and last and last < first:
            raise ValidationError("Must not be before 'from'.", field_name="to")


class CallbackTeamSchema(StrictSchema):
    slug = fields.String()
    name = fields.String()


class CallbackOfficerSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()


class CallbackApplicantOutSchema(StrictSchema):
    kind = fields.String(attribute="applicant_kind")
    name = fields.String(attribute="applicant_name")
    phone = fields.String(attribute="applicant_phone")
    organisation_number = fields.String(allow_none=True)
    identifier_kind = fields.String(allow_none=True)


class CallbackRoutingSchema(StrictSchema):
    team = fields.String(attribute="team_reason")
    officer = fields.String(attribute="officer_reason")
    assigned_by_token_id = fields.Integer(allow_none=True)
    assigned_at = LocalDateTime()


class AttemptSchema(StrictSchema):
    id = fields.Integer()
    outcome = fields.String()
    note = fields.String(allow_none=True)
    staff_token_id = fields.Integer(allow_none=True)
    attempted_at = LocalDateTime()


# Built once: making a schema deep-copies its fields, which every dump would otherwise pay.
_APPLICANT_OUT = CallbackApplicantOutSchema()
_ROUTING = CallbackRoutingSchema()


class CallbackSchema(StrictSchema):
    id = fields.Integer()
    status = fields.String()
    team = fields.Nested(CallbackTeamSchema)
    officer = fields.Nested(CallbackOfficerSchema)
    meeting_type = fields.Function(lambda c: c.meeting_type.slug if c.meeting_type else None)
    applicant = fields.Function(lambda c: _APPLICANT_OUT.dump(c))
    topic = fields.String()
    note = fields.String(allow_none=True)
    language = fields.String()
    window_start = LocalDateTime(attribute="window_start_at")
    window_end = LocalDateTime(attribute="window_end_at")
    due_at = LocalDateTime()
    routing = fields.Function(lambda c: _ROUTING.dump(c))
    attempts = fields.List(fields.Nested(AttemptSchema))
    created_by_token_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    closed_at = LocalDateTime(allow_none=True)
    # Call-backs are staff-only: a sole trader's full number, decrypted; audited.
    personal_identity_number = fields.Function(
        revealed_identity_number,
        allow_none=True,
        metadata={"description": "A sole trader's full personal identity number; else null."},
    )

    @post_dump(pass_original=True)
    def _audit_pin_read(self, data: dict[str, Any], callback: Any, **kwargs: Any) -> Any:
        # Every response that shows staff a personal identity number leaves an audit row.
        record_pin_reads([callback], object_type="callback", id_attribute="id")
        return data


# The longest period one summary covers: a year and a little, as reports go.
MAX_STATS_DAYS = 400


class CallbackStatsQuerySchema(DateRangeQuerySchema):
    # `from`/`to`: local dates of the promise (`due_at`): the same call-backs as the listing.
    MAX_DAYS = MAX_STATS_DAYS

    team = Slug(load_default=None)


class ReachedStatsSchema(StrictSchema):
    share = fields.Float(allow_none=True)
    reached = fields.Integer()
    decided = fields.Integer()


class FirstAttemptStatsSchema(StrictSchema):
    median_seconds = fields.Integer(allow_none=True)
    callbacks = fields.Integer()


class OverdueStatsSchema(StrictSchema):
    count = fields.Integer()
    past_promise = fields.Integer()


class CallbackStatsSchema(StrictSchema):
    from_ = LocalDate(data_key="from")
    to = LocalDate()
    team = fields.String(allow_none=True)
    count = fields.Integer()
    reached_within_promise = fields.Nested(ReachedStatsSchema)
    time_to_first_attempt = fields.Nested(FirstAttemptStatsSchema)
    overdue = fields.Nested(OverdueStatsSchema)
