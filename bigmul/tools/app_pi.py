"""Application benchmark: pi by Chudnovsky binary splitting, the products done by each engine.

What this is for: ``bigmul bench --app pi --digits N`` -- a real workload of
many products of every size (as GMP's own gmpbench has a pi benchmark),
timed with bigmul, CPython ``int`` and gmpy2 doing the products, checked to
agree exactly.
``bigmul pi N`` and ``bench --app pi --end-to-end`` run the whole
computation -- the series, the square root, the division and the decimal
digits -- with bigmul (:func:`compute_pi`), against gmpy2 doing the same
four stages and ``mpmath.mp.pi`` (:func:`run_pi_end_to_end`).
What it is not for: the series-only timing does not include the final
square root and division (done once, with gmpy2 when installed, to print
the leading digits).

The series: ``1/pi = 12 sum_k (-1)^k (6k)! (13591409 + 545140134 k) /
((3k)! (k!)^3 640320^(3k + 3/2))``, about 14.18 digits per term.  Binary
splitting computes integers ``P, Q, T`` over the terms; every product goes
through the engine's ``mul``.
"""
from __future__ import annotations

import operator
import statistics
import time
from typing import Any, Callable

__all__ = ["terms_for", "series", "run_pi", "format_pi", "compute_pi", "compute_pi_gmpy2", "compute_pi_mpmath",
           "run_pi_end_to_end"]

_C3_OVER_24 = 640320 ** 3 // 24
_DIGITS_PER_TERM = 14.181647462725477
#: ``series`` ticks once per run of about this many terms.
_TICK_TERMS = 256


def terms_for(digits: int) -> int:
    """Number of series terms for ``digits`` decimal digits of pi.

    >>> terms_for(1000)
    72
    """
    return int(digits / _DIGITS_PER_TERM) + 2


def series(n: int, mul: Callable[[Any, Any], Any], one: Any = 1,
           tick: Callable[[int], None] | None = None) -> tuple[Any, Any, Any]:
    """``(P, Q, T)`` of the Chudnovsky series over terms ``[0, n)``, every product by ``mul``.

    ``one`` is the number type's 1 (``gmpy2.mpz(1)`` to keep gmpy2 on its own type);
    ``tick(k)`` (optional) is called as each run of ``k`` terms is summed (a progress bar).

    >>> P, Q, T = series(3, operator.mul)
    >>> format_pi(Q, T, 30)
    '314159265358979323846264338327'
    """
    def bs(a: int, b: int) -> tuple[Any, Any, Any]:
        out = _bs(a, b)
        if tick is not None and b - a <= _TICK_TERMS:  # a run whose parent was longer: ticked once
            tick(b - a)
        return out

    def _bs(a: int, b: int) -> tuple[Any, Any, Any]:
        if b - a == 1:
            if a == 0:
                p = q = one
            else:
                p = one * ((6 * a - 5) * (2 * a - 1) * (6 * a - 1))
                q = one * (a * a * a * _C3_OVER_24)
            t = mul(p, one * (13591409 + 545140134 * a))
            return p, q, -t if a & 1 else t
        m = (a + b) // 2
        split = _bs if b - a <= _TICK_TERMS else bs  # below a ticking run: no more ticks
        p1, q1, t1 = split(a, m)
        p2, q2, t2 = split(m, b)
        return mul(p1, p2), mul(q1, q2), mul(q2, t1) + mul(p1, t2)

    return bs(0, n)


def format_pi(Q: Any, T: Any, digits: int) -> str:
    """The first ``digits`` digits of pi (with gmpy2 when installed, else CPython int) from the series."""
    try:
        import gmpy2

        one = gmpy2.mpz(10) ** (2 * digits)
        root = gmpy2.isqrt(10005 * one)
        return str(gmpy2.mpz(Q) * 426880 * root // gmpy2.mpz(T))[:digits]
    except ImportError:
        import math

        from .reference import no_digit_limit

        with no_digit_limit():
            root = math.isqrt(10005 * 10 ** (2 * digits))
            return str(int(Q) * 426880 * root // int(T))[:digits]


def run_pi(digits: int, repeats: int = 3, int_max_digits: int = 300_000,
           out: Callable[[str], None] = print) -> dict[str, Any]:
    """Time the series with each engine (interleaved, medians); check the three give equal P, Q, T.

    Warm: bigmul's kernels are loaded before the first timed run, as a process that has run one
    large product has them (a first run would otherwise take the numpy routes while they load).
    """
    import bigmul
    from ..engines import fused

    fused.available()

    n = terms_for(digits)
    engines: dict[str, tuple[Callable[[Any, Any], Any], Any]] = {"bigmul": (bigmul.multiply, 1)}
    if digits <= int_max_digits:
        engines["int"] = (operator.mul, 1)
    try:
        import gmpy2

        engines["gmpy2"] = (operator.mul, gmpy2.mpz(1))
    except ImportError:
        pass
    times: dict[str, list[float]] = {k: [] for k in engines}
    results: dict[str, tuple[Any, Any, Any]] = {}
    for _ in range(repeats):
        for name, (mul, one) in engines.items():
            t = time.perf_counter()
            results[name] = series(n, mul, one)
            times[name].append(time.perf_counter() - t)
    ref = results["bigmul"]
    agree = all(tuple(int(v) for v in r) == tuple(int(v) for v in ref) for r in results.values())
    med = {k: statistics.median(v) for k, v in times.items()}
    out(f"pi to {digits:,} digits by Chudnovsky binary splitting ({n:,} terms), the series' products "
        f"only, medians of {repeats}:")
    for k, v in med.items():
        rel = f"  ({v / med['gmpy2']:.2f}x gmpy2's time)" if "gmpy2" in med and k != "gmpy2" else ""
        out(f"  {k:<7} {v:9.4f} s{rel}")
    if "int" not in med:
        out(f"  (CPython int skipped above {int_max_digits:,} digits: minutes)")
    out(f"  P, Q, T agree across engines: {agree}")
    head = format_pi(ref[1], ref[2], min(digits, 50))
    out(f"  pi = {head[0]}.{head[1:]}...")
    return {"digits": digits, "terms": n, "median_s": med, "agree": agree, "pi_head": head}


def compute_pi(digits: int, on_stage: Callable[[str], None] | None = None,
               tick: Callable[[int], None] | None = None) -> tuple[str, dict[str, float]]:
    """The first ``digits`` digits of pi (``"31415..."``) entirely with bigmul, and each stage's seconds.

    Stages: ``series`` (binary splitting, every product by ``bigmul.multiply``),
    ``isqrt`` (``isqrt(10005 * 10**(2N))``), ``division`` (``Q * 426880 * root // T``)
    and ``digits`` (``bigmul.to_str``).  ``on_stage(name)`` is called as each ends;
    ``tick(k)`` as each run of ``k`` series terms is summed.

    >>> compute_pi(30)[0]
    '314159265358979323846264338327'
    """
    import bigmul
    from ..radix import pow_int

    stages: dict[str, float] = {}

    def stage(name: str, t0: float) -> float:
        now = time.perf_counter()
        stages[name] = now - t0
        if on_stage is not None:
            on_stage(name)
        return now

    t = time.perf_counter()
    _, Q, T = series(terms_for(digits), bigmul.multiply, tick=tick)
    t = stage("series", t)
    root = bigmul.isqrt(bigmul.multiply(pow_int(5, 2 * digits), 10005) << (2 * digits))
    t = stage("isqrt", t)
    q, _ = bigmul.divmod(bigmul.multiply(bigmul.multiply(Q, 426880), root), T)
    t = stage("division", t)
    text = bigmul.to_str(q)[:digits]
    stage("digits", t)
    return text, stages


def compute_pi_gmpy2(digits: int) -> tuple[str, dict[str, float]]:
    """:func:`compute_pi`'s four stages with gmpy2 (GMP) doing every operation."""
    import gmpy2

    stages: dict[str, float] = {}
    t = time.perf_counter()
    _, Q, T = series(terms_for(digits), operator.mul, gmpy2.mpz(1))
    t1 = time.perf_counter()
    stages["series"] = t1 - t
    root = gmpy2.isqrt(10005 * gmpy2.mpz(10) ** (2 * digits))
    t2 = time.perf_counter()
    stages["isqrt"] = t2 - t1
    q = Q * 426880 * root // T
    t3 = time.perf_counter()
    stages["division"] = t3 - t2
    text = q.digits()[:digits]
    stages["digits"] = time.perf_counter() - t3
    return text, stages


def compute_pi_mpmath(digits: int) -> tuple[str, dict[str, float]]:
    """``mpmath.mp.pi`` to ``digits`` digits (its default backend), as the same digit string.

    mpmath memoises constants: the memo is emptied first, so every call computes pi.
    """
    import mpmath
    from mpmath.libmp import libelefun

    for cell in getattr(libelefun.pi_fixed, "__closure__", None) or ():
        if hasattr(cell.cell_contents, "memo_prec"):
            cell.cell_contents.memo_prec = -1
            cell.cell_contents.memo_val = None
    t = time.perf_counter()
    mp = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp
    mp.dps = digits + 10
    text = mpmath.nstr(+mp.pi, digits + 5, strip_zeros=False).replace(".", "")[:digits]
    return text, {"total": time.perf_counter() - t}


def _peak_rss_child(engine: str, digits: int) -> tuple[float, int] | None:
    """Seconds and peak resident bytes of one end-to-end run in a fresh child process."""
    import json
    import subprocess
    import sys

    # VmHWM (the peak of this process image): ru_maxrss would carry the forking parent's peak over exec
    code = ("import json,sys,time;from bigmul.tools import app_pi as a;"
            f"f={{'bigmul':a.compute_pi,'gmpy2':a.compute_pi_gmpy2,'mpmath':a.compute_pi_mpmath}}['{engine}'];"
            f"t=time.perf_counter();f({digits});t=time.perf_counter()-t;"
            "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
            "print(json.dumps([t,int(hwm)*1024]))")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3600, check=True)
        t, rss = json.loads(out.stdout.strip().splitlines()[-1])
        return float(t), int(rss)
    except (subprocess.SubprocessError, ValueError, IndexError, OSError):
        return None


def run_pi_end_to_end(digits: int, repeats: int = 3, out: Callable[[str], None] = print,
                      progress: bool = True, memory: bool = True) -> dict[str, Any]:
    """Time pi end to end with bigmul, gmpy2 and mpmath (interleaved, medians); check all agree.

    With ``memory``, each engine also runs once in a fresh child process for its peak resident size.
    """
    from .common import progress as bar_for

    engines: dict[str, Callable[[int], tuple[str, dict[str, float]]]] = {"bigmul": compute_pi}
    for name, mod, other in (("gmpy2", "gmpy2", compute_pi_gmpy2), ("mpmath", "mpmath", compute_pi_mpmath)):
        try:
            __import__(mod)
            engines[name] = other
        except ImportError:
            out(f"  ({name} not installed: skipped)")
    compute_pi(min(digits, 20_000))  # loads the kernels and imports: one-time costs reported by memory runs
    times: dict[str, list[float]] = {k: [] for k in engines}
    stage_times: dict[str, list[dict[str, float]]] = {k: [] for k in engines}
    texts: dict[str, str] = {}
    bar = bar_for(repeats * len(engines), progress and digits >= 300_000, "pi", "run")
    try:
        for _ in range(repeats):
            for name, fn in engines.items():
                t = time.perf_counter()
                texts[name], st = fn(digits)
                times[name].append(time.perf_counter() - t)
                stage_times[name].append(st)
                bar.update(1)
    finally:
        bar.close()
    agree = len(set(texts.values())) == 1
    med = {k: statistics.median(v) for k, v in times.items()}
    out(f"pi to {digits:,} digits end to end (series, isqrt, division, decimal digits), medians of {repeats}, warm:")
    for k, v in med.items():
        rel = f"  ({v / med['gmpy2']:.2f}x gmpy2's time)" if "gmpy2" in med and k != "gmpy2" else ""
        stages = ", ".join(f"{s} {statistics.median(d[s] for d in stage_times[k]):.3f}"
                           for s in stage_times[k][0]) if k != "mpmath" else "one call"
        out(f"  {k:<7} {v:9.4f} s{rel}   [{stages}]")
    out(f"  digits agree across engines: {agree}")
    mem: dict[str, Any] = {}
    if memory:
        for k in engines:
            r = _peak_rss_child(k, digits)
            if r is not None:
                mem[k] = {"fresh_process_s": r[0], "peak_rss_bytes": r[1]}
                out(f"  {k:<7} fresh process {r[0]:.3f} s, peak resident {r[1] / 2**20:.0f} MiB")
    out(f"  pi = {texts['bigmul'][0]}.{texts['bigmul'][1:50]}...")
    return {"digits": digits, "median_s": med, "agree": agree, "memory": mem}
