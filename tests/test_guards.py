"""Every guard can fire: injected faults are detected, recomputed exactly and counted."""
from __future__ import annotations

import numpy as np
import pytest

import bigmul
from bigmul import guards
from bigmul.tools.faults import FAULTS, inject

A, B = 3**300_000, 7**250_000  # ~10^5-digit operands: the float FFT path
# (fault, method, counter that must move)
CASES = [
    ("perturb", "fft", "trip_roundoff"),
    ("shift", "fft", "trip_modular"),
    ("drop_carry", "fft", "trip_modular"),
    ("drop_carry", "ntt", "trip_modular"),
    ("drop_carry", "direct", "trip_modular"),
    ("wide_limbs", "fft", "trip_roundoff"),
    ("float32", "fft", "trip_roundoff"),
    ("ntt_corrupt", "ntt", "trip_modular"),
]


@pytest.mark.parametrize("fault,method,counter", CASES)
def test_int_path_fault_is_caught(fault, method, counter):
    a, b = (A, B) if method != "direct" else (3**3000, 7**2500)
    with inject(fault) as rec:
        got = bigmul.multiply(a, b, method=method)
    assert rec.applied > 0, "the fault never touched the computation"
    assert got == a * b
    st = bigmul.guard_stats()
    assert st.get(counter, 0) >= 1, st
    assert any(k.startswith(("retry", "fallback")) for k in st), st


@pytest.mark.parametrize("fault,counter", [("perturb", "trip_roundoff"), ("shift", "trip_modular"),
                                           ("drop_carry", "trip_modular"),
                                           ("wide_limbs", "trip_roundoff"),
                                           ("float32", "trip_roundoff")])
def test_decimal_path_fault_is_caught(fault, counter, no_str_limit):
    import random

    r = random.Random(5)
    s = "".join(r.choice("0123456789") for _ in range(30_000))
    t = "-" + "".join(r.choice("0123456789") for _ in range(20_001))
    with inject(fault) as rec:
        got = bigmul.multiply(s, t, method="fft")
    assert rec.applied > 0
    assert got == str(int(s) * int(t))
    st = bigmul.guard_stats()
    if fault == "wide_limbs":  # which of the two fires first depends on the size
        assert st.get("trip_roundoff", 0) + st.get("trip_magnitude", 0) >= 1, st
    else:
        assert st.get(counter, 0) >= 1, st


def test_square_path_fault_is_caught():
    with inject("shift"):
        assert bigmul.square(A, method="fft") == A * A
    assert bigmul.guard_stats()["trip_modular"] >= 1


@pytest.mark.parametrize("fault", ["perturb", "shift", "float32"])
def test_convolve_fft_fault_is_caught(fault):
    x = np.arange(5000, dtype=np.int64) % 1000
    y = (np.arange(3000, dtype=np.int64) * 7) % 1000
    with inject(fault) as rec:
        got = bigmul.convolve(x, y, method="fft")
    assert rec.applied > 0
    assert np.array_equal(got, np.convolve(x, y))  # int64 cannot overflow here
    st = bigmul.guard_stats()
    assert st.get("trip_roundoff", 0) + st.get("trip_modular", 0) >= 1


def test_magnitude_guard_fires_when_coefficients_pass_2_53():
    # 30-bit limbs at this length make coefficients above 2**53: the distance check
    # would read ~0 there, so the magnitude guard must stop it.
    from bigmul import bounds
    from bigmul.engines import limb_product
    from bigmul.guards import GuardTrip

    x = np.full(4096, 2**29, dtype=np.int64)  # balanced limbs near -2**29: the worst case
    with pytest.raises(GuardTrip) as info:
        limb_product("fft", x, x.copy(), 2**30)
    assert info.value.reason in ("magnitude", "roundoff")
    x = np.array([2**27])  # one limb: no round-off at all, but 2**54 >= 2**53
    assert (2**27) ** 2 >= bounds.FLOAT_EXACT
    with pytest.raises(GuardTrip) as info:
        limb_product("fft", x, x.copy(), 2**30)
    assert info.value.reason == "magnitude"


def test_modular_check_catches_every_single_limb_error():
    c = A * B
    for j in (0, 1, 13, 1000, 100_000):
        assert not guards.check_int(A, B, c + (1 << j))
        assert not guards.check_int(A, B, c - (5 << j))
    assert guards.check_int(A, B, c)


def test_check_prime_is_random_62_bit_non_mersenne():
    p = guards.PRIME
    assert p.bit_length() == 62 and guards.is_prime(p) and (p + 1) & p != 0
    for q in guards.LIMB_PRIMES:
        assert q.bit_length() == 31 and guards.is_prime(q)


def test_unknown_fault():
    with pytest.raises(ValueError, match="unknown fault"):
        with inject("gremlins"):
            pass
    assert set(FAULTS) >= {"perturb", "shift", "drop_carry", "wide_limbs", "float32"}


def test_selftest_passes():
    assert bigmul.selftest() is True


def test_decimal_last_resort_is_fast_and_exact(no_str_limit):
    # A fault that breaks every engine sharing the carry code drives the decimal
    # path to its independent last resort (the stdlib decimal module): exact, and
    # subquadratic, unlike CPython's str(int) at this size.
    import time

    s, t = "7" * 300_000, "-" + "3" * 200_000
    t0 = time.perf_counter()
    with inject("drop_carry"):
        got = bigmul.multiply(s, t, method="fft")
    assert time.perf_counter() - t0 < 30
    st = bigmul.guard_stats()
    assert st["fallback_decimal"] == 1 and st["trip_modular"] >= 2
    from bigmul.tools.reference import decimal_to_int, int_to_decimal, product

    assert got == int_to_decimal(product(decimal_to_int(s), decimal_to_int(t)))


def test_carry_overflow_is_a_guard_trip(monkeypatch):
    # Coefficients that carry past the top limb cannot be this product: the
    # engine reports a tripped guard and the next step recomputes.
    from bigmul.engines import fft, fused

    monkeypatch.setattr(fused, "LOADED", False)  # the numpy passes (what a fresh process runs at this size)
    orig = fft.with_headroom

    def top_heavy(r):
        out = orig(r)
        out[len(r) - 1] += 2**52  # far more than the two spare top limbs can hold
        return out

    monkeypatch.setattr(fft, "with_headroom", top_heavy)
    a, b = 3**20_000, 7**15_000
    assert bigmul.multiply(a, b, method="fft") == a * b
    st = bigmul.guard_stats()
    assert st["trip_carry"] == 2 and st["fallback_ntt"] == 1, st
