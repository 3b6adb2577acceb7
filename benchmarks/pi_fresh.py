"""Pi's series to 10^6 digits in a fresh process, every one-time cost counted (imports, kernel loads).

Usage: ``python benchmarks/pi_fresh.py bigmul|gmpy2 [digits]``; run one process per engine and
alternate them.  Prints the import time, the series' time and their sum.
"""
from __future__ import annotations

import sys
import time


def main(engine: str = "bigmul", digits: int = 10 ** 6) -> None:
    """Import, run the series with ``engine``'s products, print one line."""
    t0 = time.perf_counter()
    if engine == "gmpy2":
        import operator

        import gmpy2

        from bigmul.tools.app_pi import series, terms_for

        t1 = time.perf_counter()
        series(terms_for(digits), operator.mul, gmpy2.mpz(1))
    else:
        import bigmul
        from bigmul.tools.app_pi import series, terms_for

        t1 = time.perf_counter()
        series(terms_for(digits), bigmul.multiply)
    t2 = time.perf_counter()
    print(f"{engine}: imports {t1 - t0:.3f} s, series {t2 - t1:.3f} s, total {t2 - t0:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bigmul", int(float(sys.argv[2])) if len(sys.argv) > 2 else 10 ** 6)
