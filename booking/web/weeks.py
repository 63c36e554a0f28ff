"""The week view every page shares: a team's free starts for one Monday–Sunday week, from the slot
engine, with the links around it (previous/next week, first free time, nearest free times).

Starts travel in forms as RFC 3339 local time with its offset ("2027-03-03T10:00:00+01:00"), the
same way the JSON API writes them, so a start is unambiguous on DST days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from booking.availability.service import SEARCH_CHUNK_DAYS, compute_team_slots, earliest_free_slot
from booking.bookings.models import Booking
from booking.bookings.service import configuration_of
from booking.config_cache import MeetingTypeConfig, TeamConfig
from booking.core.slots import Slot, booking_window
from booking.fields import office_zone


@dataclass(frozen=True, slots=True)
class SlotChoice:
    """One free start as a page offers it."""

    start: datetime  # aware, in the office's zone
    value: str  # what the form sends back: RFC 3339 with the offset

    @property
    def day(self) -> date:
        """The local date of the start."""
        return self.start.date()


@dataclass(frozen=True, slots=True)
class Day:
    """A day of the week view and its free starts (possibly none)."""

    day: date
    slots: tuple[SlotChoice, ...]


@dataclass(frozen=True, slots=True)
class Week:
    """A week of free starts, with where the previous and next links go (None: no link)."""

    monday: date
    days: tuple[Day, ...]
    previous: date | None
    next: date | None

    @property
    def number(self) -> int:
        """The ISO week number (Swedes say "vecka 49")."""
        return self.monday.isocalendar().week

    @property
    def has_slots(self) -> bool:
        """Whether any day of the week has a free start."""
        return any(day.slots for day in self.days)


def monday_of(day: date) -> date:
    """The Monday of the ISO week that `day` is in."""
    return day - timedelta(days=day.weekday())


def parse_week(value: str | None, *, today: date) -> date:
    """The Monday a `vecka` query parameter names (any date of the week); this week if unusable.

    Week navigation is a plain link: a hand-edited or stale value shows the nearest sensible
    week rather than an error page.
    """
    if value:
        try:
            return max(monday_of(date.fromisoformat(value[:10])), monday_of(today))
        except ValueError:
            pass
    return monday_of(today)


def start_value(start: datetime) -> str:
    """The form value of a start: local time with its offset, to the minute."""
    return start.astimezone(office_zone()).isoformat(timespec="seconds")


def parse_start(value: str | None) -> datetime | None:
    """A start sent back by a form, or None if it is missing or not an aware RFC 3339 time."""
    if not value or len(value) > 40:
        return None
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        return None
    if start.tzinfo is None or start.utcoffset() is None:
        return None
    return start.astimezone(office_zone())


def _choices(slots: list[Slot]) -> list[SlotChoice]:
    zone = office_zone()
    choices = []
    for slot in slots:
        start = datetime.fromtimestamp(slot.start, zone)
        choices.append(SlotChoice(start=start, value=start_value(start)))
    return choices


def _last_bookable_day(meeting_type: MeetingTypeConfig, *, is_staff: bool, now: datetime) -> date:
    zone = office_zone()
    notice = meeting_type.staff_min_notice_minutes if is_staff else meeting_type.min_notice_minutes
    _, latest = booking_window(
        now=now, notice_minutes=notice, horizon_days=meeting_type.horizon_days, zone=zone
    )
    return datetime.fromtimestamp(latest, zone).date()


def team_week(
    *,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    monday: date,
    is_staff: bool,
    now: datetime,
    exclude_booking_id: int | None = None,
    officer_ids: Sequence[int] | None = None,
) -> Week:
    """The free starts of `team` (or of `officer_ids` in it) in the week beginning `monday`.

    Weekend days are shown only when they have a free start.
    """
    slots = compute_team_slots(
        team=team,
        meeting_type=meeting_type,
        first_day=monday,
        last_day=monday + timedelta(days=6),
        officer_ids=officer_ids,
        is_staff=is_staff,
        now=now,
        exclude_booking_id=exclude_booking_id,
    )
    by_day: dict[date, list[SlotChoice]] = {}
    for choice in _choices(slots):
        by_day.setdefault(choice.day, []).append(choice)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        if offset >= 5 and day not in by_day:
            continue  # an office closed at weekends shows a five-day week
        days.append(Day(day=day, slots=tuple(by_day.get(day, ()))))
    this_monday = monday_of(now.astimezone(office_zone()).date())
    last_day = _last_bookable_day(meeting_type, is_staff=is_staff, now=now)
    return Week(
        monday=monday,
        days=tuple(days),
        previous=monday - timedelta(days=7) if monday > this_monday else None,
        next=monday + timedelta(days=7) if monday + timedelta(days=7) <= last_day else None,
    )


def first_free(
    *,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    is_staff: bool,
    now: datetime,
    exclude_booking_id: int | None = None,
    officer_ids: Sequence[int] | None = None,
) -> SlotChoice | None:
    """The earliest free start of the team within the meeting type's horizon, if any."""
    slot = earliest_free_slot(
        team=team,
        meeting_type=meeting_type,
        is_staff=is_staff,
        now=now,
        exclude_booking_id=exclude_booking_id,
        officer_ids=officer_ids,
    )
    return _choices([slot])[0] if slot is not None else None


def nearest_free(
    *,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    around: datetime,
    is_staff: bool,
    now: datetime,
    limit: int = 6,
    exclude_booking_id: int | None = None,
    officer_ids: Sequence[int] | None = None,
) -> list[SlotChoice]:
    """Up to `limit` free starts closest in time to `around` (before or after), in time order.

    What a page offers when the time someone chose was taken meanwhile.
    """
    zone = office_zone()
    center = around.astimezone(zone).date()
    slots = compute_team_slots(
        team=team,
        meeting_type=meeting_type,
        first_day=center - timedelta(days=SEARCH_CHUNK_DAYS // 2),
        last_day=center + timedelta(days=SEARCH_CHUNK_DAYS),
        officer_ids=officer_ids,
        is_staff=is_staff,
        now=now,
        exclude_booking_id=exclude_booking_id,
    )
    if not slots:
        found = first_free(
            team=team,
            meeting_type=meeting_type,
            is_staff=is_staff,
            now=now,
            exclude_booking_id=exclude_booking_id,
            officer_ids=officer_ids,
        )
        return [found] if found is not None else []
    target = around.timestamp()
    closest = sorted(slots, key=lambda slot: (abs(slot.start - target), slot.start))[:limit]
    return _choices(sorted(closest, key=lambda slot: slot.start))


@dataclass(frozen=True, slots=True)
class MoveChoices:
    """What a page offers for moving a booking: a week, the first free start, nearest ones."""

    week: Week
    first: SlotChoice | None
    nearest: list[SlotChoice]


def move_choices(
    *,
    booking: Booking,
    monday: date,
    is_staff: bool,
    now: datetime,
    taken: datetime | None = None,
) -> MoveChoices:
    """The free starts a booking can move to (its own time counts as free).

    An applicant who chose their officer is moved only within that officer's free times, as
    `reschedule_booking` would refuse the others. `taken`: the start that was just taken, whose
    nearest free starts are offered instead.
    """
    meeting_type, team = configuration_of(booking)
    officers = [booking.officer_id] if booking.officer_requested else None
    common: dict[str, Any] = {
        "team": team,
        "meeting_type": meeting_type,
        "is_staff": is_staff,
        "now": now,
        "exclude_booking_id": booking.id,
        "officer_ids": officers,
    }
    week = team_week(monday=monday, **common)
    first = first_free(**common)
    nearest = nearest_free(around=taken, **common) if taken is not None else []
    return MoveChoices(week=week, first=first, nearest=nearest)
