"""``bigmul.selftest()``: a quick proof, on this machine, that products are exact and guards fire.

What this is for: running after installing on a new machine or a new
numpy/scipy: a few adversarial products against Python ``int`` and one
injected fault per guard, each of which must be detected, recomputed and
counted.  A few seconds.
What it is not for: thorough testing (the test suite and ``bigmul fuzz``).
"""
from __future__ import annotations

import time
from typing import Any

__all__ = ["run"]


def _cases() -> list[tuple[str, Any, Any, str]]:
    cases: list[tuple[str, Any, Any, str]] = []
    for bits in (8_000, 200_000, 1_000_000):
        m = (1 << bits) - 1
        cases.append((f"all-max (2^{bits}-1)^2", m, m, "fft"))
        half = int("10" * (bits // 2), 2)  # 0b1010...: every balanced limb at -B/2
        cases.append((f"alternating bits {bits}", half, m, "fft"))
    cases.append(("one limb x 10^6 digits", 7, 3 ** 2_000_000, "fft"))
    cases.append(("ntt 10^5 digits", 3 ** 200_000, 7 ** 150_000, "ntt"))
    cases.append(("direct 2000 digits", 3 ** 4000, -(7 ** 3000), "direct"))
    cases.append(("all-9s text 10^5", "9" * 100_000, "9" * 100_000, "fft"))
    cases.append(("10^k text", "1" + "0" * 50_000, "-" + "9" * 70_000, "fft"))
    return cases


def run(verbose: bool = False) -> bool:
    """Run the self-test; print a line per check when ``verbose``; True when all pass."""
    from .. import api, guards
    from .faults import inject

    say = (lambda msg: print(msg, flush=True)) if verbose else (lambda msg: None)  # stdout: `selftest > log`
    ok = True
    from .reference import decimal_to_int, int_to_decimal, no_digit_limit, product

    with no_digit_limit():
        for name, a, b, method in _cases():
            t = time.perf_counter()
            got = api.multiply(a, b, method=method)
            dt = time.perf_counter() - t
            if isinstance(a, str):
                want: Any = int_to_decimal(product(decimal_to_int(a), decimal_to_int(b)))
            else:
                want = product(a, b)
            good = got == want
            ok &= good
            say(f"{'ok  ' if good else 'FAIL'} {name:<28} {method:<6} {dt:.3f} s")
        a, b = 3 ** 300_000, 7 ** 250_000
        want = a * b
        for fault, guard in (("perturb", "trip_roundoff"), ("shift", "trip_modular"),
                             ("drop_carry", "trip_modular"), ("wide_limbs", "trip_roundoff"),
                             ("float32", "trip_roundoff"), ("ntt_corrupt", "trip_modular")):
            guards.reset_stats()
            method = "ntt" if fault == "ntt_corrupt" else "fft"
            with inject(fault) as rec:
                got = api.multiply(a, b, method=method)
            st = guards.stats()
            good = got == want and rec.applied > 0 and st.get(guard, 0) > 0
            ok &= good
            say(f"{'ok  ' if good else 'FAIL'} fault {fault:<12} caught by {guard:<14} "
                f"(applied {rec.applied}, counters {st})")
        ok &= _operations(say)
        guards.reset_stats()
    say("selftest passed" if ok else "selftest FAILED")
    return ok


def _operations(say: Any) -> bool:
    """Conversions, division and root against CPython, and one injected fault per new guard."""
    import math

    import bigmul

    from .. import guards
    from .faults import inject

    ok = True
    n = 3 ** 200_000 - 1  # ~95k digits: every level of the conversions
    a, b = 7 ** 120_000, 3 ** 90_000 + 1
    checks = (("to_str / from_str 95k digits", lambda: bigmul.from_str(bigmul.to_str(n)) == n
               and bigmul.to_str(n) == str(n)),
              ("divmod 101k by 43k digits", lambda: bigmul.divmod(-a, b) == divmod(-a, b)),
              ("isqrt 95k digits", lambda: bigmul.isqrt(n) == math.isqrt(n)))
    for name, check in checks:
        t = time.perf_counter()
        good = bool(check())
        ok &= good
        say(f"{'ok  ' if good else 'FAIL'} {name:<28} {time.perf_counter() - t:.3f} s")
    faults = (("radix_power", lambda: bigmul.to_str(n) == str(n), "trip_radix"),
              ("reciprocal", lambda: bigmul.divmod(a, b) == divmod(a, b), "trip_division"),
              ("newton_quotient", lambda: bigmul.divmod(a, b) == divmod(a, b), "div_corrections"),
              ("root", lambda: bigmul.isqrt(n) == math.isqrt(n), "trip_root"))
    for fault, check, guard in faults:
        guards.reset_stats()
        bigmul.release_buffers()  # a wrong power must not stay cached
        with inject(fault) as rec:
            right = check()
        bigmul.release_buffers()
        st = guards.stats()
        good = bool(right) and rec.applied > 0 and st.get(guard, 0) > 0
        ok &= good
        say(f"{'ok  ' if good else 'FAIL'} fault {fault:<15} caught by {guard:<15} (applied {rec.applied})")
    return ok
