"""The team's first free start when each booking was made (request → first slot offered)

Revision ID: 0013_first_free_slot
Revises: 0012_outcomes_surveys
Create Date: 2026-11-27 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_first_free_slot"
down_revision = "0012_outcomes_surveys"
branch_labels = None
depends_on = None

_COLUMNS = ("first_free_start_at", "first_free_checked_at")


def upgrade():
    # Added in place, not in batch mode: on SQLite copying the table would drop 0001's
    # no-overlap triggers.
    for name in _COLUMNS:
        op.add_column("bookings", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    # The measuring job's queue: new bookings not yet measured, by age.
    op.create_index(
        "ix_bookings_first_free_pending",
        "bookings",
        ["created_at"],
        postgresql_where=sa.text("first_free_checked_at IS NULL"),
        sqlite_where=sa.text("first_free_checked_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_bookings_first_free_pending", table_name="bookings")
    for name in reversed(_COLUMNS):
        op.drop_column("bookings", name)
