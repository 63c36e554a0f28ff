"""The pages people use: public booking (sv/en), the manage page and the service-center console.

Server-rendered Jinja, every step a plain link or form (no JavaScript needed). The views are thin:
they parse a form, call the same services as the JSON API, and render or redirect (POST → 303).
"""

from __future__ import annotations

from flask import Flask


def register_pages(app: Flask) -> None:
    """Register the page blueprints, CSRF protection, security headers and template helpers."""
    from booking.web.i18n import init_i18n
    from booking.web.manage import bp as manage_bp
    from booking.web.public import bp as public_bp
    from booking.web.security import init_security
    from booking.web.site import bp as site_bp
    from booking.web.site import init_site
    from booking.web.staff import bp as staff_bp
    from booking.web.survey import bp as survey_bp

    # after_request hooks run last-registered first: problems become pages, then get headers.
    init_security(app)
    init_i18n(app)
    init_site(app)
    for blueprint in (site_bp, public_bp, manage_bp, staff_bp, survey_bp):
        app.register_blueprint(blueprint)
