"""Meeting outcomes in a real browser: an officer records one from "Min dag" and another on the
booking's page (a form sent without a choice first); every step checked with axe and at 320 px."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import STOCKHOLM, Clock
from tests.factories import booking_payload


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _wait_for(browser: Any, css: str, text: str) -> None:
    """Wait until an element matching `css` shows the text."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda driver: any(text in element.text for element in browser.find_all(css))
    )


def _sign_in(browser: Any, headers: dict[str, str], *, expect: str) -> None:
    browser.visit("/staff")
    _wait_for(browser, "h1", "Logga in")
    browser.fill("#field-token", _token(headers))
    browser.click("main form[method='post'] button[type='submit']")
    _wait_for(browser, "h1", expect)


def _book(client: FlaskClient, world: Any, officer: int, start: str, name: str) -> str:
    payload = booking_payload(
        start=start,
        officer_id=officer,
        applicant={"name": name, "email": f"{name.split()[0].lower()}@example.org"},
    )
    response = client.post("/api/v1/bookings", json=payload, headers=world.service_center)
    assert response.status_code == 201, response.get_data(as_text=True)
    reference: str = response.json["reference"]  # type: ignore[index]
    return reference


def test_an_officer_records_outcomes(
    browser: Any, world: Any, factory: Any, client: FlaskClient, clock: Clock
) -> None:
    anna = world.private_officers[0]
    first = _book(client, world, anna, "2027-03-03T09:00:00+01:00", "Åsa Öberg")
    second = _book(client, world, anna, "2027-03-03T10:00:00+01:00", "Bo Ek")
    later = _book(client, world, anna, "2027-03-03T13:00:00+01:00", "Cecilia Holm")
    clock.set(datetime(2027, 3, 3, 11, 0, tzinfo=STOCKHOLM))

    _sign_in(browser, factory.token("officer", officer_id=anna), expect="Min dag")
    section = browser.text(f"#awaiting-{first}")
    assert "Åsa Öberg" in section and "Onsdag 3 mars 2027 kl. 09:00–09:45" in section
    assert browser.find_all(f"#awaiting-{second}")
    assert not browser.find_all(f"#awaiting-{later}")  # not over yet
    browser.check("my-day-awaiting-outcome")

    browser.click(f"label[for='outcome-{first}-completed']")
    browser.fill(f"#outcome-note-{first}", "Gick igenom ritningarna.")
    browser.click(f"#awaiting-{first} button[type='submit']")
    _wait_for(browser, ".notice", "är registrerat: Genomfört")
    assert browser.path == "/staff"
    assert not browser.find_all(f"#awaiting-{first}")
    assert browser.find_all(f"#awaiting-{second}")
    browser.check("my-day-outcome-recorded")

    browser.click(f"#awaiting-{second} h3 a")
    _wait_for(browser, "h1", f"Bokning {second}")
    assert "Registrera utfall" in browser.text()
    browser.check("booking-outcome-form")

    browser.click("main form[method='post'] button[type='submit']")  # no choice made
    _wait_for(browser, ".error-summary", "Välj om mötet genomfördes")
    assert browser.driver.title.startswith("Fel:")
    browser.check("booking-outcome-error")

    browser.click("label[for='outcome-no_show']")
    browser.click("main form[method='post'] button[type='submit']")
    _wait_for(browser, ".notice", "är registrerat: Uteblev")
    assert browser.path == f"/staff/bokning/{second}"
    assert "Uteblev" in browser.text(".summary:last-of-type")
    assert not browser.find_all("main form[method='post']")  # an officer sets it once
    browser.check("booking-outcome-recorded")

    browser.visit(f"/staff/bokning/{first}")
    _wait_for(browser, "h1", f"Bokning {first}")
    text = browser.text()
    assert "Genomfört" in text and "Gick igenom ritningarna." in text

    browser.click(".staff-nav a[href='/staff']")
    _wait_for(browser, "h1", "Min dag")
    assert "Inga möten väntar på utfall" in browser.text()
