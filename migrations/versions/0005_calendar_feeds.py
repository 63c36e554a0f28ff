"""Calendar-feed tokens (officer and team feeds), stored as hashes

Revision ID: 0005_calendar_feeds
Revises: 0004_notifications
Create Date: 2026-11-26 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_calendar_feeds"
down_revision = "0004_notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(officer_id IS NULL) <> (team_id IS NULL)",
            name=op.f("ck_calendar_feed_tokens_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], ondelete="CASCADE",
            name=op.f("fk_calendar_feed_tokens_officer_id_officers"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], ondelete="CASCADE",
            name=op.f("fk_calendar_feed_tokens_team_id_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_token_id"], ["staff_tokens.id"], ondelete="SET NULL",
            name=op.f("fk_calendar_feed_tokens_created_by_token_id_staff_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed_tokens")),
        sa.UniqueConstraint("officer_id", name=op.f("uq_calendar_feed_tokens_officer_id")),
        sa.UniqueConstraint("team_id", name=op.f("uq_calendar_feed_tokens_team_id")),
    )


def downgrade():
    op.drop_table("calendar_feed_tokens")
