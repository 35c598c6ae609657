"""Import and export speed and peak memory of bulkio against raw COPY, on one file, in one run.

    .venv/bin/python benchmarks/import_export.py --rows 1000000 --backend both

Every measured operation runs as its own process under `/usr/bin/time -v`, so its peak RSS is
that process's own and its time is the wall clock from start to exit (interpreter start-up,
imports and, for bulkio, copying the upload into its storage included):

- raw COPY FROM STDIN of the CSV twin of the file into a copy of the users table (same columns,
  defaults and indexes; id and timestamps from column defaults): the baseline;
- the same, but parsing the source file in Python first (orjson/csv/ijson) and sending rows with
  `copy.write_row`: what any Python importer pays before validation;
- `bulkio import FILE --resource users -q` into a fresh PostgreSQL database (migrated with
  Alembic) and into the embedded SQLite, then the same file again (every row skipped);
- `bulkio export --resource users -f ndjson|csv -o FILE`;
- raw `COPY users TO STDOUT` (CSV) as the export baseline, and the same ordered by email
  (bulkio exports in key order);
- on SQLite, plain sqlite3 inserts and a SELECT written with csv.writer, for reference.

Counts are checked after every step (SELECT count(*), the job summary's counters, the lines of
every export); any mismatch stops the run with an error.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = Path(sys.executable).parent
BULKIO = VENV_BIN / "bulkio"
TIME = "/usr/bin/time"
CSV_COLUMNS = ("email", "name", "role", "active")
BASELINE_TABLE = "bench_users_copy"
PARSED_TABLE = "bench_users_parsed"
SUMMARY = re.compile(
    r"job (?P<id>\S+) completed[^:]*: (?P<rows>[\d,]+) rows, (?P<created>[\d,]+) created, "
    r"(?P<updated>[\d,]+) updated, (?P<skipped>[\d,]+) skipped, (?P<failed>[\d,]+) failed in "
    r"(?P<seconds>[\d.]+)s \((?P<rate>[\d,]+) rows/s\)"
)
# Settings that would point the CLI elsewhere than where this run says.
FOREIGN_ENV = ("DATABASE_URL", "DATABASE_HOST", "REDIS_URL", "REDIS_HOST", "AWS_S3_BUCKET",
               "BULKIO_DATA_DIR", "JOB_BATCH_SIZE")


class BenchmarkFailed(Exception):
    """A step failed or its counts were wrong."""


# -- measured processes ------------------------------------------------------------------------


LAST: dict[str, float] = {}  # CPU seconds and load average of the last measured process


def measure(argv: list[str], env: dict[str, str], work: Path) -> tuple[float, float, str, str]:
    """Run `argv` under /usr/bin/time -v: wall seconds, peak RSS in MB, stdout, stderr.

    The process's CPU time (user + system) and the 1-minute load average just before it started
    are left in `LAST`: on a shared machine the CPU time is the steadier figure.
    """
    report = work / "time.txt"
    LAST["load"] = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run([TIME, "-v", "-o", str(report), *argv], env=env, capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise BenchmarkFailed(f"{' '.join(argv)} exited with {done.returncode}:\n"
                              f"{done.stderr[-4000:]}{done.stdout[-2000:]}")
    text = report.read_text()
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if found is None:
        raise BenchmarkFailed(f"no peak RSS in {report}")
    LAST["cpu"] = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    return seconds, int(found.group(1)) / 1024, done.stdout, done.stderr


def helper(name: str, *args: str) -> list[str]:
    """This script, run as one of its measured helpers."""
    return [sys.executable, str(Path(__file__).resolve()), name, *args]


# -- helpers (each runs in its own measured process) ---------------------------------------------


def _pg_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def helper_copy_in(url: str, csv_path: str, table: str) -> None:
    """COPY the CSV file into `table`, block by block: the database's own speed. The columns are
    those named on the file's header line."""
    with open(csv_path, "rb") as source:
        columns = source.readline().decode().strip()
    start = time.perf_counter()
    with _pg_connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f'COPY "{table}" ({columns}) FROM STDIN '
                      "(FORMAT csv, HEADER true)") as copy, open(csv_path, "rb") as source:
            while block := source.read(1024 * 1024):
                copy.write(block)
        rows = cur.rowcount  # the cursor forgets it once closed
    # seconds: connect, COPY and commit, without the interpreter's start-up
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start}))


def _parsed_rows(path: str, fmt: str) -> Iterator[tuple[Any, ...]]:
    from bulkio.domain.resources import ROLES

    def plain(email: Any, name: Any, role: Any, active: Any) -> tuple[Any, ...] | None:
        # Just enough to drop the generator's invalid rows (the table would refuse most of them).
        if role not in ROLES or not isinstance(active, bool) or not name or "@" not in email:
            return None
        return email, name, role, active

    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as source:
            reader = csv.reader(source)
            next(reader)
            for email, name, role, active in reader:
                flag = {"true": True, "false": False}.get(active, active)
                if (row := plain(email, name, role, flag)) is not None:
                    yield row
        return
    if fmt == "json":
        import ijson

        with open(path, "rb") as source:
            for obj in ijson.items(source, "item", use_float=True):
                if (row := plain(obj.get("email"), obj.get("name"), obj.get("role"),
                                 obj.get("active"))) is not None:
                    yield row
        return
    import orjson

    with open(path, "rb") as source:
        for line in source:
            obj = orjson.loads(line)
            if (row := plain(obj.get("email"), obj.get("name"), obj.get("role"),
                             obj.get("active"))) is not None:
                yield row


def helper_parse_copy(url: str, path: str, fmt: str, table: str) -> None:
    """Parse the source file in Python and COPY the rows with `write_row`."""
    with _pg_connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f'COPY "{table}" ({", ".join(CSV_COLUMNS)}) FROM STDIN') as copy:
            for row in _parsed_rows(path, fmt):
                copy.write_row(row)
        print(json.dumps({"rows": cur.rowcount}))


def helper_copy_out(url: str, query: str, out_path: str) -> None:
    """COPY a table or query TO STDOUT as CSV into a file."""
    start = time.perf_counter()
    with _pg_connect(url) as conn, conn.cursor() as cur, open(out_path, "wb") as out:
        with cur.copy(f"COPY {query} TO STDOUT (FORMAT csv, HEADER true)") as copy:
            for block in copy:
                out.write(block)
        rows = cur.rowcount
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start}))


def helper_sqlite_in(db_path: str, csv_path: str, batch: str) -> None:
    """Plain sqlite3 inserts of the CSV rows into bulkio's schema, one commit per batch."""
    import uuid

    import sqlalchemy as sa

    from bulkio.adapters.sql.engine import SQLITE_PRAGMAS
    from bulkio.adapters.sql.tables import metadata

    engine = sa.create_engine(f"sqlite:///{db_path}")
    metadata.create_all(engine)
    engine.dispose()
    conn = sqlite3.connect(db_path)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    size, total = int(batch), 0
    insert = ("INSERT INTO users (id, email, name, role, active, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)")
    with open(csv_path, newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        next(reader)
        rows: list[tuple[Any, ...]] = []
        for email, name, role, active in reader:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
            rows.append((str(uuid.uuid4()), email, name, role, active == "true", now, now))
            if len(rows) >= size:
                with conn:
                    conn.executemany(insert, rows)
                total += len(rows)
                rows = []
        with conn:
            conn.executemany(insert, rows)
        total += len(rows)
    conn.close()
    print(json.dumps({"rows": total}))


def helper_sqlite_out(db_path: str, out_path: str) -> None:
    """SELECT the users in key order and write them with csv.writer."""
    conn = sqlite3.connect(db_path)
    rows = 0
    with open(out_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        cursor = conn.execute("SELECT id, email, name, role, active, created_at, updated_at "
                              "FROM users ORDER BY email")
        writer.writerow([d[0] for d in cursor.description])
        while block := cursor.fetchmany(1000):
            writer.writerows(block)
            rows += len(block)
    conn.close()
    print(json.dumps({"rows": rows}))


HELPERS = {
    "_copy-in": helper_copy_in,
    "_parse-copy": helper_parse_copy,
    "_copy-out": helper_copy_out,
    "_sqlite-in": helper_sqlite_in,
    "_sqlite-out": helper_sqlite_out,
}


# -- the run -------------------------------------------------------------------------------------


class Run:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.rows = args.rows
        self.invalid = 0
        self.valid = args.rows
        self.results: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.copy_in_rate: float | None = None
        self.copy_out_rate: float | None = None
        self.facts: dict[str, Any] = {}
        self.command: list[str] = []
        self.source = work / f"users.{args.format}"
        self.csv_twin = work / "users-copy.csv"

    # -- bookkeeping

    def record(self, operation: str, backend: str, rows: int, seconds: float, rss: float,
               kind: str, job_seconds: float | None = None, job_rate: float | None = None) -> None:
        rate = rows / seconds if seconds else 0.0
        baseline = self.copy_in_rate if kind == "import" else self.copy_out_rate
        result = {
            "operation": operation, "backend": backend, "rows": rows, "seconds": round(seconds, 3),
            "rows_per_s": round(rate), "peak_rss_mb": round(rss, 1),
            "ratio_to_copy": round(rate / baseline, 3) if baseline else None,
            "job_seconds": job_seconds, "job_rows_per_s": job_rate, "kind": kind,
            "cpu_seconds": round(LAST["cpu"], 2), "load_1m_before": round(LAST["load"], 2),
        }
        self.results.append(result)
        print(_line(result), flush=True)

    def env(self, data_dir: Path, database_url: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
        env.update(BULKIO_DATA_DIR=str(data_dir), COLUMNS="300", NO_COLOR="1")
        if database_url:
            env["DATABASE_URL"] = database_url
        if self.args.batch_size:
            env["JOB_BATCH_SIZE"] = str(self.args.batch_size)
        return env

    def repeated(self, label: str, once: Any) -> tuple[float, float, str]:
        """Run a cheap baseline `--repeats` times; the median run's seconds, peak RSS, stdout."""
        runs = []
        for _ in range(self.args.repeats):
            result = once()
            runs.append((*result, dict(LAST)))
        runs.sort(key=lambda r: r[0])
        seconds, rss, out, _, last = runs[len(runs) // 2]
        LAST.update(last)
        if len(runs) > 1:
            self.notes.append(f"{label}: median of {len(runs)} runs; all: "
                              + ", ".join(f"{r[0]:.2f}s" for r in runs))
        return seconds, rss, out

    # -- bulkio steps

    def bulkio_import(self, backend: str, env: dict[str, str], again: bool, count: Any) -> None:
        seconds, rss, _, err = measure(
            [str(BULKIO), "import", str(self.source), "--resource", "users", "-q"], env, self.work)
        summary = SUMMARY.search(" ".join(err.split()))
        if summary is None:
            raise BenchmarkFailed(f"no job summary from the import on {backend}:\n{err}")
        got = {k: int(summary.group(k).replace(",", ""))
               for k in ("rows", "created", "updated", "skipped", "failed")}
        want = {"rows": self.rows, "created": 0 if again else self.valid, "updated": 0,
                "skipped": self.valid if again else 0, "failed": self.invalid}
        if got != want:
            raise BenchmarkFailed(f"{backend} import{' again' if again else ''}: the job counted "
                                  f"{got}, expected {want}")
        stored = count()
        if stored != self.valid:
            raise BenchmarkFailed(f"{backend}: SELECT count(*) FROM users is {stored:,}, "
                                  f"expected {self.valid:,}")
        name = "bulkio import again (all skipped)" if again else "bulkio import"
        self.record(f"{name} ({self.args.format})", backend, self.rows, seconds, rss, "import",
                    float(summary.group("seconds")), int(summary.group("rate").replace(",", "")))

    def bulkio_export(self, backend: str, env: dict[str, str], fmt: str) -> None:
        out = self.work / f"export-{backend}.{fmt}"
        seconds, rss, _, _ = measure(
            [str(BULKIO), "export", "--resource", "users", "-f", fmt, "-o", str(out)], env, self.work)
        self.check_lines(out, self.valid + (1 if fmt == "csv" else 0), f"{backend} {fmt} export")
        out.unlink()
        self.record(f"bulkio export ({fmt})", backend, self.valid, seconds, rss, "export")

    def check_lines(self, path: Path, expected: int, what: str) -> None:
        lines = 0
        with path.open("rb") as stream:
            while block := stream.read(1024 * 1024):
                lines += block.count(b"\n")
        if lines != expected:
            raise BenchmarkFailed(f"{what}: {lines:,} lines, expected {expected:,}")

    # -- PostgreSQL

    def postgres(self) -> None:
        import psycopg

        server = self.args.pg_url.rstrip("/")
        name = self.args.pg_database or f"bulkio_bench_{os.getpid()}"
        admin = psycopg.connect(f"{server}/postgres", autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"
        sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            self._postgres(url, sa_url)
        finally:
            if not self.args.keep:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                self.notes.append(f"PostgreSQL database kept: {url}")
            admin.close()

    def _postgres(self, url: str, sa_url: str) -> None:
        import psycopg

        from bulkio.adapters.sql.migrate import upgrade

        upgrade(sa_url)
        with psycopg.connect(url, autocommit=True) as conn:
            self.facts["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            self.facts["postgresql_settings"] = dict(conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('shared_buffers', 'max_wal_size', 'synchronous_commit', 'fsync', 'autovacuum', "
                "'work_mem', 'full_page_writes') ORDER BY name").fetchall())
            for table in (BASELINE_TABLE, PARSED_TABLE):
                # bulkio's users table exactly (columns, indexes), with defaults for what bulkio
                # fills in Python: the id and the two timestamps.
                conn.execute(f'CREATE TABLE "{table}" (LIKE users INCLUDING ALL)')
                conn.execute(f'ALTER TABLE "{table}" ALTER id SET DEFAULT gen_random_uuid(), '
                             "ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now()")

        def count(table: str = "users") -> int:
            with psycopg.connect(url, autocommit=True) as conn:
                return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]

        def checkpoint() -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CHECKPOINT")

        env = self.env(self.work / "pg-data", sa_url)

        def copy_in() -> tuple[float, float, str, str]:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'TRUNCATE "{BASELINE_TABLE}"')
            checkpoint()
            return measure(helper("_copy-in", url, str(self.csv_twin), BASELINE_TABLE),
                           os.environ.copy(), self.work)

        seconds, rss, out = self.repeated("raw COPY FROM STDIN", copy_in)
        if count(BASELINE_TABLE) != self.rows or json.loads(out)["rows"] != self.rows:
            raise BenchmarkFailed("raw COPY did not load every row")
        self.copy_in_rate = self.rows / seconds
        self.record("raw COPY FROM STDIN (CSV file)", "postgres", self.rows, seconds, rss, "import")

        def parse_copy() -> tuple[float, float, str, str]:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'TRUNCATE "{PARSED_TABLE}"')
            checkpoint()
            return measure(helper("_parse-copy", url, str(self.source), self.args.format,
                                  PARSED_TABLE), os.environ.copy(), self.work)

        seconds, rss, _ = self.repeated("parse + COPY", parse_copy)
        if count(PARSED_TABLE) != self.valid:
            raise BenchmarkFailed("parse + COPY did not load every valid row")
        self.record(f"parse {self.args.format} in Python + COPY write_row", "postgres", self.rows,
                    seconds, rss, "import")

        checkpoint()
        self.bulkio_import("postgres", env, False, count)
        checkpoint()
        self.bulkio_import("postgres", env, True, count)

        out_path = self.work / "copy-out.csv"
        for label, query in (("raw COPY users TO STDOUT (CSV)", "users"),
                             ("raw COPY (SELECT … ORDER BY email) TO STDOUT",
                              "(SELECT * FROM users ORDER BY email)")):
            seconds, rss, _ = self.repeated(label, lambda q=query: measure(
                helper("_copy-out", url, q, str(out_path)), os.environ.copy(), self.work))
            self.check_lines(out_path, self.valid + 1, label)
            out_path.unlink()
            if self.copy_out_rate is None:
                self.copy_out_rate = self.valid / seconds
            self.record(label, "postgres", self.valid, seconds, rss, "export")

        for fmt in ("ndjson", "csv"):
            self.bulkio_export("postgres", env, fmt)

    # -- SQLite

    def sqlite(self) -> None:
        data_dir = self.work / "sqlite-data"
        db_path = data_dir / "bulkio.db"

        def count() -> int:
            with sqlite3.connect(db_path) as conn:
                return conn.execute("SELECT count(*) FROM users").fetchone()[0]

        env = self.env(data_dir, None)
        self.bulkio_import("sqlite", env, False, count)
        self.bulkio_import("sqlite", env, True, count)
        for fmt in ("ndjson", "csv"):
            self.bulkio_export("sqlite", env, fmt)

        raw_db = self.work / "raw-sqlite.db"
        batch = str(self.args.batch_size or 1000)
        seconds, rss, _, _ = measure(helper("_sqlite-in", str(raw_db), str(self.csv_twin), batch),
                                     os.environ.copy(), self.work)
        with sqlite3.connect(raw_db) as conn:
            if conn.execute("SELECT count(*) FROM users").fetchone()[0] != self.rows:
                raise BenchmarkFailed("plain sqlite3 inserts did not load every row")
        self.record(f"raw sqlite3 executemany, commit per {batch} (CSV file)", "sqlite", self.rows,
                    seconds, rss, "import")
        out_path = self.work / "raw-sqlite.csv"
        seconds, rss, _, _ = measure(helper("_sqlite-out", str(raw_db), str(out_path)),
                                     os.environ.copy(), self.work)
        self.check_lines(out_path, self.rows + 1, "plain sqlite3 SELECT")
        out_path.unlink()
        self.record("raw sqlite3 SELECT ORDER BY email + csv.writer", "sqlite", self.rows, seconds,
                    rss, "export")
        for path in self.work.glob("raw-sqlite.db*"):
            path.unlink()

    # -- everything

    def run(self) -> None:
        sys.path.insert(0, str(HERE))
        from generate import generate, invalid_count

        self.facts = machine_facts()
        self.invalid = invalid_count(self.rows, self.args.invalid_every)
        self.valid = self.rows - self.invalid
        start = time.perf_counter()
        generate(self.rows, self.args.format, self.source, self.args.seed, self.args.invalid_every)
        # The same rows as CSV for COPY; without the invalid rows COPY itself would refuse.
        generate(self.rows, "csv", self.csv_twin, self.args.seed, 0)
        self.notes.append(f"generated {self.source.name} ({self.source.stat().st_size / 2**20:.1f} MB)"
                          f" and its CSV twin ({self.csv_twin.stat().st_size / 2**20:.1f} MB) in "
                          f"{time.perf_counter() - start:.1f}s")
        seconds, rss, _, _ = measure([str(BULKIO), "--version"], os.environ.copy(), self.work)
        self.notes.append(f"`bulkio --version` (interpreter start-up and imports): {seconds:.2f}s, "
                          f"{rss:.0f} MB peak RSS")
        print(_header(), flush=True)
        if self.args.backend in ("postgres", "both"):
            self.postgres()
        if self.args.backend in ("sqlite", "both"):
            self.sqlite()
        loads = [r["load_1m_before"] for r in self.results]
        self.notes.append(f"1-minute load average before each step: {min(loads):.2f} to "
                          f"{max(loads):.2f} on {os.cpu_count()} CPUs (anything above ~1 means other "
                          "work shared the machine; compare CPU s, which it disturbs less)")


# -- reporting -----------------------------------------------------------------------------------

COLUMNS = (("operation", 52), ("backend", 8), ("rows", 10), ("seconds", 8), ("rows/s", 9),
           ("peak RSS MB", 11), ("vs COPY", 7), ("job rows/s", 10), ("CPU s", 7))


def _cells(r: dict[str, Any]) -> list[str]:
    return [r["operation"], r["backend"], f"{r['rows']:,}", f"{r['seconds']:.2f}",
            f"{r['rows_per_s']:,}", f"{r['peak_rss_mb']:.0f}",
            "" if r["ratio_to_copy"] is None else f"{r['ratio_to_copy']:.2f}",
            "" if r["job_rows_per_s"] is None else f"{r['job_rows_per_s']:,}",
            f"{r['cpu_seconds']:.1f}"]


def _header() -> str:
    return "  ".join(name.ljust(w) if i < 2 else name.rjust(w)
                     for i, (name, w) in enumerate(COLUMNS))


def _line(r: dict[str, Any]) -> str:
    return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                     for i, (c, (_, w)) in enumerate(zip(_cells(r), COLUMNS, strict=True)))


def markdown_table(results: list[dict[str, Any]]) -> str:
    names = [name for name, _ in COLUMNS]
    lines = ["| " + " | ".join(names) + " |",
             "|" + "|".join(["---", "---"] + ["---:"] * (len(names) - 2)) + "|"]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in results]
    return "\n".join(lines)


def _read(path: str, pattern: str) -> str:
    try:
        found = re.search(pattern, Path(path).read_text(), re.MULTILINE)
    except OSError:
        return "?"
    return found.group(1).strip() if found else "?"


def machine_facts() -> dict[str, Any]:
    import psycopg
    import sqlalchemy

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    mem_kb = int(_read("/proc/meminfo", r"^MemTotal:\s+(\d+)") or 0)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": _read("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "memory_gb": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "psycopg": psycopg.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": None,
        "bulkio_commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_src": git("status", "--porcelain", "--", "src").splitlines() or None,
        "src_diff_sha256": hashlib.sha256(
            git("diff", "HEAD", "--", "src").encode()).hexdigest()[:16],
    }


def report_markdown(run: Run, elapsed: float) -> str:
    f, a = run.facts, run.args
    lines = [
        f"# users import/export benchmark: {run.rows:,} rows ({a.format})",
        "",
        f"Measured {f['date']} with `{' '.join(run.command)}` ({elapsed:.0f}s in all).",
        "",
        "| machine | |",
        "|---|---|",
        f"| nproc | {f['nproc']} ({f['cpu']}) |",
        f"| memory | {f['memory_gb']} GB |",
        f"| kernel | {f['kernel']} |",
        f"| Python | {f['python']} |",
        f"| PostgreSQL | {f['postgresql'] or 'not run'} (local, 127.0.0.1) |",
        f"| SQLite | {f['sqlite']} |",
        f"| psycopg / SQLAlchemy | {f['psycopg']} / {f['sqlalchemy']} |",
        f"| bulkio | commit {f['bulkio_commit']}"
        + (f" plus uncommitted changes under src/ ({len(f['uncommitted_src'])} file(s), diff sha256 "
           f"{f['src_diff_sha256']})" if f["uncommitted_src"] else "") + " |",
        "| PostgreSQL settings | "
        + ", ".join(f"{k}={v}" for k, v in (f.get("postgresql_settings") or {}).items()) + " |",
        f"| batch size | {a.batch_size or 'default (JOB_BATCH_SIZE unset)'} |",
        "",
        markdown_table(run.results),
        "",
        "seconds: wall clock of the whole process (start-up, imports, bulkio's copy of the upload "
        "into its storage, the job, exit). rows/s: rows / seconds. peak RSS: that process's "
        "maximum resident set size (`/usr/bin/time -v`). vs COPY: rows/s over raw PostgreSQL COPY "
        "(imports: COPY FROM STDIN; exports: COPY users TO STDOUT). job rows/s: the job's own rate "
        "from the CLI summary (from claim to completion). CPU s: user + system time of the measured "
        "process alone (not the database server's).",
        "",
        *(f"- {note}" for note in run.notes),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in HELPERS:
        HELPERS[argv[0]](*argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--format", choices=("ndjson", "csv", "json"), default="ndjson")
    parser.add_argument("--invalid-every", type=int, default=0, metavar="K",
                        help="make every K-th row invalid (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each raw PostgreSQL baseline (the median is reported)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="JOB_BATCH_SIZE for bulkio (default: bulkio's own)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server (a database is created and dropped on it)")
    parser.add_argument("--pg-database", default=None, help="name of the scratch database")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where files go (default: a temporary folder, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep the files and the database")
    parser.add_argument("--json", type=Path, default=None, help="write the results as JSON")
    parser.add_argument("--markdown", type=Path, default=None, help="write the results as Markdown")
    parser.add_argument("--plot", type=Path, default=None,
                        help="draw the results as a PNG (needs the `bench` extra: matplotlib)")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if not Path(TIME).exists():
        parser.error(f"{TIME} is needed to measure peak memory (apt-get install time)")

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bulkio-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    run = Run(args, work)
    run.command = ["benchmarks/import_export.py", *argv]
    start = time.perf_counter()
    try:
        run.run()
    except BenchmarkFailed as err:
        print(f"\nBENCHMARK FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - start
    for note in run.notes:
        print(f"- {note}")
    result = {"facts": run.facts, "rows": args.rows, "format": args.format, "invalid": run.invalid,
              "batch_size": args.batch_size, "seconds": round(elapsed), "command": run.command,
              "results": run.results, "notes": run.notes}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.plot:
        sys.path.insert(0, str(HERE))
        from plot import plot

        plot(result, args.plot)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(report_markdown(run, elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
