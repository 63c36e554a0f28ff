"""Call-backs and their attempts

Revision ID: 0007_callbacks
Revises: 0006_external_calendars
Create Date: 2026-11-26 20:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_callbacks"
down_revision = "0006_external_calendars"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("meeting_type_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("applicant_kind", sa.String(length=16), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_phone", sa.String(length=20), nullable=False),
        sa.Column("identifier_kind", sa.String(length=32), nullable=True),
        sa.Column("organisation_number", sa.String(length=16), nullable=True),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("window_start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team_reason", sa.Text(), nullable=False),
        sa.Column("officer_reason", sa.Text(), nullable=False),
        sa.Column("assigned_by_token_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("window_start_at < window_end_at", name=op.f("ck_callbacks_window")),
        sa.CheckConstraint(
            "status IN ('open', 'completed', 'unreachable', 'overdue')",
            name=op.f("ck_callbacks_status"),
        ),
        sa.CheckConstraint(
            "applicant_kind IN ('private', 'company')", name=op.f("ck_callbacks_kind")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_callbacks_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_callbacks_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_type_id"], ["meeting_types.id"],
            name=op.f("fk_callbacks_meeting_type_id_meeting_types"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_token_id"], ["staff_tokens.id"], ondelete="SET NULL",
            name=op.f("fk_callbacks_assigned_by_token_id_staff_tokens"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_token_id"], ["staff_tokens.id"], ondelete="SET NULL",
            name=op.f("fk_callbacks_created_by_token_id_staff_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    op.create_index("ix_callbacks_officer_status", "callbacks", ["officer_id", "status"])
    op.create_index("ix_callbacks_team_status", "callbacks", ["team_id", "status"])
    op.create_index("ix_callbacks_status_due", "callbacks", ["status", "due_at"])
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("staff_token_id", sa.Integer(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('reached', 'no_answer', 'wrong_number')",
            name=op.f("ck_callback_attempts_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["callback_id"], ["callbacks.id"], ondelete="CASCADE",
            name=op.f("fk_callback_attempts_callback_id_callbacks"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_token_id"], ["staff_tokens.id"], ondelete="SET NULL",
            name=op.f("fk_callback_attempts_staff_token_id_staff_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempts")),
    )
    op.create_index(
        op.f("ix_callback_attempts_callback_id"), "callback_attempts", ["callback_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_callback_attempts_callback_id"), table_name="callback_attempts")
    op.drop_table("callback_attempts")
    op.drop_index("ix_callbacks_status_due", table_name="callbacks")
    op.drop_index("ix_callbacks_team_status", table_name="callbacks")
    op.drop_index("ix_callbacks_officer_status", table_name="callbacks")
    op.drop_table("callbacks")
