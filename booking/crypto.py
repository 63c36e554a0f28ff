"""Fernet keys derived from configured secrets, with the previous secrets kept for rotation.

Two kinds of stored secrets are encrypted with Fernet: sole traders' personal identity numbers
(booking/privacy/identity_numbers.py) and officers' calendar-source passwords
(booking/calendar/credentials.py). Each derives its key with HKDF-SHA256 from a configured
secret and its own "info" label. A key ring (cryptography's `MultiFernet`) puts the current
secret's key first, which encrypts, and then the keys of the previous secrets listed in a
`*_PREVIOUS` setting, which only decrypt, so values written under an old secret stay readable
until `flask keys rotate` has re-encrypted them (booking/privacy/rotation.py).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["derive_fernet", "key_ring", "previous_secrets"]


def derive_fernet(secret: str | bytes, *, info: bytes) -> Fernet:
    """The Fernet whose key HKDF-SHA256 derives from `secret` for the purpose `info`."""
    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def previous_secrets(value: object) -> list[str | bytes]:
    """The secrets a `*_PREVIOUS` setting lists: comma-separated text, or a list; blanks dropped."""
    if value is None:
        return []
    if isinstance(value, bytes):
        return [value] if value else []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Iterable):
        items = list(value)
        if all(isinstance(item, str | bytes) for item in items):
            return [item for item in items if item]
    raise TypeError("a *_PREVIOUS setting must be comma-separated text or a list of secrets")


def key_ring(*, current: str | bytes, previous: object, info: bytes) -> MultiFernet:
    """A MultiFernet: `current`'s key first (it encrypts), then each previous secret's key."""
    fernets = [derive_fernet(current, info=info)]
    fernets += [derive_fernet(secret, info=info) for secret in previous_secrets(previous)]
    return MultiFernet(fernets)
