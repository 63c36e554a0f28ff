"""A demo department's past and near future, so `flask demo load` shows a living console.

About 13 weeks of meetings (cancellations, no-shows, outcomes, a few still awaiting one), survey
answers, call-backs, and some bookings and call-backs ahead. Relative to `now` and drawn from a
seeded `random.Random`: the same `now` gives the same history (but for booking references, which
come from the generator real bookings use). The past is written directly, with no outbox rows
(nothing of it must be sent) and no audit rows (the log records what happened, not a demo); what
lies ahead goes through the real services (`book_slot`, `register_callback`), which queue their
messages and audit rows as they always do.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from stdnum import luhn
from stdnum.se import orgnr

from booking.auth.models import StaffToken
from booking.auth.service import hash_secret
from booking.availability.service import compute_team_slots
from booking.bookings.links import manage_token_for
from booking.bookings.models import Booking
from booking.bookings.service import book_slot, new_reference
from booking.callbacks.models import Callback, CallbackAttempt
from booking.callbacks.service import register_callback
from booking.config_cache import ConfigSnapshot, MeetingTypeConfig, TeamConfig, current_config
from booking.core.slots import local_instant
from booking.errors import ProblemError
from booking.extensions import db
from booking.fields import office_zone
from booking.surveys.models import SurveyInvitation, SurveyResponse
from booking.surveys.service import survey_token_for

SEED = 20_270_301
HISTORY_DAYS = 91
# A month with less than this much history left would show a handful of answers, flagged.
MIN_DAYS_IN_FIRST_MONTH = 14
UPCOMING_DAYS = 14
UPCOMING_PER_TEAM = 8
QUARTER = 15

# Meetings per officer and working day: at most a few.
MEETINGS_PER_DAY = (0, 1, 1, 2, 2, 2, 3, 3, 4)
CANCEL_SHARE = 0.08
NO_SHOW_SHARE = 0.06
SURVEY_SHARE = 0.40
# Meetings ended this recently may still lack an outcome (officers mark them a day or so late).
AWAITING_WITHIN = timedelta(days=3)
AWAITING_SHARE = 0.35
LATE_CALLBACK_SHARE = 0.10

DEMO_REASON = "demo history"
# Swedish regulator PTS keeps 070-1740605…699 for fiction: numbers nobody owns, so a demo that
# is later pointed at a real SMS gateway texts no one. Applicants therefore share numbers.
FICTION_MOBILES = tuple(f"+4670174{n:04d}" for n in range(605, 700))

FIRST_NAMES = (
    "Anna", "Maria", "Eva", "Karin", "Sara", "Emma", "Johanna", "Lena", "Elin", "Ida",
    "Linnea", "Maja", "Sofia", "Ingrid", "Astrid", "Malin", "Lars", "Anders", "Johan", "Per",
    "Karl", "Erik", "Mikael", "Nils", "Oskar", "Gustav", "Henrik", "Jonas", "Björn", "Mats",
    "Olof", "Åke",
)  # fmt: skip
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Lindberg", "Lindström", "Bergström",
    "Holm", "Sandberg", "Forsberg", "Sjöberg", "Wallin", "Engström", "Håkansson", "Öberg",
    "Ekström", "Lundqvist", "Mattsson",
)  # fmt: skip
# Applicants who book in English.
ENGLISH_NAMES = (
    "Sam Taylor", "Priya Shah", "Tomasz Nowak", "Ahmed Hassan", "Elena Rossi", "Daniel Kim",
    "Fiona Walsh", "Lukas Becker",
)  # fmt: skip
TRACTS = (
    "SJÖDALEN", "BJÖRKHAGEN", "EKBACKEN", "MÅSEN", "STORÄNGEN", "LILLÅN", "TALLBACKA",
    "VÄSTERBY", "NORRBRO", "HAMMARBY", "GRANLUNDEN", "SOLBACKEN",
)  # fmt: skip
COMPANIES = (
    "Sjödalens Bygg AB", "Ekbacken Fastigheter AB", "Norrbro Arkitekter AB",
    "Tallbacka Snickeri AB", "Västerby Mark & Anläggning AB", "Hammarby Takläggning AB",
    "Granlunden Bostäder AB", "Solbacken Projekt AB", "Lillån Förvaltning AB",
    "Björkhagens Måleri AB",
)  # fmt: skip
DESCRIPTIONS = {
    "sv": (
        "Vill bygga ett attefallshus på tomten.",
        "Funderar på att glasa in altanen.",
        "Planerar en tillbyggnad av villan, ungefär 25 kvm.",
        "Fråga om marklov för att fylla ut en del av tomten.",
        "Vill byta fasadfärg och fönster.",
        "Ska riva ett gammalt förråd och bygga nytt.",
        "Planerar ett flerbostadshus i två plan.",
        "Vill ändra en butikslokal till bostäder.",
        "Frågor om kompletteringen i vårt ärende.",
        None,
    ),
    "en": (
        "We would like to add a conservatory.",
        "Questions about a garage on our plot.",
        "Planning to replace the roof.",
        None,
    ),
}
CANCEL_REASONS = (None, None, "Sökanden avbokade.", "Fick förhinder.", "Frågan är redan löst.")
CALLBACK_TOPICS = (
    "Fråga om bygglov för altan",
    "Hur långt har ärendet kommit?",
    "Attefallshus nära tomtgränsen",
    "Marklov för stödmur",
    "Rivningslov för garage",
    "Kompletteringsbegäran",
    "Ändrad användning av lokal",
)
COMMENTS = {
    "good": (
        "Mycket bra och tydligt bemötande.",
        "Handläggaren tog sig tid och förklarade allt.",
        "Smidigt att boka och bra råd.",
        "Nu vet vi vad vi ska skicka in, tack!",
    ),
    "bad": (
        "Svårt att förstå vilka ritningar som behövs.",
        "Mötet kändes stressat.",
        "Hade önskat ett tydligare besked.",
    ),
}
# Each respondent's overall satisfaction on 1–10: skewed positive (NKI ≈ 70–75).
SATISFACTION = {3: 1, 4: 2, 5: 4, 6: 7, 7: 12, 8: 16, 9: 12, 10: 8}
MODE_WEIGHTS = {"video": 4, "phone": 3, "in_person": 3}
TYPE_WEIGHTS = {"bygglovsradgivning": 7, "arendefragor": 3}
# Days between booking and meeting, by channel: the service center also books for the same day.
LEAD_DAYS = {
    "web": ((1, 2, 3, 4, 5, 7, 9, 12, 14, 18, 21), (3, 5, 6, 6, 6, 5, 4, 3, 2, 1, 1)),
    "service_center": ((0, 1, 2, 3, 5, 7, 10, 14), (2, 4, 4, 4, 3, 3, 2, 1)),
}
# Local minutes in which requests are made: online in the evening too, by phone in office hours.
REQUEST_MINUTES = {"web": (7 * 60, 22 * 60), "service_center": (8 * 60, 16 * 60)}


@dataclass(frozen=True, slots=True)
class Applicant:
    """A fake applicant: the booking's applicant columns and a property."""

    kind: str
    name: str
    email: str | None
    phone: str | None
    organisation_number: str | None
    property_designation: str
    language: str


@dataclass(frozen=True, slots=True)
class _Meeting:
    officer_id: int
    team: TeamConfig
    meeting_type: MeetingTypeConfig
    start: datetime


@dataclass
class DemoHistory:
    """What `load_demo_history` created, for the command's summary."""

    past_bookings: int = 0
    upcoming_bookings: int = 0
    survey_responses: int = 0
    callbacks: int = 0


@dataclass
class _Context:
    rng: random.Random
    now: datetime
    zone: ZoneInfo
    config: ConfigSnapshot
    people: _People
    outcome_token: Mapping[int, int | None]
    service_center_id: int | None
    secret_key: str


class _People:
    """Fake applicants: Swedish-looking names, example.org addresses, fiction numbers."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._emails: set[str] = set()
        self._companies = {name: _organisation_number(rng) for name in COMPANIES}

    def applicant(self, kind: str, *, needs_phone: bool, needs_email: bool) -> Applicant:
        """A new applicant of `kind`; `needs_*` say which contacts the booking requires."""
        rng = self._rng
        language = "en" if rng.random() < 0.1 else "sv"
        person = (
            rng.choice(ENGLISH_NAMES)
            if language == "en"
            else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        )
        has_email = needs_email or rng.random() < 0.7
        has_phone = needs_phone or not has_email or rng.random() < 0.4
        company = rng.choice(COMPANIES) if kind == "company" else None
        return Applicant(
            kind=kind,
            name=company or person,
            email=self._email(person) if has_email else None,
            phone=rng.choice(FICTION_MOBILES) if has_phone else None,
            organisation_number=self._companies[company] if company else None,
            property_designation=(
                f"{rng.choice(TRACTS)} {rng.randint(1, 30)}:{rng.randint(1, 400)}"
            ),
            language=language,
        )

    def _email(self, person: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", person).encode("ascii", "ignore").decode()
        local = ascii_name.lower().replace(" ", ".")
        candidate, n = local, 1
        # Distinct addresses: the survey's quiet period treats one address as one person.
        while candidate in self._emails:
            n += 1
            candidate = f"{local}{n}"
        self._emails.add(candidate)
        return f"{candidate}@example.org"


def _organisation_number(rng: random.Random) -> str:
    # 559… is a limited company registered lately; the tenth digit is the Luhn check digit.
    body = f"559{rng.randrange(10**6):06d}"
    number = body + luhn.calc_check_digit(body)
    assert orgnr.is_valid(number)
    return f"{number[:6]}-{number[6:]}"


def _weighted(rng: random.Random, weights: Mapping[str, int], allowed: Iterable[str]) -> str:
    options = sorted(set(allowed) & set(weights)) or sorted(allowed)
    return rng.choices(options, [weights.get(o, 1) for o in options])[0]


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(local_instant(day, minute, zone), UTC)


def _first_history_day(now: datetime, zone: ZoneInfo) -> date:
    """About 13 weeks back, or the next month's first day if that month would show little."""
    first = (now - timedelta(days=HISTORY_DAYS)).astimezone(zone).date()
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month if (next_month - first).days < MIN_DAYS_IN_FIRST_MONTH else first


def load_demo_history(
    *,
    now: datetime,
    service_center: StaffToken | None = None,
    admin_token_id: int | None = None,
    officer_token_ids: Mapping[int, int] | None = None,
) -> DemoHistory:
    """Create the demo history around `now` in the current transaction (base data must exist)."""
    rng = random.Random(SEED)
    config = current_config()
    officer_tokens = officer_token_ids or {}
    context = _Context(
        rng=rng,
        now=now,
        zone=office_zone(),
        config=config,
        people=_People(rng),
        outcome_token={o: officer_tokens.get(o, admin_token_id) for o in config.officers},
        service_center_id=service_center.id if service_center is not None else None,
        secret_key=current_app.config["SECRET_KEY"],
    )
    summary = DemoHistory()
    bookings = [_past_booking(context, m) for m in _past_meetings(context)]
    _leave_awaiting(context, bookings)
    db.session.add_all(bookings)
    db.session.flush()
    summary.past_bookings = len(bookings)
    summary.survey_responses = _surveys(context, bookings)
    callbacks = _past_callbacks(context)
    db.session.add_all(callbacks)
    # The slot search below reads bookings on the connection: the history must be written first.
    db.session.flush()
    summary.upcoming_bookings = _upcoming_bookings(context, service_center)
    summary.callbacks = len(callbacks) + _open_callbacks(context, service_center)
    return summary


# --- the past: meetings ---


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _past_meetings(context: _Context) -> list[_Meeting]:
    """A few non-overlapping meetings per officer and working day, all ended before `now`."""
    config, zone, rng = context.config, context.zone, context.rng
    today = context.now.astimezone(zone).date()
    meetings = []
    for day in _days(_first_history_day(context.now, zone), today):
        for officer in sorted(config.officers.values(), key=lambda o: o.id):
            # Holidays, early closing and closures come from the office calendar.
            hours = config.calendar.open_minutes(day, officer.weekly_hours.get(day.weekday(), ()))
            teams = sorted(
                (t for t in config.teams.values() if t.id in officer.team_ids), key=lambda t: t.id
            )
            if not officer.active or not hours or not teams:
                continue
            busy: list[tuple[datetime, datetime]] = []
            for _ in range(rng.choice(MEETINGS_PER_DAY)):
                team = rng.choice(teams)
                slug = _weighted(rng, TYPE_WEIGHTS, team.meeting_types)
                meeting_type = config.meeting_types[slug]
                starts = _free_starts(context, day, hours, meeting_type, busy)
                if not starts:
                    break
                start = rng.choice(starts)
                busy.append(_busy_span(meeting_type, start))
                meetings.append(_Meeting(officer.id, team, meeting_type, start))
    return meetings


def _busy_span(meeting_type: MeetingTypeConfig, start: datetime) -> tuple[datetime, datetime]:
    end = start + timedelta(minutes=meeting_type.duration_minutes)
    return (
        start - timedelta(minutes=meeting_type.buffer_before_minutes),
        end + timedelta(minutes=meeting_type.buffer_after_minutes),
    )


def _free_starts(
    context: _Context,
    day: date,
    hours: Sequence[tuple[int, int]],
    meeting_type: MeetingTypeConfig,
    busy: Sequence[tuple[datetime, datetime]],
) -> list[datetime]:
    """Grid starts whose busy span lies in the hours, is free, and whose meeting has ended."""
    before, after = meeting_type.buffer_before_minutes, meeting_type.buffer_after_minutes
    length = meeting_type.duration_minutes
    found = []
    for opens, closes in hours:
        minute = opens + before
        while minute + length + after <= closes:
            start = _instant(day, minute, context.zone)
            lower, upper = _busy_span(meeting_type, start)
            ended = start + timedelta(minutes=length) <= context.now
            if ended and all(upper <= b_lower or b_upper <= lower for b_lower, b_upper in busy):
                found.append(start)
            minute += meeting_type.slot_step_minutes
    return found


def _past_booking(context: _Context, meeting: _Meeting) -> Booking:
    """The meeting as a booking: applicant, channel, lead time, first free slot, status, outcome."""
    rng, meeting_type = context.rng, meeting.meeting_type
    channel = "web" if rng.random() < 0.65 else "service_center"
    mode = _weighted(rng, MODE_WEIGHTS, meeting_type.modes)
    applicant = context.people.applicant(
        meeting.team.applicant_kind, needs_phone=mode == "phone", needs_email=channel == "web"
    )
    start = meeting.start
    end = start + timedelta(minutes=meeting_type.duration_minutes)
    busy_start, busy_end = _busy_span(meeting_type, start)
    notice = _notice(meeting_type, channel)
    created = _created_at(context, start, channel, notice)
    reference = new_reference()
    booking = Booking(
        reference=reference,
        meeting_type_id=meeting_type.id,
        team_id=meeting.team.id,
        officer_id=meeting.officer_id,
        start_at=start,
        end_at=end,
        busy_start_at=busy_start,
        busy_end_at=busy_end,
        mode=mode,
        status="confirmed",
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        applicant_email=applicant.email,
        applicant_phone=applicant.phone,
        identifier_kind="organisation_number" if applicant.organisation_number else None,
        organisation_number=applicant.organisation_number,
        property_designation=applicant.property_designation,
        case_number=(
            f"BN {created.year}-{rng.randint(100, 2500):06d}"
            if meeting_type.slug == "arendefragor"
            else None
        ),
        description=rng.choice(DESCRIPTIONS[applicant.language]),
        language=applicant.language,
        channel=channel,
        created_by_token_id=context.service_center_id if channel == "service_center" else None,
        manage_token_hash=hash_secret(
            manage_token_for(secret_key=context.secret_key, reference=reference)
        ),
        team_reason=f"{DEMO_REASON}: {applicant.kind} applicants are served by this team",
        officer_reason=f"{DEMO_REASON}: spread over the team's officers",
        officer_requested=False,
        sequence=0,
        created_at=created,
        updated_at=created,
        first_free_start_at=_first_free(context, created + notice, start),
        # The measure-first-free job runs every minute.
        first_free_checked_at=created + timedelta(seconds=rng.randint(20, 90)),
    )
    _settle(context, booking)
    return booking


def _notice(meeting_type: MeetingTypeConfig, channel: str) -> timedelta:
    if channel == "web":
        return timedelta(minutes=meeting_type.min_notice_minutes)
    # Staff may book at once, but a caller rarely wants a meeting within the half hour.
    return timedelta(minutes=max(meeting_type.staff_min_notice_minutes, 30))


def _created_at(context: _Context, start: datetime, channel: str, notice: timedelta) -> datetime:
    """When the booking was made: some days before the meeting, at a plausible time of day."""
    rng, zone = context.rng, context.zone
    leads, weights = LEAD_DAYS[channel]
    day = start.astimezone(zone).date() - timedelta(days=rng.choices(leads, weights)[0])
    first, last = REQUEST_MINUTES[channel]
    while True:
        created = _instant(day, rng.randrange(first, last), zone)
        created += timedelta(seconds=rng.randrange(60))
        if created <= start - notice:
            return created
        day -= timedelta(days=1)


def _first_free(context: _Context, earliest: datetime, start: datetime) -> datetime:
    """The team's first free start when the booking was made: in office hours, by `start`."""
    rng, zone = context.rng, context.zone
    if earliest >= start:
        return start
    first, last = earliest.astimezone(zone).date(), start.astimezone(zone).date()
    for _ in range(5):
        # Mostly soon after the request: the squared draw leans towards the first days.
        day = first + timedelta(days=int(rng.random() ** 2 * ((last - first).days + 1)))
        if context.config.calendar.day_rule(day).is_closed or day.weekday() >= 5:
            continue
        candidate = _instant(day, rng.randrange(8 * 60, 15 * 60, QUARTER), zone)
        if earliest <= candidate <= start:
            return candidate
    return start


def _settle(context: _Context, booking: Booking) -> None:
    """Cancel some bookings; record the others' outcome shortly after the meeting."""
    rng = context.rng
    if rng.random() < CANCEL_SHARE:
        window = (booking.start_at - booking.created_at).total_seconds()
        booking.status = "cancelled"
        booking.cancelled_at = booking.created_at + timedelta(
            seconds=int(window * rng.uniform(0.2, 0.95))
        )
        booking.cancel_reason = rng.choice(CANCEL_REASONS)
        booking.sequence = 1
        booking.updated_at = booking.cancelled_at
        return
    outcome_at = booking.end_at + timedelta(minutes=rng.randint(5, 180))
    if outcome_at >= context.now:
        return  # not marked yet
    booking.outcome = "no_show" if rng.random() < NO_SHOW_SHARE else "completed"
    booking.outcome_at = booking.updated_at = outcome_at
    booking.outcome_by_token_id = context.outcome_token.get(booking.officer_id)


def _leave_awaiting(context: _Context, bookings: Sequence[Booking]) -> None:
    """Unmark some recent outcomes, always the first officer's newest, so some meetings wait."""
    rng = context.rng
    marked = [b for b in bookings if b.outcome is not None]
    recent = [b for b in marked if b.end_at > context.now - AWAITING_WITHIN]
    chosen = {id(b) for b in recent if rng.random() < AWAITING_SHARE}
    # The first officer's token is the one `demo load` prints: their "Min dag" must show one.
    first_officer = min(context.config.officers, default=None)
    theirs = [b for b in bookings if b.officer_id == first_officer and b.status == "confirmed"]
    if theirs:
        chosen.add(id(max(theirs, key=lambda b: b.end_at)))
    for booking in bookings:
        if id(booking) in chosen:
            booking.outcome = booking.outcome_at = booking.outcome_by_token_id = None
            booking.updated_at = booking.created_at


# --- the past: survey invitations and answers ---


def _surveys(context: _Context, bookings: Sequence[Booking]) -> int:
    """Invite as the system would have, and store answers for about 40% of completed meetings.

    Every completed meeting was invited when its outcome was recorded, and one left without an
    outcome by the send-surveys job 3 h after its end: without these invitations the job would
    "send" the history's invitations as soon as `make serve` starts.
    """
    rng, now = context.rng, context.now
    delay = timedelta(hours=int(current_app.config["BOOKING_SURVEY_DELAY_HOURS"]))
    link_days = timedelta(days=int(current_app.config["BOOKING_SURVEY_LINK_DAYS"]))
    invitations = []
    responses = []
    for booking in bookings:
        if booking.status != "confirmed" or booking.outcome == "no_show":
            continue
        by_job = booking.end_at + delay + timedelta(seconds=rng.randrange(600))
        invited = min(booking.outcome_at, by_job) if booking.outcome_at else by_job
        if invited >= now:
            continue
        invitation = SurveyInvitation(
            booking_id=booking.id,
            # Replaced below by the hash of the real token, which derives from the id.
            token_hash=f"{rng.getrandbits(256):064x}",
            created_at=invited,
            expires_at=invited + link_days,
        )
        invitations.append(invitation)
        if booking.outcome == "completed" and rng.random() < SURVEY_SHARE:
            response = _response(context, booking, invited)
            if response is not None:
                invitation.used_at = response.answered_at
                responses.append(response)
    db.session.add_all(invitations)
    db.session.add_all(responses)
    db.session.flush()
    for invitation in invitations:
        token = survey_token_for(secret_key=context.secret_key, invitation_id=invitation.id)
        invitation.token_hash = hash_secret(token)
    db.session.flush()
    return len(responses)


def _response(context: _Context, booking: Booking, invited: datetime) -> SurveyResponse | None:
    """One answer, skewed positive, given hours to days after the invitation (if by now)."""
    rng = context.rng
    hours = rng.choice((rng.uniform(0.5, 12), rng.uniform(0.5, 12), rng.uniform(12, 48)))
    if rng.random() < 0.1:
        hours = rng.uniform(48, 120)
    answered = invited + timedelta(hours=hours)
    if answered >= context.now:
        return None
    base = rng.choices(list(SATISFACTION), list(SATISFACTION.values()))[0]

    def answer(shift: int) -> int:
        return max(1, min(10, base + shift + rng.choice((-1, 0, 0, 0, 1))))

    comment = None
    if rng.random() < 0.2:
        comment = rng.choice(COMMENTS["good" if base >= 7 else "bad"])
    return SurveyResponse(
        booking_id=booking.id,
        team_id=booking.team_id,
        answered_at=answered,
        # Expectations and the ideal advisor are scored a little lower than overall, as usual.
        q_overall=answer(0),
        q_expectations=answer(-1 if rng.random() < 0.3 else 0),
        q_ideal=answer(-1 if rng.random() < 0.4 else 0),
        comment=comment,
    )


# --- the past: call-backs ---


def _past_callbacks(context: _Context) -> list[Callback]:
    """Call-backs of the past working days: mostly reached in time, some late, two unreachable."""
    rng, config, zone = context.rng, context.config, context.zone
    today = context.now.astimezone(zone).date()
    callbacks = []
    for day in _days(_first_history_day(context.now, zone), today - timedelta(days=1)):
        for team in sorted(config.teams.values(), key=lambda t: t.id):
            for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
                callback = _past_callback(context, day, team, "reached")
                if callback is not None:
                    callbacks.append(callback)
    # One who never answered, one wrong number: the rare unreachable applicants.
    fates = ("no_answer", "wrong_number")
    chosen = rng.sample(range(len(callbacks)), len(fates)) if len(callbacks) >= len(fates) else []
    for index, fate in zip(chosen, fates[: len(chosen)], strict=True):
        old = callbacks[index]
        day = old.window_start_at.astimezone(zone).date()
        team = config.teams[old.team_id]
        callbacks[index] = _past_callback(context, day, team, fate) or old
    return callbacks


def _past_callback(context: _Context, day: date, team: TeamConfig, fate: str) -> Callback | None:
    """One call-back promised in a two-hour window on `day`, and the attempts it took."""
    rng, config, zone = context.rng, context.config, context.zone
    working = []
    for officer_id in team.officer_ids:
        officer = config.officers[officer_id]
        hours = config.calendar.open_minutes(day, officer.weekly_hours.get(day.weekday(), ()))
        if officer.active and hours:
            working.append((officer_id, hours))
    if not working:
        return None
    officer_id, hours = rng.choice(working)
    opens, closes = rng.choice(hours)
    if closes - opens < 60:
        return None
    first = rng.randrange(opens, closes - 60 + 1, QUARTER)
    window_start = _instant(day, first, zone)
    window_end = _instant(day, min(first + 120, closes), zone)
    created = window_start - timedelta(minutes=rng.randint(10, 180))
    attempts = _attempts(context, window_start, window_end, fate)
    if attempts[-1][1] >= context.now:
        return None
    applicant = context.people.applicant(team.applicant_kind, needs_phone=True, needs_email=False)
    closed = attempts[-1][1]
    token = context.outcome_token.get(officer_id)
    slug = rng.choice(sorted(team.meeting_types) + [None])
    return Callback(
        team_id=team.id,
        officer_id=officer_id,
        meeting_type_id=config.meeting_types[slug].id if slug else None,
        status="completed" if fate == "reached" else "unreachable",
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        applicant_phone=applicant.phone,
        identifier_kind="organisation_number" if applicant.organisation_number else None,
        organisation_number=applicant.organisation_number,
        topic=rng.choice(CALLBACK_TOPICS),
        language=applicant.language,
        window_start_at=window_start,
        window_end_at=window_end,
        due_at=window_end,
        team_reason=f"{DEMO_REASON}: {applicant.kind} applicants are served by this team",
        officer_reason=f"{DEMO_REASON}: an officer working in the window",
        assigned_at=created,
        created_by_token_id=context.service_center_id,
        created_at=created,
        updated_at=closed,
        closed_at=closed,
        attempts=[
            CallbackAttempt(outcome=outcome, staff_token_id=token, attempted_at=at)
            for outcome, at in attempts
        ],
    )


def _attempts(
    context: _Context, window_start: datetime, window_end: datetime, fate: str
) -> list[tuple[str, datetime]]:
    """The calls made: reached in the window (or, now and then, late), or never reached."""
    rng = context.rng
    window = (window_end - window_start).total_seconds()

    def within(share_from: float, share_to: float) -> datetime:
        return window_start + timedelta(seconds=int(window * rng.uniform(share_from, share_to)))

    if fate == "wrong_number":
        return [("wrong_number", within(0.0, 0.5))]
    if fate == "no_answer":
        # BOOKING_CALLBACK_MAX_ATTEMPTS (3) unanswered calls close it.
        calls = [within(0.0, 0.3), within(0.35, 0.65), within(0.7, 0.95)]
        return [("no_answer", at) for at in calls]
    if rng.random() < LATE_CALLBACK_SHARE:
        return [
            ("no_answer", within(0.1, 0.6)),
            ("reached", window_end + timedelta(minutes=rng.randint(20, 150))),
        ]
    if rng.random() < 0.25:
        return [("no_answer", within(0.0, 0.4)), ("reached", within(0.5, 0.95))]
    return [("reached", within(0.0, 0.8))]


# --- ahead: through the real services ---


def _upcoming_bookings(context: _Context, service_center: StaffToken | None) -> int:
    """Book free slots of the next two weeks as applicants online and the service center would."""
    rng, config, zone = context.rng, context.config, context.zone
    today = context.now.astimezone(zone).date()
    made = 0
    for team in sorted(config.teams.values(), key=lambda t: t.id):
        for _ in range(UPCOMING_PER_TEAM):
            staff = service_center if rng.random() < 0.4 else None
            meeting_type = config.meeting_types[_weighted(rng, TYPE_WEIGHTS, team.meeting_types)]
            slots = compute_team_slots(
                team=team,
                meeting_type=meeting_type,
                first_day=today,
                last_day=today + timedelta(days=UPCOMING_DAYS),
                officer_ids=None,
                is_staff=staff is not None,
                now=context.now,
            )
            if slots:
                start = datetime.fromtimestamp(rng.choice(slots).start, UTC)
                made += _book(context, team, meeting_type, start, staff)
    return made


def _book(
    context: _Context,
    team: TeamConfig,
    meeting_type: MeetingTypeConfig,
    start: datetime,
    staff: StaffToken | None,
) -> int:
    rng = context.rng
    mode = _weighted(rng, MODE_WEIGHTS, meeting_type.modes)
    applicant = context.people.applicant(
        team.applicant_kind, needs_phone=mode == "phone", needs_email=staff is None
    )
    details: dict[str, Any] = {"kind": applicant.kind, "name": applicant.name}
    for key in ("email", "phone", "organisation_number"):
        if getattr(applicant, key):
            details[key] = getattr(applicant, key)
    data = {
        "meeting_type": meeting_type.slug,
        "start": start,
        "mode": mode,
        "applicant": details,
        "property_designation": applicant.property_designation,
        "description": rng.choice(DESCRIPTIONS[applicant.language]),
        "language": applicant.language,
    }
    try:
        book_slot(
            data=data,
            raw_body=None,
            staff=staff,
            now=context.now,
            idempotency_key=None,
            secret_key=context.secret_key,
        )
    except ProblemError:
        # The officer free at that start was just booked by an earlier pick: skip it.
        return 0
    return 1


def _open_callbacks(context: _Context, service_center: StaffToken | None) -> int:
    """Register a call-back per team as the service center would now, for the console."""
    if service_center is None:
        return 0
    config = current_app.config
    made = 0
    for team in sorted(context.config.teams.values(), key=lambda t: t.id):
        applicant = context.people.applicant(
            team.applicant_kind, needs_phone=True, needs_email=False
        )
        details: dict[str, Any] = {"kind": applicant.kind, "name": applicant.name}
        details["phone"] = applicant.phone
        if applicant.organisation_number:
            details["organisation_number"] = applicant.organisation_number
        data = {
            "applicant": details,
            "topic": context.rng.choice(CALLBACK_TOPICS),
            "language": applicant.language,
        }
        try:
            # No window: promised within the team's working hours from now, so it is due soon.
            register_callback(
                data=data,
                staff=service_center,
                now=context.now,
                default_hours=int(config["BOOKING_CALLBACK_HOURS"]),
            )
        except ProblemError:
            continue
        made += 1
    return made
