"""Alembic environment: always run from code (core.migrate) with the application's connection."""

from alembic import context
from sqlalchemy import create_engine

import domaines  # noqa: F401 - the composition root: every domain's models, for autogenerate
from core.migrate import load_all_models

config = context.config
target_metadata = load_all_models()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line, for developers generating revisions
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _configure_and_run(conn)
        return
    _configure_and_run(connection)


def _configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_schemas=False,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
