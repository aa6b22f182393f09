"""core: TRUNCATE refused on settled Pass numérique data

Kept on the core branch (which owns the journal's integrity rules and the refusal function) so
that the pass branch's own revisions stay untouched; it depends on the pass revision that creates
the tables. Row triggers of pass_0001 already refuse UPDATE/DELETE of settled rows; they do not
fire for TRUNCATE, so ``TRUNCATE pass_reglement CASCADE`` wiped validated settlements.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "core_0003"
down_revision: str | None = "core_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "pass_0001"

SETTLED_TABLES = ("pass_reglement", "pass_encaissement")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no TRUNCATE: its DELETE fires the row triggers
    for table in SETTLED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION medianum_refuse_truncate()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SETTLED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
