"""Validation alone, in one process: the compiled fast path against the domain's `validate`.

    .venv/bin/python benchmarks/validation.py --rows 100000 --format ndjson

Reads a generated users file once (NDJSON, CSV or JSON, as bulkio's readers hand rows over),
then checks every row in turn with `validate`, with the fast path (`compiled(...)`) and with the
fast path as the import runs it (falling back to `validate`), several times each, alternating,
and prints the best microseconds per row of each. Rows are held in memory (about 1 KB each).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("ndjson", "csv", "json"), default="ndjson")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--invalid-every", type=int, default=0, metavar="K")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from generate import generate

    from bulkio.domain.resources import USERS
    from bulkio.domain.rows import SourceRow
    from bulkio.domain.validation import validate
    from bulkio.formats import Format, open_rows
    from bulkio.services.compiled_validation import compiled

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"users.{args.format}"
        generate(args.rows, args.format, path, 1, args.invalid_every)
        rows = [r for r in open_rows(io.BytesIO(path.read_bytes()), Format(args.format))
                if isinstance(r, SourceRow)]
    fast = compiled(USERS, lax=args.format == "csv")

    def domain() -> int:
        return sum(validate(USERS, row).record is not None for row in rows)

    def fast_only() -> int:
        return sum(fast(row.values) is not None for row in rows)

    def as_imported() -> int:
        return sum(fast(row.values) is not None or validate(USERS, row).record is not None
                   for row in rows)

    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    for _ in range(args.repeats):
        for name, check in (("validate", domain), ("fast path", fast_only),
                            ("fast path, else validate", as_imported)):
            start = time.perf_counter()
            counts[name] = check()
            seconds = time.perf_counter() - start
            best[name] = min(best.get(name, seconds), seconds)
    if counts["validate"] != counts["fast path, else validate"]:
        print(f"FAILED: validate accepts {counts['validate']:,} rows, the import path "
              f"{counts['fast path, else validate']:,}", file=sys.stderr)
        return 1
    print(f"{len(rows):,} {args.format} rows, best of {args.repeats}:")
    for name, seconds in best.items():
        print(f"  {name:26} {seconds / len(rows) * 1e6:6.2f} µs/row   accepted {counts[name]:,}")
    print(f"  speed-up of the import's check: {best['validate'] / best['fast path, else validate']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
