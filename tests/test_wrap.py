"""Products modulo 2**K - 1 (``wrap.py``) against Python int, and their guards firing where they are used."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest

import bigmul
from bigmul import plan, pylong, roots, tuning, wrap
from bigmul.engines import fused
from bigmul.tools.faults import inject


def test_fold_and_signed_edges(rng):
    for K in (2, 3, 30, 61, 1000):
        M = (1 << K) - 1
        for x in (0, 1, M - 1, M, M + 1, 1 << K, (1 << (3 * K)) - 1, rng.getrandbits(5 * K), rng.getrandbits(K)):
            assert wrap.fold(x, K) == x % M
        for v in (0, 1, -1, (1 << (K - 1)) - 1, -((1 << (K - 1)) - 1)):
            assert wrap.signed(v % M, K) == v


def operands(rng: random.Random, k_min: int) -> list[tuple[int, int | None]]:
    full = (1 << k_min) - 1
    out: list[tuple[int, int | None]] = []
    for ba, bb in ((k_min, k_min), (k_min, k_min // 2), (k_min // 3, k_min), (1, k_min), (k_min - 1, 17)):
        a = rng.getrandbits(ba) | (1 << (ba - 1))
        b = rng.getrandbits(bb) | (1 << (bb - 1))
        out += [(a, b), (a, None), ((1 << ba) - 1, (1 << bb) - 1)]
    out += [(full, full), (full, None), (0, full), (1 << (k_min - 1), None)]
    return out


@pytest.mark.parametrize("k_min", [64, 1000, 20_000, 100_000, 700_000])
def test_mulmod_matches_int(k_min, rng):
    for a, b in operands(rng, k_min):
        c, K = wrap.mulmod(a, b, k_min)
        assert K >= k_min and 0 <= c < (1 << K) - 1
        assert c == a * (a if b is None else b) % ((1 << K) - 1), (a.bit_length(), b is None)


def test_cyclic_route_is_planned_and_shorter():
    steps = plan.plan_wrap(10 ** 6, 10 ** 6, 10 ** 6 + 64).steps
    assert [s.route for s in steps] == ["wrap", ""] and steps[1].engine == "product"
    assert [str(s) for s in plan.plan_wrap(100, 100, 200).steps] == ["product"]
    from bigmul.engines import fft

    n = -(-10 ** 6 // steps[0].bits)
    L, _ = fft.wrap_shape(n, n, steps[0].bits, 10 ** 6 + 64)
    L_full, _, _ = fft.fused_shape(n, n, 1 << steps[0].bits)
    assert L * steps[0].bits >= 10 ** 6 + 64 and L < 0.6 * L_full


def test_product_route_folds_to_k_min(monkeypatch, rng):
    monkeypatch.setattr(wrap, "plan_wrap", lambda *a: plan.Plan("wrap", (plan.Step("product"),), "forced"))
    a, b = rng.getrandbits(50_000), rng.getrandbits(40_000)
    assert wrap.mulmod(a, b, 50_000) == (a * b % ((1 << 50_000) - 1), 50_000)


def test_mulmod_rejects_operands_out_of_range():
    for a, b, k in ((-1, 3, 10), (3, -1, 10), (1 << 10, 3, 10), (3, 1 << 10, 10), (1, 1, 1)):
        with pytest.raises(ValueError):
            wrap.mulmod(a, b, k)


def test_wrap_kernel_carries_a_negative_top_around(rng):
    """The cyclic round/carry pass returns the carry out of the top, here negative, to be added at the
    bottom: digits plus carry equal the coefficients' value modulo 2**(n*bits) - 1."""
    bits, n = 16, 40
    z = np.array([rng.randint(-(1 << 30), 1 << 30) for _ in range(n)], dtype=np.float64)
    z[-1] = -(1 << 34)
    out = np.zeros(-(-n * bits // 30), dtype=np.uint32)
    f = fused.round_wrap_pack(z + 0.1, n, bits, out)  # 0.1 of round-off, reported
    value = sum(int(v) << (bits * j) for j, v in enumerate(z))
    M = (1 << (n * bits)) - 1
    assert f.carry < 0 and abs(f.err - 0.1) < 1e-5 and not f.bad
    assert (pylong.digits_to_int(np.trim_zeros(out, "b")) + f.carry - value) % M == 0


def test_roundoff_guard_of_the_cyclic_product_fires(rng):
    a, b = rng.getrandbits(200_000), rng.getrandbits(200_000)
    with inject("perturb") as rec:
        c, K = wrap.mulmod(a, b, 200_000)
    assert c == a * b % ((1 << K) - 1)
    s = bigmul.guard_stats()
    assert rec.applied >= 1 and s["trip_roundoff"] >= 1 and s["fallback_product"] == 1


@pytest.fixture
def small_roots(monkeypatch):
    monkeypatch.setattr(tuning.current, "ISQRT_NEWTON_MIN_BITS", 2000)


@pytest.mark.parametrize("fault, bits", [("wrap", 60_000), ("root_reciprocal", 80_000)])
def test_wrong_root_step_trips_the_root_check(small_roots, rng, fault, bits):
    """A wrong product modulo 2**K - 1, or a corrupted reciprocal passed up a level: the root check
    trips once and math.isqrt gives the answer."""
    n = rng.getrandbits(bits)
    with inject(fault) as rec:
        assert bigmul.isqrt(n) == math.isqrt(n)
    s = bigmul.guard_stats()
    assert rec.applied >= 1 and s["trip_root"] == 1 and s["fallback_cpython"] == 1


def test_root_estimates_off_by_three_are_adjusted_exactly(small_roots, rng):
    for n in (rng.getrandbits(60_000), (rng.getrandbits(30_000) | 1) ** 2, (rng.getrandbits(30_000) | 1) ** 2 - 1):
        bigmul.reset_guard_stats()
        with inject("root_estimate") as rec:
            assert bigmul.isqrt(n) == math.isqrt(n)
        s = bigmul.guard_stats()
        assert rec.applied >= 3 and s["root_adjustments"] >= rec.applied and "trip_root" not in s


def test_adjust_jumps_and_gives_up(monkeypatch, rng):
    n = rng.getrandbits(4000)
    r = math.isqrt(n)
    for s in (r - 5000, r + 5000, r + 1, r - 1, r, r + 3 ** 35, r - 3 ** 36):  # the last two: float jumps, then units
        assert roots._adjust(n, s, n - s * s) == (r, n - r * r)
    with pytest.raises(roots.GuardTrip):  # past 2**60 units: no estimate is that far off
        roots._adjust(n, r + 3 ** 130, n - (r + 3 ** 130) ** 2)
    monkeypatch.setattr(roots, "MAX_ROOT_STEPS", 1)
    with pytest.raises(roots.GuardTrip):
        roots._adjust(n, r + 3 ** 35, n - (r + 3 ** 35) ** 2)


def test_wrong_cyclic_products_never_escape_as_errors(small_roots, rng):
    """Every product modulo 2**K - 1 wrong (fault ``wrap``): estimates go wild -- huge jumps,
    negative roots, reciprocals of the wrong size -- and each ends in a tripped guard and the
    exact fallback, never in an exception (found by ``bigmul fuzz --inject wrap``, sparse family)."""
    cases = [1 << 200_001, (1 << 150_000) + (1 << 7), rng.getrandbits(90_000), (1 << 120_000) - 1]
    with inject("wrap"):
        for n in cases:
            assert bigmul.isqrt(n) == math.isqrt(n)
        a, b = rng.getrandbits(300_000), rng.getrandbits(140_000) | 1
        assert bigmul.divmod(a, b) == divmod(a, b)
    s = bigmul.guard_stats()
    assert s["trip_root"] >= 1 and s["fallback_cpython"] >= 1
