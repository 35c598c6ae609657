"""Files in a local folder: the embedded twin of S3 storage."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from bulkio.domain.errors import InvalidRequest, NotFound, Unavailable


class LocalFileStorage:
    """Keys are paths under `root`; every put lands atomically (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write the file from a stream of chunks; returns its size."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Same folder as the target, so the final rename is atomic on one filesystem.
            fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        except OSError as err:
            raise Unavailable(f"cannot write under {self._root}: {err.strerror}") from err
        try:
            size = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += _write(out, chunk)
                _sync(out)
            _rename(temp_name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        return size

    def open_reader(self, key: str) -> BinaryIO:
        """A binary stream of the file (`NotFound` if there is none)."""
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as err:
            raise NotFound(f"no file {key!r}") from err
        except OSError as err:
            raise Unavailable(f"cannot read {key!r}: {err.strerror}") from err

    def size(self, key: str) -> int:
        """Size in bytes (`NotFound` if there is none)."""
        path = self._path(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError) as err:
            raise NotFound(f"no file {key!r}") from err
        except OSError as err:
            raise Unavailable(f"cannot stat {key!r}: {err.strerror}") from err
        if not path.is_file():
            raise NotFound(f"no file {key!r}")
        return stat.st_size

    def download_url(self, key: str, expires_in: int) -> str | None:
        """Always None: the API streams local files itself."""
        return None

    def delete(self, key: str) -> None:
        """Remove the file if it exists."""
        try:
            self._path(key).unlink(missing_ok=True)
        except NotADirectoryError:
            return
        except OSError as err:
            raise Unavailable(f"cannot delete {key!r}: {err.strerror}") from err

    def ping(self) -> None:
        """Raise `Unavailable` unless the folder exists (or can be made) and is writable."""
        try:
            self._root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self._root):
                pass
        except OSError as err:
            raise Unavailable(f"storage folder {self._root} is not writable: {err.strerror}") from err

    def prepare(self) -> None:
        """Create the folder (and its parents) if missing."""
        try:
            self._root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise Unavailable(f"cannot create storage folder {self._root}: {err.strerror}") from err

    def _path(self, key: str) -> Path:
        """The file for `key`, refusing keys that would land outside the root."""
        relative = PurePosixPath(key)
        if (
            not relative.parts
            or "\x00" in key
            or "\\" in key
            or relative.is_absolute()
            or ".." in relative.parts
        ):
            raise InvalidRequest(f"invalid storage key {key!r}")
        path = self._root.joinpath(*relative.parts)
        # A symlink inside the root could still point outside it.
        if not path.resolve().is_relative_to(self._root.resolve()):
            raise InvalidRequest(f"invalid storage key {key!r}")
        return path


def _write(out: BinaryIO, chunk: bytes) -> int:
    try:
        return out.write(chunk)
    except OSError as err:
        raise Unavailable(f"cannot write file: {err.strerror}") from err


def _sync(out: BinaryIO) -> None:
    try:
        out.flush()
        os.fsync(out.fileno())
    except OSError as err:
        raise Unavailable(f"cannot write file: {err.strerror}") from err


def _rename(temp_name: str, path: Path) -> None:
    try:
        os.replace(temp_name, path)
    except OSError as err:
        raise Unavailable(f"cannot move file into place: {err.strerror}") from err
