"""mandats: mandates, their categories and revocations (own branch, after mediation)

Revision ID: mandat_0001
Revises:
Create Date: 2026-11-23 10:15:10.703500
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'mandat_0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('mandat',)
depends_on: str | Sequence[str] | None = 'mediation_0001'


def upgrade() -> None:
    op.create_table('structure_categorie_mandat',
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('categorie', sa.String(length=20), nullable=False),
    sa.CheckConstraint("categorie IN ('papiers', 'famille', 'social', 'travail', 'logement', 'transports', 'argent', 'justice', 'etranger', 'loisirs')", name=op.f('ck_structure_categorie_mandat_categorie_connue')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_structure_categorie_mandat_structure_id_structure')),
    sa.PrimaryKeyConstraint('structure_id', 'categorie', name=op.f('pk_structure_categorie_mandat'))
    )
    op.create_table('mandat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('beneficiaire_id', sa.Integer(), nullable=False),
    sa.Column('mandant_nom', sa.String(length=120), nullable=False),
    sa.Column('mandant_prenom', sa.String(length=120), nullable=False),
    sa.Column('mandant_date_naissance', sa.Date(), nullable=False),
    sa.Column('mandant_lieu_naissance', sa.String(length=200), nullable=False),
    sa.Column('mandant_cle', sa.String(length=250), nullable=False),
    sa.Column('mandataire_nom', sa.String(length=200), nullable=False),
    sa.Column('mandataire_adresse', sa.String(length=320), nullable=False),
    sa.Column('lieu_signature', sa.String(length=200), nullable=False),
    sa.Column('actions_specifiques', sa.Text(), nullable=False),
    sa.Column('duree_jours', sa.Integer(), nullable=False),
    sa.Column('debut', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fin', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('template_version', sa.String(length=20), nullable=False),
    sa.Column('integrity_code', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('renouvelle_id', sa.Integer(), nullable=True),
    sa.Column('revoque_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('duree_jours IN (1, 31, 182, 365)', name=op.f('ck_mandat_duree_autorisee')),
    sa.CheckConstraint('fin > debut', name=op.f('ck_mandat_fin_apres_debut')),
    sa.ForeignKeyConstraint(['beneficiaire_id'], ['beneficiaire.id'], name=op.f('fk_mandat_beneficiaire_id_beneficiaire')),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'], name=op.f('fk_mandat_created_by_id_agent')),
    sa.ForeignKeyConstraint(['renouvelle_id'], ['mandat.id'], name=op.f('fk_mandat_renouvelle_id_mandat')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_mandat_structure_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandat')),
    sa.UniqueConstraint('reference', name=op.f('uq_mandat_reference'))
    )
    with op.batch_alter_table('mandat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mandat_beneficiaire_id'), ['beneficiaire_id'], unique=False)
        batch_op.create_index('ix_mandat_structure_beneficiaire', ['structure_id', 'beneficiaire_id'], unique=False)
        batch_op.create_index('ix_mandat_structure_fin', ['structure_id', 'fin'], unique=False)

    op.create_table('mandat_revocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mandat_id', sa.Integer(), nullable=False),
    sa.Column('categorie', sa.String(length=20), nullable=True),
    sa.Column('motif', sa.String(length=20), nullable=False),
    sa.Column('remplace_par_id', sa.Integer(), nullable=True),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("motif IN ('demande', 'remplacement')", name=op.f('ck_mandat_revocation_motif_connu')),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_mandat_revocation_agent_id_agent')),
    sa.ForeignKeyConstraint(['mandat_id'], ['mandat.id'], name=op.f('fk_mandat_revocation_mandat_id_mandat')),
    sa.ForeignKeyConstraint(['remplace_par_id'], ['mandat.id'], name=op.f('fk_mandat_revocation_remplace_par_id_mandat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandat_revocation'))
    )
    with op.batch_alter_table('mandat_revocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mandat_revocation_mandat_id'), ['mandat_id'], unique=False)

    op.create_table('mandat_categorie',
    sa.Column('mandat_id', sa.Integer(), nullable=False),
    sa.Column('categorie', sa.String(length=20), nullable=False),
    sa.Column('rang', sa.Integer(), nullable=False),
    sa.Column('revoquee_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revocation_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("categorie IN ('papiers', 'famille', 'social', 'travail', 'logement', 'transports', 'argent', 'justice', 'etranger', 'loisirs')", name=op.f('ck_mandat_categorie_categorie_connue')),
    sa.ForeignKeyConstraint(['mandat_id'], ['mandat.id'], name=op.f('fk_mandat_categorie_mandat_id_mandat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revocation_id'], ['mandat_revocation.id'], name=op.f('fk_mandat_categorie_revocation_id_mandat_revocation')),
    sa.PrimaryKeyConstraint('mandat_id', 'categorie', name=op.f('pk_mandat_categorie'))
    )
    with op.batch_alter_table('mandat_categorie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mandat_categorie_categorie'), ['categorie'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mandat_categorie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mandat_categorie_categorie'))

    op.drop_table('mandat_categorie')
    with op.batch_alter_table('mandat_revocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mandat_revocation_mandat_id'))

    op.drop_table('mandat_revocation')
    with op.batch_alter_table('mandat', schema=None) as batch_op:
        batch_op.drop_index('ix_mandat_structure_fin')
        batch_op.drop_index('ix_mandat_structure_beneficiaire')
        batch_op.drop_index(batch_op.f('ix_mandat_beneficiaire_id'))

    op.drop_table('mandat')
    op.drop_table('structure_categorie_mandat')
