"""What the console's forms share: reading fields, local date-times, Swedish error messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import request

from booking.core.identity import InvalidIdentifier, normalise_phone

KIND_NAMES = {"private": "Privatperson", "company": "Företag"}
MODE_NAMES = {"phone": "Telefon", "video": "Video", "in_person": "Besök på kontoret"}
BOOKING_STATUS_NAMES = {"confirmed": "Bokad", "cancelled": "Avbokad"}
CALLBACK_STATUS_NAMES = {
    "open": "Väntar",
    "overdue": "Försenad",
    "completed": "Klar",
    "unreachable": "Nåddes inte",
}
OUTCOME_NAMES = {
    "reached": "Nådde sökande",
    "no_answer": "Inget svar",
    "wrong_number": "Fel nummer",
}
# What happened at a booked meeting (OUTCOME_NAMES above is for call-back attempts).
BOOKING_OUTCOME_NAMES = {"completed": "Genomfört", "no_show": "Uteblev"}


def field(name: str) -> str:
    """A posted form field, stripped ("" when missing)."""
    value = request.form.get(name, "")
    return value.strip()


def optional(value: str) -> str | None:
    """None for an empty field: the services take a missing value as None, not ""."""
    return value or None


def is_phone_number(value: str) -> bool:
    """Whether a typed phone number is valid (so all field errors show at once, not in turns)."""
    try:
        normalise_phone(value)
    except InvalidIdentifier:
        return False
    return True


def map_errors(
    problem: Mapping[str, list[str]],
    fields: Mapping[str, tuple[str, str]],
) -> tuple[dict[str, list[str]], list[str]]:
    """Turn a service's or schema's errors into Swedish messages on the form's fields.

    `fields` maps an error path ("applicant.phone") to (form field, Swedish message); paths
    not in it become general messages (they name hidden fields, so the form was tampered with
    or is stale).
    """
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for path in problem:
        if path in fields:
            name, message = fields[path]
            if message not in by_field.setdefault(name, []):
                by_field[name].append(message)
        else:
            message = "Formuläret innehöll uppgifter som inte gick att använda. Börja om."
            if message not in general:
                general.append(message)
    return by_field, general


def parse_local_datetime(value: str, zone: ZoneInfo) -> datetime | None:
    """A `datetime-local` value ("2027-03-02T13:00") as an aware time in `zone`, else None.

    A wall-clock time skipped by the change to summer time does not exist: it is refused
    rather than silently moved by an hour.
    """
    if not value or len(value) > 19:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return None
    if naive.tzinfo is not None or not 2000 <= naive.year <= 2200:
        return None
    aware = naive.replace(tzinfo=zone)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if round_trip.replace(tzinfo=None) != naive:
        return None
    return aware
