"""Signing in to the console with a staff token, and who is signed in on every request."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from booking.auth.models import StaffToken
from booking.auth.service import find_active_token
from booking.errors import Forbidden, NotFound
from booking.extensions import db
from booking.officers.models import Officer
from booking.web.security import protect_form
from booking.web.staff import bp

_SESSION_TOKEN_ID = "staff_token_id"  # noqa: S105 (a session key, not a secret)
_SESSION_CHECK = "staff_token_check"
# Views reachable without signing in.
_PUBLIC_ENDPOINTS = frozenset({"staff.login", "staff.logout"})
# A `next` target: a path of this console with a plain query, nothing that a browser could read
# as another origin ("//host", "/\\host") or a scheme.
_LOCAL_NEXT = re.compile(r"^/staff(?:/[A-Za-z0-9._~%/-]*)?(?:\?[A-Za-z0-9._~%&=+:-]*)?$")
_MAX_NEXT = 500

ROLE_NAMES = {
    "admin": "Administratör",
    "service_center": "Servicecenter",
    "officer": "Handläggare",
}


def _session_check(token: StaffToken) -> str:
    # Bound to the token's hash and the app's key: an id reused after the row was deleted, or a
    # cookie from another deployment, does not sign anyone in.
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, token.token_hash.encode(), hashlib.sha256).hexdigest()[:32]


def safe_next(value: str | None) -> str | None:
    """The `next` path if it is a local console path, else None (no open redirect)."""
    if not value or len(value) > _MAX_NEXT or not _LOCAL_NEXT.match(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "//" in parts.path or ".." in parts.path:
        return None
    return value


def _load_signed_in() -> StaffToken | None:
    token_id = session.get(_SESSION_TOKEN_ID)
    check = session.get(_SESSION_CHECK)
    if not isinstance(token_id, int) or not isinstance(check, str):
        return None
    token = db.session.get(StaffToken, token_id)
    if token is None or not token.is_active:
        return None
    if not hmac.compare_digest(_session_check(token), check):
        return None
    return token


@bp.before_request
def _signed_in_staff() -> Response | None:
    # The console is Swedish only, whatever the browser or an earlier public page chose.
    g.page_language = "sv"
    token = _load_signed_in()
    if token is None and _SESSION_TOKEN_ID in session:
        # Revoked (or otherwise no longer valid): sign out now, not at the session's end.
        session.clear()
        flash("Du har loggats ut. Logga in igen.", "info")
    if token is not None:
        # Service functions and current_staff() read the caller from here.
        g.staff = token
        return None
    if request.endpoint in _PUBLIC_ENDPOINTS:
        return None
    target = None
    if request.method == "GET":
        target = safe_next(request.full_path.rstrip("?"))
    return redirect(url_for("staff.login", next=target), 303)


def signed_in() -> StaffToken:
    """The staff token of this console request (the before_request guarantees one)."""
    token: StaffToken = g.staff
    return token


def require_role(*roles: str) -> StaffToken:
    """The signed-in staff token if its role is one of `roles`, else 403."""
    token = signed_in()
    if token.role not in roles:
        raise Forbidden(f"The role '{token.role}' may not do this.")
    return token


@bp.app_context_processor
def _staff_context() -> dict[str, Any]:
    token = g.get("staff") if request.blueprint == "staff" else None
    if token is None:
        return {"staff_user": None}
    officer_name = None
    if token.officer_id is not None:
        officer = db.session.get(Officer, token.officer_id)
        officer_name = officer.name if officer is not None else None
    return {
        "staff_user": token,
        "staff_role_name": ROLE_NAMES.get(token.role, token.role),
        "staff_officer_name": officer_name,
        "staff_can_book": token.role in ("admin", "service_center"),
    }


@bp.route("/logga-in", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with a staff token; a wrong token gives the form again with 401."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.get("staff") is not None:
            return redirect(target or url_for("staff.home"), 303)
        return render_template("web/staff/login.html", next=target, error=None)
    protect_form()
    given = request.form.get("token", "")
    token = find_active_token(given.strip()) if isinstance(given, str) else None
    if token is None:
        # The token itself is never echoed back, logged or kept.
        error = "Nyckeln är fel, har gått ut eller har spärrats. Kontrollera den och försök igen."
        return render_template("web/staff/login.html", next=target, error=error), 401
    # A fresh session: nothing from before signing in (e.g. a planted value) survives it.
    session.clear()
    session[_SESSION_TOKEN_ID] = token.id
    session[_SESSION_CHECK] = _session_check(token)
    session.permanent = True
    return redirect(target or url_for("staff.home"), 303)


@bp.post("/logga-ut")
def logout() -> Response:
    """Sign out: forget the session."""
    protect_form()
    session.clear()
    flash("Du är utloggad.", "info")
    return redirect(url_for("staff.login"), 303)


@bp.errorhandler(Forbidden)
def _forbidden(exc: Forbidden) -> tuple[str, int]:
    # Said plainly in the console's words; the site's generic error page would suggest retrying.
    message = "Din roll har inte tillgång till den här sidan."
    return render_template("web/staff/problem.html", title="Ingen behörighet", message=message), 403


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> tuple[str, int]:
    # The same answer whether it does not exist or belongs to another officer.
    message = "Bokningen eller återuppringningen finns inte, eller så kan du inte se den."
    return render_template("web/staff/problem.html", title="Hittades inte", message=message), 404
