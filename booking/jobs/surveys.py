"""Job: invite applicants to the NKI survey once their meeting is some hours past."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from booking.bookings.models import Booking
from booking.clock import now
from booking.db import write_intent
from booking.extensions import db
from booking.surveys.service import bookings_due_for_survey, invite_to_survey

log = logging.getLogger(__name__)


def send_due_surveys() -> str:
    """Invite the applicants of meetings ended over BOOKING_SURVEY_DELAY_HOURS ago."""
    config = current_app.config
    moment = now()
    ids = bookings_due_for_survey(
        now=moment, delay_hours=int(config["BOOKING_SURVEY_DELAY_HOURS"])
    )
    db.session.rollback()
    invited = 0
    for booking_id in ids:
        # One booking per transaction: a failing one neither stops nor undoes the others.
        try:
            with write_intent():
                query = select(Booking).where(Booking.id == booking_id).with_for_update()
                booking = db.session.scalars(query).one()
                if invite_to_survey(booking=booking, now=moment, config=config) is not None:
                    invited += 1
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("inviting booking %s to the survey failed", booking_id)
    if not invited:
        return "nothing to send"
    return f"invited {invited} of {len(ids)}"
