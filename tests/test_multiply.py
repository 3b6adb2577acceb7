"""multiply/square against the Python int oracle: properties, adversarial families, sizes."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import bigmul
from bigmul import bounds, tuning
from bigmul.plan import plan_int

METHODS = ["auto", "direct", "fft", "ntt"]


def make_operand(bits: int, pattern: str, seed: int) -> int:
    """A non-negative operand of about ``bits`` bits in a named pattern."""
    if bits <= 0:
        return 0
    r = random.Random(seed)
    if pattern == "random":
        return r.getrandbits(bits) | (1 << (bits - 1))
    if pattern == "all-ones":
        return (1 << bits) - 1
    if pattern == "power":
        return 1 << (bits - 1)
    if pattern == "power-1":
        return (1 << (bits - 1)) - 1 if bits > 1 else 1
    if pattern == "power+1":
        return (1 << (bits - 1)) + 1
    if pattern == "runs":  # long runs of 0s and 1s, as GMP's mpz_rrandomb
        n, pos, bit = 0, 0, 1
        while pos < bits:
            run = r.randint(1, max(1, bits // 8))
            if bit:
                n |= ((1 << run) - 1) << pos
            pos += run
            bit ^= 1
        return n & ((1 << bits) - 1) | (1 << (bits - 1))
    if pattern == "alternating":
        return int("10" * (bits // 2) + "1" * (bits % 2), 2)
    if pattern == "sparse":
        n = 1 << (bits - 1)
        for _ in range(5):
            n |= 1 << r.randrange(bits)
        return n
    raise ValueError(pattern)


PATTERNS = ["random", "all-ones", "power", "power-1", "power+1", "runs", "alternating", "sparse"]


@given(
    bits_a=st.integers(0, 340_000),  # up to ~10^5 decimal digits
    bits_b=st.integers(0, 340_000),
    pattern=st.sampled_from(PATTERNS),
    signs=st.tuples(st.sampled_from([1, -1]), st.sampled_from([1, -1])),
    seed=st.integers(0, 2**32),
    method=st.sampled_from(METHODS),
)
@example(bits_a=0, bits_b=0, pattern="random", signs=(1, 1), seed=0, method="fft")
@example(bits_a=1, bits_b=340_000, pattern="all-ones", signs=(-1, 1), seed=0, method="fft")
@example(bits_a=63, bits_b=64, pattern="all-ones", signs=(-1, -1), seed=0, method="ntt")
@example(bits_a=65, bits_b=64, pattern="power", signs=(1, -1), seed=0, method="direct")
def test_multiply_matches_int(bits_a, bits_b, pattern, signs, seed, method):
    if method == "direct":  # schoolbook: keep it small enough to be quick
        bits_a, bits_b = min(bits_a, 60_000), min(bits_b, 60_000)
    a = signs[0] * make_operand(bits_a, pattern, seed)
    b = signs[1] * make_operand(bits_b, pattern, seed + 1)
    assert bigmul.multiply(a, b, method=method) == a * b
    assert bigmul.multiply(b, a, method=method) == a * b


@given(bits=st.integers(0, 340_000), pattern=st.sampled_from(PATTERNS), neg=st.booleans(),
       seed=st.integers(0, 2**32), method=st.sampled_from(METHODS))
def test_square_matches_int(bits, pattern, neg, seed, method):
    if method == "direct":
        bits = min(bits, 60_000)
    a = make_operand(bits, pattern, seed) * (-1 if neg else 1)
    assert bigmul.square(a, method=method) == a * a


@pytest.mark.parametrize("a,b", [(0, 0), (0, 5), (1, -1), (-1, -1), (2**63 - 1, 2**63 + 1),
                                 (2**64, -(2**64)), (-(2**63), 2**63 - 1), (1, 2**100000)],
                         ids=["0*0", "0*5", "1*-1", "-1*-1", "2^63-1*2^63+1", "2^64*-2^64",
                              "-2^63*2^63-1", "1*2^100000"])
@pytest.mark.parametrize("method", METHODS)
def test_boundary_values(a, b, method):
    assert bigmul.multiply(a, b, method=method) == a * b
    assert bigmul.multiply(b, a, method=method) == a * b


@pytest.mark.parametrize("method", ["direct", "fft", "ntt"])
def test_every_size_pair_up_to_160_limbs(method):
    """All (n1, n2) limb-count pairs up to 160, all-max operands (the float worst case)."""
    bits = {"direct": 30, "fft": 18, "ntt": 24}[method]
    for n1 in range(1, 161):
        a = (1 << (bits * n1)) - 1
        for n2 in range(1, 161):
            b = (1 << (bits * n2)) - 1 if (n1 + n2) % 2 else make_operand(bits * n2, "random", n1 * n2)
            assert bigmul.multiply(a, b, method=method) == a * b, (n1, n2)


def _boundary_sizes(max_bits: int) -> list[int]:
    """Operand sizes (bits) at and around the transform-length and limb-width changes."""
    sizes = set()
    for k in range(8, 24):
        for m in (1, 3, 5):
            n = m * 2**k  # transform length ~ 2n limbs
            if n * 4 > max_bits:
                continue
            for bits in range(10, 20):
                for d in (-1, 0, 1):
                    s = (n // 2 + d) * bits
                    if 0 < s <= max_bits and bounds.fft_limb_bits(s, s) == bits:
                        sizes.add(s)
    return sorted(sizes)


def test_all_max_around_transform_boundaries_up_to_1e6_digits():
    sizes = _boundary_sizes(3_400_000)
    assert len(sizes) > 10
    for s in sizes:
        a = (1 << s) - 1
        assert bigmul.multiply(a, a, method="fft") == a * a, s
        assert bigmul.square(a, method="fft") == a * a, s
    assert bigmul.guard_stats().get("trip_roundoff", 0) == 0


@pytest.mark.parametrize("digits", [10**5, 10**6])
@pytest.mark.parametrize("pattern", ["all-ones", "alternating", "runs"])
def test_adversarial_families_large(digits, pattern):
    bits = int(digits * 3.3219280948873626)
    a = make_operand(bits, pattern, 1)
    b = make_operand(bits - 7, pattern, 2)
    assert bigmul.multiply(a, b) == a * b
    assert bigmul.multiply(a, b, method="fft") == a * b
    assert bigmul.guard_stats().get("fallback_ntt", 0) == 0


@pytest.mark.slow
def test_all_max_around_transform_boundaries_up_to_1e7_digits():
    from bigmul.tools.reference import product

    sizes = [s for s in _boundary_sizes(33_300_000) if s > 3_400_000]
    assert len(sizes) >= 5
    for s in sizes:
        a = (1 << s) - 1
        assert bigmul.multiply(a, a - 2, method="fft") == product(a, a - 2), s
    assert bigmul.guard_stats().get("trip_roundoff", 0) == 0


@pytest.mark.slow
@pytest.mark.parametrize("pattern", ["all-ones", "alternating"])
def test_adversarial_1e7_digits(pattern):
    import gmpy2

    bits = 33_219_281
    a = make_operand(bits, pattern, 1)
    c = bigmul.multiply(a, a - 12345, method="fft")
    assert c == int(gmpy2.mpz(a) * gmpy2.mpz(a - 12345))
    assert bigmul.guard_stats().get("trip_roundoff", 0) == 0


def test_unbalanced_one_limb_times_1e6_digits():
    big = make_operand(3_321_929, "all-ones", 0)
    for small in (1, 2, 3, 2**16 - 1, 2**31 - 1, -7):
        for method in ("auto", "fft", "ntt"):
            assert bigmul.multiply(small, big, method=method) == small * big


def test_carry_chains():
    for k in (10, 1000, 100_000, 1_000_003):
        m = (1 << k) - 1
        assert bigmul.multiply(m, m, method="fft") == m * m
        assert bigmul.multiply(m, m + 2, method="ntt") == m * (m + 2)
    assert bigmul.multiply(10**5000 - 1, 10**5000 - 1, method="fft") == (10**5000 - 1) ** 2


@pytest.mark.parametrize("loaded", [False, True])
def test_thresholds_plus_minus_one_limb(loaded, monkeypatch):
    from bigmul.engines import fused

    if loaded and not fused.available():
        pytest.skip("numba kernels not available")
    monkeypatch.setattr(fused, "LOADED", loaded)  # the crossover before / after the kernels are loaded
    t = tuning.current.INT_FFT_FUSED_MIN_BITS if loaded else tuning.current.INT_FFT_MIN_BITS
    assert t < tuning.current.INT_FFT_MIN_BITS or not loaded
    # Below the FFT crossover: CPython's multiply, or the Karatsuba engine once the kernels are loaded.
    below = "karatsuba" if loaded and tuning.current.INT_KARATSUBA_MIN_BITS < t else "int"
    for bits in (t - 1, t, t + 1):
        a = make_operand(bits, "all-ones", 0)
        b = make_operand(bits + 1, "random", 1)
        assert plan_int(bits, bits + 1).method == (below if bits < t else "fft")
        assert bigmul.choose_method(a, b).method == (below if bits < t else "fft")
        before = bigmul.guard_stats().get("checks", 0)
        assert bigmul.multiply(a, b) == a * b
        assert bigmul.square(a) == a * a
        checked = bits >= t or below == "karatsuba"
        assert bigmul.guard_stats().get("checks", 0) - before == (2 if checked else 0)  # an engine ran, checked


def test_index_objects_and_mpz():
    assert bigmul.multiply(np.int64(-7), np.uint8(6)) == -42
    assert type(bigmul.multiply(np.int64(7), 6)) is int
    gmpy2 = pytest.importorskip("gmpy2")
    a, b = gmpy2.mpz(3) ** 100_000, gmpy2.mpz(-7) ** 70_001
    for method in METHODS:
        c = bigmul.multiply(a, b, method=method)
        assert type(c) is gmpy2.mpz and c == a * b
    c = bigmul.multiply(a, 5)
    assert type(c) is gmpy2.mpz and c == a * 5
    assert type(bigmul.square(a)) is gmpy2.mpz


def test_mpz_product_never_uses_mpz_arithmetic(monkeypatch):
    """A stand-in gmpy2 whose mpz refuses to multiply: bigmul must still give the product."""
    import sys
    import types

    class mpz:  # noqa: N801 - mirrors gmpy2's name
        def __init__(self, v=0):
            self.v = int(v)

        def __int__(self):
            return self.v

        def __index__(self):
            return self.v

        def __mul__(self, other):
            raise AssertionError("mpz multiplication used")

        __rmul__ = __mul__

    fake = types.ModuleType("gmpy2")
    fake.mpz = mpz
    monkeypatch.setitem(sys.modules, "gmpy2", fake)
    a, b = 3**300_000, -(7**200_000)
    c = bigmul.multiply(mpz(a), mpz(b))
    assert type(c) is mpz and c.v == a * b
    assert bigmul.square(mpz(b)).v == b * b


def test_no_guard_fires_on_clean_runs():
    for bits in (70_000, 500_000, 2_000_000):
        a = make_operand(bits, "random", bits)
        assert bigmul.multiply(a, a + 1) == a * (a + 1)
    st_ = bigmul.guard_stats()
    assert st_.get("checks", 0) >= 3
    assert not any(k.startswith(("trip_", "fallback", "retry")) for k in st_)


def test_fused_crossover_never_above_the_cold_one(tmp_path, monkeypatch):
    """A config that lowers INT_FFT_MIN_BITS below the loaded-kernels crossover lowers that too
    (the fast path reads one of the two without a min())."""
    import json

    cfg = tmp_path / "t.json"
    cfg.write_text(json.dumps({"INT_FFT_MIN_BITS": 5000}))
    th, applied = tuning.load(str(cfg))
    assert applied == {"INT_FFT_MIN_BITS": 5000}
    assert th.INT_FFT_FUSED_MIN_BITS == 5000 <= tuning.Thresholds().INT_FFT_FUSED_MIN_BITS
    # No crossover below INT_MIN_CROSSOVER_BITS, which multiply tests first: a config asking for
    # less gets the floor, so what choose_method reports is still what multiply runs.
    cfg.write_text(json.dumps({"INT_FFT_MIN_BITS": 100}))
    th, _ = tuning.load(str(cfg))
    floor = tuning.INT_MIN_CROSSOVER_BITS
    assert th.INT_FFT_MIN_BITS == th.INT_FFT_FUSED_MIN_BITS == floor
    monkeypatch.setattr(tuning, "current", th)
    for bits in (floor - 1, floor):
        a = (1 << bits) - 1
        assert bigmul.choose_method(a, a).method == ("int" if bits < floor else "fft")
        before = bigmul.guard_stats().get("checks", 0)
        assert bigmul.multiply(a, a + 2) == a * (a + 2) and bigmul.square(a) == a * a
        assert bigmul.guard_stats().get("checks", 0) - before == (0 if bits < floor else 2)
