"""HTTP endpoints: slot search (public) and office closures (admin)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import current_staff, require_roles
from booking.availability import service
from booking.availability.schemas import (
    ClosureCreateSchema,
    ClosureSchema,
    SlotQuerySchema,
    SlotsResponseSchema,
)
from booking.clock import now
from booking.fields import office_zone

blp = Blueprint(
    "availability", __name__, url_prefix="/api/v1", description="Free slots and closures"
)


@lru_cache(maxsize=65_536)
def _local_iso(instant: int, zone: ZoneInfo) -> str:
    # The same few thousand grid instants are formatted over and over: remember them.
    return datetime.fromtimestamp(instant, zone).isoformat()


@blp.route("/slots")
class Slots(MethodView):
    @blp.arguments(SlotQuerySchema, location="query")
    @blp.response(200, SlotsResponseSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Free slots for an applicant kind and meeting type (public; staff see staff notice)."""
        staff = current_staff(required=False)
        search = service.find_slots(
            meeting_type_slug=query["meeting_type"],
            applicant_kind=query["applicant_kind"],
            first_day=query["from_"],
            last_day=query["to"],
            mode=query["mode"],
            officer_id=query["officer"],
            is_staff=staff is not None,
            now=now(),
        )
        zone = office_zone()
        # Thousands of slots: build plain dicts instead of a marshmallow dump (same shape as
        # SlotsResponseSchema, which documents it).
        body = {
            "team": {"slug": search.team.slug, "name": search.team.name},
            "slots": [
                {
                    "start": _local_iso(slot.start, zone),
                    "end": _local_iso(slot.end, zone),
                    "available_officers": len(slot.officer_ids),
                }
                for slot in search.slots
            ],
        }
        return Response(
            json.dumps(body, ensure_ascii=False),
            200,
            mimetype="application/json",
            headers={"Cache-Control": "no-store"},
        )


@blp.route("/closures")
class Closures(MethodView):
    @blp.response(200, ClosureSchema(many=True))
    def get(self) -> Any:
        """List office closures (public)."""
        return service.list_closures()

    @require_roles("admin")
    @blp.arguments(ClosureCreateSchema)
    @blp.response(201, ClosureSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Close the office for a day or from a time (admin)."""
        return service.create_closure(data=data)
