"""mediation: date of each beneficiary's first accompaniment, stored and indexed

« Nouveaux bénéficiaires » of a period (people whose first accompaniment falls in it) becomes a
range test on this column instead of a lookup per person through their participations.

Revision ID: mediation_0002
Revises: mediation_0001
Create Date: 2026-11-30 15:02:13.866981
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mediation_0002"
down_revision: str | None = "mediation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One statement, the same on SQLite and PostgreSQL: people never accompanied stay NULL.
BACKFILL = """
UPDATE beneficiaire SET premier_accompagnement = (
    SELECT MIN(accompagnement.date)
    FROM accompagnement_participant
    JOIN accompagnement ON accompagnement.id = accompagnement_participant.accompagnement_id
    WHERE accompagnement_participant.beneficiaire_id = beneficiaire.id
)
"""


def upgrade() -> None:
    with op.batch_alter_table('beneficiaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('premier_accompagnement', sa.Date(), nullable=True))
    op.execute(BACKFILL)
    # Indexed after the backfill: one index build instead of an update per row.
    with op.batch_alter_table('beneficiaire', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_beneficiaire_premier_accompagnement'),
            ['premier_accompagnement'],
            unique=False,
        )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), not batch mode: batch would copy the
    # table, and dropping the old copy fails on SQLite once participations point at it.
    op.drop_index(op.f('ix_beneficiaire_premier_accompagnement'), table_name='beneficiaire')
    op.drop_column('beneficiaire', 'premier_accompagnement')
