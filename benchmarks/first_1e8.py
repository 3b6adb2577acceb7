"""First and second 10^8-digit int product in a fresh process, for ``/usr/bin/time -v`` (peak memory, system time).

Usage: ``/usr/bin/time -v python benchmarks/first_1e8.py bigmul|bigmul-fft|gmpy2 [digits]``.  Builds two
random operands (fixed seed), loads the engine's kernels with a small product (the load time is
printed), then times two products of the full size.  Run one process per engine and alternate
them: this VM's page-fault cost varies from run to run.
"""
from __future__ import annotations

import random
import sys
import time


def main(engine: str = "bigmul", digits: int = 10 ** 8) -> None:
    """Build the operands, load the kernels, time two products; print one line."""
    bits = int(digits * 3.321928094887362)
    rng = random.Random(20261205)
    a = rng.getrandbits(bits) | 1 << (bits - 1)
    b = rng.getrandbits(bits) | 1 << (bits - 1)
    if engine == "gmpy2":
        import gmpy2

        a, b = gmpy2.mpz(a), gmpy2.mpz(b)
        mul = lambda x, y: x * y  # noqa: E731
        load = 0.0
    else:
        import bigmul

        method = "fft" if engine == "bigmul-fft" else "auto"
        t = time.perf_counter()
        small = 3 ** 400_000
        bigmul.multiply(small, small + 1, method=method)  # loads the fused kernels
        if method == "auto":
            bigmul.multiply(small, small + 1, method="ntt")  # and the small-prime NTT's
        load = time.perf_counter() - t
        mul = lambda x, y: bigmul.multiply(x, y, method=method)  # noqa: E731
    times = []
    for _ in range(2):
        t = time.perf_counter()
        c = mul(a, b)
        times.append(time.perf_counter() - t)
        del c
    print(f"{engine} {digits:.0e} digits: kernels {load:.2f} s, first {times[0]:.2f} s, second {times[1]:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bigmul", int(float(sys.argv[2])) if len(sys.argv) > 2 else 10 ** 8)
