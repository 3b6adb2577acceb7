"""to_digits / from_digits / carry and the internal limb conversions."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bigmul
from bigmul import limbs as L
from bigmul import text as T
from bigmul.carrying import normalize


def test_examples():
    assert bigmul.to_digits(123, 10).tolist() == [1, 2, 3]
    assert bigmul.to_digits(0, 7).tolist() == [0]
    assert bigmul.from_digits([1, 2, 3], 10) == 123
    assert bigmul.from_digits([], 10) == 0
    assert bigmul.carry([4, 13, 28, 27, 18], 10).tolist() == [5, 6, 0, 8, 8]
    assert bigmul.carry([0, 0], 10).tolist() == [0]


@given(n=st.integers(0, 2**3000), base=st.integers(2, 2**40))
def test_round_trip_any_base(n, base):
    d = bigmul.to_digits(n, base)
    assert all(0 <= int(v) < base for v in d)
    assert int(d[0]) != 0 or n == 0
    assert bigmul.from_digits(d, base) == n


@pytest.mark.parametrize("bits", range(1, 57))
def test_limb_round_trip_every_width(bits):
    r = random.Random(bits)
    for n in (1, (1 << bits) - 1, (1 << (8 * bits)) - 1, (1 << (8 * bits + 1)), r.getrandbits(5000)):
        limbs = L.int_to_limbs(n, bits)
        assert int(limbs.max()) < 1 << bits
        assert L.limbs_to_int(limbs, bits) == n


def test_decimal_text_round_trip(no_str_limit):
    s = "".join(random.Random(1).choice("0123456789") for _ in range(100_003)).lstrip("0")
    for k in range(1, 10):
        d = bigmul.to_digits(s, 10**k)
        assert T.limbs_to_decimal(d[::-1].copy(), k) == s
        assert bigmul.from_digits(d, 10**k) == int(s)


@given(coeffs=st.lists(st.integers(0, 2**62), min_size=1, max_size=50),
       base=st.sampled_from([2, 3, 10, 256, 1000, 2**16, 10**9, 2**40]))
def test_carry_value(coeffs, base):
    d = bigmul.carry(coeffs, base)
    value = sum(c * base**i for i, c in enumerate(reversed(coeffs)))
    assert bigmul.from_digits(d, base) == value


def test_carry_object_coefficients():
    d = bigmul.carry([2**100, 2**70], 10)
    assert bigmul.from_digits(d, 10) == 2**100 * 10 + 2**70


@pytest.mark.parametrize("base", [10, 1000, 2**12, 2**16])
def test_long_carry_chains(base):
    n = 200_000
    # (base-1) everywhere plus one carry at the bottom ripples through every limb.
    c = np.full(n + 2, base - 1, dtype=np.int64)
    c[-2:] = 0
    c[0] = base
    d = normalize(c, base)
    assert d[0] == 0 and (d[1:n] == 0).all() and d[n] == 1
    # A borrow at the bottom ripples the other way: base**n - 1 from [-1, 0, ..., 0, 1].
    c = np.zeros(n + 2, dtype=np.int64)
    c[0], c[n] = -1, 1
    d = normalize(c, base)
    assert (d[:n] == base - 1).all() and d[n] == 0


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: bigmul.to_digits(-1, 10), ValueError, "non-negative"),
    (lambda: bigmul.to_digits(5, 1), ValueError, "base must be >= 2"),
    (lambda: bigmul.to_digits(5, 10.0), TypeError, "base must be an integer"),
    (lambda: bigmul.to_digits(5, True), TypeError, "base must be an integer"),
    (lambda: bigmul.to_digits(5.0, 10), TypeError, "n must be an integer"),
    (lambda: bigmul.to_digits("12x", 10), ValueError, "position 2"),
    (lambda: bigmul.from_digits([1, 10], 10), ValueError, "outside"),
    (lambda: bigmul.from_digits([-1], 10), ValueError, "outside"),
    (lambda: bigmul.from_digits([1], 0), ValueError, "base must be >= 2"),
    (lambda: bigmul.from_digits([1.0], 10), TypeError, "not an integer"),
    (lambda: bigmul.from_digits([[1]], 10), ValueError, "1-D"),
    (lambda: bigmul.carry([1, -2], 10), ValueError, "non-negative"),
    (lambda: bigmul.carry([1], "10"), TypeError, "base must be an integer"),
])
def test_bad_inputs(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()
