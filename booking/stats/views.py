"""HTTP endpoint for the department's figures."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import require_roles
from booking.clock import now
from booking.stats import service
from booking.stats.schemas import StatsQuerySchema, StatsSchema

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Figures")


@blp.route("/stats")
class Stats(MethodView):
    @require_roles(*service.STATS_ROLES)
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Figures per period and team: bookings, no-shows, lead time, call-backs, NKI."""
        return service.department_stats(
            first_day=query["from_"],
            last_day=query["to"],
            team_slug=query["team"],
            group_by=query["group_by"],
            min_answers=int(current_app.config["BOOKING_STATS_MIN_ANSWERS"]),
            now=now(),
        )
