"""Who is calling: staff bearer tokens and the role checks on views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import Blueprint

from booking.auth.models import StaffToken
from booking.auth.service import find_active_token
from booking.errors import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])


def current_staff(*, required: bool) -> StaffToken | None:
    """Return the staff token of this request; 401 if one is given but invalid, or required."""
    if "staff" in g:
        return g.staff  # type: ignore[no-any-return]
    header = request.headers.get("Authorization", "")
    if not header:
        if required:
            raise Unauthorized("A staff token is required (Authorization: Bearer <token>).")
        g.staff = None
        return None
    scheme, _, value = header.partition(" ")
    token = find_active_token(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise Unauthorized("The staff token is missing, malformed, unknown or revoked.")
    g.staff = token
    return token


def require_roles(*roles: str) -> Callable[[F], F]:
    """Guard a view: a valid staff token (401) whose role is one of `roles` (403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = current_staff(required=True)
            assert token is not None
            if token.role not in roles:
                raise Forbidden(f"The role '{token.role}' may not do this.")
            return view(*args, **kwargs)

        # The OpenAPI document says which endpoints need a token, and which roles.
        documented = Blueprint.doc(
            security=[{"bearerAuth": []}],
            description=f"Roles: {', '.join(roles)}.",
        )(wrapper)
        return documented  # type: ignore[no-any-return]

    return decorator
