"""The pages people use: public booking (sv/en), the manage page and the service-center console.

Server-rendered Jinja, every step a plain link or form (no JavaScript needed). The views are thin:
they parse a form, call the same services as the JSON API, and render or redirect (POST → 303).
"""

from __future__ import annotations

from flask import Flask

from booking.web.security import init_security


def register_pages(app: Flask) -> None:
    """Register the page blueprints, CSRF protection, security headers and template helpers."""
    from booking.web.i18n import init_i18n
    from booking.web.site import bp as site_bp
    from booking.web.site import init_site

    # after_request hooks run last-registered first: problems become pages, then get headers.
    init_security(app)
    init_i18n(app)
    init_site(app)
    app.register_blueprint(site_bp)
    for module in ("booking.web.public", "booking.web.manage", "booking.web.staff"):
        _register_optional(app, module)


def _register_optional(app: Flask, module_name: str) -> None:
    # Each area is its own module with a `bp`; registering by name keeps this file stable.
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return
    app.register_blueprint(module.bp)
