"""The Karatsuba engine (engines/karatsuba.py, jit_kara.py): exact against int, routed, guarded."""
from __future__ import annotations

import random

import pytest

import bigmul
from bigmul import bounds, tuning
from bigmul.engines import fused, jit_kara, karatsuba, routes
from bigmul.guards import GuardTrip
from bigmul.tools.faults import inject

pytestmark = pytest.mark.skipif(not karatsuba.available(), reason="numba not importable")


def _bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "little")


def _product(a: int, b: int | None) -> int:
    sa, sb = _bytes(a), None if b is None else _bytes(b)
    out = bytearray(len(sa) + len(sa if sb is None else sb))
    assert karatsuba.product_bytes(sa, sb, out)[0] == 0
    return int.from_bytes(out, "little")


SIZES = [1, 7, 8, 23, 24, 25, 100, 777, 2_000, 5_003, 33_333, 100_000]


@pytest.mark.parametrize("bits", SIZES)
@pytest.mark.parametrize("leaf", [4, 5, 32, 128])
def test_exact_against_int(bits: int, leaf: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tuning.current, "KARATSUBA_LEAF_MAX_LIMBS", leaf)
    rng = random.Random(bits * 7 + leaf)
    for other in (1, 9, 500, bits, bits // 3 + 1, bits + 40, 3 * bits // 2, 2 * bits - 1, 5 * bits + 3):
        a = rng.getrandbits(bits) | 1 << (bits - 1)
        b = rng.getrandbits(other) | 1 << (other - 1)
        assert _product(a, b) == a * b
        assert _product(b, a) == a * b
        ones_a, ones_b = (1 << bits) - 1, (1 << other) - 1  # every limb at its largest: the tightest bound
        assert _product(ones_a, ones_b) == ones_a * ones_b
    assert _product(a, None) == a * a


def test_leaf_values_stay_below_32_bits() -> None:
    # depth_k never takes more levels than MAX_DEPTH (leaf sums below 2**32), whatever the leaf size.
    for n in (1, 100, 1 << 12, jit_kara.MAX_LIMBS, 3 * jit_kara.MAX_LIMBS // 2):
        for leaf in (4, 32, 128):
            d, base = jit_kara.depth_k(n, leaf)
            assert d <= jit_kara.MAX_DEPTH and base << d >= n and (1 << d) * (2 ** 24 - 1) < 2 ** 32
    assert bounds.KARATSUBA_LIMIT_BITS == 24 * jit_kara.MAX_LIMBS
    assert jit_kara.MAX_LIMBS * (2 ** 24 - 1) ** 2 < 2 ** 63


def test_residues_are_those_of_the_bytes() -> None:
    from bigmul.guards import LIMB_PRIMES

    a, b = 3 ** 9000, 7 ** 4000
    sa, sb = _bytes(a), _bytes(b)
    r = karatsuba.product_bytes(sa, sb, bytearray(len(sa) + len(sb)))
    q1, q2 = LIMB_PRIMES
    assert (int(r[2]), int(r[3])) == (a % q1, a % q2)
    assert (int(r[4]), int(r[5])) == (b % q1, b % q2)
    assert (int(r[6]), int(r[7])) == (a * b % q1, a * b % q2)


def test_route_and_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fused.available()
    monkeypatch.setattr(fused, "LOADED", True)
    th = tuning.current
    mid = (th.INT_KARATSUBA_MIN_BITS + th.INT_FFT_FUSED_MIN_BITS) // 2
    a, b = (1 << mid) - 12_345, 3 ** (mid * 10 // 16 + 5)
    assert bigmul.choose_method(a, b).method == "karatsuba"
    assert bigmul.choose_method((1 << (th.INT_KARATSUBA_MIN_BITS - 10)) - 1, b).method == "int"
    assert bigmul.choose_method(a << th.INT_FFT_FUSED_MIN_BITS, b << th.INT_FFT_FUSED_MIN_BITS).method == "fft"
    bigmul.reset_guard_stats()
    for x, y in ((a, b), (-a, b), (a, -b), (-a, -b)):
        assert bigmul.multiply(x, y) == x * y
    assert bigmul.square(-a) == a * a
    assert bigmul.guard_stats()["checks"] >= 5
    monkeypatch.setattr(fused, "LOADED", False)
    assert bigmul.choose_method(a, b).method == "int"


def test_crossover_plus_minus_one_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fused, "LOADED", True)
    k = tuning.current.INT_KARATSUBA_MIN_BITS
    for bits in (k - 1, k, k + 1):
        a, b = (1 << bits) - 1, 3 ** (bits * 10 // 15)
        assert bigmul.choose_method(a, b).method == ("int" if bits < k else "karatsuba")
        before = bigmul.guard_stats().get("checks", 0)
        assert bigmul.multiply(a, b) == a * b and bigmul.square(a) == a * a
        assert bigmul.guard_stats().get("checks", 0) - before == (0 if bits < k else 2)


def test_dropped_carry_is_caught_and_recomputed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fused, "LOADED", True)
    a, b = (1 << 9000) - 1, (1 << 8000) - 3  # every limb full: carries everywhere
    assert bigmul.choose_method(a, b).method == "karatsuba"
    bigmul.reset_guard_stats()
    with inject("drop_carry") as record:
        assert bigmul.multiply(a, b) == a * b
    stats = bigmul.guard_stats()
    assert record.applied > 0
    assert stats["trip_modular"] == 1 and stats["fallback_int"] == 1


def test_unchecked_product_misses_what_the_check_catches() -> None:
    a, b = (1 << 9000) - 1, (1 << 8000) - 3
    with inject("drop_carry"):
        wrong = routes.karatsuba_int_product(a, b, checked=False)
        assert wrong != a * b  # the fault is real: only the modular check stands between it and the user
        with pytest.raises(GuardTrip, match="modular"):
            routes.karatsuba_int_product(a, b)


def test_carry_left_over_trips_the_carry_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    real = karatsuba.product_bytes

    def leftover(sa: bytes, sb: bytes | None, out: bytearray, drop_at: int = -1) -> tuple:
        r = list(real(sa, sb, out, drop_at))
        r[0] = 1  # a carry past the product's bytes
        return tuple(r)

    monkeypatch.setattr(karatsuba, "product_bytes", leftover)
    with pytest.raises(GuardTrip, match="carry"):
        routes.karatsuba_int_product(3 ** 5000, 7 ** 3000)
    monkeypatch.setattr(fused, "LOADED", True)
    bigmul.reset_guard_stats()
    a, b = 3 ** 5000, 7 ** 3000
    assert bigmul.multiply(a, b) == a * b
    assert bigmul.guard_stats()["trip_carry"] == 1
