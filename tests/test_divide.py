"""divmod and isqrt against Python int: semantics, every size route, adversarial operands, guards firing."""
from __future__ import annotations

import math
import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import bigmul
from bigmul import divide, roots, tuning
from bigmul.tools.faults import inject


@pytest.fixture
def newton_everywhere(monkeypatch):
    """Newton division, reciprocals and roots from small sizes, so small operands take every step."""
    th = tuning.current
    monkeypatch.setattr(th, "DIV_NEWTON_MIN_BITS", 40)
    monkeypatch.setattr(th, "RECIP_DIRECT_BITS", 40)
    monkeypatch.setattr(th, "ISQRT_NEWTON_MIN_BITS", 40)


SIGNS = [(1, 1), (-1, 1), (1, -1), (-1, -1)]


def div_cases(rng: random.Random) -> list[tuple[int, int]]:
    out = []
    for nb in (1, 31, 64, 200, 999, 3000, 7000):
        for na in (nb - 1, nb, nb + 1, 2 * nb, 2 * nb + 100, 5 * nb + 7):
            if na < 1:
                continue
            b = rng.getrandbits(nb) | (1 << (nb - 1))
            a = rng.getrandbits(na) | (1 << (na - 1))
            out += [(a, b), ((1 << na) - 1, (1 << nb) - 1 or 1), ((1 << na), (1 << (nb - 1)) + 1),
                    (b * (a // b if a >= b else 1), b), (b * (a // b + 1) - 1, b), (b + 1, b), (b - 1 or 1, b),
                    (10 ** (na // 3) - 1, 10 ** (nb // 4) + 1)]
    return out


def test_divmod_semantics_every_route(newton_everywhere, rng):
    for a, b in div_cases(rng):
        for sa, sb in SIGNS:
            assert bigmul.divmod(sa * a, sb * b) == divmod(sa * a, sb * b), (a.bit_length(), b.bit_length())
    s = bigmul.guard_stats()
    assert s["checks"] > 0 and "trip_division" not in s


def test_divmod_default_crossovers(rng):
    for nb, na in ((10, 100_000), (50_000, 100_001), (60_000, 130_000), (100_000, 400_000), (30_000, 25_000)):
        a, b = rng.getrandbits(na), rng.getrandbits(nb) | 1
        for sa, sb in SIGNS:
            assert bigmul.divmod(sa * a, sb * b) == divmod(sa * a, sb * b)


def test_divmod_edges():
    assert bigmul.divmod(0, 5) == (0, 0)
    assert bigmul.divmod(7, 1) == (7, 0) and bigmul.divmod(-7, 1) == (-7, 0)
    assert bigmul.divmod(3, 10 ** 50) == (0, 3) and bigmul.divmod(-3, 10 ** 50) == (-1, 10 ** 50 - 3)
    a = 3 ** 100_000
    assert bigmul.divmod(a, a) == (1, 0) and bigmul.divmod(a * 7, a) == (7, 0)
    assert bigmul.divmod(a, 3) == divmod(a, 3)
    for bad in ((1, 0), (-(10 ** 100), 0), ("5", "0"), ("5", "-0")):
        with pytest.raises(ZeroDivisionError):
            bigmul.divmod(*bad)
    with pytest.raises(TypeError, match="both be decimal str or both be integers"):
        bigmul.divmod("12", 5)
    for bad in ((1.5, 2), (2, True), (b"1", 2)):
        with pytest.raises(TypeError):
            bigmul.divmod(*bad)


def test_divmod_kinds(no_str_limit):
    assert bigmul.divmod("-7", "2") == ("-4", "1")
    a, b = 7 ** 60_000, -(3 ** 40_000)
    q, r = bigmul.divmod(str(a), str(b))
    assert (int(q), int(r)) == divmod(a, b)
    with pytest.raises(ValueError, match="position 1"):
        bigmul.divmod("1x", "2")
    gmpy2 = pytest.importorskip("gmpy2")
    q, r = bigmul.divmod(gmpy2.mpz(a), b)
    assert type(q) is type(gmpy2.mpz(1)) and (int(q), int(r)) == divmod(a, b)


@given(st.integers(min_value=-(2 ** 5000), max_value=2 ** 5000),
       st.integers(min_value=-(2 ** 3000), max_value=2 ** 3000).filter(lambda v: v != 0))
@example(2 ** 4000, 2 ** 2000 - 1)
@example(-(2 ** 4000) + 1, 2 ** 2000)
def test_divmod_hypothesis(a, b):
    th = tuning.current
    old = (th.DIV_NEWTON_MIN_BITS, th.RECIP_DIRECT_BITS)
    th.DIV_NEWTON_MIN_BITS, th.RECIP_DIRECT_BITS = 50, 50
    try:
        assert bigmul.divmod(a, b) == divmod(a, b)
    finally:
        th.DIV_NEWTON_MIN_BITS, th.RECIP_DIRECT_BITS = old


def test_reciprocal_error_bound(newton_everywhere, rng):
    for k in (41, 64, 100, 257, 1000, 4099, 20_000):
        for d in (1 << (k - 1), (1 << k) - 1, rng.getrandbits(k) | (1 << (k - 1)), (1 << (k - 1)) + 1):
            assert abs(divide.reciprocal(d, k) - (1 << (2 * k)) // d) < 4


def test_off_by_one_quotient_is_corrected(newton_everywhere, rng):
    a, b = rng.getrandbits(9000), rng.getrandbits(4000) | (1 << 3999)
    with inject("newton_quotient") as rec:
        assert bigmul.divmod(a, b) == divmod(a, b)
        a2 = rng.getrandbits(30_000)
        assert bigmul.divmod(a2, b) == divmod(a2, b)  # the long-quotient blocks too
    s = bigmul.guard_stats()
    assert rec.applied > 1 and s["div_corrections"] >= rec.applied and "trip_division" not in s


def test_corrupted_reciprocal_trips_and_falls_back(newton_everywhere, rng):
    a, b = rng.getrandbits(9000), rng.getrandbits(4000) | (1 << 3999)
    bigmul.release_buffers()  # no reciprocal of b kept from another test
    with inject("reciprocal") as rec:
        assert bigmul.divmod(a, b) == divmod(a, b)
    s = bigmul.guard_stats()
    assert rec.applied > 0 and s["trip_division"] == 1 and s["fallback_cpython"] == 1
    # The corrupted reciprocal was not kept: the next division by b is the Newton one again.
    bigmul.reset_guard_stats()
    assert bigmul.divmod(a + 1, b) == divmod(a + 1, b)
    assert "trip_division" not in bigmul.guard_stats()


def test_reciprocal_is_reused_for_the_same_divisor(newton_everywhere, rng, monkeypatch):
    b = rng.getrandbits(4000) | (1 << 3999)
    bigmul.release_buffers()
    calls = []
    real = divide.reciprocal
    monkeypatch.setattr(divide, "reciprocal", lambda d, k: calls.append(k) or real(d, k))
    for _ in range(3):
        a = rng.getrandbits(7000)
        assert bigmul.divmod(a, b) == divmod(a, b)
    assert calls and calls.count(max(calls)) == 1  # the recursion's top step ran once, for three divisions


def test_wrong_quotient_trips_the_modular_check(newton_everywhere, rng):
    a, b = rng.getrandbits(9000), rng.getrandbits(4000) | (1 << 3999)
    with inject("div_check") as rec:
        assert bigmul.divmod(-a, b) == divmod(-a, b)
    s = bigmul.guard_stats()
    assert rec.applied == 1 and s["trip_division"] == 1 and s["fallback_cpython"] == 1


def test_division_check_catches_each_lie():
    a, b = 10 ** 40 + 3, 10 ** 20 + 7
    q, r = divmod(a, b)
    divide._check(a, b, q, r)
    for bad in ((q + 1, r), (q, r + 1), (q + 1, r - b), (q - 1, r + b)):
        with pytest.raises(divide.GuardTrip):
            divide._check(a, b, *bad)


def root_cases(rng: random.Random) -> list[int]:
    out = [0, 1, 2, 3, 4, 15, 16, 17]
    for bits in (41, 64, 100, 1000, 5000, 20_001, 60_000):
        k = rng.getrandbits(bits // 2) | 1
        out += [k * k, k * k - 1, k * k + 1, (k + 1) ** 2 - 1, rng.getrandbits(bits), (1 << bits) - 1,
                1 << bits, 10 ** (bits // 3)]
    return out


def test_isqrt_every_route(newton_everywhere, rng):
    for n in root_cases(rng):
        assert bigmul.isqrt(n) == math.isqrt(n), n.bit_length()
    assert "trip_root" not in bigmul.guard_stats()


def test_isqrt_default_crossover_and_kinds(rng, no_str_limit):
    for n in root_cases(rng)[-16:]:
        assert bigmul.isqrt(n) == math.isqrt(n)
    assert bigmul.isqrt("1" + "0" * 100) == "1" + "0" * 50
    assert bigmul.isqrt(" 99 ") == "9"
    for bad in (-1, "-4", -(10 ** 100)):
        with pytest.raises(ValueError, match="nonnegative"):
            bigmul.isqrt(bad)
    for bad in (2.0, True, None):
        with pytest.raises(TypeError):
            bigmul.isqrt(bad)
    gmpy2 = pytest.importorskip("gmpy2")
    r = bigmul.isqrt(gmpy2.mpz(10) ** 60_000)
    assert type(r) is type(gmpy2.mpz(1)) and r == gmpy2.mpz(10) ** 30_000


def test_wrong_root_trips_and_falls_back(newton_everywhere, rng):
    n = rng.getrandbits(9000)
    with inject("root") as rec:
        assert bigmul.isqrt(n) == math.isqrt(n)
    s = bigmul.guard_stats()
    assert rec.applied == 1 and s["trip_root"] == 1 and s["fallback_cpython"] == 1


def test_root_check_catches_each_lie():
    n = 10 ** 60 + 12345
    r = math.isqrt(n)
    roots._check(n, r, r * r)
    for bad in ((r + 1, (r + 1) ** 2), (r - 1, (r - 1) ** 2), (r, r * r + 1)):
        with pytest.raises(roots.GuardTrip):
            roots._check(n, *bad)


@pytest.mark.slow
def test_large_division_and_root(no_str_limit):
    gmpy2 = pytest.importorskip("gmpy2")
    rng = random.Random(7)
    for d in (10 ** 6, 3 * 10 ** 6):
        a, b = rng.getrandbits(int(2 * d * 3.33)), rng.getrandbits(int(d * 3.33))
        q, r = bigmul.divmod(a, b)
        gq, gr = divmod(gmpy2.mpz(a), gmpy2.mpz(b))
        assert q == gq and r == gr
        assert bigmul.isqrt(a) == gmpy2.isqrt(gmpy2.mpz(a))
        s = gmpy2.mpz(a).digits()
        assert bigmul.to_str(a) == s and bigmul.from_str(s) == a


def test_a_recent_reciprocal_seeds_the_next_one_and_a_bad_seed_is_caught():
    """``reciprocal`` starts from a recent reciprocal whose divisor has the same top bits (isqrt's
    divisors grow level by level); the result stays within 4 units, and a wrong seed ends in the
    exact correction or the division guard, never in a wrong quotient."""
    from bigmul import cache, divide

    d = 7 ** 30_000 | 1
    k = d.bit_length()
    cache.clear("recip")
    divide._seeds.clear()
    ks = k // 2 + 40  # a seed of the top ks bits, as a smaller division would have left it
    ds = d >> (k - ks)
    divide._seeds.append((ds, ks, (1 << (2 * ks)) // ds))
    assert divide._seed(d, k, k // 2 + 4) is not None
    assert abs(divide.reciprocal(d, k) - (1 << (2 * k)) // d) < 4
    divide._seeds[:] = [(ds, ks, (1 << (2 * ks)) // ds + (1 << (ks - 8)))]  # off by 2**-8 of itself
    a = 11 ** 40_000
    b = d << 1000
    bigmul.reset_guard_stats()
    assert bigmul.divmod(a, b) == divmod(a, b)
    st = bigmul.guard_stats()
    assert st["trip_division"] >= 1 and st["fallback_cpython"] >= 1 and divide._seeds == []
    divide._seeds.clear()
