"""Given steps that put a file in front of bulkio: written out, compressed, generated."""

from __future__ import annotations

import gzip
import json
import unicodedata
import uuid
from pathlib import Path

from pytest_bdd import given, parsers

from .tables import encode_records, encode_table

BOM = b"\xef\xbb\xbf"


def _format_of(name: str) -> str:
    return {"csv": "csv", "ndjson": "ndjson", "jsonl": "ndjson", "json": "json"}[
        name.removesuffix(".gz").rsplit(".", 1)[-1]]


def save(files: dict[str, Path], folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    files[name] = path
    return path


def _text(docstring: str) -> bytes:
    return (docstring + "\n").encode("utf-8")


@given(parsers.parse('a file "{name}" with:'))
def _(files: dict[str, Path], files_dir: Path, name: str, docstring: str) -> None:
    save(files, files_dir, name, _text(docstring))


@given(parsers.parse('a file "{name}" that starts with a byte order mark and holds:'))
def _(files: dict[str, Path], files_dir: Path, name: str, docstring: str) -> None:
    save(files, files_dir, name, BOM + _text(docstring))


@given(parsers.parse('a file "{name}" with Windows line endings and:'))
def _(files: dict[str, Path], files_dir: Path, name: str, docstring: str) -> None:
    save(files, files_dir, name, _text(docstring).replace(b"\n", b"\r\n"))


@given(parsers.parse('a gzip-compressed file "{name}" with:'))
def _(files: dict[str, Path], files_dir: Path, name: str, docstring: str) -> None:
    save(files, files_dir, name, gzip.compress(_text(docstring)))


@given(parsers.parse('a file "{name}" holding these records:'))
def _(files: dict[str, Path], files_dir: Path, name: str, datatable: list[list[str]]) -> None:
    data = encode_table(datatable, _format_of(name))
    save(files, files_dir, name, gzip.compress(data) if name.endswith(".gz") else data)


def composed_and_decomposed(email: str) -> bytes:
    """A users file holding `email` twice: composed (NFC), then decomposed (NFD)."""
    rows = [f"{unicodedata.normalize(form, email)},User {form},reader\n" for form in ("NFC", "NFD")]
    assert rows[0] != rows[1], "the email needs a character with an accent"
    return ("email,name,role\n" + "".join(rows)).encode("utf-8")


@given(parsers.parse('a file "{name}" with the email "{email}" once composed and once decomposed'))
def _(files: dict[str, Path], files_dir: Path, name: str, email: str) -> None:
    save(files, files_dir, name, composed_and_decomposed(email))


@given(parsers.parse('a file "{name}" with one article whose body has {count:d} words'))
def _(files: dict[str, Path], files_dir: Path, name: str, count: int,
      known_ids: dict[str, str]) -> None:
    article = {"slug": "long-read", "title": "A long read", "author_id": known_ids["author"],
               "status": "draft", "body": " ".join(f"word{i}" for i in range(count))}
    save(files, files_dir, name, json.dumps(article).encode("utf-8") + b"\n")


@given(parsers.parse('a file "{name}" with one comment whose body has {count:d} characters'))
def _(files: dict[str, Path], files_dir: Path, name: str, count: int,
      known_ids: dict[str, str]) -> None:
    comment = {"article_id": known_ids["article"], "user_id": known_ids["author"], "body": "c" * count}
    save(files, files_dir, name, json.dumps(comment).encode("utf-8") + b"\n")


@given(parsers.parse('a file "{name}" with {bad:d} users whose email is invalid and {good:d} valid users'))
def _(files: dict[str, Path], files_dir: Path, name: str, bad: int, good: int) -> None:
    lines = ["email,name,role"]
    lines += [f"user{i}-at-example.com,User {i},reader" for i in range(1, bad + 1)]
    lines += [f"user{i}@example.com,User {i},reader" for i in range(bad + 1, bad + good + 1)]
    save(files, files_dir, name, ("\n".join(lines) + "\n").encode("utf-8"))


@given(parsers.re(r'a file "(?P<name>[^"]+)" of (?P<count>\d+) users "(?P<prefix>\w+)…" holding '
                  r'the ids 1 to (?P=count)(?P<reverse> from last to first)?'))
def _(files: dict[str, Path], files_dir: Path, name: str, count: str, prefix: str,
      reverse: str | None) -> None:
    numbers = range(1, int(count) + 1)
    lines = ["email,name,role,id"]
    lines += [f"{prefix}{n}@example.com,{prefix} {n},reader,{uuid.UUID(int=0x6000 + n)}"
              for n in (reversed(numbers) if reverse else numbers)]
    save(files, files_dir, name, ("\n".join(lines) + "\n").encode("utf-8"))


@given(parsers.parse('a file "{name}" of {count:d} users whose last row repeats the first email'))
def _(files: dict[str, Path], files_dir: Path, name: str, count: int) -> None:
    lines = ["email,name,role"]
    lines += [f"user{n}@example.com,User {n},reader" for n in range(1, count)]
    lines.append("USER1@example.com,User 1 again,editor")
    save(files, files_dir, name, ("\n".join(lines) + "\n").encode("utf-8"))


@given(parsers.parse('a file "{name}" in Latin-1 with:'))
def _(files: dict[str, Path], files_dir: Path, name: str, docstring: str) -> None:
    save(files, files_dir, name, (docstring + "\n").encode("latin-1"))


@given(parsers.parse('a CSV file "{name}" of {count:d} users whose row {bad:d} opens a quote it never closes'))
def _(files: dict[str, Path], files_dir: Path, name: str, count: int, bad: int) -> None:
    lines = ["email,name,role"]
    lines += [f'user{i}@example.com,"User {i}' if i == bad else f"user{i}@example.com,User {i},reader"
              for i in range(1, count + 1)]
    save(files, files_dir, name, ("\n".join(lines) + "\n").encode("utf-8"))


@given(parsers.parse('a file "{name}" with one user whose name has {size:d} characters and one valid user'))
def _(files: dict[str, Path], files_dir: Path, name: str, size: int) -> None:
    users = [{"email": "long@example.com", "name": "N" * size, "role": "reader"},
             {"email": "ann@example.com", "name": "Ann", "role": "reader"}]
    save(files, files_dir, name, encode_records(users, _format_of(name)))


@given(parsers.parse('a file "{name}" with one article whose body is {kilobytes:d} KB of {words:d} words'))
def _(files: dict[str, Path], files_dir: Path, name: str, kilobytes: int, words: int,
      known_ids: dict[str, str]) -> None:
    width = kilobytes * 1000 // words - 1  # each word and its space
    body = " ".join(f"{i:0{width}d}" for i in range(words))
    article = {"slug": "long-read", "title": "A long read", "author_id": known_ids["author"],
               "status": "draft", "body": body}
    save(files, files_dir, name, json.dumps(article).encode("utf-8") + b"\n")


@given(parsers.parse('a file "{name}" whose second user nests {levels:d} levels deep'))
def _(files: dict[str, Path], files_dir: Path, name: str, levels: int) -> None:
    deep = '{"email": "deep@example.com", "name": ' + "[" * levels + "]" * levels + ', "role": "reader"}'
    users = [json.dumps({"email": f"u{i}@example.com", "name": f"U {i}", "role": "reader"})
             for i in (1, 3)]
    rows = [users[0], deep, users[1]]
    data = "\n".join(rows) + "\n" if _format_of(name) == "ndjson" else "[" + ",".join(rows) + "]"
    save(files, files_dir, name, data.encode("utf-8"))
