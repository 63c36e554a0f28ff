"""Key rotation of the encrypted secrets: old values stay readable, `flask keys rotate` moves them.

Identity numbers (bookings, call-backs) and calendar-source passwords are written under key A;
the configuration then moves to key B with A as previous; the CLI re-encrypts everything it can
open under B, leaves what no key opens (key C) as it is, and audits the counts.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from booking.audit.models import AuditEntry
from booking.calendar.credentials import CredentialError, decrypt_password
from booking.extensions import db
from booking.privacy.identity_numbers import decrypt_identity_number
from tests.factories import booking_payload

PERSONNUMMER = "19811218-9876"
OTHER_PERSONNUMMER = "19121212-1212"
PASSWORD = "lösen-är-hemligt"
OTHER_PASSWORD = "annat-lösen"
KEYS = ("BOOKING_IDENTITY_KEY", "BOOKING_CALENDAR_KEY")
PREVIOUS = ("BOOKING_IDENTITY_KEY_PREVIOUS", "BOOKING_CALENDAR_KEY_PREVIOUS")


def use_keys(monkeypatch: pytest.MonkeyPatch, app: Flask, key: str, previous: str = "") -> None:
    """Configure both kinds' current key and previous keys (restored after the test)."""
    for name in KEYS:
        monkeypatch.setitem(app.config, name, key)
    for name in PREVIOUS:
        monkeypatch.setitem(app.config, name, previous)


def ciphertexts(app: Flask) -> dict[str, dict[int, Any]]:
    """The stored ciphertexts by table and id, as the database holds them."""
    queries = {
        "bookings": "SELECT id, identity_number_ciphertext FROM bookings",
        "callbacks": "SELECT id, identity_number_ciphertext FROM callbacks",
        "calendar_sources": "SELECT id, password_ciphertext FROM calendar_sources",
    }
    with app.app_context():
        found = {name: dict(db.session.execute(text(sql)).all()) for name, sql in queries.items()}
        db.session.rollback()
    return found


def book_sole_trader(client: FlaskClient, start: str, number: str) -> str:
    """Book as a sole trader; the booking's reference."""
    created = client.post(
        "/api/v1/bookings",
        json=booking_payload(
            start=start, applicant={"kind": "company", "organisation_number": number}
        ),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    return str(created.json["reference"])


def set_source(client: FlaskClient, world: Any, officer: int, password: str) -> None:
    """Give the officer a CalDAV source with a password."""
    response = client.put(
        f"/api/v1/officers/{officer}/calendar-source",
        json={
            "kind": "caldav",
            "url": f"https://dav.example.org/calendars/{officer}/work/",
            "username": f"officer{officer}",
            "password": password,
        },
        headers=world.admin,
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def staff_number(client: FlaskClient, world: Any, path: str) -> str | None:
    """The full identity number staff see for a booking or call-back."""
    response = client.get(path, headers=world.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["personal_identity_number"]  # type: ignore[no-any-return]


def rotation_audits(app: Flask) -> list[AuditEntry]:
    """The audit rows of key rotations, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "keys.rotate").order_by(AuditEntry.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        db.session.rollback()
    return list(rows)


def test_rotation_keeps_every_value_readable_and_moves_it_to_the_new_key(
    app: Flask,
    client: FlaskClient,
    world: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="booking")
    # Written under key A: a booking, a call-back and a calendar password.
    use_keys(monkeypatch, app, "key-a")
    reference = book_sole_trader(client, "2027-03-03T10:00:00+01:00", PERSONNUMMER)
    callback = client.post(
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
    assert callback.status_code == 201, callback.get_data(as_text=True)
    callback_path = f"/api/v1/callbacks/{callback.json['id']}"
    set_source(client, world, world.private_officers[0], PASSWORD)
    # Anonymised (here artificially still holding a ciphertext): never touched.
    anonymised_ref = book_sole_trader(client, "2027-03-03T13:00:00+01:00", PERSONNUMMER)
    with app.app_context():
        db.session.execute(
            text("UPDATE bookings SET anonymised_at = created_at WHERE reference = :r"),
            {"r": anonymised_ref},
        )
        db.session.commit()
    # Written under key C, which nobody will configure again: unreadable from now on.
    use_keys(monkeypatch, app, "key-c")
    lost_ref = book_sole_trader(client, "2027-03-03T11:00:00+01:00", OTHER_PERSONNUMMER)
    set_source(client, world, world.private_officers[1], OTHER_PASSWORD)

    # The new key B, with A as previous: A's values are still readable, C's are not.
    use_keys(monkeypatch, app, "key-b", previous="key-a")
    assert staff_number(client, world, f"/api/v1/bookings/{reference}") == PERSONNUMMER
    assert staff_number(client, world, callback_path) == PERSONNUMMER
    assert staff_number(client, world, f"/api/v1/bookings/{lost_ref}") is None
    before = ciphertexts(app)
    source_a, source_c = sorted(before["calendar_sources"])
    assert decrypt_password(before["calendar_sources"][source_a], config=app.config) == PASSWORD
    with pytest.raises(CredentialError):
        decrypt_password(before["calendar_sources"][source_c], config=app.config)

    # Batches of one: every row is its own transaction.
    result = app.test_cli_runner().invoke(args=["keys", "rotate", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "identity numbers: 2 rotated, 1 unreadable" in result.output
    assert "calendar passwords: 1 rotated, 1 unreadable" in result.output
    after = ciphertexts(app)

    # A is dropped: everything rotated opens with B alone.
    use_keys(monkeypatch, app, "key-b")
    assert staff_number(client, world, f"/api/v1/bookings/{reference}") == PERSONNUMMER
    assert staff_number(client, world, callback_path) == PERSONNUMMER
    assert decrypt_password(after["calendar_sources"][source_a], config=app.config) == PASSWORD
    with app.app_context():
        ids = db.session.execute(
            text("SELECT reference, id FROM bookings WHERE reference IN (:a, :b, :c)"),
            {"a": reference, "b": lost_ref, "c": anonymised_ref},
        ).all()
        db.session.rollback()
    booking_ids = dict(ids)
    rotated_booking = booking_ids[reference]
    assert after["bookings"][rotated_booking] != before["bookings"][rotated_booking]
    (callback_id,) = after["callbacks"]
    assert after["callbacks"][callback_id] != before["callbacks"][callback_id]
    assert after["calendar_sources"][source_a] != before["calendar_sources"][source_a]
    # What no key opens, and what is anonymised, is left exactly as it was.
    for ref in (lost_ref, anonymised_ref):
        assert after["bookings"][booking_ids[ref]] == before["bookings"][booking_ids[ref]]
    assert after["calendar_sources"][source_c] == before["calendar_sources"][source_c]
    key_a = {"BOOKING_IDENTITY_KEY": "key-a"}
    assert decrypt_identity_number(after["bookings"][booking_ids[anonymised_ref]], config=key_a)

    (entry,) = rotation_audits(app)
    assert entry.actor_kind == "system" and entry.object_type == "keys"
    assert entry.details == {
        "identity_numbers": {"rotated": 2, "unreadable": 1},
        "calendar_passwords": {"rotated": 1, "unreadable": 1},
    }

    # A second run rotates again (new tokens), harmlessly, and says so.
    again = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert again.exit_code == 0, again.output
    assert "identity numbers: 2 rotated, 1 unreadable" in again.output
    assert "calendar passwords: 1 rotated, 1 unreadable" in again.output
    third = ciphertexts(app)
    assert third["bookings"][rotated_booking] != after["bookings"][rotated_booking]
    assert staff_number(client, world, f"/api/v1/bookings/{reference}") == PERSONNUMMER
    assert len(rotation_audits(app)) == 2

    # Neither a plaintext nor a ciphertext reaches the output or the logs.
    shown = result.output + again.output + caplog.text
    assert "keys rotated" in caplog.text
    secrets = {PERSONNUMMER, "198112189876", OTHER_PERSONNUMMER, PASSWORD, OTHER_PASSWORD}
    for snapshot in (before, after, third):
        secrets |= {v for table in snapshot.values() for v in table.values() if v}
    for secret in secrets:
        assert secret not in shown


def test_without_previous_keys_a_value_written_before_is_read_with_the_same_key(
    app: Flask, client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default configuration (no *_PREVIOUS) reads what it wrote, and rotation keeps it so.
    assert app.config["BOOKING_IDENTITY_KEY_PREVIOUS"] == ""
    assert app.config["BOOKING_CALENDAR_KEY_PREVIOUS"] == ""
    reference = book_sole_trader(client, "2027-03-03T10:00:00+01:00", PERSONNUMMER)
    set_source(client, world, world.private_officers[0], PASSWORD)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "identity numbers: 1 rotated, 0 unreadable" in result.output
    assert "calendar passwords: 1 rotated, 0 unreadable" in result.output
    assert "Unreadable" not in result.output
    assert staff_number(client, world, f"/api/v1/bookings/{reference}") == PERSONNUMMER
    (password,) = ciphertexts(app)["calendar_sources"].values()
    assert decrypt_password(password, config=app.config) == PASSWORD


def test_an_empty_database_rotates_nothing_and_still_audits(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "identity numbers: 0 rotated, 0 unreadable" in result.output
    (entry,) = rotation_audits(app)
    assert entry.details == {
        "identity_numbers": {"rotated": 0, "unreadable": 0},
        "calendar_passwords": {"rotated": 0, "unreadable": 0},
    }
