"""HTTP endpoints for the calendar feeds: issuing feed tokens, and the feeds themselves."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import current_staff, require_roles
from booking.calendar import feeds
from booking.calendar.schemas import FeedQuerySchema, FeedTokenSchema
from booking.clock import now

blp = Blueprint(
    "calendar_feeds", __name__, url_prefix="/api/v1", description="Calendar feeds (iCalendar)"
)

FEED_DESCRIPTION = (
    "iCalendar PUBLISH feed. Strong ETag and Last-Modified; 304 on If-None-Match (or, without "
    "it, If-Modified-Since). 404 for an unknown feed and a missing or wrong token alike."
)


# The token is shown once: nothing may keep the response.
NO_STORE = {"Cache-Control": "no-store"}


def _feed_response(answer: feeds.FeedAnswer) -> Response:
    if answer.is_not_modified:
        response = Response(status=304)
    else:
        response = Response(answer.body, 200, content_type="text/calendar; charset=utf-8")
    response.set_etag(answer.etag)
    response.last_modified = answer.last_modified
    # Personal data: no shared cache keeps it, and every client revalidates.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("/officers/<int:officer_id>/feed-token")
class OfficerFeedToken(MethodView):
    @require_roles("admin", "officer")
    @blp.response(201, FeedTokenSchema)
    def post(self, officer_id: int) -> Any:
        """Create or rotate the officer's feed token; the old one stops working (admin, self)."""
        staff = current_staff(required=True)
        assert staff is not None
        issued = feeds.issue_officer_feed_token(
            officer_id=officer_id,
            staff=staff,
            public_url=current_app.config["BOOKING_PUBLIC_URL"],
            now=now(),
        )
        return issued, NO_STORE


@blp.route("/teams/<string:slug>/feed-token")
class TeamFeedToken(MethodView):
    @require_roles("admin")
    @blp.response(201, FeedTokenSchema)
    def post(self, slug: str) -> Any:
        """Create or rotate a team's feed token, for its team lead (admin)."""
        staff = current_staff(required=True)
        assert staff is not None
        issued = feeds.issue_team_feed_token(
            slug=slug,
            staff=staff,
            public_url=current_app.config["BOOKING_PUBLIC_URL"],
            now=now(),
        )
        return issued, NO_STORE


@blp.route("/officers/<int:officer_id>/calendar.ics")
class OfficerFeed(MethodView):
    @blp.arguments(FeedQuerySchema, location="query")
    @blp.response(200, content_type="text/calendar", description=FEED_DESCRIPTION)
    @blp.alt_response(304, description="Not modified")
    def get(self, query: dict[str, Any], officer_id: int) -> Any:
        """The officer's bookings as a calendar feed (feed token)."""
        answer = feeds.read_officer_feed(
            officer_id=officer_id,
            token=query["token"],
            if_none_match=request.if_none_match,
            if_modified_since=request.if_modified_since,
            now=now(),
        )
        return _feed_response(answer)


@blp.route("/teams/<string:slug>/calendar.ics")
class TeamFeed(MethodView):
    @blp.arguments(FeedQuerySchema, location="query")
    @blp.response(200, content_type="text/calendar", description=FEED_DESCRIPTION)
    @blp.alt_response(304, description="Not modified")
    def get(self, query: dict[str, Any], slug: str) -> Any:
        """A team's bookings as a calendar feed, with each booking's officer (feed token)."""
        answer = feeds.read_team_feed(
            slug=slug,
            token=query["token"],
            if_none_match=request.if_none_match,
            if_modified_since=request.if_modified_since,
            now=now(),
        )
        return _feed_response(answer)
