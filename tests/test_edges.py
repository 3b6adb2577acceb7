"""The int64 edges and the API promises of issue 14, with Python int as the oracle.

Every place where a Python int or a uint64 meets an int64 (from_digits,
to_digits, carry, convolve, the decimal path) is pinned at 2**63 - 1, 2**63,
2**64 - 1 and 2**64, in lists, uint64 arrays and object arrays.
"""
from __future__ import annotations

import numpy as np
import pytest

import bigmul
from bigmul import carry, convolve, from_digits, multiply, to_digits

EDGES = [2**63 - 1, 2**63, 2**64 - 1, 2**64]
BASES = [2**62, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1, 2**64, 2**64 + 1, 2**65, 10**19, 10**20]


def value(digits: list[int], base: int) -> int:
    """Oracle: Horner in Python ints (most significant first)."""
    v = 0
    for d in digits:
        v = v * base + d
    return v


def digits_of(n: int, base: int) -> list[int]:
    """Oracle: repeated divmod in Python ints (most significant first), [0] for zero."""
    out = []
    while n:
        n, r = divmod(n, base)
        out.append(r)
    return out[::-1] or [0]


def containers(vals: list[int]):
    """The same digits as a list, an object array and (where they fit) a uint64 array."""
    yield "list", list(vals)
    yield "object", np.array(vals, dtype=object)
    if all(0 <= v < 2**64 for v in vals):
        yield "uint64", np.array(vals, dtype=np.uint64)


# --- the silent wrong result --------------------------------------------------
def test_from_digits_base_2_64_issue_examples():
    assert from_digits([2**64 - 1], 2**64) == 2**64 - 1
    assert from_digits([2**64 - 1, 2**64 - 1], 2**64) == 2**128 - 1
    assert from_digits(np.array([2**64 - 1, 2**64 - 1], dtype=np.uint64), 2**64) == 2**128 - 1


@pytest.mark.parametrize("base", BASES)
def test_from_digits_edges(base):
    vals = [e for e in EDGES if e < base] + [base - 1, 0, 1, base - 1]
    for name, digits in containers(vals):
        assert from_digits(digits, base) == value(vals, base), name


@pytest.mark.parametrize("base", [2**63, 2**64, 10, 2**32])
def test_from_digits_rejects_digit_at_or_above_base(base):
    for name, digits in containers([1, base]):
        with pytest.raises(ValueError, match="outside"):
            from_digits(digits, base)


def test_from_digits_uint64_small_bases():
    words = np.array([2**64 - 1, 2**63, 0, 1], dtype=np.uint64)
    with pytest.raises(ValueError, match="outside"):
        from_digits(words, 2**63)
    assert from_digits(words[2:], 2**63) == 1
    assert from_digits(np.array([9, 9], dtype=np.uint64), 10) == 99


# --- bases >= 2**63 work everywhere (object dtype above int64) ------------------
@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("n", [0, 5, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**130, 3**200 + 7])
def test_to_digits_any_base(base, n):
    got = to_digits(n, base)
    assert [int(d) for d in got] == digits_of(n, base)
    assert got.dtype == (np.int64 if base <= 2**62 else object)
    assert from_digits(got, base) == n


def test_to_digits_issue_examples():
    assert to_digits(5, 2**63).tolist() == [5]
    assert to_digits(2**130, 2**64).tolist() == [4, 0, 0]


@pytest.mark.parametrize("base", [10, 2**31 - 1, 2**62, 2**63, 2**64, 2**64 + 1])
def test_carry_edges(base):
    coeffs = [2**63 - 1, 2**63, 2**64 - 1, 2**64, 0, 7]
    for name, c in containers(coeffs):
        got = carry(c, base)
        assert [int(d) for d in got] == digits_of(value(coeffs, base), base), name
    assert carry([5], 2**64).tolist() == [5]


def test_carry_uint64_array_small_base():
    c = np.array([2**64 - 1, 2**63], dtype=np.uint64)
    assert [int(d) for d in carry(c, 10)] == digits_of(value([2**64 - 1, 2**63], 10), 10)


def schoolbook(x: list[int], y: list[int]) -> list[int]:
    out = [0] * (len(x) + len(y) - 1)
    for i, a in enumerate(x):
        for j, b in enumerate(y):
            out[i + j] += a * b
    return out


@pytest.mark.parametrize("method", ["auto", "direct", "fft", "ntt"])
def test_convolve_edges(method):
    x = [2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**64)]
    y = [1, -1, 2**63 - 1]
    assert [int(v) for v in convolve(x, y, method=method)] == schoolbook(x, y)
    xs = [2**63 - 1, 2**63, 2**64 - 1]
    for name, c in containers(xs):
        assert [int(v) for v in convolve(c, [1, 1], method=method)] == schoolbook(xs, [1, 1]), name


def test_convolve_int64_extremes_stay_exact():
    x = np.array([2**63 - 1, -(2**63)], dtype=np.int64)
    assert [int(v) for v in convolve(x, x)] == schoolbook(x.tolist(), x.tolist())


@pytest.mark.parametrize("method", ["direct", "fft", "ntt"])
def test_decimal_path_edges(method):
    for a in EDGES:
        for b in EDGES:
            assert multiply(str(a), str(b), method=method) == str(a * b)
            assert multiply(str(a), "-" + str(b), method=method) == str(-a * b)
    for n in EDGES:
        assert to_digits(str(n), 10**18).tolist() == digits_of(n, 10**18)


# --- inputs: iterables, empty float arrays -------------------------------------
def test_convolve_accepts_iterables():
    assert convolve((i for i in [1, 2, 3]), iter([4, 5, 6])).tolist() == [4, 13, 28, 27, 18]
    assert convolve(range(3), (1,)).tolist() == [0, 1, 2]
    assert carry((d for d in [4, 13]), 10).tolist() == [5, 3]
    assert from_digits(iter([1, 2]), 10) == 12


@pytest.mark.parametrize("f", [lambda a: convolve(a, [1]), lambda a: convolve([1], a),
                               lambda a: from_digits(a, 10), lambda a: carry(a, 10)])
def test_float_arrays_refused_even_when_empty(f):
    for arr in (np.array([]), np.array([1.0]), np.zeros(0, dtype=np.float32)):
        with pytest.raises(TypeError, match="integer dtype"):
            f(arr)


def test_empty_lists_are_fine():
    assert convolve([], [1]).tolist() == []
    assert from_digits([], 10) == 0
    assert carry([], 10).tolist() == [0]


def test_non_sequence_says_sequence_or_array():
    with pytest.raises(TypeError, match="sequence of integers or an integer array"):
        convolve(5, [1])
    with pytest.raises(TypeError, match="sequence of integers or an integer array"):
        from_digits(None, 10)


def test_mixed_numpy_integer_list_is_exact():
    # numpy would turn [int64, uint64] into float64; the values must stay exact
    x = [np.int64(-1), np.uint64(2**64 - 1)]
    assert [int(v) for v in convolve(x, [1])] == [-1, 2**64 - 1]


# --- memory limit forms ----------------------------------------------------------
@pytest.mark.parametrize("text,expected", [("2G", 2 * 2**30), ("2GB", 2 * 2**30), ("2GiB", 2 * 2**30),
                                           ("500M", 500 * 2**20), (" 1.5g ", int(1.5 * 2**30)),
                                           ("64K", 64 * 1024), ("1000", 1000), (4096, 4096)])
def test_memory_limit_forms(text, expected, monkeypatch):
    from bigmul import memory

    bigmul.set_memory_limit(text)
    assert memory.memory_limit() == expected
    bigmul.set_memory_limit(None)
    if isinstance(text, str):
        monkeypatch.setenv("BIGMUL_MEMORY_LIMIT", text)
        assert memory.memory_limit() == expected


@pytest.mark.parametrize("bad", ["bogus", "2X", "", "-1G", "0", 0, -5])
def test_memory_limit_bad(bad):
    with pytest.raises(ValueError):
        bigmul.set_memory_limit(bad)


def test_memory_limit_string_is_enforced():
    bigmul.set_memory_limit("1K")
    try:
        with pytest.raises(MemoryError):
            multiply(7**200_000, 3**200_000, method="fft")
    finally:
        bigmul.set_memory_limit(None)


# --- int-like kinds mix; mpz in -> mpz out -------------------------------------
def test_int_like_kinds_mix():
    gmpy2 = pytest.importorskip("gmpy2")
    big = 3**70_000
    for a, b in [(gmpy2.mpz(12), 5), (5, gmpy2.mpz(12)), (gmpy2.xmpz(12), 5), (gmpy2.xmpz(12), gmpy2.mpz(5)),
                 (gmpy2.mpz(big), big), (gmpy2.xmpz(big), np.int64(7))]:
        got = multiply(a, b)
        assert type(got) is gmpy2.mpz
        assert got == int(a) * int(b)
    assert type(multiply(np.int64(3), 4)) is int
    with pytest.raises(TypeError, match="both be decimal str or both be integers"):
        multiply(gmpy2.mpz(3), "4")
    assert type(bigmul.square(gmpy2.xmpz(-9))) is gmpy2.mpz


def test_multiply_docstring_names_every_method():
    for m in bigmul.METHODS:
        assert f'"{m}"' in multiply.__doc__
