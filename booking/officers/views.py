"""HTTP endpoints for officers, their weekly hours and absences (admin)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import require_roles
from booking.officers import service
from booking.officers.schemas import (
    AbsenceCreateSchema,
    AbsenceSchema,
    OfficerCreateSchema,
    OfficerSchema,
    WeeklyHoursSchema,
)

blp = Blueprint("officers", __name__, url_prefix="/api/v1", description="Officers")


@blp.route("/officers")
class Officers(MethodView):
    @require_roles("admin", "service_center")
    @blp.response(200, OfficerSchema(many=True))
    def get(self) -> Any:
        """List officers (staff)."""
        return service.list_officers()

    @require_roles("admin")
    @blp.arguments(OfficerCreateSchema)
    @blp.response(201, OfficerSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create an officer (admin)."""
        return service.create_officer(data=data)


@blp.route("/officers/<int:officer_id>/weekly-hours")
class OfficerWeeklyHours(MethodView):
    @require_roles("admin")
    @blp.arguments(WeeklyHoursSchema(many=True))
    @blp.response(200, WeeklyHoursSchema(many=True))
    def put(self, hours: list[dict[str, Any]], officer_id: int) -> Any:
        """Replace the officer's weekly hours (admin)."""
        officer = service.get_officer(officer_id=officer_id)
        return service.replace_weekly_hours(officer=officer, hours=hours)


@blp.route("/officers/<int:officer_id>/absences")
class OfficerAbsences(MethodView):
    @require_roles("admin")
    @blp.arguments(AbsenceCreateSchema)
    @blp.response(201, AbsenceSchema)
    def post(self, data: dict[str, Any], officer_id: int) -> Any:
        """Record an absence (admin)."""
        officer = service.get_officer(officer_id=officer_id)
        return service.add_absence(officer=officer, data=data)


@blp.route("/officers/<int:officer_id>/absences/<int:absence_id>")
class OfficerAbsence(MethodView):
    @require_roles("admin")
    @blp.response(204)
    def delete(self, officer_id: int, absence_id: int) -> None:
        """Delete an absence (admin)."""
        officer = service.get_officer(officer_id=officer_id)
        service.remove_absence(officer=officer, absence_id=absence_id)
