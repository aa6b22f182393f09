"""A least-privilege PostgreSQL role for the desks of a shared database.

The role that runs the migrations owns the tables: it may drop the triggers that keep the journal
append-only and the settlements frozen, and TRUNCATE anything. The desks need none of that. This
role may read and write the working tables, only add to the journal (``audit_entry``) and to the
validated settlements (``pass_reglement``), never TRUNCATE, and owns nothing, so it cannot remove
a trigger either. ``db role-applicatif`` creates it (or brings it up to date) as the owner;
``db upgrade`` re-applies its rights after each migration, since a new table gets the default
rights only.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.errors import MedianumError, ValidationError
from core.i18n import _
from core.permissions import Actor, Permission, require

SETTING_KEY = "role_applicatif"
# Append-only for the desks: lines are added, never changed nor removed.
APPEND_ONLY_TABLES = ("audit_entry", "pass_reglement")
# Read by the desks to know the schema; written only by the migrations.
READ_ONLY_TABLES = ("alembic_version",)
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def checked_role_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise ValidationError(
            _(
                "Nom de rôle refusé : lettres minuscules sans accent, chiffres et « _ », "
                "63 caractères au plus, sans commencer par un chiffre."
            ),
            field="nom",
        )
    return name


def _quote_literal(value: str) -> str:
    # PostgreSQL takes no bound parameter in CREATE/ALTER ROLE: the password is a quoted literal
    # (standard_conforming_strings is on since PostgreSQL 9.1: only the quote is special).
    return "'" + value.replace("'", "''") + "'"


def _owns_tables(conn: Connection) -> bool:
    owner = conn.scalar(
        text(
            "SELECT pg_get_userbyid(c.relowner) FROM pg_class c "
            "WHERE c.oid = to_regclass('audit_entry')"
        )
    )
    return owner is not None and owner == conn.scalar(text("SELECT current_user"))


def apply_application_role(conn: Connection, name: str, password: str | None = None) -> None:
    """Create the role if needed, set its password if given, and (re)grant exactly its rights on
    every table of the current schema. Run as the owner of the tables, in ``conn``'s
    transaction."""
    if conn.dialect.name != "postgresql":
        raise MedianumError(
            _(
                "Le rôle applicatif concerne une base PostgreSQL partagée ; une base SQLite "
                "n'a pas de rôles."
            )
        )
    name = checked_role_name(name)
    me = conn.scalar(text("SELECT current_user"))
    if not _owns_tables(conn):
        raise MedianumError(
            _(
                "Le rôle applicatif se crée avec le rôle propriétaire des tables (celui qui a "
                "installé et mis à jour la base), pas avec « {me} »."
            ).format(me=me)
        )
    if name == me:
        raise ValidationError(
            _("Le rôle applicatif doit être distinct du rôle propriétaire des tables."),
            field="nom",
        )
    role = f'"{name}"'
    exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    if not exists:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"))
    if password:
        conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {_quote_literal(password)}")
    database = conn.scalar(text("SELECT current_database()"))
    schema = conn.scalar(text("SELECT current_schema()"))
    conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
    conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
    conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}'))
    conn.execute(
        text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
    )
    for table in APPEND_ONLY_TABLES:
        conn.execute(text(f'REVOKE UPDATE, DELETE ON "{schema}"."{table}" FROM {role}'))
    for table in READ_ONLY_TABLES:
        conn.execute(text(f'REVOKE INSERT, UPDATE, DELETE ON "{schema}"."{table}" FROM {role}'))
    conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}'))
    # TRUNCATE, REFERENCES and TRIGGER are never granted; PUBLIC gets nothing on the tables by
    # default, and the role owns nothing, so it can neither drop nor disable a trigger.


def create_application_role(
    session: Session, actor: Actor, name: str, password: str | None = None
) -> str:
    """The use case behind ``db role-applicatif``: administrators only, journalled, the role's
    name remembered so that ``db upgrade`` re-applies its rights to the tables it adds."""
    from core import journal_actions
    from core.installation import put_setting

    require(actor, Permission.ADMINISTRER)
    name = checked_role_name(name)
    apply_application_role(session.connection(), name, password)
    put_setting(session, SETTING_KEY, name)
    journal_actions.role_applicatif(session, actor, nom=name, mot_de_passe=bool(password))
    return name


def reapply_after_upgrade(session: Session) -> str | None:
    """After a migration, on PostgreSQL: the recorded role's rights on every table, new ones
    included. Returns the role's name, or None when no role was created."""
    from core.installation import get_setting

    if session.get_bind().dialect.name != "postgresql":
        return None
    name = get_setting(session, SETTING_KEY)
    if not name or not _owns_tables(session.connection()):
        return None  # a desk connected as the role itself changes nothing
    apply_application_role(session.connection(), str(name))
    return str(name)
