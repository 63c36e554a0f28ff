"""A team's own call-back promise in working hours

Revision ID: 0009_team_callback_hours
Revises: 0008_callback_notifications
Create Date: 2026-11-26 20:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_team_callback_hours"
down_revision = "0008_callback_notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("callback_hours", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("callback_hours")
