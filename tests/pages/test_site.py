"""The shared pages over HTTP: language choice, security headers, errors as pages, catalogs."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from booking.web.i18n import LANGUAGES, load_catalogs
from tests.pages.helpers import visible_text


def test_swedish_by_default_english_by_accept_language_or_choice(client: FlaskClient) -> None:
    assert 'lang="sv"' in client.get("/").get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.get_data(as_text=True)
    # An explicit choice wins over the browser's and is remembered for the next page.
    chosen = client.get("/?lang=en", headers={"Accept-Language": "sv"})
    assert "Book advice on building permits" in visible_text(chosen.get_data(as_text=True))
    later = client.get("/tillganglighet", headers={"Accept-Language": "sv"})
    assert "<h1>Accessibility statement</h1>" in later.get_data(as_text=True)
    back = client.get("/?lang=sv")
    assert "Boka rådgivning om bygglov" in visible_text(back.get_data(as_text=True))


def test_unknown_language_falls_back_to_swedish(client: FlaskClient) -> None:
    response = client.get("/?lang=de", headers={"Accept-Language": "de-DE"})
    assert 'lang="sv"' in response.get_data(as_text=True)


def test_pages_send_a_strict_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    # Nothing from another origin: no CDN fonts, scripts or styles.
    assert "http://" not in html.replace('href="/', "") and "https://" not in html
    assert "<script" not in html and "style=" not in html


def test_every_page_footer_links_the_accessibility_statement(client: FlaskClient) -> None:
    for path in ("/", "/tillganglighet", "/personuppgifter", "/?lang=en"):
        assert 'href="/tillganglighet"' in client.get(path).get_data(as_text=True), path


def test_unknown_address_is_a_page_for_browsers_and_a_problem_for_api_clients(
    client: FlaskClient,
) -> None:
    page = client.get("/finns-inte", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Sidan finns inte" in visible_text(page.get_data(as_text=True))
    api = client.get("/finns-inte", headers={"Accept": "*/*"})
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert client.get("/api/v1/finns-inte").mimetype == "application/problem+json"


def test_catalogs_have_the_same_keys_in_every_language(app: Flask) -> None:
    catalogs = load_catalogs()
    for language in LANGUAGES:
        missing = set(catalogs["sv"]) ^ set(catalogs[language])
        assert not missing, f"{language}: keys not in both catalogs: {sorted(missing)}"
        assert all(text.strip() for text in catalogs[language].values())


def test_the_session_cookie_is_locked_down(app: Flask, client: FlaskClient) -> None:
    response = client.get("/boka")
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("radgivning_session="), cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Served over https in production: the cookie is then Secure as well.
    from booking import create_app

    secure = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "x",
            "BOOKING_PUBLIC_URL": "https://bokning.example.se",
        }
    )
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 10 * 3600
