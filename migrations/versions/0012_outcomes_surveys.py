"""Meeting outcomes on bookings; survey invitations and answers

Revision ID: 0012_outcomes_surveys
Revises: 0011_retention
Create Date: 2026-11-26 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_outcomes_surveys"
down_revision = "0011_retention"
branch_labels = None
depends_on = None

_QUESTIONS = ("q_overall", "q_expectations", "q_ideal")
_OUTCOME_COLUMNS = (
    ("outcome", sa.String(length=16)),
    ("outcome_note", sa.Text()),
    ("outcome_at", sa.DateTime(timezone=True)),
    ("outcome_by_token_id", sa.Integer()),
)
_OUTCOME_CHECK = "outcome IN ('completed', 'no_show')"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: copying the table would drop 0001's no-overlap triggers. SQLite can
        # add a column with its own CHECK in place.
        op.execute(
            "ALTER TABLE bookings ADD COLUMN outcome VARCHAR(16) "
            f"CONSTRAINT ck_bookings_outcome CHECK ({_OUTCOME_CHECK})"
        )
        for name, type_ in _OUTCOME_COLUMNS[1:]:
            op.add_column("bookings", sa.Column(name, type_, nullable=True))
    else:
        for name, type_ in _OUTCOME_COLUMNS:
            op.add_column("bookings", sa.Column(name, type_, nullable=True))
        op.create_check_constraint(op.f("ck_bookings_outcome"), "bookings", _OUTCOME_CHECK)
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], ondelete="CASCADE",
            name=op.f("fk_survey_invitations_booking_id_bookings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_survey_invitations_booking_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitations_token_hash")),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("q_overall", sa.Integer(), nullable=False),
        sa.Column("q_expectations", sa.Integer(), nullable=False),
        sa.Column("q_ideal", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        *(
            sa.CheckConstraint(
                f"{name} BETWEEN 1 AND 10", name=op.f(f"ck_survey_responses_{name}")
            )
            for name in _QUESTIONS
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], ondelete="CASCADE",
            name=op.f("fk_survey_responses_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_survey_responses_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_survey_responses_booking_id")),
    )
    op.create_index("ix_survey_responses_team_id", "survey_responses", ["team_id"])
    op.create_index("ix_survey_responses_answered_at", "survey_responses", ["answered_at"])


def downgrade():
    op.drop_index("ix_survey_responses_answered_at", table_name="survey_responses")
    op.drop_index("ix_survey_responses_team_id", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_table("survey_invitations")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_bookings_outcome"), "bookings", type_="check")
    # SQLite drops a column with the CHECK that belongs to it, in place (triggers kept).
    for name, _type in reversed(_OUTCOME_COLUMNS):
        op.drop_column("bookings", name)
