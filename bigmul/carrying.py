"""Carry propagation: convolution coefficients -> digits of a base, vectorised (numpy or CuPy).

What this is for: turning the coefficient sequence of a product (possibly
negative, as balanced limbs give, and up to 2**63 in size) into digits in
``[0, base)`` without a Python loop over digits, including carry chains that
run the whole length of the number (999...9 x 999...9, (2**k - 1)**2).
What it is not for: choosing limbs or checking products.

Method: a few vectorised passes ``c[k] = c[k] mod B + c[k-1] div B`` shrink
every coefficient to ``[-1, B]`` (the number of passes follows from the
initial extremes); the +1 carries and -1 borrows that remain are resolved by
following them as runs: a carry leaves each position equal to ``B`` and runs
through the positions equal to ``B - 1``; a borrow leaves each -1 and runs
through zeros (``_ripple``).  Each costs a few vectorised passes whatever the
chain lengths.  The same code runs on CuPy arrays for the GPU engine.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .guards import GuardTrip
from .limbs import array_module

__all__ = ["normalize", "regroup", "carry_checked", "carry_pass"]


def _ripple(v: np.ndarray, base: int, up: bool) -> np.ndarray:
    """Resolve the last +1 carries (``up``) or -1 borrows, in place, in O(n) vectorised steps.

    ``up``: values in ``[-1, base]``; each position equal to ``base`` emits a
    carry that runs through the positions equal to ``base - 1`` (which become
    0) and lands on the next position.  Afterwards values are in
    ``[-1, base - 1]``.  ``not up``: each -1 borrows, running through zeros
    (which become ``base - 1``); afterwards values are in ``[0, base - 1]``.
    Positions that emit or pass on a carry are rare for most data, so the work
    is a couple of comparisons over the array plus work on those positions
    only; long chains ((2**k - 1)**2) are handled as runs, not one by one.
    """
    xp = array_module(v)
    n = len(v)
    gen_val, prop_val, delta = (base, base - 1, 1) if up else (-1, 0, -1)
    gen = xp.flatnonzero(v == gen_val)
    if len(gen) == 0:
        return v
    v[gen] -= delta * base
    target = gen + 1
    prop = xp.flatnonzero(v == prop_val)
    if len(prop):
        # Runs of consecutive propagating positions: [starts[i], ends[i]].
        brk = xp.flatnonzero(xp.diff(prop) != 1)
        first = xp.zeros(1, dtype=brk.dtype)
        last = xp.full(1, len(prop) - 1, dtype=brk.dtype)
        starts = prop[xp.concatenate((first, brk + 1))]
        ends = prop[xp.concatenate((brk, last))]
        # A carry landing on a run start ripples to the run's end + 1.
        i = xp.searchsorted(starts, target)
        hit = i < len(starts)
        hit[hit] = starts[i[hit]] == target[hit]
        if bool(hit.any()):
            rs, re = starts[i[hit]], ends[i[hit]]
            lengths = re - rs + 1
            # Every position of the hit runs, rs[j] .. re[j], as one cumulative
            # sum of steps: +1 inside a run, a jump from re[j-1] to rs[j] at
            # each run start (no repeat with array counts: CuPy lacks it).
            steps = xp.ones(int(lengths.sum()), dtype=rs.dtype)
            steps[0] = rs[0]
            if len(rs) > 1:
                steps[(xp.cumsum(lengths) - lengths)[1:]] = rs[1:] - re[:-1]
            v[xp.cumsum(steps)] = prop_val + delta - delta * base
            target = target.copy()
            target[hit] = re + 1
    if int(target.max()) >= n:
        raise OverflowError("carry out of the top limb: not enough headroom")
    # Targets are distinct (a carry leaves each emitting position once and each
    # run has one end), so a plain fancy-index add is exact.
    v[target] += delta
    return v


def _lookahead(v: np.ndarray, base: int) -> np.ndarray:
    """Values in ``[-1, base]`` (little-endian) -> digits in ``[0, base)``, in place."""
    return _ripple(_ripple(v, base, True), base, False)


def carry_pass(c: np.ndarray, base: int, bits: int) -> np.ndarray:
    """One pass: ``c[k] mod base + c[k-1] div base`` (floor division; in place where possible)."""
    if bits:
        hi = c >> bits
        c &= base - 1
    else:
        hi, c = array_module(c).divmod(c, base)
    c[1:] += hi[:-1]
    if hi[-1]:
        raise OverflowError("carry out of the top limb: not enough headroom")
    return c


def _int64(xp: Any, c: Any, copy: bool) -> Any:
    """``c`` as int64: a copy when asked (or when the dtype differs), else ``c`` itself."""
    if not copy and isinstance(c, xp.ndarray) and c.dtype == xp.int64:
        return c
    return xp.array(c, dtype=xp.int64)


def normalize(c: np.ndarray, base: int, *, copy: bool = True) -> np.ndarray:
    """Little-endian int64 coefficients whose value is non-negative -> digits in ``[0, base)``.

    The array must have headroom: enough zero positions at the top to hold
    every carry (the caller knows the product length).  Returns a new int64
    array of the same length (``copy=False``: an int64 input is carried in
    place and returned).

    >>> normalize(np.array([18, 27, 28, 13, 4, 0, 0]), 10).tolist()
    [8, 8, 0, 6, 5, 0, 0]
    >>> normalize(np.array([-1, 0, 1, 0]), 256).tolist()  # 256**2 - 1
    [255, 255, 0, 0]
    """
    xp = array_module(c)
    c = _int64(xp, c, copy)  # carried in place below
    if len(c) == 0:
        return c
    pow2 = base & (base - 1) == 0
    bits = base.bit_length() - 1 if pow2 else 0
    # Each pass maps |c| <= M to values in [-1, base] once M < base, and
    # otherwise to |c| <= base - 1 + ceil(M / base): count the passes from
    # the initial extremes instead of re-measuring after every pass.
    mx, mn = int(c.max()), int(c.min())
    hi_m, lo_m = mx, mn
    while hi_m > base or lo_m < -1:
        c = carry_pass(c, base, bits)
        hi_m = base - 1 + max(hi_m, 0) // base
        lo_m = min(lo_m, 0) // base
    return _lookahead(c, base)


def regroup(c: np.ndarray, base: int, group: int, *, copy: bool = True) -> np.ndarray:
    """Little-endian coefficients in ``base`` -> the same value in ``base**group`` (int64).

    Combining ``group`` neighbours first (``c'[j] = sum c[g*j + i] base**i``)
    halves (or better) the work of every later carry pass and of formatting.
    Runs carry passes in ``base`` first while the combined values could reach
    ``2**62``.  The result has no digit constraint; :func:`normalize` it.

    >>> regroup(np.array([18, 27, 28, 13, 4, 0]), 10, 2).tolist()
    [288, 158, 4]
    """
    xp = array_module(c)
    c = _int64(xp, c, copy)
    if group == 1:
        return c
    pow2 = base & (base - 1) == 0
    bits = base.bit_length() - 1 if pow2 else 0
    span = (base ** group - 1) // (base - 1)
    m = max(int(c.max()), -int(c.min()), 0) if len(c) else 0
    while m * span >= 2 ** 62:
        c = carry_pass(c, base, bits)
        m = base + m // base
    pad = (-len(c)) % group
    if pad:
        c = xp.concatenate([c, xp.zeros(pad, dtype=xp.int64)])
    v = c.reshape(-1, group)
    out = v[:, group - 1].copy()
    for i in range(group - 2, -1, -1):
        out *= base
        out += v[:, i]
    return out


def carry_checked(c: Any, base: int, group: int = 1) -> Any:
    """Carry engine coefficients (after regrouping ``group`` neighbours) in place.

    A carry out of the top limb means the coefficients cannot be a product of
    these operands, so it is reported as a tripped guard (``GuardTrip('carry')``).

    >>> carry_checked(np.array([18, 27, 28, 13, 4, 0, 0]), 10).tolist()
    [8, 8, 0, 6, 5, 0, 0]
    """
    try:
        if group > 1:
            return normalize(regroup(c, base, group, copy=False), base ** group, copy=False)
        return normalize(c, base, copy=False)
    except OverflowError as exc:
        raise GuardTrip("carry", 0.0) from exc
