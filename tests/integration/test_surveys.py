"""The NKI survey invitation: after a completed outcome, or some hours after a meeting without
one (the `send-surveys` job on the injected clock); never after a cancellation or a no-show,
never twice within the quiet period; sent through the outbox with a personal, single-use link."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.auth.service import hash_secret
from booking.extensions import db
from booking.jobs.registry import registered_jobs, run_job
from booking.notifications.models import Notification
from booking.notifications.render import SurveyFacts, render_survey_email, render_survey_sms
from booking.privacy.retention import RetentionPolicy, apply_retention
from booking.surveys.models import SurveyInvitation, SurveyResponse
from booking.surveys.service import survey_token_for
from tests.api.test_outcomes import AFTER, book, outcome_url
from tests.conftest import STOCKHOLM, Clock
from tests.support.outbox import run_dispatcher
from tests.support.sms import SmsGateway
from tests.support.smtp import SmtpServer

# Three hours (the default delay) after the payload's meeting ended at 10:45.
PAST_DELAY = datetime(2027, 3, 3, 13, 46, tzinfo=STOCKHOLM)
_LINK = re.compile(r"http://booking\.test/enkat/([A-Za-z0-9_-]+)")


def invitations(app: Flask) -> list[SurveyInvitation]:
    """Every survey invitation, detached."""
    with app.app_context():
        found = list(db.session.scalars(select(SurveyInvitation).order_by(SurveyInvitation.id)))
        for row in found:
            db.session.expunge(row)
        return found


def survey_rows(app: Flask) -> list[Notification]:
    """The outbox rows of kind survey, detached."""
    with app.app_context():
        query = select(Notification).where(Notification.kind == "survey").order_by(Notification.id)
        found = list(db.session.scalars(query))
        for row in found:
            db.session.expunge(row)
        return found


def send_surveys(app: Flask) -> str:
    """Run the `send-surveys` job once, as the worker would."""
    return run_job(app, registered_jobs()["send-surveys"])


def complete(client: FlaskClient, world: Any, reference: str, outcome: str = "completed") -> None:
    """Record the meeting's outcome as the service center."""
    response = client.post(
        outcome_url(reference), json={"outcome": outcome}, headers=world.service_center
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_completed_queues_one_e_mail_with_a_hashed_token(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booking = book(client)
    clock.set(AFTER)
    complete(client, world, booking["reference"])
    (invitation,) = invitations(app)
    token = survey_token_for(secret_key="test-secret", invitation_id=invitation.id)
    assert invitation.token_hash == hash_secret(token)
    assert invitation.expires_at == AFTER + timedelta(days=14)
    (row,) = survey_rows(app)
    assert (row.channel, row.audience, row.recipient) == ("email", "applicant", "asa@example.org")
    assert row.idempotency_key == f"survey:{invitation.booking_id}"
    # The job finds it already invited.
    clock.set(PAST_DELAY)
    send_surveys(app)
    assert len(invitations(app)) == 1 and len(survey_rows(app)) == 1


def test_without_an_outcome_the_job_invites_after_the_delay(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    book(client)
    clock.set(PAST_DELAY - timedelta(minutes=2))
    assert send_surveys(app) == "nothing to send"
    assert invitations(app) == []
    clock.set(PAST_DELAY)
    assert send_surveys(app) == "invited 1 of 1"
    assert len(invitations(app)) == 1
    # A rerun does not repeat it.
    clock.advance(hours=1)
    send_surveys(app)
    assert len(invitations(app)) == 1 and len(survey_rows(app)) == 1


def test_no_survey_after_a_no_show_or_a_cancellation(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    absent = book(client, applicant={"email": "a@example.org", "phone": "070-111 11 11"})
    cancelled = book(
        client,
        start="2027-03-03T13:00:00+01:00",
        applicant={"email": "b@example.org", "phone": "070-222 22 22"},
    )
    response = client.post(
        f"/api/v1/bookings/{cancelled['reference']}/cancel", json={}, headers=world.admin
    )
    assert response.status_code == 200
    clock.set(AFTER)
    complete(client, world, absent["reference"], "no_show")
    clock.set(datetime(2027, 3, 3, 20, 0, tzinfo=STOCKHOLM))
    send_surveys(app)
    assert invitations(app) == [] and survey_rows(app) == []


def test_a_completed_meeting_corrected_to_a_no_show_is_not_asked(
    app: Flask, client: FlaskClient, world: Any, clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, _ = outbound
    booking = book(client)
    clock.set(AFTER)
    complete(client, world, booking["reference"])
    assert len(invitations(app)) == 1
    response = client.post(
        outcome_url(booking["reference"]), json={"outcome": "no_show"}, headers=world.admin
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert invitations(app) == []
    smtp.reset()
    run_dispatcher(app)
    assert [m for m in smtp.messages if "/enkat/" in m.data.decode("utf-8", "replace")] == []
    (row,) = survey_rows(app)
    assert row.status == "superseded"
    # Nor does the job invite it later.
    clock.set(PAST_DELAY)
    send_surveys(app)
    assert invitations(app) == []


def test_nobody_is_asked_twice_within_the_quiet_days(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    first = book(client)
    second = book(client, start="2027-03-03T13:00:00+01:00")
    clock.set(AFTER)
    complete(client, world, first["reference"])
    clock.set(datetime(2027, 3, 3, 14, 0, tzinfo=STOCKHOLM))
    complete(client, world, second["reference"])
    clock.set(datetime(2027, 3, 3, 20, 0, tzinfo=STOCKHOLM))
    send_surveys(app)
    assert len(invitations(app)) == 1 and len(survey_rows(app)) == 1
    # Same phone, another e-mail: still the same person.
    later = book(
        client,
        start="2027-03-10T10:00:00+01:00",
        applicant={"email": "other@example.org"},
    )
    clock.set(datetime(2027, 3, 10, 11, 0, tzinfo=STOCKHOLM))
    complete(client, world, later["reference"])
    assert len(invitations(app)) == 1
    # Same e-mail written in capitals, another phone: the same person too.
    shouted = book(
        client,
        start="2027-03-12T10:00:00+01:00",
        applicant={"email": "ASA@Example.ORG", "phone": "070-765 43 21"},
    )
    clock.set(datetime(2027, 3, 12, 11, 0, tzinfo=STOCKHOLM))
    complete(client, world, shouted["reference"])
    assert len(invitations(app)) == 1


def test_the_outbox_sends_the_e_mail_with_a_working_link(
    app: Flask, client: FlaskClient, world: Any, clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, _ = outbound
    booking = book(client, language="en")
    clock.set(AFTER)
    smtp.reset()
    complete(client, world, booking["reference"])
    run_dispatcher(app)
    mails = [m for m in smtp.messages if "/enkat/" in m.data.decode("utf-8", "replace")]
    assert len(mails) == 1
    message = mails[0].message
    assert message["To"] == "asa@example.org"
    assert message["Subject"] == "How was your meeting with Bygglovsavdelningen?"
    text = message.get_body(("plain",)).get_content()
    # Invited Wednesday 3 March 11:00 with a 14-day link: it works until 17 March 11:00.
    assert "works once and is valid through 17 March." in " ".join(text.split())
    (token,) = _LINK.findall(text)
    assert client.get(f"/enkat/{token}").status_code == 200
    (row,) = survey_rows(app)
    # The kept copy leaves the token out, as for manage links.
    assert row.status == "sent" and token not in (row.body or "") and "[token]" in row.body


def test_without_an_e_mail_the_invitation_goes_by_sms(
    app: Flask, client: FlaskClient, world: Any, clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    _, sms = outbound
    # The service center books for someone by phone, without an e-mail address.
    booking = book(client, world.service_center, applicant={"email": None})
    clock.set(AFTER)
    complete(client, world, booking["reference"])
    run_dispatcher(app)
    texts = [m for m in sms.messages if "/enkat/" in m.message]
    assert len(texts) == 1 and texts[0].to == "+46701234567"
    assert texts[0].message.startswith("Hej! Tack för mötet med Bygglovsavdelningen.")
    assert "(gäller till och med 17 mars)" in texts[0].message
    (token,) = _LINK.findall(texts[0].message)
    assert client.get(f"/enkat/{token}").status_code == 200


def test_the_message_names_the_configured_link_s_last_day(
    app: Flask, client: FlaskClient, world: Any, clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, sms = outbound
    monkeypatch.setitem(app.config, "BOOKING_SURVEY_LINK_DAYS", 7)
    booking = book(client, world.service_center, applicant={"email": None})
    clock.set(AFTER)
    complete(client, world, booking["reference"])
    run_dispatcher(app)
    (text,) = [m.message for m in sms.messages if "/enkat/" in m.message]
    assert "(gäller till och med 10 mars)" in text


def test_a_link_expiring_at_midnight_names_the_day_before() -> None:
    facts = SurveyFacts(
        language="sv",
        applicant_name="Åsa",
        meeting_start_at=datetime(2027, 3, 3, 10, tzinfo=STOCKHOLM),
        zone=STOCKHOLM,
        department_name="Bygglovsavdelningen",
        survey_url="http://booking.test/enkat/x",
        link_expires_at=datetime(2027, 3, 17, 0, 0, tzinfo=STOCKHOLM),
    )
    assert "(gäller till och med 16 mars)" in render_survey_sms(facts)
    one_past = datetime(2027, 3, 17, 0, 1, tzinfo=STOCKHOLM)
    english = replace(facts, language="en", link_expires_at=one_past)
    assert "valid through 17 March" in " ".join(render_survey_email(english).text.split())


def test_an_invitation_made_no_show_later_is_not_sent(
    app: Flask, client: FlaskClient, world: Any, clock: Clock,
    outbound: tuple[SmtpServer, SmsGateway],
) -> None:
    smtp, _ = outbound
    booking = book(client)
    clock.set(AFTER)
    complete(client, world, booking["reference"])
    changed = client.post(
        outcome_url(booking["reference"]), json={"outcome": "no_show"}, headers=world.admin
    )
    assert changed.status_code == 200
    smtp.reset()
    run_dispatcher(app)
    assert not [m for m in smtp.messages if "/enkat/" in m.data.decode("utf-8", "replace")]
    (row,) = survey_rows(app)
    assert row.status == "superseded"


def test_retention_clears_the_comment(
    app: Flask, client: FlaskClient, world: Any, clock: Clock
) -> None:
    booking = book(client)
    clock.set(AFTER)
    complete(client, world, booking["reference"])
    (invitation,) = invitations(app)
    token = survey_token_for(secret_key="test-secret", invitation_id=invitation.id)
    page = client.get(f"/enkat/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf, "q_overall": "8", "q_expectations": "7", "q_ideal": "6",
            "comment": "Trevlig handläggare, Åsa"}
    assert client.post(f"/enkat/{token}", data=form).status_code == 303
    policy = RetentionPolicy.from_config(app.config)
    with app.app_context():
        apply_retention(now=AFTER + timedelta(days=89), policy=policy, batch_size=100)
        (response,) = db.session.scalars(select(SurveyResponse))
        assert response.comment == "Trevlig handläggare, Åsa" and response.anonymised_at is None
        db.session.rollback()
        moment = AFTER + timedelta(days=91)
        apply_retention(now=moment, policy=policy, batch_size=100)
        (response,) = db.session.scalars(select(SurveyResponse))
        assert response.comment is None and response.anonymised_at == moment
        # The scores stay: they are not personal data and feed the figures.
        assert (response.q_overall, response.q_expectations, response.q_ideal) == (8, 7, 6)
