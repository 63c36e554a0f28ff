"""A booking's current invitation (iTIP REQUEST, or CANCEL once cancelled) as iCalendar bytes."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from flask import current_app

from booking.bookings.links import staff_booking_url
from booking.bookings.models import Booking
from booking.calendar.ics import InviteEvent, Person, build_calendar
from booking.fields import office_zone
from booking.officers.models import Officer

SUMMARY_PREFIX = {"sv": "Rådgivning", "en": "Advice"}
MODE_DETAIL = {
    "sv": {
        "phone": "Telefonmöte: handläggaren ringer dig",
        "video": "Videomöte: länk skickas",
        "in_person": "Besök hos bygglovsavdelningen",
    },
    "en": {
        "phone": "Phone meeting: the officer calls you",
        "video": "Video meeting: link follows",
        "in_person": "Visit at the building-permit department",
    },
}


def booking_uid(*, reference: str, public_url: str) -> str:
    """The booking's iCalendar UID: one for its invitations and the calendar feeds alike."""
    return f"{reference}@{urlsplit(public_url).hostname or 'booking'}"


def invite_event(
    booking: Booking, *, manage_link: str | None = None, officer: Officer | None = None
) -> InviteEvent:
    """The booking as an invitation event: stable UID, its SEQUENCE, both participants.

    `manage_link` (with the applicant's token) goes into the applicant's copy only; others get
    the booking's address without it. `officer` replaces the booking's current officer, for the
    cancellation sent to an officer the meeting moved away from.
    """
    public_url = current_app.config["BOOKING_PUBLIC_URL"].rstrip("/")
    language = booking.language if booking.language in MODE_DETAIL else "sv"
    attending = officer or booking.officer
    label = "Bokningsnummer" if language == "sv" else "Reference"
    manage = "Hantera bokningen" if language == "sv" else "Manage the booking"
    # The applicant's copy links their manage page; the officer's the booking in the console.
    link = manage_link or staff_booking_url(public_url=public_url, reference=booking.reference)
    return InviteEvent(
        uid=booking_uid(reference=booking.reference, public_url=public_url),
        sequence=booking.sequence,
        dtstamp=booking.updated_at,
        start=booking.start_at,
        end=booking.end_at,
        summary=f"{SUMMARY_PREFIX[language]}: {booking.meeting_type.name}",
        description=(
            f"{label}: {booking.reference}\n"
            f"{manage}: {link}"
        ),
        location=MODE_DETAIL[language][booking.mode],
        organizer=Person(name="Bygglovsavdelningen", email=current_app.config["BOOKING_MAIL_FROM"]),
        attendees=[
            (Person(name=booking.applicant_name, email=booking.applicant_email), "REQ-PARTICIPANT"),
            (Person(name=attending.name, email=attending.email), "REQ-PARTICIPANT"),
        ],
        status="CANCELLED" if booking.status == "cancelled" else "CONFIRMED",
    )


def current_invite(booking: Booking, *, manage_link: str | None = None) -> tuple[bytes, str]:
    """Return the calendar bytes and its iTIP method (REQUEST, or CANCEL when cancelled)."""
    method = "CANCEL" if booking.status == "cancelled" else "REQUEST"
    event = invite_event(booking, manage_link=manage_link)
    return build_calendar(events=[event], method=method, zone=office_zone()), method


def cancel_for_officer(booking: Booking, officer: Officer) -> bytes:
    """The CANCEL for an officer the booking moved away from (same UID, the current SEQUENCE)."""
    # RFC 5546 §3.2.5: a CANCEL for some attendees lists just those; the applicant stays invited.
    event = replace(
        invite_event(booking, officer=officer),
        attendees=[(Person(name=officer.name, email=officer.email), "REQ-PARTICIPANT")],
    )
    return build_calendar(events=[event], method="CANCEL", zone=office_zone())
