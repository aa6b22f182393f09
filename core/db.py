"""Database engine, sessions and the declarative base shared by every domain.

SQLite (one desk) and PostgreSQL (many desks) run the same models and migrations. On SQLite,
writing sessions start with ``BEGIN IMMEDIATE`` so that two processes racing on the same rows
queue on the database lock instead of both reading stale state; reading sessions stay deferred so
that a long export never blocks a desk's writes.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core import locks, paths
from core.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseUnavailableError,
    MedianumError,
    ValidationError,
)
from core.i18n import _

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC; naive values are refused (they hide bugs)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite stores no offset: the stored value is UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_url(settings: Settings | None = None) -> str:
    """``MEDIANUM_DATABASE_URL`` if set, else the ``database_url`` setting (a shared PostgreSQL
    database), else the SQLite file in the data directory. ``settings`` defaults to the file's.

    The setting never carries a password (that lives in the keyring): one that does is refused
    rather than used, so that a hand-edited settings file cannot quietly hold a secret.
    """
    url = os.environ.get("MEDIANUM_DATABASE_URL")
    if url:
        return url
    if settings is None:
        from core.settings import load_settings

        settings = load_settings()
    configured = str(settings.get("database_url") or "").strip()
    if configured:
        try:
            has_password = make_url(configured).password is not None
        except ArgumentError:
            raise ValidationError(
                # the text is not repeated: a mistyped address may hold a password
                _(
                    "L'adresse de la base de données partagée est illisible : corrigez-la "
                    "dans le fichier {file}."
                ).format(file=paths.settings_file()),
                field="database_url",
            ) from None
        if has_password:
            raise ValidationError(
                _(
                    "L'adresse de la base de données partagée contient un mot de passe : "
                    "Médianum le refuse, le mot de passe se range dans le trousseau de clés. "
                    "Retirez-le du fichier {file}."
                ).format(file=paths.settings_file()),
                field="database_url",
            )
        return configured
    return f"sqlite:///{paths.database_file()}"


def _with_keyring_password(url: URL) -> URL:
    if url.get_backend_name() != "postgresql" or url.password is not None:
        return url
    from core import secrets

    password = secrets.get_optional(secrets.postgres_secret_name(url))
    return url.set(password=password) if password else url


def make_engine(url: str | URL, *, read_only_begin: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            future=True,
            hide_parameters=True,  # error messages reach the log: never a name or a phone
        )
        _configure_sqlite(engine, immediate=not read_only_begin)
        return engine
    parsed = _with_keyring_password(parsed)
    return create_engine(parsed, pool_pre_ping=True, future=True, hide_parameters=True)


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take control of BEGIN from the sqlite3 module (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erased personal data must not survive in free pages: never rely on the build's default.
        cursor.execute("PRAGMA secure_delete=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# SQLite primary result codes (the low byte of an extended code), as sqlite3.h numbers them.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26


def _locked_message() -> str:
    return _(
        "La base de données est occupée par un autre programme. Réessayez dans un "
        "instant ; si cela dure, fermez les autres fenêtres de Médianum."
    )


def _corrupt_message() -> str:
    return _(
        "La base de données est endommagée (le fichier est abîmé ou n'est pas une base "
        "Médianum). Rien n'a été enregistré. Fermez Médianum et restaurez la dernière "
        "sauvegarde (« db restore ») ; le détail est dans le journal technique {log}."
    ).format(log=_log_name())


def _log_name() -> str:
    try:
        return str(paths.log_file())
    except MedianumError:
        return "logs/medianum.log"


def _sqlite_error(code: int) -> MedianumError | None:
    primary = code & 0xFF
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseLockedError(_locked_message())
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return DatabaseCorruptError(_corrupt_message())
    if primary == _SQLITE_FULL:
        return DatabaseUnavailableError(
            _("Le disque est plein : libérez de la place, rien n'a été enregistré.")
        )
    if primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        return DatabaseUnavailableError(
            _(
                "Le fichier de la base de données ne peut pas être ouvert en écriture : "
                "vérifiez les droits du dossier de données et l'espace disque."
            )
        )
    if primary == _SQLITE_IOERR:
        return DatabaseUnavailableError(
            _(
                "Le disque a refusé une lecture ou une écriture de la base de données "
                "(disque plein, amovible retiré ou défaillant). Rien n'a été enregistré."
            )
        )
    return None


def _unreachable_server() -> MedianumError:
    return DatabaseUnavailableError(
        _(
            "Le serveur de base de données ne répond pas ou refuse la connexion. "
            "Vérifiez le réseau et les réglages de connexion."
        )
    )


def _postgresql_error(sqlstate: str | None, orig: BaseException) -> MedianumError | None:
    if sqlstate is None:
        # psycopg gives no SQLSTATE when no server answered at all (refused, unreachable).
        return _unreachable_server() if type(orig).__name__ == "OperationalError" else None
    if sqlstate[:2] in ("08", "28") or sqlstate in ("57P01", "57P02", "57P03"):
        return _unreachable_server()
    if sqlstate in ("40P01", "40001", "55P03"):
        return DatabaseLockedError(_locked_message())
    if sqlstate in ("XX001", "XX002"):
        return DatabaseCorruptError(_corrupt_message())
    if sqlstate in ("53100", "53200"):
        return DatabaseUnavailableError(
            _(
                "Le serveur de base de données manque de place ou de mémoire : prévenez son "
                "exploitant."
            )
        )
    if sqlstate in ("25006", "42501"):
        return DatabaseUnavailableError(
            _(
                "Le compte de connexion à la base n'a pas le droit d'écrire : prévenez son "
                "exploitant."
            )
        )
    return None


def environment_error(exc: BaseException) -> MedianumError | None:
    """The French message for a driver error that is the environment's fault, else None (a bug).

    Decided by the driver's codes (SQLite extended result codes, PostgreSQL SQLSTATE), never by
    the wording of its message, which changes with versions and languages.
    """
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if orig is None:
        return None
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        found = _sqlite_error(code)
    elif type(orig).__module__.startswith("psycopg"):
        found = _postgresql_error(getattr(orig, "sqlstate", None), orig)
    else:
        return None
    if found is not None:
        # A damaged file or a failing disk needs its details kept for whoever repairs it.
        serious = isinstance(found, DatabaseCorruptError | DatabaseUnavailableError)
        log.log(
            logging.ERROR if serious else logging.WARNING,
            "database error classified as %s (%s)",
            type(found).__name__,
            getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None),
            exc_info=exc if serious else None,
        )
    return found


def user_error_of(exc: BaseException) -> MedianumError | None:
    """The one « whose fault » decision: the French message if the user or the environment is
    at fault (a refusal, or a driver error sorted by its codes), None if it is a bug."""
    if isinstance(exc, MedianumError):
        return exc
    if isinstance(exc, DBAPIError | sqlite3.Error):
        return environment_error(exc)
    return None


def translate_database_error(exc: DBAPIError) -> Exception:
    """``exc`` turned into its French message when the environment is at fault, else ``exc``."""
    found = environment_error(exc)
    return exc if found is None else found


translate_operational_error = translate_database_error  # the name older callers use


class Database:
    """The application's database: a writing and a reading session factory on one URL."""

    def __init__(self, url: str | URL | None = None) -> None:
        self.url = make_url(url or default_url())
        self.engine = make_engine(self.url)
        if self.is_sqlite:
            self.read_engine = make_engine(self.url, read_only_begin=True)
        else:
            self.read_engine = self.engine
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._open_lock = self._declare_open()

    @property
    def sqlite_file(self) -> Path | None:
        if not self.is_sqlite or self.url.database in (None, "", ":memory:"):
            return None
        return Path(str(self.url.database))

    def _declare_open(self) -> locks.HeldLock | None:
        """Tell other processes this file is open here (a restore refuses meanwhile), and clean
        what a killed process left half-written: opening the database is the start."""
        database_file = self.sqlite_file
        if database_file is None:
            return None
        try:
            locks.clean_abandoned_partials()
            return locks.HeldLock(locks.open_locks_folder(database_file), locks.who_am_i())
        except (OSError, MedianumError):
            # An unwritable folder fails on its own, with its French message, at first use.
            log.warning("database open lock not taken", exc_info=True)
            return None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed at the end, rolled back on any error."""
        session = self._write()
        try:
            yield session
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            translated = translate_database_error(exc)
            if translated is exc:
                raise
            raise translated from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        session = self._read()
        try:
            yield session
        except DBAPIError as exc:
            translated = translate_database_error(exc)
            if translated is exc:
                raise
            raise translated from exc
        finally:
            # Closed even when the rollback fails (a connection the server dropped): otherwise
            # the connection would wait for the garbage collector, outside the pool's count.
            try:
                session.rollback()
            finally:
                session.close()

    def dispose(self) -> None:
        if self._open_lock is not None:
            self._open_lock.release()
            self._open_lock = None
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
