"""The four-step transform on its own, and as the FFT engine's path for long products."""
from __future__ import annotations

import random
from decimal import Decimal, getcontext

import numpy as np
import pytest

import bigmul
from bigmul import bounds, tuning
from bigmul.engines import fft, fourstep, fused
from bigmul.tools.faults import inject

pytestmark = pytest.mark.skipif(not fourstep.available(), reason="no extended precision for the twiddles")


@pytest.mark.parametrize("n1,n2", [(2, 3), (4, 5), (8, 8), (16, 45), (64, 96), (256, 375)])
def test_convolution_matches_exact_integers(n1, n2):
    rng = np.random.default_rng(n1 * 1000 + n2)
    L = n1 * n2
    for la, lb in ((L // 2, L - L // 2 + 1), (1, L), (L // 3 + 1, L // 3 + 1)):
        x = rng.integers(-500, 500, la)
        y = rng.integers(-500, 500, lb)
        z = fourstep.convolve(x.astype(float), y.astype(float), n1, n2)
        exact = np.convolve(x, y)
        assert np.abs(z[: len(exact)] - exact).max() < 1e-6
        assert np.abs(z[len(exact):]).max(initial=0) < 1e-6  # no wrap-around
    sq = fourstep.convolve(x.astype(float), None, n1, n2)
    assert np.abs(sq[: 2 * len(x) - 1] - np.convolve(x, x)).max() < 1e-6


def test_too_short_is_refused():
    with pytest.raises(ValueError, match="shorter"):
        fourstep.convolve(np.ones(5), np.ones(5), 2, 4)


@pytest.mark.parametrize("need", [2, 3, 100, 1000, 131_072, 500_001, 6_000_000, 73_800_000])
def test_shape(need):
    n1, n2 = fourstep.shape(need)
    assert n1 * n2 >= need and n1 % 2 == 0 and n1 & (n1 - 1) == 0
    assert n2 >= 1 and (n1 * n2) < 2 * need + 64


def _pi() -> Decimal:
    getcontext().prec += 2
    lasts, t, s, n, na, d, da = 0, Decimal(3), Decimal(3), 1, 0, 0, 24
    while s != lasts:
        lasts = s
        n, na = n + na, na + 8
        d, da = d + da, da + 32
        t = (t * n) / d
        s += t
    getcontext().prec -= 2
    return +s


def _cos_sin(x: Decimal) -> tuple[Decimal, Decimal]:
    getcontext().prec += 2
    out = []
    for start in (Decimal(1), x):
        i = 0 if start == 1 else 1
        lasts, s, term = 0, start, start
        while s != lasts:
            lasts = s
            i += 2
            term = -term * x * x / (i * (i - 1))
            s += term
        out.append(+s)
    getcontext().prec -= 2
    return out[0], out[1]


def test_twiddles_accurate_to_two_eps():
    """The bound assumes 4 eps; each component is within 2 eps of the true root of unity."""
    getcontext().prec = 40
    pi = _pi()
    rng = random.Random(3)
    eps = 2.0 ** -53
    for n1, n2 in ((64, 96), (2048, 3072)):
        T = fourstep.twiddles(n1, n2)
        L = n1 * n2
        for _ in range(300):
            k1, j2 = rng.randrange(n1 // 2 + 1), rng.randrange(n2)
            c, s = _cos_sin(-2 * pi * Decimal(k1 * j2 % L) / Decimal(L))
            t = T[k1, j2]
            assert abs(Decimal(float(t.real)) - c) < Decimal(2 * eps)
            assert abs(Decimal(float(t.imag)) - s) < Decimal(2 * eps)


def test_workers_setting(monkeypatch):
    monkeypatch.setenv("BIGMUL_THREADS", "3")
    assert fourstep.workers() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("BIGMUL_THREADS", bad)
        with pytest.raises(ValueError, match="BIGMUL_THREADS"):
            fourstep.workers()
    monkeypatch.delenv("BIGMUL_THREADS")
    assert fourstep.workers() >= 1


def test_engine_uses_four_step_from_the_threshold(monkeypatch):
    calls = []
    real = fourstep.convolve
    monkeypatch.setattr(fourstep, "convolve", lambda *a, **k: calls.append(a[2:4]) or real(*a, **k))
    n = tuning.current.FOURSTEP_MIN_LEN // 2
    x = np.ones(n // 2)
    fft.fft_convolve(x, x)
    assert calls == []
    x = np.ones(n + 10)
    r, err, mag = fft.fft_convolve(x, x)
    assert len(calls) == 1 and err < 1e-6 and mag == len(x)


CASES = {"all-max": lambda: ((1 << 3_000_000) - 1, (1 << 3_000_000) - 1),
         "balanced-worst": lambda: (int("10" * 1_000_000, 2), int("10" * 1_000_000, 2)),
         "powers": lambda: (3**1_500_000, 7**1_000_000)}


@pytest.mark.parametrize("case", list(CASES))
def test_long_products_exact(case):
    a, b = CASES[case]()
    bigmul.reset_guard_stats()
    assert bigmul.multiply(a, b, method="fft") == a * b
    assert bigmul.guard_stats() == {"checks": 1}


@pytest.mark.parametrize("fault", ["twiddle", "transpose", "perturb", "float32"])
def test_faults_in_the_four_step_stages_are_caught(fault):
    a, b = 3**700_000, 7**600_000  # a transform length well above FOURSTEP_MIN_LEN
    bigmul.reset_guard_stats()
    with inject(fault) as rec:
        assert bigmul.multiply(a, b, method="fft") == a * b
    st = bigmul.guard_stats()
    assert rec.applied >= 1
    assert st.get("trip_roundoff", 0) + st.get("trip_modular", 0) >= 1 and st["fallback_ntt"] == 1


def test_mixed_shape_only_where_the_bound_allows_it():
    n = 3_000_000
    need = 2 * n + 1
    L = fft.transform_length(n + 1, n + 1)
    assert fft.four_step_shape(need, L, (n + 1, n + 1, 2**11)) == fourstep.shape_mixed(need)
    # limbs so wide that only the pure radix-2 length can be argued (here: not at all)
    assert fft.four_step_shape(need, L, (n + 1, n + 1, 2**30)) == fourstep.shape(need)
    assert fft.four_step_shape(need, L) == fourstep.shape(need)  # no limb data: radix 2
    assert not bounds.fft_ok(n + 1, n + 1, 2**12, 6_021_120, mixed_four_step=True) or \
        bounds.fft_ok(n + 1, n + 1, 2**12, 6_021_120)


def test_twiddles_numba_and_numpy_agree_and_cache_is_bounded(monkeypatch):
    """The numba twiddle pass and the numpy one give the same roots (to an ulp); the cache keeps its budget."""
    pytest.importorskip("numba")  # imported: the twiddles use the numba pass from here on
    assert fourstep._twiddle_kernel() is not None
    T = fourstep._build_twiddles(64, 96)
    monkeypatch.setattr(fourstep, "_twiddle_kernel", lambda: None)
    T2 = fourstep._build_twiddles(64, 96)
    assert np.abs(T - T2).max() <= 2.0 ** -52
    monkeypatch.setattr(fourstep, "TWIDDLE_CACHE_BYTES", 3 * T.nbytes)
    fourstep._twiddle_cache.clear()
    for n2 in (96, 100, 104, 108, 112):
        fourstep.twiddles(64, n2)
    assert sum(t.nbytes for t in fourstep._twiddle_cache.values()) <= 3 * T.nbytes
    assert next(iter(fourstep._twiddle_cache)) == (64, 112)  # the latest first
    assert fourstep.twiddles(64, 112) is fourstep._twiddle_cache[(64, 112)]
    fourstep._twiddle_cache.clear()
    big = fourstep.twiddles(512, 512)  # over the budget alone: its roots are computed where applied
    assert isinstance(big, fourstep.LazyTwiddles) and not fourstep._twiddle_cache
    monkeypatch.setattr(fused, "LOADED", False)  # without the kernels: the matrix, kept as the latest
    big = fourstep.twiddles(512, 512)
    assert isinstance(big, np.ndarray) and fourstep.twiddles(512, 512) is big
    fourstep._twiddle_cache.clear()


def test_kept_buffers_are_reused_and_give_exact_products():
    """Products of one shape reuse one set of kept transform buffers (no fresh pages), stay exact
    whatever the buffers held before, and the pool stays within its byte budget."""
    import random

    import bigmul
    from bigmul.engines import backends, workspace
    from bigmul.tools.reference import no_digit_limit

    if backends.pocketfft() is None:
        pytest.skip("scipy's pocketfft binding (output buffers) is not usable here")
    workspace.clear()
    r = random.Random(21)
    for bits in (70_000, 400_000, 1_200_000):  # a 1-D length (~8.7k points) and four-step lengths
        ops = [(r.getrandbits(bits), r.getrandbits(bits - 3)) for _ in range(3)]
        for a, b in ops + [(2**bits - 1, 2**bits - 1)]:  # all-ones after random: stale values would show
            assert bigmul.multiply(a, b, method="fft") == a * b
            assert bigmul.square(a, method="fft") == a * a
        with no_digit_limit():
            s = str(ops[0][0] >> (bits - 70_000))  # 21k digits: str() itself is quadratic
            assert bigmul.multiply(s, s, method="fft") == str(int(s) ** 2)
    assert 0 < workspace.kept_bytes() <= workspace.keep_bytes()
    before = workspace.kept_bytes()
    a, b = ops[0]
    assert bigmul.multiply(a, b, method="fft") == a * b
    assert workspace.kept_bytes() == before  # the same set taken and given back: nothing new kept
    bigmul.release_buffers()
    assert workspace.kept_bytes() == 0


def test_keep_budget_from_the_environment(monkeypatch):
    """BIGMUL_KEEP_BYTES sets the budget (0: keep nothing); a malformed value is refused (envvars' policy)."""
    from bigmul import envvars
    from bigmul.engines import workspace

    for env, want in (("64M", 64 << 20), ("0", 0), ("", 256 << 20)):
        monkeypatch.setenv("BIGMUL_KEEP_BYTES", env)
        assert workspace.keep_bytes() == want
    monkeypatch.setenv("BIGMUL_KEEP_BYTES", "lots")
    with pytest.raises(envvars.ConfigError, match="BIGMUL_KEEP_BYTES"):
        workspace.keep_bytes()
    monkeypatch.delenv("BIGMUL_KEEP_BYTES")
    monkeypatch.setattr(workspace, "KEEP_BYTES", 0)  # nothing kept, products still exact
    workspace.clear()
    a = 3 ** 300_000
    assert __import__("bigmul").multiply(a, a + 2, method="fft") == a * (a + 2)
    assert workspace.kept_bytes() == 0


def test_buffer_pool_budget_and_concurrency():
    """Sets beyond the budget are dropped least recent first; two products at once get two sets."""
    import threading

    from bigmul.engines import workspace

    workspace.clear()
    old = workspace.KEEP_BYTES
    try:
        workspace.KEEP_BYTES = 3 * workspace._nbytes(1024, (513,), True)
        for L in (1024, 2048, 1024):
            with workspace.buffers(L, (L // 2 + 1,), True):
                pass
        assert workspace.kept_bytes() <= workspace.KEEP_BYTES
        taken: list[int] = []
        gate = threading.Barrier(2)

        def hold() -> None:
            with workspace.buffers(1024, (513,), True) as b:
                taken.append(id(b.x))
                gate.wait()

        threads = [threading.Thread(target=hold) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(taken)) == 2
        big = workspace.KEEP_BYTES // 8 + 1  # a set over the budget is never kept
        with workspace.buffers(big, (big // 2 + 1,), False):
            pass
        assert workspace.kept_bytes() <= workspace.KEEP_BYTES and all(
            size < workspace._nbytes(big, (big // 2 + 1,), False) for size, _, _ in workspace._free)
    finally:
        workspace.KEEP_BYTES = old
        workspace.clear()


def test_kept_memory_serves_other_shapes():
    """A kept block is reused by a later product of another shape that fits it (no fresh pages),
    the smallest fitting block first, and a shape that fits none gets a new block."""
    from bigmul.engines import workspace

    workspace.clear()
    try:
        with workspace.buffers(4096, (2049,), True) as big:
            pass
        with workspace.buffers(1000, (501,), True) as small:
            pass
        with workspace.buffers(3000, (1501,), False) as other:
            assert other.block is big.block and other.x.shape == (3000,) and other.X.shape == (1501,)
        with workspace.buffers(8192, (4097,), True) as larger:
            assert larger.block is not big.block and larger.block is not small.block
        assert small.block is big.block  # the first block was free again, and fits
    finally:
        workspace.clear()


def test_twiddles_reuse_an_evicted_matrix_memory_only_when_nobody_holds_it(monkeypatch):
    """A new twiddle matrix is built into the memory of one the budget evicts (no fresh pages), with
    the right roots; a matrix some caller still holds is never overwritten."""
    pytest.importorskip("numba")
    fused.available()
    big = fourstep._build_twiddles(128, 256)
    monkeypatch.setattr(fourstep, "TWIDDLE_CACHE_BYTES", big.nbytes + 1)
    fourstep._twiddle_cache.clear()
    A = fourstep.twiddles(128, 256)
    where = A.__array_interface__["data"][0]
    del A  # only the cache holds it now
    B = fourstep.twiddles(64, 256)  # evicts (128, 256) and takes its memory
    assert B.base is not None and B.base.__array_interface__["data"][0] == where
    np.testing.assert_array_equal(B, fourstep._build_twiddles(64, 256))
    assert not B.flags.writeable
    held = B  # a caller holds (64, 256): the next build may not take its memory
    C = fourstep.twiddles(128, 200)
    assert not np.shares_memory(C, held)
    np.testing.assert_array_equal(held, fourstep._build_twiddles(64, 256))
    np.testing.assert_array_equal(C, fourstep._build_twiddles(128, 200))
    fourstep._twiddle_cache.clear()


def test_inverse_twiddle_pass_matches_numpy(monkeypatch):
    """The one-pass ``S *= conj(T)`` (both halves of the rows on two threads, and on one) gives the
    numpy three-pass result to within an ulp of each product, and a product through it is exact."""
    pytest.importorskip("numba")
    fused.available()
    rng = np.random.default_rng(7)
    T = fourstep.twiddles(64, 96)
    S = rng.standard_normal(T.shape) + 1j * rng.standard_normal(T.shape)
    ref = np.conj(np.conj(S) * T)
    for w in (1, 2):
        got = S.copy()
        fourstep._conj_twiddle(got, T, w)
        assert np.abs(got - ref).max() <= 4 * 2.0 ** -53 * np.abs(S).max()
    monkeypatch.setattr(tuning.current, "FOURSTEP_MIN_LEN", 1 << 12)
    a, b = 7 ** 60_000, 3 ** 90_000
    assert bigmul.multiply(a, b, method="fft") == a * b


def test_twiddles_past_the_cache_budget_are_applied_on_the_fly(monkeypatch):
    """A matrix larger than the budget is never built: its roots are computed where they are applied
    (both halves of the rows on two threads, and on one), within an ulp of each product of the
    matrix's; products through it are exact and a wrong root still trips a guard."""
    pytest.importorskip("numba")
    fused.available()
    rng = np.random.default_rng(3)
    T = fourstep._build_twiddles(64, 96)
    monkeypatch.setattr(fourstep, "TWIDDLE_CACHE_BYTES", T.nbytes - 1)
    lazy = fourstep.twiddles(64, 96)
    assert isinstance(lazy, fourstep.LazyTwiddles) and lazy.shape == T.shape
    S = rng.standard_normal(T.shape) + 1j * rng.standard_normal(T.shape)
    for w in (1, 2):
        for conj in (False, True):
            got = S.copy()
            (fourstep._conj_twiddle if conj else fourstep._twiddle)(got, lazy, w)
            ref = S * (np.conj(T) if conj else T)
            assert np.abs(got - ref).max() <= 4 * 2.0 ** -53 * np.abs(S).max()
    np.testing.assert_array_equal(lazy.copy(), T)
    monkeypatch.setattr(fourstep, "TWIDDLE_CACHE_BYTES", 1 << 10)
    monkeypatch.setattr(tuning.current, "FOURSTEP_MIN_LEN", 1 << 12)
    a, b = 7 ** 60_000, 3 ** 90_000
    assert bigmul.multiply(a, b, method="fft") == a * b
    assert bigmul.square(a, method="fft") == a * a
    bigmul.reset_guard_stats()
    with inject("twiddle") as rec:
        assert bigmul.multiply(a, b, method="fft") == a * b
    assert rec.applied >= 1 and bigmul.guard_stats().get("trip_roundoff", 0) + bigmul.guard_stats().get("trip_modular", 0) >= 1
