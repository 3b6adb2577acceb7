"""``bigmul bench``: side-by-side timings of bigmul against CPython int, gmpy2, python-flint and decimal.

What this is for: honest, reproducible comparisons on the machine at hand --
engines interleaved within each repetition (so machine drift hits all alike),
medians reported, every engine's product checked against the reference once,
results written as JSON (with machine and versions), CSV and a log-log plot.
What it is not for: tuning ``auto`` (``bigmul tune``) or unit-level
micro-benchmarks (``benchmarks/``, pytest-benchmark).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .common import count_arg, format_seconds, machine_info, median, positive_arg, progress
from .reference import no_digit_limit

__all__ = ["ENGINES", "Result", "run_sweep", "machine_info", "write_results", "format_table", "format_seconds",
           "add_parser", "median", "SCHEMA"]

SCHEMA = "bigmul-bench/1"
_LOG2_10 = 3.321928094887362

QUICK_SIZES = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
FULL_SIZES = (10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
SHAPES = {"balanced": 1, "1:10": 10, "1:1000": 1000, "square": 1}


@dataclass
class Engine:
    """One competitor: ``make(a, b, square)`` returns a zero-argument callable or raises ``Skip``."""

    name: str
    kinds: tuple[str, ...]
    module: str | None  # import needed (None: always available)
    max_digits: dict[str, int]  # per kind: larger sizes are skipped (too slow to be useful)
    make: Callable[[str, Any, Any, bool], Callable[[], Any]]
    note: str = ""


class Skip(Exception):
    """An engine cannot run this case; the message says why."""


def _decimal_ctx() -> Any:
    import decimal

    return decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _mk_bigmul(method: str) -> Callable[[str, Any, Any, bool], Callable[[], Any]]:
    def make(kind: str, a: Any, b: Any, sq: bool) -> Callable[[], Any]:
        from .. import multiply, square

        if sq:
            return lambda: square(a, method=method)
        return lambda: multiply(a, b, method=method)

    return make


def _mk_int(kind: str, a: Any, b: Any, sq: bool) -> Callable[[], Any]:
    if kind == "int":
        return (lambda: a * a) if sq else (lambda: a * b)

    if 2 * max(len(a), len(b)) < 4000:  # under CPython's digit limit: plain int
        return (lambda: str(int(a) ** 2)) if sq else (lambda: str(int(a) * int(b)))

    def run() -> str:
        with no_digit_limit():
            x = int(a)
            return str(x * x if sq else x * int(b))

    return run


def _mk_gmpy2(kind: str, a: Any, b: Any, sq: bool) -> Callable[[], Any]:
    import gmpy2

    if kind == "int":
        ga, gb = gmpy2.mpz(a), gmpy2.mpz(b)
        return (lambda: ga * ga) if sq else (lambda: ga * gb)
    return lambda: (gmpy2.mpz(a) ** 2 if sq else gmpy2.mpz(a) * gmpy2.mpz(b)).digits()


def _mk_flint(kind: str, a: Any, b: Any, sq: bool) -> Callable[[], Any]:
    import flint

    if kind == "int":
        fa, fb = flint.fmpz(a), flint.fmpz(b)
        return (lambda: fa * fa) if sq else (lambda: fa * fb)
    return lambda: str(flint.fmpz(a) ** 2 if sq else flint.fmpz(a) * flint.fmpz(b))


def _mk_decimal(kind: str, a: Any, b: Any, sq: bool) -> Callable[[], Any]:
    import decimal

    ctx = _decimal_ctx()
    if kind == "int":
        # Decimal(int) goes through str(int), quadratic in CPython: convert with
        # gmpy2 when it is there (not timed either way), else refuse big sizes.
        try:
            import gmpy2

            da, db = decimal.Decimal(gmpy2.mpz(a).digits()), decimal.Decimal(gmpy2.mpz(b).digits())
        except ImportError:
            if max(a.bit_length(), b.bit_length()) > 400_000:
                raise Skip("needs gmpy2 to convert big ints to Decimal in reasonable time") from None
            with no_digit_limit():
                da, db = decimal.Decimal(a), decimal.Decimal(b)
        return (lambda: ctx.multiply(da, da)) if sq else (lambda: ctx.multiply(da, db))
    if sq:
        return lambda: str(ctx.multiply(decimal.Decimal(a), decimal.Decimal(a)))
    return lambda: str(ctx.multiply(decimal.Decimal(a), decimal.Decimal(b)))


_BIG = 10 ** 9
#: The competitors.  For kind "int" the comparators multiply operands already
#: in their own type (conversion is measured separately, see ``conversion``);
#: for kind "str" every engine goes decimal text in -> decimal text out.
ENGINES: dict[str, Engine] = {
    "bigmul": Engine("bigmul", ("int", "str"), None, {"int": _BIG, "str": _BIG}, _mk_bigmul("auto"),
                     "bigmul.multiply, method='auto'"),
    "bigmul-fft": Engine("bigmul-fft", ("int", "str"), None, {"int": _BIG, "str": _BIG}, _mk_bigmul("fft")),
    "bigmul-ntt": Engine("bigmul-ntt", ("int", "str"), None, {"int": 3 * 10 ** 8, "str": 10 ** 7},
                         _mk_bigmul("ntt"), "method='ntt': ints by the small-prime NTT (to its 2**25-digit "
                         "limit), text by the numpy NTT (skipped above 10^7 digits)"),
    "bigmul-direct": Engine("bigmul-direct", ("int", "str"), None, {"int": 10 ** 5, "str": 10 ** 5},
                            _mk_bigmul("direct"), "schoolbook: skipped above 10^5 digits"),
    "int": Engine("int", ("int", "str"), None, {"int": 10 ** 6, "str": 10 ** 5}, _mk_int,
                  "CPython int (str: int(s), str(n) with the digit limit lifted)"),
    "gmpy2": Engine("gmpy2", ("int", "str"), "gmpy2", {"int": _BIG, "str": _BIG}, _mk_gmpy2),
    "flint": Engine("flint", ("int", "str"), "flint", {"int": _BIG, "str": _BIG}, _mk_flint,
                    "python-flint fmpz"),
    "decimal": Engine("decimal", ("int", "str"), None, {"int": _BIG, "str": _BIG}, _mk_decimal,
                      "stdlib decimal, MAX_PREC context"),
}
DEFAULT_ENGINES = ("bigmul", "int", "gmpy2", "flint", "decimal")


def engine_available(e: Engine) -> str | None:
    """None when ``e`` can run here, else the reason it cannot."""
    if e.module is None:
        return None
    try:
        __import__(e.module)
    except ImportError:
        return f"{e.module} is not installed"
    return None


def operands(kind: str, digits: int, shape: str, seed: int) -> tuple[Any, Any, bool]:
    """Seeded operands: ``digits`` decimal digits for the larger one."""
    rng = random.Random(f"{seed}-{kind}-{digits}-{shape}")
    small = max(1, digits // SHAPES[shape])
    if kind == "int":
        def num(d: int) -> int:
            bits = max(1, int(d * _LOG2_10))
            return rng.getrandbits(bits) | (1 << (bits - 1))
    else:
        def num(d: int) -> str:  # type: ignore[misc]
            return str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=d - 1))
    a = num(digits)
    return a, (a if shape == "square" else num(small)), shape == "square"


@dataclass
class Result:
    kind: str
    shape: str
    digits: int
    engine: str
    median_s: float | None = None
    min_s: float | None = None
    times: list[float] = field(default_factory=list)
    number: int = 1
    correct: bool | None = None
    skipped: str | None = None


#: A first call slower than this is not repeated for calibration (its one-time costs could not
#: be told from its work anyway, and a second call would only lengthen the run).
CALIBRATE_REPEAT_MAX_S = 10.0


def _calibrate(fn: Callable[[], Any], target: float) -> tuple[int, Any, float]:
    """``(number, product, seconds)``: calls per timed block so that a block lasts about ``target``.

    The count comes from a second call: the first may carry one-time costs
    (imports, transform plans, twiddle tables, numba's load: ~0.5 s for
    bigmul's first product of 10^5 digits, which then take ~1 ms), and
    calibrating on it timed such an engine one cold call at a time while the
    others ran in warm batches of 20 (timeit's ``autorange`` likewise
    calibrates on repeated calls).  Start-up cost is reported on its own
    (``bigmul demo``, the cold-start figures).  A background load of the fused kernels that the
    first call started is waited for before the second call (``fused.wait``): warm means loaded.
    """
    from ..engines import fused

    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    fused.wait()
    if dt < CALIBRATE_REPEAT_MAX_S and target > 0:
        t = time.perf_counter()
        fn()
        dt = time.perf_counter() - t
    number = 1 if dt >= target else min(10_000, max(1, int(target / max(dt, 1e-7))))
    return number, out, dt


def _same(x: Any, ref: Any) -> bool:
    """Compare an engine's product with the reference without a quadratic conversion."""
    import decimal

    if isinstance(x, (str, decimal.Decimal)):
        return str(x) == _decimal_text(ref)
    return int(x) == int(ref)


def _decimal_text(v: Any) -> str:
    from .reference import int_to_decimal

    return v if isinstance(v, str) else int_to_decimal(v)


def run_sweep(kinds: Iterable[str], sizes: Iterable[int], engines: Iterable[str],
              shapes: Iterable[str] = ("balanced",), repeats: int = 5, seed: int = 1,
              min_time: float = 0.01, progress: bool = True,
              timer: Callable[[], float] = time.perf_counter) -> list[Result]:
    """Time every (kind, shape, size, engine); engines interleaved within each repetition."""
    engines = list(engines)
    for name in engines:
        if name not in ENGINES:
            raise ValueError(f"unknown engine {name!r}; valid engines are {', '.join(ENGINES)}")
    cases = [(k, sh, d) for k in kinds for sh in shapes for d in sizes]
    if any(name.startswith("bigmul") for name in engines):
        # Warm means loaded: the fused kernels are loaded before the first timing, whatever the sizes
        # (otherwise a sweep that starts below FUSED_MIN_BITS timed CPython's product there).  Their
        # one-time cost is ``bigmul demo``'s cold-start figure.
        from ..engines import fused

        fused.available()
    bar = _progress(total=len(cases) * len(engines) * repeats, enabled=progress)
    results: list[Result] = []
    rng = random.Random(seed)
    for kind, shape, digits in cases:
        a, b, sq = operands(kind, digits, shape, seed)
        runs: dict[str, tuple[Callable[[], Any], int]] = {}
        row: dict[str, Result] = {}
        ref = None
        for name in engines:
            e = ENGINES[name]
            r = Result(kind, shape, digits, name)
            row[name] = r
            why = engine_available(e)
            if why is None and kind not in e.kinds:
                why = f"does not take {kind} operands"
            if why is None and digits > e.max_digits[kind]:
                why = f"skipped above {e.max_digits[kind]:,} digits (too slow)"
            if why is None:
                try:
                    fn = e.make(kind, a, b, sq)
                except Skip as exc:
                    why = str(exc)
            if why is None:
                number, out, _ = _calibrate(fn, min_time)
                if ref is None:
                    ref = _reference(kind, a, b, sq)
                r.correct = _same(out, ref)
                r.number = number
                runs[name] = (fn, number)
            else:
                r.skipped = why
                bar.update(repeats)
        for _ in range(repeats):
            order = list(runs)
            rng.shuffle(order)
            for name in order:
                fn, number = runs[name]
                t = timer()
                for _ in range(number):
                    fn()
                row[name].times.append((timer() - t) / number)
                bar.update(1)
        for r in row.values():
            if r.times:
                r.median_s = median(r.times)
                r.min_s = min(r.times)
            results.append(r)
    bar.close()
    return results


def _reference(kind: str, a: Any, b: Any, sq: bool) -> Any:
    """The oracle: Python int semantics (gmpy2 for speed when installed)."""
    from .reference import decimal_to_int, int_to_decimal, product

    if kind == "str":
        x, y = decimal_to_int(a), decimal_to_int(b)
        return int_to_decimal(product(x, x if sq else y))
    return product(a, a if sq else b)


def _progress(total: int, enabled: bool) -> Any:
    return progress(total, enabled, "bench", "run", leave=False)


def _speedups(results: list[Result]) -> dict[tuple[str, str, int, str], dict[str, float | None]]:
    by = {(r.kind, r.shape, r.digits, r.engine): r.median_s for r in results}
    out: dict[tuple[str, str, int, str], dict[str, float | None]] = {}
    for r in results:
        key = (r.kind, r.shape, r.digits)
        t_int, t_gmp = by.get(key + ("int",)), by.get(key + ("gmpy2",))
        s: dict[str, float | None] = {"speedup_vs_int": None, "ratio_vs_gmpy2": None}
        if r.median_s:
            if t_int:
                s["speedup_vs_int"] = t_int / r.median_s
            if t_gmp:
                s["ratio_vs_gmpy2"] = r.median_s / t_gmp
        out[key + (r.engine,)] = s
    return out


CSV_COLUMNS = ["kind", "shape", "digits", "engine", "median_s", "min_s", "repeats", "number",
               "speedup_vs_int", "ratio_vs_gmpy2", "correct", "skipped"]


def write_results(results: list[Result], out_dir: str | os.PathLike, config: dict[str, Any],
                  plot: bool = True) -> dict[str, str]:
    """Write results.json, results.csv and (with matplotlib) results.png; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sp = _speedups(results)
    doc: dict[str, Any] = {"schema": SCHEMA, "machine": machine_info(), "config": config,
           "engines": {n: ENGINES[n].note for n in config.get("engines", [])},
           "results": [dict(asdict(r), **sp[(r.kind, r.shape, r.digits, r.engine)]) for r in results]}
    paths = {"json": str(out / "results.json"), "csv": str(out / "results.csv")}
    with open(paths["json"], "w") as f:
        json.dump(doc, f, indent=1)
    with open(paths["csv"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in results:
            s = sp[(r.kind, r.shape, r.digits, r.engine)]
            w.writerow([r.kind, r.shape, r.digits, r.engine, r.median_s, r.min_s, len(r.times), r.number,
                        s["speedup_vs_int"], s["ratio_vs_gmpy2"], r.correct, r.skipped or ""])
    if plot:
        png = _plot(results, out / "results.png", doc["machine"])
        if png:
            paths["png"] = png
    return paths


def _plot(results: list[Result], path: Path, machine: dict[str, Any]) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: matplotlib is not installed; skipping the plot "
              "(pip install 'bigmul[bench]')", file=sys.stderr)
        return None
    kinds = sorted({r.kind for r in results})
    # Top row: seconds per product; bottom row: each engine's time over gmpy2's
    # (the ratio is what a reader wants), where gmpy2 ran.
    fig, axes = plt.subplots(2, len(kinds), figsize=(6.5 * len(kinds), 8.6), squeeze=False)
    for col, kind in enumerate(kinds):
        ax, rax = axes[0][col], axes[1][col]
        shape = "balanced" if any(r.shape == "balanced" for r in results if r.kind == kind) else None

        def series(eng: str) -> dict[int, float]:
            return {r.digits: r.median_s for r in results
                    if r.kind == kind and r.engine == eng and r.median_s and (shape is None or r.shape == shape)}

        ref = series("gmpy2")
        for eng in dict.fromkeys(r.engine for r in results):
            pts = sorted(series(eng).items())
            if pts:
                ax.loglog(*zip(*pts), marker="o", label=eng)
            rel = [(d, t / ref[d]) for d, t in pts if d in ref]
            if rel and eng != "gmpy2":
                rax.semilogx(*zip(*rel), marker="o", label=eng)
        ax.set_xlabel("decimal digits per operand")
        ax.set_ylabel("median seconds per product")
        title = "int x int" if kind == "int" else "decimal text in and out"
        ax.set_title(f"{title} ({shape or 'all shapes'})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        rax.axhline(1.0, color="black", lw=0.8)
        rax.set_yscale("log")
        rax.set_xlabel("decimal digits per operand")
        rax.set_ylabel("time / gmpy2's time (below 1: faster than GMP)")
        rax.set_title(f"{title}: relative to gmpy2")
        rax.grid(True, which="both", alpha=0.3)
        if rax.get_legend_handles_labels()[0]:
            rax.legend(fontsize=8)
        else:
            rax.text(0.5, 0.5, "gmpy2 not in this run", ha="center", transform=rax.transAxes)
    fig.suptitle(f"bigmul bench on {machine['cpu']} ({machine['cpu_count']} cores), "
                 f"Python {machine['python']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def _rel(other: Result | None, b: Result | None) -> str:
    if not (b and other and b.median_s and other.median_s):
        return "-"
    x = other.median_s / b.median_s
    return f"{x:.1f}x faster" if x >= 1 else f"{1 / x:.1f}x slower"


def format_table(results: list[Result]) -> str:
    """Plain-text table: one row per (kind, shape, size), engines as columns, then bigmul's ratios."""
    engines = list(dict.fromkeys(r.engine for r in results))
    keys = list(dict.fromkeys((r.kind, r.shape, r.digits) for r in results))
    by = {(r.kind, r.shape, r.digits, r.engine): r for r in results}
    head = ["kind", "shape", "digits"] + engines + ["bigmul/int x", "bigmul:gmpy2"]
    rows = [head]
    for k in keys:
        cells = [k[0], k[1], f"{k[2]:,}"]
        for e in engines:
            r = by.get(k + (e,))
            cells.append(format_seconds(r.median_s) + ("" if r is None or r.correct in (None, True) else "!WRONG")
                         if r else "-")
        b, i, g = (by.get(k + (e,)) for e in ("bigmul", "int", "gmpy2"))
        cells.append(_rel(i, b))
        cells.append(f"{b.median_s / g.median_s:.2f}x time" if b and g and b.median_s and g.median_s else "-")
        rows.append(cells)
    widths = [max(len(r[j]) for r in rows) for j in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _sizes(text: Sequence[str]) -> list[int]:
    out = []
    for t in text:
        for part in t.split(","):
            part = part.strip().lower().replace("_", "")
            if not part:
                continue
            try:
                v = int(float(part)) if "e" in part else int(part)
            except ValueError:
                raise argparse.ArgumentTypeError(f"bad size {part!r}: use integers like 1000 or 1e6") from None
            if not 1 <= v <= 10 ** 9:
                raise argparse.ArgumentTypeError(f"size {v} out of range 1..10^9")
            out.append(v)
    return out


def _check_out_dir(path: str) -> None:
    """Create ``--out`` now and check it is a writable directory (raises CLIError otherwise)."""
    from .common import CLIError

    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CLIError(f"--out {path!r} exists and is not a directory") from None
    except OSError as exc:
        raise CLIError(f"cannot create --out directory {path!r}: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise CLIError(f"--out directory {path!r} is not writable")


def cmd_bench(args: argparse.Namespace) -> int:
    from .common import CLIError

    if args.end_to_end and not args.app:
        raise CLIError("--end-to-end goes with --app pi")
    if args.app:
        from .app_pi import run_pi, run_pi_end_to_end

        if not 100 <= args.digits <= 10**8:
            raise CLIError("--digits must be between 100 and 100000000")
        if args.out:
            _check_out_dir(args.out)
        if args.end_to_end:
            res = run_pi_end_to_end(args.digits, repeats=args.repeats or 3, progress=not args.no_progress)
        else:
            res = run_pi(args.digits, repeats=args.repeats or 3)
        if args.out:
            _check_out_dir(args.out)
            (Path(args.out) / "pi.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
        return 0 if res["agree"] else 1
    if args.kind == "convolve":
        return _cmd_bench_convolve(args)
    if args.kind == "ops":
        return _cmd_bench_ops(args)
    kinds = ["int", "str"] if args.kind == "all" else [args.kind]
    try:
        sizes = _sizes(args.sizes) if args.sizes else list(QUICK_SIZES if args.quick else FULL_SIZES)
    except argparse.ArgumentTypeError as exc:
        raise CLIError(str(exc)) from None
    engines = [e.strip() for e in ",".join(args.engines).split(",") if e.strip()] if args.engines \
        else list(DEFAULT_ENGINES)
    if "all" in engines:
        engines = list(ENGINES)
    for e in engines:
        if e not in ENGINES:
            raise CLIError(f"unknown engine {e!r}; valid engines are {', '.join(ENGINES)}")
    shapes = [s.strip() for s in ",".join(args.shapes).split(",")] if args.shapes else ["balanced"]
    for s in shapes:
        if s not in SHAPES:
            raise CLIError(f"unknown shape {s!r}; valid shapes are {', '.join(SHAPES)}")
    if args.out:  # before the sweep: a bad directory must not cost the results
        _check_out_dir(args.out)
    repeats = args.repeats or (3 if args.quick else 5)
    if args.quick:
        sizes = [s for s in sizes if s <= 10 ** 6]
    t0 = time.perf_counter()
    results = run_sweep(kinds, sizes, engines, shapes, repeats=repeats, seed=args.seed,
                        min_time=0.005 if args.quick else 0.02, progress=not args.no_progress)
    print(format_table(results))
    wrong = [r for r in results if r.correct is False]
    config = {"kinds": kinds, "sizes": sizes, "engines": engines, "shapes": shapes, "repeats": repeats,
              "seed": args.seed, "quick": args.quick, "wall_s": round(time.perf_counter() - t0, 2),
              "command": "bigmul " + " ".join(sys.argv[1:]) if sys.argv else "bigmul bench"}
    if args.out:
        paths = write_results(results, args.out, config, plot=not args.no_plot)
        print("wrote " + ", ".join(paths.values()), file=sys.stderr)
    for r in results:
        if r.skipped and r.skipped.endswith("not installed"):
            print(f"note: {r.engine} skipped: {r.skipped}", file=sys.stderr)
            break
    if wrong:
        print(f"bench: {len(wrong)} engine results were WRONG: "
              + ", ".join(f"{r.engine}@{r.digits}" for r in wrong), file=sys.stderr)
        return 1
    return 0


def _cmd_bench_ops(args: argparse.Namespace) -> int:
    from .bench_ops import format_ops, run_ops
    from .common import CLIError

    try:
        sizes = _sizes(args.sizes) if args.sizes else ([10**4, 10**5, 10**6] if args.quick
                                                       else [10**4, 10**5, 10**6, 10**7])
    except argparse.ArgumentTypeError as exc:
        raise CLIError(str(exc)) from None
    engines = [e.strip() for e in ",".join(args.engines).split(",") if e.strip()] if args.engines \
        else ["bigmul", "gmpy2", "flint", "int", "other"]
    for e in engines:
        if e not in ("bigmul", "gmpy2", "flint", "int", "other"):
            raise CLIError(f"unknown engine {e!r} for --kind ops; valid: bigmul, gmpy2, flint, int, other "
                           "(another CPython on PATH, e.g. python3.13)")
    if args.out:
        _check_out_dir(args.out)
    res = run_ops(sizes, engines, repeats=args.repeats or 3, seed=args.seed, progress=not args.no_progress)
    print(format_ops(res))
    if args.out:
        res["machine"] = machine_info()
        (Path(args.out) / "ops.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    if res["wrong"]:
        print("bench: WRONG results: " + ", ".join(res["wrong"]), file=sys.stderr)
        return 1
    return 0


def _cmd_bench_convolve(args: argparse.Namespace) -> int:
    from .bench_convolve import GRID, QUICK_GRID, format_grid, run_grid, write_grid
    from .common import CLIError

    if args.sizes or args.shapes or args.engines:
        raise CLIError("--kind convolve runs its own grid (length x bits); --sizes, --shapes and "
                       "--engines do not apply")
    if args.out:
        _check_out_dir(args.out)
    grid = QUICK_GRID if args.quick else GRID
    repeats = args.repeats or (3 if args.quick else 7)
    t0 = time.perf_counter()
    rows = run_grid(grid, repeats=repeats, seed=args.seed, progress=not args.no_progress)
    print(format_grid(rows))
    if args.out:
        config = {"grid": grid, "repeats": repeats, "seed": args.seed, "wall_s": round(time.perf_counter() - t0, 2),
                  "command": "bigmul " + " ".join(sys.argv[1:])}
        print("wrote " + ", ".join(write_grid(rows, args.out, config, plot=not args.no_plot)), file=sys.stderr)
    bad = [r for r in rows if r.bigmul_exact is False or any(v == "WRONG result" for v in r.why.values())]
    if bad:
        print(f"bench: {len(bad)} grid points with a WRONG exact result", file=sys.stderr)
        return 1
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("bench", help="time bigmul against int, gmpy2, python-flint and decimal",
                       description="Size sweep with engines interleaved and medians of repeated runs; "
                                   "prints a table and, with --out, writes results.json, results.csv "
                                   "and results.png.")
    p.add_argument("--quick", action="store_true", help="sizes up to 10^6, fewer repeats (< 1 minute)")
    p.add_argument("--kind", choices=["int", "str", "all", "convolve", "ops"], default="int",
                   help="int products, decimal text, both, convolve: the exact-convolution grid "
                        "(length x coefficient bits) against python-flint, numpy and scipy, or ops: "
                        "from_str, to_str, to_digits, from_digits, divmod and isqrt against gmpy2, "
                        "python-flint and CPython (engines bigmul,gmpy2,flint,int,other)")
    p.add_argument("--sizes", nargs="+", metavar="N", help="decimal digits, e.g. 1000 1e5 1e6")
    p.add_argument("--engines", nargs="+", metavar="E",
                   help=f"comma or space separated; default {','.join(DEFAULT_ENGINES)}; "
                        f"'all' or any of: {','.join(ENGINES)}")
    p.add_argument("--shapes", nargs="+", metavar="S", help=f"default balanced; any of {','.join(SHAPES)}")
    p.add_argument("--repeats", type=positive_arg, default=None,
                   help="timed repetitions per engine, at least 1 (median reported; default per kind)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", metavar="DIR", help="write results.json, results.csv, results.png here")
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--app", choices=["pi"], help="an application benchmark instead of the sweep: "
                   "pi by Chudnovsky binary splitting with bigmul, int and gmpy2 doing the products")
    p.add_argument("--digits", type=count_arg, default=100_000, help="digits for --app (default 10^5)")
    p.add_argument("--end-to-end", action="store_true",
                   help="with --app pi: the whole computation (series, isqrt, division, digits) with bigmul, "
                        "against gmpy2's same four stages and mpmath.mp.pi, with peak memory")
    p.set_defaults(func=cmd_bench)
