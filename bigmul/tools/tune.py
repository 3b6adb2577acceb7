"""``bigmul tune``: measure the crossovers ``auto`` depends on, on this machine.

What this is for: replacing the package's default thresholds (``tuning.py``,
measured on the development machine) with ones measured here, shown with
their evidence, and optionally saved to a user config file that ``auto``
reads at import.
What it is not for: limb sizes and decimal bases -- those come from the
error bounds (``bounds.py``) and are never traded for speed.

Config file: ``$BIGMUL_TUNING`` if set, else ``~/.config/bigmul/tuning.json``;
a JSON object mapping threshold names to integers.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

__all__ = ["config_path", "measure_crossover", "run_tune", "run_rows", "EXTRA_ROWS", "add_parser"]


def config_path() -> Path:
    """Where ``bigmul tune --write`` saves, and where ``auto`` looks (``tuning.config_path``)."""
    from .. import tuning

    return Path(tuning.config_path())


def _median_time(fn: Callable[[], Any], repeats: int) -> float:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def measure_crossover(sizes: list[int], make: Callable[[int], tuple[Callable[[], Any], Callable[[], Any]]],
                      repeats: int = 7) -> tuple[int | None, list[tuple[int, float, float]]]:
    """First size from which ``fast`` beats ``slow`` at every larger size tried.

    ``make(size)`` returns ``(slow, fast)`` callables; both are timed in
    alternation and the medians compared.  Returns ``(size or None, evidence)``
    with evidence rows ``(size, slow median, fast median)``.
    """
    rows = []
    for n in sizes:
        slow, fast = make(n)
        slow(), fast()  # first calls may import or build what later calls reuse: not timed
        ts, tf = [], []
        for _ in range(repeats):  # alternate so drift hits both
            ts.append(_median_time(slow, 1))
            tf.append(_median_time(fast, 1))
        rows.append((n, statistics.median(ts), statistics.median(tf)))
    cross = None
    for i in range(len(rows)):
        if all(r[2] < r[1] for r in rows[i:]):
            cross = rows[i][0]
            break
    return cross, rows


def _int_pair(bits: int) -> tuple[int, int]:
    """Two random ``bits``-bit operands, the same for a given size in every row."""
    r = random.Random(bits)
    return r.getrandbits(bits) | 1 << (bits - 1), r.getrandbits(bits) | 1 << (bits - 1)


def _int_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from ..api import multiply_int

    a, b = _int_pair(bits)
    return (lambda: a * b), (lambda: multiply_int(a, b, "fft"))


def _int_fused_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The Karatsuba engine (the route below the crossover once the kernels are loaded) vs fft."""
    from ..api import multiply_int
    from ..engines import fused, routes

    fused.available()  # the kernels loaded, as in a process that has run one large product
    a, b = _int_pair(bits)
    return (lambda: routes.karatsuba_int_product(a, b)), (lambda: multiply_int(a, b, "fft"))


def _int_karatsuba_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """CPython's ``a * b`` vs the Karatsuba engine, kernels loaded."""
    from ..engines import fused, routes

    fused.available()
    a, b = _int_pair(bits)
    return (lambda: a * b), (lambda: routes.karatsuba_int_product(a, b))


def _with_kernels(loaded: bool, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run as a process with (``loaded``) or without the fused kernels loaded runs it: a tune
    run loads them for the int rows, and the text path's choices differ with them."""
    from ..engines import fused

    def run() -> Any:
        was = fused.LOADED
        fused.LOADED = loaded and fused.available()
        try:
            return fn()
        finally:
            fused.LOADED = was

    return run


def _str_pair(digits: int, loaded: bool, other: int | None = None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from ..text import multiply_str

    r = random.Random(digits)
    s = "".join(r.choices("123456789", k=digits))
    t = "".join(r.choices("123456789", k=digits if other is None else other))
    return (_with_kernels(loaded, lambda: multiply_str(s, t, "direct")),
            _with_kernels(loaded, lambda: multiply_str(s, t, "fft")))


def _str_case(digits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    return _str_pair(digits, False)


def _str_fused_case(digits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    # Against a 10^5-digit operand: with the kernels loaded the text FFT wins every balanced size past
    # the decimal module's range, so the schoolbook's remaining case is a short operand times a long one.
    return _str_pair(digits, True, 100_000)


def _conv_case(n: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import numpy as np

    from ..conv import convolve

    x = np.random.default_rng(n).integers(0, 1000, n)
    return (lambda: convolve(x, x, method="direct")), (lambda: convolve(x, x, method="fft"))


def _conv_wide_case(n: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import random

    from .. import tuning
    from ..conv import convolve

    r = random.Random(n)
    x = [r.randrange(-2**70, 2**70) for _ in range(n)]

    def kronecker() -> Any:  # what auto runs above the threshold
        saved = tuning.current.CONVOLVE_OBJECT_MAX_WORK
        tuning.current.CONVOLVE_OBJECT_MAX_WORK = 0
        try:
            return convolve(x, x)
        finally:
            tuning.current.CONVOLVE_OBJECT_MAX_WORK = saved

    # "direct" is the Python-int schoolbook for values past 2**63.
    return (lambda: convolve(x, x, method="direct")), kronecker


def _div_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from .. import divide

    rng = random.Random(bits)
    b = rng.getrandbits(bits) | (1 << (bits - 1))
    a = rng.getrandbits(2 * bits)
    return (lambda: divmod(a, b)), (lambda: divide._divmod_newton(a, b))


def _forced(name: str, value: int, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run with threshold ``name`` of ``tuning.current`` set to ``value``."""
    from .. import tuning

    def run() -> Any:
        old = getattr(tuning.current, name)
        setattr(tuning.current, name, value)
        try:
            return fn()
        finally:
            setattr(tuning.current, name, old)
    return run


def _recip_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from .. import divide

    d = random.Random(bits).getrandbits(bits) | (1 << (bits - 1))
    one_step = _forced("RECIP_DIRECT_BITS", bits // 2 + 8, lambda: divide.reciprocal(d, bits))
    return (lambda: (1 << (2 * bits)) // d), one_step


def _div_wrap_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from .. import divide

    rng = random.Random(bits)
    b = rng.getrandbits(bits) | (1 << (bits - 1))
    q = rng.getrandbits(bits // 2)
    a = q * b + rng.getrandbits(bits - 1)
    fn = lambda: divide._correct(a, b, q)  # noqa: E731 - one expression, run under both settings
    return _forced("DIV_WRAP_MIN_BITS", 1 << 62, fn), _forced("DIV_WRAP_MIN_BITS", 0, fn)


def _isqrt_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import math

    from .. import roots

    n = random.Random(bits).getrandbits(bits) | (1 << (bits - 1))
    one_level = _forced("ISQRT_NEWTON_MIN_BITS", bits // 2, lambda: roots.isqrt_newton(n))
    return (lambda: math.isqrt(n)), one_level


def _both(name: str, low: int, high: int, fn: Callable[[], Any],
          loaded: bool = True) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """``fn`` with threshold ``name`` forced to ``low`` and to ``high`` (the two routes it chooses
    between), with or without the fused kernels."""
    return (_with_kernels(loaded, _forced(name, high, fn)), _with_kernels(loaded, _forced(name, low, fn)))


def _rand_int(bits: int) -> int:
    return random.Random(bits).getrandbits(bits) | (1 << (bits - 1))


def _text_small_case(name: str, loaded: bool) -> Callable[[int], tuple[Callable[[], Any], Callable[[], Any]]]:
    """Text products of ``digits`` digits each: the short route up to the threshold (slow side
    forced by a huge value), the next route above it (forced by 0)."""
    def make(digits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
        from ..api import multiply

        r = random.Random(digits)
        s = "".join(r.choices("123456789", k=digits))
        t = "".join(r.choices("123456789", k=digits))
        below, above = _both(name, 0, 10 ** 12, lambda: multiply(s, t), loaded)
        return below, above  # (the short route, the next one): measure_crossover's (slow, fast)
    return make


def _int_route_case(name: str, loaded: bool = True) -> Callable[[int], tuple[Callable[[], Any], Callable[[], Any]]]:
    """Int products of ``bits`` bits: the route below the threshold (forced by a huge value) against
    the route from it (forced by 1, or the least value the bound allows)."""
    def make(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
        from .. import bounds
        from ..api import multiply_int

        a, b = _rand_int(bits), _rand_int(bits + 1)
        least = bounds.FOURSTEP_BOUND_LEN if name == "FOURSTEP_MIN_LEN" else 1
        return _both(name, least, 10 ** 12, lambda: multiply_int(a, b, "fft"), loaded)
    return make


def _ntt_route_case(name: str) -> Callable[[int], tuple[Callable[[], Any], Callable[[], Any]]]:
    """Int products of ``bits`` bits by the small-prime NTT (``method="ntt"``): below the threshold
    (forced by a huge value) against from it (forced by 1)."""
    def make(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
        from ..api import multiply_int

        a, b = _rand_int(bits), _rand_int(bits + 1)
        return _both(name, 1, 10 ** 12, lambda: multiply_int(a, b, "ntt"))
    return make


def _length_of(bits: int) -> int:
    """The transform length of an int product of ``bits`` x ``bits + 1`` bits (fused route)."""
    from .. import bounds
    from ..engines import fft

    w = bounds.fft_limb_bits(bits, bits + 1)
    return fft.fused_shape(-(-bits // w), -(-(bits + 1) // w), 1 << w)[0]


def _pieces_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import numpy as np

    from ..conv import convolve

    g = np.random.default_rng(bits)
    x = g.integers(-2 ** (bits - 1), 2 ** (bits - 1), 10_000)
    y = g.integers(-2 ** (bits - 1), 2 ** (bits - 1), 5_001)
    return _both("CONVOLVE_MAX_PIECES", 0, 10 ** 6, lambda: convolve(x, y))


def _pieces_of(bits: int) -> int:
    from .. import bounds

    fit = bounds.piece_bits(10_000, 5_001, bits, bits)
    return 0 if fit is None else fit[1] + fit[2]


#: Rows of ``bigmul tune --only`` beyond the default run: threshold, what the two sides are, operand
#: sizes, the cases, and the threshold's value from the first size where the second side wins.
EXTRA_ROWS: list[tuple[str, str, list[int], Callable[[int], Any], Callable[[int], int]]] = [
    ("STR_INT_MAX_CHARS", "text x text: CPython int (slow above) vs the stdlib decimal, digits each",
     [100, 150, 200, 250, 300, 400, 600], _text_small_case("STR_INT_MAX_CHARS", False), lambda n: n - 1),
    ("STR_DECIMAL_MAX_CHARS", "text x text, numba not loaded: stdlib decimal vs bigmul's array path, digits",
     [2000, 4000, 6000, 8000, 10000, 12000, 16000], _text_small_case("STR_DECIMAL_MAX_CHARS", False),
     lambda n: n - 1),
    ("STR_DECIMAL_FUSED_MAX_CHARS", "text x text, kernels loaded: stdlib decimal vs bigmul's fused path, digits",
     [500, 1000, 1500, 2000, 3000, 4000], _text_small_case("STR_DECIMAL_FUSED_MAX_CHARS", True), lambda n: n - 1),
    ("CONVOLVE_MAX_PIECES", "convolve 10^4 x 5001 int64 values: float-exact pieces vs Kronecker, value bits "
     "(the value is the piece count there)", [20, 30, 40, 50, 56, 62], _pieces_case, lambda b: _pieces_of(b) - 1),
    ("OVERLAP_BITS", "int x int on the numpy route: residues inline vs on the helper thread, bits",
     [50_000, 100_000, 200_000, 400_000, 800_000], _int_route_case("OVERLAP_BITS", loaded=False), lambda n: n),
    ("FOURSTEP_MIN_LEN", "int x int: 1-D transform vs four-step, bits (the value is the transform length)",
     [150_000, 200_000, 300_000, 400_000, 600_000, 900_000], _int_route_case("FOURSTEP_MIN_LEN"),
     _length_of),
    ("KEEP_MIN_LEN", "int x int: fresh buffers vs kept ones, bits (the value is the transform length)",
     [10_000, 20_000, 40_000, 80_000, 160_000], _int_route_case("KEEP_MIN_LEN"), _length_of),
    ("FFT_PARALLEL_MIN_LEN", "int x int: the two forward transforms in turn vs on two threads, bits "
     "(the value is the transform length)", [150_000, 300_000, 600_000, 1_200_000, 2_400_000],
     _int_route_case("FFT_PARALLEL_MIN_LEN"), _length_of),
    ("NTT_CRT_SPLIT_MIN_LIMBS", "int x int by the small-prime NTT: the CRT in one pass vs two halves on two "
     "threads, bits (the value is the coefficient count)", [300_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000],
     _ntt_route_case("NTT_CRT_SPLIT_MIN_LIMBS"), lambda bits: 2 * -(-bits // 30)),
    ("FOURSTEP_PARALLEL_MIN_LEN", "int x int: batched transforms on one thread vs every core, bits "
     "(the value is the transform length)", [2_000_000, 4_000_000, 8_000_000, 16_000_000],
     _int_route_case("FOURSTEP_PARALLEL_MIN_LEN"), _length_of),
]


def run_rows(names: list[str], quick: bool = False, out: Callable[[str], None] = print) -> dict[str, int]:
    """Measure the named rows of :data:`EXTRA_ROWS` (``bigmul tune --only``); print the evidence."""
    from .. import tuning
    from ..engines import fused

    fused.available()  # loaded now, so that each case alone decides whether a run uses them
    found: dict[str, int] = {}
    for name, what, sizes, make, to_value in EXTRA_ROWS:
        if name not in names:
            continue
        cross, rows = measure_crossover(sizes[::2] if quick else sizes, make, 3 if quick else 7)
        out(f"{name}: {what}")
        for n, ts, tf in rows:
            out(f"  {n:>11,}  first {ts * 1e3:9.3f} ms  second {tf * 1e3:9.3f} ms  {'second wins' if tf < ts else ''}")
        if cross is None:
            out(f"  no crossover in range; keeping {getattr(tuning.current, name)}")
            continue
        found[name] = max(1, to_value(cross))
        out(f"  -> {name} = {found[name]} (package default {getattr(tuning.current, name)})")
    return found


def _tune_backends(reps: int, quick: bool, out: Callable[[str], None]) -> dict[str, int]:
    """Time one rfft + irfft per 1-D length on every installed backend, interleaved; each other
    backend runs the 1-D lengths from the first one from which it beat scipy at every length tried."""
    import numpy as np
    import scipy.fft as sfft

    from .. import tuning
    from ..engines import backends

    names = [n for n in backends.NAMES if n == "scipy" or not backends.available()[n].startswith("not")]
    if len(names) == 1:
        out("FFT backends: only scipy is installed (extras [fftw], [mkl] add pyFFTW, mkl_fft)")
        return {}
    lengths = [1 << p for p in range(10, 18)] + [3 * 2 ** 9, 5 * 2 ** 10, 3 * 2 ** 12, 3 * 2 ** 14, 5 * 2 ** 13]
    lengths = sorted(L for L in lengths if L < tuning.current.FOURSTEP_MIN_LEN)
    if quick:
        lengths = lengths[::2]
    out("FFT backends: one rfft + irfft, medians (ms), 1-D lengths below the four-step crossover")
    times: dict[str, list[float]] = {n: [] for n in names}
    for L in lengths:
        x = np.random.default_rng(L).standard_normal(L)
        fns = {}
        for n in names:
            mod = backends.load(n)

            def fn(mod: Any = mod) -> Any:
                if mod is None:
                    return sfft.irfft(sfft.rfft(x), L)
                with sfft.set_backend(mod, only=True):
                    return sfft.irfft(sfft.rfft(x), L)
            fn()
            fns[n] = fn
        ts: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(reps):
            for n, fn in fns.items():
                ts[n].append(_median_time(fn, 1))
        for n in names:
            times[n].append(statistics.median(ts[n]))
        out(f"  {L:>9,}  " + "  ".join(f"{n} {statistics.median(ts[n]) * 1e3:8.3f}" for n in names))
    found = {}
    for n in names[1:]:
        low = tuning.current.FOURSTEP_MIN_LEN  # never, unless it wins from some length on
        for i, L in enumerate(lengths):
            if all(t < ref for t, ref in zip(times[n][i:], times["scipy"][i:])):
                low = L
                break
        key = "FFT_PYFFTW_MIN_LEN" if n == "pyfftw" else "FFT_MKL_MIN_LEN"
        found[key] = low
        out(f"  -> {key} = {low} ({n} runs the 1-D lengths from there"
            + (")" if low < tuning.current.FOURSTEP_MIN_LEN else ": never faster here)"))
    return found


def run_tune(quick: bool = False, out: Callable[[str], None] = print) -> dict[str, int]:
    """Measure every crossover, print the evidence, return the new values."""
    from .. import bounds, tuning

    found: dict[str, int] = {}
    reps = 3 if quick else 7
    out("limb widths and decimal bases are not tuned: they are the largest the error bound proves "
        "exact (bounds.py):")
    for d in (10**4, 10**5, 10**6, 10**7):
        bits = int(d * 3.321928094887362) + 1
        out(f"  {d:>11,} digits: {bounds.fft_limb_bits(bits, bits)}-bit limbs, "
            f"base 10**{bounds.fft_decimal_k(d, d)} for decimal text")
    plans = [
        ("INT_FFT_MIN_BITS", "int: CPython a*b (slow) vs bigmul fft (fast), operand bits",
         [20_000, 40_000, 60_000, 80_000, 120_000, 200_000, 400_000], _int_case, lambda n: n),
        ("INT_FFT_FUSED_MIN_BITS", "int once the fused kernels are loaded: the Karatsuba engine (slow) vs bigmul "
         "fft (fast), operand bits", [8_000, 12_000, 16_000, 20_000, 24_000, 32_000, 48_000], _int_fused_case,
         lambda n: n),
        ("INT_KARATSUBA_MIN_BITS", "int once the kernels are loaded: CPython a*b (slow) vs the Karatsuba engine "
         "(fast), operand bits", [1_000, 2_000, 3_000, 4_000, 6_000, 8_000, 12_000], _int_karatsuba_case,
         lambda n: n),
        ("STR_DIRECT_MAX_LIMBS", "decimal str on the numpy passes (fused kernels not loaded): direct (slow) "
         "vs fft (fast), digits per operand", [500, 1000, 2000, 4000, 8000, 16000], _str_case, None),
        ("STR_DIRECT_FUSED_MAX_LIMBS", "decimal str once the fused kernels are loaded: direct (slow) vs fft "
         "(fast), digits of the short operand times 10^5 digits", [50, 100, 200, 400, 800, 1600], _str_fused_case,
         None),
        ("CONVOLVE_DIRECT_MAX_WORK", "convolve: direct (slow) vs fft (fast), length n (work n*n)",
         [50, 100, 200, 400, 800, 1600], _conv_case, lambda n: n * n),
        ("CONVOLVE_OBJECT_MAX_WORK", "convolve past 2**63: Python-int schoolbook (slow) vs Kronecker (fast), "
         "n x n values of 70 bits (work n*n)", [16, 32, 48, 64, 96, 128, 192], _conv_wide_case, lambda n: n * n),
        ("DIV_NEWTON_MIN_BITS", "divmod 2n by n bits: CPython divmod (slow) vs Newton reciprocal (fast), "
         "divisor bits", [5_000, 10_000, 20_000, 40_000, 80_000, 160_000], _div_case, lambda n: n),
        ("RECIP_DIRECT_BITS", "reciprocal of k bits: CPython (1 << 2k) // d (slow) vs one Newton step from "
         "k/2 (fast), k", [2_000, 4_000, 8_000, 16_000, 32_000, 64_000], _recip_case, lambda n: n),
        ("DIV_WRAP_MIN_BITS", "a division block's remainder a - q*b: the whole product (slow) vs modulo "
         "2**K - 1 (fast), divisor bits with a quotient block of half as many", [2_000, 5_000, 10_000, 20_000,
                                                                                  40_000, 80_000], _div_wrap_case,
         lambda n: n),
        ("ISQRT_NEWTON_MIN_BITS", "isqrt: math.isqrt (slow) vs one Zimmermann step on math.isqrt halves (fast), "
         "bits", [10_000, 20_000, 40_000, 80_000, 160_000, 320_000], _isqrt_case, lambda n: n),
    ]
    found.update(_tune_backends(reps, quick, out))
    for name, what, sizes, make, to_value in plans:
        if quick:
            sizes = sizes[::2]
        cross, rows = measure_crossover(sizes, make, reps)
        out(f"{name}: {what}")
        for n, ts, tf in rows:
            out(f"  {n:>9,}  slow {ts * 1e3:9.3f} ms  fast {tf * 1e3:9.3f} ms  {'fast wins' if tf < ts else ''}")
        if cross is None:
            out(f"  no crossover in range; keeping {getattr(tuning.current, name)}")
            continue
        if name.startswith("STR_DIRECT_"):
            k = bounds.direct_decimal_k(cross, cross if name == "STR_DIRECT_MAX_LIMBS" else 100_000)
            value = max(1, -(-cross // k) - 1)
        else:
            value = to_value(cross)  # type: ignore[misc]
        found[name] = value
        out(f"  -> {name} = {value} (package default {getattr(tuning.current, name)})")
    return found


def cmd_tune(args: argparse.Namespace) -> int:
    from .common import CLIError

    if args.only:
        names = [x.strip() for x in args.only.split(",") if x.strip()]
        known = {r[0] for r in EXTRA_ROWS}
        bad = [n for n in names if n not in known]
        if bad:
            raise CLIError(f"no tune row for {', '.join(bad)}; rows: {', '.join(sorted(known))}")
        found = run_rows(names, quick=args.quick)
    else:
        found = run_tune(quick=args.quick)
    if not args.write:
        print(f"(not saved: rerun with --write to store these in {config_path()}, which auto reads)",
              file=sys.stderr)
    if args.write:
        path = config_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            old = json.loads(path.read_text()) if path.exists() else {}
            old.update(found)
            path.write_text(json.dumps(old, indent=1) + "\n")
        except (OSError, ValueError) as exc:
            raise CLIError(f"cannot write {path}: {exc}") from None
        print(f"wrote {path}; 'auto' reads it at import (delete it to restore the defaults)",
              file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("tune", help="measure the crossovers auto uses, on this machine",
                       description="Measure the int/fft, decimal direct/fft and convolve direct/fft "
                                   "crossovers; print the evidence; --write saves them to "
                                   f"{config_path()} (or $BIGMUL_TUNING), which auto reads.")
    p.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    p.add_argument("--write", action="store_true", help="save the measured values to the config file")
    p.add_argument("--only", metavar="NAMES", help="measure only these thresholds (comma separated), "
                   "including those the default run leaves out: " + ", ".join(r[0] for r in EXTRA_ROWS))
    p.set_defaults(func=cmd_tune)
