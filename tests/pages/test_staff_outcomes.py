"""Meeting outcomes in the console through the test client: the officer's list of meetings
awaiting one, the form on "Min dag" and on the booking's page, the service center's count per
team, and every refusal (twice, another officer's booking, too early, bad input, no CSRF)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.audit.models import AuditEntry
from booking.auth.models import StaffToken
from booking.auth.service import hash_secret
from booking.bookings.models import Booking
from booking.extensions import db
from booking.notifications.models import Notification
from booking.surveys.models import SurveyInvitation
from booking.web.staff import home
from tests.api.helpers import snapshot
from tests.conftest import STOCKHOLM, Clock
from tests.pages.helpers import csrf_token, visible_text
from tests.pages.test_staff_console import api_booking, booking_row, html_of, plaintext, signed_in

# booking_payload's meeting: Wednesday 3 March 2027, 10:00–10:45 Stockholm.
DURING = datetime(2027, 3, 3, 10, 10, tzinfo=STOCKHOLM)
AFTER = datetime(2027, 3, 3, 11, 0, tzinfo=STOCKHOLM)
AWAITING_TITLE = "Möten som väntar på utfall"


def outcome_url(reference: str) -> str:
    """The console's outcome form target of a booking."""
    return f"/staff/bokning/{reference}/utfall"


def officer_headers(factory: Any, officer_id: int) -> dict[str, str]:
    """A new officer token's Authorization header."""
    headers: dict[str, str] = factory.token("officer", officer_id=officer_id)
    return headers


def token_id(app: Flask, headers: dict[str, str]) -> int:
    """The stored id of the token in an Authorization header."""
    with app.app_context():
        query = select(StaffToken.id).where(
            StaffToken.token_hash == hash_secret(plaintext(headers))
        )
        found: int = db.session.scalars(query).one()
        return found


def outcome_audits(app: Flask, reference: str) -> list[tuple[int | None, dict[str, Any] | None]]:
    """(actor token id, details) of the booking's outcome audit rows, oldest first."""
    with app.app_context():
        query = (
            select(AuditEntry.actor_token_id, AuditEntry.details)
            .where(AuditEntry.action == "booking.outcome", AuditEntry.object_id == reference)
            .order_by(AuditEntry.id)
        )
        return [(row[0], row[1]) for row in db.session.execute(query)]


def survey_rows(app: Flask, reference: str) -> tuple[int, list[tuple[str, str]]]:
    """The booking's survey invitations and its survey outbox rows (channel, status)."""
    with app.app_context():
        booking_id = db.session.scalars(
            select(Booking.id).where(Booking.reference == reference)
        ).one()
        invitations = db.session.scalars(
            select(SurveyInvitation.id).where(SurveyInvitation.booking_id == booking_id)
        ).all()
        messages = db.session.execute(
            select(Notification.channel, Notification.status).where(
                Notification.booking_id == booking_id, Notification.kind == "survey"
            )
        ).all()
        return len(invitations), [(row[0], row[1]) for row in messages]


def awaiting_section(html: str) -> str:
    """The text of "Min dag"'s awaiting-outcome section (up to the next h2)."""
    start = html.index('id="awaiting-outcome"')
    end = html.index("<h2", start)
    return visible_text(html[start:end])


def team_sections(html: str) -> dict[str, str]:
    """The overview's text per team, by the team's name."""
    sections = re.findall(r"<section[^>]*>(.*?)</section>", html, flags=re.S)
    found = {}
    for section in sections:
        name = re.search(r"<h2[^>]*>(.*?)</h2>", section, flags=re.S)
        assert name is not None
        found[name.group(1).strip()] = visible_text(section)
    return found


def record(client: FlaskClient, reference: str, token: str, **fields: str) -> Any:
    """Post the console's outcome form."""
    return client.post(outcome_url(reference), data={"csrf_token": token, **fields})


# --- the officer's day ------------------------------------------------------------------------


def test_the_day_lists_ended_meetings_without_an_outcome(
    client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    anna, erik = world.private_officers[:2]
    ended = api_booking(client, world, officer_id=anna, applicant={"name": "Åsa Avslutad"})
    early = api_booking(
        client,
        world,
        officer_id=anna,
        start="2027-03-03T08:00:00+01:00",
        applicant={"name": "Bo Bokförd", "email": "bo@example.org"},
    )
    future = api_booking(
        client,
        world,
        officer_id=anna,
        start="2027-03-03T13:00:00+01:00",
        applicant={"name": "Cilla Kommande", "email": "cilla@example.org"},
    )
    others = api_booking(
        client, world, officer_id=erik, applicant={"name": "Dan Annans", "email": "d@example.org"}
    )
    clock.set(AFTER)
    done = client.post(
        f"/api/v1/bookings/{early['reference']}/outcome",
        json={"outcome": "completed"},
        headers=world.admin,
    )
    assert done.status_code == 200

    signed_in(client, officer_headers(factory, anna))
    html = html_of(client.get("/staff"))
    section = awaiting_section(html)
    assert AWAITING_TITLE in section
    assert "Åsa Avslutad" in section and ended["reference"] in section
    assert "Onsdag 3 mars 2027 kl. 10:00–10:45" in section
    assert "Bygglovsrådgivning, video" in section
    for absent in (early, future, others):
        assert absent["reference"] not in section, absent["reference"]
    ref = ended["reference"]
    assert f'href="/staff/bokning/{ref}"' in html
    # The form posts to the outcome route, comes back to the day, and names its meeting.
    form = html[html.index(f'action="{outcome_url(ref)}"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token"' in form and 'name="return_to" value="home"' in form
    assert 'value="completed"' in form and 'value="no_show"' in form
    assert 'name="note"' in form
    assert form.count("Åsa Avslutad") == 5  # the legend, both radios, the note and the button

    # A second meeting awaiting: every id and accessible name stays unique on the page.
    clock.set(datetime(2027, 3, 3, 14, 0, tzinfo=STOCKHOLM))
    html = html_of(client.get("/staff"))
    assert future["reference"] in awaiting_section(html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    hidden = re.findall(r'<span class="visually-hidden">([^<]+)</span>', html)
    assert sum("Åsa Avslutad" in h for h in hidden) == 4
    assert sum("Cilla Kommande" in h for h in hidden) == 4


def test_the_day_shows_the_newest_and_says_how_many_more(
    client: FlaskClient, world: Any, factory: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna = world.private_officers[0]
    references = [
        api_booking(
            client,
            world,
            officer_id=anna,
            start=f"2027-03-03T{hour:02}:00:00+01:00",
            applicant={"email": f"{hour}@example.org"},
        )["reference"]
        for hour in (8, 9, 10)
    ]
    clock.set(AFTER)
    monkeypatch.setattr(home, "AWAITING_SHOWN", 2)
    signed_in(client, officer_headers(factory, anna))
    section = awaiting_section(html_of(client.get("/staff")))
    oldest, middle, newest = references
    assert oldest not in section
    assert section.index(newest) < section.index(middle)
    assert "Ytterligare 1 äldre möte väntar på utfall" in section


def test_completed_from_the_day_is_recorded_audited_and_invites_to_the_survey(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    booking = api_booking(client, world, officer_id=anna)
    ref = booking["reference"]
    clock.set(AFTER)
    headers = officer_headers(factory, anna)
    signed_in(client, headers)
    token = csrf_token(html_of(client.get("/staff")))
    response = record(
        client, ref, token, outcome="completed", note="Gick igenom ritningarna.", return_to="home"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff"

    row = booking_row(app, ref)
    assert (row.outcome, row.outcome_note) == ("completed", "Gick igenom ritningarna.")
    assert row.outcome_at == AFTER
    assert row.outcome_by_token_id == token_id(app, headers)
    assert outcome_audits(app, ref) == [
        (token_id(app, headers), {"outcome": "completed", "previous": None})
    ]
    assert survey_rows(app, ref) == (1, [("email", "pending")])

    day = html_of(client.get("/staff"))
    text = visible_text(day)
    assert f"Utfallet för mötet med Åsa Öberg-Nguyễn ({ref}) är registrerat: Genomfört." in text
    assert ref not in awaiting_section(day)
    assert "Inga möten väntar på utfall" in text

    page = visible_text(html_of(client.get(f"/staff/bokning/{ref}")))
    assert "Utfall Genomfört" in page and "Gick igenom ritningarna." in page
    assert "Registrera utfall" not in page and "Ändra utfall" not in page  # set once


def test_no_show_from_the_booking_page_returns_there_and_sends_no_survey(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    ref = api_booking(client, world, officer_id=anna)["reference"]
    clock.set(AFTER)
    signed_in(client, officer_headers(factory, anna))
    page = html_of(client.get(f"/staff/bokning/{ref}"))
    assert f'action="{outcome_url(ref)}"' in page and "Registrera utfall" in visible_text(page)
    response = record(client, ref, csrf_token(page), outcome="no_show")
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/bokning/{ref}"
    row = booking_row(app, ref)
    assert (row.outcome, row.outcome_note) == ("no_show", None)
    assert survey_rows(app, ref) == (0, [])
    text = visible_text(html_of(client.get(f"/staff/bokning/{ref}")))
    assert "är registrerat: Uteblev" in text and "Utfall Uteblev" in text


def test_an_officer_records_once_and_the_second_answer_changes_nothing(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    ref = api_booking(client, world, officer_id=anna)["reference"]
    clock.set(AFTER)
    signed_in(client, officer_headers(factory, anna))
    # Two tabs: both forms were loaded before either was sent.
    token = csrf_token(html_of(client.get("/staff")))
    first = record(client, ref, token, outcome="completed", return_to="home")
    assert first.status_code == 303
    before = snapshot(app)
    second = record(client, ref, token, outcome="no_show", note="Fel", return_to="home")
    assert second.status_code == 409
    text = visible_text(html_of(second))
    assert "Utfallet är redan registrerat (Genomfört) och har inte ändrats" in text
    assert "Bara en administratör kan ändra det" in text
    assert snapshot(app) == before
    assert booking_row(app, ref).outcome == "completed"
    assert len(outcome_audits(app, ref)) == 1


def test_the_service_center_records_once_and_an_admin_may_change_it(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    ref = api_booking(client, world)["reference"]
    clock.set(AFTER)
    signed_in(client, world.service_center)
    page = html_of(client.get(f"/staff/bokning/{ref}"))
    assert record(client, ref, csrf_token(page), outcome="completed").status_code == 303
    again = record(client, ref, csrf_token(page), outcome="no_show")
    assert again.status_code == 409 and "redan registrerat" in visible_text(html_of(again))
    assert booking_row(app, ref).outcome == "completed"

    admin = app.test_client()
    signed_in(admin, world.admin)
    page = html_of(admin.get(f"/staff/bokning/{ref}"))
    assert "Ändra utfall" in visible_text(page)
    changed = record(admin, ref, csrf_token(page), outcome="no_show", note="Kom aldrig.")
    assert changed.status_code == 303
    row = booking_row(app, ref)
    assert (row.outcome, row.outcome_note) == ("no_show", "Kom aldrig.")
    assert row.outcome_by_token_id == token_id(app, world.admin)
    assert [details for _, details in outcome_audits(app, ref)] == [
        {"outcome": "completed", "previous": None},
        {"outcome": "no_show", "previous": "completed"},
    ]
    text = visible_text(html_of(admin.get(changed.headers["Location"])))
    assert "är ändrat: Uteblev" in text and "Kom aldrig." in text


# --- refusals ---------------------------------------------------------------------------------


def test_an_officer_cannot_record_another_officers_meeting(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    anna, erik = world.private_officers[:2]
    ref = api_booking(client, world, officer_id=erik)["reference"]
    clock.set(AFTER)
    signed_in(client, officer_headers(factory, anna))
    token = csrf_token(html_of(client.get("/staff")))
    before = snapshot(app)
    response = record(client, ref, token, outcome="completed", return_to="home")
    assert response.status_code == 404
    assert "Hittades inte" in visible_text(html_of(response))
    assert snapshot(app) == before
    assert booking_row(app, ref).outcome is None


def test_not_before_the_meeting_has_started(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    ref = api_booking(client, world, officer_id=anna)["reference"]
    signed_in(client, officer_headers(factory, anna))
    page = html_of(client.get(f"/staff/bokning/{ref}"))
    assert outcome_url(ref) not in page  # no form before the meeting
    before = snapshot(app)
    response = record(client, ref, csrf_token(page), outcome="completed")
    assert response.status_code == 409
    assert "Mötet har inte börjat än" in visible_text(html_of(response))
    assert snapshot(app) == before

    clock.set(DURING)  # once it has started, the form is there
    assert outcome_url(ref) in html_of(client.get(f"/staff/bokning/{ref}"))


def test_a_cancelled_meeting_gets_no_outcome(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    ref = api_booking(client, world)["reference"]
    cancelled = client.post(f"/api/v1/bookings/{ref}/cancel", json={}, headers=world.admin)
    assert cancelled.status_code == 200
    clock.set(AFTER)
    signed_in(client, world.admin)
    page = html_of(client.get(f"/staff/bokning/{ref}"))
    assert outcome_url(ref) not in page
    before = snapshot(app)
    response = record(client, ref, csrf_token(page), outcome="completed")
    assert response.status_code == 409 and "Bokningen är avbokad" in visible_text(html_of(response))
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("fields", "field_name", "message"),
    [
        ({}, "outcome", "Välj om mötet genomfördes eller om sökanden uteblev."),
        ({"outcome": "cancelled"}, "outcome", "Välj om mötet genomfördes"),
        ({"outcome": "x" * 5000}, "outcome", "Välj om mötet genomfördes"),
        ({"outcome": "completed", "note": "x" * 2001}, "note", "högst 2000 tecken"),
        ({"outcome": "completed", "note": "Bra\x00möte"}, "note", "tecken som inte går att spara"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    app: Flask,
    client: FlaskClient,
    world: Any,
    factory: Any,
    clock: Clock,
    fields: dict[str, str],
    field_name: str,
    message: str,
) -> None:
    anna = world.private_officers[0]
    ref = api_booking(client, world, officer_id=anna)["reference"]
    clock.set(AFTER)
    signed_in(client, officer_headers(factory, anna))
    token = csrf_token(html_of(client.get("/staff")))
    before = snapshot(app)
    response = record(client, ref, token, return_to="home", **fields)
    assert response.status_code == 422
    html = html_of(response)
    assert message in visible_text(html)
    assert f'href="#field-{field_name}"' in html  # the error summary links the field
    assert f'id="error-{field_name}"' in html  # and next to it
    assert "<title>Fel:" in html
    assert snapshot(app) == before


def test_a_note_of_2000_characters_is_kept(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    ref = api_booking(client, world)["reference"]
    clock.set(AFTER)
    signed_in(client, world.service_center)
    token = csrf_token(html_of(client.get(f"/staff/bokning/{ref}")))
    note = "Rad ett\r\nRad två " + "x" * 1983
    assert len(note) == 2000
    assert record(client, ref, token, outcome="completed", note=note).status_code == 303
    assert booking_row(app, ref).outcome_note == note


def test_the_form_needs_the_csrf_token(
    app: Flask, client: FlaskClient, world: Any, factory: Any, clock: Clock
) -> None:
    anna = world.private_officers[0]
    ref = api_booking(client, world, officer_id=anna)["reference"]
    clock.set(AFTER)
    signed_in(client, officer_headers(factory, anna))
    before = snapshot(app)
    for data in (
        {"outcome": "completed", "return_to": "home"},
        {"outcome": "completed", "csrf_token": "not-a-token"},
    ):
        response = client.post(outcome_url(ref), data=data)
        assert response.status_code == 400
        assert "Formuläret hade gått ut" in visible_text(html_of(response))
    assert snapshot(app) == before
    # Signed out, the form is not acted on either.
    assert (
        app.test_client().post(outcome_url(ref), data={"outcome": "completed"}).status_code == 303
    )
    assert snapshot(app) == before


# --- the service center's overview ------------------------------------------------------------


def test_the_overview_counts_meetings_awaiting_an_outcome_per_team(
    client: FlaskClient, world: Any, clock: Clock
) -> None:
    private = [
        api_booking(client, world, applicant={"email": f"p{i}@example.org"})["reference"]
        for i in range(3)
    ]
    api_booking(
        client,
        world,
        applicant={"kind": "company", "organisation_number": "5560360793", "name": "Bygg AB"},
    )
    upcoming = api_booking(client, world, start="2027-03-03T13:00:00+01:00")
    assert upcoming["reference"] not in private
    cancelled = client.post(f"/api/v1/bookings/{private[2]}/cancel", json={}, headers=world.admin)
    assert cancelled.status_code == 200
    clock.set(AFTER)
    done = client.post(
        f"/api/v1/bookings/{private[1]}/outcome", json={"outcome": "completed"}, headers=world.admin
    )
    assert done.status_code == 200
    signed_in(client, world.service_center)
    teams = team_sections(html_of(client.get("/staff")))
    assert "1 möte har ägt rum utan att utfallet är registrerat" in teams["Bygglov privatpersoner"]
    assert "1 möte har ägt rum" in teams["Bygglov företag"]

    clock.set(datetime(2027, 3, 3, 14, 0, tzinfo=STOCKHOLM))  # the 13:00 meeting has ended
    teams = team_sections(html_of(client.get("/staff")))
    assert "2 möten har ägt rum utan att utfallet är registrerat" in teams["Bygglov privatpersoner"]
    client.post(
        f"/api/v1/bookings/{private[0]}/outcome", json={"outcome": "no_show"}, headers=world.admin
    )
    client.post(
        f"/api/v1/bookings/{upcoming['reference']}/outcome",
        json={"outcome": "completed"},
        headers=world.admin,
    )
    teams = team_sections(html_of(client.get("/staff")))
    assert "Inga möten väntar på utfall" in teams["Bygglov privatpersoner"]
