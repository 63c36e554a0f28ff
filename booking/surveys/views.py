"""Outcome endpoints: record what happened at a meeting, list meetings awaiting one."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from booking.auth.access import current_staff, require_roles
from booking.bookings.service import get_booking_for
from booking.bookings.views import LIST_PAGINATION, page_window
from booking.clock import now
from booking.surveys import service
from booking.surveys.schemas import (
    AwaitingOutcomeQuerySchema,
    BookingOutcomeSchema,
    OutcomeSchema,
)

blp = Blueprint("outcomes", __name__, url_prefix="/api/v1", description="Meeting outcomes")


@blp.route("/bookings/awaiting-outcome")
class AwaitingOutcome(MethodView):
    @require_roles("admin", "service_center", "officer")
    @blp.arguments(AwaitingOutcomeQuerySchema, location="query")
    @blp.response(200, BookingOutcomeSchema(many=True))
    @blp.paginate(**LIST_PAGINATION)
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """List meetings ended without an outcome, oldest first, by page (an officer: their own)."""
        staff = current_staff(required=True)
        assert staff is not None
        offset, limit = page_window(pagination_parameters)
        bookings, pagination_parameters.item_count = service.list_awaiting_outcome(
            staff=staff,
            team_slug=query["team"],
            officer_id=query["officer"],
            now=now(),
            offset=offset,
            limit=limit,
        )
        return bookings


@blp.route("/bookings/<string:reference>/outcome")
class BookingOutcome(MethodView):
    @require_roles("admin", "service_center", "officer")
    @blp.arguments(OutcomeSchema)
    @blp.response(200, BookingOutcomeSchema)
    def post(self, data: dict[str, Any], reference: str) -> Any:
        """Record the meeting's outcome (once; an admin may change it)."""
        staff = current_staff(required=True)
        assert staff is not None
        booking = get_booking_for(reference=reference, manage_token=None, staff=staff, lock=True)
        return service.record_outcome(
            booking=booking,
            outcome=data["outcome"],
            note=data["note"],
            staff=staff,
            now=now(),
            config=current_app.config,
        )
