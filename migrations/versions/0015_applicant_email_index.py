"""Index bookings by lower(applicant_email): a person is found by e-mail whatever its case

Revision ID: 0015_applicant_email_index
Revises: 0014_audit_address_retention
Create Date: 2026-11-27 01:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_applicant_email_index"
down_revision = "0014_audit_address_retention"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_bookings_applicant_email_lower", "bookings", [sa.text("lower(applicant_email)")]
    )


def downgrade():
    op.drop_index("ix_bookings_applicant_email_lower", table_name="bookings")
