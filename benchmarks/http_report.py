"""The results of `http_jobs.py`: one console line per step, the JSON document and its Markdown.

The peak-memory check compares, per format, the peak RSS of the API and of the worker while the
big users import (or export) ran with the same step on `--reference-rows` users: the target is
at most 150 MB and at most 1.25 times the small run's peak.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

RSS_LIMIT_MB = 150.0
RSS_GROWTH_LIMIT = 1.25
COLUMNS = (("operation", 58), ("path", 18), ("rows", 10), ("seconds", 8), ("rows/s", 9),
           ("vs COPY", 7), ("API MB", 7), ("worker MB", 9), ("job rows/s", 10), ("CPU s", 6),
           ("load", 5))


def _number(value: Any, form: str) -> str:
    return "" if value is None else format(value, form)


def cells(r: dict[str, Any]) -> list[str]:
    """The table cells of one result. Raw COPY and CLI lines show their own process's peak in
    the API column's place, as `x MB (process)`."""
    api = _number(r.get("api_peak_rss_mb"), ".0f")
    if r.get("api_peak_rss_mb") is None and r.get("peak_rss_mb") is not None:
        api = f"{r['peak_rss_mb']:.0f} (process)"
    return [r["operation"], r["backend"], f"{r['rows']:,}", f"{r['seconds']:.2f}",
            f"{r['rows_per_s']:,}", _number(r.get("ratio_to_copy"), ".2f"), api,
            _number(r.get("worker_peak_rss_mb"), ".0f"), _number(r.get("job_rows_per_s"), ","),
            _number(r.get("cpu_seconds"), ".1f"), _number(r.get("load_1m_before"), ".1f")]


def header() -> str:
    return "  ".join(name.ljust(w) if i < 2 else name.rjust(w)
                     for i, (name, w) in enumerate(COLUMNS))


def line(r: dict[str, Any]) -> str:
    return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                     for i, (c, (_, w)) in enumerate(zip(cells(r), COLUMNS, strict=True)))


def rss_checks(results: list[dict[str, Any]], rows: int, reference: int) -> list[dict[str, Any]]:
    """Per format and direction, the users step at `rows` beside the same step at `reference`."""
    checks = []
    http = [r for r in results if r["backend"] == "production (HTTP)" and r["resource"] == "users"]
    for fmt in dict.fromkeys(r["format"] for r in http):
        for label, prefix in (("import", "HTTP import:"), ("export", "HTTP streaming export:")):
            def step(n: int, fmt: str = fmt, prefix: str = prefix) -> dict[str, Any] | None:
                return next((r for r in http if r["format"] == fmt and r["rows"] == n
                             and r["operation"].startswith(prefix)), None)

            big, small = step(rows), step(reference)
            if big is None or small is None or rows == reference:
                continue
            for process in ("api", "worker"):
                peak, base = big[f"{process}_peak_rss_mb"], small[f"{process}_peak_rss_mb"]
                growth = peak / base
                checks.append({"format": fmt, "step": label, "process": process, "rows": rows,
                               "peak_mb": peak, "reference_rows": reference,
                               "reference_peak_mb": base, "growth": round(growth, 3),
                               "met": peak <= RSS_LIMIT_MB and growth <= RSS_GROWTH_LIMIT})
    return checks


def result(run: Any, args: argparse.Namespace, argv: list[str], elapsed: float) -> dict[str, Any]:
    """The JSON document of a run."""
    loads = [r["load_1m_before"] for r in run.results if r.get("load_1m_before") is not None]
    notes = list(run.notes)
    if loads:
        notes.append(f"1-minute load average before each step: {min(loads):.2f} to "
                     f"{max(loads):.2f} on {os.cpu_count()} CPUs (the load column of each line); "
                     "the machine is shared, so compare ratios within this run")
    checks = rss_checks(run.results, args.rows, args.reference_rows)
    return {"facts": run.facts, "rows": args.rows, "format": "+".join(args.formats),
            "formats": args.formats, "resources": args.resources,
            "reference_rows": args.reference_rows, "batch_size": args.batch_size,
            "seconds": round(elapsed), "command": ["benchmarks/http_jobs.py", *argv],
            "results": run.results, "rss_checks": checks, "notes": notes}


def _facts_table(f: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    idle = f.get("idle_rss_mb") or {}
    return [
        "| machine | |", "|---|---|",
        f"| nproc | {f['nproc']} ({f['cpu']}) |",
        f"| memory | {f['memory_gb']} GB |",
        f"| kernel | {f['kernel']} |",
        f"| Python | {f['python']} |",
        f"| PostgreSQL | {f.get('postgresql') or '?'} (local, 127.0.0.1) |",
        f"| psycopg / SQLAlchemy | {f['psycopg']} / {f['sqlalchemy']} |",
        f"| bulkio | commit {f['bulkio_commit']}"
        + (f" plus uncommitted changes under src/ ({len(f['uncommitted_src'])} file(s))"
           if f["uncommitted_src"] else "") + " |",
        "| production set | 1 `bulkio serve` + 1 `bulkio worker` (default JOB_CONCURRENCY), "
        "PostgreSQL, Redis, S3 = moto server (child process) |",
        f"| RSS after start-up | API {idle.get('api', '?')} MB, worker {idle.get('worker', '?')} MB |",
        f"| batch size | {doc['batch_size'] or 'default (JOB_BATCH_SIZE unset)'} |",
    ]


def markdown(doc: dict[str, Any]) -> str:
    """The Markdown report of a run."""
    names = [name for name, _ in COLUMNS]
    table = ["| " + " | ".join(names) + " |",
             "|" + "|".join(["---", "---"] + ["---:"] * (len(names) - 2)) + "|"]
    table += ["| " + " | ".join(cells(r)) + " |" for r in doc["results"]]
    checks = ["| format | step | process | peak MB | at rows | reference MB | at rows | growth "
              "| ≤150 MB and ≤1.25× |", "|---|---|---|---:|---:|---:|---:|---:|---|"]
    checks += [f"| {c['format']} | {c['step']} | {c['process']} | {c['peak_mb']:.0f} | "
               f"{c['rows']:,} | {c['reference_peak_mb']:.0f} | {c['reference_rows']:,} | "
               f"{c['growth']:.2f} | {'met' if c['met'] else 'NOT met'} |"
               for c in doc["rss_checks"]]
    lines = [
        f"# Import and export through the HTTP job path: {doc['rows']:,} rows "
        f"({', '.join(doc['resources'])}; {', '.join(doc['formats'])})",
        "",
        f"Measured {doc['facts']['date']} with `{' '.join(doc['command'])}` "
        f"({doc['seconds']:.0f}s in all).",
        "",
        *([] if doc.get("complete", True) else [
            "**Incomplete**: the run stopped (or is still running) after the steps below.", ""]),
        *_facts_table(doc["facts"], doc),
        "",
        *table,
        "",
        "seconds: for HTTP imports, from the start of the upload (POST /v1/imports) until the "
        "poll sees the job completed; for HTTP exports, the whole streamed GET /v1/exports into "
        "a file. rows/s: rows / seconds. vs COPY: rows/s over raw PostgreSQL COPY of the same "
        "resource and rows in this run (imports: COPY FROM STDIN of a CSV file into a copy of the "
        "table, without foreign keys; exports: COPY table TO STDOUT). API MB / worker MB: peak "
        "resident set size (VmHWM, reset before each step) of `bulkio serve` and `bulkio worker`; "
        "for raw COPY and CLI lines, the measured process's own peak. job rows/s: the job's own "
        "rate (its metrics). CPU s: user + system time of API + worker during the step (raw "
        "COPY and CLI: the measured process alone; never the database server's). load: 1-minute "
        "load average before the step.",
        "",
    ]
    if doc["rss_checks"]:
        lines += ["## Peak memory against the small run", "", *checks, ""]
    lines += [f"- {note}" for note in doc["notes"]]
    return "\n".join(lines) + "\n"
