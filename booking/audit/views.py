"""HTTP endpoints for admins: the audit log, and the staff tokens (list, revoke)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from booking.audit import service
from booking.audit.schemas import AuditEntrySchema, AuditQuerySchema, StaffTokenSchema
from booking.auth import service as tokens
from booking.auth.access import require_roles
from booking.bookings.service import normalise_reference
from booking.clock import now
from booking.core.slots import local_instant
from booking.errors import ValidationProblem
from booking.fields import office_zone

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit log and staff tokens")


def _instant(value: date | datetime | None, *, end: bool) -> datetime | None:
    # A date means the whole local day: from its start, or up to the next day's start.
    if value is None or isinstance(value, datetime):
        return value
    zone = office_zone()
    day = value + timedelta(days=1) if end else value
    return datetime.fromtimestamp(local_instant(day, 0, zone), zone)


@blp.route("/audit")
class Audit(MethodView):
    @require_roles("admin")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Audit rows, newest first: filter by `from`/`to`, `actor`, `object` and `action`."""
        lower = _instant(args.get("from_"), end=False)
        upper = _instant(args.get("to"), end=True)
        if lower is not None and upper is not None and upper < lower:
            raise ValidationProblem(errors={"to": ["Must not be before 'from'."]})
        object_type = object_id = None
        if args.get("object"):
            object_type, _, given_id = args["object"].partition(":")
            if given_id:
                object_id = normalise_reference(given_id) if object_type == "booking" else given_id
        return service.list_entries(
            lower=lower,
            upper=upper,
            actor=args.get("actor"),
            object_type=object_type,
            object_id=object_id,
            action=args.get("action"),
            limit=args["limit"],
        )


@blp.route("/tokens")
class Tokens(MethodView):
    @require_roles("admin")
    @blp.response(200, StaffTokenSchema(many=True))
    def get(self) -> Any:
        """The staff tokens: name, role, officer, created, last used, revoked (never the token)."""
        return tokens.list_tokens()


@blp.route("/tokens/<int:token_id>/revoke")
class TokenRevoke(MethodView):
    @require_roles("admin")
    @blp.response(200, StaffTokenSchema)
    def post(self, token_id: int) -> Any:
        """Revoke a staff token at once (revoking again changes nothing)."""
        return tokens.revoke_token(token_id=token_id, now=now())


@blp.app_template_global("audit_pin_read")
def audit_pin_read(obj: Any, object_type: str, id_attribute: str) -> str:
    """Template hook: record that this page shows staff the object's personal identity number."""
    service.record_pin_reads([obj], object_type=object_type, id_attribute=id_attribute)
    return ""
