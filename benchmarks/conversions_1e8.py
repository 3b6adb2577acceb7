"""10^8-digit conversions, one per process, for the peak memory of each.

``/usr/bin/time -v python benchmarks/conversions_1e8.py from|to|gfrom|gto``:
bigmul's ``from_str`` / ``to_str``, or gmpy2's ``mpz(s)`` / ``digits()``, of
one seeded random 10^8-digit number (the set-up is inside the peak).
"""
from __future__ import annotations

import random
import sys
import time


def main(which: str, digits: int = 10 ** 8) -> None:
    import gmpy2

    import bigmul

    x = gmpy2.mpz(random.Random(1).getrandbits(int(digits * 3.3219)))
    if which in ("from", "gfrom"):
        s = x.digits()
        del x
        t = time.perf_counter()
        bigmul.from_str(s) if which == "from" else gmpy2.mpz(s)
        name = "from_str" if which == "from" else "gmpy2 mpz(s)"
    else:
        n = int(x) if which == "to" else x
        del x
        t = time.perf_counter()
        bigmul.to_str(n) if which == "to" else n.digits()
        name = "to_str" if which == "to" else "gmpy2 digits"
    print(f"{name} 1e8: {time.perf_counter() - t:.2f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "from")
