"""Public booking pages (placeholder until the booking steps land)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("public", __name__, url_prefix="/boka")


@bp.get("")
def choose() -> str:
    """Step 1: who is booking, and which kind of advice."""
    return render_template("web/start.html")
