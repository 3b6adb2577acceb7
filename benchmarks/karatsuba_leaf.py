"""The Karatsuba engine's leaf size and its two crossovers, side by side in one run.

Usage: ``python benchmarks/karatsuba_leaf.py [bits ...]``.  For int products of each size
(balanced, random): the engine at several ``KARATSUBA_LEAF_MAX_LIMBS`` values, CPython's
``a * b``, the fused float FFT route and gmpy2 (when installed), each the best of five runs of a
loop, interleaved size by size.  ``tuning.KARATSUBA_LEAF_MAX_LIMBS`` is the leaf size with the
lowest times across the sizes; ``INT_KARATSUBA_MIN_BITS`` and ``INT_FFT_FUSED_MIN_BITS`` are read
where the engine passes CPython's multiply and where the FFT passes the engine (``bigmul tune``
measures those two as rows of its own).
"""
from __future__ import annotations

import random
import sys
import time
from typing import Any, Callable

LEAVES = (32, 64, 96, 128, 192)


def best_of(f: Callable[[], Any], loops: int) -> float:
    """Microseconds per call: the best of five timed loops."""
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(loops):
            f()
        best = min(best, (time.perf_counter() - t) / loops)
    return best * 1e6


def main(sizes: list[int]) -> None:
    """Print one line per size."""
    from bigmul import bounds, tuning
    from bigmul.engines import fused, routes

    fused.available()
    try:
        import gmpy2
    except ImportError:
        gmpy2 = None
    print("bits  " + "  ".join(f"leaf {n:>3}" for n in LEAVES) + "    int     fft   gmpy2  (us per product)")
    for bits in sizes:
        rng = random.Random(bits)
        a, b = rng.getrandbits(bits) | 1 << (bits - 1), rng.getrandbits(bits) | 1 << (bits - 1)
        loops = max(20, 2_000_000 // bits)
        row = []
        for leaf in LEAVES:
            tuning.current.KARATSUBA_LEAF_MAX_LIMBS = leaf
            row.append(best_of(lambda: routes.karatsuba_int_product(a, b), loops))
        w = bounds.fft_limb_bits(bits, bits)
        row += [best_of(lambda: a * b, loops), best_of(lambda: routes.int_product(a, b, w), loops)]
        if gmpy2 is not None:
            ga, gb = gmpy2.mpz(a), gmpy2.mpz(b)
            row.append(best_of(lambda: ga * gb, loops))
        print(f"{bits:>6}  " + "  ".join(f"{t:8.2f}" for t in row))


if __name__ == "__main__":
    main([int(float(s)) for s in sys.argv[1:]] or [1000, 2000, 4000, 8000, 12000, 16000, 24000, 32000])
