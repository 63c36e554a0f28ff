"""Sole traders' personal identity numbers, encrypted at rest.

A sole trader (enskild firma) gives a personal identity number where a company gives its
organisation number. The `organisation_number` column keeps only the masked form
("811218-****"), which is all that calendar feeds, e-mails, the applicant's own pages and
every listing ever show. The full number is kept beside it, encrypted, in
`identity_number_ciphertext`, for staff who must tell two sole traders apart (it is read through
the staff API and every such read is audited), and it goes with the rest at retention or
erasure. A hash would not do: staff need the number back, and a personnummer has so little
entropy that any unkeyed hash of one is reversed by trying them all.

Encryption as for calendar passwords (booking/calendar/credentials.py): Fernet (AES-128-CBC with
HMAC-SHA256), a key derived with HKDF-SHA256 from `BOOKING_IDENTITY_KEY`, else from the app's
`SECRET_KEY`, with its own HKDF "info", so this key differs from every other one derived from the
same secret. A database dump alone does not reveal the numbers. The key can be rotated: the old
secret listed in `BOOKING_IDENTITY_KEY_PREVIOUS` still decrypts (booking/crypto.py) until
`flask keys rotate` has re-encrypted every number under the new one. A number that no
configured key opens is unreadable (staff then see none; nothing else breaks).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from flask import current_app
from stdnum.se import personnummer

from booking.core.identity import is_personal_identity_number
from booking.crypto import key_ring

__all__ = [
    "decrypt_identity_number",
    "encrypt_identity_number",
    "identity_key_ring",
    "sealed_identity_number",
]

log = logging.getLogger(__name__)

PIN_KIND = "personal_identity_number"
# Binds the derived key to this one use of the secret (RFC 5869 "info").
_INFO = b"radgivningsbokning personal identity number v1"


class IdentityKeyError(Exception):
    """No key is configured for identity numbers."""


def identity_key_ring(config: Mapping[str, Any]) -> MultiFernet:
    """The current key (encrypts) and those of BOOKING_IDENTITY_KEY_PREVIOUS (decrypt only)."""
    secret = config.get("BOOKING_IDENTITY_KEY") or config.get("SECRET_KEY")
    if not secret:
        raise IdentityKeyError("no key: set BOOKING_IDENTITY_KEY or BOOKING_SECRET_KEY")
    return key_ring(
        current=secret, previous=config.get("BOOKING_IDENTITY_KEY_PREVIOUS"), info=_INFO
    )


def encrypt_identity_number(value: str, *, config: Mapping[str, Any]) -> str:
    """Encrypt a (valid) personal identity number for storage, a fresh IV each time."""
    return identity_key_ring(config).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_identity_number(ciphertext: str, *, config: Mapping[str, Any]) -> str | None:
    """The stored number, or None when no configured key fits (logged without the value)."""
    try:
        return identity_key_ring(config).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        log.warning("a stored personal identity number cannot be decrypted (was the key changed?)")
        return None


def sealed_identity_number(*, identifier_kind: str | None, number: str | None) -> str | None:
    """The ciphertext to store for a sole trader's number as given, else None."""
    if identifier_kind != PIN_KIND or not number or not is_personal_identity_number(number):
        return None
    # The compact form keeps the separator ('+' means aged 100 or more), like the masked one.
    return encrypt_identity_number(personnummer.compact(number), config=current_app.config)


def revealed_identity_number(row: Any) -> str | None:
    """A row's full personal identity number for staff (None for anyone else's kind of row)."""
    ciphertext = getattr(row, "identity_number_ciphertext", None)
    if getattr(row, "identifier_kind", None) != PIN_KIND or not ciphertext:
        return None
    return decrypt_identity_number(ciphertext, config=current_app.config)
