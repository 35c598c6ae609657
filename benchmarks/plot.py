"""Draw a results file of `import_export.py` or `http_jobs.py` (--json) as a PNG: rows/s per
operation against raw COPY.

    .venv/bin/python benchmarks/plot.py benchmarks/results/RESULT.json   # writes RESULT.png

Needs matplotlib, a benchmark-only extra: `.venv/bin/pip install -e ".[bench]"`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def plot(result: dict[str, Any], out: Path) -> None:
    """One horizontal bar per measured operation (rows/s), labelled with its ratio to COPY."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    rows = [r for r in result["results"] if r["rows_per_s"]]
    labels = [f"{r['operation']} [{r['backend']}]" for r in rows]
    rates = [r["rows_per_s"] for r in rows]
    colours = ["#888888" if r["operation"].startswith("raw") else
               "#1f77b4" if r["kind"] == "import" else "#2ca02c" for r in rows]
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(rows) + 1.6))
    bars = ax.barh(range(len(rows)), rates, color=colours)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    if max(rates) > 50 * min(rates):  # imports and exports of one run differ by orders
        ax.set_xscale("log")
    label = "rows per second (whole process, wall clock)"
    if any(r["backend"] == "production (HTTP)" for r in rows):
        label = "rows/s (HTTP: upload to job done, or the download; raw COPY: the COPY alone)"
    ax.set_xlabel(label + (", log scale" if ax.get_xscale() == "log" else ""), fontsize=8)
    for bar, r in zip(bars, rows, strict=True):
        ratio = r["ratio_to_copy"]
        text = f"{r['rows_per_s']:,}" + ("" if ratio is None else f"  ({ratio:.2f}x COPY)") \
            + f"  {r['peak_rss_mb']:.0f} MB"
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, " " + text, va="center",
                fontsize=7)
    facts = result["facts"]
    ax.set_title(f"{result['rows']:,} rows ({result['format']}), {facts['nproc']} CPUs, "
                 f"PostgreSQL {facts['postgresql']}, commit {facts['bulkio_commit']}", fontsize=9)
    if ax.get_xscale() == "log":
        ax.set_xlim(min(rates) / 2, max(rates) * 12)
    else:
        ax.set_xlim(0, max(rates) * 1.45)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[0])
    plot(json.loads(source.read_text()), source.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
