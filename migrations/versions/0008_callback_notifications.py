"""Outbox rows about call-backs, and messages to a team

Revision ID: 0008_callback_notifications
Revises: 0007_callbacks
Create Date: 2026-11-26 20:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_callback_notifications"
down_revision = "0007_callbacks"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("callback_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_notifications_callback_id_callbacks"),
            "callbacks",
            ["callback_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_notifications_callback_id"), ["callback_id"])
        batch.drop_constraint(op.f("ck_notifications_audience"), type_="check")
        batch.create_check_constraint(
            op.f("ck_notifications_audience"), "audience IN ('applicant', 'officer', 'team')"
        )


def downgrade():
    # Messages about call-backs cannot exist without their column: they go with it.
    op.execute("DELETE FROM notifications WHERE callback_id IS NOT NULL OR audience = 'team'")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_audience"), type_="check")
        batch.create_check_constraint(
            op.f("ck_notifications_audience"), "audience IN ('applicant', 'officer')"
        )
        batch.drop_index(op.f("ix_notifications_callback_id"))
        batch.drop_constraint(op.f("fk_notifications_callback_id_callbacks"), type_="foreignkey")
        batch.drop_column("callback_id")
