"""The survey page (enkät) through the test client: the three NKI questions, one answer per
link, expiry, and bad input that gives clear errors and stores nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.extensions import db
from booking.surveys.models import SurveyInvitation, SurveyResponse
from booking.surveys.service import survey_token_for
from tests.api.test_outcomes import AFTER, book, outcome_url
from tests.conftest import Clock
from tests.pages.helpers import csrf_token, page_token, visible_text

GOOD = {"q_overall": "9", "q_expectations": "8", "q_ideal": "7", "comment": "Bra möte."}


def invited(client: FlaskClient, world: Any, clock: Clock, **overrides: Any) -> str:
    """Book, hold and complete a meeting; return the survey token its invitation carries."""
    booking = book(client, **overrides)
    clock.set(AFTER)
    response = client.post(
        outcome_url(booking["reference"]), json={"outcome": "completed"}, headers=world.admin
    )
    assert response.status_code == 200
    with client.application.app_context():
        invitation_id = db.session.scalars(select(SurveyInvitation.id)).one()
    return survey_token_for(secret_key="test-secret", invitation_id=invitation_id)


def responses(app: Flask) -> list[SurveyResponse]:
    """Stored answers, detached."""
    with app.app_context():
        found = list(db.session.scalars(select(SurveyResponse)))
        for row in found:
            db.session.expunge(row)
        return found


def test_the_page_asks_the_three_questions_in_the_bookings_language(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    token = invited(client, world, clock, language="en")
    response = client.get(f"/enkat/{token}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    for name in ("q_overall", "q_expectations", "q_ideal"):
        assert f'<fieldset class="field radio-group" id="field-{name}"' in html
        for value in range(1, 11):
            assert f'id="{name}-{value}"' in html
    text = visible_text(html)
    assert "1 – very dissatisfied" in text and "10 – very satisfied" in text
    assert 'name="comment"' in html
    # The token is in the URL: nothing may cache the page or pass it on.
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    swedish = visible_text(client.get(f"/enkat/{token}?lang=sv").get_data(as_text=True))
    assert "Hur nöjd är du sammantaget" in swedish


def test_one_answer_is_stored_and_the_link_then_is_used(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    token = invited(client, world, clock)
    csrf = page_token(client, f"/enkat/{token}")
    clock.advance(days=2)
    response = client.post(f"/enkat/{token}", data={"csrf_token": csrf, **GOOD})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/enkat/tack")
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Tack för dina svar!" in thanks.get_data(as_text=True)
    (answer,) = responses(app)
    assert (answer.q_overall, answer.q_expectations, answer.q_ideal) == (9, 8, 7)
    assert answer.comment == "Bra möte." and answer.answered_at == AFTER + timedelta(days=2)
    with app.app_context():
        assert db.session.scalars(select(SurveyInvitation.used_at)).one() == answer.answered_at
    # The link works once: opening or replaying it says so and stores nothing.
    again = client.get(f"/enkat/{token}")
    assert again.status_code == 410
    assert "redan besvarad" in visible_text(again.get_data(as_text=True))
    replay = client.post(f"/enkat/{token}", data={"csrf_token": csrf, **GOOD, "q_ideal": "1"})
    assert replay.status_code == 410
    assert len(responses(app)) == 1 and responses(app)[0].q_ideal == 7


def test_the_link_expires_after_14_days(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    token = invited(client, world, clock)
    csrf = page_token(client, f"/enkat/{token}")
    clock.advance(days=14)
    assert client.get(f"/enkat/{token}").status_code == 410
    response = client.post(f"/enkat/{token}", data={"csrf_token": csrf, **GOOD})
    assert response.status_code == 410
    assert "Länken har gått ut. Den gällde i 14 dagar från inbjudan." in visible_text(
        response.get_data(as_text=True)
    )
    assert responses(app) == []


def test_an_unknown_link_is_not_found(app: Flask, client: FlaskClient) -> None:
    response = client.get("/enkat/not-a-real-token")
    assert response.status_code == 404
    assert "Vi hittar ingen enkät" in visible_text(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"q_overall": ""}, "q_overall"),
        ({"q_expectations": "11"}, "q_expectations"),
        ({"q_ideal": "0"}, "q_ideal"),
        ({"q_ideal": "sju"}, "q_ideal"),
        ({"comment": "x" * 2001}, "comment"),
    ],
)
def test_bad_answers_give_inline_errors_and_store_nothing(
    app: Flask, client: FlaskClient, world: Any, clock: Clock, changes: dict[str, str], field: str
) -> None:
    token = invited(client, world, clock)
    csrf = page_token(client, f"/enkat/{token}")
    form = {"csrf_token": csrf, **GOOD, **changes}
    response = client.post(f"/enkat/{token}", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert f'href="#field-{field}"' in html and f'id="error-{field}"' in html
    assert responses(app) == []
    with app.app_context():
        assert db.session.scalars(select(SurveyInvitation.used_at)).one() is None
    # What was given stays chosen, so only the wrong answer needs fixing.
    if field != "q_overall":
        assert 'id="q_overall-9" name="q_overall" value="9" checked' in html


def test_a_missing_answer_names_each_question(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    token = invited(client, world, clock)
    csrf = page_token(client, f"/enkat/{token}")
    response = client.post(f"/enkat/{token}", data={"csrf_token": csrf})
    assert response.status_code == 422
    text = visible_text(response.get_data(as_text=True))
    assert text.count("Välj ett svar från 1 till 10.") >= 3
    assert responses(app) == []


def test_without_the_csrf_token_nothing_is_stored(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    token = invited(client, world, clock)
    csrf_token(client.get(f"/enkat/{token}").get_data(as_text=True))
    assert client.post(f"/enkat/{token}", data=GOOD).status_code == 400
    assert responses(app) == []
