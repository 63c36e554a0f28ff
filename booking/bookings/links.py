"""The applicant's manage token and link: derived from the signing key, stored only as a hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote


def manage_token_for(*, secret_key: str, reference: str) -> str:
    """Return the booking's manage token: an HMAC of its reference under the signing key.

    Derived rather than random so the worker can put the link in a reminder days later and an
    idempotent replay can return it again, while the database holds only its hash.
    """
    digest = hmac.new(secret_key.encode(), b"manage-token\0" + reference.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def manage_url(*, public_url: str, reference: str, token: str, language: str = "sv") -> str:
    """Return the link applicants manage their booking with (in e-mails, SMS and invites).

    It opens the manage page; a booking made in English asks for the English page, since the
    link is often opened in a browser whose language says nothing about the applicant's.
    """
    base = public_url.rstrip("/")
    url = f"{base}/boka/hantera/{quote(reference, safe='')}?token={quote(token, safe='')}"
    return f"{url}&lang=en" if language == "en" else url


def staff_booking_url(*, public_url: str, reference: str) -> str:
    """Return the booking's page in the staff console (for officers' invites and feeds)."""
    return f"{public_url.rstrip('/')}/staff/bokning/{quote(reference, safe='')}"
