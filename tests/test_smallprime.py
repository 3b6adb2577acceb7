"""The small-prime NTT engine (engines/smallprime.py): exact against int, its bounds, its guards seen firing."""
from __future__ import annotations

import random

import numpy as np
import pytest

import bigmul
from bigmul import bounds, guards, pylong, tuning
from bigmul.plan import plan_int
from bigmul.tools.faults import inject

smallprime = pytest.importorskip("bigmul.engines.smallprime")
if not smallprime.available():  # pragma: no cover - numba is a dependency
    pytest.skip("numba not importable", allow_module_level=True)
if not pylong.available():  # pragma: no cover
    pytest.skip("no digit views of ints here", allow_module_level=True)


def product(a: int, b: int | None, threads: int = 1) -> tuple[int, int]:
    """``(digits of the product as an int, carry past the end)`` straight from the engine."""
    da = pylong.digit_view(a)
    db = None if b is None else pylong.digit_view(b)
    nx = len(da)
    ny = nx if db is None else len(db)
    out = np.zeros(nx + ny, dtype=np.uint32)
    carry, _ = smallprime.convolve_digits(da, nx, db, ny, out, threads)
    top = len(out)
    while top and out[top - 1] == 0:
        top -= 1
    return (pylong.digits_to_int(out[:top].copy()) if top else 0), carry


def test_the_primes_hold_every_coefficient_of_the_longest_product() -> None:
    (p1, _, k1), (p2, _, k2), (p3, _, k3) = bounds.NTT_PRIMES
    # every coefficient of a product of 2**25 digits is below p1 p2 p3 (Garner gives it exactly)
    assert smallprime.MAX_LIMBS * (2 ** 30 - 1) ** 2 < p1 * p2 * p3
    # wider limbs (31-33 bits) only where they halve the length: at most 2**24 coefficients
    assert smallprime.MAX_LIMBS // 2 * (2 ** 33 - 1) ** 2 < p1 * p2 * p3
    for bits in (10 ** 4, 10 ** 6, 63 * 10 ** 6, 5 * 10 ** 8):
        w, mx, my, L = smallprime.limb_width(bits, bits)
        assert 30 <= w <= 33 and mx + my - 1 <= L and (w == 30 or L <= smallprime.MAX_LIMBS // 2)
        assert mx == -(-bits // w)
    # Montgomery products need p < 2**31; the CRT's one-step reductions need these ratios
    assert all(p < 2 ** 31 for p in (p1, p2, p3))
    assert p1 < 2 * p2 and p1 < 2 * p3 and p2 < 2 * p3
    assert all((p - 1) % smallprime.MAX_LIMBS == 0 for p in (p1, p2, p3))
    # 30-bit digits are residues as they are
    assert 2 ** 30 <= min(p1, p2, p3)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("bits", [1, 30, 31, 900, 7_700, 8_000, 15_000, 61_000, 250_000, 1_000_000])
def test_products_and_squares_are_exact(bits: int, threads: int) -> None:
    rng = random.Random(bits * 7 + threads)
    a = rng.getrandbits(bits) | 1 << (bits - 1)
    b = rng.getrandbits(max(1, bits * 2 // 3)) | 1
    assert product(a, b, threads) == (a * b, 0)
    assert product(a, None, threads) == (a * a, 0)


@pytest.mark.parametrize("bits", [29, 7_680, 122_880, 3_000_000])
def test_all_ones_and_sparse_operands(bits: int) -> None:
    m = (1 << bits) - 1  # every digit 2**30 - 1 (where the bound is met with equality)
    assert product(m, m, 2) == (m * m, 0)
    assert product(m, None, 1) == (m * m, 0)
    s = 1 << (bits - 1) | 1 << (bits // 2) | 1
    assert product(s, m, 2) == (s * m, 0)


def test_every_transform_shape_up_to_two_to_the_twenty() -> None:
    # odd and even log2 lengths: the radix-2 first stage, n1 > n2 and n1 = n2
    for lg in range(smallprime.MIN_LOG2, 21):
        n = (1 << lg) - 3
        rng = random.Random(lg)
        a = rng.getrandbits(30 * (n // 2))
        b = rng.getrandbits(30 * (n - n // 2))
        assert smallprime.shape(len(pylong.digit_view(a)) + len(pylong.digit_view(b)) - 1)[0] == 1 << lg
        assert product(a, b, 2) == (a * b, 0), lg


def test_a_product_longer_than_its_digits_carries_out_of_the_end() -> None:
    a = (1 << 300) - 1
    da = pylong.digit_view(a)
    out = np.zeros(len(da) * 2 - 1, dtype=np.uint32)  # one digit per coefficient: one short of the product
    carry, _ = smallprime.convolve_digits(da, len(da), None, len(da), out, 1)
    assert carry != 0
    with pytest.raises(ValueError, match="digits for"):
        smallprime.convolve_digits(da, len(da), None, len(da), out[:-1], 1)
    with pytest.raises(ValueError, match="exceeds the limit"):
        smallprime.shape(smallprime.MAX_LIMBS + 1)


def test_the_route_and_the_plan() -> None:
    a, b = 3 ** 400_000, 7 ** 300_000
    assert bigmul.multiply(a, b, method="ntt") == a * b
    assert bigmul.multiply(a, a, method="ntt") == a * a
    assert bigmul.multiply(-a, b, method="ntt") == -(a * b)
    p = plan_int(10 ** 6, 10 ** 6, "ntt")
    assert [(s.engine, s.route) for s in p.steps][:2] == [("ntt", "fused"), ("ntt", "limbs")]
    assert str(p.steps[0]) == "ntt(31, fused)"  # 31-bit limbs halve the length 30-bit ones need
    assert str(plan_int(1200, 1200, "ntt").steps[0]) == "ntt(30, fused)"


def test_auto_takes_the_ntt_from_its_crossover(monkeypatch: pytest.MonkeyPatch) -> None:
    from bigmul.engines import fused

    fused.kernels()  # the auto plan takes fused routes once the kernels are loaded
    fused.ready(start=True)
    bits = 400_000
    monkeypatch.setattr(tuning.current, "NTT_FUSED_MIN_BITS", 2 * bits)  # both operands' bits together
    assert plan_int(bits, bits).steps[0].engine == "ntt"  # 26,667 coefficients fill 81% of 2**15
    assert plan_int(bits - 1, bits).steps[0].engine == "fft"
    assert plan_int(bits, bits, "fft").steps[0].engine == "fft"  # only auto chooses it
    assert plan_int(bits // 2, 3 * bits // 2).steps[0].engine == "ntt"  # unbalanced: the total counts
    assert plan_int(bits, 2 * bits).steps[0].engine == "ntt"  # 40,000 coefficients fill 61% of 2**16
    a, b = 3 ** 260_000, 5 ** 180_000  # > 400k bits each
    assert plan_int(a.bit_length(), b.bit_length()).steps[0].engine == "ntt"
    bigmul.reset_guard_stats()
    assert bigmul.multiply(a, b) == a * b
    assert bigmul.guard_stats().get("fallback_ntt", 0) == 0
    half = 560_340  # 37,355 coefficients: 57% of 2**16 (33-bit limbs would need 33,959 > 2**15)
    monkeypatch.setattr(tuning.current, "NTT_FUSED_MIN_BITS", 2 * half)
    assert plan_int(half, half).steps[0].engine == "fft"
    monkeypatch.setattr(tuning.current, "NTT_MEMORY_MIN_BITS", 2 * half)
    assert plan_int(half, half).steps[0].engine == "ntt"


@pytest.mark.parametrize("fault,reason", [("ntt_corrupt", "trip_modular"), ("drop_carry", "trip_modular"),
                                          ("ntt_root", None)])
def test_each_fault_is_caught_and_the_product_is_still_exact(fault: str, reason: str | None) -> None:
    a, b = 3 ** 300_000, 7 ** 200_000
    bigmul.reset_guard_stats()
    with inject(fault) as record:
        c = bigmul.multiply(a, b, method="ntt")
    assert c == a * b
    assert record.applied > 0
    stats = bigmul.guard_stats()
    trips = {k: v for k, v in stats.items() if k.startswith("trip_") and v}
    assert trips, stats  # a guard fired
    if reason:
        assert stats[reason] > 0
    assert stats["fallback_ntt"] > 0  # and the next step computed the product


def test_the_modular_check_alone_catches_a_dropped_carry() -> None:
    # The route's own check, without the fallback: a dropped CRT carry trips GuardTrip("modular").
    from bigmul.engines import routes

    a, b = 3 ** 300_000, 7 ** 200_000
    with inject("drop_carry") as record:
        with pytest.raises(guards.GuardTrip, match="modular"):
            routes.ntt_int_product(a, b)
    assert record.applied == 1
    assert routes.ntt_int_product(a, b) == a * b


@pytest.mark.parametrize("w", [31, 32, 33])
@pytest.mark.parametrize("lg", [12, 18])
def test_wider_limbs_where_they_halve_the_length(w: int, lg: int) -> None:
    # The largest operands whose w-bit limbs fill half the length 30-bit limbs would need; at 2**18
    # the product has 2**17 - 1 coefficients, so the CRT runs in two halves split at a whole digit.
    bits = ((1 << lg) // 2 + 1) // 2 * w - w
    assert smallprime.limb_width(bits, bits)[0] == w
    rng = random.Random(w * lg)
    a = rng.getrandbits(bits) | 1 << (bits - 1)
    b = rng.getrandbits(bits) | 1 << (bits - 1)
    m = (1 << bits) - 1  # every limb 2**w - 1
    for threads in (1, 2):
        assert product(a, b, threads) == (a * b, 0)
        assert product(m, m, threads) == (m * m, 0)
        assert product(a, None, threads) == (a * a, 0)
    with inject("drop_carry") as record:
        with pytest.raises(guards.GuardTrip, match="modular"):
            from bigmul.engines import routes

            routes.ntt_int_product(a, b)
    assert record.applied == 1
