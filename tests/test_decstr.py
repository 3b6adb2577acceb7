"""Decimal strings in and out: the int oracle, formula cases, malformed text."""
from __future__ import annotations

import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import bigmul
from bigmul import bounds
from bigmul.plan import plan_str

METHODS = ["auto", "direct", "fft", "ntt"]


def digits_of(n: int, pattern: str, seed: int) -> str:
    r = random.Random(seed)
    if n == 0:
        return "0"
    if pattern == "random":
        return r.choice("123456789") + "".join(r.choice("0123456789") for _ in range(n - 1))
    if pattern == "nines":
        return "9" * n
    if pattern == "power":
        return "1" + "0" * (n - 1)
    if pattern == "power-1":
        return "9" * (n - 1) if n > 1 else "9"
    if pattern == "leading-zeros":
        return "000" + r.choice("123456789") + "".join(r.choice("0123456789") for _ in range(n - 1))
    if pattern == "fives":  # every balanced base-10^k limb near -B/2
        return "5" * n
    raise ValueError(pattern)


@given(n1=st.integers(0, 20_000), n2=st.integers(0, 20_000),
       pattern=st.sampled_from(["random", "nines", "power", "power-1", "leading-zeros", "fives"]),
       signs=st.tuples(st.sampled_from(["", "-", "+"]), st.sampled_from(["", "-", "+"])),
       seed=st.integers(0, 2**32), method=st.sampled_from(METHODS))
@example(n1=1, n2=20_000, pattern="nines", signs=("-", ""), seed=0, method="auto")
@example(n1=0, n2=5, pattern="random", signs=("-", "-"), seed=0, method="fft")
def test_matches_int_oracle(n1, n2, pattern, signs, seed, method, no_str_limit):
    s = signs[0] + digits_of(n1, pattern, seed)
    t = signs[1] + digits_of(n2, pattern, seed + 1)
    want = str(int(s) * int(t))
    assert bigmul.multiply(s, t, method=method) == want
    assert bigmul.multiply(t, s, method=method) == want
    assert bigmul.square(s, method=method) == str(int(s) ** 2)


def _ref(s: str, t: str) -> str:
    """Oracle for big text: Python int semantics, conversions by gmpy2 when installed (fast)."""
    try:
        import gmpy2
    except ImportError:
        return str(int(s) * int(t))
    return (gmpy2.mpz(s) * gmpy2.mpz(t)).digits()


def test_sizes_around_limb_and_transform_boundaries(no_str_limit):
    for d in (10**3, 10**4, 10**5, 10**6):
        k = bounds.fft_decimal_k(d, d)
        for delta in (-k - 1, -1, 0, 1, k + 1):
            n = d + delta
            s = digits_of(n, "fives", 0)
            t = digits_of(n - 3, "random", n)
            assert bigmul.multiply(s, t) == _ref(s, t), n
    assert bigmul.guard_stats().get("trip_roundoff", 0) == 0


def test_single_digit_times_million_digits(no_str_limit):
    big = digits_of(10**6, "random", 3)
    for small in ("0", "1", "7", "-9", "10"):
        assert bigmul.multiply(small, big) == _ref(small, big)


@pytest.mark.parametrize("n", [10**5, 10**6])
@pytest.mark.parametrize("method", ["auto", "fft", "ntt"])
def test_large_random_and_adversarial(n, method, no_str_limit):
    for pattern in ("random", "fives", "nines"):
        s = digits_of(n, pattern, 1)
        t = "-" + digits_of(n - 11, "random", 2)
        assert bigmul.multiply(s, t, method=method) == _ref(s, t)


@pytest.mark.parametrize("n", [1, 2, 17, 1000, 123_457, 10**6])
def test_formula_nines_squared(n):
    # (10^n - 1)^2 = 9...9 8 0...0 1  with n-1 nines and n-1 zeros
    want = "9" * (n - 1) + "8" + "0" * (n - 1) + "1"
    assert bigmul.square("9" * n) == want
    assert bigmul.multiply("9" * n, "9" * n, method="fft") == want


@pytest.mark.slow
@pytest.mark.parametrize("n", [3 * 10**6, 10**7])
def test_formula_nines_squared_huge(n):
    want = "9" * (n - 1) + "8" + "0" * (n - 1) + "1"
    assert bigmul.multiply("9" * n, "9" * n) == want
    assert bigmul.guard_stats().get("trip_roundoff", 0) == 0


def test_powers_of_two_by_repeated_squaring(no_str_limit):
    s, k = "2", 1
    while k < 10**6:
        s = bigmul.square(s)
        k *= 2
        if k in (2**10, 2**16, 2**20) or k < 2**10:
            assert s == str(2**k), k
    assert k == 2**20


def test_never_builds_an_int():
    # With CPython's default 4300-digit limit in force, int(s) or str(n) of these
    # operands would raise ValueError: the decimal path must not need either.
    import sys

    assert sys.get_int_max_str_digits() in (0, 4300)
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(4300)
    try:
        s = "7" * 50_000
        assert bigmul.multiply(s, s, method="fft")[:5] == "60493"
        assert bigmul.multiply(s, "-" + s, method="ntt")[:6] == "-60493"
        assert bigmul.square("9" * 9000, method="direct").startswith("9" * 8999 + "8")
    finally:
        sys.set_int_max_str_digits(old)
    assert bigmul.guard_stats().get("fallback_decimal", 0) == 0


def test_zero_and_sign_normalisation():
    assert bigmul.multiply("-0", "5") == "0"
    assert bigmul.multiply("-000", "-000") == "0"
    assert bigmul.multiply("  -1_000  ", "+2") == "-2000"
    assert bigmul.square("-3") == "9"
    assert bigmul.multiply("0007", "0006") == "42"


BAD = [
    ("", "empty"), ("   ", "empty"), ("-", "sign but no digits"), ("+-1", "'-' at position 1"),
    ("--1", "'-' at position 1"), ("1-", "'-' at position 1"), ("12a3", "'a' at position 2"),
    ("1_", "'_' at position 1"), ("_1", "'_' at position 0"), ("1__2", "'_' at position 2"),
    ("1 2", "' ' at position 1"), ("0x1f", "'x' at position 1"), ("1.0", "'.' at position 1"),
    ("1e3", "'e' at position 1"), ("\u0661\u0662", "position 0"), ("12\u00b2", "position 2"),
    ("1\x002", "'\\x00' at position 1"), ("٣", "position 0"), ("inf", "'i' at position 0"),
    ("nan", "'n' at position 0"), ("- 1", "' ' at position 1"),
    # str.strip() drops the ASCII separators \x1c-\x1f but int() rejects them
    # (found by the atheris harness in fuzzing/).
    ("9\x1f", "'\\x1f' at position 1"), ("\x1e11", "'\\x1e' at position 0"),
]


@pytest.mark.parametrize("other", ["1", "1" * 500, "1" * 5000])  # the int, decimal and array routes
@pytest.mark.parametrize("text,needle", BAD)
def test_malformed_text(text, needle, other):
    with pytest.raises(ValueError, match="position|empty|sign") as info:
        bigmul.multiply(text, other)
    assert needle in str(info.value)


@pytest.mark.parametrize("loaded", [False, True])
def test_short_text_routes_agree_with_int(loaded, monkeypatch, no_str_limit):
    """Around each short-text threshold (CPython int, the decimal module, the array path), with and
    without the fused kernels loaded: the product equals Python's, signs, zeros, leading zeros,
    surrounding whitespace and underscores included, and the decimal route runs where it should."""
    from bigmul import text, tuning
    from bigmul.engines import fused

    monkeypatch.setattr(fused, "LOADED", loaded and fused.available())
    th = tuning.current
    top = th.STR_DECIMAL_FUSED_MAX_CHARS if fused.LOADED else th.STR_DECIMAL_MAX_CHARS
    calls = []
    real = text._decimal_product
    monkeypatch.setattr(text, "_decimal_product", lambda s, t: calls.append(1) or real(s, t))
    r = random.Random(17)
    for n in (th.STR_INT_MAX_CHARS, th.STR_INT_MAX_CHARS + 1, top, top + 1):
        for dress in ("{}", "-{}", "+{}", "  {}\n", "-000{}", "{}_1"):
            a = dress.format(digits_of(n - len(dress) + 2, "random", r.randrange(10**6)))
            b = "-" + digits_of(max(1, n - 300), "nines", 1)
            want_a = int(a.replace("_", ""))
            calls.clear()
            assert bigmul.multiply(a, b) == str(want_a * int(b))
            assert bigmul.square(a) == str(want_a * want_a)
            routed = th.STR_INT_MAX_CHARS < max(len(a), len(b)) <= top and "_" not in a
            assert bool(calls) == routed, (n, dress)
    assert bigmul.multiply("-" + "0" * 400, "7" * 400) == "0"
    assert bigmul.multiply("0" * 399 + "3", "-" + "0" * 300 + "4") == "-12"


def test_error_message_is_short_for_huge_garbage():
    junk = "1" * 10**6 + "x" + "2" * 10**6
    with pytest.raises(ValueError) as info:
        bigmul.multiply(junk, "3")
    msg = str(info.value)
    assert "position 1000000" in msg and len(msg) < 200


def test_plans(monkeypatch):
    from bigmul.engines import fused

    assert plan_str(10, 10).method == "direct"
    assert plan_str(10**6, 10**6).method == "fft"
    assert plan_str(10**6, 10**6, "ntt").method == "ntt"
    # The schoolbook's range: ~1000 limbs on the numpy passes, only very unbalanced products once
    # the fused kernels make the text FFT cheap (STR_DIRECT_FUSED_MAX_LIMBS).
    for loaded, balanced in ((False, "direct"), (True, "fft")):
        monkeypatch.setattr(fused, "LOADED", loaded)
        assert plan_str(3000, 3000).method == balanced
        assert plan_str(100, 10**5).method == "direct"
        assert plan_str(3000, 10**5).method == balanced


def test_decimal_route_never_returns_a_rounded_product(monkeypatch, no_str_limit):
    """The decimal route traps Inexact: a context too short for the product (here forced) hands the
    product to the array path instead of returning a rounded one."""
    import decimal

    from bigmul import text

    monkeypatch.setattr(text._contexts, "ctx", decimal.Context(prec=50, traps=[decimal.Inexact]), raising=False)
    a, b = "7" * 600, "-" + "3" * 700
    assert text._decimal_product(a, b) is None
    assert bigmul.multiply(a, b) == str(int(a) * int(b))
    assert text._decimal_product("12", "-3") == "-36"  # short enough for that context: exact
