"""The survey page (enkät): the applicant's personal link after a meeting, answered once.

Opening the link never changes anything (mail scanners follow links); the answer is a POST with
the CSRF token. The token is in the path, so the blueprint is private (no referrer, no cache).
An unknown, used or expired link gets a page saying so (404 or 410) and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from booking.clock import now
from booking.surveys.models import QUESTIONS, SurveyInvitation
from booking.surveys.service import (
    SurveyLinkGone,
    find_invitation,
    submit_response,
    validate_answers,
)
from booking.web.i18n import translate
from booking.web.security import protect_form

bp = Blueprint("survey", __name__, url_prefix="/enkat")

Html = str | tuple[str, int]
# An unknown link is 404; a used or expired one existed and is gone for good: 410.
_GONE_STATUS = {"unknown": 404, "used": 410, "expired": 410}


def _speak_applicants_language(invitation: SurveyInvitation) -> None:
    # The link is often opened in a browser whose language says nothing about the applicant's:
    # the booking's language holds unless the page's language switch was used.
    if "lang" not in request.args:
        g.page_language = invitation.booking.language


def _gone(exc: SurveyLinkGone) -> Html:
    html = render_template("web/survey/gone.html", reason=exc.reason)
    return html, _GONE_STATUS[exc.reason]


def _render_form(
    token: str, *, values: Mapping[str, Any], errors: Mapping[str, list[str]], status: int = 200
) -> Html:
    html = render_template(
        "web/survey/form.html",
        action=url_for("survey.answer", token=token),
        questions=list(QUESTIONS),
        values=values,
        errors=errors,
    )
    return html, status


@bp.get("/<token>")
def show(token: str) -> Html:
    """The three questions and the comment field."""
    try:
        invitation = find_invitation(token=token, now=now())
    except SurveyLinkGone as exc:
        return _gone(exc)
    _speak_applicants_language(invitation)
    return _render_form(token, values={}, errors={})


@bp.post("/<token>")
def answer(token: str) -> Html | Response:
    """Store the answers once, then thank the applicant (303)."""
    protect_form()
    moment = now()
    try:
        invitation = find_invitation(token=token, now=moment)
    except SurveyLinkGone as exc:
        return _gone(exc)
    _speak_applicants_language(invitation)
    answers, problems = validate_answers(request.form)
    if problems:
        errors = {name: [translate(f"survey_error_{code}")] for name, code in problems.items()}
        values = {name: request.form.get(name, "") for name in (*QUESTIONS, "comment")}
        return _render_form(token, values=values, errors=errors, status=422)
    try:
        submit_response(invitation=invitation, answers=answers, now=moment)
    except SurveyLinkGone as exc:
        return _gone(exc)
    return redirect(url_for("survey.thanks", lang=invitation.booking.language), 303)


@bp.get("/tack")
def thanks() -> str:
    """The thank-you page after answering."""
    return render_template("web/survey/thanks.html")
