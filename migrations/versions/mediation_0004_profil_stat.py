"""mediation: each person's statistical profile as one integer kept by a trigger (stat_profil)

The statistics count the distinct people of a period by genre, age band, statut and commune.
Grouping 200,000 people by those texts cost seconds on SQLite; grouping them by one integer read
from a narrow index costs a fraction of it. ``beneficiaire.profil_stat`` points to the row of
``stat_profil`` holding the person's (genre, statut, commune, birth year, declared band,
anonymous). A database trigger sets it on every insert and on every change of one of those
columns, in the writer's statement, whatever writes them (the use cases, the import's bulk
insert, the demo, an erasure): no write path can forget it.

``stat_profil.cle`` spells a profile unambiguously (each text prefixed by its length, ``-`` for
none, the birth year as digits, the anonymous flag as 0/1) and is unique: the trigger inserts the
profile if it is new (``ON CONFLICT DO NOTHING``) and reads its number back.

Revision ID: mediation_0004
Revises: mediation_0003
Create Date: 2026-11-30 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mediation_0004"
down_revision: str | None = "mediation_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROFIL = ("genre", "statut", "commune_insee", "annee_naissance", "tranche_age_declaree")
_TEXTES = ("genre", "statut", "commune_insee", "tranche_age_declaree")


def _cle(row: str) -> str:
    """The profile's key from ``row``'s columns (``NEW`` in a trigger, a table name otherwise),
    the same expression on SQLite and PostgreSQL."""

    def texte(column: str) -> str:
        return f"coalesce(length({row}.{column}) || ':' || {row}.{column}, '-')"

    parts = [
        texte("genre"),
        texte("statut"),
        texte("commune_insee"),
        f"coalesce(CAST({row}.annee_naissance AS TEXT), '-')",
        texte("tranche_age_declaree"),
        f"CASE WHEN {row}.anonyme THEN '1' ELSE '0' END",
    ]
    return " || '|' || ".join(parts)


def _valeurs(row: str, dialect: str) -> str:
    vrai, faux = ("true", "false") if dialect == "postgresql" else ("1", "0")
    return ", ".join(
        [_cle(row), *(f"{row}.{c}" for c in _PROFIL),
         f"CASE WHEN {row}.anonyme THEN {vrai} ELSE {faux} END"]
    )  # fmt: skip


_COLONNES = "cle, genre, statut, commune_insee, annee_naissance, tranche_age_declaree, anonyme"
_DECLENCHEURS = ", ".join((*_PROFIL, "anonyme"))


def _sqlite_triggers() -> None:
    corps = (
        f"INSERT INTO stat_profil ({_COLONNES}) VALUES ({_valeurs('NEW', 'sqlite')}) "
        "ON CONFLICT (cle) DO NOTHING; "
        "UPDATE beneficiaire SET profil_stat = "
        f"(SELECT id FROM stat_profil WHERE cle = {_cle('NEW')}) WHERE id = NEW.id;"
    )
    op.execute(
        f"CREATE TRIGGER beneficiaire_profil_stat_insert AFTER INSERT ON beneficiaire "
        f"BEGIN {corps} END"
    )
    op.execute(
        f"CREATE TRIGGER beneficiaire_profil_stat_update AFTER UPDATE OF {_DECLENCHEURS} "
        f"ON beneficiaire BEGIN {corps} END"
    )


def _postgresql_trigger() -> None:
    op.execute(
        f"""
CREATE FUNCTION beneficiaire_profil_stat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stat_profil ({_COLONNES}) VALUES ({_valeurs("NEW", "postgresql")})
    ON CONFLICT (cle) DO NOTHING;
    SELECT id INTO NEW.profil_stat FROM stat_profil WHERE cle = {_cle("NEW")};
    RETURN NEW;
END
$$
"""
    )
    op.execute(
        "CREATE TRIGGER beneficiaire_profil_stat BEFORE INSERT OR UPDATE OF "
        f"{_DECLENCHEURS} ON beneficiaire FOR EACH ROW EXECUTE FUNCTION beneficiaire_profil_stat()"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "stat_profil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cle", sa.String(length=400), nullable=False),
        sa.Column("genre", sa.String(length=20), nullable=True),
        sa.Column("statut", sa.String(length=40), nullable=True),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("annee_naissance", sa.Integer(), nullable=True),
        sa.Column("tranche_age_declaree", sa.String(length=30), nullable=True),
        sa.Column("anonyme", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_profil")),
        sa.UniqueConstraint("cle", name=op.f("uq_stat_profil_cle")),
    )
    with op.batch_alter_table("beneficiaire", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profil_stat", sa.Integer(), nullable=True))
    # Backfill: every distinct profile on file, then each person's number.
    op.execute(
        f"INSERT INTO stat_profil ({_COLONNES}) "
        f"SELECT DISTINCT {_valeurs('beneficiaire', dialect)} FROM beneficiaire"
    )
    op.execute(
        "UPDATE beneficiaire SET profil_stat = (SELECT id FROM stat_profil "
        f"WHERE stat_profil.cle = {_cle('beneficiaire')})"
    )
    op.create_index(
        "ix_beneficiaire_stat",
        "beneficiaire",
        ["id", "premier_accompagnement", "profil_stat"],
        unique=False,
    )
    if dialect == "postgresql":
        _postgresql_trigger()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER beneficiaire_profil_stat ON beneficiaire")
        op.execute("DROP FUNCTION beneficiaire_profil_stat()")
    else:
        op.execute("DROP TRIGGER beneficiaire_profil_stat_insert")
        op.execute("DROP TRIGGER beneficiaire_profil_stat_update")
    op.drop_index("ix_beneficiaire_stat", table_name="beneficiaire")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), as mediation_0002 does.
    op.drop_column("beneficiaire", "profil_stat")
    op.drop_table("stat_profil")
