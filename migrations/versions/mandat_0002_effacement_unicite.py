"""mandats: erasable identity, one current authorisation per person, structure and category

Revision ID: mandat_0002
Revises: mandat_0001
Create Date: 2026-11-30 13:55:23.997314
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'mandat_0002'
down_revision: str | None = 'mandat_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The latest line not revoked of each person, structure and category becomes the current one.
_BACKFILL_CURRENT = """
UPDATE mandat_categorie SET courante = TRUE
WHERE revoquee_at IS NULL AND (mandat_id, categorie) IN (
    SELECT mandat_id, categorie FROM (
        SELECT mc.mandat_id, mc.categorie, ROW_NUMBER() OVER (
            PARTITION BY m.structure_id, m.beneficiaire_id, mc.categorie
            ORDER BY m.debut DESC, m.id DESC
        ) AS rang_recent
        FROM mandat_categorie mc JOIN mandat m ON m.id = mc.mandat_id
        WHERE mc.revoquee_at IS NULL
    ) AS recent WHERE rang_recent = 1
)
"""


def upgrade() -> None:
    with op.batch_alter_table('mandat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mandant_efface_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('mandant_date_naissance',
               existing_type=sa.DATE(),
               nullable=True)

    with op.batch_alter_table('mandat_categorie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('structure_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('beneficiaire_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('courante', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE mandat_categorie SET "
        "structure_id = (SELECT structure_id FROM mandat WHERE mandat.id = mandat_categorie.mandat_id), "
        "beneficiaire_id = (SELECT beneficiaire_id FROM mandat WHERE mandat.id = mandat_categorie.mandat_id)"
    )
    op.execute(_BACKFILL_CURRENT)
    with op.batch_alter_table('mandat_categorie', schema=None) as batch_op:
        batch_op.alter_column('structure_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('beneficiaire_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('courante', existing_type=sa.Boolean(), server_default=None)
        batch_op.create_index('uq_mandat_categorie_courante', ['structure_id', 'beneficiaire_id', 'categorie'], unique=True, sqlite_where=sa.text('courante'), postgresql_where=sa.text('courante'))
        batch_op.create_foreign_key(batch_op.f('fk_mandat_categorie_beneficiaire_id_beneficiaire'), 'beneficiaire', ['beneficiaire_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_mandat_categorie_structure_id_structure'), 'structure', ['structure_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('mandat_categorie', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mandat_categorie_structure_id_structure'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_mandat_categorie_beneficiaire_id_beneficiaire'), type_='foreignkey')
        batch_op.drop_index('uq_mandat_categorie_courante', sqlite_where=sa.text('courante'), postgresql_where=sa.text('courante'))
        batch_op.drop_column('courante')
        batch_op.drop_column('beneficiaire_id')
        batch_op.drop_column('structure_id')

    with op.batch_alter_table('mandat', schema=None) as batch_op:
        batch_op.alter_column('mandant_date_naissance',
               existing_type=sa.DATE(),
               nullable=False)
        batch_op.drop_column('mandant_efface_at')
