"""mediation: beneficiaries and needs assessments

Revision ID: mediation_0001
Revises: 
Create Date: 2026-11-23 10:01:42.297038
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'mediation_0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('mediation',)
depends_on: str | Sequence[str] | None = 'core_0001'


def upgrade() -> None:
    op.create_table('beneficiaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('anonyme', sa.Boolean(), nullable=False),
    sa.Column('nom', sa.String(length=120), nullable=True),
    sa.Column('prenom', sa.String(length=120), nullable=True),
    sa.Column('nom_cle', sa.String(length=120), nullable=True),
    sa.Column('prenom_cle', sa.String(length=120), nullable=True),
    sa.Column('annee_naissance', sa.Integer(), nullable=True),
    sa.Column('date_naissance', sa.Date(), nullable=True),
    sa.Column('genre', sa.String(length=20), nullable=False),
    sa.Column('statut', sa.String(length=40), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=True),
    sa.Column('telephone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('consentement_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consentement_agent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('derniere_activite_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('efface', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['consentement_agent_id'], ['agent.id'], name=op.f('fk_beneficiaire_consentement_agent_id_agent')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_beneficiaire_structure_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficiaire'))
    )
    with op.batch_alter_table('beneficiaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_beneficiaire_commune_insee'), ['commune_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiaire_derniere_activite_at'), ['derniere_activite_at'], unique=False)
        batch_op.create_index('ix_beneficiaire_nom_cle', ['nom_cle'], unique=False)
        batch_op.create_index('ix_beneficiaire_prenom_cle', ['prenom_cle'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiaire_structure_id'), ['structure_id'], unique=False)

    op.create_table('diagnostic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiaire_id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('equipement', sa.JSON(), nullable=False),
    sa.Column('connexion_domicile', sa.Boolean(), nullable=True),
    sa.Column('usages', sa.JSON(), nullable=False),
    sa.Column('thematiques', sa.JSON(), nullable=False),
    sa.Column('autonomie', sa.String(length=60), nullable=True),
    sa.Column('aide_entourage', sa.Boolean(), nullable=True),
    sa.Column('abc_diag_score', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_diagnostic_agent_id_agent')),
    sa.ForeignKeyConstraint(['beneficiaire_id'], ['beneficiaire.id'], name=op.f('fk_diagnostic_beneficiaire_id_beneficiaire')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_diagnostic_structure_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diagnostic'))
    )
    with op.batch_alter_table('diagnostic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diagnostic_beneficiaire_id'), ['beneficiaire_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('diagnostic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diagnostic_beneficiaire_id'))

    op.drop_table('diagnostic')
    with op.batch_alter_table('beneficiaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiaire_structure_id'))
        batch_op.drop_index('ix_beneficiaire_prenom_cle')
        batch_op.drop_index('ix_beneficiaire_nom_cle')
        batch_op.drop_index(batch_op.f('ix_beneficiaire_derniere_activite_at'))
        batch_op.drop_index(batch_op.f('ix_beneficiaire_commune_insee'))

    op.drop_table('beneficiaire')
