"""The service-center console (/staff) through the test client: signing in, booking for a caller,
call-backs, cancelling and moving, an officer's own day, CSRF and hostile input."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from booking.auth.models import StaffToken
from booking.bookings.models import Booking
from booking.callbacks.models import Callback
from booking.extensions import db
from tests.api.helpers import snapshot
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload
from tests.pages.helpers import csrf_token, page_token, visible_text

LOGIN = "/staff/logga-in"
SEARCH = "/staff/sok?kind=private&meeting_type=bygglovsradgivning&mode=phone"
WEDNESDAY_10 = "2027-03-03T10:00:00+01:00"


def plaintext(headers: dict[str, str]) -> str:
    """The staff token of an Authorization header the factory made."""
    return headers["Authorization"].removeprefix("Bearer ")


def sign_in(client: FlaskClient, headers: dict[str, str], next_path: str | None = None) -> Any:
    """Sign in through the login form; return the response to the POST."""
    form = {"csrf_token": page_token(client, LOGIN), "token": plaintext(headers)}
    if next_path is not None:
        form["next"] = next_path
    return client.post(LOGIN, data=form)


def signed_in(client: FlaskClient, headers: dict[str, str]) -> FlaskClient:
    """The client, signed in with the token."""
    response = sign_in(client, headers)
    assert response.status_code == 303, response.status_code
    return client


def api_booking(client: FlaskClient, world: Any, **overrides: Any) -> dict[str, Any]:
    """A booking made through the API by the service center."""
    response = client.post(
        "/api/v1/bookings", json=booking_payload(**overrides), headers=world.service_center
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def api_callback(client: FlaskClient, world: Any, **overrides: Any) -> dict[str, Any]:
    """A call-back registered through the API by the service center."""
    body = {
        "applicant": {"kind": "private", "name": "Åsa Öberg", "phone": "070-123 45 67"},
        "topic": "Altan på tomten",
        **overrides,
    }
    response = client.post("/api/v1/callbacks", json=body, headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    result: dict[str, Any] = response.json  # type: ignore[assignment]
    return result


def booking_row(app: Flask, reference: str) -> Booking:
    """The booking as stored (detached)."""
    with app.app_context():
        row = db.session.scalars(select(Booking).where(Booking.reference == reference)).one()
        db.session.expunge(row)
        return row


def callback_row(app: Flask, callback_id: int) -> tuple[str, int]:
    """A call-back's status and number of attempts."""
    with app.app_context():
        row = db.session.get(Callback, callback_id)
        assert row is not None
        return row.status, len(row.attempts)


def html_of(response: Any) -> str:
    """The response's HTML."""
    return str(response.get_data(as_text=True))


# --- signing in -------------------------------------------------------------------------------


def test_console_requires_signing_in_and_returns_to_the_page_asked_for(
    client: FlaskClient, world: Any
) -> None:
    response = client.get("/staff/sok?kind=private")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == LOGIN
    assert parse_qs(location.query) == {"next": ["/staff/sok?kind=private"]}
    for path in ("/staff", "/staff/bokning/ABCD-EFGH", "/staff/aterkomst/1", "/staff/aterkomst/ny"):
        assert client.get(path).headers["Location"].startswith(LOGIN), path
    # A form sent without a session is not acted on either.
    assert client.post("/staff/boka", data={}).status_code == 303

    login_page = client.get(f"{LOGIN}?next=/staff/sok%3Fkind%3Dprivate")
    html = html_of(login_page)
    assert login_page.status_code == 200
    assert 'type="password"' in html and 'autocomplete="off"' in html and 'lang="sv"' in html
    assert login_page.headers["Cache-Control"] == "no-store"
    assert login_page.headers["Referrer-Policy"] == "no-referrer"
    form = {"csrf_token": csrf_token(html), "token": plaintext(world.service_center)}
    form["next"] = "/staff/sok?kind=private"
    done = client.post(LOGIN, data=form)
    assert done.status_code == 303 and done.headers["Location"] == "/staff/sok?kind=private"
    assert client.get("/staff").status_code == 200


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/staff",
        "//evil.example/staff",
        "/\\evil.example",
        "/staff//evil.example",
        "/staff/../boka",
        "/staffx",
        "javascript:alert(1)",
        "/boka",
        "/staff\r\nLocation: https://evil.example",
        " /staff",
    ],
)
def test_next_only_ever_leads_to_a_console_page(
    client: FlaskClient, world: Any, hostile: str
) -> None:
    response = sign_in(client, world.service_center, next_path=hostile)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff"
    page = client.get(f"{LOGIN}?next={quote(hostile, '')}")
    assert "evil.example" not in html_of(page)


def test_wrong_token_gets_401_and_the_form_again(client: FlaskClient, world: Any) -> None:
    guess = "bk_" + "x" * 43
    response = client.post(LOGIN, data={"csrf_token": page_token(client, LOGIN), "token": guess})
    assert response.status_code == 401
    html = html_of(response)
    assert "Nyckeln är fel" in visible_text(html)
    assert guess not in html and 'aria-invalid="true"' in html
    assert client.get("/staff").status_code == 303


def test_revoked_token_signs_out_at_once(app: Flask, client: FlaskClient, world: Any) -> None:
    signed_in(client, world.service_center)
    assert client.get("/staff").status_code == 200
    with app.app_context():
        db.session.execute(update(StaffToken).values(revoked_at=datetime.now(STOCKHOLM)))
        db.session.commit()
    response = client.get("/staff")
    assert response.status_code == 303 and response.headers["Location"].startswith(LOGIN)
    assert "Du har loggats ut" in visible_text(html_of(client.get(LOGIN)))
    # Un-revoking does not bring the old session back: it was cleared.
    with app.app_context():
        db.session.execute(update(StaffToken).values(revoked_at=None))
        db.session.commit()
    assert client.get("/staff").status_code == 303


def test_signing_out(client: FlaskClient, world: Any) -> None:
    signed_in(client, world.admin)
    home = html_of(client.get("/staff"))
    response = client.post("/staff/logga-ut", data={"csrf_token": csrf_token(home)})
    assert response.status_code == 303 and response.headers["Location"] == LOGIN
    assert client.get("/staff").status_code == 303


def test_every_post_needs_the_csrf_token(app: Flask, client: FlaskClient, world: Any) -> None:
    booking = api_booking(client, world)
    callback = api_callback(client, world)
    # Even signing in: a login CSRF would sign a victim into an attacker's session.
    refused = client.post(LOGIN, data={"token": plaintext(world.service_center)})
    assert refused.status_code == 400
    assert "Formuläret hade gått ut" in visible_text(html_of(refused))
    signed_in(client, world.service_center)
    before = snapshot(app)
    ref = booking["reference"]
    posts = {
        "/staff/boka": {
            "kind": "private",
            "meeting_type": "bygglovsradgivning",
            "mode": "phone",
            "start": "2027-03-04T10:00:00+01:00",
            "idempotency_key": "k" * 24,
            "name": "Åsa",
            "phone": "0701234567",
        },
        f"/staff/bokning/{ref}/avboka": {"reason": "Sjuk"},
        f"/staff/bokning/{ref}/flytta": {"start": "2027-03-04T13:00:00+01:00"},
        "/staff/aterkomst/ny": {
            "kind": "private",
            "name": "Bo",
            "phone": "0701234567",
            "topic": "Garage",
            "window": "promise",
        },
        f"/staff/aterkomst/{callback['id']}/forsok": {"outcome": "reached"},
        "/staff/logga-ut": {},
    }
    for path, form in posts.items():
        for token in (None, "not-a-token"):
            data = dict(form) if token is None else {**form, "csrf_token": token}
            response = client.post(path, data=data)
            assert response.status_code == 400, (path, response.status_code)
    assert snapshot(app) == before
    assert client.get("/staff").status_code == 200  # still signed in: logout was refused too


# --- booking for a caller ---------------------------------------------------------------------


def _choose_time(client: FlaskClient, start: str, search: str = SEARCH) -> str:
    week = client.get(f"{search}&vecka=2027-03-01")
    assert week.status_code == 200
    html = html_of(week)
    assert f'name="start" value="{start}"' in html, "the time is offered in the week view"
    assert "Lediga tider hos Bygglov privatpersoner" in visible_text(html) or "företag" in html
    query = search.split("?", 1)[1]
    form = client.get(f"/staff/boka?{query}&start={quote(start)}")
    assert form.status_code == 200
    return html_of(form)


def _submit(client: FlaskClient, form_html: str, **fields: str) -> Any:
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form_html))
    return client.post("/staff/boka", data={**hidden, **fields})


def test_service_center_books_for_a_caller_with_a_phone_number_alone(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    signed_in(client, world.service_center)
    form_html = _choose_time(client, WEDNESDAY_10)
    assert "Onsdag 3 mars 2027 kl. 10:00" in visible_text(form_html)
    response = _submit(client, form_html, name="Åsa Öberg", phone="070-123 45 67")
    assert response.status_code == 303
    location = response.headers["Location"]
    reference = re.fullmatch(r"/staff/bokning/([A-Z0-9]{4}-[A-Z0-9]{4})/bokad", location)
    assert reference, location
    row = booking_row(app, reference.group(1))
    assert row.channel == "service_center" and row.created_by_token_id is not None
    assert row.applicant_phone == "+46701234567" and row.applicant_email is None
    assert row.mode == "phone" and row.language == "sv"
    assert row.start_at == datetime(2027, 3, 3, 10, 0, tzinfo=STOCKHOLM)

    done = client.get(location)
    text = visible_text(html_of(done))
    assert 'class="reference reference--large"' in html_of(done)
    assert reference.group(1) in text
    assert "Onsdag 3 mars 2027 kl. 10:00" in text
    assert "sms till +46701234567" in text

    # A double submit (the same form again) replays the booking instead of making another.
    again = _submit(client, form_html, name="Åsa Öberg", phone="070-123 45 67")
    assert again.status_code == 303 and again.headers["Location"] == location
    with app.app_context():
        assert len(db.session.scalars(select(Booking)).all()) == 1


def test_booking_form_errors_are_shown_in_swedish_and_nothing_is_stored(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    signed_in(client, world.service_center)
    form_html = _choose_time(client, WEDNESDAY_10)
    before = snapshot(app)
    response = _submit(client, form_html, name="  ", phone="12", email="inte-en-adress")
    assert response.status_code == 422
    html = html_of(response)
    text = visible_text(html)
    assert "Skriv sökandens namn" in text
    assert "Skriv ett giltigt telefonnummer" in text
    assert "Skriv en giltig e-postadress" in text
    assert 'href="#field-phone"' in html and 'value="inte-en-adress"' in html
    missing_phone = _submit(client, form_html, name="Åsa")
    assert missing_phone.status_code == 422
    assert "bekräftelsen skickas som sms" in visible_text(html_of(missing_phone))
    assert snapshot(app) == before


def test_company_booking_needs_a_valid_organisation_number(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    signed_in(client, world.service_center)
    search = "/staff/sok?kind=company&meeting_type=bygglovsradgivning&mode=video"
    form_html = _choose_time(client, WEDNESDAY_10, search=search)
    assert 'name="organisation_number"' in form_html
    bad = _submit(client, form_html, name="Bygg AB", phone="0701234567", organisation_number="1")
    assert bad.status_code == 422
    assert "giltigt organisationsnummer" in visible_text(html_of(bad))
    good = _submit(
        client, form_html, name="Bygg AB", phone="0701234567", organisation_number="556036-0793"
    )
    assert good.status_code == 303
    reference = good.headers["Location"].split("/")[3]
    row = booking_row(app, reference)
    assert row.team_id == world.company_team and row.organisation_number == "556036-0793"


def test_time_taken_meanwhile_gives_409_with_the_nearest_free_times(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    signed_in(client, world.service_center)
    form_html = _choose_time(client, WEDNESDAY_10)
    for officer_id in world.private_officers:  # the whole team is booked at 10:00 meanwhile
        api_booking(client, world, officer_id=officer_id, applicant={"email": None})
    before = snapshot(app)
    response = _submit(client, form_html, name="Åsa Öberg", phone="0701234567")
    assert response.status_code == 409
    html = html_of(response)
    assert "Tiden hann bokas av någon annan" in visible_text(html)
    assert 'value="Åsa Öberg"' in html  # what staff typed is kept
    offered = re.findall(r'type="radio" id="start-\d+" name="start" value="([^"]+)"', html)
    assert offered and WEDNESDAY_10 not in offered
    assert snapshot(app) == before
    chosen = _submit(client, html, name="Åsa Öberg", phone="0701234567", start=offered[0])
    assert chosen.status_code == 303


def test_search_validates_its_choices(client: FlaskClient, world: Any) -> None:
    signed_in(client, world.service_center)
    first = client.get("/staff/sok")
    assert first.status_code == 200 and "Visa lediga tider" in visible_text(html_of(first))
    wrong = client.get("/staff/sok?kind=alien&meeting_type=nope&mode=fax")
    assert wrong.status_code == 422
    text = visible_text(html_of(wrong))
    assert "Välj om den som ringer" in text and "Välj typ av möte" in text
    # Week navigation: next week and the link to the first free time.
    week = html_of(client.get(f"{SEARCH}&vecka=2027-03-08"))
    assert "Vecka 10" in visible_text(week)
    assert 'rel="prev"' in week and "Första lediga tid" in visible_text(week)


# --- call-backs -------------------------------------------------------------------------------


def _register(client: FlaskClient, **fields: str) -> Any:
    token = page_token(client, "/staff/aterkomst/ny")
    form = {
        "csrf_token": token,
        "kind": "private",
        "name": "Åsa Öberg",
        "phone": "070-123 45 67",
        "topic": "Altan på tomten",
        "window": "promise",
        "note": "Ring efter lunch.",
        **fields,
    }
    return client.post("/staff/aterkomst/ny", data=form)


def _attempt(client: FlaskClient, callback_id: int, outcome: str, **extra: str) -> Any:
    token = page_token(client, f"/staff/aterkomst/{callback_id}")
    data = {"csrf_token": token, "outcome": outcome, **extra}
    return client.post(f"/staff/aterkomst/{callback_id}/forsok", data=data)


def test_registering_a_call_back_says_who_calls_by_when(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    signed_in(client, world.service_center)
    response = _register(client)
    assert response.status_code == 303
    callback_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = visible_text(html_of(client.get(response.headers["Location"])))
    # Monday 09:00 + 8 working hours (08–12, 13–16) is Tuesday 10:00.
    assert "Återuppringningen är registrerad" in page
    assert "senast tisdag 2 mars 2027 kl. 10:00" in page
    with app.app_context():
        row = db.session.get(Callback, callback_id)
        assert row is not None and row.status == "open"
        assert row.applicant_phone == "+46701234567" and row.note == "Ring efter lunch."
        assert row.officer_id in world.private_officers and row.officer.name in page


def test_a_call_back_window_of_the_callers_choice(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    signed_in(client, world.service_center)
    before = snapshot(app)
    backwards = _register(
        client, window="custom", window_start="2027-03-02T15:00", window_end="2027-03-02T13:00"
    )
    assert backwards.status_code == 422
    assert "efter den tidigaste" in visible_text(html_of(backwards))
    garbage = _register(client, window="custom", window_start="igår", window_end="")
    assert garbage.status_code == 422
    assert "Skriv datum och klockslag" in visible_text(html_of(garbage))
    assert snapshot(app) == before
    response = _register(
        client, window="custom", window_start="2027-03-02T13:00", window_end="2027-03-02T15:00"
    )
    assert response.status_code == 303
    callback_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        row = db.session.get(Callback, callback_id)
        assert row is not None
        assert row.due_at == datetime(2027, 3, 2, 15, 0, tzinfo=STOCKHOLM)


def test_attempts_change_the_status(app: Flask, client: FlaskClient, world: Any) -> None:
    signed_in(client, world.service_center)
    unanswered = api_callback(client, world)["id"]
    for count in (1, 2):
        response = _attempt(client, unanswered, "no_answer", note=f"Försök {count}")
        assert response.status_code == 303
        assert callback_row(app, unanswered) == ("open", count)
    third = _attempt(client, unanswered, "no_answer")
    assert callback_row(app, unanswered) == ("unreachable", 3)
    assert "nåddes inte" in visible_text(html_of(client.get(third.headers["Location"])))
    # A closed call-back takes no more attempts, and the page says so.
    page = client.get(f"/staff/aterkomst/{unanswered}")
    assert "Registrera ett försök" not in visible_text(html_of(page))
    late = client.post(
        f"/staff/aterkomst/{unanswered}/forsok",
        data={"csrf_token": csrf_token(html_of(page)), "outcome": "reached"},
    )
    assert late.status_code == 409 and callback_row(app, unanswered) == ("unreachable", 3)

    reached = api_callback(client, world)["id"]
    assert _attempt(client, reached, "reached").status_code == 303
    assert callback_row(app, reached) == ("completed", 1)
    wrong = api_callback(client, world)["id"]
    assert _attempt(client, wrong, "wrong_number").status_code == 303
    assert callback_row(app, wrong) == ("unreachable", 1)
    invalid = _attempt(client, api_callback(client, world)["id"], "maybe")
    assert invalid.status_code == 422 and "Välj hur samtalet gick" in visible_text(html_of(invalid))


def test_overview_shows_bookings_and_call_backs_per_team(
    client: FlaskClient, world: Any, clock: Clock
) -> None:
    today = api_booking(client, world, start="2027-03-01T13:00:00+01:00", applicant={"email": None})
    later = api_booking(client, world, start="2027-03-04T10:00:00+01:00")
    next_week = api_booking(client, world, start="2027-03-08T10:00:00+01:00")
    company = api_booking(
        client,
        world,
        applicant={"kind": "company", "organisation_number": "5560360793", "name": "Bygg AB"},
    )
    callback = api_callback(client, world)
    signed_in(client, world.service_center)
    clock.set(datetime(2027, 3, 2, 11, 0, tzinfo=STOCKHOLM))  # the promise (10:00) has passed
    html = html_of(client.get("/staff"))
    text = visible_text(html)
    assert "Bygglov privatpersoner" in text and "Bygglov företag" in text
    assert later["reference"] in text and company["reference"] in text
    assert today["reference"] not in text and next_week["reference"] not in text  # not this week
    assert f'href="/staff/bokning/{later["reference"]}"' in html
    assert f'href="/staff/aterkomst/{callback["id"]}"' in html
    assert "Försenad" in text
    assert 'class="table-wrap"' in html


# --- cancelling and moving --------------------------------------------------------------------


def test_cancel_and_move_from_the_console(app: Flask, client: FlaskClient, world: Any) -> None:
    booking = api_booking(client, world)
    ref = booking["reference"]
    signed_in(client, world.service_center)
    detail = client.get(f"/staff/bokning/{ref.lower().replace('-', '')}")  # as typed on the phone
    assert detail.status_code == 200 and "Åsa Öberg-Nguyễn" in visible_text(html_of(detail))

    move_page = client.get(f"/staff/bokning/{ref}/flytta")
    html = html_of(move_page)
    assert move_page.status_code == 200
    # The booking's own time is free to move within (it is excluded from busy time).
    new_start = "2027-03-03T11:00:00+01:00"
    assert f'value="{new_start}"' in html
    moved = client.post(
        f"/staff/bokning/{ref}/flytta", data={"csrf_token": csrf_token(html), "start": new_start}
    )
    assert moved.status_code == 303 and moved.headers["Location"] == f"/staff/bokning/{ref}"
    assert "Bokningen är flyttad" in visible_text(html_of(client.get(moved.headers["Location"])))
    assert booking_row(app, ref).start_at == datetime(2027, 3, 3, 11, 0, tzinfo=STOCKHOLM)

    page = html_of(client.get(f"/staff/bokning/{ref}"))
    cancelled = client.post(
        f"/staff/bokning/{ref}/avboka",
        data={"csrf_token": csrf_token(page), "reason": "Sökanden ringde och avbokade"},
    )
    assert cancelled.status_code == 303
    row = booking_row(app, ref)
    assert row.status == "cancelled" and row.cancel_reason == "Sökanden ringde och avbokade"
    after = visible_text(html_of(client.get(f"/staff/bokning/{ref}")))
    assert "Avbokad" in after and "Avboka " + ref not in after


def test_moving_to_a_time_taken_meanwhile_gives_409_with_nearest_times(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    officer = world.private_officers[0]
    mine = api_booking(client, world, officer_id=officer)
    api_booking(
        client,
        world,
        officer_id=officer,
        start="2027-03-04T10:00:00+01:00",
        applicant={"email": "b@example.org"},
    )
    with app.app_context():  # the booking was made with this officer asked for: no reassignment
        db.session.execute(
            update(Booking)
            .where(Booking.reference == mine["reference"])
            .values(officer_requested=True)
        )
        db.session.commit()
    signed_in(client, world.service_center)
    page = html_of(client.get(f"/staff/bokning/{mine['reference']}/flytta"))
    response = client.post(
        f"/staff/bokning/{mine['reference']}/flytta",
        data={"csrf_token": csrf_token(page), "start": "2027-03-04T10:00:00+01:00"},
    )
    assert response.status_code == 409
    assert "Tiden hann bokas av någon annan" in visible_text(html_of(response))
    assert booking_row(app, mine["reference"]).start_at == datetime(
        2027, 3, 3, 10, 0, tzinfo=STOCKHOLM
    )


# --- an officer's day -------------------------------------------------------------------------


def test_officer_sees_only_their_own_day(
    app: Flask, client: FlaskClient, world: Any, factory: Any
) -> None:
    anna, erik = world.private_officers[:2]
    own = api_booking(client, world, officer_id=anna, start="2027-03-01T13:00:00+01:00")
    other = api_booking(client, world, officer_id=erik, start="2027-03-01T13:00:00+01:00")
    own_later = api_booking(client, world, officer_id=anna, start="2027-03-05T09:00:00+01:00")
    own_callback = api_callback(client, world, officer_id=anna)
    other_callback = api_callback(client, world, officer_id=erik)

    signed_in(client, factory.token("officer", officer_id=anna))
    html = html_of(client.get("/staff"))
    text = visible_text(html)
    assert "Min dag" in text and "Anna Lindqvist" in text
    assert own["reference"] in text and own_later["reference"] in text
    assert other["reference"] not in text
    assert f"/staff/aterkomst/{own_callback['id']}" in html
    assert f"/staff/aterkomst/{other_callback['id']}" not in html
    assert "Boka tid" not in text  # no booking or registering for officers

    assert client.get(f"/staff/bokning/{other['reference']}").status_code == 404
    assert client.get(f"/staff/aterkomst/{other_callback['id']}").status_code == 404
    assert client.get("/staff/sok").status_code == 403
    assert client.get("/staff/aterkomst/ny").status_code == 403
    before = snapshot(app)
    token = csrf_token(html)
    stolen = client.post(
        f"/staff/aterkomst/{other_callback['id']}/forsok",
        data={"csrf_token": token, "outcome": "reached"},
    )
    assert stolen.status_code == 404
    cancel_other = client.post(
        f"/staff/bokning/{other['reference']}/avboka", data={"csrf_token": token}
    )
    assert cancel_other.status_code == 404
    assert snapshot(app) == before

    # The attempt form on "Min dag" records and comes back to the day.
    done = client.post(
        f"/staff/aterkomst/{own_callback['id']}/forsok",
        data={"csrf_token": token, "outcome": "reached", "return_to": "home"},
    )
    assert done.status_code == 303 and done.headers["Location"] == "/staff"
    assert callback_row(app, own_callback["id"]) == ("completed", 1)


# --- hostile input ----------------------------------------------------------------------------


def test_hostile_input_gets_4xx_never_500(client: FlaskClient, world: Any) -> None:
    booking = api_booking(client, world)
    signed_in(client, world.service_center)
    token = csrf_token(html_of(client.get("/staff")))
    long = "x" * 5000
    boka = "/staff/boka?kind=private&meeting_type=bygglovsradgivning&mode=phone"
    gets = {
        "/staff/bokning/%00": 404,
        f"/staff/bokning/{long}": 404,
        "/staff/bokning/ABCD-EFG%F0": 404,
        "/staff/aterkomst/99999999999999999999": 404,
        "/staff/aterkomst/0": 404,
        "/staff/aterkomst/-1": 404,
        f"/staff/sok?kind=private&meeting_type={long}&mode=phone": 422,
        "/staff/sok?kind=%00&meeting_type=%ED%A0%80&mode=phone": 422,
        # Week navigation is a plain link: a broken week shows this week instead.
        f"{SEARCH}&vecka=9999-99-99": 200,
        f"{SEARCH}&vecka={long}": 200,
        f"/staff/bokning/{booking['reference']}/flytta?vecka=0000-01-01": 200,
        # A stale or edited link to the form goes back to the search.
        f"{boka}&start=igår": 303,
        f"{boka}&start={long}": 303,
        "/staff/boka?kind=x": 303,
    }
    for path, expected in gets.items():
        assert client.get(path).status_code == expected, path
    sneaky = client.get("/staff/boka?kind=x&_external=1&_scheme=javascript&_anchor=x")
    assert sneaky.headers["Location"] == "/staff/sok?kind=x"
    base = {
        "csrf_token": token,
        "kind": "private",
        "meeting_type": "bygglovsradgivning",
        "mode": "phone",
        "start": WEDNESDAY_10,
        "idempotency_key": "k" * 24,
        "name": "Åsa",
        "phone": "0701234567",
    }
    posts: list[tuple[str, dict[str, str]]] = [
        ("/staff/boka", {**base, "name": "Åsa\x00"}),
        ("/staff/boka", {**base, "name": long}),
        ("/staff/boka", {**base, "idempotency_key": "short"}),
        ("/staff/boka", {**base, "start": "2027-03-03T10:00:00"}),
        ("/staff/boka", {**base, "kind": "company", "organisation_number": long}),
        ("/staff/boka", {**base, "mode": "telepathy"}),
        ("/staff/boka", {**base, "start": "1999-01-01T10:00:00+01:00"}),
        ("/staff/aterkomst/ny", {"csrf_token": token, "kind": "x", "window": "never"}),
        (
            "/staff/aterkomst/ny",
            {
                "csrf_token": token,
                "kind": "private",
                "name": "Bo",
                "phone": "0701234567",
                "topic": "T\x00",
                "window": "custom",
                "window_end": "2027-03-28T02:30",  # skipped by the change to summer time
            },
        ),
        (
            "/staff/aterkomst/ny",
            {
                "csrf_token": token,
                "kind": "private",
                "name": "Bo",
                "phone": "0701234567",
                "topic": "Garage",
                "meeting_type": long,
                "window": "custom",
                "window_end": "3027-03-02T10:00",
            },
        ),
        (f"/staff/bokning/{booking['reference']}/avboka", {"csrf_token": token, "reason": long}),
        (f"/staff/bokning/{booking['reference']}/flytta", {"csrf_token": token, "start": "x"}),
        (
            f"/staff/bokning/{booking['reference']}/flytta",
            {"csrf_token": token, "start": "2027-03-03T03:00:00+01:00"},
        ),
        ("/staff/aterkomst/1/forsok", {"csrf_token": token, "outcome": "reached", "note": long}),
        ("/staff/aterkomst/424242/forsok", {"csrf_token": token, "outcome": "reached"}),
        (LOGIN, {"csrf_token": token, "token": long}),
    ]
    for path, data in posts:
        status = client.post(path, data=data).status_code
        assert 400 <= status < 500, (path, data, status)
