"""Where pi's series spends its product time: its products by size, each engine on the same pairs.

Usage: ``python benchmarks/pi_products.py [digits]`` (default 10^6).  Records every product of the
Chudnovsky series (``bigmul.tools.app_pi.series``), buckets them by the bits of the larger operand
(2^k), and times each bucket with ``bigmul.multiply`` (kernels loaded), a plain Python function
returning ``a * b`` (the cost of any Python-level call), CPython's ``operator.mul`` and gmpy2, best
of three passes over the bucket, engine after engine bucket by bucket.  The totals show how much of
``bench --app pi``'s gap to gmpy2 sits in products where CPython's own multiply runs.
"""
from __future__ import annotations

import collections
import operator
import sys
import time
from typing import Any, Callable


def main(digits: int = 10 ** 6) -> None:
    """Print one line per bucket and the totals (milliseconds)."""
    import gmpy2

    import bigmul
    from bigmul.engines import fused
    from bigmul.tools.app_pi import series, terms_for

    fused.available()
    pairs: list[tuple[int, int]] = []

    def record(a: int, b: int) -> int:
        pairs.append((a, b))
        return a * b

    series(terms_for(digits), record)
    buckets: dict[int, list[tuple[Any, Any]]] = collections.defaultdict(list)
    for a, b in pairs:
        buckets[(max(a.bit_length(), b.bit_length()) - 1).bit_length()].append((a, b))

    def plain(a: int, b: int) -> int:
        return a * b

    total: collections.Counter[str] = collections.Counter()
    print(f"pi to {digits:,} digits: {len(pairs):,} products; ms per bucket (best of 3)")
    for k in sorted(buckets):
        ints = buckets[k]
        mpzs = [(gmpy2.mpz(a), gmpy2.mpz(b)) for a, b in ints]
        row = []
        engines: tuple[tuple[str, Callable[[Any, Any], Any], list[tuple[Any, Any]]], ...] = (
            ("bigmul", bigmul.multiply, ints), ("python-call", plain, ints), ("int", operator.mul, ints),
            ("gmpy2", operator.mul, mpzs))
        for name, f, data in engines:
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                for a, b in data:
                    f(a, b)
                best = min(best, time.perf_counter() - t)
            total[name] += best * 1e3
            row.append(f"{name} {best * 1e3:8.2f}")
        print(f"2^{k:<2d} {len(ints):7,d} products  " + "  ".join(row))
    print("total  " + "  ".join(f"{name} {v:.1f}" for name, v in total.items()))


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 10 ** 6)
