"""HTTP endpoints for data subject requests (admin): export and erase one person's data."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from booking.auth.access import require_roles
from booking.clock import now
from booking.privacy import service
from booking.privacy.schemas import (
    ApplicantExportSchema,
    ApplicantIdentifierSchema,
    ApplicantQuerySchema,
    ErasureSchema,
)

blp = Blueprint(
    "privacy", __name__, url_prefix="/api/v1", description="Data subject requests (GDPR)"
)


@blp.route("/applicants/export")
class ApplicantExport(MethodView):
    @require_roles("admin")
    @blp.arguments(ApplicantQuerySchema, location="query")
    @blp.response(200, ApplicantExportSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Everything held about the person with this e-mail or phone number (audited)."""
        subject = service.data_subject(email=args["email"], phone=args["phone"])
        data = service.export_applicant(
            subject=subject, secret_key=current_app.config["SECRET_KEY"]
        )
        return {
            "exported_at": now(),
            "identifier": {subject.kind: subject.email or subject.phone},
            # Not dataclasses.asdict: it would deep-copy the ORM objects.
            "bookings": data.bookings,
            "callbacks": data.callbacks,
            "messages": data.messages,
        }


@blp.route("/applicants/erase")
class ApplicantErase(MethodView):
    @require_roles("admin")
    @blp.arguments(ApplicantIdentifierSchema)
    @blp.response(200, ErasureSchema)
    def post(self, args: dict[str, Any]) -> Any:
        """Anonymise everything held about the person now; meetings to come are cancelled first."""
        subject = service.data_subject(email=args["email"], phone=args["phone"])
        return service.erase_applicant(
            subject=subject, now=now(), secret_key=current_app.config["SECRET_KEY"]
        )
