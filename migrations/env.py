"""Alembic environment: migrates the database named by `-x url=`, DATABASE_URL or the config."""

from __future__ import annotations

import os
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

from bulkio.adapters.sql.engine import create_engine_for
from bulkio.adapters.sql.tables import metadata

config = context.config
target_metadata = metadata

# Any fixed number works; every bulkio process that migrates takes the same lock.
MIGRATION_LOCK = 0x62756C6B696F


def database_url() -> str:
    url = (
        config.attributes.get("url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError("no database URL: pass -x url=..., or set DATABASE_URL")
    return url


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine_for(database_url())
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    # Workers starting together must not race to create the same tables:
                    # the second one waits, then finds the schema at head.
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
                context.run_migrations()
    finally:
        engine.dispose()


if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
