"""The manage page over HTTP: see the booking from its link, move it, cancel it; nothing on GET."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.bookings.links import manage_url
from booking.bookings.models import Booking
from booking.extensions import db
from booking.notifications.models import Notification
from tests.api.helpers import snapshot
from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload
from tests.pages.helpers import csrf_token, visible_text

PUBLIC_URL = "http://booking.test"


def _book(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides))
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def _path(booked: dict[str, Any]) -> str:
    """The manage link of the confirmation, as a path on the test client's server."""
    link: str = booked["links"]["manage"]
    assert link.startswith(PUBLIC_URL + "/boka/hantera/")
    return link.removeprefix(PUBLIC_URL)


def _row(app: Flask, reference: str) -> dict[str, Any]:
    with app.app_context():
        booking = db.session.scalars(select(Booking).filter_by(reference=reference)).one()
        row = {
            "status": booking.status,
            "start_at": booking.start_at,
            "sequence": booking.sequence,
            "cancel_reason": booking.cancel_reason,
        }
        db.session.rollback()
        return row


def _outbox(app: Flask) -> list[tuple[str, str, str, int]]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        result = [(r.kind, r.audience, r.channel, r.booking_version) for r in rows]
        db.session.rollback()
        return result


def _form(client: FlaskClient, booked: dict[str, Any]) -> dict[str, str]:
    """The manage page's form fields (CSRF and manage token), as a browser would send them."""
    html = client.get(_path(booked)).get_data(as_text=True)
    return {"csrf_token": csrf_token(html), "token": booked["manage_token"]}


def test_manage_url_opens_the_manage_page_in_the_bookings_language() -> None:
    swedish = manage_url(public_url="https://boka.kommun.se/", reference="K7QM-4XPR", token="a/b+c")
    assert swedish == "https://boka.kommun.se/boka/hantera/K7QM-4XPR?token=a%2Fb%2Bc"
    english = manage_url(
        public_url="https://boka.kommun.se", reference="K7QM-4XPR", token="t", language="en"
    )
    assert english == "https://boka.kommun.se/boka/hantera/K7QM-4XPR?token=t&lang=en"


def test_the_api_returns_the_manage_page_as_links_manage(client: FlaskClient, world: Any) -> None:
    swedish = _book(client)
    assert swedish["links"]["manage"] == (
        f"{PUBLIC_URL}/boka/hantera/{swedish['reference']}?token={swedish['manage_token']}"
    )
    english = _book(client, language="en", start="2027-03-04T10:00:00+01:00")
    assert english["links"]["manage"].endswith("&lang=en")


def test_opening_the_link_shows_the_booking_and_changes_nothing(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(
        client,
        case_number="BN 2027-000123",
        description="Vi vill bygga ett uterum mot söder.",
        applicant={"kind": "company", "organisation_number": "556036-0793", "name": "Bygg AB"},
    )
    before = snapshot(app)
    response = client.get(_path(booked))
    client.get(_path(booked))  # a mail scanner following the link again

    assert response.status_code == 200
    assert snapshot(app) == before
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    text = visible_text(html)
    assert booked["reference"] in text
    assert "onsdag 3 mars 2027 kl. 10:00–10:45" in text
    assert "Videomöte" in text and "Bygglovsrådgivning" in text and "Bokad" in text
    assert "SJÖDALEN 1:1" in text and "BN 2027-000123" in text and "uterum mot söder" in text
    assert "556036" not in html  # no identity or organisation number on a link-opened page
    assert "Ja, avboka mötet" in text
    assert f'action="/boka/hantera/{booked["reference"]}/avboka"' in html
    invite = f"/api/v1/bookings/{booked['reference']}/invite.ics?token={booked['manage_token']}"
    assert invite in html
    # The token is in the page's own forms and links only, never in its text.
    token = booked["manage_token"]
    assert token not in text
    assert f'name="token" value="{token}"' in html
    assert client.get(invite).status_code == 200


def test_wrong_token_and_unknown_reference_are_the_same_404_page(
    client: FlaskClient, world: Any
) -> None:
    booked = _book(client)
    reference = booked["reference"]
    wrong = client.get(f"/boka/hantera/{reference}?token=not-the-token")
    unknown = client.get("/boka/hantera/ZZZZ-ZZZZ?token=not-the-token")
    missing = client.get(f"/boka/hantera/{reference}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.mimetype == "text/html"
    assert visible_text(wrong.get_data(as_text=True)) == visible_text(
        unknown.get_data(as_text=True)
    )
    assert "länken är inte längre giltig" in visible_text(wrong.get_data(as_text=True))
    assert wrong.headers["Referrer-Policy"] == "no-referrer"
    # The move page and the forms answer a wrong token the same way.
    assert client.get(f"/boka/hantera/{reference}/flytta?token=nope").status_code == 404
    form = _form(client, booked)
    refused = client.post(f"/boka/hantera/{reference}/avboka", data={**form, "token": "nope"})
    assert refused.status_code == 404


def test_cancel_from_the_page(app: Flask, client: FlaskClient, world: Any) -> None:
    booked = _book(client)
    form = _form(client, booked)
    response = client.post(
        f"/boka/hantera/{booked['reference']}/avboka", data={**form, "reason": "Löst det själv"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == _path(booked)

    row = _row(app, booked["reference"])
    assert row["status"] == "cancelled" and row["cancel_reason"] == "Löst det själv"
    cancellations = [r for r in _outbox(app) if r[0] == "cancelled"]
    assert ("cancelled", "applicant", "email", 1) in cancellations
    assert any(r[1] == "officer" for r in cancellations)

    page = client.get(response.headers["Location"])
    text = visible_text(page.get_data(as_text=True))
    assert "Mötet är avbokat" in text and "Avbokad" in text
    # Shown once: reloading the page does not repeat the notice.
    assert "Mötet är avbokat" not in visible_text(client.get(_path(booked)).get_data(as_text=True))


def test_a_post_without_the_csrf_token_changes_nothing(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(client)
    before = snapshot(app)
    reference = booked["reference"]
    token = booked["manage_token"]
    cancel = client.post(f"/boka/hantera/{reference}/avboka", data={"token": token})
    move = client.post(
        f"/boka/hantera/{reference}/flytta",
        data={"token": token, "start": "2027-03-04T13:00:00+01:00"},
    )
    assert cancel.status_code == move.status_code == 400
    assert "Formuläret hade gått ut" in visible_text(cancel.get_data(as_text=True))
    assert snapshot(app) == before


def test_move_to_another_week(app: Flask, client: FlaskClient, world: Any) -> None:
    booked = _book(client)
    reference = booked["reference"]
    token = booked["manage_token"]
    before = _outbox(app)
    week = client.get(f"/boka/hantera/{reference}/flytta?token={token}&vecka=2027-03-08")
    assert week.status_code == 200
    html = week.get_data(as_text=True)
    assert "Vecka 10" in visible_text(html)
    assert 'value="2027-03-09T13:00:00+01:00"' in html
    assert f'name="token" value="{token}"' in html

    moved = client.post(
        f"/boka/hantera/{reference}/flytta",
        data={"csrf_token": csrf_token(html), "token": token, "start": "2027-03-09T13:00:00+01:00"},
    )
    assert moved.status_code == 303 and moved.headers["Location"] == _path(booked)
    row = _row(app, reference)
    assert row["start_at"].astimezone(STOCKHOLM).isoformat() == "2027-03-09T13:00:00+01:00"
    assert row["sequence"] == 1 and row["status"] == "confirmed"
    new_rows = _outbox(app)[len(before) :]
    assert ("rescheduled", "applicant", "email", 1) in new_rows

    page = visible_text(client.get(moved.headers["Location"]).get_data(as_text=True))
    assert "Mötet är flyttat till tisdag 9 mars 2027 kl. 13:00" in page
    assert "uppdaterad kalenderinbjudan" in page
    assert "tisdag 9 mars 2027 kl. 13:00–13:45" in page


def test_the_own_time_is_offered_and_choosing_it_changes_nothing(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    # Only one officer, so without excluding the booking its own time would show as taken.
    booked = _book(client, officer_id=world.private_officers[0])
    token = booked["manage_token"]
    week = client.get(f"/boka/hantera/{booked['reference']}/flytta?token={token}&vecka=2027-03-03")
    html = week.get_data(as_text=True)
    assert 'value="2027-03-03T10:00:00+01:00"' in html
    before = snapshot(app)
    same = client.post(
        f"/boka/hantera/{booked['reference']}/flytta",
        data={"csrf_token": csrf_token(html), "token": token, "start": booked["start"]},
    )
    assert same.status_code == 303
    assert snapshot(app) == before
    page = visible_text(client.get(same.headers["Location"]).get_data(as_text=True))
    assert "Bokningen är oförändrad" in page


def test_moving_to_a_time_taken_meanwhile_offers_the_nearest_free_times(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(client)
    reference = booked["reference"]
    token = booked["manage_token"]
    week = client.get(f"/boka/hantera/{reference}/flytta?token={token}&vecka=2027-03-04")
    html = week.get_data(as_text=True)
    assert 'value="2027-03-04T13:00:00+01:00"' in html
    # Meanwhile every private officer is booked at 13:00 on Thursday.
    for number, officer in enumerate(world.private_officers):
        _book(
            client,
            officer_id=officer,
            start="2027-03-04T13:00:00+01:00",
            applicant={"email": f"other{number}@example.org"},
        )
    before = snapshot(app)

    taken = client.post(
        f"/boka/hantera/{reference}/flytta",
        data={"csrf_token": csrf_token(html), "token": token, "start": "2027-03-04T13:00:00+01:00"},
    )
    assert taken.status_code == 409
    assert snapshot(app) == before
    page = taken.get_data(as_text=True)
    text = visible_text(page)
    assert "hann bokas av någon annan" in text and "Närmaste lediga tider" in text
    nearest = page.split('id="nearest-title"')[1].split("</section>")[0]
    offered = re.findall(r'name="start" value="([^"]+)"', nearest)
    assert offered and "2027-03-04T13:00:00+01:00" not in offered
    assert "2027-03-04T12:00:00+01:00" not in offered  # officers' lunch: never offered
    assert "torsdag 4 mars 2027 kl. 14:00" in nearest
    assert f'name="token" value="{token}"' in nearest
    # The language switch of a page answering a POST still carries the token.
    assert f"token={token}" in page.split('class="language-switch"')[1].split("</nav>")[0]

    # One of the nearest times works.
    chosen = client.post(
        f"/boka/hantera/{reference}/flytta",
        data={"csrf_token": csrf_token(page), "token": token, "start": offered[0]},
    )
    assert chosen.status_code == 303


def test_a_garbled_start_is_a_plain_422(app: Flask, client: FlaskClient, world: Any) -> None:
    booked = _book(client)
    form = _form(client, booked)
    before = snapshot(app)
    response = client.post(
        f"/boka/hantera/{booked['reference']}/flytta", data={**form, "start": "2027-03-04T13:00"}
    )
    assert response.status_code == 422
    assert "Välj en av tiderna" in visible_text(response.get_data(as_text=True))
    assert snapshot(app) == before


def test_a_too_long_reason_is_refused_with_the_field_named(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(client)
    form = _form(client, booked)
    before = snapshot(app)
    response = client.post(
        f"/boka/hantera/{booked['reference']}/avboka", data={**form, "reason": "x" * 501}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "högst 500 tecken" in visible_text(html) and 'aria-invalid="true"' in html
    assert snapshot(app) == before


def test_a_cancelled_booking_has_no_buttons_and_refuses_changes(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    booked = _book(client)
    reference = booked["reference"]
    form = _form(client, booked)
    cancelled = client.post(f"/boka/hantera/{reference}/avboka", data=form)
    client.get(cancelled.headers["Location"])  # the page with the one-time notice
    before = snapshot(app)

    html = client.get(_path(booked)).get_data(as_text=True)
    assert "<form" not in html and "<button" not in html and "/flytta" not in html
    assert "invite.ics" not in html
    assert "Den här bokningen är avbokad" in visible_text(html)

    again = client.post(f"/boka/hantera/{reference}/avboka", data=form)
    move = client.post(
        f"/boka/hantera/{reference}/flytta", data={**form, "start": "2027-03-04T13:00:00+01:00"}
    )
    week = client.get(f"/boka/hantera/{reference}/flytta?token={booked['manage_token']}")
    for response in (again, move, week):
        assert response.status_code == 409
        text = visible_text(response.get_data(as_text=True))
        assert "Det gick inte att ändra bokningen" in text and "avbokad" in text
    assert snapshot(app) == before


def test_a_past_meeting_has_no_buttons_and_refuses_changes(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booked = _book(client)
    reference = booked["reference"]
    form = _form(client, booked)
    clock.set(clock.value + timedelta(days=3))  # Thursday: the Wednesday meeting is over
    before = snapshot(app)

    html = client.get(_path(booked)).get_data(as_text=True)
    assert "<button" not in html and "/flytta" not in html
    text = visible_text(html)
    assert "Genomförd" in text and "redan börjat eller ägt rum" in text

    cancel = client.post(f"/boka/hantera/{reference}/avboka", data=form)
    move = client.post(
        f"/boka/hantera/{reference}/flytta", data={**form, "start": "2027-03-09T13:00:00+01:00"}
    )
    for response in (cancel, move):
        assert response.status_code == 409
        assert "redan börjat eller ägt rum" in visible_text(response.get_data(as_text=True))
    assert snapshot(app) == before
    assert _row(app, reference)["status"] == "confirmed"


def test_english_booking_gets_the_english_page(client: FlaskClient, world: Any) -> None:
    booked = _book(client, language="en")
    response = client.get(_path(booked), headers={"Accept-Language": "sv"})
    html = response.get_data(as_text=True)
    assert 'lang="en"' in html
    text = visible_text(html)
    assert "Your booking" in text and "Wednesday 3 March 2027 at 10:00–10:45" in text
    assert "Yes, cancel the meeting" in text and "Video meeting" in text
    # The switch to Swedish keeps the token, so it opens the same booking.
    switch = html.split('class="language-switch"')[1].split("</nav>")[0]
    link = re.search(r'href="([^"]+)"', switch)
    assert link is not None
    swedish = client.get(link.group(1).replace("&amp;", "&"))
    assert swedish.status_code == 200 and "Din bokning" in visible_text(
        swedish.get_data(as_text=True)
    )


def test_a_chosen_officer_is_moved_only_within_their_own_free_times(
    client: FlaskClient, world: Any
) -> None:
    chosen = world.private_officers[0]
    booked = _book(client, officer_id=chosen)
    # The chosen officer is busy on Thursday at 13:00; colleagues are free then.
    _book(
        client,
        officer_id=chosen,
        start="2027-03-04T13:00:00+01:00",
        applicant={"email": "other@example.org"},
    )
    week = client.get(_path(booked).replace("?", "/flytta?", 1) + "&vecka=2027-03-01")
    html = week.get_data(as_text=True)
    assert week.status_code == 200
    assert 'value="2027-03-04T12:00:00+01:00"' not in html  # overlaps the 13:00 with its buffer
    assert 'value="2027-03-04T13:00:00+01:00"' not in html
    assert 'value="2027-03-04T15:00:00+01:00"' in html
    # Whereas an applicant who left the choice to us sees the colleagues' times too.
    free = _book(client, start="2027-03-05T10:00:00+01:00", applicant={"email": "x@example.org"})
    theirs = client.get(_path(free).replace("?", "/flytta?", 1) + "&vecka=2027-03-01")
    assert 'value="2027-03-04T13:00:00+01:00"' in theirs.get_data(as_text=True)
