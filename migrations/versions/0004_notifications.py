"""Notification outbox, and a reminder policy per meeting type

Revision ID: 0004_notifications
Revises: 0002_officer_start_index
Create Date: 2026-11-26 19:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_notifications"
down_revision = "0002_officer_start_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting_types") as batch:
        batch.add_column(sa.Column("reminders", sa.JSON(), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("booking_version", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("minutes_before", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("skip_reason", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'dead', 'superseded', 'expired')",
            name=op.f("ck_notifications_status"),
        ),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_notifications_channel")),
        sa.CheckConstraint(
            "audience IN ('applicant', 'officer')", name=op.f("ck_notifications_audience")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], ondelete="CASCADE",
            name=op.f("fk_notifications_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], ondelete="SET NULL",
            name=op.f("fk_notifications_officer_id_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notifications_idempotency_key")),
    )
    op.create_index(
        "ix_notifications_status_next", "notifications", ["status", "next_attempt_at"]
    )
    op.create_index(op.f("ix_notifications_booking_id"), "notifications", ["booking_id"])


def downgrade():
    op.drop_index(op.f("ix_notifications_booking_id"), table_name="notifications")
    op.drop_index("ix_notifications_status_next", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("meeting_types") as batch:
        batch.drop_column("reminders")
