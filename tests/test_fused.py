"""The fused numba passes against the numpy path and Python int, guards included."""
from __future__ import annotations

import random

import numpy as np
import pytest

import bigmul
from bigmul import guards, pylong, tuning
from bigmul.engines import fft, fused, routes
from bigmul.guards import GuardTrip
from bigmul.limbs import balance, int_to_limbs

pytestmark = pytest.mark.skipif(not fused.available(), reason="numba or zero-copy int access unavailable")


def operands(bits: int, rng: random.Random) -> list[int]:
    return [rng.getrandbits(bits) | 1 << (bits - 1), (1 << bits) - 1, int("10" * max(1, bits // 2), 2),
            1 << (bits - 1), max(1, (1 << bits) - 2)]


@pytest.mark.parametrize("bits", [4, 7, 9, 11, 13, 15, 16, 20, 24])
def test_split_gives_balanced_limbs_of_the_value(bits):
    """Same value and the same bound as ``limbs.balance`` (every limb within B/2): what the error bound needs.

    (The kernel re-balances a limb that a borrow pushes to +B/2, numpy's pass
    leaves it there: both are balanced representations of the same number.)
    """
    rng = random.Random(bits)
    half = 1 << (bits - 1)
    for nbits in (1, 29, 30, 31, 61, 1000, 12_345):
        for v in operands(nbits, rng):
            limbs = int_to_limbs(v, bits)
            want = balance(limbs, 1 << bits)
            got = np.full(len(limbs) + 5, 7.0)  # poisoned: every used slot must be written
            fused.split_balanced(pylong.digit_view(v), bits, len(limbs), got)
            used = got[: len(limbs) + 1]
            assert sum(int(x) << (bits * i) for i, x in enumerate(used.tolist())) == v
            assert sum(int(x) << (bits * i) for i, x in enumerate(want.tolist())) == v
            assert np.abs(used).max() <= half and (used == np.rint(used)).all()
            assert (got[len(limbs) + 1:] == 7.0).all()


@pytest.mark.parametrize("bits", [5, 9, 13, 16, 24])
def test_round_carry_pack_matches_int(bits):
    rng = np.random.default_rng(bits)
    for n in (1, 2, 3, 50, 4097):
        c = rng.integers(-(2 ** 40), 2 ** 40, n).astype(np.int64)
        total = sum(int(v) << (bits * i) for i, v in enumerate(c.tolist()))
        if total < 0:
            c[-1] = abs(int(c[-1])) + 1  # a non-negative value, as products are
            total = sum(int(v) << (bits * i) for i, v in enumerate(c.tolist()))
        z = c.astype(np.float64) + rng.uniform(-0.2, 0.2, n)  # round-off below 1/4
        count = max(1, -(-(total.bit_length()) // 30))
        out = np.full(count + 3, 99, dtype=np.uint32)
        err, mag, bad, over, dropped = fused.round_carry_pack(z, n, bits, out)
        assert not bad and not over and not dropped
        assert 0 < err < 0.25 and mag == float(np.abs(c).max())
        got = sum(int(d) << (30 * i) for i, d in enumerate(out.tolist()))
        assert got == total


def test_round_carry_pack_flags():
    out = np.zeros(4, dtype=np.uint32)
    assert fused.round_carry_pack(np.array([1.0, float("nan")]), 2, 8, out)[2]          # NaN
    assert fused.round_carry_pack(np.array([2.0 ** 60]), 1, 8, out)[2]                  # past 2**53
    assert fused.round_carry_pack(np.array([5.0, -1.0]), 2, 8, out)[2]                  # negative total
    assert fused.round_carry_pack(np.array([0.0, 0.0, 0.0, 0.0, 1.0]), 5, 30, out)[3]   # too long
    z = np.array([300.0, 0.0, 0.0])
    assert fused.round_carry_pack(z, 3, 8, out, drop_at=0)[4]                            # a carry dropped


def test_round_pass_with_residues_equals_the_separate_calls():
    """The int product's last call (round/carry/pack, then the residues of a, b and the result)
    gives exactly the flags, digits and residues of the separate kernels."""
    q1, q2 = guards.LIMB_PRIMES
    rng = random.Random(8)
    for bits, nb1, nb2 in ((16, 9_000, 9_000), (13, 100_003, 31), (9, 30, 61)):
        a, b = rng.getrandbits(nb1) | 1 << (nb1 - 1), rng.getrandbits(nb2) | 1 << (nb2 - 1)
        x = np.array([float(v) for v in int_to_limbs(a, bits).tolist()])
        y = np.array([float(v) for v in int_to_limbs(b, bits).tolist()])
        z = np.convolve(x, y)  # exact: every coefficient below 2**53 here
        for sq, (da, db) in ((False, (pylong.digit_view(a), pylong.digit_view(b))),
                             (True, (pylong.digit_view(a), None))):
            zz = np.convolve(x, x) if sq else z
            count = -(-(2 * nb1 if sq else nb1 + nb2) // 30)
            out1, out2 = np.zeros(count + 2, np.uint32), np.zeros(count + 2, np.uint32)
            got = fused.round_carry_pack_residues(zz, len(zz), bits, out1, da, db, q1, q2)
            want = fused.round_carry_pack(zz, len(zz), bits, out2)
            assert got[:5] == want and np.array_equal(out1, out2)
            c = a * (a if sq else b)
            assert got[5] == (a % q1, a % q2) and got[6] == ((a if sq else b) % q1, (a if sq else b) % q2)
            assert got[7] == (c % q1, c % q2) == fused.residues30(out2, len(out2), q1, q2)


def test_product_one_digit_shorter_is_checked_after_its_copy(monkeypatch):
    """``ba + bb = 30k + 1`` bits and a product of ``30k`` bits: one 30-bit digit fewer than the
    operands allow, so the digits are copied into a shorter int; the modular check covers that copy."""
    rng = random.Random(4)
    a = 1 << 15_000 | rng.getrandbits(14_000)
    b = 1 << 14_999 | rng.getrandbits(14_000)
    assert a.bit_length() + b.bit_length() == 30_001 and (a * b).bit_length() == 30_000
    assert routes.int_product(a, b, 16) == a * b
    real = pylong.digits_to_int
    monkeypatch.setattr(pylong, "digits_to_int", lambda d: real(d) + 1)  # a faulty copy
    with pytest.raises(GuardTrip) as info:
        routes.int_product(a, b, 16)
    assert info.value.reason == "modular"


def test_residues_match_int():
    rng = random.Random(5)
    for bits in (1, 30, 31, 1000, 100_003):
        v = rng.getrandbits(bits) | 1 << (bits - 1)
        d = pylong.digit_view(v)
        for q1, q2 in ((1_000_000_007, 2_147_483_647), (1_073_741_827, 1_500_000_001)):  # >= 2**20
            assert fused.residues30(d, len(d), q1, q2) == (v % q1, v % q2)


@pytest.mark.parametrize("bits", [9, 13, 16])
def test_int_product_exact_at_the_edges(bits):
    rng = random.Random(bits)
    cases = [(2**29, 2**30), (2**30 - 1, 2**30 - 1), ((1 << 90) - 1, 1)]
    cases += [(a, b) for a in operands(200_001, rng)[:3] for b in operands(150_007, rng)[:2]]
    for a, b in cases:
        assert routes.int_product(a, b, bits) == a * b
        assert routes.int_product(a, None, bits) == a * a


def test_int_product_guards_fire():
    a = random.Random(1).getrandbits(400_000)
    with pytest.raises(GuardTrip) as info:
        routes.int_product(a, a, 24)  # limbs far wider than the bound allows
    assert info.value.reason in ("roundoff", "magnitude")


def test_multiply_uses_fused_path_and_numpy_path_agrees(monkeypatch):
    a, b = 3**300_000, 7**200_000
    calls = []
    real = routes.int_product
    monkeypatch.setattr(routes, "int_product", lambda *x: calls.append(1) or real(*x))
    assert bigmul.multiply(a, b) == a * b
    assert calls == [1]
    monkeypatch.setenv("BIGMUL_NUMBA", "0")
    fused.available.cache_clear()
    try:
        assert not fused.available()
        assert bigmul.multiply(a, b) == a * b and calls == [1]
    finally:
        monkeypatch.delenv("BIGMUL_NUMBA")
        fused.available.cache_clear()
        assert fused.available()  # loaded again for the tests that follow


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_text_product_exact_at_the_edges(k, no_str_limit):
    from bigmul.text import parse_decimal

    rng = np.random.default_rng(k)
    cases = [("9" * 5000, "9" * 3001), ("1" + "0" * 4000, "1" + "0" * 2999), ("5" * 4000, "2" * 4000),
             ("7" + "".join(map(str, rng.integers(0, 10, 6000))), "3" + "".join(map(str, rng.integers(0, 10, 777)))),
             ("1", "1"), ("9", "9"), ("50" * 3000, "50" * 3000)]
    for s, t in cases:
        da, db = parse_decimal(s)[1], parse_decimal(t)[1]
        assert routes.text_product(da, db, k) == str(int(s) * int(t))
        assert routes.text_product(da, None, k) == str(int(s) ** 2)


def test_text_residues_and_flags():
    d = np.frombuffer(b"12345678901234567890123", dtype=np.uint8)
    v = 12345678901234567890123
    assert fused.decimal_residues(d - 48, 1_000_000_007, 998_244_353) == (v % 1_000_000_007, v % 998_244_353)
    assert fused.decimal_residues(d, 1_000_000_007, 998_244_353, ascii=True) == (v % 1_000_000_007, v % 998_244_353)
    out = np.empty(2, dtype=np.uint8)
    assert fused.decimal_round_carry_format(np.array([123.0]), 1, 3, out)[3]  # three digits into two: over
    assert fused.decimal_round_carry_format(np.array([5.0, -1.0]), 2, 3, np.empty(6, np.uint8))[2]  # negative


def test_text_path_uses_fused_kernels_and_guard_fires(monkeypatch, no_str_limit):
    from bigmul import text

    monkeypatch.setattr(tuning.current, "FUSED_MIN_DIGITS", 1000)
    calls = []
    real = routes.text_product_ascii
    monkeypatch.setattr(routes, "text_product_ascii", lambda *a: calls.append(a[2]) or real(*a))
    s, t = "8" * 40_000, "6" * 30_000
    assert bigmul.multiply(s, t) == str(int(s) * int(t))
    assert len(calls) == 1
    from bigmul.tools.faults import inject

    bigmul.reset_guard_stats()
    with inject("perturb") as rec:
        assert bigmul.multiply(s, t, method="fft") == str(int(s) * int(t))
    assert rec.applied >= 1 and bigmul.guard_stats()["trip_roundoff"] >= 1
    bigmul.reset_guard_stats()
    with inject("drop_carry") as rec:
        assert bigmul.multiply(s, t, method="fft") == str(int(s) * int(t))
    assert rec.applied >= 1 and bigmul.guard_stats()["trip_modular"] >= 1


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 17, 35, 36, 37, 100, 1001, 12_345])
def test_four_chain_residues_at_every_split(n, no_str_limit):
    """The residue kernels run four Horner chains over equal ranges padded with zeros: every
    length mod 4 (and mod 36 for the 9-digit groups) against Python ints."""
    q1, q2 = guards.LIMB_PRIMES
    rng = np.random.default_rng(n)
    d = rng.integers(0, 2**30, n + 3).astype(np.uint32)  # longer than count: the tail is ignored
    v = sum(int(x) << (30 * i) for i, x in enumerate(d[:n].tolist()))
    assert fused.residues30(d, n, q1, q2) == (v % q1, v % q2)
    dd = rng.integers(0, 10, n).astype(np.uint8)
    s = "".join(map(str, dd.tolist())) or "0"
    assert fused.decimal_residues(dd, q1, q2) == (int(s) % q1, int(s) % q2)
    assert fused.decimal_residues(dd + 48, q1, q2, ascii=True) == (int(s) % q1, int(s) % q2)


def test_fused_path_below_its_threshold_once_loaded(monkeypatch):
    """Products under FUSED_MIN_BITS use the numba kernels once an earlier product has loaded them."""
    FUSED_MIN_BITS = tuning.current.FUSED_MIN_BITS

    assert fused.available() and fused.loaded()
    a, b = 3**30_000 + 1, 7**25_000 - 2  # ~48k and ~70k bits: FFT, below FUSED_MIN_BITS
    assert a.bit_length() < FUSED_MIN_BITS
    calls = []
    real = routes.int_product
    monkeypatch.setattr(routes, "int_product", lambda *x: calls.append(1) or real(*x))
    assert bigmul.multiply(a, b) == a * b and calls == [1]
    monkeypatch.setattr(fused, "LOADED", False)  # a fresh process: numpy passes, numba not loaded for this
    assert bigmul.multiply(a, b) == a * b and calls == [1]


def test_small_products_do_not_read_the_machine_memory(monkeypatch):
    """Below memory.unchecked_bytes() only an explicit limit is checked; above it the machine's memory."""
    from bigmul import memory

    def no_meminfo() -> int:
        raise AssertionError("available_memory read for a small product")

    monkeypatch.setattr(memory, "available_memory", no_meminfo)
    monkeypatch.delenv("BIGMUL_MEMORY_LIMIT", raising=False)
    a = 3**200_000
    assert bigmul.multiply(a, a + 2) == a * (a + 2)
    with pytest.raises(AssertionError, match="available_memory read"):
        memory.check_memory(memory.unchecked_bytes(), "a large product")
    bigmul.set_memory_limit("1K")
    try:
        with pytest.raises(MemoryError):
            bigmul.multiply(a, a + 2)  # an explicit limit applies at every size
    finally:
        bigmul.set_memory_limit(None)


@pytest.mark.parametrize("q", [1_048_583, 998_244_353, 1_073_741_827, 2_147_483_629, 2_147_483_647])
def test_residue_reduction_at_its_edges(q, no_str_limit):
    """The residues sum blocks of weighted digits in uint64 and combine the blocks with a float
    quotient estimate and two corrections (no division): every digit at its largest value (the
    sums' largest, over whole blocks and a partial one), at zero, alternating, and random, odd and
    even counts, against Python's % for primes from 2**20 to the largest below 2**31 (the
    estimate's error bound is widest at the ends); decimal residues down to tiny primes."""
    from bigmul.engines import jit

    rng = np.random.default_rng(q)
    for d in (np.full(1001, 2**30 - 1, dtype=np.uint32), np.full(1000, 2**30 - 1, dtype=np.uint32),
              np.full(2 * jit.RES_BLOCK + 1, 2**30 - 1, dtype=np.uint32),  # whole blocks at their largest sums
              np.full(jit.RES_BLOCK, 2**30 - 1, dtype=np.uint32),
              np.zeros(9, dtype=np.uint32),
              np.tile(np.array([2**30 - 1, 0], dtype=np.uint32), 400),
              rng.integers(0, 2**30, 5000).astype(np.uint32)):
        v = sum(int(x) << (30 * i) for i, x in enumerate(d.tolist()))
        assert fused.residues30(d, len(d), q, 1_000_000_007) == (v % q, v % 1_000_000_007)
    for digits in ("9" * 1000, "1" + "0" * 998 + "1", "".join(map(str, rng.integers(0, 10, 3000).tolist()))):
        dd = np.frombuffer(digits.encode(), dtype=np.uint8) - 48
        for p in (q, 3, 65_537):
            assert fused.decimal_residues(dd, p, 2_147_483_647) == (int(digits) % p, int(digits) % 2_147_483_647)
    with pytest.raises(ValueError):
        fused.residues30(np.ones(3, dtype=np.uint32), 3, 65_537, q)


def test_packing_kernels_take_limbs_of_at_most_30_bits():
    """The packing loop completes at most one 30-bit word per limb: a wider limb is refused, not packed wrong."""
    z = np.zeros(4)
    out = np.zeros(8, dtype=np.uint32)
    for call in (lambda: fused.round_carry_pack(z, 4, 31, out), lambda: fused.round_wrap_pack(z, 4, 31, out)):
        with pytest.raises(ValueError, match="1 to 30 bits"):
            call()
    assert fused.round_carry_pack(np.array([5.0, 1.0, 0.0, 0.0]), 4, 30, out).err == 0.0
    assert int(out[0]) == 5 and int(out[1]) == 1


@pytest.mark.parametrize("bits", [11, 13, 15, 16])
def test_last_pass_in_two_halves_matches_one_chain(bits):
    """The last pass split into two carry chains (two threads) writes the same digits, flags and
    residues as one chain: random coefficients, coefficients whose carries ripple across the split
    (the upper half's first words all ones, then a carry in), and negative carries across it."""
    q1, q2 = guards.LIMB_PRIMES
    rng = np.random.default_rng(bits)
    n = 3_001
    step = 30 // np.gcd(bits, 30)
    m = n // 2 // step * step
    half = 1 << (bits - 1)
    cases = [rng.integers(-half * 64, half * 64, n).astype(np.float64)]
    ripple = np.full(n, float((1 << bits) - 1))  # every limb all ones: the whole number is 2**(n bits) - 1
    ripple[m - 1] += 1.0  # ... plus a carry out of the lower half that runs through the upper half's ones
    cases.append(ripple)
    borrow = np.zeros(n)
    borrow[m - 1] = -1.0  # the lower half ends with a borrow into the upper half
    borrow[n - 5] = 3.0
    cases.append(borrow)
    for z in cases:
        z = z.copy()
        z[n - 3:] = np.abs(z[n - 3:])  # a positive top: a non-negative total
        total = sum(int(v) << (bits * i) for i, v in enumerate(z.tolist()))
        count = max(1, -(-(n * bits + 64) // 30))
        da = pylong.digit_view(12_345_678_901)
        one, two = np.zeros(count, dtype=np.uint32), np.zeros(count, dtype=np.uint32)
        r1 = fused.round_carry_pack_residues(z, n, bits, one, da, da, q1, q2)
        r2 = fused.round_carry_pack_residues(z, n, bits, two, da, da, q1, q2, threads=2)
        assert np.array_equal(one, two) and r1 == r2
        if total >= 0:
            assert sum(int(v) << (30 * i) for i, v in enumerate(two.tolist())) == total
            assert not r2.bad and not r2.over


def test_last_pass_in_two_halves_reports_a_carry_past_the_end_and_a_dropped_carry():
    q1, q2 = guards.LIMB_PRIMES
    bits, n = 15, 1_000
    z = np.full(n, float((1 << bits) - 1))
    z[n // 2 - 1] += 1.0  # the lower half's carry runs through every upper word and off the end
    out = np.zeros(n * bits // 30, dtype=np.uint32)
    da = pylong.digit_view(7)
    assert fused.round_carry_pack_residues(z, n, bits, out, da, da, q1, q2, threads=2).over
    z = np.full(n, 40_000.0)
    out = np.zeros(n * bits // 30 + 4, dtype=np.uint32)
    for drop_at in (10, n - 10):  # in either half
        r = fused.round_carry_pack_residues(z, n, bits, out, da, da, q1, q2, drop_at=drop_at, threads=2)
        assert r.dropped


def test_products_with_the_two_half_last_pass_are_exact_and_a_dropped_carry_is_caught(monkeypatch):
    from bigmul.engines import fourstep
    from bigmul.tools.faults import inject

    calls = []
    real = fused.round_carry_pack_residues
    monkeypatch.setattr(fourstep, "workers_for", lambda L: 2)  # two halves even on a one-core runner
    monkeypatch.setattr(fused, "round_carry_pack_residues", lambda *a, **k: calls.append(k["threads"]) or real(*a, **k))
    rng = random.Random(9)
    a = rng.getrandbits(12_000_000) | 1 << 11_999_999
    b = rng.getrandbits(11_000_000) | 1 << 10_999_999
    assert bigmul.choose_method(a, b).method == "fft"
    assert bigmul.multiply(a, b) == a * b
    assert calls == [2]
    bigmul.reset_guard_stats()
    with inject("drop_carry") as rec:
        assert bigmul.multiply(a, b) == a * b
    assert rec.applied >= 1 and bigmul.guard_stats()["trip_modular"] >= 1
