"""``bigmul bench --kind convolve``: exact convolution against python-flint, numpy and scipy.

What this is for: the side-by-side grid (sequence length x coefficient bits)
for ``bigmul.convolve``: lists of Python ints in and out for every engine
(flint's time includes building both ``fmpz_poly`` and reading the
coefficients back; bigmul's includes converting its array result to a list),
engines interleaved within each repetition, medians reported, every result
compared with flint's (or, without flint, with an object-dtype schoolbook).
``numpy.convolve`` runs only where it is exact (every coefficient provably
below ``2**63``) and the work is reasonable; ``scipy.signal.fftconvolve``
runs on float64 copies and its column counts the coefficients it gets wrong
after rounding -- the reason this function exists.
What it is not for: int or text products (``bench.py``).
"""
from __future__ import annotations

import csv
import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .common import format_seconds, machine_info, median
from .reference import flint_convolve

__all__ = ["GRID", "QUICK_GRID", "Row", "run_grid", "format_grid", "write_grid"]

#: (length of x, coefficient bits): y has ``length // 2 + 1`` values; all signed, in (-2**bits, 2**bits).
GRID = [(n, b) for n in (10**3, 10**4, 10**5) for b in (8, 20, 40, 64)] + [(10**3, 1000), (10**2, 100_000)]
QUICK_GRID = [(n, b) for n in (10**3, 10**4) for b in (8, 20, 40, 64)] + [(10**3, 1000)]
ENGINES = ("bigmul", "flint", "numpy", "scipy")
#: numpy.convolve is a schoolbook: skipped above this many multiply-adds.
NUMPY_MAX_WORK = 10**8


@dataclass
class Row:
    """One grid point: medians per engine (None: did not run, ``why`` says why)."""

    length: int
    other: int
    bits: int
    times: dict[str, float | None] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    scipy_wrong: int | None = None
    bigmul_exact: bool | None = None
    plan: str = ""

    @property
    def ratio(self) -> float | None:
        b, f = self.times.get("bigmul"), self.times.get("flint")
        return b / f if b and f else None


def operands(n: int, bits: int, seed: int) -> tuple[list[int], list[int]]:
    rng = random.Random(f"conv-{seed}-{n}-{bits}")
    top = 2 ** bits

    def val() -> int:
        return rng.randrange(-top + 1, top)

    return [val() for _ in range(n)], [val() for _ in range(n // 2 + 1)]


def _reference(x: list[int], y: list[int]) -> list[int]:
    ref = flint_convolve(x, y)
    return ref if ref is not None else np.convolve(np.array(x, dtype=object), np.array(y, dtype=object)).tolist()


def run_grid(grid: list[tuple[int, int]], repeats: int = 5, seed: int = 1,
             engines: tuple[str, ...] = ENGINES, progress: bool = True) -> list[Row]:
    """Time every grid point, engines interleaved within each repetition; check every result."""
    import bigmul

    from .common import progress as bar_for

    rows = []
    bar = bar_for(len(grid), progress, "convolve grid", "point")
    for n, bits in grid:
        x, y = operands(n, bits, seed)
        row = Row(n, len(y), bits, plan=str(bigmul.choose_method(x, y)).split(":")[0])
        ref = _reference(x, y)
        fns: dict[str, Callable[[], Any]] = {}
        if "bigmul" in engines:
            fns["bigmul"] = lambda: bigmul.convolve(x, y).tolist()
        if "flint" in engines:
            if flint_convolve([1], [1]) is None:
                row.why["flint"] = "python-flint is not installed"
            else:
                fns["flint"] = lambda: flint_convolve(x, y)
        exact64 = min(len(x), len(y)) * (2 ** bits - 1) ** 2 < 2 ** 63
        if "numpy" in engines:
            if not exact64:
                row.why["numpy"] = "not exact: coefficients can pass 2**63 (int64 wraps)"
            elif len(x) * len(y) > NUMPY_MAX_WORK:
                row.why["numpy"] = f"skipped: schoolbook above {NUMPY_MAX_WORK:.0e} multiply-adds"
            else:
                fns["numpy"] = lambda: np.convolve(np.array(x, dtype=np.int64), np.array(y, dtype=np.int64)).tolist()
        if "scipy" in engines:
            if bits > 64:
                row.why["scipy"] = "values do not fit float64 in any useful way"
            else:
                from scipy.signal import fftconvolve

                fns["scipy"] = lambda: np.rint(fftconvolve(np.array(x, dtype=np.float64),
                                                           np.array(y, dtype=np.float64))).tolist()
        for name, fn in fns.items():  # once, untimed: correctness
            out = fn()
            if name == "scipy":
                row.scipy_wrong = sum(1 for a, b in zip(out, ref) if int(a) != b)
            elif name == "bigmul":
                row.bigmul_exact = [int(v) for v in out] == ref
            elif [int(v) for v in out] != ref:
                row.why[name] = "WRONG result"
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(repeats):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
        row.times = {k: median(v) for k, v in times.items()}
        rows.append(row)
        bar.update(1)
    bar.close()
    return rows


def format_grid(rows: list[Row]) -> str:
    """Markdown table: times per engine, scipy's wrong coefficients, bigmul:flint time ratio."""
    head = ["lengths", "bits", "bigmul", "flint fmpz_poly", "numpy.convolve", "scipy fftconvolve (wrong)",
            "bigmul:flint", "bigmul plan"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        def t(name: str) -> str:
            v = r.times.get(name)
            return format_seconds(v, sep=" ") if v else "—"
        sc = t("scipy") + (f" ({r.scipy_wrong:,} wrong)" if r.scipy_wrong is not None else "")
        exact = "" if r.bigmul_exact in (True, None) else " WRONG"
        ratio = f"{r.ratio:.2f}×" if r.ratio else "—"
        lines.append(f"| {r.length:,} × {r.other:,} | {r.bits:,} | {t('bigmul')}{exact} | {t('flint')} | "
                     f"{t('numpy')} | {sc} | {ratio} | {r.plan} |")
    return "\n".join(lines)


def write_grid(rows: list[Row], out_dir: str, config: dict[str, Any], plot: bool = True) -> list[str]:
    """Write convolve.json (with machine and versions), convolve.csv and convolve.png into ``out``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = {"schema": "bigmul-bench-convolve/1", "machine": machine_info(), "config": config,
           "rows": [dict(asdict(r), ratio=r.ratio) for r in rows]}
    paths = [out / "convolve.json", out / "convolve.csv"]
    paths[0].write_text(json.dumps(doc, indent=1) + "\n")
    with open(paths[1], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["length", "other", "bits"] + [f"{e}_s" for e in ENGINES] + ["scipy_wrong", "bigmul_flint"])
        for r in rows:
            w.writerow([r.length, r.other, r.bits] + [r.times.get(e) for e in ENGINES]
                       + [r.scipy_wrong, r.ratio])
    if plot:
        p = _plot(rows, out / "convolve.png", machine_info())
        if p:
            paths.append(Path(p))
    return [str(p) for p in paths]


def _plot(rows: list[Row], path: Path, machine: dict[str, Any]) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    labels = [f"{r.length:,}×{r.other:,}\n{r.bits:,} b" for r in rows]
    xs = np.arange(len(rows))
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(max(8, 0.9 * len(rows)), 8), sharex=True)
    width = 0.2
    for i, (name, color) in enumerate((("bigmul", "C0"), ("flint", "C1"), ("numpy", "C2"), ("scipy", "C3"))):
        vals = [r.times.get(name) or np.nan for r in rows]
        ax.bar(xs + (i - 1.5) * width, vals, width, label=name + (" (rounds: inexact)" if name == "scipy" else ""),
               color=color)
    ax.set_yscale("log")
    ax.set_ylabel("seconds (median, lists in and out)")
    ax.legend(fontsize=8)
    ax.set_title(f"exact convolution: bigmul vs flint fmpz_poly -- {machine.get('cpu', '')}", fontsize=9)
    ax2.bar(xs, [r.ratio or np.nan for r in rows], color="C0")
    ax2.axhline(1.0, color="k", lw=0.8)
    ax2.axhline(2.0, color="C3", lw=0.8, ls="--", label="2× flint")
    ax2.set_ylabel("bigmul time / flint time")
    ax2.legend(fontsize=8)
    ax2.set_xticks(xs, labels, fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)
