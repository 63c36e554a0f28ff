"""The public booking in a real browser: every step checked with axe, one driven by keyboard."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from booking.bookings.models import Booking
from booking.extensions import db
from tests.factories import booking_payload

WEDNESDAY_10 = "2027-03-03T10:00:00+01:00"


def _bookings(app: Flask) -> list[Booking]:
    with app.app_context():
        rows = list(db.session.scalars(select(Booking).order_by(Booking.id)).all())
        db.session.expunge_all()
        return rows


def test_private_person_books_with_the_keyboard(browser: Any, app: Flask, world: Any) -> None:
    browser.visit("/")
    browser.click("a.button[href='/boka']")
    assert browser.text(".steps") == "Steg 1 av 4"
    browser.check("step1")

    # Sent empty: the errors are announced, linked and next to their fields.
    browser.click("main button[type='submit']")
    assert browser.driver.title.startswith("Fel: Steg 1 av 4")
    assert "Välj om du bokar som privatperson" in browser.text(".error-summary")
    browser.check("step1-errors")

    browser.click("label[for='kind-private']")
    browser.click("label[for='meeting_type-bygglovsradgivning']")
    browser.click("main button[type='submit']")
    assert browser.path == "/boka/tid"
    assert browser.text(".steps") == "Steg 2 av 4"
    browser.check("step2")

    # Keyboard only: Tab to the mode, Space to choose it, Tab to a time, Enter to submit.
    from selenium.webdriver.common.keys import Keys

    browser.press_tab_until("#mode-phone")
    browser.driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)  # phone → video
    assert browser.find("#mode-video").is_selected()
    browser.press_tab_until(f"button.slot[value='{WEDNESDAY_10}']")
    browser.press_enter()
    assert browser.path.startswith("/boka/uppgifter?")
    assert "onsdag 3 mars 2027 kl. 10:00" in browser.text(".summary")
    browser.check("step3")

    browser.fill("#field-name", "Åsa Öberg")
    browser.click("main form button[type='submit']")
    assert browser.driver.title.startswith("Fel: Steg 3 av 4")
    assert "Ange din e-postadress" in browser.text("#error-email")
    assert browser.find("#field-name").get_attribute("value") == "Åsa Öberg"
    browser.check("step3-errors")

    browser.fill("#field-email", "asa@example.org")
    browser.fill("#field-property_designation", "SJÖDALEN 1:1")
    browser.click("main form button[type='submit']")
    assert browser.path == "/boka/klar"
    [booking] = _bookings(app)
    assert browser.text(".reference") == booking.reference
    assert booking.applicant_email == "asa@example.org" and booking.mode == "video"
    assert "onsdag 3 mars 2027 kl. 10:00" in browser.text(".summary")
    invite = browser.find("a[download]").get_attribute("href")
    assert f"/api/v1/bookings/{booking.reference}/invite.ics?token=" in invite
    browser.check("step4")


def test_the_mode_chosen_stays_when_turning_the_week(browser: Any, world: Any) -> None:
    browser.visit("/boka")
    browser.click("label[for='kind-private']")
    browser.click("label[for='meeting_type-bygglovsradgivning']")
    browser.click("main button[type='submit']")
    assert "Vecka 9" in browser.text("#week-title")
    # Ticked on the page, not yet sent anywhere: the week button carries it along.
    browser.click("label[for='mode-video']")
    browser.click("button.link-button[value='2027-03-08']")
    assert browser.path == "/boka/tid?mode=video&vecka=2027-03-08"
    assert "Vecka 10" in browser.text("#week-title")
    assert browser.find("#mode-video").is_selected()
    browser.check("step2-next-week")
    browser.click("button.link-button[value='2027-03-01']")
    assert "Vecka 9" in browser.text("#week-title")
    assert browser.find("#mode-video").is_selected()


def test_company_in_english_with_an_invalid_then_a_valid_number(
    browser: Any, app: Flask, world: Any
) -> None:
    browser.visit("/boka?lang=en")
    assert browser.find("html").get_attribute("lang") == "en"
    browser.click("label[for='kind-company']")
    browser.fill("#field-organisation_number", "556036-0792")
    browser.click("label[for='meeting_type-bygglovsradgivning']")
    browser.click("main button[type='submit']")
    assert "The organisation number is not valid" in browser.text("#error-organisation_number")
    assert browser.find("#field-organisation_number").get_attribute("value") == "556036-0792"
    assert browser.find("#kind-company").is_selected()
    browser.check("company-number-error")

    browser.fill("#field-organisation_number", "556036-0793")
    browser.click("main button[type='submit']")
    assert browser.path == "/boka/tid"
    assert "Step 2 of 4" in browser.text(".steps")
    browser.click("label[for='mode-phone']")
    browser.click("button.button--secondary[name='start']")  # the first free time
    assert "Tuesday 2 March 2027 at 09:00" in browser.text(".summary")
    browser.fill("#field-name", "Lars Byggare")
    browser.fill("#field-email", "lars@bygg.example.org")
    browser.fill("#field-phone", "070-765 43 21")
    browser.check("company-details")
    browser.click("main form button[type='submit']")
    assert "Your time is booked" in browser.text("h1")
    [booking] = _bookings(app)
    assert booking.applicant_kind == "company" and booking.organisation_number == "556036-0793"
    assert booking.language == "en" and booking.officer_id in world.company_officers
    browser.check("company-done")


def test_time_taken_meanwhile_then_a_nearest_time_is_booked(
    browser: Any, app: Flask, world: Any
) -> None:
    browser.visit("/boka")
    browser.click("label[for='kind-company']")
    browser.fill("#field-organisation_number", "5560360793")
    browser.click("label[for='meeting_type-bygglovsradgivning']")
    browser.click("main button[type='submit']")
    browser.click("label[for='mode-video']")
    browser.click(f"button.slot[value='{WEDNESDAY_10}']")
    browser.fill("#field-name", "Åsa Öberg")
    browser.fill("#field-email", "asa@example.org")

    # Behind the browser's back, someone books the company team's only officer at that time.
    other = booking_payload(applicant={"kind": "company", "organisation_number": "5560360793"})
    assert app.test_client().post("/api/v1/bookings", json=other).status_code == 201

    browser.click("main form button[type='submit']")
    assert "Tiden du valde, onsdag 3 mars 2027 kl. 10:00, är inte längre ledig" in browser.text(
        "[role='alert']"
    )
    assert browser.find("#field-name").get_attribute("value") == "Åsa Öberg"
    browser.check("slot-taken")

    browser.click("label[for='start-2027-03-03T11:00:00+01:00']")
    browser.click("main form button[type='submit']")
    assert browser.path == "/boka/klar"
    assert "onsdag 3 mars 2027 kl. 11:00" in browser.text(".summary")
    assert [b.applicant_name for b in _bookings(app)] == ["Åsa Öberg-Nguyễn", "Åsa Öberg"]
    browser.check("slot-taken-booked")
