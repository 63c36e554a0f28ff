"""The survey page in a real browser: the questions, the error state and the thank-you page, each
checked with axe at every width."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Clock
from tests.pages.test_survey_page import invited


def test_answer_the_survey_after_a_mistake(
    browser: Any, client: FlaskClient, world: Any, clock: Clock
) -> None:
    token = invited(client, world, clock)
    browser.visit(f"/enkat/{token}")
    assert browser.text("h1") == "Vad tyckte du om ditt möte?"
    browser.check("form")

    # Two answers given, the third forgotten: the page says which, and keeps the others.
    browser.click("label[for='q_overall-9']")
    browser.click("label[for='q_expectations-10']")
    browser.fill("#field-comment", "Tydliga svar om bygglovet.")
    browser.click("#survey-submit")
    assert "Välj ett svar från 1 till 10." in browser.text(".error-summary")
    assert browser.find("#q_overall-9").is_selected()
    browser.check("error")

    browser.click("label[for='q_ideal-8']")
    browser.click("#survey-submit")
    assert browser.path.startswith("/enkat/tack")
    assert browser.text("h1") == "Tack för dina svar!"
    browser.check("thanks")
