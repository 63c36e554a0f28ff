"""Page tests through the Flask test client (no browser): forms as a browser sends them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask.testing import FlaskClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def page_token(client: FlaskClient, path: str) -> str:
    """GET a page and return its form's CSRF token."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return csrf_token(response.get_data(as_text=True))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "title"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "title"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed, for "the page says …" checks."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
