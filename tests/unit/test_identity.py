"""Applicant identifiers: organisation numbers, personnummer (masked) and phone numbers."""

from __future__ import annotations

import re

import pytest

from booking.core.identity import (
    InvalidIdentifier,
    is_personal_identity_number,
    mask_personal_identity_number,
    normalise_company_identifier,
    normalise_organisation_number,
    normalise_phone,
)


def assert_message_hides(error: pytest.ExceptionInfo[InvalidIdentifier], value: str) -> None:
    message = str(error.value)
    assert message  # user-facing: never empty
    if value.strip():
        assert value.strip() not in message
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 3:
        assert digits not in re.sub(r"\D", "", message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("556036-0793", "556036-0793"),
        ("5560360793", "556036-0793"),
        (" 556036 0793 ", "556036-0793"),
        ("16556036-0793", "556036-0793"),  # Skatteverket's 12-digit form
        ("202100-5489", "202100-5489"),
    ],
)
def test_valid_organisation_numbers_are_normalised(value: str, expected: str) -> None:
    assert normalise_organisation_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "556036-0794",  # bad check digit
        "5560360792",
        "556036-079",
        "55603607931",
        "abcdef-ghij",
        "",
        "880320-0016",  # a personnummer is not an organisation number
    ],
)
def test_invalid_organisation_numbers_are_rejected(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        normalise_organisation_number(value)
    assert isinstance(error.value, ValueError)
    assert_message_hides(error, value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("880320-0016", True),
        ("8803200016", True),
        ("19880320-0016", True),
        ("198803200016", True),
        ("880320+0016", True),
        ("880320-0018", False),  # bad check digit
        ("881320-0016", False),  # month 13
        ("556036-0793", False),  # an organisation number: "month" 60
        ("", False),
        ("not a number", False),
    ],
)
def test_is_personal_identity_number(value: str, valid: bool) -> None:
    assert is_personal_identity_number(value) is valid


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("880320-0016", "880320-****"),
        ("8803200016", "880320-****"),
        ("198803200016", "19880320-****"),
        ("880320+0016", "880320+****"),
    ],
)
def test_mask_keeps_only_the_birth_date(value: str, masked: str) -> None:
    assert mask_personal_identity_number(value) == masked
    assert "0016" not in mask_personal_identity_number(value)


def test_mask_rejects_invalid_numbers() -> None:
    with pytest.raises(InvalidIdentifier) as error:
        mask_personal_identity_number("880320-0018")
    assert_message_hides(error, "880320-0018")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("556036-0793", ("organisation_number", "556036-0793")),
        ("5560360793", ("organisation_number", "556036-0793")),
        ("880320-0016", ("personal_identity_number", "880320-****")),
        ("8803200016", ("personal_identity_number", "880320-****")),
        ("198803200016", ("personal_identity_number", "19880320-****")),
    ],
)
def test_company_identifier(value: str, expected: tuple[str, str]) -> None:
    assert normalise_company_identifier(value) == expected


@pytest.mark.parametrize("value", ["556036-0794", "880320-0018", "12345", "", "x" * 500])
def test_company_identifier_rejects_invalid(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        normalise_company_identifier(value)
    assert_message_hides(error, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("070-123 45 67", "+46701234567"),
        ("0701234567", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046701234567", "+46701234567"),
        ("+46 8 123 456 78", "+46812345678"),
        ("08-123 456 78", "+46812345678"),
        ("+47 22 12 34 56", "+4722123456"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(value: str, expected: str) -> None:
    assert normalise_phone(value) == expected


def test_phone_region_is_used_for_national_numbers() -> None:
    assert normalise_phone("22 12 34 56", region="NO") == "+4722123456"
    assert normalise_phone("22 12 34 56", region="SE") == "+4622123456"
    assert normalise_phone("+46 70 123 45 67", region="NO") == "+46701234567"


@pytest.mark.parametrize(
    "value", ["123", "070-123 45 6", "+46 70", "abc", "", "070-123 45 67 89 01", "+999 1234567"]
)
def test_invalid_phone_numbers_are_rejected(value: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        normalise_phone(value)
    assert_message_hides(error, value)
