"""The public booking steps (/boka) through the test client: forms as a browser sends them."""

from __future__ import annotations

import base64
import re
import zlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from booking.bookings.models import Booking
from booking.db import write_intent
from booking.extensions import db
from booking.notifications.models import Notification
from tests.factories import booking_payload
from tests.pages.helpers import csrf_token, page_token, visible_text

WEDNESDAY_10 = "2027-03-03T10:00:00+01:00"
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _bookings(app: Flask) -> list[Booking]:
    with app.app_context():
        rows = db.session.scalars(select(Booking).order_by(Booking.id)).all()
        db.session.expunge_all()
        return list(rows)


def _choose(client: FlaskClient, **form: str) -> Any:
    """Step 1's POST with a fresh CSRF token."""
    token = page_token(client, "/boka")
    return client.post("/boka", data={"csrf_token": token, **form})


def _details_form(client: FlaskClient, start: str, mode: str) -> dict[str, str]:
    """GET step 3 and return its hidden fields (CSRF token, start, mode, idempotency key)."""
    page = client.get("/boka/uppgifter", query_string={"start": start, "mode": mode})
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    key = _KEY.search(html)
    assert key is not None
    return {"csrf_token": csrf_token(html), "start": start, "mode": mode, "idempotency_key": key[1]}


def _person(**overrides: str) -> dict[str, str]:
    values = {
        "name": "Åsa Öberg-Nguyễn",
        "email": "asa@example.org",
        "phone": "070-123 45 67",
        "property_designation": "SJÖDALEN 1:1",
        "case_number": "",
        "description": "Vi vill bygga ett uterum.",
    }
    values.update(overrides)
    return values


def test_private_person_books_through_all_four_steps(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    start_page = client.get("/boka")
    text = visible_text(start_page.get_data(as_text=True))
    assert "Steg 1 av 4" in text and "Bygglovsrådgivning" in text

    chosen = _choose(client, kind="private", meeting_type="bygglovsradgivning")
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/boka/tid"

    week = client.get("/boka/tid")
    html = week.get_data(as_text=True)
    assert week.status_code == 200 and "Steg 2 av 4" in visible_text(html)
    # Only the type's modes, and the week's free starts as buttons of a GET form to step 3.
    assert 'name="mode" value="video"' in html and 'name="mode" value="in_person"' in html
    assert 'action="/boka/uppgifter"' in html and 'method="get"' in html
    assert f'name="start" value="{WEDNESDAY_10}"' in html
    # With a day's notice the first free start is Tuesday 09:00, and the page offers it.
    assert "Första lediga tid är tisdag 2 mars 2027 kl. 09:00" in visible_text(html)

    form = _details_form(client, WEDNESDAY_10, "video")
    details = client.get("/boka/uppgifter", query_string={"start": WEDNESDAY_10, "mode": "video"})
    text = visible_text(details.get_data(as_text=True))
    assert "Steg 3 av 4" in text and "onsdag 3 mars 2027 kl. 10:00" in text and "Ändra tid" in text
    assert 'href="/personuppgifter"' in details.get_data(as_text=True)

    booked = client.post("/boka/uppgifter", data={**form, **_person()})
    assert booked.status_code == 303 and booked.headers["Location"] == "/boka/klar"

    [booking] = _bookings(app)
    assert booking.applicant_kind == "private" and booking.channel == "web"
    assert booking.applicant_name == "Åsa Öberg-Nguyễn"
    assert booking.applicant_email == "asa@example.org"
    assert booking.applicant_phone == "+46701234567"
    assert booking.property_designation == "SJÖDALEN 1:1" and booking.case_number is None
    assert booking.description == "Vi vill bygga ett uterum."
    assert booking.mode == "video" and booking.language == "sv"
    assert booking.start_at.isoformat() == "2027-03-03T09:00:00+00:00"
    assert booking.officer_id in world.private_officers
    assert _count(app, Notification) > 0

    done = client.get("/boka/klar")
    html = done.get_data(as_text=True)
    text = visible_text(html)
    assert done.status_code == 200 and "Steg 4 av 4" in text
    assert f'<p class="reference">{booking.reference}</p>' in html
    assert "onsdag 3 mars 2027 kl. 10:00" in text and "Video" in text
    assert "bekräftelse med e-post" in text
    # The reminders actually queued (the default policy: e-mail 24 h and SMS 2 h before).
    assert "Vi påminner dig före mötet: med e-post tisdag 2 mars 2027 kl. 10:00" in text
    assert "med sms onsdag 3 mars 2027 kl. 08:00" in text
    invite = re.search(r'href="(/api/v1/bookings/[^"]+/invite\.ics\?token=[^"]+)" download', html)
    assert invite is not None
    calendar = client.get(invite[1].replace("&amp;", "&"))
    assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"
    manage = re.search(r'href="(http://booking\.test/boka/hantera/[^"]+)"', html)
    assert manage is not None and booking.reference in manage[1]
    # The draft is gone: a new booking starts again at step 1.
    assert client.get("/boka/tid").headers["Location"] == "/boka"


def test_flow_in_english(app: Flask, client: FlaskClient, world: Any) -> None:
    first = client.get("/boka?lang=en")
    text = visible_text(first.get_data(as_text=True))
    assert "Step 1 of 4" in text and "Who is booking" in text
    # The meeting type's English name comes from the catalog.
    assert "Building permit advice" in text
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    week = visible_text(client.get("/boka/tid").get_data(as_text=True))
    assert "Step 2 of 4" in week and "At the office" in week and "Week 9" in week
    form = _details_form(client, WEDNESDAY_10, "phone")
    page = client.get("/boka/uppgifter", query_string={"start": WEDNESDAY_10, "mode": "phone"})
    assert "Wednesday 3 March 2027" in visible_text(page.get_data(as_text=True))
    assert client.post("/boka/uppgifter", data={**form, **_person()}).status_code == 303
    [booking] = _bookings(app)
    assert booking.language == "en" and booking.mode == "phone"
    done = client.get("/boka/klar")
    html = done.get_data(as_text=True)
    assert "Your time is booked" in visible_text(html)
    assert "The officer calls you on +46701234567" in visible_text(html)
    assert "We remind you before the meeting: by e-mail on" in visible_text(html)
    assert "&amp;lang=en" in html  # the manage link asks for the English page


def test_the_confirmation_says_when_no_reminder_is_sent(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    from booking.teams.models import MeetingType

    with app.app_context(), write_intent():
        meeting_type = db.session.scalars(select(MeetingType)).one()
        meeting_type.reminders = []
        db.session.commit()
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    form = _details_form(client, WEDNESDAY_10, "video")
    assert client.post("/boka/uppgifter", data={**form, **_person()}).status_code == 303
    text = visible_text(client.get("/boka/klar").get_data(as_text=True))
    assert "Vi skickar ingen påminnelse före det här mötet." in text
    assert "Vi påminner dig" not in text


def test_untranslated_meeting_type_is_marked_swedish_in_english(
    client: FlaskClient, world: Any, factory: Any
) -> None:
    other = factory.meeting_type(slug="strandskydd", name="Strandskyddsdispens")
    factory.team(meeting_types=[other], slug="strand", name="Strand", applicant_kind="private")
    html = client.get("/boka?lang=en").get_data(as_text=True)
    assert '<span lang="sv">Strandskyddsdispens</span>' in html
    assert "A meeting of 45 minutes." in visible_text(html)


def test_company_with_invalid_then_valid_organisation_number(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    wrong = _choose(
        client, kind="company", organisation_number="556036-0792", meeting_type="bygglovsradgivning"
    )
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert "<title>Fel: Steg 1 av 4" in html
    # The message is next to the field (tied to it), in the summary, and the input is kept.
    assert 'id="error-organisation_number"' in html
    assert 'aria-describedby="hint-organisation_number error-organisation_number"' in html
    assert 'href="#field-organisation_number"' in html
    assert "Organisationsnumret stämmer inte" in visible_text(html)
    assert 'value="556036-0792"' in html
    assert 'id="kind-company" name="kind" value="company" checked' in html
    assert 'value="bygglovsradgivning" checked' in html
    assert client.get("/boka/tid").headers["Location"] == "/boka"

    right = _choose(
        client, kind="company", organisation_number="5560360793", meeting_type="bygglovsradgivning"
    )
    assert right.status_code == 303
    # The number never travels in a URL.
    assert "5560360793" not in right.headers["Location"]
    form = _details_form(client, WEDNESDAY_10, "in_person")
    assert "5560360793" not in client.get("/boka/tid").get_data(as_text=True)
    assert client.post("/boka/uppgifter", data={**form, **_person()}).status_code == 303
    [booking] = _bookings(app)
    assert booking.applicant_kind == "company" and booking.officer_id in world.company_officers
    assert booking.organisation_number == "556036-0793"


def test_sole_trader_gives_a_personal_identity_number(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert (
        _choose(
            client,
            kind="company",
            organisation_number="811218-9876",
            meeting_type="bygglovsradgivning",
        ).status_code
        == 303
    )
    # The session cookie is only signed, so the number rides in it encrypted, not readable.
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    payload = cookie.value.lstrip(".").split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        decoded = zlib.decompress(decoded)
    assert b'"org"' in decoded and b"811218" not in decoded and b"9876" not in decoded
    # It still comes back to step 1 as typed.
    assert 'value="811218-9876"' in client.get("/boka").get_data(as_text=True)
    form = _details_form(client, WEDNESDAY_10, "video")
    assert client.post("/boka/uppgifter", data={**form, **_person()}).status_code == 303
    [booking] = _bookings(app)
    assert booking.identifier_kind == "personal_identity_number"
    assert booking.organisation_number == "811218-****"


def test_step_one_errors_in_english(client: FlaskClient, world: Any) -> None:
    client.get("/boka?lang=en")
    response = _choose(client, kind="company", organisation_number="")
    assert response.status_code == 422
    text = visible_text(response.get_data(as_text=True))
    assert "Choose what you would like advice on." in text
    assert "Enter the organisation number" in text
    assert "<title>Error: Step 1 of 4" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused_and_books_nothing(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    refused = client.post("/boka", data={"kind": "private", "meeting_type": "bygglovsradgivning"})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert client.get("/boka/tid").headers["Location"] == "/boka"

    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    form = _details_form(client, WEDNESDAY_10, "video")
    del form["csrf_token"]
    response = client.post("/boka/uppgifter", data={**form, **_person()})
    assert response.status_code == 400
    assert "Formuläret hade gått ut" in visible_text(response.get_data(as_text=True))
    assert _bookings(app) == []


@pytest.mark.parametrize("path", ["/boka/tid", f"/boka/uppgifter?start={WEDNESDAY_10}&mode=video"])
def test_later_steps_without_a_draft_go_back_to_step_one(
    client: FlaskClient, world: Any, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 303 and response.headers["Location"] == "/boka"


def test_step_two_offers_only_the_chosen_types_modes(
    client: FlaskClient, world: Any, factory: Any
) -> None:
    short = factory.meeting_type(
        slug="arendefragor",
        name="Frågor om ett pågående ärende",
        modes=["phone", "video"],
        duration_minutes=20,
    )
    factory.team(meeting_types=[short], slug="fragor", applicant_kind="private")
    first = visible_text(client.get("/boka").get_data(as_text=True))
    assert "Bygglovsrådgivning" in first and "Frågor om ett pågående ärende" in first
    # The catalog's one-line description of a known type, with its length from the database.
    assert "Du har redan sökt och vill veta hur det går eller komplettera. 20 minuter." in first
    assert _choose(client, kind="private", meeting_type="arendefragor").status_code == 303
    html = client.get("/boka/tid").get_data(as_text=True)
    assert 'value="phone"' in html and 'value="video"' in html
    assert 'value="in_person"' not in html
    # The type is not served for companies: step 1 says so.
    refused = _choose(
        client, kind="company", organisation_number="5560360793", meeting_type="arendefragor"
    )
    assert refused.status_code == 422
    assert "går inte att boka för det du valt" in visible_text(refused.get_data(as_text=True))


def test_week_links_and_first_free_time(client: FlaskClient, world: Any) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    html = client.get("/boka/tid?vecka=2027-03-10&mode=phone").get_data(as_text=True)
    assert "Vecka 10" in visible_text(html)
    # The week buttons submit the form back to this step, so a mode chosen but not yet sent
    # goes along (a plain link would drop it).
    week_button = 'formaction="/boka/tid" formnovalidate name="vecka" value="{}">{}'
    assert week_button.format("2027-03-01", "← Föregående vecka") in html
    assert week_button.format("2027-03-15", "Nästa vecka →") in html
    assert 'id="mode-phone" name="mode" value="phone" checked' in html
    # The first free time: a button to its week, and a button choosing it.
    assert week_button.format("2027-03-01", "Första lediga tid") in html
    assert 'name="start" value="2027-03-02T09:00:00+01:00">Välj första lediga tid' in html


def test_a_week_button_keeps_the_mode_chosen_on_the_page(
    client: FlaskClient, world: Any
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    # What the browser sends for "Nästa vecka" after the visitor ticked "video" on the page.
    html = client.get("/boka/tid?mode=video&vecka=2027-03-08").get_data(as_text=True)
    assert "Vecka 10" in visible_text(html)
    assert 'id="mode-video" name="mode" value="video" checked' in html


def test_a_time_without_a_mode_asks_for_the_mode_again(client: FlaskClient, world: Any) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    response = client.get("/boka/uppgifter", query_string={"start": WEDNESDAY_10})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Fel: Steg 2 av 4" in html
    assert "Välj hur du vill träffas." in visible_text(html)
    assert f'name="start" value="{WEDNESDAY_10}"' in html  # the same week again


def test_phone_meeting_without_phone_is_an_error_next_to_the_field(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    form = _details_form(client, WEDNESDAY_10, "phone")
    response = client.post("/boka/uppgifter", data={**form, **_person(phone="")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ange ditt telefonnummer" in visible_text(html)
    assert 'id="error-phone"' in html and 'href="#field-phone"' in html
    # What was typed is kept, and the same form (key and time) submits again.
    assert 'value="Åsa Öberg-Nguyễn"' in html and "Vi vill bygga ett uterum.</textarea>" in html
    assert f'name="idempotency_key" value="{form["idempotency_key"]}"' in html
    assert _bookings(app) == []
    fixed = client.post("/boka/uppgifter", data={**form, **_person(phone="08-123 456 78")})
    assert fixed.status_code == 303
    assert [b.applicant_phone for b in _bookings(app)] == ["+46812345678"]


def test_details_errors_are_localised_per_field(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    form = _details_form(client, WEDNESDAY_10, "video")
    response = client.post(
        "/boka/uppgifter",
        data={**form, **_person(name="  ", email="inte-en-adress", phone="12")},
    )
    assert response.status_code == 422
    text = visible_text(response.get_data(as_text=True))
    assert "Ange ditt namn." in text
    assert "Ange ett giltigt telefonnummer" in text
    # The e-mail's format is the API schema's check, shown with the page's own words.
    again = client.post("/boka/uppgifter", data={**form, **_person(email="inte-en-adress")})
    assert again.status_code == 422
    assert "Ange en giltig e-postadress" in visible_text(again.get_data(as_text=True))
    assert _bookings(app) == []


def test_slot_taken_meanwhile_offers_the_nearest_times(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert (
        _choose(
            client,
            kind="company",
            organisation_number="556036-0793",
            meeting_type="bygglovsradgivning",
        ).status_code
        == 303
    )
    form = _details_form(client, WEDNESDAY_10, "video")
    # The company team has one officer: someone else books the same start through the API.
    other = booking_payload(applicant={"kind": "company", "organisation_number": "5560360793"})
    assert client.post("/api/v1/bookings", json=other).status_code == 201

    taken = client.post("/boka/uppgifter", data={**form, **_person()})
    assert taken.status_code == 409
    html = taken.get_data(as_text=True)
    text = visible_text(html)
    assert (
        'role="alert"' in html
        and "Tiden du valde, onsdag 3 mars 2027 kl. 10:00, är inte längre ledig" in text
    )
    assert "<title>Fel: Steg 3 av 4" in html
    # Everything typed is kept; the nearest free times are offered (10:00 is taken, and with
    # its 15 minutes' buffer so are 09:15 to 10:45).
    assert 'value="Åsa Öberg-Nguyễn"' in html and 'value="SJÖDALEN 1:1"' in html
    assert "onsdag 3 mars 2027 kl. 11:00" in text and "onsdag 3 mars 2027 kl. 09:00" in text
    assert f'name="start" value="{WEDNESDAY_10}"' not in html
    assert len(_bookings(app)) == 1

    # Sending it without choosing asks again, still keeping everything.
    fields = {**form, **_person(), "taken": WEDNESDAY_10}
    del fields["start"]
    unchosen = client.post("/boka/uppgifter", data=fields)
    assert unchosen.status_code == 422
    assert "Välj en av tiderna." in visible_text(unchosen.get_data(as_text=True))

    chosen = client.post("/boka/uppgifter", data={**fields, "start": "2027-03-03T11:00:00+01:00"})
    assert chosen.status_code == 303
    mine = _bookings(app)[-1]
    assert mine.applicant_name == "Åsa Öberg-Nguyễn"
    assert mine.start_at.isoformat() == "2027-03-03T10:00:00+00:00"


def test_stale_link_to_a_taken_time_says_so_before_the_form_is_filled(
    client: FlaskClient, world: Any
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    # Monday 10:00 is within the day's notice: not bookable.
    response = client.get(
        "/boka/uppgifter", query_string={"start": "2027-03-01T10:00:00+01:00", "mode": "video"}
    )
    assert response.status_code == 409
    assert "är inte längre ledig" in visible_text(response.get_data(as_text=True))


def test_double_submit_with_the_same_key_books_once(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    form = _details_form(client, WEDNESDAY_10, "video")
    # Both submits leave the browser before the first answer sets the new session cookie.
    cookie = app.config["SESSION_COOKIE_NAME"]
    before = client.get_cookie(cookie)
    assert before is not None
    first = client.post("/boka/uppgifter", data={**form, **_person()})
    first_done = client.get_cookie(cookie)
    client.set_cookie(cookie, before.value)
    second = client.post("/boka/uppgifter", data={**form, **_person()})
    assert first.status_code == second.status_code == 303
    [booking] = _bookings(app)
    # Both answers lead to the same confirmation.
    assert booking.reference in visible_text(client.get("/boka/klar").get_data(as_text=True))
    assert first_done is not None
    client.set_cookie(cookie, first_done.value)
    assert booking.reference in visible_text(client.get("/boka/klar").get_data(as_text=True))


def test_a_form_sent_again_with_other_details_after_booking_gets_a_fresh_key(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    form = _details_form(client, WEDNESDAY_10, "video")
    cookie = app.config["SESSION_COOKIE_NAME"]
    before = client.get_cookie(cookie)
    assert before is not None
    assert client.post("/boka/uppgifter", data={**form, **_person()}).status_code == 303
    # A stale copy of the same form (same key), changed and sent again: not a replay.
    client.set_cookie(cookie, before.value)
    changed = client.post("/boka/uppgifter", data={**form, **_person(name="Bo Ek")})
    assert changed.status_code == 422
    html = changed.get_data(as_text=True)
    assert "Uppgifterna kunde inte sparas" in visible_text(html)
    fresh = _KEY.search(html)
    assert fresh is not None and fresh[1] != form["idempotency_key"]
    again = client.post(
        "/boka/uppgifter",
        data={
            **form,
            **_person(name="Bo Ek"),
            "idempotency_key": fresh[1],
            "csrf_token": csrf_token(html),
        },
    )
    assert again.status_code == 303
    assert [b.applicant_name for b in _bookings(app)] == ["Åsa Öberg-Nguyễn", "Bo Ek"]


def test_confirmation_without_a_booking_is_a_friendly_page(client: FlaskClient) -> None:
    response = client.get("/boka/klar")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ingen bokning att visa" in visible_text(html) and 'href="/boka"' in html


@pytest.mark.parametrize(
    "form",
    [
        {"kind": "private", "meeting_type": "finns-inte"},
        {"kind": "alien", "meeting_type": "bygglovsradgivning"},
        {
            "kind": "company",
            "organisation_number": "5" * 5000,
            "meeting_type": "bygglovsradgivning",
        },
        {
            "kind": "company",
            "organisation_number": "5560\x00360793",
            "meeting_type": "bygglovsradgivning",
        },
        {"kind": "private", "meeting_type": "x" * 10_000},
    ],
)
def test_hostile_step_one_input_is_refused(
    app: Flask, client: FlaskClient, world: Any, form: dict[str, str]
) -> None:
    response = _choose(client, **form)
    assert response.status_code == 422
    assert client.get("/boka/tid").status_code == 303  # no draft was stored


@pytest.mark.parametrize(
    "change",
    [
        {"name": "x" * 201},
        {"email": "a" * 250 + "@example.org"},
        {"phone": "0" * 41},
        {"property_designation": "x" * 201},
        {"case_number": "x" * 65},
        {"description": "x" * 1001},
        {"name": "Åsa\x00"},
        {"description": "bad \x1b[31m escape"},
        {"case_number": "line\nbreak"},
        {"start": "not-a-time"},
        {"start": "2027-03-03T10:00:00"},
        {"start": "9999-99-99T99:99:99+01:00"},
        {"start": ""},
        {"mode": "helicopter"},
        {"mode": "in_person", "meeting_type_override": "arendefragor"},
        {"idempotency_key": ""},
        {"idempotency_key": "short"},
    ],
)
def test_hostile_step_three_input_is_a_4xx_page_and_writes_nothing(
    app: Flask, client: FlaskClient, world: Any, factory: Any, change: dict[str, str]
) -> None:
    change = dict(change)
    slug = change.pop("meeting_type_override", "bygglovsradgivning")
    if slug != "bygglovsradgivning":
        meeting_type = factory.meeting_type(slug=slug, name="Ärendefrågor", modes=["phone"])
        team = factory.team(meeting_types=[meeting_type], slug="fragor", applicant_kind="private")
        factory.officer(teams=[team])
    assert _choose(client, kind="private", meeting_type=slug).status_code == 303
    mode = "phone" if slug != "bygglovsradgivning" else "video"
    form = _details_form(client, WEDNESDAY_10, mode)
    response = client.post("/boka/uppgifter", data={**form, **_person(), **change})
    assert 400 <= response.status_code < 500, response.status_code
    assert response.mimetype == "text/html"
    assert _bookings(app) == [] and _count(app, Notification) == 0


@pytest.mark.parametrize(
    "query",
    [
        {"start": "tomorrow", "mode": "video"},
        {"start": "2027-03-03T10:00:00+01:00" + "0" * 50, "mode": "video"},
        {"start": WEDNESDAY_10, "mode": "x" * 5000},
    ],
)
def test_hostile_step_three_links_are_4xx_pages(
    client: FlaskClient, world: Any, query: dict[str, str]
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    response = client.get("/boka/uppgifter", query_string=query)
    assert 400 <= response.status_code < 500 and response.mimetype == "text/html"


def test_details_without_a_time_go_back_to_choosing_one(client: FlaskClient, world: Any) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    # The language switch of a re-rendered step 3 links here without a start.
    response = client.get("/boka/uppgifter?mode=video&lang=en")
    assert response.status_code == 303
    assert response.headers["Location"] == "/boka/tid?mode=video"


def test_hand_edited_week_shows_a_sensible_week(client: FlaskClient, world: Any) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    for value in ("garbage", "1970-01-01", "2027-13-45", "x" * 5000):
        response = client.get("/boka/tid", query_string={"vecka": value})
        assert response.status_code == 200
        assert "Vecka 9" in visible_text(response.get_data(as_text=True))


def test_steps_are_not_cached_and_have_no_inline_script_or_style(
    client: FlaskClient, world: Any
) -> None:
    assert _choose(client, kind="private", meeting_type="bygglovsradgivning").status_code == 303
    for path in ("/boka", "/boka/tid", f"/boka/uppgifter?start={WEDNESDAY_10}&mode=video"):
        response = client.get(path.replace("+", "%2B"))
        assert response.headers["Cache-Control"] == "no-store", path
        html = response.get_data(as_text=True)
        assert "<script" not in html and "style=" not in html, path
        assert html.count("<h1") == 1, path
