"""The desks' least-privilege PostgreSQL role: created by `db role-applicatif` as the owner, it
signs in and records like any desk, and is refused TRUNCATE, DELETE and UPDATE on the journal and
on validated settlements, and dropping the triggers that guard them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

import main
from core.auth import Actor, authenticate, create_structure
from core.db import Database
from core.models import AuditEntry, Role
from mediation.accompagnements import record_accompagnement
from tests.conftest import PG_SKIP_REASON, PG_URL
from tests.mediation.dossier_data import TODAY, add_person, individual

PASSWORD = "un-mot-de-passe-de-role"

postgresql_only = pytest.mark.parametrize(
    "engine_name",
    [pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON))],
)


@pytest.fixture
def role_name() -> Iterator[str]:
    """Roles belong to the whole server, shared by several engineers: a unique name, dropped."""
    name = f"medianum_app_{uuid.uuid4().hex[:10]}"
    yield name
    engine = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}):
            for (database,) in conn.execute(text("SELECT datname FROM pg_database")):
                if database.startswith("medianum_t_"):
                    sub = create_engine(
                        make_url(PG_URL).set(database=database), isolation_level="AUTOCOMMIT"
                    )
                    try:
                        with sub.connect() as c:
                            c.execute(text(f'DROP OWNED BY "{name}"'))
                    except DBAPIError:
                        pass  # a database dropped meanwhile by its own test
                    sub.dispose()
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    engine.dispose()


def _create_role(db: Database, name: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MEDIANUM_AGENT", "admin")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    monkeypatch.setenv("MEDIANUM_NEW_PASSWORD", PASSWORD)
    assert main.main(["db", "role-applicatif", "--nom", name]) == 0
    return create_engine(db.url.set(username=name, password=PASSWORD))


def _sqlstate(engine: Engine, statement: str) -> str | None:
    with pytest.raises(DBAPIError) as raised, engine.begin() as conn:
        conn.execute(text(statement))
    return getattr(raised.value.orig, "sqlstate", None)


@postgresql_only
def test_the_application_role_works_at_the_desk_and_cannot_shorten_the_journal_or_settlements(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
    role_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with db.session() as s:
        structure = create_structure(s, admin, "Médiathèque (test)").id
    make_agent((Role.MEDIATEUR, structure), login="sacha")
    app_engine = _create_role(db, role_name, monkeypatch)
    assert role_name in capsys.readouterr().out
    desk = Database(db.url.set(username=role_name, password=PASSWORD))
    try:
        with desk.read_session() as s:
            assert s.scalar(text("SELECT current_user")) == role_name
            before = s.scalar(select(func.count()).select_from(AuditEntry))
        # Normal desk work, as the role: sign in (row lock, counters, journal), then record.
        with desk.session() as s:
            sacha = authenticate(s, "sacha", "mot-de-passe-solide", structure)
        person_id = add_person(desk, sacha)
        with desk.session() as s:
            record_accompagnement(s, sacha, individual(person_id), today=TODAY)
        with desk.read_session() as s:
            assert s.scalar(select(func.count()).select_from(AuditEntry)) >= before + 3
    finally:
        desk.dispose()

    # Refused by the server's rights (42501), before any trigger is even reached.
    for statement in (
        "TRUNCATE audit_entry",
        "DELETE FROM audit_entry",
        "UPDATE audit_entry SET action = 'x'",
        "TRUNCATE pass_reglement CASCADE",
        "DELETE FROM pass_reglement",
        "UPDATE pass_reglement SET nombre = 0",
        "TRUNCATE beneficiaire CASCADE",
        "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
        "DELETE FROM alembic_version",
    ):
        assert _sqlstate(app_engine, statement) == "42501", statement
    app_engine.dispose()


@postgresql_only
def test_db_upgrade_reapplies_the_role_s_rights_to_a_table_added_since(
    db: Database,
    admin: Actor,
    role_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app_engine = _create_role(db, role_name, monkeypatch)
    with db.engine.begin() as conn:  # what a later migration does: a new table, owner's rights
        conn.execute(text("CREATE TABLE essai_nouvelle (id integer)"))
    assert _sqlstate(app_engine, "INSERT INTO essai_nouvelle VALUES (1)") == "42501"
    capsys.readouterr()
    assert main.main(["db", "upgrade"]) == 0
    assert role_name in capsys.readouterr().out
    with app_engine.begin() as conn:
        conn.execute(text("INSERT INTO essai_nouvelle VALUES (1)"))
    assert _sqlstate(app_engine, "TRUNCATE essai_nouvelle") == "42501"
    app_engine.dispose()


def test_a_sqlite_database_has_no_role_to_create(
    medianum_home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEDIANUM_NEW_PASSWORD", PASSWORD)
    assert main.main(["db", "role-applicatif"]) == 1
    err = capsys.readouterr().err
    assert "PostgreSQL" in err


def test_a_role_name_that_could_inject_sql_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from core.errors import ValidationError
    from core.role_applicatif import checked_role_name

    with pytest.raises(ValidationError, match="Nom de rôle refusé"):
        checked_role_name('app"; DROP TABLE audit_entry; --')
