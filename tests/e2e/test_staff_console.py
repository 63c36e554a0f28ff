"""The service-center console in a real browser: signing in, a phone booking for a caller,
a call-back and its attempt, an officer's day; every step checked with axe and at 320 px."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.factories import booking_payload

WEDNESDAY_10 = "2027-03-03T10:00:00+01:00"


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _wait_for(browser: Any, css: str, text: str) -> None:
    """Wait until an element matching `css` shows the text."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda driver: any(text in element.text for element in browser.find_all(css))
    )


def _submit(browser: Any) -> None:
    browser.click("main form[method='post'] button[type='submit']")


def _sign_in(browser: Any, headers: dict[str, str], *, expect: str) -> None:
    browser.visit("/staff")
    _wait_for(browser, "h1", "Logga in")
    browser.fill("#field-token", _token(headers))
    _submit(browser)
    _wait_for(browser, "h1", expect)


def test_sign_in_and_book_a_time_for_a_caller_by_phone(browser: Any, world: Any) -> None:
    browser.visit("/staff/sok")
    _wait_for(browser, "h1", "Logga in")
    assert browser.path.startswith("/staff/logga-in?next=")
    assert browser.find("html").get_attribute("lang") == "sv"
    browser.check("login")

    browser.fill("#field-token", "bk_not-a-real-token")
    _submit(browser)
    _wait_for(browser, ".error-summary", "Nyckeln är fel")
    assert browser.find("#field-token").get_attribute("value") == ""
    browser.check("login-wrong-token")

    browser.fill("#field-token", _token(world.service_center))
    _submit(browser)
    _wait_for(browser, "h1", "Boka tid åt en uppringare")  # back where we were going
    browser.check("search")

    browser.click("label[for='kind-private']")
    browser.click("label[for='meeting_type-bygglovsradgivning']")
    browser.click("label[for='mode-phone']")
    browser.click("main form[method='get'] button[type='submit']")
    _wait_for(browser, "h2", "Lediga tider hos Bygglov privatpersoner")
    browser.check("search-week")

    browser.click(f"button.slot[value='{WEDNESDAY_10}']")
    _wait_for(browser, "h1", "Uppgifter om den som ringer")
    assert "Onsdag 3 mars 2027 kl. 10:00" in browser.text()
    browser.check("booking-form")

    browser.fill("#field-name", "Åsa Öberg")
    _submit(browser)
    _wait_for(browser, ".error-summary", "telefonnummer")
    browser.check("booking-form-error")

    browser.fill("#field-phone", "070-123 45 67")
    browser.fill("#field-property_designation", "SJÖDALEN 1:1")
    _submit(browser)
    _wait_for(browser, "h1", "Tiden är bokad")
    reference = browser.text(".reference--large")
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference), reference
    text = browser.text()
    assert "Onsdag 3 mars 2027 kl. 10:00" in text and "sms till +46701234567" in text
    browser.check("booked")

    browser.click("main a[href$='/" + reference + "']")
    _wait_for(browser, "h1", f"Bokning {reference}")
    browser.check("booking-detail")

    browser.click("main a[href$='/flytta']")
    _wait_for(browser, "h1", f"Flytta bokning {reference}")
    browser.click("button.slot[value='2027-03-03T11:00:00+01:00']")
    _wait_for(browser, ".notice", "Bokningen är flyttad")
    assert "Onsdag 3 mars 2027 kl. 11:00" in browser.text()
    browser.check("booking-moved")

    browser.click(".staff-nav a[href='/staff']")
    _wait_for(browser, "h1", "Översikt")
    assert reference in browser.text()
    browser.check("overview")

    browser.click(".staff-logout")
    _wait_for(browser, "h1", "Logga in")


def test_register_a_call_back_and_record_an_attempt(browser: Any, world: Any) -> None:
    _sign_in(browser, world.service_center, expect="Översikt")
    browser.click(".staff-nav a[href='/staff/aterkomst/ny']")
    _wait_for(browser, "h1", "Registrera återuppringning")
    browser.check("callback-form")

    browser.fill("#field-name", "Åsa Öberg")
    browser.fill("#field-phone", "070-123 45 67")
    browser.fill("#field-topic", "Altan på tomten")
    _submit(browser)
    _wait_for(browser, ".error-summary", "privatperson eller företag")
    browser.check("callback-form-error")

    browser.click("label[for='kind-private']")
    browser.fill("#field-note", "Ring helst efter lunch.")
    _submit(browser)
    _wait_for(browser, "h1", "Återuppringning till Åsa Öberg")
    notice = browser.text(".notice")
    assert "registrerad" in notice and "senast tisdag 2 mars 2027 kl. 10:00" in notice
    browser.check("callback-registered")

    browser.click("label[for='outcome-no_answer']")
    browser.fill("#field-note", "Inget svar, provar igen.")
    _submit(browser)
    _wait_for(browser, ".notice", "Försöket är registrerat")
    assert "Inget svar" in browser.text("table")
    browser.check("callback-attempt")


def test_an_officers_day(browser: Any, world: Any, factory: Any, client: FlaskClient) -> None:
    anna, erik = world.private_officers[:2]
    for officer, start, name in (
        (anna, "2027-03-01T13:00:00+01:00", "Åsa Öberg"),
        (anna, "2027-03-04T10:00:00+01:00", "Bo Ek"),
        (erik, "2027-03-01T13:00:00+01:00", "Someone Else"),
    ):
        payload = booking_payload(start=start, officer_id=officer, applicant={"name": name})
        response = client.post("/api/v1/bookings", json=payload, headers=world.service_center)
        assert response.status_code == 201
    callback = {
        "applicant": {"kind": "private", "name": "Cecilia Holm", "phone": "070-765 43 21"},
        "topic": "Garage",
        "officer_id": anna,
    }
    response = client.post("/api/v1/callbacks", json=callback, headers=world.service_center)
    assert response.status_code == 201
    callback_id = response.json["id"]  # type: ignore[index]

    _sign_in(browser, factory.token("officer", officer_id=anna), expect="Min dag")
    text = browser.text()
    assert "Åsa Öberg" in text and "Bo Ek" in text and "Cecilia Holm" in text
    assert "Someone Else" not in text
    browser.check("my-day")

    browser.click(f"label[for='outcome-{callback_id}-reached']")
    browser.click(f"#callback-{callback_id} button[type='submit']")
    _wait_for(browser, ".notice", "återuppringningen är klar")
    assert "Inga återuppringningar väntar på dig" in browser.text()
    browser.check("my-day-after-call")

    browser.visit("/staff/sok")
    _wait_for(browser, "h1", "Ingen behörighet")
    browser.check("officer-forbidden")


def test_a_time_taken_meanwhile_offers_the_nearest_times(
    browser: Any, world: Any, client: FlaskClient
) -> None:
    _sign_in(browser, world.service_center, expect="Översikt")
    query = "kind=private&meeting_type=bygglovsradgivning&mode=phone"
    browser.visit(f"/staff/boka?{query}&start=2027-03-03T10%3A00%3A00%2B01%3A00")
    _wait_for(browser, "h1", "Uppgifter om den som ringer")
    browser.fill("#field-name", "Åsa Öberg")
    browser.fill("#field-phone", "070-123 45 67")
    for officer in world.private_officers:  # another caller gets the whole team meanwhile
        payload = booking_payload(officer_id=officer)
        response = client.post("/api/v1/bookings", json=payload, headers=world.service_center)
        assert response.status_code == 201
    _submit(browser)
    _wait_for(browser, ".notice--warning", "Tiden hann bokas av någon annan")
    assert browser.find("#field-name").get_attribute("value") == "Åsa Öberg"
    browser.check("slot-taken")

    _submit(browser)  # the nearest free time is chosen already
    _wait_for(browser, "h1", "Tiden är bokad")
    browser.check("slot-taken-booked")
