"""HTTP endpoints for an officer's own calendar: the busy-time source (and write-back target)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import current_staff, require_roles
from booking.calendar import sources
from booking.calendar.schemas import CalendarSourceCreateSchema, CalendarSourceSchema
from booking.clock import now

blp = Blueprint(
    "calendar_sources",
    __name__,
    url_prefix="/api/v1",
    description="Officers' own calendars: busy time imported from them, bookings written to them",
)


@blp.route("/officers/<int:officer_id>/calendar-source")
class OfficerCalendarSource(MethodView):
    @require_roles("admin")
    @blp.arguments(CalendarSourceCreateSchema)
    @blp.response(200, CalendarSourceSchema)
    def put(self, data: dict[str, Any], officer_id: int) -> Any:
        """Set the officer's calendar (admin): imported as busy time; CalDAV also gets bookings."""
        return sources.set_calendar_source(
            officer_id=officer_id, data=data, config=current_app.config, now=now()
        )

    @require_roles("admin", "officer")
    @blp.response(200, CalendarSourceSchema)
    def get(self, officer_id: int) -> Any:
        """The officer's calendar source and its last import (admin, the officer themself)."""
        staff = current_staff(required=True)
        assert staff is not None
        return sources.get_calendar_source(officer_id=officer_id, staff=staff)

    @require_roles("admin")
    @blp.response(204)
    def delete(self, officer_id: int) -> None:
        """Remove the officer's calendar source and the busy time imported from it (admin)."""
        sources.remove_calendar_source(officer_id=officer_id)
