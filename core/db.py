"""Database engine, sessions and the declarative base shared by every domain.

SQLite (one desk) and PostgreSQL (many desks) run the same models and migrations. On SQLite,
writing sessions start with ``BEGIN IMMEDIATE`` so that two processes racing on the same rows
queue on the database lock instead of both reading stale state; reading sessions stay deferred so
that a long export never blocks a desk's writes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core import paths
from core.errors import DatabaseLockedError, DatabaseUnavailableError, ValidationError
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
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, future=True
        )
        _configure_sqlite(engine, immediate=not read_only_begin)
        return engine
    parsed = _with_keyring_password(parsed)
    return create_engine(parsed, pool_pre_ping=True, future=True)


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


def translate_operational_error(exc: OperationalError) -> Exception:
    """Turn a driver error that is the environment's fault into a French message."""
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLockedError(
            _(
                "La base de données est occupée par un autre programme. Réessayez dans un "
                "instant ; si cela dure, fermez les autres fenêtres de Médianum."
            )
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return DatabaseUnavailableError(
            _("Le fichier de la base de données ne peut pas être ouvert en écriture.")
        )
    if "disk" in text and "full" in text:
        return DatabaseUnavailableError(
            _("Le disque est plein : libérez de la place, rien n'a été enregistré.")
        )
    if "connection" in text or "could not connect" in text or "password" in text:
        return DatabaseUnavailableError(
            _(
                "Le serveur de base de données ne répond pas ou refuse la connexion. "
                "Vérifiez le réseau et les réglages de connexion."
            )
        )
    return exc


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
        except OperationalError as exc:
            session.rollback()
            translated = translate_operational_error(exc)
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
        except OperationalError as exc:
            translated = translate_operational_error(exc)
            if translated is exc:
                raise
            raise translated from exc
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
