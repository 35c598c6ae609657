"""A prototype of the push-down import design, measured beside raw COPY in one run.

    .venv/bin/python benchmarks/pushdown.py --rows 1000000 --json R.json --markdown R.md

Push-down moves every per-row step of an import into PostgreSQL: the file's bytes go into a staging
table by one `COPY … (FORMAT csv, HEADER)` (no Python per row), then set-based SQL compiled from the
resource's declaration (`bulkio.domain.resources.USERS`) checks every row, writes the row errors,
and writes the valid rows with one statement that updates the stored keys whose values differ
(`UPDATE … FROM … WHERE … IS DISTINCT FROM`) and inserts the others, counting created, updated
and skipped rows itself. It is a prototype for
users in CSV, not bulkio's import path, and it leaves out what a real import must also do: NDJSON and
JSON input, ids given in the file, references and cross-field rules, the job's checkpoints, fencing
and lease, error messages beyond the error code, and the limits enforced while streaming. Its checks
follow the domain's rules (NFC, trimming, lowercase keys, lengths, the key's regular expression,
choices, booleans); `--check` compares, row by row, which rows it refuses with what bulkio's own
validator refuses on the same file.

Steps, each timed in this process (connect and commit included, the interpreter's start-up not):

1. raw `COPY … FROM STDIN (FORMAT csv, HEADER)` of the same file into an empty copy of the users
   table with its indexes (ids and times from column defaults): the baseline;
2. the push-down import of the users CSV into an empty users table: all rows new;
3. the same file again: every row unchanged, so skipped;
4. a file with every name changed: every row updated;
5. a file with one row in 50 invalid (`generate.py --invalid-every 50`), into an empty table.

Each step's counts are checked; a mismatch stops the run with `BENCHMARK FAILED`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate, invalid_count  # noqa: E402
from import_export import BenchmarkFailed, machine_facts  # noqa: E402

from bulkio.domain.fields import Boolean, Choice, Pattern, Text, Uuid  # noqa: E402
from bulkio.domain.resources import USERS, Resource  # noqa: E402

STAGE = "bulkio_push_stage"
CHECKED = "bulkio_push_checked"
BLOCK = 1024 * 1024
# What `str.strip()` strips, as in the domain (`bulkio.domain.fields`): btrim's characters.
WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
TRUE, FALSE = ("true", "1", "yes", "y", "t"), ("false", "0", "no", "n", "f")


def _regex(python: str) -> str:
    """A domain regular expression in PostgreSQL's ARE syntax (the domain's use the common
    subset: classes, `\\s`, groups, quantifiers)."""
    if re.search(r"\(\?[^:]", python):
        raise ValueError(f"not in the common subset: {python!r}")
    return f"^(?:{python})$"


def field_sql(resource: Resource, name: str) -> tuple[str, str]:
    """(the stored value as SQL over the staged text column, its error code as SQL over that
    value `v."name"` and the staged text `s."name"`, NULL when the value is good)."""
    spec = resource.field(name)
    kind, raw, got = spec.kind, f's."{name}"', f'v."{name}"'
    trimmed = f"btrim({raw}, %(ws)s)"
    blank = f"({raw} IS NULL OR {trimmed} = '')"
    missing = "'required'" if spec.required else "NULL"
    if isinstance(kind, Pattern):
        # NFC, trimmed, lowercased if asked and NFC again (`Pattern.clean`); ASCII needs no NFC.
        low = f"lower({trimmed})" if kind.lowercase else trimmed
        value = (f"CASE WHEN octet_length({raw}) = char_length({raw}) THEN {low} ELSE "
                 + (f"normalize(lower(normalize({trimmed}, NFC)), NFC)" if kind.lowercase
                    else f"normalize({trimmed}, NFC)") + " END")
        pattern = _regex(kind.regex).replace("%", "%%")
        check = (f"CASE WHEN {got} IS NULL OR {got} = '' THEN {missing} "
                 f"WHEN char_length({got}) > {kind.max_length} THEN 'too_long' "
                 f"WHEN {got} !~ '{pattern}' THEN 'invalid_format' END")
        return value, check
    if isinstance(kind, Text):
        if kind.min_words or kind.max_words:
            raise ValueError("word counts are not in this prototype")
        too_long = (f"WHEN char_length({got}) > {kind.max_length} THEN 'too_long' "
                    if kind.max_length else "")
        return raw, f"CASE WHEN {blank} THEN {missing} {too_long}END"
    if isinstance(kind, Choice):
        choices = ", ".join(f"'{c}'" for c in kind.choices)
        return trimmed, (f"CASE WHEN {got} IS NULL OR {got} = '' THEN {missing} "
                         f"WHEN {got} NOT IN ({choices}) THEN 'invalid_enum' END")
    if isinstance(kind, Boolean):
        word = f"lower({trimmed})"
        value = f"CASE WHEN {word} IN {TRUE} THEN true WHEN {word} IN {FALSE} THEN false END"
        return value, f"CASE WHEN {blank} THEN {missing} WHEN {got} IS NULL THEN 'invalid_type' END"
    if isinstance(kind, Uuid):
        raise ValueError("ids given in the file are not in this prototype")
    raise ValueError(f"no push-down for {kind!r}")


def import_statements(resource: Resource, columns: list[str], job_id: str) -> list[str]:
    """The SQL after the COPY into `{STAGE}`: check every row once into `{CHECKED}` (each value
    cleaned once, in a LATERAL), the row errors, then the upsert of the valid rows (a key
    repeated in the file: its last row wins)."""
    fields = [name for name in columns if name in resource.field_names and name != "id"]
    values = {name: field_sql(resource, name) for name in fields}
    blank_ok = [n for n in fields if not resource.field(n).required]
    cleaned = ", ".join(f'{values[n][0]} AS "{n}"' for n in fields)
    kept = ", ".join(f'"{n}"' for n in fields)
    checks = ", ".join(f"'{n}:' || ({values[n][1]})" for n in fields)
    key = resource.key
    # A blank optional cell leaves the stored value (a create takes the default).
    defaults = {n: repr(resource.field(n).default).lower() for n in blank_ok}
    inserted = ", ".join(f'COALESCE("{n}", {defaults[n]})' if n in defaults else f'"{n}"'
                         for n in fields)
    updates = [n for n in fields if n != key]
    assign = ", ".join(f'"{n}" = COALESCE(EXCLUDED."{n}", t."{n}")' if n in defaults
                       else f'"{n}" = EXCLUDED."{n}"' for n in updates)
    changed = " OR ".join(f't."{n}" IS DISTINCT FROM COALESCE(EXCLUDED."{n}", t."{n}")'
                          if n in defaults else f't."{n}" IS DISTINCT FROM EXCLUDED."{n}"'
                          for n in updates)
    table = resource.name
    return [
        f"DROP TABLE IF EXISTS {CHECKED}",
        f"CREATE TEMP TABLE {CHECKED} AS SELECT s.row, "
        + ", ".join(f'v."{n}"' for n in fields)
        + f", NULLIF(array_remove(ARRAY[{checks}], NULL), '{{}}') AS problems "
        f"FROM {STAGE} AS s CROSS JOIN LATERAL (SELECT {cleaned}) AS v",
        f"INSERT INTO push_errors (row, field, code) SELECT row, split_part(p, ':', 1), "
        f"split_part(p, ':', 2) FROM {CHECKED}, unnest(problems) AS p WHERE problems IS NOT NULL",
        # Updates and inserts apart: a key the table holds is updated only when a value differs,
        # the others are inserted without ON CONFLICT's speculative insertion. (The prototype
        # does not retry a key another transaction inserts in between, as bulkio's writer does.)
        f"WITH valid AS MATERIALIZED (SELECT DISTINCT ON (\"{key}\") {kept} FROM {CHECKED} "
        f"WHERE problems IS NULL ORDER BY \"{key}\", row DESC), "
        f"updated AS (UPDATE \"{table}\" AS t SET {assign.replace('EXCLUDED.', 'v.')}, "
        f"updated_at = now(), last_job_id = '{job_id}' FROM valid AS v "
        f"WHERE t.\"{key}\" = v.\"{key}\" AND ({changed.replace('EXCLUDED.', 'v.')}) RETURNING 1), "
        f"created AS (INSERT INTO \"{table}\" (id, {kept}, created_at, updated_at, last_job_id) "
        f"SELECT gen_random_uuid(), {inserted}, now(), now(), '{job_id}' FROM valid AS v "
        f"WHERE NOT EXISTS (SELECT 1 FROM \"{table}\" AS t WHERE t.\"{key}\" = v.\"{key}\") "
        f"ORDER BY \"{key}\" RETURNING 1) "
        f"SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM updated), "
        f"(SELECT count(*) FROM {CHECKED} WHERE problems IS NULL)",
    ]


def push_down(conn: Any, path: Path, job_id: str) -> dict[str, Any]:
    """Import the users CSV at `path`; returns the counts and the seconds it took."""
    with path.open("rb") as source:
        columns = [c.strip() for c in source.readline().decode().split(",")]
    start = time.perf_counter()
    parts: dict[str, float] = {}
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
        text_columns = ", ".join(f'"{c}" text' for c in columns)
        cur.execute(f"CREATE TEMP TABLE {STAGE} (row bigint GENERATED ALWAYS AS IDENTITY, "
                    f"{text_columns})")
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f"COPY {STAGE} ({quoted}) FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                path.open("rb") as source:
            while block := source.read(BLOCK):
                copy.write(block)
        parts["copy into staging"] = time.perf_counter() - start
        cur.execute("TRUNCATE push_errors")
        drop, check, errors, upsert = import_statements(USERS, columns, job_id)
        cur.execute(drop)
        for label, statement in (("check", check), ("errors", errors)):
            began = time.perf_counter()
            cur.execute(statement, {"ws": WHITESPACE})
            parts[label] = time.perf_counter() - began
        began = time.perf_counter()
        created, updated, valid = cur.execute(upsert, {"ws": WHITESPACE}).fetchone()
        parts["upsert"] = time.perf_counter() - began
        rows = cur.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0]
        failed = cur.execute("SELECT count(DISTINCT row) FROM push_errors").fetchone()[0]
    began = time.perf_counter()
    conn.commit()
    parts["commit"] = time.perf_counter() - began
    seconds = time.perf_counter() - start
    return {"rows": rows, "created": created, "updated": updated,
            "skipped": valid - created - updated, "failed": failed, "seconds": seconds,
            "parts": {k: round(v, 2) for k, v in parts.items()}}


def raw_copy(conn: Any, path: Path) -> dict[str, Any]:
    """The baseline: the same file by COPY into an empty copy of the table (its indexes, and
    defaults for the id and the times)."""
    with path.open("rb") as source:
        columns = source.readline().decode().strip()
    start = time.perf_counter()
    with conn.cursor() as cur:
        with cur.copy(f"COPY users_copy ({columns}) FROM STDIN (FORMAT csv, HEADER true)") as copy, \
                path.open("rb") as source:
            while block := source.read(BLOCK):
                copy.write(block)
        rows = cur.rowcount
    conn.commit()
    return {"rows": rows, "seconds": time.perf_counter() - start}


def domain_refusals(path: Path) -> set[tuple[int, str]]:
    """(row, field) of every error bulkio's own validator finds in the CSV file."""
    from bulkio.domain.rows import SourceRow
    from bulkio.domain.validation import validate
    from bulkio.formats import Format, open_rows

    found = set()
    with path.open("rb") as stream:
        for row in open_rows(stream, Format.CSV):
            assert isinstance(row, SourceRow)
            found.update((e.row, e.field) for e in validate(USERS, row).errors)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a server whose user may create databases")
    parser.add_argument("--database", default=f"bulkio_bench_push_{os.getpid()}",
                        help="the database this run creates and drops")
    parser.add_argument("--check", action="store_true",
                        help="compare the refused rows with bulkio's validator (slow at 1M)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)

    import psycopg

    name = args.database
    server_url = args.pg_url.replace("postgresql+psycopg://", "postgresql://")
    server = server_url.rsplit("/", 1)[0]
    admin = psycopg.connect(server_url, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    results: list[dict[str, Any]] = []
    try:
        from bulkio.adapters.sql.migrate import upgrade

        upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
        with tempfile.TemporaryDirectory() as folder, psycopg.connect(url) as conn:
            files = Path(folder)
            paths = {
                "new": files / "users.csv", "changed": files / "changed.csv",
                "invalid": files / "invalid.csv",
            }
            generate(args.rows, "csv", paths["new"])
            generate(args.rows, "csv", paths["changed"], changed=True)
            generate(args.rows, "csv", paths["invalid"], invalid_every=50)
            conn.execute("CREATE TABLE users_copy (LIKE users INCLUDING ALL)")
            # What the file does not carry, as the import fills it in (as `import_export.py`).
            conn.execute("ALTER TABLE users_copy ALTER id SET DEFAULT gen_random_uuid(), "
                         "ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now()")
            conn.execute("CREATE TABLE push_errors (row bigint, field text, code text)")
            conn.commit()
            n, bad = args.rows, invalid_count(args.rows, 50)

            def step(label: str, measured: dict[str, Any], expected: dict[str, int]) -> None:
                wrong = {k: (measured[k], v) for k, v in expected.items() if measured[k] != v}
                if wrong:
                    raise BenchmarkFailed(f"{label}: counts (got, expected) {wrong}")
                results.append({"operation": label, **measured,
                                "rows_per_s": round(measured["rows"] / measured["seconds"])})
                print(f"{label:58s} {measured['rows']:>10,} {measured['seconds']:8.2f} s "
                      f"{measured['rows'] / measured['seconds']:>10,.0f} rows/s "
                      f"{measured.get('parts', '')}", flush=True)

            step("raw COPY FROM STDIN (CSV) into users' copy", raw_copy(conn, paths["new"]),
                 {"rows": n})
            job = "00000000-0000-4000-8000-000000000001"
            step("push-down import: all new", push_down(conn, paths["new"], job),
                 {"rows": n, "created": n, "failed": 0})
            step("push-down import again: all unchanged", push_down(conn, paths["new"], job),
                 {"rows": n, "skipped": n, "failed": 0})
            step("push-down import: every name changed", push_down(conn, paths["changed"], job),
                 {"rows": n, "updated": n, "failed": 0})
            conn.execute("TRUNCATE users CASCADE")
            conn.commit()
            step("push-down import: 1 row in 50 invalid", push_down(conn, paths["invalid"], job),
                 {"rows": n, "created": n - bad, "failed": bad})
            if args.check:
                mine = {(int(r), f) for r, f in conn.execute("SELECT row, field FROM push_errors")}
                theirs = domain_refusals(paths["invalid"])
                if mine != theirs:
                    raise BenchmarkFailed(f"refused rows differ from bulkio's validator: "
                                          f"{sorted(mine ^ theirs)[:10]}")
                print(f"refused (row, field) pairs equal bulkio's validator's: {len(mine):,}")
    except BenchmarkFailed as err:
        print(f"BENCHMARK FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    base = results[0]["seconds"]
    for r in results:
        r["ratio_to_copy"] = round(base / r["seconds"] * r["rows"] / results[0]["rows"], 3)
    document = {"facts": machine_facts(), "rows": args.rows, "command": sys.argv,
                "results": results}
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    if args.markdown:
        lines = ["| operation | rows | seconds | rows/s | vs raw COPY | seconds by step |",
                 "|---|---:|---:|---:|---:|---|"]
        lines += [f"| {r['operation']} | {r['rows']:,} | {r['seconds']:.2f} | {r['rows_per_s']:,} "
                  f"| {r['ratio_to_copy']:.2f} | "
                  + ", ".join(f"{k} {v}" for k, v in r.get("parts", {}).items()) + " |"
                  for r in results]
        args.markdown.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
