"""The audit log may forget client addresses: the one change its triggers allow

Revision ID: 0014_audit_address_retention
Revises: 0013_first_free_slot
Create Date: 2026-11-27 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_audit_address_retention"
down_revision = "0013_first_free_slot"
branch_labels = None
depends_on = None

_MESSAGE = "audit_log is append-only"
# Every column but client_address: an allowed UPDATE leaves all of them as they were.
_KEPT = (
    "id",
    "at",
    "actor_kind",
    "actor_token_id",
    "actor_name",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "details",
)


def upgrade():
    # Retention's queue: rows still holding an address, by age.
    op.create_index(
        "ix_audit_log_address_kept",
        "audit_log",
        ["at"],
        postgresql_where=sa.text("client_address IS NOT NULL"),
        sqlite_where=sa.text("client_address IS NOT NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The row as JSON without the address must be unchanged, and the address cleared (or
        # already clear).
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.client_address IS NULL
                   AND (to_jsonb(NEW) - 'client_address') = (to_jsonb(OLD) - 'client_address')
                THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
    else:
        same = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in _KEPT)
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            f"WHEN NOT (NEW.client_address IS NULL AND {same}) "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
    op.drop_index("ix_audit_log_address_kept", table_name="audit_log")
