"""Application benchmark: pi by Chudnovsky binary splitting, the products done by each engine.

What this is for: ``bigmul bench --app pi --digits N`` -- a real workload of
many products of every size (as GMP's own gmpbench has a pi benchmark),
timed with bigmul, CPython ``int`` and gmpy2 doing the products, checked to
agree exactly.
What it is not for: computing pi fast end to end: the final square root and
division are outside the timed part (done once, with gmpy2 when installed,
to print the leading digits).

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

__all__ = ["terms_for", "series", "run_pi", "format_pi"]

_C3_OVER_24 = 640320 ** 3 // 24
_DIGITS_PER_TERM = 14.181647462725477


def terms_for(digits: int) -> int:
    """Number of series terms for ``digits`` decimal digits of pi.

    >>> terms_for(1000)
    72
    """
    return int(digits / _DIGITS_PER_TERM) + 2


def series(n: int, mul: Callable[[Any, Any], Any], one: Any = 1) -> tuple[Any, Any, Any]:
    """``(P, Q, T)`` of the Chudnovsky series over terms ``[0, n)``, every product by ``mul``.

    ``one`` is the number type's 1 (``gmpy2.mpz(1)`` to keep gmpy2 on its own type).

    >>> P, Q, T = series(3, operator.mul)
    >>> format_pi(Q, T, 30)
    '314159265358979323846264338327'
    """
    def bs(a: int, b: int) -> tuple[Any, Any, Any]:
        if b - a == 1:
            if a == 0:
                p = q = one
            else:
                p = one * ((6 * a - 5) * (2 * a - 1) * (6 * a - 1))
                q = one * (a * a * a * _C3_OVER_24)
            t = mul(p, one * (13591409 + 545140134 * a))
            return p, q, -t if a & 1 else t
        m = (a + b) // 2
        p1, q1, t1 = bs(a, m)
        p2, q2, t2 = bs(m, b)
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
    """Time the series with each engine (interleaved, medians); check the three give equal P, Q, T."""
    import bigmul

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
