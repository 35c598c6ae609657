"""The settings of one `bulkio` command, read from the environment once, when first needed
(so `bulkio --help` works whatever the environment holds)."""

from __future__ import annotations

import click

from bulkio.config import Settings, from_env


def settings() -> Settings:
    """This command's settings; raises `InvalidSettings` listing every bad variable."""
    root = click.get_current_context().find_root()
    if not isinstance(root.obj, Settings):
        root.obj = from_env()
    return root.obj
