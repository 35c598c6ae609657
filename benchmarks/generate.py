"""Generate a users file for benchmarks, streamed row by row (memory stays flat for any N).

    python benchmarks/generate.py 1000000 --format ndjson -o /tmp/users.ndjson
    python benchmarks/generate.py 100000 --format csv -o users.csv --invalid-every 50 --seed 7

Row i (counted from 0) has the unique email `user{i}@example.com`, a name drawn from fixed lists
(reproducible with --seed), a role cycling through the five roles, and `active` (false on every
seventh row). With --invalid-every K, every K-th row (rows K-1, 2K-1, ...) is invalid in one of
four ways in turn: malformed email, unknown role, missing name, non-boolean `active`. The same
N, seed and K give the same rows in every format, so a CSV and an NDJSON file hold the same data.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from bulkio.domain.resources import ROLES

COLUMNS = ("email", "name", "role", "active")
FIRST = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret",
         "Dennis", "Radia", "Linus", "Katherine", "John", "Hedy", "Tim", "Sophie", "Niklaus",
         "Adele", "Guido")
LAST = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
        "Hamilton", "Ritchie", "Perlman", "Torvalds", "Johnson", "McCarthy", "Lamarr",
        "Berners-Lee", "Wilson", "Wirth", "Goldberg", "van Rossum")
INVALID_KINDS = ("email", "role", "name", "active")
WRITE_EVERY = 64 * 1024  # bytes buffered before each write


def users(count: int, seed: int = 1, invalid_every: int = 0) -> Iterator[dict[str, Any]]:
    """The rows, one dict at a time."""
    rng = random.Random(seed)
    first, last = FIRST, LAST
    broken = 0
    for i in range(count):
        row: dict[str, Any] = {
            "email": f"user{i}@example.com",
            "name": f"{first[rng.randrange(len(first))]} {last[rng.randrange(len(last))]}",
            "role": ROLES[i % len(ROLES)],
            "active": i % 7 != 0,
        }
        if invalid_every and (i + 1) % invalid_every == 0:
            kind = INVALID_KINDS[broken % len(INVALID_KINDS)]
            broken += 1
            if kind == "email":
                row["email"] = f"user{i}-at-example.com"
            elif kind == "role":
                row["role"] = "superuser"
            elif kind == "name":
                row["name"] = ""
            else:
                row["active"] = "maybe"
        yield row


def invalid_count(count: int, invalid_every: int) -> int:
    """How many of `count` rows are invalid."""
    return count // invalid_every if invalid_every else 0


def _csv_value(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def _write_ndjson(rows: Iterator[dict[str, Any]], out: BinaryIO) -> None:
    dumps, parts, size = orjson.dumps, [], 0
    for row in rows:
        line = dumps(row) + b"\n"
        parts.append(line)
        size += len(line)
        if size >= WRITE_EVERY:
            out.write(b"".join(parts))
            parts, size = [], 0
    out.write(b"".join(parts))


def _write_json(rows: Iterator[dict[str, Any]], out: BinaryIO) -> None:
    out.write(b"[")
    first = True
    parts, size = [], 0
    for row in rows:
        piece = (b"\n" if first else b",\n") + orjson.dumps(row)
        first = False
        parts.append(piece)
        size += len(piece)
        if size >= WRITE_EVERY:
            out.write(b"".join(parts))
            parts, size = [], 0
    parts.append(b"\n]\n")
    out.write(b"".join(parts))


def _write_csv(rows: Iterator[dict[str, Any]], out: BinaryIO) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_value(row[c]) for c in COLUMNS])
        if buffer.tell() >= WRITE_EVERY:
            out.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode())


WRITERS = {"ndjson": _write_ndjson, "json": _write_json, "csv": _write_csv}


def generate(count: int, fmt: str, output: Path | None, seed: int = 1, invalid_every: int = 0) -> None:
    """Write `count` users in `fmt` to `output` (standard output if None)."""
    rows = users(count, seed, invalid_every)
    if output is None:
        WRITERS[fmt](rows, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    with output.open("wb") as out:
        WRITERS[fmt](rows, out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, help="how many users")
    parser.add_argument("--format", "-f", choices=sorted(WRITERS), default="ndjson")
    parser.add_argument("-o", "--output", type=Path, default=None, help="file (default: stdout)")
    parser.add_argument("--invalid-every", type=int, default=0, metavar="K",
                        help="make every K-th row invalid (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.rows < 0 or args.invalid_every < 0:
        parser.error("rows and --invalid-every must not be negative")
    generate(args.rows, args.format, args.output, args.seed, args.invalid_every)


if __name__ == "__main__":
    main()
