"""Factories: `factory.officer(**overrides)` and friends create committed rows for a test."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask

from booking.auth.service import create_token
from booking.availability.models import Closure
from booking.db import write_intent
from booking.extensions import db
from booking.officers.models import Absence, Officer, WeeklyHours
from booking.teams.models import MeetingType, Team

OFFICE_HOURS = [(d, 8 * 60, 12 * 60) for d in range(5)] + [(d, 13 * 60, 16 * 60) for d in range(5)]


@dataclass
class World:
    """Ids and tokens of the standard test world."""

    meeting_type: str
    private_team: int
    company_team: int
    private_officers: list[int]
    company_officers: list[int]
    admin: dict[str, str]
    service_center: dict[str, str]
    officer_tokens: dict[int, dict[str, str]] = field(default_factory=dict)


class Factory:
    """Creates rows in their own committed transaction."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _commit(self, make: Any) -> Any:
        with self.app.app_context(), write_intent():
            result = make()
            db.session.commit()
            return result

    def meeting_type(self, **overrides: Any) -> int:
        """Create a meeting type; return its id."""
        values: dict[str, Any] = {
            "slug": "bygglovsradgivning",
            "name": "Bygglovsrådgivning",
            "duration_minutes": 45,
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 15,
            "slot_step_minutes": 15,
            "modes": ["phone", "video", "in_person"],
            "min_notice_minutes": 1440,
            "staff_min_notice_minutes": 0,
            "horizon_days": 60,
        }
        values.update(overrides)

        def make() -> int:
            row = MeetingType(**values)
            db.session.add(row)
            db.session.flush()
            return row.id

        return int(self._commit(make))

    def team(self, *, meeting_types: list[int], **overrides: Any) -> int:
        """Create a team serving the given meeting-type ids; return its id."""
        values: dict[str, Any] = {
            "slug": "bygglov-privat",
            "name": "Bygglov privatpersoner",
            "applicant_kind": "private",
            "email": "privat@example.org",
        }
        values.update(overrides)

        def make() -> int:
            row = Team(
                **values, meeting_types=[db.session.get(MeetingType, m) for m in meeting_types]
            )
            db.session.add(row)
            db.session.flush()
            return row.id

        return int(self._commit(make))

    def officer(
        self, *, teams: list[int], hours: list[tuple[int, int, int]] | None = None, **overrides: Any
    ) -> int:
        """Create an officer in the given team ids with weekly hours (default office hours)."""
        values: dict[str, Any] = {
            "name": "Handläggare",
            "email": "officer@example.org",
            "active": True,
        }
        values.update(overrides)

        def make() -> int:
            row = Officer(**values, teams=[db.session.get(Team, t) for t in teams])
            row.weekly_hours = [
                WeeklyHours(weekday=d, start_minute=s, end_minute=e)
                for d, s, e in (OFFICE_HOURS if hours is None else hours)
            ]
            db.session.add(row)
            db.session.flush()
            return row.id

        return int(self._commit(make))

    def absence(self, *, officer_id: int, start: datetime, end: datetime) -> int:
        """Record an absence; return its id."""

        def make() -> int:
            row = Absence(officer_id=officer_id, start_at=start, end_at=end, reason="test")
            db.session.add(row)
            db.session.flush()
            return row.id

        return int(self._commit(make))

    def closure(self, *, day: Any, close_from_minute: int | None = None) -> int:
        """Close the office on a date; return the closure id."""

        def make() -> int:
            row = Closure(day=day, reason="test", close_from_minute=close_from_minute)
            db.session.add(row)
            db.session.flush()
            return row.id

        return int(self._commit(make))

    def token(self, role: str, officer_id: int | None = None) -> dict[str, str]:
        """Create a staff token; return the Authorization header for it."""

        def make() -> str:
            _, plaintext = create_token(name=f"test-{role}", role=role, officer_id=officer_id)
            return plaintext

        return {"Authorization": f"Bearer {self._commit(make)}"}

    def standard_world(self) -> World:
        """Two teams (private: 3 officers, company: 1) serving one 45+15 min meeting type."""
        meeting_type = self.meeting_type()
        private = self.team(meeting_types=[meeting_type])
        company = self.team(
            meeting_types=[meeting_type],
            slug="bygglov-foretag",
            name="Bygglov företag",
            applicant_kind="company",
            email="foretag@example.org",
        )
        private_officers = [
            self.officer(teams=[private], name=name, email=f"p{i}@example.org")
            for i, name in enumerate(["Anna Lindqvist", "Erik Johansson", "Fatima Al-Sayed"])
        ]
        company_officers = [
            self.officer(teams=[company], name="Lars Berg", email="lars@example.org")
        ]
        return World(
            meeting_type="bygglovsradgivning",
            private_team=private,
            company_team=company,
            private_officers=private_officers,
            company_officers=company_officers,
            admin=self.token("admin"),
            service_center=self.token("service_center"),
        )


def booking_payload(**overrides: Any) -> dict[str, Any]:
    """A valid public booking body (Wednesday 3 March 2027, 10:00 Stockholm); override any key."""
    body: dict[str, Any] = {
        "meeting_type": "bygglovsradgivning",
        "start": "2027-03-03T10:00:00+01:00",
        "mode": "video",
        "applicant": {
            "kind": "private",
            "name": "Åsa Öberg-Nguyễn",
            "email": "asa@example.org",
            "phone": "070-123 45 67",
        },
        "property_designation": "SJÖDALEN 1:1",
        "language": "sv",
    }
    applicant = overrides.pop("applicant", None)
    if applicant is not None:
        body["applicant"] = {**body["applicant"], **applicant}
    body.update(overrides)
    return body
