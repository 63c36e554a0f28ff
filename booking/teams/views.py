"""HTTP endpoints for teams and meeting types."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import require_roles
from booking.teams import service
from booking.teams.schemas import (
    MeetingTypeCreateSchema,
    MeetingTypeSchema,
    TeamCreateSchema,
    TeamSchema,
)

blp = Blueprint("teams", __name__, url_prefix="/api/v1", description="Teams and meeting types")


@blp.route("/teams")
class Teams(MethodView):
    @blp.response(200, TeamSchema(many=True))
    def get(self) -> Any:
        """List teams (public)."""
        return service.list_teams()

    @require_roles("admin")
    @blp.arguments(TeamCreateSchema)
    @blp.response(201, TeamSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a team (admin)."""
        return service.create_team(data=data)


@blp.route("/meeting-types")
class MeetingTypes(MethodView):
    @blp.response(200, MeetingTypeSchema(many=True))
    def get(self) -> Any:
        """List meeting types (public)."""
        return service.list_meeting_types()

    @require_roles("admin")
    @blp.arguments(MeetingTypeCreateSchema)
    @blp.response(201, MeetingTypeSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a meeting type (admin)."""
        return service.create_meeting_type(data=data)
