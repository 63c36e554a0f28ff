"""Writing audit rows with the change they describe, and reading them back for admins."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response, g, has_request_context, request
from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from booking.audit.models import AuditEntry
from booking.auth.models import StaffToken
from booking.clock import now
from booking.db import write_intent
from booking.errors import problem_response
from booking.extensions import db

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A busy client would otherwise write its token's row on every request.
LAST_USED_GRANULARITY = timedelta(seconds=60)
PIN_KIND = "personal_identity_number"


@dataclass(frozen=True)
class Actor:
    """Who did it: a staff token, the applicant (public pages, manage token) or the system."""

    kind: str
    token_id: int | None = None
    name: str | None = None
    role: str | None = None


SYSTEM = Actor("system")
APPLICANT = Actor("applicant")


def staff_actor(token: StaffToken) -> Actor:
    """The actor for a staff token (its name and role, never the token)."""
    return Actor("staff", token.id, token.name, token.role)


def current_actor() -> Actor:
    """The actor of this request (staff token, else applicant), or the system outside one."""
    if not has_request_context():
        return SYSTEM
    staff = g.get("staff")
    if staff is not None:
        return staff_actor(staff)
    # Without a staff token the only one who can change anything is the applicant: the public
    # booking, or the manage link's token.
    return APPLICANT


def record(
    *,
    action: str,
    object_type: str,
    object_id: object,
    details: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """Add an audit row to the current transaction (details: ids and codes, no personal data)."""
    actor = actor or current_actor()
    values: dict[str, Any] = {
        "at": now(),
        "actor_kind": actor.kind,
        "actor_token_id": actor.token_id,
        "actor_name": actor.name,
        "actor_role": actor.role,
        "client_address": request.remote_addr if has_request_context() else None,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "details": details or None,
    }
    if has_request_context() and request.method in SAFE_METHODS:
        # A reading request's transaction is rolled back: its rows are written at its end, in a
        # transaction of their own (write_after_request), and only if the response succeeds.
        g.setdefault("audit_deferred", []).append(values)
    else:
        db.session.add(AuditEntry(**values))


def addresses_due(*, before: datetime) -> Select[tuple[int]]:
    """Ids of audit rows written before `before` that still hold a client address."""
    return select(AuditEntry.id).where(
        AuditEntry.client_address.is_not(None), AuditEntry.at < before
    )


def forget_addresses(entry_ids: Sequence[int]) -> int:
    """Clear the client address of these audit rows (the one change the log allows)."""
    if not entry_ids:
        return 0
    result = db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.id.in_(entry_ids), AuditEntry.client_address.is_not(None))
        .values(client_address=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def applicant_entries(*, object_type: str, object_ids: Sequence[str]) -> Select[tuple[int]]:
    """Ids of rows an applicant wrote about these objects that still hold a client address."""
    return select(AuditEntry.id).where(
        AuditEntry.actor_kind == "applicant",
        AuditEntry.object_type == object_type,
        AuditEntry.object_id.in_(object_ids),
        AuditEntry.client_address.is_not(None),
    )


def record_pin_reads(objects: Sequence[Any], *, object_type: str, id_attribute: str) -> None:
    """Record "pin.read" for each object shown to staff with a personal identity number, once
    a request."""
    if not has_request_context() or g.get("staff") is None:
        # The applicant reading their own booking is not a disclosure to anyone else.
        return
    for obj in objects:
        if getattr(obj, "identifier_kind", None) != PIN_KIND:
            continue
        if not getattr(obj, "organisation_number", None):
            continue
        object_id = str(getattr(obj, id_attribute))
        seen: set[tuple[str, str]] = g.setdefault("audit_pin_reads", set())
        if (object_type, object_id) in seen:
            continue
        seen.add((object_type, object_id))
        record(action="pin.read", object_type=object_type, object_id=object_id)


def token_use_to_record() -> int | None:
    """The id of this request's staff token if its last use is unrecorded or over a minute old."""
    staff = g.get("staff")
    if staff is None:
        return None
    try:
        last_used = staff.last_used_at
    except SQLAlchemyError:
        return None
    if last_used is not None and last_used > now() - LAST_USED_GRANULARITY:
        return None
    return int(staff.id)


def write_after_request(response: Response, *, token_id: int | None) -> Response:
    """After the request's own commit or rollback: a reading request's audit rows, and the
    token's last use, in one short writing transaction."""
    if response.status_code >= 400:
        # A refused request leaves no trace in the database, not even the token's last use.
        return response
    deferred = g.pop("audit_deferred", None)
    if not deferred and token_id is None:
        return response
    moment = now()
    try:
        # Its own transaction with the write lock taken at BEGIN on SQLite: a reading request
        # ran in a deferred transaction, which could not safely upgrade to a writer.
        with write_intent():
            if deferred:
                db.session.add_all([AuditEntry(**values) for values in deferred])
            if token_id is not None:
                db.session.execute(
                    update(StaffToken)
                    .where(
                        StaffToken.id == token_id,
                        or_(
                            StaffToken.last_used_at.is_(None),
                            StaffToken.last_used_at < moment - LAST_USED_GRANULARITY,
                        ),
                    )
                    .values(last_used_at=moment)
                    .execution_options(synchronize_session=False)
                )
            db.session.commit()
    except OperationalError:
        db.session.rollback()
        if not deferred:
            # Only the last-used time was lost: not worth failing the request for.
            log.warning("could not record a staff token's last use")
            return response
        # A read of personal data that cannot be audited is not shown.
        return problem_response(
            503,
            "Service Unavailable",
            "The service is busy; retry shortly.",
            headers={"Retry-After": "1"},
        )
    return response


def list_entries(
    *,
    lower: datetime | None,
    upper: datetime | None,
    actor: str | None,
    object_type: str | None,
    object_id: str | None,
    action: str | None,
    limit: int,
) -> Sequence[AuditEntry]:
    """Audit rows, newest first, filtered by time [lower, upper), actor, object and action."""
    query = select(AuditEntry)
    if lower is not None:
        query = query.where(AuditEntry.at >= lower)
    if upper is not None:
        query = query.where(AuditEntry.at < upper)
    if actor is not None:
        query = query.where(_actor_filter(actor))
    if object_type is not None:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return db.session.scalars(query).all()


def _actor_filter(actor: str) -> Any:
    # "staff", "applicant", "system": the kind; "token:7" or a bare number: that token; else
    # the token's name as it was when the row was written.
    if actor in ("staff", "applicant", "system"):
        return AuditEntry.actor_kind == actor
    token_id = actor.removeprefix("token:")
    if token_id.isdigit():
        return AuditEntry.actor_token_id == int(token_id)
    return AuditEntry.actor_name == actor
