"""Exact number-theoretic transform engine: three 31-bit primes and CRT, integers only.

What this is for: ``method="ntt"`` and the exact fallback of the float FFT.
No floating point anywhere: residues live in ``uint64`` and every product of
two residues is below ``2**62``.
What it is not for: speed -- it is several times slower than the float FFT;
``auto`` uses it only when a guard trips.

Transform: iterative radix-2, decimation in frequency forward (natural order
in, bit-reversed out) and decimation in time inverse (bit-reversed in,
natural out), so no bit-reversal permutation is ever needed.  Lengths are
powers of two up to ``2**bounds.NTT_MAX_LOG2``.  Reconstruction is Garner's
mixed-radix CRT: ``c = t1 + p1*t2 + p1*p2*t3`` with ``0 <= ti < pi``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from typing import Callable

from .. import memory
from ..bounds import NTT_MAX_LOG2, NTT_MODULUS, NTT_PRIMES
from ..guards import powers_mod

__all__ = ["ntt_length", "ntt_residues", "ntt_convolve_signed", "ntt_value_rep", "ntt_workspace_bytes",
           "coefficients"]


def ntt_length(n1: int, n2: int) -> int:
    """Power-of-two transform length for a linear convolution.

    >>> ntt_length(3, 3)
    8
    """
    need = n1 + n2 - 1
    L = 1 << max(1, (need - 1).bit_length())
    if L > (1 << NTT_MAX_LOG2):
        raise ValueError(f"convolution of length {need} exceeds the NTT limit 2**{NTT_MAX_LOG2}")
    return L


def ntt_workspace_bytes(n1: int, n2: int) -> int:
    """Peak working memory (bytes, an upper estimate)."""
    L = 1 << max(1, (n1 + n2 - 2).bit_length())
    return 12 * 8 * L


@lru_cache(maxsize=64)
def _twiddles(p: int, g: int, L: int, inverse: bool) -> np.ndarray:
    """``w**j mod p`` for ``j < L/2``, ``w`` a primitive ``L``-th root (read-only, cached)."""
    w = pow(g, (p - 1) // L, p)
    if inverse:
        w = pow(w, p - 2, p)
    return powers_mod(w, p, max(L // 2, 1))


def _forward(a: np.ndarray, p: int, g: int) -> None:
    L = len(a)
    P = np.uint64(p)
    W = _twiddles(p, g, L, False)
    m = L
    while m >= 2:
        h = m // 2
        v = a.reshape(-1, 2, h)
        u = v[:, 0, :].copy()
        t = v[:, 1, :]
        s = u + t
        np.subtract(s, P, out=s, where=s >= P)
        d = u + P - t
        np.subtract(d, P, out=d, where=d >= P)
        d *= W[:: L // m][:h]
        d %= P
        v[:, 0, :] = s
        v[:, 1, :] = d
        m = h


def _inverse(a: np.ndarray, p: int, g: int) -> None:
    L = len(a)
    P = np.uint64(p)
    W = _twiddles(p, g, L, True)
    m = 2
    while m <= L:
        h = m // 2
        v = a.reshape(-1, 2, h)
        u = v[:, 0, :].copy()
        t = v[:, 1, :] * W[:: L // m][:h]
        t %= P
        s = u + t
        np.subtract(s, P, out=s, where=s >= P)
        d = u + P - t
        np.subtract(d, P, out=d, where=d >= P)
        v[:, 0, :] = s
        v[:, 1, :] = d
        m *= 2
    a *= np.uint64(pow(L, p - 2, p))
    a %= P


def _residues_one(x: np.ndarray, y: np.ndarray | None, L: int, p: int, g: int, n: int) -> np.ndarray:
    P = np.uint64(p)
    ax = np.zeros(L, dtype=np.uint64)
    ax[: len(x)] = np.mod(x, p).astype(np.uint64)
    _forward(ax, p, g)
    if y is None:
        ax *= ax
    else:
        ay = np.zeros(L, dtype=np.uint64)
        ay[: len(y)] = np.mod(y, p).astype(np.uint64)
        _forward(ay, p, g)
        ax *= ay
    ax %= P
    _inverse(ax, p, g)
    return ax[:n]


def ntt_residues(x: np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Garner digits ``(t1, t2, t3)`` of the convolution mod ``p1 p2 p3``.

    ``x``/``y`` are int64 (any sign); ``c mod P = t1 + p1*t2 + p1*p2*t3``.

    >>> t1, t2, t3 = ntt_residues(np.array([3, 2, 1]), np.array([6, 5, 4]))
    >>> t1.tolist(), int(t2.max()), int(t3.max())
    ([18, 27, 28, 13, 4], 0, 0)
    """
    n1 = len(x)
    n2 = n1 if y is None else len(y)
    n = n1 + n2 - 1
    L = ntt_length(n1, n2)
    (p1, g1, _), (p2, g2, _), (p3, g3, _) = NTT_PRIMES
    r1 = _residues_one(x, y, L, p1, g1, n)
    r2 = _residues_one(x, y, L, p2, g2, n)
    r3 = _residues_one(x, y, L, p3, g3, n)
    P2, P3 = np.uint64(p2), np.uint64(p3)
    inv_p1_m2 = np.uint64(pow(p1, -1, p2))
    inv_p1_m3 = np.uint64(pow(p1, -1, p3))
    inv_p2_m3 = np.uint64(pow(p2, -1, p3))
    t1 = r1
    t2 = (r2 + P2 - t1 % P2) % P2 * inv_p1_m2 % P2
    # t3 = ((r3 - t1) / p1 - t2) / p2  (mod p3)
    u = (r3 + P3 - t1 % P3) % P3 * inv_p1_m3 % P3
    t3 = (u + P3 - t2 % P3) % P3 * inv_p2_m3 % P3
    return t1, t2, t3


def ntt_value_rep(x: np.ndarray, y: np.ndarray | None, base: int) -> np.ndarray:
    """Coefficients of a non-negative convolution as int64 terms with the same value in ``base``.

    Returns ``r`` (length ``n1 + n2 + 3``) with ``sum r[k] base**k == sum c[k] base**k``
    and every ``0 <= r[k] < 2**63``: the ``p1*p2*t3`` part is spread over the
    base-``base`` digits of ``p1*p2``.  Needs ``2**16 <= base <= 2**24`` and every true
    coefficient below ``p1 p2 p3`` (``bounds.ntt_limit_ok``).
    """
    if not 1 << 16 <= base <= 1 << 24:
        raise ValueError("ntt_value_rep needs 2**16 <= base <= 2**24")
    t1, t2, t3 = ntt_residues(x, y)
    p1, p2 = NTT_PRIMES[0][0], NTT_PRIMES[1][0]
    n = len(t1)
    r = np.zeros(n + 4, dtype=np.int64)
    r[:n] = (t1 + np.uint64(p1) * t2).view(np.int64)
    q = p1 * p2
    j = 0
    while q:
        q, qj = divmod(q, base)
        if qj:
            r[j: j + n] += (t3 * np.uint64(qj)).view(np.int64)
        j += 1
    return r


def ntt_convolve_signed(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact signed convolution as int64; every true coefficient must satisfy ``|c| < 2**63``.

    Arithmetic is modulo ``2**64`` (wrapping ``uint64``), which is exact for
    the true value once the symmetric residue decides the sign.

    >>> ntt_convolve_signed(np.array([-3, 2]), np.array([5, -7])).tolist()
    [-15, 31, -14]
    """
    t1, t2, t3 = ntt_residues(x, y)
    p1, p2, p3 = (p for p, _, _ in NTT_PRIMES)
    with np.errstate(over="ignore"):
        v = t1 + np.uint64(p1) * t2 + np.uint64((p1 * p2) % 2 ** 64) * t3
        half3 = np.uint64((p3 - 1) // 2)
        low = t1 + np.uint64(p1) * t2  # < p1 p2 < 2**63: no wrap
        negative = (t3 > half3) | ((t3 == half3) & (low >= np.uint64((p1 * p2 + 1) // 2)))
        v = np.where(negative, v - np.uint64(NTT_MODULUS % 2 ** 64), v)
    return v.view(np.int64)


def coefficients(x: np.ndarray, y: np.ndarray | None, base: int,
                 side_job: Callable[[], object] | None = None) -> np.ndarray:
    """The engine interface: exact coefficients (with headroom) by three-prime NTT and CRT.

    The terms are spread over digits of ``base`` (>= 2**16: ``p1*p2`` fits in 4 of its digits):

    >>> from bigmul.carrying import normalize
    >>> normalize(coefficients(np.array([3, 2, 1]), np.array([6, 5, 4]), 2**24), 2**24)[:3].tolist()
    [18, 27, 28]
    """
    if side_job is not None:
        side_job()
    n1 = len(x)
    n2 = n1 if y is None else len(y)
    memory.check_memory(ntt_workspace_bytes(n1, n2) + 16 * (n1 + n2), f"an NTT product of {n1} x {n2} limbs")
    return ntt_value_rep(x, y, base)
