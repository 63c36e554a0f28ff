"""Query and response schemas of the department's figures."""

from __future__ import annotations

from marshmallow import fields, validate

from booking.fields import DateRangeQuerySchema, LocalDate, Slug, StrictSchema
from booking.stats.service import GROUPINGS, MAX_STATS_DAYS


class StatsQuerySchema(DateRangeQuerySchema):
    # `from`/`to`: local dates of the meetings (and of the answers, promises).
    MAX_DAYS = MAX_STATS_DAYS

    team = Slug(load_default=None)
    group_by = fields.String(load_default="month", validate=validate.OneOf(GROUPINGS))


class FigureSchema(StrictSchema):
    value = fields.Float(allow_none=True)
    n = fields.Integer()
    flagged = fields.Boolean()


class CountedFigureSchema(FigureSchema):
    count = fields.Integer()


class BookingCountsSchema(StrictSchema):
    count = fields.Integer()
    by_channel = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_mode = fields.Dict(keys=fields.String(), values=fields.Integer())


class StatsRowSchema(StrictSchema):
    period = fields.String()
    period_from = LocalDate()
    period_to = LocalDate()
    team = fields.String()
    team_name = fields.String()
    bookings = fields.Nested(BookingCountsSchema)
    cancellations = fields.Nested(CountedFigureSchema)
    no_show = fields.Nested(CountedFigureSchema)
    lead_time_days = fields.Nested(FigureSchema)
    request_to_first_slot_days = fields.Nested(
        FigureSchema,
        metadata={
            "description": "Median days from making a booking to the team's earliest free start "
            "at that moment (the first slot offered); n counts the measured bookings."
        },
    )
    callback_promises_kept = fields.Nested(CountedFigureSchema)
    responses = fields.Integer()
    nki = fields.Nested(FigureSchema)


class StatsSchema(StrictSchema):
    from_ = LocalDate(data_key="from")
    to = LocalDate()
    team = fields.String(allow_none=True)
    group_by = fields.String()
    min_answers = fields.Integer()
    rows = fields.List(fields.Nested(StatsRowSchema))
