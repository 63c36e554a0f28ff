"""An officer's own calendar source through the HTTP API: roles, bad input, what is shown."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.calendar.credentials import decrypt_password
from booking.calendar.models import CalendarSource
from booking.extensions import db
from tests.api.helpers import assert_problem, snapshot

ICS = {"kind": "ics", "url": "https://outlook.example.org/owa/calendar/abc/reachcalendar.ics"}
CALDAV = {
    "kind": "caldav",
    "url": "https://dav.example.org/calendars/anna/work/",
    "username": "anna",
    "password": "lösen-är-hemligt",
}


def path(officer_id: int) -> str:
    """The calendar source of an officer."""
    return f"/api/v1/officers/{officer_id}/calendar-source"


def stored(app: Flask, officer_id: int) -> CalendarSource | None:
    """The stored row (detached) of an officer's source."""
    with app.app_context():
        row = db.session.scalars(
            select(CalendarSource).where(CalendarSource.officer_id == officer_id)
        ).one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def test_admin_sets_an_ics_source_and_reads_it_back(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    officer = world.private_officers[0]
    response = client.put(path(officer), json=ICS, headers=world.admin)
    assert response.status_code == 200, response.json
    body = response.json
    assert body == {
        "officer_id": officer,
        "kind": "ics",
        "url": ICS["url"],
        "username": None,
        "has_password": False,
        "status": "pending",
        "writes_bookings": False,
        "events_imported": 0,
        "last_attempt_at": None,
        "last_success_at": None,
        "last_error": None,
        "created_at": "2027-03-01T09:00:00+01:00",
        "updated_at": "2027-03-01T09:00:00+01:00",
    }
    assert client.get(path(officer), headers=world.admin).json == body


def test_a_caldav_password_is_stored_encrypted_and_never_shown(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    officer = world.private_officers[0]
    response = client.put(path(officer), json=CALDAV, headers=world.admin)
    assert response.status_code == 200, response.json
    assert response.json["username"] == "anna"
    assert response.json["has_password"] is True
    assert response.json["writes_bookings"] is True
    assert "password" not in response.json
    assert CALDAV["password"] not in response.get_data(as_text=True)

    row = stored(app, officer)
    assert row is not None and row.password_ciphertext is not None
    assert CALDAV["password"] not in row.password_ciphertext
    assert CALDAV["password"].encode() not in row.password_ciphertext.encode()
    assert decrypt_password(row.password_ciphertext, config=app.config) == CALDAV["password"]
    # A fresh IV each time: the same password twice gives two different ciphertexts.
    client.put(path(officer), json={**CALDAV, "password": "annat"}, headers=world.admin)
    client.put(path(officer), json=CALDAV, headers=world.admin)
    again = stored(app, officer)
    assert again is not None and again.password_ciphertext != row.password_ciphertext


def test_user_info_in_the_url_becomes_the_credentials_and_is_not_shown(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    officer = world.private_officers[0]
    url = "webcal://kalle%40example.org:p%C3%A5ss%3Aord@cal.example.org:8443/pub/kalle.ics?x=1"
    response = client.put(path(officer), json={"kind": "ics", "url": url}, headers=world.admin)
    assert response.status_code == 200, response.json
    assert response.json["url"] == "https://cal.example.org:8443/pub/kalle.ics?x=1"
    assert response.json["username"] == "kalle@example.org"
    assert response.json["has_password"] is True
    assert "påss" not in response.get_data(as_text=True)
    row = stored(app, officer)
    assert row is not None and row.password_ciphertext is not None
    assert decrypt_password(row.password_ciphertext, config=app.config) == "påss:ord"


def test_setting_the_same_source_again_keeps_its_state_and_another_resets_it(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    officer = world.private_officers[0]
    client.put(path(officer), json=CALDAV, headers=world.admin)
    first = stored(app, officer)
    assert first is not None
    client.put(path(officer), json=CALDAV, headers=world.admin)
    same = stored(app, officer)
    assert same is not None and same.version == first.version
    client.put(path(officer), json={**CALDAV, "url": CALDAV["url"] + "x/"}, headers=world.admin)
    changed = stored(app, officer)
    assert changed is not None and changed.version == first.version + 1
    assert changed.id == first.id


def test_delete_removes_the_source(app: Flask, client: FlaskClient, world: Any) -> None:
    officer = world.private_officers[0]
    client.put(path(officer), json=ICS, headers=world.admin)
    assert client.delete(path(officer), headers=world.admin).status_code == 204
    assert stored(app, officer) is None
    assert_problem(client.get(path(officer), headers=world.admin), 404)
    assert_problem(client.delete(path(officer), headers=world.admin), 404)


@pytest.mark.parametrize("officer_id", [999, 0, 2**31, 2**40])
def test_an_unknown_officer_is_404(client: FlaskClient, world: Any, officer_id: int) -> None:
    assert_problem(client.put(path(officer_id), json=ICS, headers=world.admin), 404)
    assert_problem(client.get(path(officer_id), headers=world.admin), 404)
    assert_problem(client.delete(path(officer_id), headers=world.admin), 404)


def test_roles(app: Flask, client: FlaskClient, factory: Any, world: Any) -> None:
    own, other = world.private_officers[0], world.private_officers[1]
    officer_token = factory.token("officer", officer_id=own)
    client.put(path(own), json=ICS, headers=world.admin)
    client.put(path(other), json=ICS, headers=world.admin)
    before = snapshot(app)

    for method in ("put", "get", "delete"):
        call = getattr(client, method)
        kwargs = {"json": ICS} if method == "put" else {}
        assert_problem(call(path(own), **kwargs), 401)
        assert_problem(call(path(own), headers={"Authorization": "Bearer nope"}, **kwargs), 401)
        assert_problem(call(path(own), headers=world.service_center, **kwargs), 403)
    # An officer reads their own source, and nobody else's; only an admin changes one.
    assert client.get(path(own), headers=officer_token).status_code == 200
    assert_problem(client.get(path(other), headers=officer_token), 403)
    assert_problem(client.put(path(own), json=ICS, headers=officer_token), 403)
    assert_problem(client.delete(path(own), headers=officer_token), 403)
    assert snapshot(app) == before


# body, the field the 422 names
BAD_INPUT: dict[str, tuple[Any, str]] = {
    "no-kind": ({"url": ICS["url"]}, "kind"),
    "unknown-kind": ({**ICS, "kind": "exchange"}, "kind"),
    "kind-not-a-string": ({**ICS, "kind": 1}, "kind"),
    "no-url": ({"kind": "ics"}, "url"),
    "empty-url": ({**ICS, "url": ""}, "url"),
    "ftp": ({**ICS, "url": "ftp://example.org/cal.ics"}, "url"),
    "javascript": ({**ICS, "url": "javascript:alert(1)"}, "url"),
    "file": ({**ICS, "url": "file:///etc/passwd"}, "url"),
    "relative": ({**ICS, "url": "/calendar.ics"}, "url"),
    "no-host": ({**ICS, "url": "https:///calendar.ics"}, "url"),
    "bad-port": ({**ICS, "url": "https://example.org:99999/x.ics"}, "url"),
    "blank-inside": ({**ICS, "url": "https://example.org/my cal.ics"}, "url"),
    "blank-around": ({**ICS, "url": " https://example.org/x.ics"}, "url"),
    "control": ({**ICS, "url": "https://example.org/\x00.ics"}, "url"),
    "newline": ({**ICS, "url": "https://example.org/x.ics\r\nX-Injected: 1"}, "url"),
    "too-long": ({**ICS, "url": "https://example.org/" + "a" * 2000}, "url"),
    "url-not-a-string": ({**ICS, "url": ["https://example.org"]}, "url"),
    "ics-with-username": ({**ICS, "username": "anna"}, "username"),
    "ics-with-password": ({**ICS, "password": "secret"}, "password"),
    "caldav-user-without-password": ({**CALDAV, "password": None}, "password"),
    "caldav-password-without-user": ({**CALDAV, "username": None}, "username"),
    "caldav-user-twice": ({**CALDAV, "url": "https://a:b@dav.example.org/cal/"}, "url"),
    "caldav-webcal": ({**CALDAV, "url": "webcal://dav.example.org/cal/"}, "url"),
    "empty-username": ({**CALDAV, "username": ""}, "username"),
    "long-password": ({**CALDAV, "password": "p" * 1001}, "password"),
    "unknown-field": ({**ICS, "token": "x"}, "token"),
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    app: Flask, client: FlaskClient, world: Any, name: str
) -> None:
    body, field = BAD_INPUT[name]
    before = snapshot(app)
    response = client.put(path(world.private_officers[0]), json=body, headers=world.admin)
    assert_problem(response, 422, field)
    assert snapshot(app) == before


def test_a_body_that_is_not_json_is_400(app: Flask, client: FlaskClient, world: Any) -> None:
    response = client.put(
        path(world.private_officers[0]),
        data="{kind: ics",
        headers={**world.admin, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)
