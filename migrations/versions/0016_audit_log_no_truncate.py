"""PostgreSQL: the audit log refuses TRUNCATE too (row triggers do not see it)

Revision ID: 0016_audit_log_no_truncate
Revises: 0015_applicant_email_index
Create Date: 2026-11-27 02:10:00
"""

from alembic import op

revision = "0016_audit_log_no_truncate"
down_revision = "0015_applicant_email_index"
branch_labels = None
depends_on = None

_MESSAGE = "audit_log is append-only"


def upgrade():
    # SQLite has no TRUNCATE (its DELETE trigger covers emptying the table).
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate()"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_no_truncate()")
