"""mediation: beneficiaries, needs assessments, accompaniments

Revision ID: mediation_0001
Revises: 
Create Date: 2026-11-23 10:03:18.114427
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
    op.create_table('accompagnement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('duree_min', sa.Integer(), nullable=False),
    sa.Column('lieu_type', sa.String(length=40), nullable=False),
    sa.Column('lieu_nom', sa.String(length=200), nullable=True),
    sa.Column('sous_themes_admin', sa.JSON(), nullable=False),
    sa.Column('demarche_nom', sa.String(length=200), nullable=True),
    sa.Column('autonomie', sa.String(length=60), nullable=True),
    sa.Column('oriente', sa.Boolean(), nullable=False),
    sa.Column('orientation', sa.String(length=200), nullable=True),
    sa.Column('atelier_titre', sa.String(length=200), nullable=True),
    sa.Column('atelier_niveau', sa.String(length=20), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duree_min > 0', name=op.f('ck_accompagnement_duree_positive')),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_accompagnement_agent_id_agent')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_accompagnement_structure_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accompagnement'))
    )
    with op.batch_alter_table('accompagnement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accompagnement_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index('ix_accompagnement_date', ['date'], unique=False)
        batch_op.create_index('ix_accompagnement_structure_date', ['structure_id', 'date'], unique=False)

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
    sa.Column('tranche_age_declaree', sa.String(length=30), nullable=True),
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
        batch_op.create_index('ix_beneficiaire_email', ['email'], unique=False)
        batch_op.create_index('ix_beneficiaire_nom_cle', ['nom_cle', 'prenom_cle', 'id', 'structure_id', 'efface'], unique=False)
        batch_op.create_index('ix_beneficiaire_prenom_cle', ['prenom_cle', 'nom_cle', 'id', 'structure_id', 'efface'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiaire_structure_id'), ['structure_id'], unique=False)
        batch_op.create_index('ix_beneficiaire_telephone', ['telephone'], unique=False)

    op.create_table('accompagnement_materiel',
    sa.Column('accompagnement_id', sa.Integer(), nullable=False),
    sa.Column('materiel', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['accompagnement_id'], ['accompagnement.id'], name=op.f('fk_accompagnement_materiel_accompagnement_id_accompagnement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('accompagnement_id', 'materiel', name=op.f('pk_accompagnement_materiel'))
    )
    op.create_table('accompagnement_participant',
    sa.Column('accompagnement_id', sa.Integer(), nullable=False),
    sa.Column('beneficiaire_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accompagnement_id'], ['accompagnement.id'], name=op.f('fk_accompagnement_participant_accompagnement_id_accompagnement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['beneficiaire_id'], ['beneficiaire.id'], name=op.f('fk_accompagnement_participant_beneficiaire_id_beneficiaire')),
    sa.PrimaryKeyConstraint('accompagnement_id', 'beneficiaire_id', name=op.f('pk_accompagnement_participant'))
    )
    with op.batch_alter_table('accompagnement_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accompagnement_participant_beneficiaire_id'), ['beneficiaire_id'], unique=False)

    op.create_table('accompagnement_thematique',
    sa.Column('accompagnement_id', sa.Integer(), nullable=False),
    sa.Column('thematique', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['accompagnement_id'], ['accompagnement.id'], name=op.f('fk_accompagnement_thematique_accompagnement_id_accompagnement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('accompagnement_id', 'thematique', name=op.f('pk_accompagnement_thematique'))
    )
    with op.batch_alter_table('accompagnement_thematique', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accompagnement_thematique_thematique'), ['thematique'], unique=False)

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

    op.create_table('participants_anonymes',
    sa.Column('accompagnement_id', sa.Integer(), nullable=False),
    sa.Column('genre', sa.String(length=20), nullable=False),
    sa.Column('tranche_age', sa.String(length=30), nullable=False),
    sa.Column('statut', sa.String(length=40), nullable=False),
    sa.Column('nombre', sa.Integer(), nullable=False),
    sa.CheckConstraint('nombre > 0', name=op.f('ck_participants_anonymes_nombre_positif')),
    sa.ForeignKeyConstraint(['accompagnement_id'], ['accompagnement.id'], name=op.f('fk_participants_anonymes_accompagnement_id_accompagnement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('accompagnement_id', 'genre', 'tranche_age', 'statut', name=op.f('pk_participants_anonymes'))
    )


def downgrade() -> None:
    op.drop_table('participants_anonymes')
    with op.batch_alter_table('diagnostic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diagnostic_beneficiaire_id'))

    op.drop_table('diagnostic')
    with op.batch_alter_table('accompagnement_thematique', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accompagnement_thematique_thematique'))

    op.drop_table('accompagnement_thematique')
    with op.batch_alter_table('accompagnement_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accompagnement_participant_beneficiaire_id'))

    op.drop_table('accompagnement_participant')
    op.drop_table('accompagnement_materiel')
    with op.batch_alter_table('beneficiaire', schema=None) as batch_op:
        batch_op.drop_index('ix_beneficiaire_telephone')
        batch_op.drop_index(batch_op.f('ix_beneficiaire_structure_id'))
        batch_op.drop_index('ix_beneficiaire_prenom_cle')
        batch_op.drop_index('ix_beneficiaire_nom_cle')
        batch_op.drop_index('ix_beneficiaire_email')
        batch_op.drop_index(batch_op.f('ix_beneficiaire_derniere_activite_at'))
        batch_op.drop_index(batch_op.f('ix_beneficiaire_commune_insee'))

    op.drop_table('beneficiaire')
    with op.batch_alter_table('accompagnement', schema=None) as batch_op:
        batch_op.drop_index('ix_accompagnement_structure_date')
        batch_op.drop_index('ix_accompagnement_date')
        batch_op.drop_index(batch_op.f('ix_accompagnement_agent_id'))

    op.drop_table('accompagnement')
