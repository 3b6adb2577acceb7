"""Carry propagation: convolution coefficients -> digits of a base, vectorised.

What this is for: turning the coefficient sequence of a product (possibly
negative, as balanced limbs give, and up to 2**63 in size) into digits in
``[0, base)`` without a Python loop over digits, including carry chains that
run the whole length of the number (999...9 x 999...9, (2**k - 1)**2).
What it is not for: choosing limbs or checking products.

Method: a few vectorised passes ``c[k] = c[k] mod B + c[k-1] div B`` shrink
every coefficient to ``[-1, B]``; the 0/1 carries that remain are resolved in
one step by a carry-lookahead (the carry into position k comes from the last
position below k that is not ``B - 1``), done with ``np.maximum.accumulate``.
A remaining -1 (a borrow) is resolved the same way on the complement.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["normalize", "carry"]


def _lookahead(v: np.ndarray, base: int) -> np.ndarray:
    """Values in ``[0, base]`` (little-endian) -> digits in ``[0, base)``.

    The carry out of the top position must be zero (the caller leaves headroom).
    """
    gen = v == base
    if not gen.any():
        return v
    n = len(v)
    idx = np.where(v != base - 1, np.arange(n, dtype=np.int64), -1)
    np.maximum.accumulate(idx, out=idx)
    cin = np.zeros(n, dtype=v.dtype)
    prev = idx[:-1]
    cin[1:] = (prev >= 0) & gen[prev]
    out = v + cin
    out[out >= base] -= base
    return out


def _carry_pass(c: np.ndarray, base: int, bits: int) -> np.ndarray:
    """One pass: ``c[k] mod base + c[k-1] div base`` (floor division; in place where possible)."""
    if bits:
        hi = c >> bits
        c &= base - 1
    else:
        hi, c = np.divmod(c, base)
    c[1:] += hi[:-1]
    if hi[-1]:
        raise OverflowError("carry out of the top limb: not enough headroom")
    return c


def normalize(c: np.ndarray, base: int) -> np.ndarray:
    """Little-endian int64 coefficients whose value is non-negative -> digits in ``[0, base)``.

    The array must have headroom: enough zero positions at the top to hold
    every carry (the caller knows the product length).  Returns a new int64
    array of the same length.

    >>> normalize(np.array([18, 27, 28, 13, 4, 0, 0]), 10).tolist()
    [8, 8, 0, 6, 5, 0, 0]
    >>> normalize(np.array([-1, 0, 1, 0]), 256).tolist()  # 256**2 - 1
    [255, 255, 0, 0]
    """
    c = np.asarray(c, dtype=np.int64).copy()
    if len(c) == 0:
        return c
    pow2 = base & (base - 1) == 0
    bits = base.bit_length() - 1
    while True:
        mx = int(c.max())
        mn = int(c.min())
        if mx <= base and mn >= -1:
            break
        c = _carry_pass(c, base, bits if pow2 else 0)
    if mn >= 0:
        return _lookahead(c, base)
    # Split off the borrows: value = P - N with P digits in [0, base], N in {0, 1}.
    neg = c == -1
    c[neg] = 0
    d = _lookahead(c, base)
    # D - N = (B^n - 1) - ((B^n - 1) - D + N): complement, add, complement.
    comp = (base - 1) - d + neg
    if comp[-1] > base - 1:
        raise OverflowError("negative product in carry: coefficients do not form a non-negative number")
    return (base - 1) - _lookahead(comp, base)


def _as_coeffs(coeffs: Any) -> np.ndarray:
    from .digits import _as_digit_array

    return _as_digit_array(coeffs, "coeffs")


def carry(coeffs: Sequence[int] | np.ndarray, base: int) -> np.ndarray:
    """Normalise non-negative coefficients (most significant first) into digits of ``base``.

    The result is most significant first with no leading zeros (``[0]`` for
    zero).  Coefficients may be any size (int64 or Python ints in an object
    array); ``base`` is any integer >= 2.

    >>> carry([4, 13, 28, 27, 18], 10).tolist()
    [5, 6, 0, 8, 8]
    >>> carry([99, 99], 10).tolist()
    [1, 0, 8, 9]
    """
    from .digits import _check_base, to_digits

    base = _check_base(base)
    arr = _as_coeffs(coeffs)
    if arr.size == 0:
        return np.zeros(1, dtype=np.int64)
    if arr.dtype == object:
        vals = [int(v) for v in arr]
        if min(vals) < 0:
            raise ValueError("coeffs must be non-negative")
        big = max(vals)
    else:
        if int(arr.min()) < 0:
            raise ValueError("coeffs must be non-negative")
        big = int(arr.max())
    if base >= 2 ** 31 or big >= 2 ** 62:
        # Exact but not vectorised: value by Horner-free pairwise sum, then digits.
        from .digits import _from_digits_dc

        vals = [int(v) for v in arr]
        # _from_digits_dc does not check digit range, so it evaluates any coefficients.
        return to_digits(_from_digits_dc(vals, base), base)
    # Headroom: the value is < big * base**n * base / (base - 1), so the extra
    # digits are those of 2 * big.
    extra = len(to_digits(2 * big + 1, base)) + 1
    c = np.zeros(len(arr) + extra, dtype=np.int64)
    c[: len(arr)] = arr[::-1]
    d = normalize(c, base)
    nz = np.flatnonzero(d)
    if len(nz) == 0:
        return np.zeros(1, dtype=np.int64)
    return d[: nz[-1] + 1][::-1].copy()
