"""Four-step (Bailey) real FFT convolution: batched transforms on every core.

What this is for: long float64 convolutions, where scipy's 1-D transform
runs on one core without vectorising across butterflies while its *batched*
transforms along an axis are vectorised and honour ``workers=``.  The same
decomposition is what a blocked (distributed) engine would run block by block.
What it is not for: short lengths (the 1-D transform is faster there; the
crossover is ``tuning.current.FOURSTEP_MIN_LEN``) or choosing limb widths.

The transform, for ``L = n1 * n2`` (``n1`` even) and a real signal ``x``
viewed as an ``n1 x n2`` matrix ``x[j1, j2] = x[j1 * n2 + j2]``::

    X[k1 + n1 k2] = sum_j2 w_n2^(j2 k2) * w_L^(j2 k1) * sum_j1 x[j1, j2] w_n1^(j1 k1)

1. real FFTs down the columns (``rfft`` along axis 0: only ``k1 <= n1/2``
   is kept, the rest is the conjugate mirror);
2. multiply by the twiddles ``w_L^(k1 j2)``;
3. complex FFTs along the rows (axis 1).

The spectrum stays in this ``(n1/2 + 1) x n2`` layout: the pointwise
product does not care about order, and the inverse runs the steps
backwards (inverse row FFTs, conjugate twiddles, inverse real FFTs down the
columns, which see a Hermitian column spectrum because the result is real).
No transposition, no untangling pass, no bit reversal.

Exactness: lengths are powers of two, so every step is a radix-2 float64
FFT or the one complex multiplication by a twiddle: Percival's analysis
applies with ``log2 L`` levels plus the twiddle stage, which is what
``bounds.levels`` counts (its margin level), with that stage's twiddle error
taken as ``4 eps``: each twiddle is the product of two table entries
computed in extended precision (x87 long double) and rounded (measured below
1.7 eps per component).  On a platform without extended precision the
engine uses the 1-D transform.
The round-off and magnitude guards check every run, as for the 1-D path.
"""
from __future__ import annotations

import math
import os
import sys
import threading
from collections import OrderedDict
from concurrent.futures import wait
from functools import lru_cache
from typing import Callable

import numpy as np
import scipy.fft as sfft

from .. import envvars
from . import backends, fused
from .workspace import Buffers, signal

__all__ = ["shape", "shapes", "shape_mixed", "twiddles", "available", "convolve", "convolve_padded", "convolve_filled", "workers", "forward_steps", "twiddle_block", "workers_for",
           "inverse_steps"]

#: pi to long-double precision (``np.longdouble(np.pi)`` would be only double precision).
_PI = np.longdouble("3.14159265358979323846264338327950288")


def available() -> bool:
    """Whether extended precision exists for the twiddle tables (x86 long double and wider)."""
    return bool(np.finfo(np.longdouble).eps < 2.0 ** -60)


def workers() -> int:
    """Threads for the batched transforms: ``BIGMUL_THREADS``, else the cores this process may use."""
    n = (envvars.values or envvars.check())["BIGMUL_THREADS"]
    if n:
        return int(n)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def workers_for(L: int) -> int:
    """Threads for the batched transforms of length ``L``: one below
    ``tuning.FOURSTEP_PARALLEL_MIN_LEN`` (the hand-off costs more than it saves), else :func:`workers`."""
    from .. import tuning

    return 1 if L < tuning.current.FOURSTEP_PARALLEL_MIN_LEN else workers()


def shapes(need: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """:func:`shape` and :func:`shape_mixed` of ``need``, or None where the four-step transform
    cannot run (no extended precision: :func:`available`); one call for the planner.

    >>> shapes(1000)[0]
    (32, 32)
    """
    if not available():
        return None
    return shape(need), shape_mixed(need)


def shape(need: int) -> tuple[int, int]:
    """``(n1, n2)``, both powers of two, ``n1 * n2 = 2**ceil(log2 need)`` and ``n1 ~ sqrt``.

    Power-of-two lengths keep the inner transforms pure radix 2, which is
    what the error bound (``bounds.levels``) counts the twiddle stage against.

    >>> shape(1000)
    (32, 32)
    >>> shape(6_000_000)
    (2048, 4096)
    """
    p = max(2, (max(need, 2) - 1).bit_length())
    n1 = 1 << (p // 2)
    return n1, 1 << (p - p // 2)


def shape_mixed(need: int) -> tuple[int, int]:
    """``(n1, n2)``: ``n1`` a power of two near ``sqrt(need)``, ``n2`` a fast length for scipy (factors 2-11).

    Shorter than :func:`shape` for most lengths (6,021,120 instead of
    8,388,608 for 6,000,000), but the row transforms are mixed-radix: the
    engine uses it only where the bound with one more level still proves the
    limb width exact (``bounds.fft_ok(..., mixed_four_step=True)``).

    >>> shape_mixed(6_000_000)
    (2048, 2940)
    """
    p = max(1, (max(need, 2) - 1).bit_length() // 2)
    n1 = 1 << p
    return n1, sfft.next_fast_len(-(-need // n1))


@lru_cache(maxsize=4)
def _table(L: int, stride: int, count: int) -> np.ndarray:
    """``w_L^(stride * i)`` for ``i < count``, from long-double angles, rounded once to complex128."""
    i = np.arange(count, dtype=np.int64) * stride % L
    ang = (i.astype(np.longdouble) / np.longdouble(L)) * (-2 * _PI)
    out = np.empty(count, dtype=np.complex128)
    out.real = np.cos(ang)
    out.imag = np.sin(ang)
    out.setflags(write=False)
    return out


#: Twiddle matrices kept for reuse, most recent first, up to this many bytes in all
#: (the latest one is kept whatever its size): products of a few recurring
#: sizes (a pi computation, a benchmark sweep) build each matrix once.
TWIDDLE_CACHE_BYTES = 64 << 20
_twiddle_cache: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
_twiddle_lock = threading.Lock()


class LazyTwiddles:
    """The twiddles of an ``n1 x n2`` four-step whose matrix would not fit the cache budget: the
    two tables only, each root computed where it is applied (``fused.twiddle_on_the_fly``, the
    same products as the matrix's).  No matrix of ``L / 2`` complex values to allocate and fault
    in, at the cost of computing the roots at each of the three twiddle stages."""

    __slots__ = ("n1", "n2", "L", "s", "A", "B", "shape")

    def __init__(self, n1: int, n2: int) -> None:
        self.n1, self.n2, self.L = n1, n2, n1 * n2
        self.s = max(1, (self.L - 1).bit_length() // 2)
        self.A = _table(self.L, 1 << self.s, -(-self.L // (1 << self.s)) + 1)
        self.B = _table(self.L, 1, 1 << self.s)
        self.shape = (n1 // 2 + 1, n2)

    def copy(self) -> np.ndarray:
        """The matrix itself (for fault injection, which perturbs one root)."""
        return _build_twiddles(self.n1, self.n2).copy()


def twiddles(n1: int, n2: int) -> np.ndarray | LazyTwiddles:
    """``w_L^(k1 j2)`` for ``k1 <= n1/2``, ``j2 < n2`` (``L = n1 n2``), read-only, cached.

    Each is ``A[m >> s] * B[m & (2**s - 1)]`` with ``m = k1 j2 mod L``, from
    two tables of about ``sqrt(L)`` entries computed in extended precision.

    >>> t = twiddles(8, 4); L = 32
    >>> bool(np.allclose(t, np.exp(-2j * np.pi * np.outer(np.arange(5), np.arange(4)) / L)))
    True
    """
    key = (n1, n2)
    need = (n1 // 2 + 1) * n2 * 16
    if need > TWIDDLE_CACHE_BYTES and fused.LOADED:
        return LazyTwiddles(n1, n2)
    with _twiddle_lock:
        T = _twiddle_cache.get(key)
        if T is not None:
            _twiddle_cache.move_to_end(key, last=False)
            return T
    spare = None
    with _twiddle_lock:
        # Make room first, and build into the memory of a matrix this evicts when it is large
        # enough and nobody else holds it: first touches of fresh pages cost far more than the
        # arithmetic, and a binary splitting needs a new shape for nearly every large product.
        total = sum(_held(t) for t in _twiddle_cache.values())
        while _twiddle_cache and total + need > TWIDDLE_CACHE_BYTES:
            old = _twiddle_cache.popitem(last=True)[1]
            total -= _held(old)
            # Free when only the name ``old`` (and getrefcount's argument) refers to it, and to the
            # array owning its memory only its base reference: no product holds it.
            free = sys.getrefcount(old) <= 2 and (old.base is None or sys.getrefcount(old.base) <= 2)
            blk = old if old.base is None else old.base
            if free and blk.nbytes >= need and (spare is None or blk.nbytes < spare.nbytes):
                spare = blk
            del old, blk
    T = _build_twiddles(n1, n2, spare)
    with _twiddle_lock:
        _twiddle_cache[key] = T
        _twiddle_cache.move_to_end(key, last=False)
        total = sum(_held(t) for t in _twiddle_cache.values())
        while len(_twiddle_cache) > 1 and total > TWIDDLE_CACHE_BYTES:
            total -= _held(_twiddle_cache.popitem(last=True)[1])
    return T


def _held(T: np.ndarray) -> int:
    """Bytes a cached matrix keeps alive (a matrix built into a larger evicted one's memory keeps all of it)."""
    return T.nbytes if T.base is None else T.base.nbytes


def _build_twiddles(n1: int, n2: int, spare: np.ndarray | None = None) -> np.ndarray:
    # ``spare``: an evicted matrix's own (owning) array whose memory the new one may take.
    L = n1 * n2
    s = max(1, (L - 1).bit_length() // 2)
    lo_mask = (1 << s) - 1
    A = _table(L, 1 << s, -(-L // (1 << s)) + 1)
    B = _table(L, 1, 1 << s)
    rows = n1 // 2 + 1
    if spare is not None and spare.nbytes >= rows * n2 * 16:
        spare.setflags(write=True)  # it owns its data: nobody holds it (``twiddles`` checked)
        T = spare.reshape(-1).view(np.complex128)[: rows * n2].reshape(rows, n2)
    else:
        T = np.empty((rows, n2), dtype=np.complex128)
    kernel = _twiddle_kernel()
    if kernel is not None:
        half = rows // 2
        if workers_for(L) > 1:
            # Where the transforms use every core, so does the build: two halves of the rows on two
            # threads (nogil kernel).
            from .pool import executor

            fut = executor().submit(kernel, A, B, s, L, T[half:], half)
            try:
                kernel(A, B, s, L, T[:half], 0)
            finally:
                fut.result()
        else:
            kernel(A, B, s, L, T, 0)
    else:
        j2 = np.arange(n2, dtype=np.int64)[None, :]
        step = max(1, (1 << 22) // n2)  # blocks of rows: no full-size index temporaries
        for r0 in range(0, rows, step):
            k1 = np.arange(r0, min(rows, r0 + step), dtype=np.int64)[:, None]
            m = k1 * j2 % L
            blk = T[r0: r0 + len(k1)]
            np.take(A, m >> s, out=blk)
            blk *= B[m & lo_mask]
    T.setflags(write=False)
    return T


def _twiddle_kernel() -> Callable[..., None] | None:
    """The twiddle matrix in one numba pass (the same products as the numpy path), or None before
    the fused kernels are loaded (a product too small for them does not pay numba's import for its
    twiddles; the kernels' loader compiles this one with them)."""
    return fused.twiddle_build if fused.LOADED else None


def twiddle_block(n1: int, n2: int, k1: tuple[int, int], j2: tuple[int, int]) -> np.ndarray:
    """``w_L^(k1 j2)`` (``L = n1 n2``) for ``k1`` in ``[k1[0], k1[1])`` and ``j2`` in ``[j2[0], j2[1])``.

    The same two extended-precision tables as :func:`twiddles`, for one block
    of a matrix too large to hold (the Dask engine computes each block where it runs).

    >>> bool(np.allclose(twiddle_block(8, 4, (0, 5), (1, 3)), twiddles(8, 4)[:, 1:3]))
    True
    """
    L = n1 * n2
    s = max(1, (L - 1).bit_length() // 2)
    A = _table(L, 1 << s, -(-L // (1 << s)) + 1)
    B = _table(L, 1, 1 << s)
    m = (np.arange(*k1, dtype=np.int64)[:, None] * np.arange(*j2, dtype=np.int64)[None, :]) % L
    out = A[m >> s]
    out *= B[m & ((1 << s) - 1)]
    return out


def forward_steps(x2: np.ndarray, T: np.ndarray | LazyTwiddles, w: int,
                  out: np.ndarray | None = None) -> np.ndarray:
    """Column rffts, twiddles, row ffts: the ``(n1/2 + 1) x n2`` spectrum of a real ``n1 x n2`` matrix.

    ``out`` (optional, complex128, the spectrum's shape): a buffer the result
    may be written into (kept transform buffers, ``workspace.py``); always
    use the returned array.
    """
    pp = None if out is None else backends.pocketfft()
    if pp is None:
        S = sfft.rfft(x2, axis=0, workers=w)
        _twiddle(S, T, w)
        return sfft.fft(S, axis=1, workers=w, overwrite_x=True)
    S = pp.r2c(x2, (0,), True, 0, out, w)  # scipy's own calls, into the kept buffer
    _twiddle(S, T, w)
    return pp.c2c(S, (1,), True, 0, S, w)


def _twiddle(S: np.ndarray, T: np.ndarray | LazyTwiddles, w: int) -> None:
    """``S *= T``: numpy's multiply by the matrix, or the roots computed on the fly (two threads,
    half the rows each, where ``w > 1``)."""
    if isinstance(T, LazyTwiddles):
        _on_the_fly(S, T, w, False)
    else:
        S *= T


def _on_the_fly(S: np.ndarray, T: LazyTwiddles, w: int, conj: bool) -> None:
    half = S.shape[0] // 2
    if w > 1 and half:
        from .pool import executor

        fut = executor().submit(fused.twiddle_on_the_fly, S[half:], T.A, T.B, T.s, T.L, half, conj)
        try:
            fused.twiddle_on_the_fly(S[:half], T.A, T.B, T.s, T.L, 0, conj)
        finally:
            fut.result()
    else:
        fused.twiddle_on_the_fly(S, T.A, T.B, T.s, T.L, 0, conj)


def inverse_steps(S: np.ndarray, T: np.ndarray | LazyTwiddles, n1: int, w: int,
                  out: np.ndarray | None = None) -> np.ndarray:
    """The steps of :func:`forward_steps` backwards (consumes ``S``): the real ``n1 x n2`` matrix.

    ``out`` (optional, float64 ``n1 x n2``): a buffer the result may be written into.
    """
    pp = None if out is None else backends.pocketfft()
    S = sfft.ifft(S, axis=1, workers=w, overwrite_x=True) if pp is None else pp.c2c(S, (1,), False, 2, S, w)
    _conj_twiddle(S, T, w)
    if pp is None:
        return sfft.irfft(S, n=n1, axis=0, workers=w, overwrite_x=True)
    return pp.c2r(S, (0,), n1, False, 2, out, w)


def _conj_twiddle(S: np.ndarray, T: np.ndarray | LazyTwiddles, w: int) -> None:
    """``S *= conj(T)``: one numba pass (on two threads, half the rows each, where ``w > 1``) once
    the fused kernels are loaded, else numpy's ``conj(conj(S) * T)`` without a full-size
    temporary.  (The kernel's complex products may fuse a multiply and an add: no larger error
    than the bound's separately rounded ones.)"""
    if isinstance(T, LazyTwiddles):
        _on_the_fly(S, T, w, True)
        return
    if not fused.LOADED or S.shape != T.shape or not (S.flags.c_contiguous and T.flags.c_contiguous):
        np.conjugate(S, out=S)
        S *= T
        np.conjugate(S, out=S)
        return
    half = S.shape[0] // 2
    if w > 1 and half:
        from .pool import executor

        fut = executor().submit(fused.twiddle_conj_multiply, S[half:], T[half:])
        try:
            fused.twiddle_conj_multiply(S[:half], T[:half])
        finally:
            fut.result()
    else:
        fused.twiddle_conj_multiply(S, T)


def convolve(x: np.ndarray, y: np.ndarray | None, n1: int, n2: int,
             nworkers: int | None = None) -> np.ndarray:
    """Un-rounded linear convolution of real ``x`` and ``y`` (``y=None``: ``x`` with itself), length ``n1 n2``.

    ``n1 * n2`` must be at least ``len(x) + len(y) - 1`` (no wrap-around).

    >>> z = convolve(np.array([3., 2., 1.]), np.array([6., 5., 4.]), 4, 2)
    >>> np.rint(z[:5]).tolist()
    [18.0, 27.0, 28.0, 13.0, 4.0]
    """
    L = n1 * n2
    ny = len(x) if y is None else len(y)
    if len(x) + ny - 1 > L:
        raise ValueError(f"four-step length {L} is shorter than the convolution ({len(x) + ny - 1})")
    xp = np.zeros(L)
    xp[: len(x)] = x
    yp = None
    if y is not None:
        yp = np.zeros(L)
        yp[: len(y)] = y
    return convolve_padded(xp, yp, n1, n2, nworkers)


def convolve_padded(xp: np.ndarray, yp: np.ndarray | None, n1: int, n2: int,
                    nworkers: int | None = None) -> np.ndarray:
    """:func:`convolve` of signals already zero-padded to ``n1 * n2`` (no copies; ``yp=None`` squares).

    The caller guarantees the padding covers the whole linear convolution.
    """
    w = workers_for(n1 * n2) if nworkers is None else nworkers
    T = twiddles(n1, n2)
    X = forward_steps(xp.reshape(n1, n2), T, w)
    if yp is None:
        X *= X
    else:
        X *= forward_steps(yp.reshape(n1, n2), T, w)
    return inverse_steps(X, T, n1, w).reshape(-1)


def convolve_filled(fill_x: Callable[[np.ndarray], None], fill_y: Callable[[np.ndarray], None] | None,
                    n1: int, n2: int, nworkers: int | None = None, ws: Buffers | None = None,
                    used: tuple[int, int] | None = None) -> np.ndarray:
    """:func:`convolve_padded` where each input is written by ``fill(buffer)`` into a zeroed buffer
    that is released as soon as its spectrum exists (lower peak memory for huge products).

    ``ws``: kept buffers for this shape (``workspace.buffers``); the result
    then lives in ``ws.x`` and is valid until ``ws`` is given back.
    ``used``: how many leading values each ``fill`` writes (only the rest of
    a kept buffer is zeroed); without it the whole buffer is.
    """
    from .. import tuning

    L = n1 * n2
    w = workers_for(L) if nworkers is None else nworkers
    T = twiddles(n1, n2)

    def spectrum(fill: Callable[[np.ndarray], None], nw: int, which: int) -> np.ndarray:
        buf, out = signal(ws, which, L, used)
        fill(buf)
        return forward_steps(buf.reshape(n1, n2), T, nw, out)

    if fill_y is None:
        X = spectrum(fill_x, w, 0)
        X *= X
    elif nworkers is None and workers() > 1 and L >= tuning.current.FFT_PARALLEL_MIN_LEN:
        # The two operands' transforms on two threads, one thread each: faster than each on
        # every core in turn (``benchmarks/results/tuning_history.md``, FFT_PARALLEL_MIN_LEN).
        from .pool import executor

        fut = executor().submit(spectrum, fill_y, 1, 1)
        try:
            X = spectrum(fill_x, 1, 0)
        except BaseException:
            wait([fut])  # the helper may still write into ws.y: never give the buffers back before it is done
            raise
        X *= fut.result()
    else:
        X = spectrum(fill_x, w, 0)
        X *= spectrum(fill_y, w, 1)
    return inverse_steps(X, T, n1, w, None if ws is None else ws.x.reshape(n1, n2)).reshape(-1)


def levels_needed(n1: int, n2: int) -> int:
    """``ceil(log2(n1 n2))``: the radix-2 levels of the decomposition, before the bound's margins."""
    return math.ceil(math.log2(n1 * n2))
