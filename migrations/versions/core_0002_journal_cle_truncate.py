"""core: journal lines sealed by a key, TRUNCATE refused on the journal

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_0002"
down_revision: str | None = "core_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One function refuses TRUNCATE on every protected table: the append-only row triggers of
# PostgreSQL do not fire for TRUNCATE, which would empty the journal unseen.
REFUSE_TRUNCATE_FUNCTION = (
    "CREATE FUNCTION medianum_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME; END $$"
)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): rebuilding the table on SQLite would drop its guard triggers.
    op.add_column("audit_entry", sa.Column("cle_id", sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFUSE_TRUNCATE_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION medianum_refuse_truncate()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS medianum_refuse_truncate()")
        op.drop_column("audit_entry", "cle_id")
    else:
        # SQLite ≥ 3.35 drops a column in place, keeping the guard triggers.
        op.execute("ALTER TABLE audit_entry DROP COLUMN cle_id")
