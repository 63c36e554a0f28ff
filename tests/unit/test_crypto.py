"""Key rings for the encrypted secrets: today's keys unchanged, previous secrets still decrypt."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from booking.calendar.credentials import CredentialError, decrypt_password, encrypt_password
from booking.config import config_from_env
from booking.crypto import derive_fernet, key_ring, previous_secrets
from booking.privacy.identity_numbers import decrypt_identity_number, encrypt_identity_number

NUMBER = "198112189876"
PASSWORD = "lösen-från-förr"
# Written by the code as it was before key rotation existed (no *_PREVIOUS settings then):
# SECRET_KEY "written-before-rotation", or the kind's own key.
OLD_NUMBER = (
    "gAAAAABrCNy4uFuoPeaG_mJ0-SCGwQqaohki6kOMZNaONCqVvHmUGEwZqyuXuFLtb3jUuwXf9AsrlQFz8"
    "-K322-LGpyR8kB-SQ=="
)
OLD_NUMBER_OWN_KEY = (
    "gAAAAABrCNy48eaDaIe3usrRXVMgACVc3I78p1e2C8ORaNXyMfm0t3gmmGGid66or2l4GfC-qdVNjF1xtJ7c8"
    "bk-qzohfOnn5A=="
)
OLD_PASSWORD = (
    "gAAAAABrCNy4lV5pSn8tLv1zlfRvT9ZdHa6_wDjGJ08EBOi_NfAMbOtC4D3RCIRHVZo7RlFWViVzwJb1F24fksafX"
    "-PKanA7L-LtpastVpb_qP050ZYHGHo="
)
OLD_PASSWORD_OWN_KEY = (
    "gAAAAABrCNy4NlhQqswTxQ2OyRNljQl1_2hEojmqmCuwqEyRbKiU8j-vkSDLK6MiykY-5G0LzncQ3yEFlMH91SOJ_GUDgP"
    "6vD4ZsDbTX9Rld-LwyKwABcWY="
)
IDENTITY_INFO = b"radgivningsbokning personal identity number v1"
PASSWORD_INFO = b"radgivningsbokning calendar-source password v1"


def _todays_key(secret: str, info: bytes) -> Fernet:
    """The derivation as both modules wrote it before this change."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


@pytest.mark.parametrize("info", [IDENTITY_INFO, PASSWORD_INFO])
def test_the_derived_key_is_the_one_used_before_rotation(info: bytes) -> None:
    token = _todays_key("s3cret", info).encrypt(b"x")
    assert derive_fernet("s3cret", info=info).decrypt(token) == b"x"
    assert key_ring(current="s3cret", previous="", info=info).decrypt(token) == b"x"
    # Bytes and text of the same secret derive the same key.
    assert derive_fernet(b"s3cret", info=info).decrypt(token) == b"x"


def test_values_written_before_rotation_still_decrypt_without_previous_keys() -> None:
    config = {"SECRET_KEY": "written-before-rotation", "BOOKING_IDENTITY_KEY_PREVIOUS": ""}
    assert decrypt_identity_number(OLD_NUMBER, config=config) == NUMBER
    assert decrypt_password(OLD_PASSWORD, config=config) == PASSWORD
    own = {"SECRET_KEY": "x", "BOOKING_IDENTITY_KEY": "identity-before-rotation"}
    assert decrypt_identity_number(OLD_NUMBER_OWN_KEY, config=own) == NUMBER
    own = {"SECRET_KEY": "x", "BOOKING_CALENDAR_KEY": "calendar-before-rotation"}
    assert decrypt_password(OLD_PASSWORD_OWN_KEY, config=own) == PASSWORD


def test_a_previous_secret_decrypts_and_the_current_one_encrypts() -> None:
    rotated = {
        "SECRET_KEY": "x",
        "BOOKING_IDENTITY_KEY": "new-identity",
        "BOOKING_IDENTITY_KEY_PREVIOUS": "older, written-before-rotation",
        "BOOKING_CALENDAR_KEY": "new-calendar",
        "BOOKING_CALENDAR_KEY_PREVIOUS": "written-before-rotation",
    }
    assert decrypt_identity_number(OLD_NUMBER, config=rotated) == NUMBER
    assert decrypt_password(OLD_PASSWORD, config=rotated) == PASSWORD
    # What is written now opens with the new key alone, not with the old one.
    sealed = encrypt_identity_number(NUMBER, config=rotated)
    assert decrypt_identity_number(sealed, config={"BOOKING_IDENTITY_KEY": "new-identity"}) == (
        NUMBER
    )
    assert decrypt_identity_number(sealed, config={"SECRET_KEY": "written-before-rotation"}) is None
    sealed = encrypt_password(PASSWORD, config=rotated)
    assert decrypt_password(sealed, config={"BOOKING_CALENDAR_KEY": "new-calendar"}) == PASSWORD
    with pytest.raises(CredentialError):
        decrypt_password(sealed, config={"SECRET_KEY": "written-before-rotation"})


def test_without_the_previous_secret_an_old_value_is_unreadable() -> None:
    config = {"SECRET_KEY": "x", "BOOKING_IDENTITY_KEY": "new", "BOOKING_CALENDAR_KEY": "new"}
    assert decrypt_identity_number(OLD_NUMBER, config=config) is None
    with pytest.raises(CredentialError):
        decrypt_password(OLD_PASSWORD, config=config)


def test_a_previous_secret_of_one_kind_does_not_open_the_other() -> None:
    config = {"SECRET_KEY": "x", "BOOKING_CALENDAR_KEY_PREVIOUS": "written-before-rotation"}
    assert decrypt_identity_number(OLD_NUMBER, config=config) is None
    config = {"SECRET_KEY": "x", "BOOKING_IDENTITY_KEY_PREVIOUS": "written-before-rotation"}
    with pytest.raises(CredentialError):
        decrypt_password(OLD_PASSWORD, config=config)


def test_rotate_moves_a_token_to_the_current_key() -> None:
    ring = key_ring(current="new", previous="old", info=IDENTITY_INFO)
    old = derive_fernet("old", info=IDENTITY_INFO).encrypt(b"v")
    fresh = ring.rotate(old)
    assert derive_fernet("new", info=IDENTITY_INFO).decrypt(fresh) == b"v"
    with pytest.raises(InvalidToken):
        derive_fernet("old", info=IDENTITY_INFO).decrypt(fresh)
    with pytest.raises(InvalidToken):
        ring.rotate(derive_fernet("other", info=IDENTITY_INFO).encrypt(b"v"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        (" a , ,b ", ["a", "b"]),
        (["a", "", b"c"], ["a", b"c"]),
        (("a",), ["a"]),
    ],
)
def test_previous_secrets_are_read_from_text_or_a_list(value: object, expected: list[str]) -> None:
    assert previous_secrets(value) == expected


def test_previous_secrets_refuse_anything_else() -> None:
    with pytest.raises(TypeError):
        previous_secrets(42)
    with pytest.raises(TypeError):
        previous_secrets([1, 2])


def test_the_previous_keys_come_from_the_environment() -> None:
    settings = config_from_env(
        {"BOOKING_IDENTITY_KEY_PREVIOUS": "a,b", "BOOKING_CALENDAR_KEY_PREVIOUS": "c"}
    )
    assert settings["BOOKING_IDENTITY_KEY_PREVIOUS"] == "a,b"
    assert settings["BOOKING_CALENDAR_KEY_PREVIOUS"] == "c"
    assert "BOOKING_IDENTITY_KEY_PREVIOUS" not in config_from_env({})
