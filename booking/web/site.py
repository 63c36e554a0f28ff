"""The pages every visitor shares: start page, accessibility statement, privacy notice, errors.

Errors on pages are the API's problem documents turned into a page: the views raise the same
exceptions, `errors.py` builds the problem response, and `_problem_as_page` renders it in the
page's language with the same status (and Retry-After), so nothing is handled twice.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError

from booking.errors import PROBLEM_MIMETYPE, problem_response
from booking.web.security import PAGE_BLUEPRINTS

bp = Blueprint(
    "site",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)

_ERROR_TEXTS = {
    "/problems/csrf": "error_form_expired",
    404: "error_not_found",
    400: "error_bad_request",
    413: "error_bad_request",
    429: "error_rate_limited",
    503: "error_busy",
}


@bp.get("/")
def start() -> str:
    """The start page: what the service is, and the way in."""
    return render_template("web/start.html")


@bp.get("/tillganglighet")
def accessibility_statement() -> str:
    """The accessibility statement (tillgänglighetsredogörelse), linked from every footer."""
    return render_template("web/accessibility.html")


@bp.get("/personuppgifter")
def privacy_notice() -> str:
    """What personal data a booking keeps, why, and for how long."""
    return render_template("web/privacy.html")


def _is_page_request() -> bool:
    if request.blueprint in PAGE_BLUEPRINTS:
        return True
    # An unknown address typed into a browser gets a page too; API clients keep problem JSON.
    return (
        request.blueprint is None
        and not request.path.startswith("/api/")
        and request.accept_mimetypes.best_match([PROBLEM_MIMETYPE, "text/html"]) == "text/html"
    )


@bp.app_errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError) -> Response:
    return problem_response(
        400, "Bad Request", "The form's CSRF token is missing or invalid.", slug="csrf"
    )


def _problem_as_page(response: Response) -> Response:
    if response.mimetype != PROBLEM_MIMETYPE or not _is_page_request():
        return response
    try:
        problem = json.loads(response.get_data(as_text=True))
    except ValueError:
        problem = {}
    status = response.status_code
    key = _ERROR_TEXTS.get(problem.get("type")) or _ERROR_TEXTS.get(status, "error_generic")
    page = Response(
        render_template("web/error.html", message_key=key, status=status),
        status,
        mimetype="text/html",
    )
    for name in ("Retry-After", "X-Request-Id"):
        if name in response.headers:
            page.headers[name] = response.headers[name]
    g.page_error = True
    return page


def init_site(app: Flask) -> None:
    """Render problem responses of page requests as pages."""
    app.after_request(_problem_as_page)
