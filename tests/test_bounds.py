"""The error bounds are arithmetic that holds: measured round-off never exceeds them."""
from __future__ import annotations

import math

import numpy as np
import pytest

from bigmul import bounds
from bigmul.limbs import balance
from bigmul.engines.fft import fft_convolve, transform_length


def _measured_error(n: int, bits: int, pattern: str) -> float:
    base = 1 << bits
    if pattern == "all-max":
        limbs = np.full(n, base - 1, dtype=np.int64)
    else:  # every balanced limb at -B/2: the balanced worst case
        limbs = np.full(n, base // 2, dtype=np.int64)
    x = balance(limbs, base)
    _, err, _ = fft_convolve(x, x.copy())
    return err


@pytest.mark.parametrize("n", [2**8, 2**10, 2**12, 3 * 2**10, 2**14, 2**16 - 1, 2**16 + 1])
@pytest.mark.parametrize("pattern", ["all-max", "half"])
def test_measured_roundoff_below_bound(n: int, pattern: str) -> None:
    bits_total = n * 20
    b = bounds.fft_limb_bits(bits_total, bits_total)
    n_limbs = -(-bits_total // b) + 1
    L = transform_length(n_limbs, n_limbs)
    bound = bounds.fft_error_bound(n_limbs, n_limbs, 1 << b, L)
    err = _measured_error(n_limbs - 1, b, pattern)
    assert bound <= bounds.ROUNDOFF_LIMIT
    assert err <= bound, (err, bound)


def test_bound_is_not_vacuous_far_beyond_it() -> None:
    # 24-bit limbs at 2**14 limbs: the bound forbids it and the FFT really is wrong.
    n, b = 2**14, 24
    L = transform_length(n + 1, n + 1)
    assert bounds.fft_error_bound(n + 1, n + 1, 1 << b, L) > 1
    assert _measured_error(n, b, "half") > bounds.ROUNDOFF_LIMIT


def test_percival_formula_matches_first_order_expansion() -> None:
    e = bounds.EPS
    N = 20
    got = bounds.percival_bound(1.0, 1.0, N)
    first_order = e * (3 * N + math.sqrt(5) * (3 * N + 1) + 3 * N * 2)
    assert got == pytest.approx(first_order, rel=1e-6)


def test_limb_bits_shrink_with_size() -> None:
    sizes = [10**3, 10**4, 10**5, 10**6, 10**7, 10**8]
    widths = [bounds.fft_limb_bits(s, s) for s in sizes]
    assert widths == sorted(widths, reverse=True)
    assert all(w >= 8 for w in widths)
    for s, w in zip(sizes, widths):
        n = -(-s // w) + 1
        L = transform_length(n, n)
        assert bounds.fft_ok(n, n, 1 << w, L)
        n2 = -(-s // (w + 1)) + 1
        assert not bounds.fft_ok(n2, n2, 1 << (w + 1), transform_length(n2, n2))


def test_magnitude_limit_is_enforced() -> None:
    # Even with a tiny round-off bound, coefficients at or above 2**53 are refused.
    assert not bounds.fft_ok(1, 2, 2**28, 4)


def test_decimal_k_at_known_sizes() -> None:
    assert bounds.fft_decimal_k(10**7, 10**7) >= 3
    assert bounds.fft_decimal_k(10**8, 10**8) >= 2
    for d in (10**4, 10**6, 10**7):
        k = bounds.fft_decimal_k(d, d)
        n = -(-d // k) + 1
        assert bounds.fft_ok(n, n, 10**k, transform_length(n, n))


def test_ntt_primes_are_prime_and_roots_have_full_order() -> None:
    from bigmul.guards import is_prime

    for p, g, k in bounds.NTT_PRIMES:
        assert p < 2**31 and is_prime(p)
        assert (p - 1) % (1 << k) == 0
        w = pow(g, (p - 1) >> k, p)  # order exactly 2**k
        assert pow(w, 1 << (k - 1), p) == p - 1
    assert bounds.NTT_MODULUS == math.prod(p for p, _, _ in bounds.NTT_PRIMES)
    # The multiply path's 24-bit limbs stay within the CRT range at the length limit.
    n = 1 << (bounds.NTT_MAX_LOG2 - 1)
    assert bounds.ntt_limit_ok(n, n, 2**24 - 1, 2**24 - 1)
    assert not bounds.ntt_limit_ok(n, n + 2, 1, 1)


def test_direct_bits_cannot_overflow() -> None:
    for s in (10, 1000, 10**5, 10**6):
        b = bounds.direct_limb_bits(s, s)
        n = -(-s // b)
        assert n * (2**b - 1) ** 2 < 2**63


def test_width_caches_give_the_exact_widths() -> None:
    """The grid-sandwich caches return what the widths' own search returns, at every size tried:
    random sizes over nine decades, unbalanced pairs, and sizes just beside each step of width."""
    import random

    rng = random.Random(7)
    sizes = [rng.randrange(1, 10 ** rng.randrange(1, 10)) for _ in range(400)]
    steps = []  # sizes beside the steps between widths (balanced operands)
    for n in (1 << e for e in range(4, 33)):
        if bounds._widest(n, n, range(24, 3, -1), lambda b: 1 << b) != \
                bounds._widest(2 * n, 2 * n, range(24, 3, -1), lambda b: 1 << b):
            lo, hi = n, 2 * n
            while hi - lo > 1:
                mid = (lo + hi) // 2
                same = bounds._widest(mid, mid, range(24, 3, -1), lambda b: 1 << b) == \
                    bounds._widest(n, n, range(24, 3, -1), lambda b: 1 << b)
                lo, hi = (mid, hi) if same else (lo, mid)
            steps += [lo - 1, lo, hi, hi + 1]
    assert len(steps) >= 20  # the widths do step in this range
    pairs = [(s, s) for s in steps] + list(zip(sizes, reversed(sizes))) + [(s, s) for s in sizes[:100]]
    for a, b in pairs:
        assert bounds.fft_limb_bits(a, b) == bounds._widest(a, b, range(24, 3, -1), lambda w: 1 << w), (a, b)
        assert bounds.fft_decimal_k(a, b) == bounds._widest(a, b, range(6, 0, -1), lambda k: 10 ** k), (a, b)
