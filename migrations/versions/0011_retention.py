"""Retention: when applicants' data was anonymised; sole traders' identity numbers encrypted

Revision ID: 0011_retention
Revises: 0010_audit_log
Create Date: 2026-11-26 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_retention"
down_revision = "0010_audit_log"
branch_labels = None
depends_on = None

# The retention job looks for rows not yet anonymised whose moment has passed; these indexes keep
# that a range scan however many years of history the tables hold.
_TABLES = (
    ("bookings", "ix_bookings_retention", ["anonymised_at", "end_at"]),
    ("callbacks", "ix_callbacks_retention", ["anonymised_at", "closed_at"]),
    ("notifications", "ix_notifications_retention", ["anonymised_at", "updated_at"]),
)


def upgrade():
    for table, index, columns in _TABLES:
        op.add_column(table, sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        op.create_index(index, table, columns)
    # Beside the masked number in organisation_number (booking/privacy/identity_numbers.py).
    for table in ("bookings", "callbacks"):
        op.add_column(
            table, sa.Column("identity_number_ciphertext", sa.String(length=255), nullable=True)
        )


def downgrade():
    for table in ("callbacks", "bookings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("identity_number_ciphertext")
    for table, index, _columns in reversed(_TABLES):
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("anonymised_at")
