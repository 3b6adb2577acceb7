"""to_str / from_str / to_digits / from_digits against Python int: every level, every route, guards firing."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import bigmul
from bigmul import cache, radix, tuning
from bigmul.engines import fused
from bigmul.tools.faults import inject


@pytest.fixture
def small_levels(monkeypatch):
    """Leaves and crossovers small enough that a few thousand digits take every level and route."""
    th = tuning.current
    monkeypatch.setattr(th, "FROM_STR_LEAF_DIGITS", 40)
    monkeypatch.setattr(th, "TO_STR_INT_MAX_BITS", 200)
    monkeypatch.setattr(th, "TO_STR_LEAF_BITS", 64)
    monkeypatch.setattr(th, "TO_STR_ARRAY_MIN_DIGITS", 150)
    cache.clear()
    yield
    cache.clear()


def adversarial(rng: random.Random, digits: int) -> list[int]:
    bits = int(digits * 3.33)
    run = int("1" * (digits // 3) + "0" * (digits // 3) + "9" * (digits // 3) or "0")
    return [10 ** digits - 1, 10 ** digits, 10 ** digits + 1, 2 ** bits - 1, 2 ** bits, 2 ** bits + 1,
            rng.getrandbits(bits), run, 10 ** (digits // 2) * (10 ** (digits // 2) - 1),
            (2 ** bits - 1) // 3, 5 ** (digits + 1)]


@pytest.mark.parametrize("digits", [1, 19, 300, 1000, 3000, 9000])
def test_round_trip_every_level(small_levels, no_str_limit, rng, digits):
    for n in adversarial(rng, digits):
        s = str(n)
        assert bigmul.to_str(n) == s
        assert bigmul.to_str(-n) == str(-n)
        assert bigmul.from_str(s) == n
        assert bigmul.from_str("-" + s) == -n
        assert bigmul.from_str("0" * 77 + s) == n  # leading zeros past a leaf boundary
    assert bigmul.guard_stats().get("trip_radix", 0) == 0


def test_default_thresholds_large(no_str_limit, rng):
    for digits in (5000, 50_000, 200_000):
        for n in adversarial(rng, digits)[:7]:
            s = str(n)
            assert bigmul.to_str(n) == s
            assert bigmul.from_str(s) == n
    assert bigmul.guard_stats()["checks"] > 0


@given(st.integers(min_value=-(10 ** 3000), max_value=10 ** 3000))
@example(0)
@example(-1)
@example(10 ** 2000)
def test_hypothesis_round_trip(n):
    with_levels = tuning.current.TO_STR_LEAF_BITS
    assert bigmul.from_str(bigmul.to_str(n)) == n
    assert bigmul.to_str(n) == str(n)
    assert tuning.current.TO_STR_LEAF_BITS == with_levels


def test_from_str_grammar_and_errors():
    assert bigmul.from_str(" \t+1_234_567 \n") == 1234567
    assert bigmul.from_str("-0") == 0
    assert bigmul.from_str("000") == 0
    for bad, pos in (("12a", 2), ("1__2", 2), ("_12", 0), ("12_", 2), ("1 2", 1), ("١٢", 0)):
        with pytest.raises(ValueError, match=f"position {pos}"):
            bigmul.from_str(bad)
    for bad in ("", "  ", "-", "+"):
        with pytest.raises(ValueError):
            bigmul.from_str(bad)
    for bad in (12, b"12", None, 1.5):
        with pytest.raises(TypeError):
            bigmul.from_str(bad)
    big = "7" * 10_000 + "x" + "7" * 10
    with pytest.raises(ValueError, match="position 10000"):
        bigmul.from_str(big)


def test_to_str_kinds(no_str_limit):
    gmpy2 = pytest.importorskip("gmpy2")
    n = -(3 ** 30000)
    assert bigmul.to_str(gmpy2.mpz(n)) == str(n)
    assert bigmul.to_str(np.int64(-42)) == "-42"
    for bad in (True, 1.0, "12", None):
        with pytest.raises(TypeError):
            bigmul.to_str(bad)


def test_numpy_add_matches_kernel(rng):
    if not fused.available():
        pytest.skip("numba kernels unavailable")
    for _ in range(200):
        n = rng.randrange(1, 60)
        p = np.frombuffer("".join(rng.choice("09" if rng.random() < 0.5 else "0123456789")
                                  for _ in range(n)).encode(), np.uint8)
        lo = np.array([rng.choice((9, rng.randrange(10))) for _ in range(rng.randrange(1, n + 1))], np.uint8)
        assert radix._add_numpy(p, lo).tolist() == fused.decimal_add(p, lo).tolist()
        want = int(p.tobytes()) + int("".join(map(str, lo.tolist())))
        got = radix._add_numpy(p, lo)
        assert int("".join(map(str, got.tolist()))) == want


def test_without_kernels(small_levels, monkeypatch, no_str_limit, rng):
    monkeypatch.setattr(fused, "available", lambda: False)
    for n in adversarial(rng, 2000):
        assert bigmul.to_str(n) == str(n)
        assert bigmul.from_str(str(n)) == n


def test_cached_powers_are_reused_and_released(small_levels, no_str_limit):
    n = 7 ** 5000
    bigmul.to_str(n)
    held = cache.held_bytes()
    assert held > 0
    bigmul.to_str(n + 1)
    assert cache.held_bytes() == held  # same powers, nothing new
    bigmul.release_buffers()
    assert cache.held_bytes() == 0


def test_cache_budget_zero_keeps_nothing(small_levels, monkeypatch, no_str_limit):
    monkeypatch.setenv("BIGMUL_CACHE_BYTES", "0")
    n = 11 ** 4000
    assert bigmul.to_str(n) == str(n)
    assert bigmul.from_str(str(n)) == n
    assert cache.held_bytes() == 0


@pytest.mark.parametrize("which", ["to_str", "from_str"])
def test_wrong_cached_power_trips_and_retry_is_exact(small_levels, no_str_limit, which):
    n = 13 ** 3000
    with inject("radix_power") as rec:
        if which == "to_str":
            assert bigmul.to_str(n) == str(n)
        else:
            assert bigmul.from_str(str(n)) == n
    s = bigmul.guard_stats()
    assert rec.applied > 0 and s["trip_radix"] == 1 and s["retry_exact"] == 1
    assert "fallback_cpython" not in s


def test_dropped_recombination_carry_trips(small_levels, no_str_limit):
    n = 10 ** 4000 - 1  # every recombination carries
    with inject("radix_carry") as rec:
        assert bigmul.to_str(n) == str(n)
    s = bigmul.guard_stats()
    assert rec.applied == 1 and s["trip_radix"] == 1 and s["retry_exact"] == 1


def test_an_unchecked_product_inside_to_str_is_caught_by_its_check(small_levels, monkeypatch, no_str_limit):
    """to_str's joins skip their own modular check (the conversion's check covers the tree): one
    wrong digit from one of them trips the conversion's check, and the exact retry is right."""
    from bigmul.engines import fused, routes

    if not fused.available():
        pytest.skip("the fused text route needs numba")
    real = routes.text_join
    hits = []

    def once_wrong(hi, shared, lo, k):
        out = real(hi, shared, lo, k)
        if not hits:
            hits.append(1)
            out = out.copy()
            out[len(out) // 2] = (int(out[len(out) // 2]) + 1) % 10
        return out

    monkeypatch.setattr(routes, "text_join", once_wrong)
    n = 7 ** 9000
    assert bigmul.to_str(n) == str(n)
    s = bigmul.guard_stats()
    assert hits == [1] and s["trip_radix"] == 1 and s["retry_exact"] == 1


def test_an_unchecked_product_inside_from_str_is_caught_by_its_check(monkeypatch, no_str_limit):
    """from_str's shared-power products skip their own modular check: one product off by one trips
    the conversion's check, and the exact retry is right."""
    from bigmul.engines import fused, routes

    if not fused.available():
        pytest.skip("the shared route needs numba")
    real = routes.int_join_shared
    hits = []

    def once_wrong(hi, shared, bits, lo, m):
        c = real(hi, shared, bits, lo, m)
        if not hits:
            hits.append(1)
            c += 1
        return c

    monkeypatch.setattr(routes, "int_join_shared", once_wrong)
    n = 7 ** 60_000
    assert bigmul.from_str(str(n)) == n
    s = bigmul.guard_stats()
    assert hits == [1] and s["trip_radix"] == 1 and s["retry_exact"] == 1


@pytest.mark.parametrize("which", ["to_str", "from_str"])
def test_corrupted_shared_spectrum_is_caught(no_str_limit, which):
    """A wrong kept transform of a level's power: a guard fires (round-off on the join, or the
    conversion's check) and the answer is exact."""
    if not fused.available():
        pytest.skip("the shared route needs numba")
    n = 3 ** 80_000
    with inject("shared_spectrum") as rec:
        if which == "to_str":
            assert bigmul.to_str(n) == str(n)
        else:
            assert bigmul.from_str(str(n)) == n
    s = bigmul.guard_stats()
    assert rec.applied > 0
    assert s.get("trip_roundoff", 0) + s.get("trip_magnitude", 0) + s.get("trip_radix", 0) > 0


def test_shared_join_matches_int(no_str_limit, rng):
    """routes.text_join (P's kept transform, lo added in the carry pass) against Python int, edges
    included: all nines, lo = P - 1, lo = 0, hi shorter than P, one transform reused for all."""
    from bigmul.engines import routes

    if not fused.available():
        pytest.skip("the shared route needs numba")

    def vals(x: int) -> np.ndarray:
        return np.frombuffer(str(x).encode(), np.uint8) - np.uint8(48)

    P = 2 ** 40_000
    shared = routes.SharedFactor(vals(P))
    his = [10 ** 12_000 - 1, 10 ** 12_041 - 1, rng.getrandbits(39_990) | 1, 1, 7, 10 ** 11_999]
    los = [P - 1, 0, rng.randrange(P), P - 1, 1, 10 ** 5]
    for hi, lo in zip(his, los):
        k = bigmul.plan.plan_join("str", 12_042, len(shared.digits)).steps[0].k
        out = routes.text_join(vals(hi), shared, vals(lo), k)
        assert int(out.astype(np.uint8).__add__(48).tobytes()) == hi * P + lo
    assert len(shared.spectra) >= 1
    A = 5 ** 20_000
    sh = routes.SharedInt(A)
    bits = bigmul.plan.plan_join("int", 60_000, A.bit_length()).steps[0].bits
    for a in (2 ** 60_000 - 1, rng.getrandbits(59_000), 1, 3):
        for m, lo in ((20_000, 0), (20_000, 10 ** 20_000 - 1), (20_010, rng.getrandbits(66_000)),
                      (30 * 700, (1 << 30 * 700) - 1), (7, 2 ** 200_000 - 1), (29, 1)):
            assert routes.int_join_shared(a, sh, bits, lo, m) == (a * A << m) + lo, (a.bit_length(), m)


def test_dropped_carry_in_a_from_str_join_is_caught(no_str_limit):
    """The fused join's carry pass (``fused.int_join``) losing a carry: the conversion's check trips
    and the exact retry is right."""
    if not fused.available():
        pytest.skip("the shared route needs numba")
    n = 3 ** 90_000
    with inject("drop_carry") as rec:
        assert bigmul.from_str(str(n)) == n
    s = bigmul.guard_stats()
    assert rec.applied > 0 and s["trip_radix"] == 1 and s["retry_exact"] == 1


def test_join_plans_show_the_shared_route():
    if not fused.available():
        pytest.skip("the shared route needs numba")
    p = bigmul.plan.plan_join("str", 10 ** 5, 10 ** 5)
    assert p.steps[0].route == "shared" and str(p.steps[0]).endswith(", shared)") and p.steps[-1].engine == "product"
    assert bigmul.plan.plan_join("int", 10 ** 6, 10 ** 6).steps[0].route == "shared"
    assert bigmul.plan.to_str_nodes(10) == "decimal" and bigmul.plan.to_str_nodes(10 ** 6) == "array"


def test_last_resort_is_cpython(small_levels, monkeypatch, no_str_limit):
    """Both divide-and-conquer steps wrong: CPython's own conversion, counted."""
    monkeypatch.setattr(radix, "_check", lambda n, d: (_ for _ in ()).throw(radix.GuardTrip("radix", 0.0)))
    n = 17 ** 2000
    assert bigmul.to_str(n) == str(n)
    assert bigmul.from_str(str(n)) == n
    s = bigmul.guard_stats()
    assert s["trip_radix"] == 4 and s["fallback_cpython"] == 2


def test_check_sees_a_one_digit_error(no_str_limit):
    n = 3 ** 100_000
    text = np.frombuffer(str(n).encode(), np.uint8).copy()
    radix._check(n, text)  # passes
    text[len(text) // 2] ^= 1
    with pytest.raises(radix.GuardTrip):
        radix._check(n, text)


@pytest.mark.parametrize("base", [10, 100, 10 ** 9, 10 ** 18, 7, 3 ** 39, 10 ** 19 + 1, 2 ** 64 + 1])
def test_digits_in_every_base(no_str_limit, rng, base):
    for n in (0, 1, base - 1, base, base ** 50 - 1, rng.getrandbits(30_000), 10 ** 5000 - 1):
        d = bigmul.to_digits(n, base)
        assert bigmul.from_digits(d, base) == n
        ref, m = [], n
        while m:
            m, r = divmod(m, base)
            ref.append(r)
        assert [int(v) for v in d] == (ref[::-1] or [0])


def test_digits_base_ten_large(no_str_limit, rng):
    n = rng.getrandbits(700_000)
    s = str(n)
    d = bigmul.to_digits(n, 10)
    assert d.dtype == np.int64 and np.array_equal(d, np.frombuffer(s.encode(), np.uint8) - 48)
    assert bigmul.from_digits(d, 10) == n
    assert bigmul.from_digits(bigmul.to_digits(n, 10 ** 6), 10 ** 6) == n
    assert bigmul.from_digits(np.concatenate([np.zeros(5, np.int64), d]), 10) == n  # leading zeros


def test_powers_kept_under_another_crossover_still_work(small_levels, monkeypatch, no_str_limit):
    n = 19 ** 3000
    assert bigmul.to_str(n) == str(n)  # powers from 150 digits kept as digit arrays
    monkeypatch.setattr(tuning.current, "TO_STR_ARRAY_MIN_DIGITS", 10 ** 6)  # now all Decimal nodes
    assert bigmul.to_str(n + 2) == str(n + 2)


def test_bad_cache_budget_is_named(small_levels, monkeypatch):
    monkeypatch.setenv("BIGMUL_CACHE_BYTES", "lots")
    with pytest.raises(ValueError, match="BIGMUL_CACHE_BYTES"):
        bigmul.to_str(7 ** 3000)
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "bigmul", "info"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "BIGMUL_CACHE_BYTES" in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("which", ["to_str", "from_str"])
def test_power_transforms_are_cached_and_a_bad_one_is_forgotten(no_str_limit, which):
    """The shared powers' transforms are cached with the powers (a second conversion of the size
    computes none); a corrupted cached transform trips the check once, is dropped with the powers,
    and the next conversion is exact without a trip."""
    from bigmul import cache
    from bigmul.engines import fft

    if not fused.available():
        pytest.skip("the shared route needs numba")
    kind = "spec2" if which == "to_str" else "spec5"
    n = 3 ** 90_000
    s = str(n)
    run = (lambda: bigmul.to_str(n) == s) if which == "to_str" else (lambda: bigmul.from_str(s) == n)
    cache.clear()
    assert run()
    held = [k for k in cache._store if k[0] == kind]
    assert held
    calls = []
    real = fft.spectrum
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fft, "spectrum", lambda *a: calls.append(1) or real(*a))
        assert run()
    assert calls == []  # every transform came from the cache
    key = held[-1]
    bad = cache._store[key].copy()
    bad.reshape(-1)[1] += 1e6
    cache.discard(key)
    cache.get(key, lambda: bad)
    bigmul.reset_guard_stats()
    assert run()
    st = bigmul.guard_stats()
    assert st.get("trip_radix", 0) + st.get("trip_roundoff", 0) + st.get("trip_magnitude", 0) >= 1
    assert cache._store.get(key) is not bad  # dropped (a tripped join guard, or the tripped check)
    bigmul.reset_guard_stats()
    assert run()
    assert not any(k.startswith("trip_") for k in bigmul.guard_stats())


@pytest.mark.parametrize("batch_bits", [0, 60_000, 10 ** 9])
def test_batched_levels_match_int(no_str_limit, rng, monkeypatch, batch_bits):
    """from_str with no level batched, the default, and every level batched (rows of 32-bit words,
    one transform call per level) against int(): random digits, all nines, runs of zeros, powers of
    ten, odd leaf counts and a short top leaf."""
    monkeypatch.setattr(bigmul.tuning.current, "FROM_STR_BATCH_MAX_BITS", batch_bits)
    for digits in (1025, 3 * 1024 + 1, 9 * 1024, 40_000, 123_457):
        texts = ["".join(rng.choice("0123456789") for _ in range(digits)).lstrip("0") or "0", "9" * digits,
                 "1" + "0" * (digits - 1), "7" + "0" * (digits // 2) + "3" * (digits - digits // 2 - 1)]
        for t in texts:
            assert bigmul.from_str(t) == int(t), (digits, t[:5])
    assert not any(k.startswith("trip_") for k in bigmul.guard_stats())


def test_batched_level_plan_and_guards(no_str_limit):
    """The plan shows the batched route for short nodes; a perturbed batched transform trips the
    round-off guard and the level is redone join by join; a dropped carry in the batched join
    trips the conversion's check; both answers exact."""
    if not fused.available():
        pytest.skip("the batched levels need numba")
    assert str(bigmul.plan.plan_batch_level(3402, 2378, 100).steps[0]).endswith(", batch)")
    assert bigmul.plan.plan_batch_level(10 ** 6, 10 ** 6, 100).method == "product"
    n = 7 ** 40_000
    s = str(n)
    with inject("perturb") as rec:
        assert bigmul.from_str(s) == n
    st = bigmul.guard_stats()
    assert rec.applied > 0 and st["trip_roundoff"] >= 1 and st["fallback_product"] >= 1
    bigmul.reset_guard_stats()
    with inject("drop_carry") as rec:
        assert bigmul.from_str(s) == n
    st = bigmul.guard_stats()
    assert rec.applied > 0 and st["trip_radix"] == 1 and st["retry_exact"] == 1
