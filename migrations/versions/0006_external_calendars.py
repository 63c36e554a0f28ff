"""Officers' own calendars: sources, imported busy time, and the caldav outbox channel

Revision ID: 0006_external_calendars
Revises: 0005_calendar_feeds
Create Date: 2026-11-27 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_external_calendars"
down_revision = "0005_calendar_feeds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=True),
        sa.Column("password_ciphertext", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("busy_digest", sa.String(length=64), nullable=True),
        sa.Column("events_imported", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('ics', 'caldav')", name=op.f("ck_calendar_sources_kind")),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], ondelete="CASCADE",
            name=op.f("fk_calendar_sources_officer_id_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_sources")),
        sa.UniqueConstraint("officer_id", name=op.f("uq_calendar_sources_officer_id")),
    )
    op.create_table(
        "calendar_busy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("start_at < end_at", name=op.f("ck_calendar_busy_range")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["calendar_sources.id"], ondelete="CASCADE",
            name=op.f("fk_calendar_busy_source_id_calendar_sources"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], ondelete="CASCADE",
            name=op.f("fk_calendar_busy_officer_id_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_busy")),
    )
    op.create_index(
        "ix_calendar_busy_officer_start", "calendar_busy", ["officer_id", "start_at"]
    )
    op.create_index(op.f("ix_calendar_busy_source_id"), "calendar_busy", ["source_id"])
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_channel"), type_="check")
        batch.create_check_constraint(
            op.f("ck_notifications_channel"), "channel IN ('email', 'sms', 'caldav')"
        )


def downgrade():
    # Calendar writes cannot be sent without their channel: they go with it.
    op.execute("DELETE FROM notifications WHERE channel = 'caldav'")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_channel"), type_="check")
        batch.create_check_constraint(
            op.f("ck_notifications_channel"), "channel IN ('email', 'sms')"
        )
    op.drop_index(op.f("ix_calendar_busy_source_id"), table_name="calendar_busy")
    op.drop_index("ix_calendar_busy_officer_start", table_name="calendar_busy")
    op.drop_table("calendar_busy")
    op.drop_table("calendar_sources")
