"""Small-prime NTT engine: an int product by number-theoretic transforms modulo three primes below ``2**31``.

What this is for: the ``ntt`` step with the ``fused`` route (``routes.ntt_int_product``):
large int products with a fraction of the float FFT's memory.  Each limb is one
of the operand's own 30-bit digits (no split pass) -- or 31 to 33 bits where
that halves the power-of-two length (``limb_width``) -- each residue a ``uint32``
(4 bytes per point against the float FFT's 16 per complex point of 9-16-bit limbs),
and the CRT writes the carried product straight into the result int's digits.
What it is not for: small products (a fixed cost of ~15 kernel calls per
product; the plan's crossover is ``tuning.NTT_FUSED_MIN_BITS``), or products of
more than ``2**25`` limbs (the transform length the primes allow).

Why it is exact (no floating point anywhere):

- Every value is an integer modulo a prime, so each prime's transform,
  pointwise product and inverse give the cyclic convolution of the limbs
  modulo that prime exactly; with ``L >= n1 + n2 - 1`` nothing wraps, so they
  are the true coefficients ``c_k`` modulo ``p``.  The kernels' own bounds
  (Montgomery products below ``2p``, sums below ``2**33``) are in ``jit_ntt.py``.
- ``0 <= c_k <= min(n1, n2) * (2**w - 1)**2``: below ``2**25 * 2**60 = 2**85`` for
  30-bit limbs at the longest length, and below ``2**24 * 2**66 = 2**90`` for wider
  limbs (used only at half a length, so at most ``2**24``); both below ``p1 p2 p3``
  (~2**92.6), so Garner's reconstruction from the three residues is ``c_k`` itself
  (``tests/test_smallprime.py`` checks both bounds).
- The CRT's carry chain keeps every sum below ``2**64`` in two words (``jit_ntt.crt_pack_k``).
- Guard: the product is checked modulo the two random limb primes
  (``guards.check_product``) like every other route; a wrong root, a
  corrupted residue or a dropped carry is caught there (fault injection:
  ``ntt_root``, ``ntt_corrupt``, ``drop_carry``), and the plan's next step
  (the float FFT) computes the product instead.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from math import gcd
from typing import Any, Callable

import numpy as np

from .. import tuning
from ..bounds import NTT_MAX_LOG2, NTT_PRIMES
from . import workspace

__all__ = ["MIN_LOG2", "MAX_LIMBS", "available", "kernels", "shape", "workspace_bytes", "tables", "convolve_digits"]

#: The shortest transform: 16 x 16 (the passes work on 16 lanes).
MIN_LOG2 = 8
#: The most coefficients a product may have (the primes' common power of two).
MAX_LIMBS = 1 << NTT_MAX_LOG2
_R = 1 << 32
_lock = threading.Lock()


def available() -> bool:
    """Whether numba imports (the engine's kernels are numba's)."""
    from . import fused

    return fused.available()


@lru_cache(maxsize=1)
def kernels() -> Any:
    """The compiled kernels (``jit_ntt.py``: compiled once, then from numba's disk cache)."""
    from . import jit_ntt

    return jit_ntt


def shape(n: int) -> tuple[int, int, int]:
    """``(L, n1, n2)``: the power-of-two length ``L >= n`` (at least ``2**MIN_LOG2``) read as
    ``n2`` rows of ``n1 >= n2`` points.

    >>> shape(1000), shape(300_000)
    ((1024, 32, 32), (524288, 1024, 512))
    """
    if n > MAX_LIMBS:
        raise ValueError(f"an NTT product of {n} coefficients exceeds the limit 2**{NTT_MAX_LOG2}")
    lg = max(MIN_LOG2, (n - 1).bit_length())
    n2 = 1 << (lg // 2)
    return 1 << lg, (1 << lg) // n2, n2


def workspace_bytes(n: int) -> int:
    """Working memory of a product of ``n`` coefficients (an upper estimate): two transform buffers
    and three residue arrays."""
    L = shape(n)[0]
    return 4 * (2 * L + 3 * n)


class Tables:
    """One prime's constants for one length: stage twiddles (forward ``W1``/``W2``, inverse
    ``Wi1``/``Wi2``) and four-step twiddles (``TA``/``STEP``, inverse ``TAi``/``STEPi``), all in
    Montgomery form; ``p``, ``pinv = -1/p mod 2**32`` and ``one = 2**32 mod p`` as ``uint64``."""

    def __init__(self, p: int, g: int, L: int, n1: int, n2: int) -> None:
        self.p, self.pinv, self.one = np.uint64(p), np.uint64(-pow(p, -1, _R) % _R), np.uint64(_R % p)
        w = pow(g, (p - 1) // L, p)
        self.W1, self.W2, self.TA, self.STEP = self._for_root(w, n1, n2)
        self.W1i, self.W2i, self.TAi, self.STEPi = self._for_root(pow(w, p - 2, p), n1, n2)

    def _for_root(self, root: int, n1: int, n2: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The stage tables of the rows and columns and the four-step twiddles of a primitive ``L``-th root."""
        k = kernels()
        p = int(self.p)
        W1 = np.empty(n1, dtype=np.uint32)
        W2 = np.empty(n2, dtype=np.uint32)
        k.stage_table_k(W1, n1, np.uint64(pow(root, n2, p) * _R % p), self.p, self.pinv, self.one)
        k.stage_table_k(W2, n2, np.uint64(pow(root, n1, p) * _R % p), self.p, self.pinv, self.one)
        TA = np.empty((n2, k.G), dtype=np.uint32)
        STEP = np.empty(n2, dtype=np.uint32)
        k.four_table_k(TA, STEP, n2, np.uint64(root * _R % p), self.p, self.pinv, self.one)
        return W1, W2, TA, STEP


@lru_cache(maxsize=48)
def tables(p: int, g: int, L: int) -> Tables:
    """The constants of prime ``p`` (primitive root ``g``) for length ``L`` (cached)."""
    _, n1, n2 = shape(L)
    return Tables(p, g, L, n1, n2)


def _split(f: Callable[[int, int], object], count: int, step: int, threads: int) -> None:
    """``f(lo, hi)`` over ``[0, count)`` in multiples of ``step``: two halves on two threads, or one call."""
    if threads < 2 or count < 2 * step:
        f(0, count)
        return
    from .pool import executor

    mid = (count // step // 2) * step
    fut = executor().submit(f, mid, count)
    try:
        f(0, mid)
    finally:
        fut.result()


def prime_residues(da: np.ndarray, nx: int, db: np.ndarray | None, ny: int, n: int, prime: tuple[int, int],
                   A: np.ndarray, B: np.ndarray, out: np.ndarray, threads: int) -> np.ndarray:
    """The first ``n`` coefficients of the product of limb arrays ``da[:nx]`` and ``db[:ny]``
    (``db=None``: the square; limbs below ``2**33``) modulo one prime, as the inverse leaves them
    (times ``L / R``), in ``out``; ``A``/``B``: transform buffers of a length ``shape`` gives."""
    k = kernels()
    p, g = prime
    L, n1, n2 = shape(len(A))
    t = tables(p, g, L)
    G = k.G
    P, q, one = t.p, t.pinv, t.one
    if db is not None:
        _split(lambda lo, hi: k.col_fwd_k(db, ny, B, n1, n2, lo, hi, t.W2, t.TA, t.STEP, P, q, one),
               n1 // G, 1, threads)
        _split(lambda lo, hi: k.row_fwd_k(B, n1, lo, hi, t.W1, P, q), n2, G, threads)
    _split(lambda lo, hi: k.col_fwd_k(da, nx, A, n1, n2, lo, hi, t.W2, t.TA, t.STEP, P, q, one), n1 // G, 1, threads)
    _split(lambda lo, hi: k.row_mul_inv_k(A, A if db is None else B, db is None, n1, lo, hi, t.W1, t.W1i, P, q),
           n2, G, threads)
    _split(lambda lo, hi: k.col_inv_k(A, out, n, n1, n2, lo, hi, t.W2i, t.TAi, t.STEPi, P, q, one),
           n1 // G, 1, threads)
    return out


def crt_constants(L: int) -> tuple[np.ndarray, np.ndarray]:
    """``(P, C)`` for ``jit_ntt.crt_pack_k`` at length ``L``."""
    (p1, _, _), (p2, _, _), (p3, _, _) = NTT_PRIMES
    P = np.array([p1, p2, p3] + [-pow(p, -1, _R) % _R for p in (p1, p2, p3)], dtype=np.uint64)
    C = np.array([_R * _R * pow(L, -1, p) % p for p in (p1, p2, p3)]
                 + [_R * pow(p1, -1, p2) % p2, _R * pow(p1, -1, p3) % p3, _R * pow(p2, -1, p3) % p3], dtype=np.uint64)
    return P, C


def crt_carry(R: list[np.ndarray], n: int, L: int, w: int, out: np.ndarray, threads: int,
              drop_at: int = -1) -> tuple[int, bool]:
    """The coefficients (base ``2**w``) from their three residue arrays ``R``, carried and packed
    into 30-bit digits ``out`` (all of it: digits past the coefficients get the carry); two halves
    on two threads, split where a whole digit begins, the lower half's carry then added into the
    upper digits.  Returns ``(carry past out's end, dropped)``: a nonzero carry means the product
    does not fit ``out``; ``dropped``: ``drop_at`` (fault injection) lost a carry."""
    k = kernels()
    P, C = crt_constants(L)
    step = 30 // gcd(w, 30)  # coefficients per whole number of digits
    if threads < 2 or n < tuning.current.NTT_CRT_SPLIT_MIN_LIMBS:
        c, over, d = k.crt_pack_k(R[0], R[1], R[2], 0, n, w, P, C, out, True, drop_at)
        return int(c) or int(over), bool(d)
    from .pool import executor

    mid = n // 2 // step * step
    fut = executor().submit(k.crt_pack_k, R[0], R[1], R[2], mid, n, w, P, C, out, True, drop_at)
    c_lo, over_lo, d_lo = k.crt_pack_k(R[0], R[1], R[2], 0, mid, w, P, C, out, False, drop_at)
    c_hi, over_hi, d_hi = fut.result()
    from . import jit  # the fused kernels' carry-in (loaded: the route's modular check uses them)

    absorbed = jit.carry_in_k(out, mid * w // 30, np.int64(c_lo))  # c_lo < 2**(w + 26): fits int64
    return int(c_hi) or int(not absorbed) or int(over_lo) or int(over_hi), bool(d_lo or d_hi)


def limb_width(bits_x: int, bits_y: int) -> tuple[int, int, int, int]:
    """``(w, n_x, n_y, L)``: limbs of ``w`` bits (30: the ints' own digits; 31 to 33 where that
    halves the transform length ``L``), how many each operand has, and the length.

    >>> limb_width(33_219_281, 33_219_281)  # 10**7 digits: 2**22 points with 30-bit limbs, 2**21 with 32
    (32, 1038103, 1038103, 2097152)
    >>> limb_width(3000, 3000)
    (30, 100, 100, 256)
    """
    nx, ny = -(-bits_x // 30), -(-bits_y // 30)
    L = shape(nx + ny - 1)[0]
    if L > 1 << MIN_LOG2:
        for w in (31, 32, 33):
            mx, my = -(-bits_x // w), -(-bits_y // w)
            if mx + my - 1 <= L // 2:
                return w, mx, my, L // 2
    return 30, nx, ny, L


def convolve_digits(da: np.ndarray, nx: int, db: np.ndarray | None, ny: int, out: np.ndarray,
                    threads: int = 1, drop_at: int = -1) -> tuple[int, bool]:
    """The product of the numbers with 30-bit digits ``da[:nx]`` and ``db[:ny]`` (``db=None``:
    the square; top digits non-zero) as 30-bit digits in ``out`` (every digit written; at least
    ``nx + ny - 1`` of them).  Returns :func:`crt_carry`'s ``(carry past the end, dropped)``.

    >>> import numpy as np
    >>> out = np.zeros(4, dtype=np.uint32)
    >>> convolve_digits(np.array([5, 1], np.uint32), 2, np.array([7], np.uint32), 1, out)
    (0, False)
    >>> out.tolist()  # (5 + 2**30) * 7
    [35, 7, 0, 0]
    """
    square = db is None
    if len(out) < nx + (nx if square else ny) - 1:
        raise ValueError(f"{len(out)} digits for a product of {nx} x {ny} digits")
    bx = 30 * (nx - 1) + int(da[nx - 1]).bit_length()
    by = bx if db is None else 30 * (ny - 1) + int(db[ny - 1]).bit_length()
    w, mx, my, L = limb_width(bx, by)
    n = mx + (mx if square else my) - 1
    limbs = 0 if w == 30 else mx + (0 if square else my)
    # The first prime's residues go into out itself where the limbs are its digits (the CRT reads
    # each R1[k] before it writes out[k], jit_ntt.crt_pack_k), the third's into B (free by then).
    sizes = [4 * L, 0 if square else 4 * L, 0 if w == 30 else 4 * n, 4 * n, 4 * n if square else 0, 8 * limbs]
    offsets = [0]
    for size in sizes:
        offsets.append(offsets[-1] + -(-size // 64) * 64)
    with workspace.raw(offsets[-1]) as blk:  # kept between products where it fits the budget
        def part(i: int, dtype: type) -> np.ndarray:
            return blk[offsets[i]:offsets[i] + sizes[i]].view(dtype)

        A = part(0, np.uint32)
        B = A if square else part(1, np.uint32)
        x, y = da, db
        if w != 30:  # limbs across digits, once for the three primes
            k = kernels()
            xy = part(5, np.uint64)
            x = xy[:mx]
            k.limbs_k(da, w, mx, x)
            if db is not None:
                y = xy[mx:]
                k.limbs_k(db, w, my, y)
        into = [out[:n] if w == 30 else part(2, np.uint32), part(3, np.uint32),
                part(4, np.uint32) if square else B[:n]]
        R = [prime_residues(x, mx, y, my, n, (p, g), A, B, into[i], threads)
             for i, (p, g, _) in enumerate(NTT_PRIMES)]
        return crt_carry(R, n, L, w, out, threads, drop_at)
