"""pass numerique: each signing key belongs to one campaign

A key whose chequebooks all belong to one campaign is tied to it; a key shared by several
campaigns stays untied (it verifies what it signed; the first campaign key retires it).

Revision ID: pass_0003
Revises: pass_0002
Create Date: 2026-11-30 17:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'pass_0003'
down_revision: str | None = 'pass_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A key whose chequebooks all belong to one campaign becomes that campaign's key.
TIE_KEYS = (
    "UPDATE pass_cle SET campagne_id = ("
    " SELECT MIN(c.campagne_id) FROM pass_chequier c WHERE c.cle_id = pass_cle.id)"
    " WHERE (SELECT COUNT(DISTINCT c.campagne_id) FROM pass_chequier c"
    " WHERE c.cle_id = pass_cle.id) = 1"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('pass_cle', sa.Column('campagne_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_pass_cle_campagne_id_pass_campagne'),
            'pass_cle',
            'pass_campagne',
            ['campagne_id'],
            ['id'],
        )
    else:
        # Not a batch rebuild: dropping pass_cle would break its chequebooks' foreign keys.
        op.execute(
            'ALTER TABLE pass_cle ADD COLUMN campagne_id INTEGER '
            'CONSTRAINT fk_pass_cle_campagne_id_pass_campagne REFERENCES pass_campagne (id)'
        )
    op.create_index(op.f('ix_pass_cle_campagne_id'), 'pass_cle', ['campagne_id'], unique=False)
    op.execute(TIE_KEYS)


def downgrade() -> None:
    op.drop_index(op.f('ix_pass_cle_campagne_id'), table_name='pass_cle')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(
            op.f('fk_pass_cle_campagne_id_pass_campagne'), 'pass_cle', type_='foreignkey'
        )
        op.drop_column('pass_cle', 'campagne_id')
    else:
        # SQLite cannot drop a column that carries a foreign key: rebuild the table.
        with op.batch_alter_table('pass_cle', recreate='always') as batch_op:
            batch_op.drop_column('campagne_id')
