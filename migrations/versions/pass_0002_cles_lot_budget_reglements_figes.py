"""pass numerique: offline batch keys registered by fingerprint, campaign budget, reprint marks,
lifted oppositions, settlements frozen with their lines and bank details

Revision ID: pass_0002
Revises: pass_0001
Create Date: 2026-11-30 13:54:18.372606
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'pass_0002'
down_revision: str | None = 'pass_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pass_cle_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pass_structure_id', sa.Integer(), nullable=False),
    sa.Column('empreinte', sa.String(length=20), nullable=False),
    sa.Column('statut', sa.String(length=10), nullable=False),
    sa.Column('enregistre_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enregistre_par', sa.Integer(), nullable=False),
    sa.Column('revoque_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoque_par', sa.Integer(), nullable=True),
    sa.CheckConstraint("statut IN ('active', 'revoquee')", name=op.f('ck_pass_cle_lot_statut_connu')),
    sa.ForeignKeyConstraint(['enregistre_par'], ['agent.id'], name=op.f('fk_pass_cle_lot_enregistre_par_agent')),
    sa.ForeignKeyConstraint(['pass_structure_id'], ['pass_structure.id'], name=op.f('fk_pass_cle_lot_pass_structure_id_pass_structure')),
    sa.ForeignKeyConstraint(['revoque_par'], ['agent.id'], name=op.f('fk_pass_cle_lot_revoque_par_agent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pass_cle_lot'))
    )
    op.create_index('ix_pass_cle_lot_empreinte', 'pass_cle_lot', ['empreinte'], unique=False)
    op.create_index(op.f('ix_pass_cle_lot_pass_structure_id'), 'pass_cle_lot', ['pass_structure_id'], unique=False)

    # Plain ALTER TABLE on both engines: a batch (copy) of these tables would drop the settlement
    # triggers and trip the foreign keys of the tables that reference them. The budget checks are
    # column constraints, which SQLite accepts in ADD COLUMN.
    for column in ('budget_chequiers', 'budget_cents'):
        op.execute(
            f"ALTER TABLE pass_campagne ADD COLUMN {column} INTEGER "
            f"CONSTRAINT ck_pass_campagne_{column}_positif CHECK ({column} IS NULL OR {column} > 0)"
        )
    op.add_column('pass_chequier', sa.Column('imprime_at', core.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column('pass_chequier', sa.Column('opposition_levee_at', core.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column('pass_chequier', sa.Column('opposition_levee_motif', sa.Text(), nullable=True))
    # Chequebooks printed before this revision were printed: a new print of them is a reprint.
    op.execute("UPDATE pass_chequier SET imprime_at = emis_at")
    op.add_column('pass_reglement', sa.Column('structure_nom', sa.String(length=200), nullable=True))
    op.add_column('pass_reglement', sa.Column('siret', sa.String(length=14), nullable=True))
    op.add_column('pass_reglement', sa.Column('iban', sa.String(length=34), nullable=True))
    op.add_column('pass_reglement', sa.Column('bic', sa.String(length=11), nullable=True))
    op.add_column('pass_reglement', sa.Column('titulaire', sa.String(length=200), nullable=True))
    op.add_column('pass_reglement', sa.Column('lignes', sa.JSON(), nullable=True))
    # Trust on first use is gone: a key a batch once brought is not a key a coordinator
    # registered, so it is forgotten rather than carried over.
    op.drop_column('pass_structure', 'cle_lot')


def downgrade() -> None:
    op.add_column('pass_structure', sa.Column('cle_lot', sa.VARCHAR(length=64), nullable=True))
    for column in ('lignes', 'titulaire', 'bic', 'iban', 'siret', 'structure_nom'):
        op.drop_column('pass_reglement', column)
    for column in ('opposition_levee_motif', 'opposition_levee_at', 'imprime_at'):
        op.drop_column('pass_chequier', column)
    if op.get_bind().dialect.name == 'postgresql':
        for column in ('budget_cents', 'budget_chequiers'):
            op.drop_column('pass_campagne', column)
    else:
        # SQLite refuses DROP COLUMN on a column with a CHECK: rebuild without them.
        with op.batch_alter_table('pass_campagne', recreate='always') as batch_op:
            batch_op.drop_constraint(op.f('ck_pass_campagne_budget_cents_positif'), type_='check')
            batch_op.drop_constraint(op.f('ck_pass_campagne_budget_chequiers_positif'), type_='check')
            batch_op.drop_column('budget_cents')
            batch_op.drop_column('budget_chequiers')
    op.drop_index(op.f('ix_pass_cle_lot_pass_structure_id'), table_name='pass_cle_lot')
    op.drop_index('ix_pass_cle_lot_empreinte', table_name='pass_cle_lot')
    op.drop_table('pass_cle_lot')
