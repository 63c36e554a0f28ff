"""The page's language: `?lang=`, then the session's choice, then Accept-Language; Swedish default.

Texts are looked up by key in the catalogs under `booking/web/catalog/` (one module per area,
each with an `SV` and an `EN` dict holding the same keys; a test checks they match). Swedish is
the fallback for a key an English catalog lacks, so a page is never left with a raw key.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from flask import Flask, current_app, g, request, session

from booking.notifications.render import format_local_time

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
_BABEL_LOCALES = {"sv": "sv_SE", "en": "en_GB"}


def load_catalogs() -> dict[str, dict[str, str]]:
    """Merge every catalog module's SV and EN dicts: {"sv": {...}, "en": {...}}."""
    from booking.web import catalog

    merged: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    for info in pkgutil.iter_modules(catalog.__path__):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        for language in LANGUAGES:
            merged[language].update(getattr(module, language.upper()))
    return merged


def page_language() -> str:
    """The language of this request's page (and remember an explicit choice in the session)."""
    if "page_language" in g:
        return g.page_language  # type: ignore[no-any-return]
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        language = asked
    elif session.get("lang") in LANGUAGES:
        language = session["lang"]
    else:
        language = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    g.page_language = language
    return language


def translate(key: str, **values: Any) -> str:
    """The text for `key` in the page's language, with `{name}` placeholders filled in."""
    catalogs = current_app.extensions["booking_catalogs"]
    language = page_language()
    text = catalogs[language].get(key) or catalogs[DEFAULT_LANGUAGE].get(key)
    if text is None:
        raise KeyError(f"no text for {key!r}")
    return text.format(**values) if values else text


def local_time(moment: datetime, style: str = "long") -> str:
    """An instant written out in the office's zone, in the page's language."""
    zone = current_app.extensions["booking_zone"]
    return format_local_time(moment, zone, page_language(), style)


def local_day(day: date, pattern: str = "EEEE d MMMM") -> str:
    """A date written out in the page's language: "måndag 7 december"."""
    return format_date(day, pattern, locale=_BABEL_LOCALES[page_language()])


def url_with_language(language: str) -> str:
    """This page's URL with `lang` set: the language switch's link."""
    arguments = request.args.to_dict(flat=False)
    arguments["lang"] = [language]
    return f"{request.path}?{urlencode(arguments, doseq=True)}"


def init_i18n(app: Flask) -> None:
    """Load the catalogs and give templates `t`, `lang`, `local_time`, `local_day`."""
    app.extensions["booking_catalogs"] = load_catalogs()

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {
            "t": translate,
            "lang": page_language(),
            "other_languages": [x for x in LANGUAGES if x != page_language()],
            "url_with_language": url_with_language,
            "local_time": local_time,
            "local_day": local_day,
        }
