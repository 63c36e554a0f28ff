"""Malformed and hostile input: always a 4xx problem document, never a 500, never a change.

Every case of the table is sent against the standard world plus one booking and one absence;
the whole database is compared before and after.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import PROBLEM, assert_problem, snapshot
from tests.conftest import STOCKHOLM
from tests.factories import booking_payload

ON_POSTGRES = os.environ.get("BOOKING_TEST_DATABASE_URL", "").startswith("postgres")
BIG = "x" * 10_240
SQL = "'; DROP TABLE bookings; --"
SCRIPT = "<script>alert(1)</script>"
_MISSING = object()


@dataclass
class Ctx:
    """What the cases refer to: ids, the booking and its manage token, tokens."""

    officer: int
    company_officer: int
    reference: str
    manage_token: str
    absence: int
    admin: dict[str, str]
    service_center: dict[str, str]


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    status: int
    field: str | None = None
    body: Any = _MISSING  # JSON-able value, or a callable of the Ctx returning one
    raw: str | bytes | None = None  # sent as is (raw JSON text for NUL, surrogates, NaN ...)
    content_type: str = "application/json"
    query: str | None = None  # a raw query string, percent-encoded by the case
    auth: str | None = None  # "admin", "service_center", "manage" or None


def _booking(**overrides: Any) -> dict[str, Any]:
    return booking_payload(**overrides)


def _raw_booking(replace: str, by: str) -> str:
    text = json.dumps(booking_payload())
    assert replace in text
    return text.replace(replace, by, 1)


def _slots(**params: str) -> str:
    query = {
        "meeting_type": "bygglovsradgivning",
        "applicant_kind": "private",
        "from": "2027-03-03",
        "to": "2027-03-05",
    }
    query.update(params)
    return "&".join(f"{k}={v}" for k, v in query.items() if v is not None)


def _team(**overrides: Any) -> dict[str, Any]:
    body = {
        "slug": "bygglov-nytt",
        "name": "Nytt team",
        "applicant_kind": "private",
        "meeting_types": ["bygglovsradgivning"],
    }
    body.update(overrides)
    return body


def _meeting_type(**overrides: Any) -> dict[str, Any]:
    body = {
        "slug": "strandskydd",
        "name": "Strandskydd",
        "duration_minutes": 30,
        "modes": ["phone"],
    }
    body.update(overrides)
    return body


def _officer(**overrides: Any) -> dict[str, Any]:
    body = {"name": "Zofia Łukasiewicz", "email": "zofia@example.org", "teams": ["bygglov-privat"]}
    body.update(overrides)
    return body


def _hours(start: Any = "08:00", end: Any = "12:00", weekday: Any = 0) -> list[dict[str, Any]]:
    return [{"weekday": weekday, "start": start, "end": end}]


def _absence(**overrides: Any) -> dict[str, Any]:
    body = {"start": "2027-03-10T08:00:00+01:00", "end": "2027-03-10T12:00:00+01:00"}
    body.update(overrides)
    return body


def _closure(**overrides: Any) -> dict[str, Any]:
    body = {"date": "2027-03-12", "reason": "Personaldag"}
    body.update(overrides)
    return body


BOOKINGS = "/api/v1/bookings"
RESCHEDULE = "/api/v1/bookings/{ref}/reschedule"
CANCEL = "/api/v1/bookings/{ref}/cancel"
HOURS = "/api/v1/officers/{officer}/weekly-hours"
ABSENCES = "/api/v1/officers/{officer}/absences"

CASES: dict[str, Any] = {
    # --- POST /bookings: types --------------------------------------------------------------
    "booking-officer-id-string": Case(
        "POST", BOOKINGS, 422, "officer_id", _booking(officer_id="1")
    ),
    "booking-officer-id-float": Case("POST", BOOKINGS, 422, "officer_id", _booking(officer_id=1.5)),
    "booking-officer-id-whole-float": Case(
        "POST", BOOKINGS, 422, "officer_id", _booking(officer_id=1.0)
    ),
    "booking-officer-id-bool": Case("POST", BOOKINGS, 422, "officer_id", _booking(officer_id=True)),
    "booking-officer-id-huge": Case(
        "POST", BOOKINGS, 422, "officer_id", _booking(officer_id=10**30)
    ),
    "booking-officer-id-nan": Case(
        "POST",
        BOOKINGS,
        422,
        "officer_id",
        raw=_raw_booking('"language"', '"officer_id": NaN, "language"'),
    ),
    "booking-officer-of-another-team": Case(
        "POST", BOOKINGS, 422, "officer_id", lambda c: _booking(officer_id=c.company_officer)
    ),
    "booking-applicant-list": Case(
        "POST", BOOKINGS, 422, "applicant", {**_booking(), "applicant": []}
    ),
    "booking-applicant-null": Case(
        "POST", BOOKINGS, 422, "applicant", {**_booking(), "applicant": None}
    ),
    "booking-applicant-string": Case(
        "POST", BOOKINGS, 422, "applicant", {**_booking(), "applicant": "Åsa"}
    ),
    "booking-meeting-type-null": Case(
        "POST", BOOKINGS, 422, "meeting_type", _booking(meeting_type=None)
    ),
    "booking-meeting-type-number": Case(
        "POST", BOOKINGS, 422, "meeting_type", _booking(meeting_type=42)
    ),
    "booking-mode-missing": Case(
        "POST", BOOKINGS, 422, "mode", {k: v for k, v in _booking().items() if k != "mode"}
    ),
    "booking-mode-unknown": Case("POST", BOOKINGS, 422, "mode", _booking(mode="fax")),
    "booking-kind-unknown": Case(
        "POST", BOOKINGS, 422, "applicant.kind", _booking(applicant={"kind": "alien"})
    ),
    "booking-language-unknown": Case("POST", BOOKINGS, 422, "language", _booking(language="xx")),
    # --- POST /bookings: times --------------------------------------------------------------
    "booking-start-naive": Case(
        "POST", BOOKINGS, 422, "start", _booking(start="2027-03-03T10:00:00")
    ),
    "booking-start-feb-30": Case(
        "POST", BOOKINGS, 422, "start", _booking(start="2027-02-30T10:00:00+01:00")
    ),
    "booking-start-hour-25": Case(
        "POST", BOOKINGS, 422, "start", _booking(start="2027-03-03T25:00:00+01:00")
    ),
    "booking-start-epoch-number": Case("POST", BOOKINGS, 422, "start", _booking(start=1804150800)),
    "booking-start-year-1": Case(
        "POST", BOOKINGS, 422, "start", _booking(start="0001-01-01T00:00:00+01:00")
    ),
    "booking-start-year-9999": Case(
        "POST", BOOKINGS, 422, "start", _booking(start="9999-12-31T23:59:00-01:00")
    ),
    "booking-start-iso-week": Case(
        "POST", BOOKINGS, 422, "start", _booking(start="2027-W09-3T10:00:00+01:00")
    ),
    "booking-start-offset-out-of-range": Case(
        "POST", BOOKINGS, 422, "start", _booking(start="2027-03-03T10:00:00+25:00")
    ),
    "booking-start-not-on-the-grid": Case(
        "POST", BOOKINGS, 409, None, _booking(start="2027-03-03T10:00:00.5+01:00")
    ),
    "booking-start-in-the-past": Case(
        "POST", BOOKINGS, 409, None, _booking(start="2027-02-24T10:00:00+01:00")
    ),
    # --- POST /bookings: identifiers --------------------------------------------------------
    "booking-orgnr-bad-checksum": Case(
        "POST",
        BOOKINGS,
        422,
        "applicant.organisation_number",
        _booking(applicant={"kind": "company", "organisation_number": "556036-0794"}),
    ),
    "booking-orgnr-letters": Case(
        "POST",
        BOOKINGS,
        422,
        "applicant.organisation_number",
        _booking(applicant={"kind": "company", "organisation_number": "55603A-0793"}),
    ),
    "booking-orgnr-missing-for-company": Case(
        "POST",
        BOOKINGS,
        422,
        "applicant.organisation_number",
        _booking(applicant={"kind": "company"}),
    ),
    "booking-orgnr-number-type": Case(
        "POST",
        BOOKINGS,
        422,
        "applicant.organisation_number",
        _booking(applicant={"kind": "company", "organisation_number": 5560360793}),
    ),
    "booking-orgnr-for-private": Case(
        "POST",
        BOOKINGS,
        422,
        "applicant.organisation_number",
        _booking(applicant={"organisation_number": "556036-0793"}),
    ),
    "booking-phone-too-short": Case(
        "POST", BOOKINGS, 422, "applicant.phone", _booking(applicant={"phone": "12"})
    ),
    "booking-phone-letters": Case(
        "POST", BOOKINGS, 422, "applicant.phone", _booking(applicant={"phone": "070-ABC DEF"})
    ),
    "booking-phone-meeting-without-phone": Case(
        "POST", BOOKINGS, 422, "applicant.phone", _booking(mode="phone", applicant={"phone": None})
    ),
    "booking-email-invalid": Case(
        "POST", BOOKINGS, 422, "applicant.email", _booking(applicant={"email": "not-an-email"})
    ),
    "booking-email-no-domain": Case(
        "POST", BOOKINGS, 422, "applicant.email", _booking(applicant={"email": "asa@localhost"})
    ),
    "booking-email-control-character": Case(
        "POST",
        BOOKINGS,
        422,
        "applicant.email",
        _booking(applicant={"email": '"\u0001"@example.org'}),
    ),
    "booking-email-missing-online": Case(
        "POST", BOOKINGS, 422, "applicant.email", _booking(applicant={"email": None})
    ),
    # --- POST /bookings: strings ------------------------------------------------------------
    "booking-name-10kb": Case(
        "POST", BOOKINGS, 422, "applicant.name", _booking(applicant={"name": BIG})
    ),
    "booking-name-blank": Case(
        "POST", BOOKINGS, 422, "applicant.name", _booking(applicant={"name": "   "})
    ),
    "booking-name-newline": Case(
        "POST", BOOKINGS, 422, "applicant.name", _booking(applicant={"name": "Åsa\nÖberg"})
    ),
    "booking-name-c1-next-line": Case(
        "POST", BOOKINGS, 422, "applicant.name", _booking(applicant={"name": "Åsa\u0085Öberg"})
    ),
    "booking-name-nul": Case(
        "POST", BOOKINGS, 422, "applicant.name", raw=_raw_booking('"\\u00c5sa', '"\\u0000\\u00c5sa')
    ),
    "booking-name-lone-surrogate": Case(
        "POST", BOOKINGS, 422, "applicant.name", raw=_raw_booking('"\\u00c5sa', '"\\ud800\\u00c5sa')
    ),
    "booking-designation-nul": Case(
        "POST", BOOKINGS, 422, "property_designation", raw=_raw_booking('"SJ', '"\\u0000SJ')
    ),
    "booking-description-10kb": Case(
        "POST", BOOKINGS, 422, "description", _booking(description=BIG)
    ),
    "booking-case-number-object": Case(
        "POST", BOOKINGS, 422, "case_number", _booking(case_number={"$ne": None})
    ),
    "booking-meeting-type-sql": Case(
        "POST", BOOKINGS, 422, "meeting_type", _booking(meeting_type=SQL)
    ),
    "booking-meeting-type-script": Case(
        "POST", BOOKINGS, 422, "meeting_type", _booking(meeting_type=SCRIPT)
    ),
    "booking-meeting-type-unknown": Case(
        "POST", BOOKINGS, 422, "meeting_type", _booking(meeting_type="finns-inte")
    ),
    "booking-unknown-field": Case("POST", BOOKINGS, 422, "status", _booking(status="cancelled")),
    "booking-unknown-nested-field": Case(
        "POST", BOOKINGS, 422, "applicant.ssn", _booking(applicant={"ssn": "19811218-9876"})
    ),
    "booking-unknown-field-lone-surrogate": Case(
        "POST", BOOKINGS, 422, "\ufffd", raw=_raw_booking('"language"', '"\\udc00": 1, "language"')
    ),
    # --- POST /bookings: the body itself ----------------------------------------------------
    "booking-empty-body": Case("POST", BOOKINGS, 422, "meeting_type", raw=""),
    "booking-json-null": Case("POST", BOOKINGS, 422, "body", raw="null"),
    "booking-json-list": Case("POST", BOOKINGS, 422, "body", [_booking()]),
    "booking-json-string": Case("POST", BOOKINGS, 422, "body", "book me"),
    "booking-json-number": Case("POST", BOOKINGS, 422, "body", raw="1e400"),
    "booking-malformed-json": Case("POST", BOOKINGS, 400, "body", raw='{"meeting_type": '),
    "booking-trailing-garbage": Case(
        "POST", BOOKINGS, 400, "body", raw=json.dumps(_booking()) + "}"
    ),
    "booking-invalid-utf8": Case(
        "POST",
        BOOKINGS,
        400,
        "body",
        raw=json.dumps(_booking()).encode().replace(b"SJ", b"\xff\xfe"),
    ),
    "booking-deeply-nested": Case("POST", BOOKINGS, 400, "body", raw="[" * 50_000 + "]" * 50_000),
    "booking-nested-object-in-field": Case(
        "POST",
        BOOKINGS,
        422,
        "description",
        _booking(description=json.loads("[" * 200 + "]" * 200)),
    ),
    "booking-text-plain": Case(
        "POST", BOOKINGS, 422, "meeting_type", raw=json.dumps(_booking()), content_type="text/plain"
    ),
    "booking-form-encoded": Case(
        "POST",
        BOOKINGS,
        422,
        "meeting_type",
        raw="meeting_type=bygglovsradgivning&mode=video",
        content_type="application/x-www-form-urlencoded",
    ),
    # --- GET /slots ------------------------------------------------------------------------
    "slots-no-query": Case("GET", "/api/v1/slots", 422, "meeting_type", query=""),
    "slots-from-feb-30": Case(
        "GET", "/api/v1/slots", 422, "from", query=_slots(**{"from": "2027-02-30"})
    ),
    "slots-from-unpadded": Case(
        "GET", "/api/v1/slots", 422, "from", query=_slots(**{"from": "2027-3-3"})
    ),
    "slots-from-basic-format": Case(
        "GET", "/api/v1/slots", 422, "from", query=_slots(**{"from": "20270303"})
    ),
    "slots-from-year-1": Case(
        "GET", "/api/v1/slots", 422, "from", query=_slots(**{"from": "0001-01-01"}, to="0001-01-02")
    ),
    "slots-to-missing": Case("GET", "/api/v1/slots", 422, "to", query=_slots(to=None)),
    "slots-63-days": Case("GET", "/api/v1/slots", 422, "to", query=_slots(to="2027-05-04")),
    "slots-to-before-from": Case("GET", "/api/v1/slots", 422, "to", query=_slots(to="2027-03-02")),
    "slots-kind-unknown": Case(
        "GET", "/api/v1/slots", 422, "applicant_kind", query=_slots(applicant_kind="alien")
    ),
    "slots-mode-unknown": Case("GET", "/api/v1/slots", 422, "mode", query=_slots(mode="fax")),
    "slots-officer-huge": Case(
        "GET", "/api/v1/slots", 422, "officer", query=_slots(officer="9" * 30)
    ),
    "slots-officer-negative": Case(
        "GET", "/api/v1/slots", 422, "officer", query=_slots(officer="-1")
    ),
    "slots-officer-letters": Case(
        "GET", "/api/v1/slots", 422, "officer", query=_slots(officer="abc")
    ),
    "slots-officer-arabic-digit": Case(
        "GET", "/api/v1/slots", 422, "officer", query=_slots(officer="%D9%A1")
    ),
    "slots-officer-of-another-team": Case(
        "GET", "/api/v1/slots", 422, "officer", query=_slots(officer="{company_officer}")
    ),
    "slots-meeting-type-sql": Case(
        "GET",
        "/api/v1/slots",
        422,
        "meeting_type",
        query=_slots(meeting_type="%27%3B%20DROP%20TABLE%20bookings%3B%20--"),
    ),
    "slots-meeting-type-script": Case(
        "GET",
        "/api/v1/slots",
        422,
        "meeting_type",
        query=_slots(meeting_type="%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    ),
    "slots-meeting-type-nul": Case(
        "GET", "/api/v1/slots", 422, "meeting_type", query=_slots(meeting_type="bygglov%00")
    ),
    "slots-meeting-type-unknown": Case(
        "GET", "/api/v1/slots", 422, "meeting_type", query=_slots(meeting_type="finns-inte")
    ),
    # --- POST /bookings/{ref}/reschedule ----------------------------------------------------
    "reschedule-naive": Case(
        "POST", RESCHEDULE, 422, "start", {"start": "2027-03-04T13:00:00"}, auth="manage"
    ),
    "reschedule-feb-30": Case(
        "POST", RESCHEDULE, 422, "start", {"start": "2027-02-30T13:00:00+01:00"}, auth="manage"
    ),
    "reschedule-null": Case("POST", RESCHEDULE, 422, "start", {"start": None}, auth="manage"),
    "reschedule-list": Case(
        "POST", RESCHEDULE, 422, "body", [{"start": "2027-03-04T13:00:00+01:00"}], auth="manage"
    ),
    "reschedule-unknown-field": Case(
        "POST",
        RESCHEDULE,
        422,
        "officer_id",
        {"start": "2027-03-04T13:00:00+01:00", "officer_id": 2},
        auth="manage",
    ),
    "reschedule-malformed-json": Case(
        "POST", RESCHEDULE, 400, "body", raw='{"start": "2027-03-04T13:00', auth="manage"
    ),
    "reschedule-without-token": Case(
        "POST", RESCHEDULE, 404, None, {"start": "2027-03-04T13:00:00+01:00"}
    ),
    "reschedule-unknown-reference": Case(
        "POST",
        "/api/v1/bookings/ZZZZ-ZZZZ/reschedule",
        404,
        None,
        {"start": "2027-03-04T13:00:00+01:00"},
        auth="manage",
    ),
    "reschedule-10kb-reference": Case(
        "POST",
        f"/api/v1/bookings/{BIG}/reschedule",
        404,
        None,
        {"start": "2027-03-04T13:00:00+01:00"},
        auth="manage",
    ),
    "reschedule-nul-in-reference": pytest.param(
        Case(
            "POST",
            "/api/v1/bookings/AB%00CD-EFGH/reschedule",
            404,
            None,
            {"start": "2027-03-04T13:00:00+01:00"},
            auth="manage",
        ),
    ),
    # --- POST /bookings/{ref}/cancel --------------------------------------------------------
    "cancel-reason-number": Case("POST", CANCEL, 422, "reason", {"reason": 42}, auth="manage"),
    "cancel-reason-10kb": Case("POST", CANCEL, 422, "reason", {"reason": BIG}, auth="manage"),
    "cancel-reason-nul": Case(
        "POST", CANCEL, 422, "reason", raw='{"reason": "a\\u0000"}', auth="manage"
    ),
    "cancel-reason-lone-surrogate": Case(
        "POST", CANCEL, 422, "reason", raw='{"reason": "\\udfff"}', auth="manage"
    ),
    "cancel-unknown-field": Case(
        "POST", CANCEL, 422, "status", {"status": "confirmed"}, auth="manage"
    ),
    "cancel-list": Case("POST", CANCEL, 422, "body", ["Klart"], auth="manage"),
    "cancel-wrong-token": Case(
        "POST", CANCEL + "?token=not-the-token", 404, None, {"reason": "Klart"}
    ),
    "cancel-no-token": Case("POST", CANCEL, 404, None, {"reason": "Klart"}),
    # --- POST /teams -----------------------------------------------------------------------
    "team-kind-unknown": Case(
        "POST",
        "/api/v1/teams",
        422,
        "applicant_kind",
        _team(applicant_kind="government"),
        auth="admin",
    ),
    "team-meeting-types-string": Case(
        "POST",
        "/api/v1/teams",
        422,
        "meeting_types",
        _team(meeting_types="bygglovsradgivning"),
        auth="admin",
    ),
    "team-meeting-types-null-item": Case(
        "POST", "/api/v1/teams", 422, "meeting_types.0", _team(meeting_types=[None]), auth="admin"
    ),
    "team-meeting-type-unknown": Case(
        "POST",
        "/api/v1/teams",
        422,
        "meeting_types",
        _team(meeting_types=["finns-inte"]),
        auth="admin",
    ),
    "team-slug-script": Case(
        "POST", "/api/v1/teams", 422, "slug", _team(slug=SCRIPT), auth="admin"
    ),
    "team-slug-sql": Case("POST", "/api/v1/teams", 422, "slug", _team(slug=SQL), auth="admin"),
    "team-slug-upper-case": Case(
        "POST", "/api/v1/teams", 422, "slug", _team(slug="Bygglov"), auth="admin"
    ),
    "team-slug-trailing-newline": Case(
        "POST", "/api/v1/teams", 422, "slug", _team(slug="bygglov\n"), auth="admin"
    ),
    "team-name-10kb": Case("POST", "/api/v1/teams", 422, "name", _team(name=BIG), auth="admin"),
    "team-name-null": Case("POST", "/api/v1/teams", 422, "name", _team(name=None), auth="admin"),
    "team-email-invalid": Case(
        "POST", "/api/v1/teams", 422, "email", _team(email="team@"), auth="admin"
    ),
    "team-duplicate-slug": Case(
        "POST", "/api/v1/teams", 409, None, _team(slug="bygglov-privat"), auth="admin"
    ),
    "team-body-list": Case("POST", "/api/v1/teams", 422, "body", [_team()], auth="admin"),
    "team-no-token": Case("POST", "/api/v1/teams", 401, None, _team()),
    "team-service-center-token": Case(
        "POST", "/api/v1/teams", 403, None, _team(), auth="service_center"
    ),
    # --- POST /meeting-types ---------------------------------------------------------------
    "meeting-type-duration-string": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "duration_minutes",
        _meeting_type(duration_minutes="30"),
        auth="admin",
    ),
    "meeting-type-duration-float": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "duration_minutes",
        _meeting_type(duration_minutes=30.0),
        auth="admin",
    ),
    "meeting-type-duration-bool": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "duration_minutes",
        _meeting_type(duration_minutes=True),
        auth="admin",
    ),
    "meeting-type-duration-zero": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "duration_minutes",
        _meeting_type(duration_minutes=0),
        auth="admin",
    ),
    "meeting-type-buffer-negative": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "buffer_before_minutes",
        _meeting_type(buffer_before_minutes=-5),
        auth="admin",
    ),
    "meeting-type-horizon-huge": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "horizon_days",
        _meeting_type(horizon_days=10**30),
        auth="admin",
    ),
    "meeting-type-modes-empty": Case(
        "POST", "/api/v1/meeting-types", 422, "modes", _meeting_type(modes=[]), auth="admin"
    ),
    "meeting-type-modes-twice": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "modes",
        _meeting_type(modes=["phone", "phone"]),
        auth="admin",
    ),
    "meeting-type-mode-unknown": Case(
        "POST", "/api/v1/meeting-types", 422, "modes.0", _meeting_type(modes=["fax"]), auth="admin"
    ),
    "meeting-type-modes-object": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "modes",
        _meeting_type(modes={"phone": True}),
        auth="admin",
    ),
    "meeting-type-slug-with-space": Case(
        "POST",
        "/api/v1/meeting-types",
        422,
        "slug",
        _meeting_type(slug="strand skydd"),
        auth="admin",
    ),
    "meeting-type-duplicate-slug": Case(
        "POST",
        "/api/v1/meeting-types",
        409,
        None,
        _meeting_type(slug="bygglovsradgivning"),
        auth="admin",
    ),
    # --- POST /officers --------------------------------------------------------------------
    "officer-team-unknown": Case(
        "POST", "/api/v1/officers", 422, "teams", _officer(teams=["finns-inte"]), auth="admin"
    ),
    "officer-teams-empty": Case(
        "POST", "/api/v1/officers", 422, "teams", _officer(teams=[]), auth="admin"
    ),
    "officer-teams-object": Case(
        "POST",
        "/api/v1/officers",
        422,
        "teams",
        _officer(teams={"bygglov-privat": 1}),
        auth="admin",
    ),
    "officer-email-invalid": Case(
        "POST", "/api/v1/officers", 422, "email", _officer(email="zofia.example.org"), auth="admin"
    ),
    "officer-phone-invalid": Case(
        "POST", "/api/v1/officers", 422, "phone", _officer(phone="12"), auth="admin"
    ),
    "officer-active-string": Case(
        "POST", "/api/v1/officers", 422, "active", _officer(active="yes"), auth="admin"
    ),
    "officer-active-number": Case(
        "POST", "/api/v1/officers", 422, "active", _officer(active=1), auth="admin"
    ),
    "officer-name-nul": Case(
        "POST",
        "/api/v1/officers",
        422,
        "name",
        raw='{"name": "Zofia\\u0000", "email": "z@example.org", "teams": ["bygglov-privat"]}',
        auth="admin",
    ),
    "officer-name-lone-surrogate": Case(
        "POST",
        "/api/v1/officers",
        422,
        "name",
        raw='{"name": "\\ud800", "email": "z@example.org", "teams": ["bygglov-privat"]}',
        auth="admin",
    ),
    "officer-id-field": Case("POST", "/api/v1/officers", 422, "id", _officer(id=1), auth="admin"),
    # --- PUT /officers/{id}/weekly-hours ---------------------------------------------------
    "hours-24-30": Case("PUT", HOURS, 422, "0.end", _hours(end="24:30"), auth="admin"),
    "hours-7-5": Case("PUT", HOURS, 422, "0.start", _hours(start="7:5"), auth="admin"),
    "hours-25-00": Case("PUT", HOURS, 422, "0.start", _hours(start="25:00"), auth="admin"),
    "hours-seconds": Case("PUT", HOURS, 422, "0.start", _hours(start="08:00:00"), auth="admin"),
    "hours-trailing-newline": Case(
        "PUT", HOURS, 422, "0.start", _hours(start="08:00\n"), auth="admin"
    ),
    "hours-arabic-digit": Case("PUT", HOURS, 422, "0.start", _hours(start="0٨:00"), auth="admin"),
    "hours-minutes-number": Case("PUT", HOURS, 422, "0.start", _hours(start=480), auth="admin"),
    "hours-end-before-start": Case(
        "PUT", HOURS, 422, "0.end", _hours(start="12:00", end="08:00"), auth="admin"
    ),
    "hours-weekday-negative": Case(
        "PUT", HOURS, 422, "0.weekday", _hours(weekday=-1), auth="admin"
    ),
    "hours-weekday-7": Case("PUT", HOURS, 422, "0.weekday", _hours(weekday=7), auth="admin"),
    "hours-weekday-string": Case("PUT", HOURS, 422, "0.weekday", _hours(weekday="1"), auth="admin"),
    "hours-weekday-bool": Case("PUT", HOURS, 422, "0.weekday", _hours(weekday=True), auth="admin"),
    "hours-weekday-float": Case("PUT", HOURS, 422, "0.weekday", _hours(weekday=1.0), auth="admin"),
    "hours-missing-end": Case(
        "PUT", HOURS, 422, "1.end", [*_hours(), {"weekday": 1, "start": "08:00"}], auth="admin"
    ),
    "hours-overlap": Case(
        "PUT",
        HOURS,
        422,
        "1.start",
        _hours("08:00", "12:00") + _hours("11:00", "13:00"),
        auth="admin",
    ),
    "hours-overlap-listed-later-first": Case(
        "PUT",
        HOURS,
        422,
        "0.start",
        _hours("11:00", "13:00") + _hours("08:00", "12:00"),
        auth="admin",
    ),
    "hours-same-interval-twice": Case(
        "PUT", HOURS, 422, "1.start", _hours() + _hours(), auth="admin"
    ),
    "hours-object-not-list": Case("PUT", HOURS, 422, "body", _hours()[0], auth="admin"),
    "hours-too-many-intervals": Case(
        "PUT",
        HOURS,
        422,
        "body",
        [
            {"weekday": d, "start": f"{h:02d}:00", "end": f"{h:02d}:30"}
            for d in range(7)
            for h in range(13)
        ],
        auth="admin",
    ),
    "hours-unknown-officer": Case(
        "PUT", "/api/v1/officers/999/weekly-hours", 404, None, _hours(), auth="admin"
    ),
    "hours-huge-officer-id": Case(
        "PUT", f"/api/v1/officers/{10**30}/weekly-hours", 404, None, _hours(), auth="admin"
    ),
    # --- POST /officers/{id}/absences ------------------------------------------------------
    "absence-naive": Case(
        "POST", ABSENCES, 422, "start", _absence(start="2027-03-10T08:00:00"), auth="admin"
    ),
    "absence-end-before-start": Case(
        "POST", ABSENCES, 422, "end", _absence(end="2027-03-09T08:00:00+01:00"), auth="admin"
    ),
    "absence-feb-30": Case(
        "POST", ABSENCES, 422, "start", _absence(start="2027-02-30T08:00:00+01:00"), auth="admin"
    ),
    "absence-year-1": Case(
        "POST", ABSENCES, 422, "start", _absence(start="0001-01-01T00:00:00+01:00"), auth="admin"
    ),
    "absence-401-days": Case(
        "POST", ABSENCES, 422, "end", _absence(end="2028-04-15T08:00:00+01:00"), auth="admin"
    ),
    "absence-reason-10kb": Case(
        "POST", ABSENCES, 422, "reason", _absence(reason=BIG), auth="admin"
    ),
    "absence-unknown-officer": Case(
        "POST", "/api/v1/officers/999/absences", 404, None, _absence(), auth="admin"
    ),
    "absence-huge-officer-id": Case(
        "POST", f"/api/v1/officers/{10**30}/absences", 404, None, _absence(), auth="admin"
    ),
    "absence-delete-huge-id": Case(
        "DELETE", "/api/v1/officers/{officer}/absences/" + "9" * 30, 404, None, auth="admin"
    ),
    "absence-delete-of-another-officer": Case(
        "DELETE", "/api/v1/officers/{company_officer}/absences/{absence}", 404, None, auth="admin"
    ),
    # --- POST /closures --------------------------------------------------------------------
    "closure-feb-30": Case(
        "POST", "/api/v1/closures", 422, "date", _closure(date="2027-02-30"), auth="admin"
    ),
    "closure-date-with-time": Case(
        "POST",
        "/api/v1/closures",
        422,
        "date",
        _closure(date="2027-03-12T00:00:00+01:00"),
        auth="admin",
    ),
    "closure-date-null": Case(
        "POST", "/api/v1/closures", 422, "date", _closure(date=None), auth="admin"
    ),
    "closure-close-from-24": Case(
        "POST", "/api/v1/closures", 422, "close_from", _closure(close_from="24:00"), auth="admin"
    ),
    "closure-close-from-7-5": Case(
        "POST", "/api/v1/closures", 422, "close_from", _closure(close_from="7:5"), auth="admin"
    ),
    "closure-reason-empty": Case(
        "POST", "/api/v1/closures", 422, "reason", _closure(reason=""), auth="admin"
    ),
    "closure-reason-missing": Case(
        "POST", "/api/v1/closures", 422, "reason", {"date": "2027-03-12"}, auth="admin"
    ),
    "closure-no-token": Case("POST", "/api/v1/closures", 401, None, _closure()),
}


@pytest.fixture
def ctx(app: Flask, client: FlaskClient, world: Any, factory: Any) -> Ctx:
    booked = client.post(BOOKINGS, json=booking_payload())
    assert booked.status_code == 201, booked.json
    absence = factory.absence(
        officer_id=world.private_officers[0],
        start=datetime(2027, 3, 11, 8, 0, tzinfo=STOCKHOLM),
        end=datetime(2027, 3, 11, 9, 0, tzinfo=STOCKHOLM),
    )
    return Ctx(
        officer=world.private_officers[0],
        company_officer=world.company_officers[0],
        reference=booked.json["reference"],
        manage_token=booked.json["manage_token"],
        absence=absence,
        admin=world.admin,
        service_center=world.service_center,
    )


def _send(client: FlaskClient, case: Case, ctx: Ctx) -> Any:
    names = {
        "ref": ctx.reference,
        "officer": ctx.officer,
        "company_officer": ctx.company_officer,
        "absence": ctx.absence,
    }
    path = case.path.format(**names)
    if case.query is not None:
        path = f"{path}?{case.query.format(**names)}"
    headers = {
        "admin": ctx.admin,
        "service_center": ctx.service_center,
        "manage": {"X-Booking-Token": ctx.manage_token},
        None: {},
    }[case.auth]
    kwargs: dict[str, Any] = {"headers": headers}
    if case.raw is not None:
        kwargs["data"] = case.raw
        kwargs["content_type"] = case.content_type
    elif case.body is not _MISSING:
        body = case.body(ctx) if callable(case.body) else case.body
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = case.content_type
    return client.open(path, method=case.method, **kwargs)


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, ctx: Ctx, case: Case
) -> None:
    before = snapshot(app)
    response = _send(client, case, ctx)
    assert_problem(response, case.status, case.field)
    if case.status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(app) == before


@pytest.fixture
def private_only(factory: Any, world: Any) -> str:
    """A meeting type that only the private team offers."""
    meeting_type = factory.meeting_type(slug="bara-privat", name="Bara privat")
    factory.team(meeting_types=[meeting_type], slug="bygglov-privat-2", name="Privat 2")
    return "bara-privat"


def test_slots_for_a_kind_no_team_serves(
    app: Flask, client: FlaskClient, private_only: str
) -> None:
    query = f"meeting_type={private_only}&applicant_kind=company&from=2027-03-03&to=2027-03-03"
    assert_problem(client.get(f"/api/v1/slots?{query}"), 422, "applicant_kind")


def test_booking_for_a_kind_no_team_serves_names_applicant_kind(
    app: Flask, client: FlaskClient, private_only: str
) -> None:
    before = snapshot(app)
    body = _booking(
        meeting_type=private_only,
        applicant={"kind": "company", "organisation_number": "556036-0793"},
    )
    response = client.post(BOOKINGS, json=body)
    assert snapshot(app) == before
    assert_problem(response, 422, "applicant.kind")


def test_the_booking_survives_the_table(client: FlaskClient, ctx: Ctx) -> None:
    # The control: the manage token and reference used by the table do work.
    token = {"X-Booking-Token": ctx.manage_token}
    read = client.get(f"{BOOKINGS}/{ctx.reference}", headers=token)
    assert read.status_code == 200 and read.json["status"] == "confirmed"
    moved = client.post(
        RESCHEDULE.format(ref=ctx.reference),
        json={"start": "2027-03-04T13:00:00+01:00"},
        headers=token,
    )
    assert moved.status_code == 200, moved.json


# --- names in any script ----------------------------------------------------------------------

NAMES = [
    "Åsa Öberg-Nguyễn",
    "Zofia Łukasiewicz",
    "李小龍",
    "محمد بن عبد الله",
    "Σωκράτης Παπαδόπουλος",
    "Ольга Иванова",
    "Seán Ó Súilleabháin",
    "Zoe\u0308 d'Artagnan",  # a combining diaeresis: kept as given, not normalised
    "Þórunn Ægisdóttir",
    "שרה כהן",
    "आशा देवी",
]


def test_real_names_in_any_script_are_kept_exactly(
    client: FlaskClient, world: Any, app: Flask
) -> None:
    starts = [
        f"2027-03-{day:02d}T{hour:02d}:00:00+01:00" for day in (3, 4, 5) for hour in (8, 9, 10, 13)
    ]
    for i, (name, start) in enumerate(zip(NAMES, starts, strict=False)):
        response = client.post(
            BOOKINGS,
            json=booking_payload(
                start=start, applicant={"name": name, "email": f"n{i}@example.org"}
            ),
        )
        assert response.status_code == 201, (name, response.json)
        assert response.json["applicant"]["name"] == name
        read = client.get(
            f"{BOOKINGS}/{response.json['reference']}",
            headers={"X-Booking-Token": response.json["manage_token"]},
        )
        assert read.json["applicant"]["name"] == name
    listed = client.get(f"{BOOKINGS}?from=2027-03-01&to=2027-03-31", headers=world.admin).json
    assert sorted(b["applicant"]["name"] for b in listed) == sorted(NAMES)

    for i, name in enumerate(NAMES):
        created = client.post(
            "/api/v1/officers",
            json={"name": name, "email": f"o{i}@example.org", "teams": ["bygglov-privat"]},
            headers=world.admin,
        )
        assert created.status_code == 201, (name, created.json)
        assert created.json["name"] == name
    officers = client.get("/api/v1/officers", headers=world.admin).json
    assert {o["name"] for o in officers} >= set(NAMES)


# --- fuzzing POST /bookings -------------------------------------------------------------------

# Any character, lone surrogates and NUL included (sent escaped, as raw JSON text).
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | _ANY_TEXT
    | st.sampled_from(
        [
            "2027-03-03T10:00:00+01:00",
            "2027-03-03T10:00:00",
            "bygglovsradgivning",
            "company",
            "private",
            "phone",
            "556036-0793",
            "070-123 45 67",
            "a@example.org",
            "",
            SQL,
        ]
    )
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_ANY_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)


def _rfc3339(moment: datetime, offset_minutes: int) -> str:
    return moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes))).isoformat()


# Well-formed times anywhere in Python's range, with any offset: the edges must not overflow.
_ANY_INSTANT = st.builds(
    _rfc3339,
    st.one_of(st.datetimes(), st.sampled_from([datetime.min, datetime.max])),
    st.integers(-1439, 1439),
)
# Times on the grid of the test world's slots (some free, some taken, some outside hours).
_GRID_STARTS = st.builds(
    lambda day, minute: f"2027-03-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:00+01:00",
    st.integers(2, 12),
    st.integers(30, 64).map(lambda quarter: quarter * 15),
)

# The real keys with arbitrary values.
ARBITRARY_BODIES = st.fixed_dictionaries(
    {
        "meeting_type": JSON_VALUES,
        "start": JSON_VALUES,
        "mode": JSON_VALUES,
        "applicant": st.one_of(
            JSON_VALUES,
            st.fixed_dictionaries(
                {"kind": JSON_VALUES, "name": JSON_VALUES},
                optional={k: JSON_VALUES for k in ("email", "phone", "organisation_number")},
            ),
        ),
    },
    optional={
        k: JSON_VALUES
        for k in ("property_designation", "case_number", "description", "officer_id", "language")
    },
)

# Valid-looking bodies, so that the service's own checks are fuzzed too ...
_PLAUSIBLE_BODIES = st.fixed_dictionaries(
    {
        "meeting_type": st.sampled_from(["bygglovsradgivning"] * 5 + ["finns-inte"]),
        "start": st.one_of(_GRID_STARTS, _GRID_STARTS, _ANY_INSTANT),
        "mode": st.sampled_from(["video", "phone", "in_person"]),
        "applicant": st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["private", "company"]),
                "name": st.sampled_from(["Åsa Öberg", "李小龍"]),
                "email": st.sampled_from(["asa@example.org"] * 5 + [None]),
            },
            optional={
                "phone": st.sampled_from(["070-123 45 67"] * 3 + ["+46 8 123 456 78", "12", None]),
                "organisation_number": st.sampled_from(
                    ["556036-0793"] * 3 + ["19811218-9876", "556036-0794", None]
                ),
            },
        ),
    },
    optional={
        "property_designation": st.sampled_from(["SJÖDALEN 1:1", None]),
        "description": st.sampled_from(["Altan\nmed tak", None]),
        "officer_id": st.one_of(st.integers(1, 6), st.integers()),
        "language": st.sampled_from(["sv", "en"]),
    },
)
_SPOILABLE = [
    ("meeting_type",),
    ("start",),
    ("mode",),
    ("applicant",),
    ("applicant", "kind"),
    ("applicant", "name"),
    ("applicant", "email"),
    ("applicant", "phone"),
    ("applicant", "organisation_number"),
    ("officer_id",),
    ("description",),
]


def _spoil(body: dict[str, Any], path: tuple[str, ...] | None, value: Any) -> dict[str, Any]:
    if path is None:
        return body
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


# ... each with at most one key given an arbitrary value.
NEARLY_VALID_BODIES = st.builds(
    _spoil, _PLAUSIBLE_BODIES, st.sampled_from([None, None, None, *_SPOILABLE]), JSON_VALUES
)


def _assert_not_a_server_error(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == PROBLEM
        body = response.get_json(force=True)
        assert {"type", "title", "status", "detail"} <= set(body)
        assert body["status"] == response.status_code


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.one_of(JSON_VALUES, ARBITRARY_BODIES, NEARLY_VALID_BODIES))
def test_fuzzed_booking_bodies_never_cause_a_server_error(
    client: FlaskClient, world: Any, body: Any
) -> None:
    # ensure_ascii escapes lone surrogates; NaN and Infinity go out as Python writes them.
    response = client.post(BOOKINGS, data=json.dumps(body), content_type="application/json")
    _assert_not_a_server_error(response)
