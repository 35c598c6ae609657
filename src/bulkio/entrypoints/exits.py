"""The `bulkio` command's exit codes, and the one place that turns an error into one of them.

Every user mistake ends in one line on standard error, `Error: …`, and a documented exit code
(the README's CLI section lists them); never a traceback.
"""

from __future__ import annotations

from enum import IntEnum

import click

from bulkio.domain import errors


class ExitCode(IntEnum):
    """What a script can branch on after `bulkio …`."""

    OK = 0
    JOB_FAILED = 1  # the job ended failed or cancelled; `validate`: some row is invalid
    USAGE = 2  # a wrong option, choice, argument or request (unknown resource, field, filter)
    NOT_FOUND = 3  # no job with that id
    CONFLICT = 4  # the job cannot do that in its state (e.g. cancel an ended job)
    SETTINGS = 5  # an environment variable is wrong (every bad one is listed)
    UNAVAILABLE = 6  # database, storage or queue unreachable, or the schema missing
    FILE = 7  # a local file cannot be read or written
    STILL_RUNNING = 8  # `--timeout` ran out: the job goes on (`bulkio jobs show ID`)
    EVERY_ROW_FAILED = 9  # the job completed, but it had rows and every one of them failed
    INTERRUPTED = 130  # Ctrl-C while waiting: the job goes on


# Walked along the error's class hierarchy: the most specific entry wins.
_CODES: dict[type[BaseException], ExitCode] = {
    errors.InvalidRequest: ExitCode.USAGE,
    errors.NotFound: ExitCode.NOT_FOUND,
    errors.Conflict: ExitCode.CONFLICT,
    errors.InvalidSettings: ExitCode.SETTINGS,
    errors.Unavailable: ExitCode.UNAVAILABLE,
    errors.SourceUnreadable: ExitCode.FILE,
    OSError: ExitCode.FILE,
    click.UsageError: ExitCode.USAGE,
    click.BadParameter: ExitCode.USAGE,
}


def exit_code(error: BaseException) -> ExitCode:
    """The exit code of an error the command ends with (JOB_FAILED when none is closer)."""
    for cls in type(error).__mro__:
        if cls in _CODES:
            return _CODES[cls]
    return ExitCode.JOB_FAILED


def one_line(error: BaseException) -> str:
    """The error as one line for standard error, without a traceback."""
    if isinstance(error, click.ClickException):
        text = error.format_message()
    elif isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        text = f"{error.strerror}{where}"
    else:
        text = str(error) or error.__class__.__name__
    return "Error: " + " ".join(text.split())


__all__ = ["ExitCode", "exit_code", "one_line"]
