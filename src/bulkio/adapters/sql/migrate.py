"""Alembic, run from Python: the schema of a PostgreSQL (or SQLite) database brought to head.

The scripts live at the top of the repository (`migrations/`) and ship inside the wheel as the
package `bulkio.migrations`; `importlib.resources` finds them in a checkout and in an installed
wheel alike.

Alembic (with Mako and Pygments behind it) loads only to migrate, or when a database's schema
is not this release's head: every process checks the schema at start-up, and the CLI's
start-up is part of every command's time.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bulkio.adapters.sql.failures import headline
from bulkio.domain.errors import SchemaMissing, Unavailable

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r'^(down_revision|revision)\b[^=]*=\s*["\']?([^"\'\s]+)', re.MULTILINE)


def migrations_dir() -> str:
    """The folder of the Alembic scripts (`bulkio.migrations`), as a path."""
    return str(files("bulkio.migrations"))


def alembic_config(url: str) -> Config:
    """An Alembic configuration for `url` that needs no alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", migrations_dir())
    # Passed as an attribute, not an option: ini interpolation would mangle a '%' in a password.
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at `url` down to `revision`."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def check_schema(engine: sa.Engine) -> None:
    """Raise `SchemaMissing` when the database has no bulkio schema or an older one than this
    bulkio's migrations (a newer one is accepted: its migrations ran from a newer release), and
    `Unavailable` when it does not answer."""
    where = engine.url.render_as_string(hide_password=True).split("@")[-1]
    try:
        with engine.connect() as conn:
            current = _current_heads(conn)
    except sa.exc.DBAPIError as err:
        raise Unavailable(f"the database {where} does not answer: {headline(err)}") from err
    if not current:
        raise SchemaMissing(f"the database {where} has no bulkio schema: run `bulkio migrate`")
    if current == script_heads():
        return  # the usual case, answered without loading Alembic
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

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


def _current_heads(conn: sa.Connection) -> set[str]:
    """The revisions the database says it is at (Alembic's `alembic_version` table)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return set()
    return set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())


def script_heads() -> set[str]:
    """The revisions no script builds on, read from the scripts' `revision` and
    `down_revision` lines (an empty set when a script declares them otherwise: then Alembic
    decides)."""
    revisions: set[str] = set()
    below: set[str] = set()
    for script in (files("bulkio.migrations") / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("__"):
            continue
        found = dict(_REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            return set()
        revisions.add(found["revision"])
        if found.get("down_revision") not in (None, "None"):
            below.add(found["down_revision"])
    return revisions - below
