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

__all__ = ["config_path", "measure_crossover", "run_tune", "add_parser"]


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


def _int_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from ..api import multiply_int

    r = random.Random(bits)
    a, b = r.getrandbits(bits) | 1 << (bits - 1), r.getrandbits(bits) | 1 << (bits - 1)
    return (lambda: a * b), (lambda: multiply_int(a, b, "fft"))


def _int_fused_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    from ..engines import fused

    fused.available()  # the kernels loaded, as in a process that has run one large product
    return _int_case(bits)


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


def _isqrt_case(bits: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import math

    from .. import roots

    n = random.Random(bits).getrandbits(bits) | (1 << (bits - 1))
    one_level = _forced("ISQRT_NEWTON_MIN_BITS", bits // 2, lambda: roots.isqrt_newton(n))
    return (lambda: math.isqrt(n)), one_level


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
        ("INT_FFT_FUSED_MIN_BITS", "int once the fused kernels are loaded: CPython a*b (slow) vs bigmul fft "
         "(fast), operand bits", [6_000, 8_000, 9_000, 10_000, 12_000, 16_000, 24_000, 32_000], _int_fused_case, lambda n: n),
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
    p.set_defaults(func=cmd_tune)
