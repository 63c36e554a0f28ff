"""Passwords of officers' calendar sources, encrypted at rest.

Staff tokens and feed tokens are stored as hashes, but a CalDAV password (or the password in
an ICS URL's user info) must be sent to the calendar server by the worker, so it has to be
recoverable: it is stored encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from
``cryptography``). The key is derived with HKDF-SHA256 from `BOOKING_CALENDAR_KEY` when that is
set, else from the app's `SECRET_KEY`, so a database dump alone does not reveal the passwords.
The key can be rotated: the old secret listed in `BOOKING_CALENDAR_KEY_PREVIOUS` still decrypts
(booking/crypto.py) until `flask keys rotate` has re-encrypted every password under the new one.
A password that no configured key opens is unreadable: the affected sources then fail with an
error saying so, until an administrator sets the source again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet

from booking.crypto import key_ring

__all__ = ["CredentialError", "decrypt_password", "encrypt_password", "password_key_ring"]

# Binds the derived key to this one use of the secret (RFC 5869 "info").
_INFO = b"radgivningsbokning calendar-source password v1"


class CredentialError(Exception):
    """A stored password cannot be decrypted (the key changed, or the value was altered)."""


def password_key_ring(config: Mapping[str, Any]) -> MultiFernet:
    """The current key (encrypts) and those of BOOKING_CALENDAR_KEY_PREVIOUS (decrypt only)."""
    secret = config.get("BOOKING_CALENDAR_KEY") or config.get("SECRET_KEY")
    if not secret:
        raise CredentialError("no key: set BOOKING_CALENDAR_KEY or BOOKING_SECRET_KEY")
    return key_ring(
        current=secret, previous=config.get("BOOKING_CALENDAR_KEY_PREVIOUS"), info=_INFO
    )


def encrypt_password(password: str, *, config: Mapping[str, Any]) -> str:
    """Encrypt a password for storage (a new random IV each time)."""
    return password_key_ring(config).encrypt(password.encode("utf-8")).decode("ascii")


def decrypt_password(ciphertext: str, *, config: Mapping[str, Any]) -> str:
    """Decrypt a stored password; CredentialError when no configured key fits."""
    try:
        return password_key_ring(config).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise CredentialError(
            "the stored password cannot be decrypted (was the key changed?); set the source again"
        ) from exc
