"""Request and response schemas for the calendar feeds."""

from __future__ import annotations

from marshmallow import EXCLUDE, fields

from booking.fields import StrictSchema


class FeedQuerySchema(StrictSchema):
    """`?token=…` of a feed URL; calendar clients may add parameters of their own."""

    class Meta:
        unknown = EXCLUDE

    # Checked by the service, which answers 404 for a missing, malformed or wrong token alike.
    token = fields.String(load_default=None, metadata={"description": "The feed's secret token"})


class FeedTokenSchema(StrictSchema):
    """A new feed token, shown once, and the feed URL that carries it."""

    token = fields.String(metadata={"description": "Shown once; only its hash is stored"})
    url = fields.String(metadata={"description": "The feed's address, token included"})
