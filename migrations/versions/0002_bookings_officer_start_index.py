"""Index bookings by officer and start (weekly counts for fair assignment)

Revision ID: 0002_officer_start_index
Revises: 0001_booking_core
Create Date: 2026-11-26 19:55:00
"""
from alembic import op

revision = "0002_officer_start_index"
down_revision = "0001_booking_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_bookings_officer_start", "bookings", ["officer_id", "start_at"])


def downgrade():
    op.drop_index("ix_bookings_officer_start", table_name="bookings")
