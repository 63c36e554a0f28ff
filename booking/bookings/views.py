"""HTTP endpoints for bookings."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from booking.auth.access import current_staff, require_roles
from booking.auth.models import StaffToken
from booking.bookings import service
from booking.bookings.invites import current_invite
from booking.bookings.links import manage_url
from booking.bookings.models import Booking
from booking.bookings.schemas import (
    BookingCreatedSchema,
    BookingCreateSchema,
    BookingListQuerySchema,
    BookingSchema,
    BookingStaffSchema,
    CancelSchema,
    RescheduleSchema,
)
from booking.clock import now
from booking.errors import Forbidden, ValidationProblem
from booking.fields import MAX_ID

blp = Blueprint("bookings", __name__, url_prefix="/api/v1", description="Bookings")

MAX_IDEMPOTENCY_KEY = 200
# The staff lists' paging (`page`, `page_size`, the `X-Pagination` header): the default page is
# the 2000 rows they were capped at before, so clients that do not page see no change.
LIST_PAGINATION = {"page_size": service.LIST_PAGE_SIZE, "max_page_size": service.LIST_PAGE_SIZE}
# Like ids, a page number fits 32 bits; beyond that it is refused rather than sent to the database.
MAX_PAGE = MAX_ID


def page_window(pagination: PaginationParameters) -> tuple[int, int]:
    """The offset and limit of the requested page; a 422 naming `page` beyond MAX_PAGE."""
    if pagination.page > MAX_PAGE:
        message = f"Must be greater than or equal to 1 and less than or equal to {MAX_PAGE}."
        raise ValidationProblem("The request has invalid fields.", errors={"page": [message]})
    return pagination.first_item, pagination.page_size


def _links(booking: Booking | service.NewBooking, manage_token: str | None) -> dict[str, str]:
    base = current_app.config["BOOKING_PUBLIC_URL"].rstrip("/")
    suffix = f"?token={manage_token}" if manage_token else ""
    manage = f"{base}/api/v1/bookings/{booking.reference}"
    if manage_token:
        manage = manage_url(
            public_url=base,
            reference=booking.reference,
            token=manage_token,
            language=booking.language,
        )
    return {
        "manage": manage,
        "invite_ics": f"{base}/api/v1/bookings/{booking.reference}/invite.ics{suffix}",
    }


def _json(body: Any, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")


# Built once (a schema deep-copies its fields when made); dumping with them is thread-safe.
_PUBLIC_VIEW = BookingSchema()
_STAFF_VIEW = BookingStaffSchema()
# Likewise for parsing: given a class, webargs would make a schema (and its nested one) per
# request; loading with one instance is thread-safe too.
_CREATE_ARGS = BookingCreateSchema()


def dump_booking(
    booking: Booking | service.NewBooking,
    *,
    staff: StaffToken | None,
    manage_token: str | None = None,
) -> dict[str, Any]:
    """The booking as the caller may see it (staff also see the routing reasons)."""
    schema = _STAFF_VIEW if staff is not None else _PUBLIC_VIEW
    body: dict[str, Any] = schema.dump(booking)
    if manage_token is not None:
        body["manage_token"] = manage_token
    body["links"] = _links(booking, manage_token)
    return body


def _manage_token() -> str | None:
    return request.headers.get("X-Booking-Token") or request.args.get("token")


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ValidationProblem(
            errors={
                "Idempotency-Key": [f"Must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters."]
            }
        )
    return key


@blp.route("/bookings")
class Bookings(MethodView):
    @blp.arguments(_CREATE_ARGS)
    @blp.response(201, BookingCreatedSchema)
    @blp.alt_response(200, schema=BookingCreatedSchema, description="Replay of an Idempotency-Key")
    def post(self, data: dict[str, Any]) -> Any:
        """Book a slot (public; service-center staff book on a caller's behalf)."""
        staff = current_staff(required=False)
        if staff is not None and staff.role not in service.STAFF_BOOKING_ROLES:
            raise Forbidden(f"The role '{staff.role}' may not book on an applicant's behalf.")
        result = service.book_slot(
            data=data,
            raw_body=request.get_json(silent=True),
            staff=staff,
            now=now(),
            idempotency_key=_idempotency_key(),
            secret_key=current_app.config["SECRET_KEY"],
        )
        body = dump_booking(result.booking, staff=staff, manage_token=result.manage_token)
        return _json(body, 200 if result.is_replay else 201)

    @require_roles("admin", "service_center", "officer")
    @blp.arguments(BookingListQuerySchema, location="query")
    @blp.response(200, BookingStaffSchema(many=True))
    @blp.paginate(**LIST_PAGINATION)
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """List bookings by start, a page at a time (staff; an officer sees their own)."""
        staff = current_staff(required=True)
        assert staff is not None
        offset, limit = page_window(pagination_parameters)
        bookings, pagination_parameters.item_count = service.list_bookings(
            staff=staff,
            first_day=query["from_"],
            last_day=query["to"],
            team_slug=query["team"],
            officer_id=query["officer"],
            status=query["status"],
            now=now(),
            offset=offset,
            limit=limit,
        )
        return bookings


@blp.route("/bookings/<string:reference>")
class BookingItem(MethodView):
    @blp.response(200, BookingStaffSchema)
    def get(self, reference: str) -> Any:
        """Read a booking (manage token or staff)."""
        staff = current_staff(required=False)
        booking = service.get_booking_for(
            reference=reference, manage_token=_manage_token(), staff=staff
        )
        return _json(dump_booking(booking, staff=staff), 200)


@blp.route("/bookings/<string:reference>/invite.ics")
class BookingInvite(MethodView):
    @blp.response(200, content_type="text/calendar", description="The current invitation")
    def get(self, reference: str) -> Any:
        """The booking's current invitation, REQUEST or CANCEL (manage token or staff)."""
        staff = current_staff(required=False)
        booking = service.get_booking_for(
            reference=reference, manage_token=_manage_token(), staff=staff
        )
        token = _manage_token() if staff is None else None
        link = None
        if token:
            base = current_app.config["BOOKING_PUBLIC_URL"]
            link = manage_url(
                public_url=base, reference=booking.reference, token=token, language=booking.language
            )
        data, method = current_invite(booking, manage_link=link)
        return Response(
            data,
            200,
            headers={
                "Content-Type": f"text/calendar; method={method}; charset=UTF-8",
                "Content-Disposition": f'attachment; filename="{booking.reference}.ics"',
                "Cache-Control": "no-store",
            },
        )


@blp.route("/bookings/<string:reference>/cancel")
class BookingCancel(MethodView):
    @blp.arguments(CancelSchema)
    @blp.response(200, BookingSchema)
    def post(self, data: dict[str, Any], reference: str) -> Any:
        """Cancel a booking; repeating it is harmless (manage token or staff)."""
        staff = current_staff(required=False)
        booking = service.get_booking_for(
            reference=reference, manage_token=_manage_token(), staff=staff, lock=True
        )
        service.cancel_booking(booking=booking, reason=data.get("reason"), now=now())
        return _json(dump_booking(booking, staff=staff), 200)


@blp.route("/bookings/<string:reference>/reschedule")
class BookingReschedule(MethodView):
    @blp.arguments(RescheduleSchema)
    @blp.response(200, BookingSchema)
    def post(self, data: dict[str, Any], reference: str) -> Any:
        """Move a booking to a new start; on failure it stays as it was (manage token or staff)."""
        staff = current_staff(required=False)
        booking = service.get_booking_for(
            reference=reference, manage_token=_manage_token(), staff=staff, lock=True
        )
        service.reschedule_booking(booking=booking, start=data["start"], staff=staff, now=now())
        return _json(dump_booking(booking, staff=staff), 200)
