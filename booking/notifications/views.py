"""HTTP endpoints for the outbox: what was (not) sent, and a retry for dead messages."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import require_roles
from booking.bookings.service import normalise_reference
from booking.clock import now
from booking.notifications import service
from booking.notifications.schemas import NotificationQuerySchema, NotificationSchema

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Notification outbox")
STAFF = ("admin", "service_center")


@blp.route("/notifications")
class Notifications(MethodView):
    @require_roles(*STAFF)
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Outbox messages, newest first (`?status=dead` lists what needs a person)."""
        reference = args.get("booking")
        return service.list_notifications(
            status=args.get("status"),
            reference=normalise_reference(reference) if reference else None,
            callback_id=args.get("callback"),
            limit=args["limit"],
        )


@blp.route("/notifications/<int:notification_id>/retry")
class NotificationRetry(MethodView):
    @require_roles(*STAFF)
    @blp.response(200, NotificationSchema)
    def post(self, notification_id: int) -> Any:
        """Send a dead or failed message again, with a fresh set of attempts."""
        notification = service.get_notification(notification_id=notification_id)
        return service.retry_notification(notification=notification, now=now())
