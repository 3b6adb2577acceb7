"""Convolution of wide int64 coefficients by splitting them into pieces the float FFT handles exactly.

What this is for: ``convolve`` of int64 sequences whose coefficient products
are too large for a float FFT of the values themselves (the bound fails) but
whose values are still machine integers (20 to 63 bits).  Each value is
written in ``s`` balanced pieces of ``b`` bits,
``v = sum_i p_i * 2**(b*i)`` with ``p_i`` in ``[-2**(b-1), 2**(b-1))``; the
pieces are transformed once each, and for every ``k`` the spectra products
``sum_{i+j=k} P_i * Q_j`` are transformed back to the exact integer
convolutions ``C_k = sum_{i+j=k} p_i * q_j``; then
``c = sum_k C_k * 2**(b*k)`` -- in int64 when the result fits, else by one
vectorized carry pass into two's complement bytes read as Python ints.
What it is not for: coefficients wider than int64 (``kronecker.py``) or
choosing between the two (``plan.py``).

Why it is exact: ``bounds.piece_bits`` picks ``b`` so that Percival's bound
for one piece product, times the number of products summed into one
``C_k``, stays below the round-off limit, and every ``|C_k|`` stays below
``2**53``; the run-time round-off and magnitude guards check each ``C_k``,
and the caller checks the result at a random point modulo two primes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .guards import GuardTrip, check_float

__all__ = ["split", "piece_convolutions", "combine_int64", "combine_bytes"]


def split(v: np.ndarray, b: int, s: int) -> np.ndarray:
    """``s`` balanced ``b``-bit pieces of int64 values, as float64 rows: ``v = sum_i out[i] * 2**(b*i)``.

    ``GuardTrip('magnitude')`` when ``s`` pieces do not hold every value.

    >>> split(np.array([1000, -1000, 2**40]), 8, 6).T.tolist()[0]
    [-24.0, 4.0, 0.0, 0.0, 0.0, 0.0]
    """
    r = np.array(v, dtype=np.int64)
    out = np.empty((s, len(r)), dtype=np.float64)
    mask, half = (1 << b) - 1, 1 << (b - 1)
    for i in range(s):
        p = r & mask
        hi = p >= half
        out[i] = p - (hi.astype(np.int64) << b)
        r >>= b          # (r - piece) / 2**b, written so that it cannot overflow
        r += hi
    if r.any():
        raise GuardTrip("magnitude", float(s * b))
    return out


def piece_convolutions(px: np.ndarray, py: np.ndarray | None, n_out: int) -> list[np.ndarray]:
    """The exact int64 convolutions ``C_k = sum_{i+j=k} px[i] * py[j]`` (``py=None``: ``px`` with itself).

    Each piece is transformed once (all pieces of a side in one batched call,
    on every core); round-off and magnitude are checked on every ``C_k``.
    """
    from .engines import fft

    n1 = px.shape[1]
    n2 = n1 if py is None else py.shape[1]
    L = fft.transform_length(n1, n2)
    PX = fft.forward(px, L)
    PY = PX if py is None else fft.forward(py, L)
    sx, sy = len(PX), len(PY)
    S = np.zeros((sx + sy - 1, PX.shape[1]), dtype=np.complex128)
    for i in range(sx):
        for j in range(sy):
            if py is None and j < i:
                continue  # squares: P_i * P_j once, doubled
            t = PX[i] * PY[j]
            if py is None and j > i:
                t *= 2
            S[i + j] += t
    Z = fft.inverse(S, L)[:, :n_out]
    R = np.rint(Z)
    check_float(float(np.max(np.abs(Z - R))), float(np.max(np.abs(R))))
    return list(R.astype(np.int64))


def combine_int64(C: list[np.ndarray], b: int) -> np.ndarray:
    """``sum_k C[k] * 2**(b*k)`` in int64 (the caller has proven ``|result| < 2**62``).

    Horner from the top: every partial value is the result's high part plus
    less than ``2 * max|C_k|``, so nothing overflows.

    >>> combine_int64([np.array([3]), np.array([-1]), np.array([2])], 4).tolist()
    [499]
    """
    acc = C[-1].copy()
    for c in reversed(C[:-1]):
        acc <<= b
        acc += c
    return acc


def combine_bytes(C: list[np.ndarray], b: int, value_bits: int) -> np.ndarray:
    """``sum_k C[k] * 2**(b*k)`` per position as two's complement bytes, shape ``(n, 8 * words)``.

    ``value_bits``: every result is below ``2**value_bits`` in magnitude.  One
    carry pass over the ``k`` axis (vectorized over positions) turns the
    ``C_k`` into digits in ``[0, 2**b)`` and a final sign, packed into 64-bit
    words with the sign extended.
    """
    n = len(C[0])
    K = -(-(value_bits + 1) // b) + 1
    words = -(-(K * b + 1) // 64)
    W = np.zeros((n, words), dtype=np.uint64)
    mask = np.int64((1 << b) - 1)
    carry: np.ndarray = np.zeros(n, dtype=np.int64)
    for k in range(K):
        t: np.ndarray = carry + C[k] if k < len(C) else carry
        d = (t & mask).astype(np.uint64)
        carry = t >> b
        w, off = divmod(b * k, 64)
        W[:, w] |= d << np.uint64(off)
        if off + b > 64:
            W[:, w + 1] |= d >> np.uint64(64 - off)
    if ((carry != 0) & (carry != -1)).any():
        raise GuardTrip("magnitude", float(value_bits))  # the value does not fit: the bound was wrong
    neg = carry == -1
    if neg.any():  # sign-extend: ones from bit K*b up
        w, off = divmod(K * b, 64)
        W[neg, w] |= ~np.uint64(0) << np.uint64(off)
        W[neg, w + 1:] = ~np.uint64(0)
    return W.view(np.uint8).reshape(n, 8 * words)
