"""Generate users, articles or comments for benchmarks, streamed row by row (memory stays flat).

    python benchmarks/generate.py 1000000 --format ndjson -o /tmp/users.ndjson
    python benchmarks/generate.py 100000 --format csv -o users.csv --invalid-every 50 --seed 7
    python benchmarks/generate.py 100000 --resource articles --users 100000 -o articles.ndjson
    python benchmarks/generate.py 100000 --resource comments --articles 100000 --users 100000 \
        -o comments.csv -f csv

Users: row i (counted from 0) has the unique email `user{i}@example.com`, a name drawn from fixed
lists (reproducible with --seed), a role cycling through the five roles, and `active` (false on every
seventh row). With --invalid-every K, every K-th row (rows K-1, 2K-1, ...) is invalid in one of
four ways in turn: malformed email, unknown role, missing name, non-boolean `active`. With --ids,
user i also carries the fixed id `user_id(i)`, so articles and comments can refer to it.

Articles: article i has the id `article_id(i)` and slug `article-{i}`, a title of 3-8 words, a
body of 100-400 words drawn from a fixed vocabulary, 0-5 tags, and an author `user_id(j)` for a j
below --users. Status cycles published, draft, archived; published rows have a `published_at`,
drafts none, archived rows one on every other row (all three valid under the resource's rule).

Comments: comment i has the id `comment_id(i)`, an article `article_id(j)` with j below --articles,
a user `user_id(k)` with k below --users, and a body of 10-60 words.

With --changed, every row differs from the one generated without it in one stored field (a user's
name, an article's title, a comment's body), keys and ids unchanged: importing it over the first
file updates every record. The same N, seed and options give the same rows in every format, so a
CSV and an NDJSON file hold the same data. `--format pg-csv` writes the CSV that PostgreSQL's
`COPY … (FORMAT csv, HEADER true)` reads into the resource's table (tags as `{a,b}`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from bulkio.domain.resources import ARTICLE_STATUSES, ROLES

COLUMNS = ("email", "name", "role", "active")  # users, as the CLI benchmark generates them
FIELDS = {
    "users": ("id", *COLUMNS),
    "articles": ("id", "slug", "title", "body", "author_id", "tags", "status", "published_at"),
    "comments": ("id", "article_id", "user_id", "body"),
}
FIRST = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret",
         "Dennis", "Radia", "Linus", "Katherine", "John", "Hedy", "Tim", "Sophie", "Niklaus",
         "Adele", "Guido")
LAST = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
        "Hamilton", "Ritchie", "Perlman", "Torvalds", "Johnson", "McCarthy", "Lamarr",
        "Berners-Lee", "Wilson", "Wirth", "Goldberg", "van Rossum")
WORDS = tuple("""the a of to and in is it that for on with as was at by from this be are or an
have not but had his they you were her which one all we she there been their has would when who
will more if no out so said what up its about into than them can only other new some could time
these two may then do first any my now such like our over man me even most made after also did
many before must through back years where much your way well down should because each just those
people how too little state good very make world still own see men work long get here between
both life being under never day same another know while last might us great old year off come
since against go came right used take three states himself few house use during without again
place american around however home small found thought went say part once general high upon
school every does got united left number course war until always away something fact though
water less public put think almost hand enough far took head yet government system better set
told nothing night end why called didnt eyes find going look asked later knew point next city
business give group toward young days let room president side social given present several
order national possible rather second face per among form important often things looking early
data import export stream batch record queue worker schema field value table index column""".split())
TAGS = ("python", "postgres", "redis", "s3", "csv", "ndjson", "json", "bulk", "import", "export",
        "performance", "testing", "design", "ops", "security", "api", "streaming", "queue",
        "release", "howto")
INVALID_KINDS = ("email", "role", "name", "active")
WRITE_EVERY = 64 * 1024  # bytes buffered before each write
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def user_id(i: int) -> str:
    """The fixed id of generated user i (a valid version-4 UUID)."""
    return f"00000001-0000-4000-8000-{i:012x}"


def article_id(i: int) -> str:
    """The fixed id of generated article i."""
    return f"00000002-0000-4000-8000-{i:012x}"


def comment_id(i: int) -> str:
    """The fixed id of generated comment i."""
    return f"00000003-0000-4000-8000-{i:012x}"


def users(count: int, seed: int = 1, invalid_every: int = 0, *, ids: bool = False,
          changed: bool = False) -> Iterator[dict[str, Any]]:
    """The users, one dict at a time (with an `id` first when `ids`)."""
    rng = random.Random(seed)
    first, last = FIRST, LAST
    suffix = " Jr." if changed else ""
    broken = 0
    for i in range(count):
        row: dict[str, Any] = {"id": user_id(i)} if ids else {}
        row["email"] = f"user{i}@example.com"
        row["name"] = f"{first[rng.randrange(len(first))]} {last[rng.randrange(len(last))]}{suffix}"
        row["role"] = ROLES[i % len(ROLES)]
        row["active"] = i % 7 != 0
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


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def articles(count: int, authors: int, seed: int = 1, *,
             changed: bool = False) -> Iterator[dict[str, Any]]:
    """The articles, one dict at a time; every author is one of the first `authors` users."""
    rng = random.Random(seed)
    statuses = ARTICLE_STATUSES
    for i in range(count):
        title = _words(rng, 3, 8).capitalize() + (" (revised)" if changed else "")
        status = statuses[i % len(statuses)]
        dated = status == "published" or (status == "archived" and i % 2 == 0)
        moment = EPOCH + dt.timedelta(minutes=i)
        yield {
            "id": article_id(i),
            "slug": f"article-{i}",
            "title": title,
            "body": _words(rng, 100, 400),
            "author_id": user_id(rng.randrange(authors)),
            "tags": rng.sample(TAGS, rng.randint(0, 5)),
            "status": status,
            "published_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ") if dated else None,
        }


def comments(count: int, articles: int, users: int, seed: int = 1, *,
             changed: bool = False) -> Iterator[dict[str, Any]]:
    """The comments, one dict at a time, each on one of the first `articles` articles by one of
    the first `users` users."""
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "id": comment_id(i),
            "article_id": article_id(rng.randrange(articles)),
            "user_id": user_id(rng.randrange(users)),
            "body": _words(rng, 10, 60) + (" (edited)" if changed else ""),
        }


def invalid_count(count: int, invalid_every: int) -> int:
    """How many of `count` rows are invalid."""
    return count // invalid_every if invalid_every else 0


def _csv_value(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return "|".join(value)  # bulkio's CSV tag list
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, list):
        return "{" + ",".join(value) + "}"  # a PostgreSQL text[] literal (tags are plain words)
    return _csv_value(value)


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


def _csv_writer(cell: Callable[[Any], Any]) -> Callable[[Iterator[dict[str, Any]], BinaryIO], None]:
    def write(rows: Iterator[dict[str, Any]], out: BinaryIO) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        columns: tuple[str, ...] | None = None
        for row in rows:
            if columns is None:
                columns = tuple(row)
                writer.writerow(columns)
            writer.writerow([cell(row[c]) for c in columns])
            if buffer.tell() >= WRITE_EVERY:
                out.write(buffer.getvalue().encode())
                buffer.seek(0)
                buffer.truncate()
        out.write(buffer.getvalue().encode())

    return write


WRITERS = {"ndjson": _write_ndjson, "json": _write_json, "csv": _csv_writer(_csv_value),
           "pg-csv": _csv_writer(_pg_value)}


def rows_of(resource: str, count: int, seed: int = 1, invalid_every: int = 0, *,
            ids: bool = False, changed: bool = False, users_count: int | None = None,
            articles_count: int | None = None) -> Iterator[dict[str, Any]]:
    """The rows of `resource`; references point below `users_count` / `articles_count` (default:
    `count`). Users carry ids when `ids`; articles and comments always do."""
    if invalid_every and resource != "users":
        raise ValueError("only users can be generated with invalid rows")
    if resource == "users":
        return users(count, seed, invalid_every, ids=ids, changed=changed)
    user_count = users_count or count
    if resource == "articles":
        return articles(count, user_count, seed, changed=changed)
    return comments(count, articles_count or count, user_count, seed, changed=changed)


def generate(count: int, fmt: str, output: Path | None, seed: int = 1, invalid_every: int = 0,
             resource: str = "users", **options: Any) -> None:
    """Write `count` rows of `resource` in `fmt` to `output` (standard output if None);
    `options` are those of `rows_of`."""
    rows = rows_of(resource, count, seed, invalid_every, **options)
    if output is None:
        WRITERS[fmt](rows, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    with output.open("wb") as out:
        WRITERS[fmt](rows, out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, help="how many rows")
    parser.add_argument("--resource", "-r", choices=sorted(FIELDS), default="users")
    parser.add_argument("--format", "-f", choices=sorted(WRITERS), default="ndjson")
    parser.add_argument("-o", "--output", type=Path, default=None, help="file (default: stdout)")
    parser.add_argument("--invalid-every", type=int, default=0, metavar="K",
                        help="make every K-th user invalid (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ids", action="store_true", help="give users their fixed ids")
    parser.add_argument("--changed", action="store_true",
                        help="change one stored field of every row (same keys)")
    parser.add_argument("--users", type=int, default=None, metavar="U",
                        help="authors and commenters are among the first U users (default: rows)")
    parser.add_argument("--articles", type=int, default=None, metavar="A",
                        help="comments are on the first A articles (default: rows)")
    args = parser.parse_args(argv)
    if min(args.rows, args.invalid_every, args.users or 1, args.articles or 1) < 0 \
            or args.users == 0 or args.articles == 0:
        parser.error("rows and --invalid-every must not be negative, --users and --articles positive")
    if args.invalid_every and args.resource != "users":
        parser.error("--invalid-every applies to users only")
    generate(args.rows, args.format, args.output, args.seed, args.invalid_every, args.resource,
             ids=args.ids, changed=args.changed, users_count=args.users,
             articles_count=args.articles)


if __name__ == "__main__":
    main()
