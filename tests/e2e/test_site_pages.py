"""The shared pages in a real browser: start page, accessibility statement, language switch."""

from __future__ import annotations

from typing import Any


def test_start_page_in_swedish_then_english_is_accessible(browser: Any) -> None:
    browser.visit("/")
    assert browser.find("html").get_attribute("lang") == "sv"
    assert "Boka rådgivning om bygglov" in browser.text("h1")
    browser.check("start-sv")

    browser.click(".language-switch a[hreflang='en']")
    assert browser.find("html").get_attribute("lang") == "en"
    assert "Book advice on building permits" in browser.text("h1")
    browser.check("start-en")


def test_every_footer_links_the_accessibility_statement(browser: Any) -> None:
    browser.visit("/")
    browser.press_tab_until(".footer-links a[href='/tillganglighet']")
    browser.click(".footer-links a[href='/tillganglighet']")
    assert browser.text("h1") == "Tillgänglighetsredogörelse"
    browser.check("accessibility-statement")
    browser.visit("/personuppgifter")
    browser.check("privacy")


def test_unknown_address_is_an_accessible_page(browser: Any) -> None:
    browser.visit("/boka/finns-inte")
    assert "Sidan finns inte" in browser.text()
    browser.check("not-found")
