"""Sweep the conversions' leaf sizes and crossover (tuning.py's FROM_STR_* and TO_STR_* values).

Seeded, interleaved, best of 3 per setting, at one size (default 10^6 digits):
``python benchmarks/radix_params.py [DIGITS]``.  Prints the machine and versions first.
"""
from __future__ import annotations

import random
import sys
import time

import bigmul
from bigmul import cache, tuning
from bigmul.tools.common import machine_info


def best(fn, n=3):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    digits = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10 ** 6
    info = machine_info()
    print(f"# {info['cpu']}, {info['cpu_count']} cores, Python {info['python']}, {info['date']}, {digits:,} digits")
    x = random.Random(1).getrandbits(int(digits * 3.3219))
    s = bigmul.to_str(x)
    th = tuning.current
    saved = (th.TO_STR_LEAF_BITS, th.TO_STR_ARRAY_MIN_DIGITS, th.FROM_STR_LEAF_DIGITS, th.FROM_STR_BATCH_MAX_BITS)
    print("to_str: TO_STR_LEAF_BITS TO_STR_ARRAY_MIN_DIGITS seconds")
    for leaf in (512, 1024, 2048, 4096):
        for amin in (1500, 3000, 6000, 12000):
            th.TO_STR_LEAF_BITS, th.TO_STR_ARRAY_MIN_DIGITS = leaf, amin
            cache.clear()
            bigmul.to_str(x)
            print(f"  {leaf:5d} {amin:6d} {best(lambda: bigmul.to_str(x)):.4f}")
    th.TO_STR_LEAF_BITS, th.TO_STR_ARRAY_MIN_DIGITS = saved[:2]
    print("from_str: FROM_STR_LEAF_DIGITS FROM_STR_BATCH_MAX_BITS seconds")
    for leaf in (256, 512, 1024, 2048, 4096):
        for batch in (0, 15_000, 30_000, 60_000, 120_000, 250_000):
            th.FROM_STR_LEAF_DIGITS, th.FROM_STR_BATCH_MAX_BITS = leaf, batch
            cache.clear()
            bigmul.from_str(s)
            print(f"  {leaf:5d} {batch:7d} {best(lambda: bigmul.from_str(s)):.4f}")
    th.FROM_STR_LEAF_DIGITS, th.FROM_STR_BATCH_MAX_BITS = saved[2:]


if __name__ == "__main__":
    main()
