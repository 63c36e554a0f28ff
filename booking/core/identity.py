"""Applicant identifiers: Swedish organisation and personal identity numbers, phone numbers."""

from __future__ import annotations

import phonenumbers
from stdnum.se import orgnr, personnummer

__all__ = [
    "InvalidIdentifier",
    "is_personal_identity_number",
    "mask_personal_identity_number",
    "normalise_company_identifier",
    "normalise_organisation_number",
    "normalise_phone",
]

# Messages are shown to applicants and may be logged, so they never echo the submitted value.
_ORGNR_MESSAGE = "Enter a valid Swedish organisation number (10 digits, NNNNNN-NNNN)."
_PERSONNUMMER_MESSAGE = "Enter a valid Swedish personal identity number."
_COMPANY_MESSAGE = (
    "Enter a valid Swedish organisation number or, for a sole trader, "
    "a valid personal identity number."
)
_PHONE_MESSAGE = "Enter a valid phone number, including the area code."


class InvalidIdentifier(ValueError):
    """An identifier failed validation; the message is user-facing and never contains the input."""


def _organisation_digits(value: str) -> str | None:
    try:
        digits = orgnr.compact(value)
    except Exception:
        return None
    # Skatteverket's 12-digit form prefixes legal persons with "16".
    if len(digits) == 12 and digits.startswith("16"):
        digits = digits[2:]
    if not orgnr.is_valid(digits):
        return None
    # A personnummer also passes the Luhn check; organisation numbers are told apart by their
    # "month" digits being 20 or more.
    if int(digits[2:4]) < 20:
        return None
    return digits


def normalise_organisation_number(value: str) -> str:
    """Return a valid Swedish organisation number as "NNNNNN-NNNN"; raise InvalidIdentifier."""
    digits = _organisation_digits(value)
    if digits is None:
        raise InvalidIdentifier(_ORGNR_MESSAGE)
    return f"{digits[:6]}-{digits[6:]}"


def is_personal_identity_number(value: str) -> bool:
    """Return True for a valid Swedish personnummer (10 or 12 digits, '-' or '+' separator)."""
    try:
        return personnummer.is_valid(value)
    except Exception:
        # stdnum only promises ValidationError; odd input must still just mean "not valid".
        return False


def mask_personal_identity_number(value: str) -> str:
    """Return the personnummer with only its birth-date part kept, e.g. "811218-****"."""
    if not is_personal_identity_number(value):
        raise InvalidIdentifier(_PERSONNUMMER_MESSAGE)
    compact = personnummer.compact(value)
    # compact() is "[YY]YYMMDD", separator, four digits; the separator is kept because '+'
    # carries meaning (aged 100 or more).
    return compact[:-4] + "****"


def normalise_company_identifier(value: str) -> tuple[str, str]:
    """Classify a company identifier as an organisation number or a (masked) sole trader's pnr."""
    digits = _organisation_digits(value)
    if digits is not None:
        return ("organisation_number", f"{digits[:6]}-{digits[6:]}")
    if is_personal_identity_number(value):
        return ("personal_identity_number", mask_personal_identity_number(value))
    raise InvalidIdentifier(_COMPANY_MESSAGE)


def normalise_phone(value: str, region: str = "SE") -> str:
    """Return ``value`` as an E.164 phone number, parsing national numbers in ``region``."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier(_PHONE_MESSAGE) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier(_PHONE_MESSAGE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
