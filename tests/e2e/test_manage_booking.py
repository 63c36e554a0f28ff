"""The manage page in a real browser: open the confirmation's link, move the meeting (mouse, then
keyboard alone), meet a time taken meanwhile, cancel; every step checked with axe at 1280/375/320.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.factories import booking_payload


def _book(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/bookings", json=booking_payload(**overrides))
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def _wait(browser: Any, condition: Callable[[], bool]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, 10).until(lambda _driver: condition())


def _slot(start: str) -> str:
    return f"button.slot[value='{start}']"


def test_open_move_and_cancel_from_the_link(browser: Any, client: FlaskClient, world: Any) -> None:
    booked = _book(
        client, case_number="BN 2027-000123", description="Ett uterum mot söder, ca 15 m²."
    )
    link = booked["links"]["manage"]
    assert link.startswith(browser.base_url + "/boka/hantera/")

    # 1. The link from the confirmation.
    browser.visit(link)
    assert browser.text("h1") == "Din bokning"
    assert "onsdag 3 mars 2027 kl. 10:00–10:45" in browser.text("#booking-time")
    assert booked["reference"] in browser.text(".reference")
    browser.check("manage")

    # 2. Move with the mouse: the week view, next week, a time.
    browser.click("#move-link")
    assert browser.text("h1") == "Välj en ny tid"
    browser.check("move-week")
    browser.click(".week-nav a[rel='next']")
    assert "Vecka 10" in browser.text(".week-title")
    browser.click(_slot("2027-03-09T13:00:00+01:00"))
    # A form's POST may still be under way when click() returns: wait for the next page.
    _wait(browser, lambda: "/flytta" not in browser.path)
    assert browser.text("h1") == "Din bokning"
    assert "Mötet är flyttat till tisdag 9 mars 2027 kl. 13:00" in browser.text(".notice--success")
    assert "tisdag 9 mars 2027 kl. 13:00–13:45" in browser.text("#booking-time")
    browser.check("moved")

    # 3. Move again with the keyboard alone: Tab to a time of this week, then Enter.
    browser.press_tab_until("#move-link")
    browser.find("#move-link").send_keys("\ue007")  # Enter
    _wait(browser, lambda: "/flytta" in browser.path)
    target = _slot("2027-03-03T14:00:00+01:00")
    browser.press_tab_until(target)
    browser.find(target).send_keys("\ue007")
    _wait(browser, lambda: "/flytta" not in browser.path)
    assert "onsdag 3 mars 2027 kl. 14:00–14:45" in browser.text("#booking-time")

    # 4. A time taken between seeing it and choosing it: a 409 page with the nearest times.
    browser.click("#move-link")
    browser.click(".week-nav a[rel='next']")
    for number, officer in enumerate(world.private_officers):
        _book(
            client,
            officer_id=officer,
            start="2027-03-10T09:00:00+01:00",
            applicant={"email": f"other{number}@example.org"},
        )
    browser.click(_slot("2027-03-10T09:00:00+01:00"))
    _wait(browser, lambda: bool(browser.find_all(".notice--warning")))
    assert "hann bokas av någon annan" in browser.text(".notice--warning")
    nearest = browser.find_all(".nearest-times button.slot")
    assert nearest and all(b.get_attribute("value") != "2027-03-10T09:00:00+01:00" for b in nearest)
    browser.check("taken")
    assert "onsdag 3 mars 2027 kl. 14:00" in browser.text("main")  # still the old time
    browser.click("#move-back")

    # 5. Cancel, with a reason.
    assert browser.text("h1") == "Din bokning"
    browser.fill("#field-reason", "Vi har bestämt oss för att vänta ett år.")
    browser.click("#cancel-button")
    _wait(browser, lambda: bool(browser.find_all(".notice--success")))
    assert "Mötet är avbokat" in browser.text(".notice--success")
    assert browser.text("#booking-status") == "Avbokad"
    assert not browser.find_all("form") and not browser.find_all("#move-link")
    browser.check("cancelled")


def test_english_manage_page_and_a_wrong_link(
    browser: Any, client: FlaskClient, world: Any
) -> None:
    booked = _book(client, language="en")
    browser.visit(booked["links"]["manage"])
    assert browser.find("html").get_attribute("lang") == "en"
    assert browser.text("h1") == "Your booking"
    browser.check("manage-en")

    browser.visit(f"/boka/hantera/{booked['reference']}?token=not-the-token")
    assert "no longer valid" in browser.text()
    browser.check("wrong-link")
