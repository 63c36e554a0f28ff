"""Statistik in a real browser: the charts and tables pass axe and reflow at 320 px."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.e2e.test_staff_console import _sign_in, _wait_for
from tests.stats_data import arrange


def test_statistics_page_is_accessible(
    browser: Any, app: Flask, client: FlaskClient, world: Any
) -> None:
    arrange(app, client, world)
    _sign_in(browser, world.service_center, expect="Översikt")
    browser.click("a[href='/staff/statistik']")
    _wait_for(browser, "h1", "Statistik")
    browser.fill("#field-from", "2027-03-01")
    browser.fill("#field-to", "2027-04-30")
    browser.click("main form button[type='submit']")
    _wait_for(browser, "#table-nki", "83,3")
    assert len(browser.find_all("main svg[role='img']")) == 5
    browser.check("statistik")

    browser.visit("/staff/statistik?from=2027-03-10&to=2027-03-01")
    _wait_for(browser, ".error-summary", "före startdatumet")
    browser.check("statistik-fel")
