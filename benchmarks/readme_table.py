"""Print the README's markdown table from a ``bigmul bench --out DIR`` run.

    python benchmarks/readme_table.py [benchmarks/results/results.json]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ENGINES = ("bigmul", "int", "gmpy2", "flint", "decimal")


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bigmul.tools.bench import format_seconds  # noqa: E402


def fmt(t: float | None) -> str:
    return format_seconds(t, micro="µs", sep=" ", none="—")


def rel(other: float | None, b: float | None) -> str:
    if not other or not b:
        return "—"
    x = other / b
    return f"{x:.1f}× faster" if x >= 1 else f"{1 / x:.1f}× slower"


def table(doc: dict) -> str:
    rows: dict[tuple[str, int], dict[str, float | None]] = {}
    for r in doc["results"]:
        if r["shape"] == "balanced":
            rows.setdefault((r["kind"], r["digits"]), {})[r["engine"]] = r["median_s"]
    out = ["| operands | digits | bigmul (auto) | CPython int | gmpy2 | python-flint | decimal "
           "| bigmul vs int | bigmul vs gmpy2 | bigmul vs decimal |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (kind, digits), e in sorted(rows.items()):
        b, i, g, fl, de = (e.get(k) for k in ENGINES)
        out.append(f"| {'int × int' if kind == 'int' else 'decimal text'} | {digits:,} | {fmt(b)} | {fmt(i)} "
                   f"| {fmt(g)} | {fmt(fl)} | {fmt(de)} | {rel(i, b)} | {rel(g, b)} | {rel(de, b)} |")
    return "\n".join(out)


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results" / "results.json")
    doc = json.loads(path.read_text())
    m = doc["machine"]
    print(f"<!-- {m['machine']}, {m['cpu']}, {m['date']}, Python {m['python']} -->")
    print(table(doc))
