"""mediation: pre-aggregates of the statistics (stat_activite_jour, _mois, stat_presence)

Derived from the accompaniments, their link tables and participations, and backfilled here from
them; from then on ``mediation.agregats`` keeps them exact in each writer's transaction. The
backfill is SQL frozen at this revision (the same counts as ``agregats.reconstruire``: a test
compares them), not a call into the application, whose code may change later.

Revision ID: mediation_0003
Revises: mediation_0002
Create Date: 2026-11-30 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mediation_0003"
down_revision: str | None = "mediation_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CELL = "a.date, a.structure_id, a.agent_id"

# (dimension, value expression, measure, extra FROM) — one grouped INSERT … SELECT each.
_DIMENSIONS = (
    ("activites", "''", "count(*)", ""),
    ("duree_totale", "''", "sum(a.duree_min)", ""),
    ("type", "a.type", "count(*)", ""),
    ("lieu_type", "a.lieu_type", "count(*)", ""),
    (
        "duree",
        "CASE WHEN a.duree_min < 30 THEN 'Moins de 30 min' WHEN a.duree_min < 60 THEN "
        "'30min à 1 h' WHEN a.duree_min < 120 THEN '1 h à 2 h' ELSE '2 h et plus' END",
        "count(*)",
        "",
    ),
    (
        "thematique",
        "l.thematique",
        "count(*)",
        "JOIN accompagnement_thematique l ON l.accompagnement_id = a.id",
    ),
    (
        "materiel",
        "l.materiel",
        "count(*)",
        "JOIN accompagnement_materiel l ON l.accompagnement_id = a.id",
    ),
    (
        "nommes",
        "''",
        "count(*)",
        "JOIN accompagnement_participant l ON l.accompagnement_id = a.id",
    ),
    *(
        (
            f"anonymes_{column.replace('tranche_age', 'tranche')}",
            f"l.{column}",
            "sum(l.nombre)",
            "JOIN participants_anonymes l ON l.accompagnement_id = a.id",
        )
        for column in ("genre", "tranche_age", "statut")
    ),
)

_JSON_ELEMENTS = {
    "sqlite": "JOIN json_each(a.sous_themes_admin) j",
    "postgresql": "CROSS JOIN LATERAL json_array_elements_text(a.sous_themes_admin) AS j(value)",
}


_MONTH = {
    "sqlite": "date(jour, 'start of month')",
    "postgresql": "CAST(date_trunc('month', jour) AS date)",
}


def _backfill() -> None:
    insert = (
        "INSERT INTO stat_activite_jour (jour, structure_id, agent_id, dimension, valeur, nombre) "
    )
    for dimension, value, measure, joins in _DIMENSIONS:
        # PostgreSQL refuses a constant in GROUP BY: a dimension without value groups by cell.
        group = _CELL if value == "''" else f"{_CELL}, {value}"
        op.execute(
            f"{insert} SELECT {_CELL}, '{dimension}', {value}, {measure} "
            f"FROM accompagnement a {joins} GROUP BY {group}"
        )
    # A sub-theme listed twice on one activity counts it once.
    elements = _JSON_ELEMENTS[op.get_bind().dialect.name]
    op.execute(
        f"{insert} SELECT {_CELL}, 'sous_theme', j.value, count(DISTINCT a.id) "
        f"FROM accompagnement a {elements} GROUP BY {_CELL}, j.value"
    )
    # Months: their days summed.
    month = _MONTH[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO stat_activite_mois "
        "(mois, structure_id, agent_id, dimension, valeur, nombre) "
        f"SELECT {month}, structure_id, agent_id, dimension, valeur, sum(nombre) "
        f"FROM stat_activite_jour GROUP BY {month}, structure_id, agent_id, dimension, valeur"
    )
    op.execute(
        "INSERT INTO stat_presence (beneficiaire_id, jour, structure_id, agent_id) "
        f"SELECT DISTINCT p.beneficiaire_id, {_CELL} FROM accompagnement_participant p "
        "JOIN accompagnement a ON a.id = p.accompagnement_id"
    )


def upgrade() -> None:
    op.create_table(
        "stat_activite_jour",
        sa.Column("jour", sa.Date(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("valeur", sa.String(length=200), nullable=False),
        sa.Column("nombre", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "jour",
            "structure_id",
            "agent_id",
            "dimension",
            "valeur",
            name=op.f("pk_stat_activite_jour"),
        ),
    )
    op.create_table(
        "stat_activite_mois",
        sa.Column("mois", sa.Date(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("valeur", sa.String(length=200), nullable=False),
        sa.Column("nombre", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "mois", "structure_id", "agent_id", "dimension", "valeur",
            name=op.f("pk_stat_activite_mois"),
        ),
    )
    op.create_table(
        "stat_presence",
        sa.Column("beneficiaire_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("jour", sa.Date(), nullable=False),
        sa.Column("structure_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agent_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "beneficiaire_id", "jour", "structure_id", "agent_id", name=op.f("pk_stat_presence")
        ),
        sqlite_with_rowid=False,
    )
    _backfill()
    # Indexed after the backfill: one index build each instead of an update per row.
    op.create_index(
        "ix_stat_activite_jour_structure", "stat_activite_jour", ["structure_id", "jour"]
    )
    op.create_index("ix_stat_activite_jour_agent", "stat_activite_jour", ["agent_id", "jour"])
    op.create_index("ix_stat_activite_mois_structure", "stat_activite_mois", ["structure_id", "mois"])
    op.create_index("ix_stat_activite_mois_agent", "stat_activite_mois", ["agent_id", "mois"])
    op.create_index(
        "ix_stat_presence_jour",
        "stat_presence",
        ["jour", "structure_id", "agent_id", "beneficiaire_id"],
    )


def downgrade() -> None:
    op.drop_table("stat_presence")
    op.drop_table("stat_activite_mois")
    op.drop_table("stat_activite_jour")
