"""Creating and resolving staff tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from booking.audit.service import record
from booking.auth.models import ROLES, StaffToken
from booking.errors import NotFound, ValidationProblem
from booking.extensions import db
from booking.officers.models import Officer


def hash_secret(value: str) -> str:
    """Return the SHA-256 hex digest stored in place of a high-entropy secret."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def secrets_match(given: str, stored_hash: str) -> bool:
    """Compare a presented secret with a stored hash in constant time."""
    return hmac.compare_digest(hash_secret(given), stored_hash)


def create_token(*, name: str, role: str, officer_id: int | None = None) -> tuple[StaffToken, str]:
    """Create a staff token; return the row and the plaintext, which is never stored."""
    if role not in ROLES:
        raise ValidationProblem(errors={"role": [f"Must be one of {', '.join(ROLES)}."]})
    if role == "officer":
        if officer_id is None or db.session.get(Officer, officer_id) is None:
            raise ValidationProblem(
                errors={"officer": ["An officer token needs an existing officer."]}
            )
    elif officer_id is not None:
        raise ValidationProblem(
            errors={"officer": ["Only officer tokens are bound to an officer."]}
        )
    plaintext = "bk_" + secrets.token_urlsafe(32)
    token = StaffToken(
        name=name, role=role, officer_id=officer_id, token_hash=hash_secret(plaintext)
    )
    db.session.add(token)
    db.session.flush()
    record(
        action="token.create",
        object_type="staff_token",
        object_id=token.id,
        details={"role": role, "officer_id": officer_id},
    )
    return token, plaintext


def list_tokens() -> Sequence[StaffToken]:
    """Every staff token, oldest first (revoked ones too, so their history stays readable)."""
    return db.session.scalars(select(StaffToken).order_by(StaffToken.id)).all()


def revoke_token(*, token_id: int, now: datetime) -> StaffToken:
    """Revoke a staff token at once; revoking a revoked token changes nothing (404 if unknown)."""
    token = db.session.get(StaffToken, token_id)
    if token is None:
        raise NotFound(f"No staff token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.flush()
        record(
            action="token.revoke",
            object_type="staff_token",
            object_id=token.id,
            details={"role": token.role},
        )
    return token


def find_active_token(plaintext: str) -> StaffToken | None:
    """Return the unrevoked token matching the plaintext, or None."""
    if not plaintext or len(plaintext) > 200:
        return None
    token = db.session.scalars(
        select(StaffToken).where(StaffToken.token_hash == hash_secret(plaintext))
    ).one_or_none()
    if token is None or not token.is_active:
        return None
    return token
