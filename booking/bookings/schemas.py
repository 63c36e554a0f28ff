"""Request and response schemas for bookings."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    EXCLUDE,
    ValidationError,
    fields,
    post_dump,
    validate,
    validates_schema,
)

from booking.audit.service import record_pin_reads
from booking.fields import Email, Id, LocalDate, LocalDateTime, QueryId, Slug, StrictSchema, Text
from booking.privacy.identity_numbers import revealed_identity_number
from booking.teams.models import APPLICANT_KINDS, MODES

LANGUAGES = ("sv", "en")


class ApplicantSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(APPLICANT_KINDS))
    name = Text(required=True, min_length=1, max_length=200)
    email = Email(load_default=None, allow_none=True)
    phone = Text(load_default=None, allow_none=True, max_length=40)
    organisation_number = Text(load_default=None, allow_none=True, max_length=20)

    @validates_schema
    def _name_not_blank(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "name" in data and not data["name"].strip():
            raise ValidationError("Must not be blank.", field_name="name")


class BookingCreateSchema(StrictSchema):
    meeting_type = Slug(required=True)
    start = LocalDateTime(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    applicant = fields.Nested(ApplicantSchema, required=True)
    property_designation = Text(load_default=None, allow_none=True, max_length=200)
    case_number = Text(load_default=None, allow_none=True, max_length=64)
    description = Text(load_default=None, allow_none=True, max_length=4000, multiline=True)
    officer_id = Id(load_default=None, allow_none=True)
    language = fields.String(load_default="sv", validate=validate.OneOf(LANGUAGES))


class CancelSchema(StrictSchema):
    reason = Text(load_default=None, allow_none=True, max_length=500, multiline=True)


class RescheduleSchema(StrictSchema):
    start = LocalDateTime(required=True)


class BookingListQuerySchema(StrictSchema):
    class Meta:
        unknown = EXCLUDE

    from_ = LocalDate(load_default=None, data_key="from")
    to = LocalDate(load_default=None)
    team = Slug(load_default=None)
    officer = QueryId(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(("confirmed", "cancelled")))

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first and last and last < first:
            raise ValidationError("Must not be before 'from'.", field_name="to")
        if first and last and (last - first).days > 366:
            raise ValidationError("At most 366 days per request.", field_name="to")


class ApplicantOutSchema(StrictSchema):
    kind = fields.String(attribute="applicant_kind")
    name = fields.String(attribute="applicant_name")
    email = fields.String(attribute="applicant_email", allow_none=True)
    phone = fields.String(attribute="applicant_phone", allow_none=True)
    organisation_number = fields.String(allow_none=True)
    identifier_kind = fields.String(allow_none=True)


class RefSchema(StrictSchema):
    slug = fields.String()
    name = fields.String()


class OfficerRefSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()


class RoutingSchema(StrictSchema):
    team = fields.String(attribute="team_reason")
    officer = fields.String(attribute="officer_reason")


class BookingLinksSchema(StrictSchema):
    manage = fields.String()
    invite_ics = fields.String()


# Built once: making a schema deep-copies its fields, which every dump would otherwise pay.
_APPLICANT_OUT = ApplicantOutSchema()
_ROUTING = RoutingSchema()


class BookingSchema(StrictSchema):
    reference = fields.String()
    status = fields.String()
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    mode = fields.String()
    meeting_type = fields.Function(lambda b: b.meeting_type.slug)
    team = fields.Nested(RefSchema)
    officer = fields.Nested(OfficerRefSchema)
    applicant = fields.Function(lambda b: _APPLICANT_OUT.dump(b))
    property_designation = fields.String(allow_none=True)
    case_number = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    language = fields.String()
    channel = fields.String()
    sequence = fields.Integer()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    cancelled_at = LocalDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class BookingStaffSchema(BookingSchema):
    """What staff see in addition: why the team and officer were chosen, and who booked."""

    routing = fields.Function(lambda b: _ROUTING.dump(b))
    created_by_token_id = fields.Integer(allow_none=True)
    # Decrypted for staff only (the applicant's own views show the masked form); audited.
    personal_identity_number = fields.Function(
        revealed_identity_number,
        allow_none=True,
        metadata={"description": "A sole trader's full personal identity number; else null."},
    )

    @post_dump(pass_original=True)
    def _audit_pin_read(self, data: dict[str, Any], booking: Any, **kwargs: Any) -> Any:
        # Every response that shows staff a personal identity number leaves an audit row.
        record_pin_reads([booking], object_type="booking", id_attribute="reference")
        return data


class BookingCreatedSchema(BookingStaffSchema):
    class Meta(BookingStaffSchema.Meta):
        # The caller has just typed the number: it is never echoed back.
        exclude = ("personal_identity_number",)

    manage_token = fields.String()
    links = fields.Nested(BookingLinksSchema)
