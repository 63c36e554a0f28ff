"""The service-center console under /staff: sign-in, overview, booking and call-backs for callers.

Swedish only (it is for municipal staff). Staff sign in with their staff token once; the session
then holds the token's id and a check derived from its hash, and every request re-reads the token
so that a revoked token signs out at once. The views call the same services as the JSON API with
that token as `staff=`, so what an officer may see is decided in one place.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Imported for their routes, which attach themselves to `bp`.
from booking.web.staff import (  # noqa: E402, F401
    auth,
    bookings,
    callbacks,
    home,
    outcomes,
    stats,
)
