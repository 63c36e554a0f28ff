"""Command-line tools: `flask --app booking tokens …`, `… keys …` and `… demo …`."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from booking.auth.models import ROLES
from booking.auth.service import create_token, list_tokens, revoke_token
from booking.calendar.credentials import CredentialError
from booking.clock import now
from booking.db import write_intent
from booking.demo_history import load_demo_history
from booking.errors import ProblemError
from booking.extensions import db
from booking.officers.models import Officer, WeeklyHours
from booking.privacy.identity_numbers import IdentityKeyError
from booking.privacy.rotation import rotate_keys
from booking.teams.models import MeetingType, Team

tokens_cli = AppGroup("tokens", help="Staff tokens.")
demo_cli = AppGroup("demo", help="Demo data for trying the service.")
keys_cli = AppGroup("keys", help="Encryption keys of stored identity numbers and passwords.")


@tokens_cli.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="Who or what uses the token, e.g. 'servicecenter-1'.")
@click.option("--officer", "officer_id", type=int, default=None, help="Officer id (role officer).")
def create_token_command(role: str, name: str, officer_id: int | None) -> None:
    """Create a staff token and print it alone on stdout (only its hash is stored)."""
    with write_intent():
        try:
            _, plaintext = create_token(name=name, role=role, officer_id=officer_id)
        except ProblemError as exc:
            db.session.rollback()
            raise click.UsageError("; ".join(m for ms in exc.errors.values() for m in ms)) from exc
        db.session.commit()
    click.echo(plaintext)


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    zone = current_app.extensions["booking_zone"]
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@tokens_cli.command("list")
def list_tokens_command() -> None:
    """List the staff tokens: id, name, role, officer, created, last used, revoked (no secrets)."""
    rows = [("ID", "NAME", "ROLE", "OFFICER", "CREATED", "LAST USED", "REVOKED")]
    for token in list_tokens():
        rows.append((
            str(token.id),
            token.name,
            token.role,
            str(token.officer_id) if token.officer_id is not None else "-",
            _when(token.created_at),
            _when(token.last_used_at),
            _when(token.revoked_at),
        ))
    db.session.rollback()
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke a staff token by its id (see `tokens list`); it stops working at once."""
    with write_intent():
        try:
            token = revoke_token(token_id=token_id, now=now())
        except ProblemError as exc:
            db.session.rollback()
            raise click.ClickException(exc.detail) from exc
        name, revoked_at = token.name, token.revoked_at
        db.session.commit()
    click.echo(f"Token {token_id} ({name}) revoked at {_when(revoked_at)}.")


@keys_cli.command("rotate")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Rows per transaction.",
)
def rotate_keys_command(batch_size: int) -> None:
    """Re-encrypt stored identity numbers and calendar passwords under the current keys."""
    try:
        counts = rotate_keys(config=current_app.config, batch_size=batch_size)
    except (IdentityKeyError, CredentialError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    for kind, label in (
        (counts.identity_numbers, "identity numbers"),
        (counts.calendar_passwords, "calendar passwords"),
    ):
        click.echo(f"{label}: {kind.rotated} rotated, {kind.unreadable} unreadable")
    if counts.identity_numbers.unreadable or counts.calendar_passwords.unreadable:
        click.echo(
            "Unreadable values open with no configured key and were left as they are; "
            "list their key in *_PREVIOUS and run this again, or they stay unreadable."
        )


DEMO_OFFICERS = (
    ("Anna Lindqvist", "anna.lindqvist@example.org", ["bygglov-privat"]),
    ("Erik Johansson", "erik.johansson@example.org", ["bygglov-privat"]),
    ("Fatima Al-Sayed", "fatima.al-sayed@example.org", ["bygglov-privat", "bygglov-foretag"]),
    ("Lars Berg", "lars.berg@example.org", ["bygglov-foretag"]),
    ("Åsa Öberg", "asa.oberg@example.org", ["bygglov-foretag"]),
)
DEMO_HOURS = [(day, 8 * 60, 12 * 60) for day in range(5)] + [
    (day, 13 * 60, 16 * 60) for day in range(5)
]


def load_demo_data() -> bool:
    """Create the demo teams, officers and meeting types unless they exist; True if created."""
    if db.session.scalars(select(Team.id).where(Team.slug == "bygglov-privat")).first():
        return False
    meeting_type = MeetingType(
        slug="bygglovsradgivning",
        name="Bygglovsrådgivning",
        duration_minutes=45,
        buffer_before_minutes=0,
        buffer_after_minutes=15,
        slot_step_minutes=15,
        modes=["phone", "video", "in_person"],
        min_notice_minutes=1440,
        staff_min_notice_minutes=0,
        horizon_days=60,
    )
    # A second, shorter kind of advice, so the public booking's first step offers a real choice
    # (and a type without meetings at the office).
    case_questions = MeetingType(
        slug="arendefragor",
        name="Frågor om ett pågående ärende",
        duration_minutes=30,
        buffer_before_minutes=0,
        buffer_after_minutes=15,
        slot_step_minutes=15,
        modes=["phone", "video"],
        min_notice_minutes=1440,
        staff_min_notice_minutes=0,
        horizon_days=60,
    )
    teams = {
        "bygglov-privat": Team(
            slug="bygglov-privat",
            name="Bygglov privatpersoner",
            applicant_kind="private",
            email="bygglov-privat@example.org",
            meeting_types=[meeting_type, case_questions],
        ),
        "bygglov-foretag": Team(
            slug="bygglov-foretag",
            name="Bygglov företag",
            applicant_kind="company",
            email="bygglov-foretag@example.org",
            meeting_types=[meeting_type, case_questions],
        ),
    }
    db.session.add_all([meeting_type, case_questions, *teams.values()])
    for name, email, team_slugs in DEMO_OFFICERS:
        officer = Officer(
            name=name, email=email, active=True, teams=[teams[slug] for slug in team_slugs]
        )
        officer.weekly_hours = [
            WeeklyHours(weekday=d, start_minute=s, end_minute=e) for d, s, e in DEMO_HOURS
        ]
        db.session.add(officer)
    db.session.flush()
    return True


@demo_cli.command("load")
def load_demo_command() -> None:
    """Load demo data (once) and print new staff tokens, the pages and curl examples."""
    with write_intent():
        created = load_demo_data()
        admin_row, admin = create_token(name="demo-admin", role="admin")
        service_center_row, service_center = create_token(
            name="demo-servicecenter", role="service_center"
        )
        officer = db.session.scalars(select(Officer).order_by(Officer.id)).first()
        officer_token = None
        officer_token_ids = {}
        if officer is not None:
            officer_row, officer_token = create_token(
                name=f"demo-officer-{officer.id}", role="officer", officer_id=officer.id
            )
            officer_token_ids[officer.id] = officer_row.id
        history = None
        if created:
            # Only with the base data, so a second `demo load` adds nothing.
            history = load_demo_history(
                now=now(),
                service_center=service_center_row,
                admin_token_id=admin_row.id,
                officer_token_ids=officer_token_ids,
            )
        db.session.commit()
    base = current_app.config["BOOKING_PUBLIC_URL"].rstrip("/")
    click.echo("Demo data " + ("loaded." if created else "already present."))
    if history is not None:
        click.echo(
            f"History:              {history.past_bookings} past meetings, "
            f"{history.survey_responses} survey answers, {history.callbacks} call-backs, "
            f"{history.upcoming_bookings} bookings ahead"
        )
    click.echo(f"Admin token:          {admin}")
    click.echo(f"Service-center token: {service_center}")
    if officer is not None:
        click.echo(f"Officer token:        {officer_token}  ({officer.name}: their own day)")
    zone = current_app.extensions["booking_zone"]
    first = (now().astimezone(zone) + timedelta(days=2)).date()
    last = first + timedelta(days=7)
    click.echo(f"Book online:          {base}/boka   (English: {base}/boka?lang=en)")
    click.echo(f"Staff console:        {base}/staff  (sign in with a token above)")
    click.echo("Try:")
    click.echo(f"  curl '{base}/api/v1/slots?meeting_type=bygglovsradgivning"
               f"&applicant_kind=private&from={first}&to={last}'")
    click.echo(f"  curl -H 'Authorization: Bearer {admin}' {base}/api/v1/officers")
    click.echo(f"  open {base}/openapi.json for the whole API")
