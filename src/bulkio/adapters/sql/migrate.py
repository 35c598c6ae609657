"""Alembic, run from Python: the schema of a PostgreSQL (or SQLite) database brought to head.

The scripts live at the top of the repository (`migrations/`) and ship inside the wheel as the
package `bulkio.migrations`; `importlib.resources` finds them in a checkout and in an installed
wheel alike.
"""

from __future__ import annotations

from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from bulkio.domain.errors import SchemaMissing, Unavailable


def migrations_dir() -> str:
    """The folder of the Alembic scripts (`bulkio.migrations`), as a path."""
    return str(files("bulkio.migrations"))


def alembic_config(url: str) -> Config:
    """An Alembic configuration for `url` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", migrations_dir())
    # Passed as an attribute, not an option: ini interpolation would mangle a '%' in a password.
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at `url` down to `revision`."""
    command.downgrade(alembic_config(url), revision)


def check_schema(engine: sa.Engine) -> None:
    """Raise `SchemaMissing` when the database has no bulkio schema or an older one than this
    bulkio's migrations (a newer one is accepted: its migrations ran from a newer release), and
    `Unavailable` when it does not answer."""
    where = engine.url.render_as_string(hide_password=True).split("@")[-1]
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.DBAPIError as err:
        reason = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
        raise Unavailable(f"the database {where} does not answer: {reason}") from err
    if not current:
        raise SchemaMissing(f"the database {where} has no bulkio schema: run `bulkio migrate`")
    script = ScriptDirectory.from_config(alembic_config(""))
    heads = set(script.get_heads())
    if current == heads:
        return
    for revision in current - heads:
        try:
            script.get_revision(revision)
        except CommandError:
            return  # unknown here: a newer release migrated this database
    raise SchemaMissing(f"the database {where} has an older bulkio schema "
                        f"({', '.join(sorted(current))}): run `bulkio migrate`")
