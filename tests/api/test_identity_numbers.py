"""Sole traders' personal identity numbers: encrypted at rest, readable by staff through the API."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from booking.extensions import db
from booking.privacy.identity_numbers import (
    decrypt_identity_number,
    encrypt_identity_number,
)
from tests.factories import booking_payload

PERSONNUMMER = "19811218-9876"
FULL = "19811218-9876"


def raw_rows(app: Flask, table: str) -> list[dict[str, Any]]:
    """The table's rows as the database holds them, past every ORM type."""
    with app.app_context():
        rows = db.session.execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings().all()
        db.session.rollback()
        return [dict(r) for r in rows]


def test_the_number_is_stored_encrypted_and_shown_to_staff_only(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    created = client.post(
        "/api/v1/bookings",
        json=booking_payload(applicant={"kind": "company", "organisation_number": PERSONNUMMER}),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert "9876" not in created.get_data(as_text=True)

    (row,) = raw_rows(app, "bookings")
    assert row["organisation_number"] == "19811218-****"
    stored = " ".join(str(value) for value in row.values())
    assert "9876" not in stored and "8112189876" not in stored
    assert row["identity_number_ciphertext"].startswith("gAAAAA")  # a Fernet token

    reference = created.json["reference"]
    staff = client.get(f"/api/v1/bookings/{reference}", headers=world.admin)
    assert staff.json["personal_identity_number"] == FULL
    assert staff.json["applicant"]["organisation_number"] == "19811218-****"
    listed = client.get(
        "/api/v1/bookings?from=2027-03-03&to=2027-03-03", headers=world.service_center
    )
    assert [b["personal_identity_number"] for b in listed.json] == [FULL]
    # The applicant's own view keeps the masked form only.
    own = client.get(
        f"/api/v1/bookings/{reference}", headers={"X-Booking-Token": created.json["manage_token"]}
    )
    assert own.status_code == 200 and "9876" not in own.get_data(as_text=True)


def test_a_company_has_no_identity_number(client: FlaskClient, world: Any) -> None:
    created = client.post(
        "/api/v1/bookings",
        json=booking_payload(applicant={"kind": "company", "organisation_number": "5560360793"}),
    )
    staff = client.get(f"/api/v1/bookings/{created.json['reference']}", headers=world.admin)
    assert staff.json["personal_identity_number"] is None
    assert staff.json["applicant"]["organisation_number"] == "556036-0793"


def test_call_backs_too_and_erasure_removes_it(app: Flask, client: FlaskClient, world: Any) -> None:
    created = client.post(
        "/api/v1/callbacks",
        json={
            "applicant": {
                "kind": "company",
                "name": "Firma Öberg",
                "phone": "070-123 45 67",
                "organisation_number": PERSONNUMMER,
            },
            "topic": "Altan",
        },
        headers=world.service_center,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    (row,) = raw_rows(app, "callbacks")
    assert "9876" not in " ".join(str(value) for value in row.values())
    read = client.get(f"/api/v1/callbacks/{created.json['id']}", headers=world.admin)
    assert read.json["personal_identity_number"] == FULL

    erased = client.post(
        "/api/v1/applicants/erase", json={"phone": "0701234567"}, headers=world.admin
    )
    assert erased.status_code == 200
    (row,) = raw_rows(app, "callbacks")
    assert row["identity_number_ciphertext"] is None and row["organisation_number"] is None


def test_encryption_round_trips_with_its_own_key() -> None:
    config = {"SECRET_KEY": "s3cret"}
    first = encrypt_identity_number(FULL, config=config)
    assert first != encrypt_identity_number(FULL, config=config)  # a fresh IV each time
    assert decrypt_identity_number(first, config=config) == FULL
    # BOOKING_IDENTITY_KEY wins over SECRET_KEY; another key cannot read it.
    own = encrypt_identity_number(FULL, config={**config, "BOOKING_IDENTITY_KEY": "k"})
    assert decrypt_identity_number(own, config={"BOOKING_IDENTITY_KEY": "k"}) == FULL
    assert decrypt_identity_number(own, config=config) is None


def test_the_key_is_not_the_calendar_passwords_key() -> None:
    from booking.calendar.credentials import CredentialError, decrypt_password

    sealed = encrypt_identity_number(FULL, config={"SECRET_KEY": "same"})
    with pytest.raises(CredentialError):
        decrypt_password(sealed, config={"SECRET_KEY": "same"})
