"""HTTP endpoints for call-backs."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from booking.auth.access import current_staff, require_roles
from booking.auth.models import StaffToken
from booking.bookings.views import LIST_PAGINATION, page_window
from booking.callbacks import service
from booking.callbacks.schemas import (
    AssignSchema,
    AttemptCreateSchema,
    CallbackCreateSchema,
    CallbackListQuerySchema,
    CallbackSchema,
    CallbackStatsQuerySchema,
    CallbackStatsSchema,
)
from booking.clock import now

blp = Blueprint("callbacks", __name__, url_prefix="/api/v1", description="Call-backs")

STAFF_ROLES = ("admin", "service_center", "officer")


def _staff() -> StaffToken:
    staff = current_staff(required=True)
    assert staff is not None
    return staff


@blp.route("/callbacks")
class Callbacks(MethodView):
    @require_roles(*service.REGISTER_ROLES)
    @blp.arguments(CallbackCreateSchema)
    @blp.response(201, CallbackSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a call-back for a caller (service center, admin)."""
        return service.register_callback(
            data=data,
            staff=_staff(),
            now=now(),
            default_hours=int(current_app.config["BOOKING_CALLBACK_HOURS"]),
        )

    @require_roles(*STAFF_ROLES)
    @blp.arguments(CallbackListQuerySchema, location="query")
    @blp.response(200, CallbackSchema(many=True))
    @blp.paginate(**LIST_PAGINATION)
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """List call-backs by due time, a page at a time (staff; an officer sees their own)."""
        offset, limit = page_window(pagination_parameters)
        callbacks, pagination_parameters.item_count = service.list_callbacks(
            staff=_staff(),
            status=query["status"],
            team_slug=query["team"],
            officer_id=query["officer"],
            first_day=query["from_"],
            last_day=query["to"],
            offset=offset,
            limit=limit,
        )
        return callbacks


@blp.route("/callbacks/stats")
class CallbackStats(MethodView):
    @require_roles(*service.STATS_ROLES)
    @blp.arguments(CallbackStatsQuerySchema, location="query")
    @blp.response(200, CallbackStatsSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Call-back figures for a period of promises (admin, service center)."""
        return service.callback_stats(
            first_day=query["from_"], last_day=query["to"], team_slug=query["team"], now=now()
        )


@blp.route("/callbacks/<int:callback_id>")
class CallbackItem(MethodView):
    @require_roles(*STAFF_ROLES)
    @blp.response(200, CallbackSchema)
    def get(self, callback_id: int) -> Any:
        """Read a call-back with its attempts (staff; an officer: their own)."""
        return service.get_callback_for(callback_id=callback_id, staff=_staff())


@blp.route("/callbacks/<int:callback_id>/attempts")
class CallbackAttempts(MethodView):
    @require_roles(*STAFF_ROLES)
    @blp.arguments(AttemptCreateSchema)
    @blp.response(201, CallbackSchema)
    def post(self, data: dict[str, Any], callback_id: int) -> Any:
        """Record a call attempt; `reached` completes the call-back (an officer: their own)."""
        staff = _staff()
        callback = service.get_callback_for(callback_id=callback_id, staff=staff, lock=True)
        return service.record_attempt(
            callback=callback,
            outcome=data["outcome"],
            note=data["note"],
            staff=staff,
            now=now(),
            max_attempts=int(current_app.config["BOOKING_CALLBACK_MAX_ATTEMPTS"]),
        )


@blp.route("/callbacks/<int:callback_id>/assign")
class CallbackAssign(MethodView):
    @require_roles(*service.ASSIGN_ROLES)
    @blp.arguments(AssignSchema)
    @blp.response(200, CallbackSchema)
    def post(self, data: dict[str, Any], callback_id: int) -> Any:
        """Give the call-back to another officer of its team (service center, admin)."""
        staff = _staff()
        callback = service.get_callback_for(callback_id=callback_id, staff=staff, lock=True)
        return service.assign_callback(
            callback=callback, officer_id=data["officer_id"], staff=staff, now=now()
        )
