"""``bigmul bench --kind ops``: conversions, division and square root, side by side.

What this is for: the operations built on the product -- ``from_str``,
``to_str``, ``to_digits(n, 10)``, ``from_digits(d, 10)``, ``divmod`` (2n by
n digits) and ``isqrt`` (n digits) -- timed with bigmul, gmpy2, python-flint
and CPython ``int`` (this interpreter, and another CPython found on PATH,
e.g. ``python3.13``, in a child process), interleaved, medians, every result
checked against gmpy2 (or ``int`` without it).
What it is not for: the product sweep (``bench.py``).
"""
from __future__ import annotations

import functools
import json
import math
import random
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

__all__ = ["OPS", "run_ops", "format_ops"]

#: ``divmod_same_b``: bigmul dividing again by the divisor of the last division (its reciprocal kept).
OPS = ("from_str", "to_str", "to_digits", "from_digits", "divmod", "divmod_same_b", "isqrt")

#: CPython int is skipped past these digits (quadratic on 3.11: minutes beyond).
INT_MAX_DIGITS = {"from_str": 300_000, "to_str": 300_000, "divmod": 300_000, "isqrt": 300_000,
                  "to_digits": 0, "from_digits": 0, "divmod_same_b": 0}
#: The other CPython (3.12+: subquadratic _pylong) up to these.
OTHER_MAX_DIGITS = 10 ** 7


def _operands(digits: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    bits = int(digits * math.log2(10))
    n = rng.getrandbits(bits) | (1 << (bits - 1))
    b = n
    a = rng.getrandbits(2 * bits) | (1 << (2 * bits - 1))
    return {"n": n, "a": a, "b": b}


def _calls(engine: str, ops: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    n, a, b = ops["n"], ops["a"], ops["b"]
    if engine == "bigmul":
        import numpy as np

        import bigmul

        from .. import cache

        s = bigmul.to_str(n)
        d = np.frombuffer(s.encode(), np.uint8) - 48

        def fresh(f: Callable[[], Any]) -> Callable[[], Any]:
            # Divisions keep the reciprocal of their divisor for the next division by it: a
            # benchmark repeating one division (or one root's divisions) would time that reuse.
            def run() -> Any:
                cache.clear("recip")
                return f()
            return run

        return {"from_str": lambda: bigmul.from_str(s), "to_str": lambda: bigmul.to_str(n),
                "to_digits": lambda: bigmul.to_digits(n, 10), "from_digits": lambda: bigmul.from_digits(d, 10),
                "divmod": fresh(lambda: bigmul.divmod(a, b)), "isqrt": fresh(lambda: bigmul.isqrt(n)),
                "divmod_same_b": lambda: bigmul.divmod(a + 1, b)}
    if engine == "gmpy2":
        import gmpy2

        gn, ga, gb = gmpy2.mpz(n), gmpy2.mpz(a), gmpy2.mpz(b)
        s = gn.digits()
        return {"from_str": lambda: gmpy2.mpz(s), "to_str": lambda: gn.digits(),
                "divmod": lambda: divmod(ga, gb), "isqrt": lambda: gmpy2.isqrt(gn)}
    if engine == "flint":
        import flint

        fn, fa, fb = flint.fmpz(n), flint.fmpz(a), flint.fmpz(b)
        s = str(fn)
        return {"from_str": lambda: flint.fmpz(s), "to_str": lambda: str(fn),
                "divmod": lambda: divmod(fa, fb), "isqrt": lambda: fn.isqrt()}
    if engine == "int":
        from .reference import no_digit_limit

        with no_digit_limit():
            s = str(n)

        def conv(f: Callable[[], Any]) -> Callable[[], Any]:
            def run() -> Any:
                with no_digit_limit():
                    return f()
            return run

        return {"from_str": conv(lambda: int(s)), "to_str": conv(lambda: str(n)),
                "divmod": lambda: divmod(a, b), "isqrt": lambda: math.isqrt(n)}
    raise ValueError(engine)


def _time_interleaved(runs: dict[str, Callable[[], Any]], repeats: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Median seconds per engine, the engines alternating call by call (drift hits all alike),
    after one untimed warm call each (caches, kernels, imports); and each engine's result."""
    vals = {e: fn() for e, fn in runs.items()}
    ts: dict[str, list[float]] = {e: [] for e in runs}
    for _ in range(repeats):
        for e, fn in runs.items():
            t = time.perf_counter()
            fn()
            ts[e].append(time.perf_counter() - t)
    return {e: statistics.median(v) for e, v in ts.items()}, vals


@functools.lru_cache(maxsize=1)
def _other_python() -> str | None:
    """A CPython 3.12+ (subquadratic int <-> str and division) that runs: on PATH, else under pyenv."""
    import glob
    import os

    cands = [shutil.which(n) for n in ("python3.13", "python3.12")]
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    cands += sorted(glob.glob(os.path.join(root, "versions", "3.1[23].*", "bin", "python")), reverse=True)
    for p in cands:
        if not p or os.path.realpath(p) == os.path.realpath(sys.executable):
            continue
        try:
            subprocess.run([p, "-c", "import sys"], capture_output=True, timeout=30, check=True)
            return p
        except (subprocess.SubprocessError, OSError):
            continue
    return None


_CHILD = """
import json, math, random, sys, time, statistics
sys.set_int_max_str_digits(0)
digits, seed, ops, repeats = json.loads(sys.argv[1])
rng = random.Random(seed)
bits = int(digits * math.log2(10))
n = rng.getrandbits(bits) | (1 << (bits - 1)); b = n
a = rng.getrandbits(2 * bits) | (1 << (2 * bits - 1))
s = str(n)
calls = {"from_str": lambda: int(s), "to_str": lambda: str(n), "divmod": lambda: divmod(a, b),
         "isqrt": lambda: math.isqrt(n)}
out = {}
for op in ops:
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); calls[op](); ts.append(time.perf_counter() - t)
    out[op] = statistics.median(ts)
print(json.dumps([sys.version.split()[0], out]))
"""


def _run_other(py: str, digits: int, seed: int, ops: list[str], repeats: int) -> tuple[str, dict[str, float]]:
    try:
        r = subprocess.run([py, "-c", _CHILD, json.dumps([digits, seed, ops, repeats])],
                           capture_output=True, text=True, timeout=600, check=True)
        ver, times = json.loads(r.stdout.strip().splitlines()[-1])
        return ver, times
    except (subprocess.SubprocessError, OSError, ValueError, IndexError):
        return "", {}


def run_ops(sizes: list[int], engines: list[str], repeats: int = 3, seed: int = 1,
            progress: bool = True) -> dict[str, Any]:
    """Median seconds per (op, digits, engine), each bigmul/flint result checked against gmpy2 or int."""
    from .common import progress as bar_for

    avail = []
    for e in engines:
        if e == "other":
            if _other_python():
                avail.append(e)
            continue
        try:
            if e in ("gmpy2", "flint"):
                __import__(e)
            avail.append(e)
        except ImportError:
            pass
    rows: dict[str, Any] = {}
    wrong: list[str] = []
    bar = bar_for(len(sizes), progress, "bench ops", "size")
    other_ver = ""
    try:
        for digits in sizes:
            operands = _operands(digits, seed)
            # CPython 3.11's own conversions are quadratic: its calls (a str(n) among them) only where it runs
            calls = {e: _calls(e, operands) for e in avail
                     if e != "other" and not (e == "int" and digits > max(INT_MAX_DIGITS.values()))}
            for op in OPS:
                runs = {e: calls[e][op] for e in avail if e in calls and op in calls[e]
                        and not (e == "int" and digits > INT_MAX_DIGITS[op])}
                reps = repeats if digits < 10 ** 7 else max(1, repeats // 2)
                times, vals = _time_interleaved(runs, reps)
                ref = None
                for e, t in times.items():
                    rows[f"{op}|{digits}|{e}"] = t
                    key = _canon(op, vals[e])
                    if ref is None:
                        ref = key
                    elif key != ref:
                        wrong.append(f"{e} {op} at {digits}")
            if "other" in avail and digits <= OTHER_MAX_DIGITS:
                ops = [op for op in ("from_str", "to_str", "divmod", "isqrt")
                       if digits <= 10 ** 6 or op in ("to_str", "divmod", "isqrt")]
                other_ver, times = _run_other(_other_python() or "", digits, seed, ops,
                                              repeats if digits < 10 ** 7 else 1)
                for op, t in times.items():
                    rows[f"{op}|{digits}|other"] = t
            bar.update(1)
    finally:
        bar.close()
    return {"rows": rows, "wrong": wrong, "engines": avail, "sizes": sizes, "other_python": other_ver}


def _canon(op: str, v: Any) -> Any:
    """A comparable form of a result (ints for numbers, text for text, a tuple for divmod)."""
    if op.startswith("divmod"):
        return tuple(int(x) for x in v)
    if op == "to_digits":
        return v.tobytes()
    if op == "to_str":
        return str(v)
    return int(v)


def format_ops(res: dict[str, Any]) -> str:
    """A markdown table: one row per (op, digits), one column per engine, ratios to gmpy2."""
    from .common import format_seconds

    engines = res["engines"]
    names = {e: (f"CPython {res['other_python']}" if e == "other" else
                 f"CPython {sys.version.split()[0]}" if e == "int" else e) for e in engines}
    head = "| op | digits | " + " | ".join(names[e] for e in engines) + " | bigmul / gmpy2 |"
    lines = [head, "|" + "---|" * (len(engines) + 3)]
    for op in OPS:
        for d in res["sizes"]:
            cells = [res["rows"].get(f"{op}|{d}|{e}") for e in engines]
            if all(c is None for c in cells):
                continue
            bm, gm = res["rows"].get(f"{op}|{d}|bigmul"), res["rows"].get(f"{op}|{d}|gmpy2")
            ratio = f"{bm / gm:.2f}x" if bm and gm else "-"
            lines.append(f"| {op} | {d:.0e} | " + " | ".join(format_seconds(c, sep=" ") for c in cells)
                         + f" | {ratio} |")
    return "\n".join(lines)
