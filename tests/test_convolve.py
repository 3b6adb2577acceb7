"""convolve: exact for every sign and size, right dtype, inputs untouched."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bigmul

METHODS = ["auto", "direct", "fft", "ntt"]


def ref_convolve(x, y):
    x, y = [int(v) for v in x], [int(v) for v in y]
    out = [0] * (len(x) + len(y) - 1)
    for i, a in enumerate(x):
        for j, b in enumerate(y):
            out[i + j] += a * b
    return out


@given(x=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=60),
       y=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=60),
       method=st.sampled_from(METHODS))
def test_matches_reference_int64(x, y, method):
    got = bigmul.convolve(np.array(x, dtype=np.int64), np.array(y, dtype=np.int64), method=method)
    assert got.tolist() == ref_convolve(x, y)


@given(x=st.lists(st.integers(-(2**200), 2**200), min_size=1, max_size=20),
       y=st.lists(st.integers(-(2**70), 2**70), min_size=1, max_size=20),
       method=st.sampled_from(METHODS))
def test_matches_reference_python_ints(x, y, method):
    got = bigmul.convolve(x, y, method=method)
    assert [int(v) for v in got] == ref_convolve(x, y)


@pytest.mark.parametrize("method", METHODS)
def test_python_ints_at_the_int64_edges(method):
    # numpy alone would turn [0, 2**63] into float64 or uint64: bigmul keeps them exact.
    for y in ([0, 2**63], [2**63], [-1, 2**63], [-(2**63)], [2**64 + 1, -3]):
        got = bigmul.convolve([0, 5, -1], y, method=method)
        assert [int(v) for v in got] == ref_convolve([0, 5, -1], y)


def test_example_and_dtypes():
    assert bigmul.convolve([1, 2, 3], [4, 5, 6]).tolist() == [4, 13, 28, 27, 18]
    small = bigmul.convolve(np.array([3], np.uint8), np.array([5], np.int16))
    assert small.dtype == np.int64
    big = bigmul.convolve([2**62, 2**62], [4, 4])
    assert big.dtype == object and big.tolist() == [2**64, 2**65, 2**64]


@pytest.mark.parametrize("method", METHODS)
def test_int64_overflow_is_never_silent(method):
    # np.convolve on int64 would wrap here; bigmul widens to exact ints.
    x = np.full(4, 2**40, dtype=np.int64)
    y = np.full(4, 2**30, dtype=np.int64)
    got = bigmul.convolve(x, y, method=method)
    assert [int(v) for v in got] == ref_convolve(x, y)
    assert np.convolve(x, y)[3] != 4 * 2**70  # the trap exists


@pytest.mark.parametrize("method", METHODS)
def test_large_lengths_all_max(method):
    n = 20_000 if method != "direct" else 2_000
    x = np.full(n, 2**16 - 1, dtype=np.int64)
    y = np.full(n // 2 + 3, -(2**16), dtype=np.int64)
    got = bigmul.convolve(x, y, method=method)
    # closed form: coefficient k = -(2^16-1) 2^16 * (number of overlapping terms)
    k = np.arange(len(got))
    overlap = np.minimum.reduce([k + 1, np.full_like(k, len(y)), len(x) + len(y) - 1 - k])
    assert np.array_equal(got, -(2**16 - 1) * 2**16 * overlap)


def test_inputs_not_modified_and_empty():
    x = np.array([5, -6, 7], dtype=np.int64)
    y = np.array([1, 2], dtype=np.int32)
    xc, yc = x.copy(), y.copy()
    for m in METHODS:
        bigmul.convolve(x, y, method=m)
    assert np.array_equal(x, xc) and np.array_equal(y, yc)
    assert bigmul.convolve([], [1, 2]).tolist() == []


@pytest.mark.parametrize("bad,exc,msg", [
    (np.ones((2, 2), dtype=np.int64), ValueError, "1-D"),
    (np.array([1.5]), TypeError, "integer dtype"),
    (np.array([1.0]), TypeError, "integer dtype"),
    (np.array([True, False]), TypeError, "boolean"),
    ([1, 2.5], TypeError, "is float, not an integer"),
    ("123", TypeError, "sequence of integers"),
    (5, TypeError, "sequence of integers"),
    (None, TypeError, "sequence of integers"),
    ([1, None], TypeError, "not an integer"),
    (np.array([1 + 2j]), TypeError, "integer dtype"),
])
def test_bad_inputs(bad, exc, msg):
    with pytest.raises(exc, match=msg):
        bigmul.convolve(bad, [1])
    with pytest.raises(exc, match=msg):
        bigmul.convolve([1], bad)


def test_unknown_method():
    with pytest.raises(ValueError, match="valid methods are 'auto', 'direct', 'fft', 'ntt'"):
        bigmul.convolve([1], [1], method="karatsuba")
