"""Floating-point FFT convolution engine (float64, ``scipy.fft``).

What this is for: the fast engine behind ``method="fft"`` -- a real-input
FFT product of two limb arrays, rounded to integers, returning the round-off
and magnitude figures the guards need.
What it is not for: choosing limb sizes (``bounds.py``) or whole products
with their modular check (``routes.py``, which calls :func:`convolve_filled`
here); on its own the transform proves nothing, :func:`coefficients` adds
the in-flight guards.

Contract: inputs are 1-D float64 arrays of exact small integers (balanced
limbs), little-endian, non-empty.  Output: the rounded coefficients of the
linear convolution (float64, length ``n1 + n2 - 1``; the caller converts them
to int64 once the guards accept them), the largest distance of any un-rounded
coefficient to its integer, and the largest absolute rounded coefficient.
"""
from __future__ import annotations

from concurrent.futures import wait
from contextlib import nullcontext
from typing import Callable, ContextManager, TypeVar

import numpy as np
import scipy.fft as sfft

from .. import bounds, memory, tuning
from ..guards import check_float
from ..limbs import balance
from . import backends, fourstep, with_headroom, workspace
from .pool import executor

T = TypeVar("T")

__all__ = ["fused_shape", "convolve_kept", "transform_length", "fft_convolve", "fft_workspace_bytes", "workspace_bytes", "executor", "coefficients",
           "forward", "inverse", "four_step_shape", "convolve_filled", "buffers", "spectrum", "convolve_spectrum",
           "wrap_shape"]

def transform_length(n1: int, n2: int) -> int:
    """Real transform length for a linear convolution of ``n1`` and ``n2`` values.

    >>> transform_length(3, 3)
    5
    """
    return backends.next_fast_len(n1 + n2 - 1)


def fft_workspace_bytes(n1: int, n2: int) -> int:
    """Peak working memory of one :func:`fft_convolve` (bytes, an upper estimate)."""
    return workspace_bytes(transform_length(n1, n2))


def workspace_bytes(L: int) -> int:
    # two real inputs padded (16 L) + two half spectra (16 L) + output and
    # rounding temporaries (24 L) + int64 coefficients and carry (24 L).
    return 80 * L


def forward(x: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
    """Real forward transform of length ``L`` along the last axis (module-level so fault injection
    can replace it); the rows of a 2-D ``x`` are transformed together (short rows: on one core,
    in SIMD lanes; long ones on every core, by scipy), a 1-D ``x`` by the backend measured fastest
    for ``L`` (``backends.choose``).  ``out``: a buffer the result may be written into (of the
    result's shape); always use the returned array."""
    if x.ndim > 1:
        pp = backends.pocketfft()
        if L < tuning.current.FFT_PARALLEL_MIN_LEN and pp is not None and x.shape[-1] == L \
                and x.dtype == np.float64 and x.flags.c_contiguous:
            # Short rows on one core, without scipy.fft's dispatch: pocketfft runs two rows at once
            # in SIMD lanes, nearly the time of one.
            return pp.r2c(x, (x.ndim - 1,), True, 0, out, 1)
        return sfft.rfft(x, L, workers=fourstep.workers())
    return backends.rfft(x, L, out)


def inverse(X: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
    """Inverse real transform of length ``L`` along the last axis (module-level so fault injection
    can replace it); 2-D: rows on every core (scipy); 1-D: the backend for ``L``.  ``out``: as
    for :func:`forward`."""
    if X.ndim > 1:
        return sfft.irfft(X, L, overwrite_x=True, workers=fourstep.workers())
    return backends.irfft(X, L, out)


def fft_convolve(x: np.ndarray, y: np.ndarray | None,
                 side_job: Callable[[], object] | None = None) -> tuple[np.ndarray, float, float]:
    """Linear convolution of ``x`` and ``y`` (``y=None``: square ``x``) by real FFT.

    ``side_job`` (optional) is started on a helper thread just before the
    inverse transform, which runs on one core only.

    >>> c, err, mag = fft_convolve(np.array([3., 2., 1.]), np.array([6., 5., 4.]))
    >>> c.tolist(), err < 1e-9, mag
    ([18.0, 27.0, 28.0, 13.0, 4.0], True, 28.0)
    """
    n1 = len(x)
    n2 = n1 if y is None else len(y)
    L = transform_length(n1, n2)
    steps = four_step_shape(n1 + n2 - 1, L)
    if steps is not None:  # long: batched transforms on every core
        if side_job is not None:
            executor().submit(side_job)
        z = fourstep.convolve(x, y, *steps)[: n1 + n2 - 1]
        return _round(z)
    if y is None:
        X = forward(x, L)
        X *= X
    elif L >= tuning.current.FFT_PARALLEL_MIN_LEN:
        fut = executor().submit(forward, y, L)
        X = forward(x, L)
        X *= fut.result()
    else:
        X = forward(x, L)
        X *= forward(y, L)
    if side_job is not None:
        # The inverse transform leaves one core idle: run the caller's job there.
        executor().submit(side_job)
    z = inverse(X, L)[: n1 + n2 - 1]
    return _round(z)


def _round(z: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Rounded coefficients, the largest distance to an integer and the largest magnitude."""
    r = np.rint(z)
    z -= r
    err = max(float(z.max()), -float(z.min()))  # NaN propagates and fails the guard
    mag = max(float(r.max()), -float(r.min()))
    return r, err, mag


def four_step_shape(need: int, L: int, limbs: tuple[int, int, int] | None = None) -> tuple[int, int] | None:
    """``(n1, n2)`` when the four-step transform runs for this product, else None (1-D).

    From ``tuning.current.FOURSTEP_MIN_LEN`` (the bound counts the twiddle stage from
    there), where extended precision exists for the twiddles.  The length is
    ``2**ceil(log2 need)`` (pure radix 2: never more levels than the 1-D
    length the limb width was proven for), or, when ``limbs`` (limb counts
    and base) are given and the bound with one more level still proves the
    product exact, the usually shorter mixed-radix shape.
    """
    both = None if L < tuning.current.FOURSTEP_MIN_LEN else fourstep.shapes(need)
    if both is None:
        return None
    (n1, n2), (m1, m2) = both
    if limbs is not None:
        if m1 * m2 < n1 * n2 and bounds.fft_ok(limbs[0], limbs[1], limbs[2], m1 * m2, mixed_four_step=True):
            return m1, m2
    if bounds.levels(n1 * n2) > bounds.levels(L):  # cannot happen: 2**ceil(log2 need) <= 2**ceil(log2 L)
        return None
    return n1, n2


def coefficients(x: np.ndarray, y: np.ndarray | None, base: int,
                 side_job: Callable[[], object] | None = None) -> np.ndarray:
    """The engine interface: balanced limbs, real FFT product, round-off and magnitude guards.

    The coefficients are those of the balanced limbs (some negative); carried
    they give the product's digits:

    >>> from bigmul.carrying import normalize
    >>> normalize(coefficients(np.array([3, 2, 1]), np.array([6, 5, 4]), 10), 10)[:5].tolist()
    [8, 8, 0, 6, 5]
    """
    n1 = len(x)
    n2 = n1 if y is None else len(y)
    memory.check_memory(fft_workspace_bytes(n1 + 1, n2 + 1) + 16 * (n1 + n2),
                        f"an FFT product of {n1} x {n2} limbs")
    xb = balance(x, base)
    yb = None if y is None else balance(y, base)
    r, err, mag = fft_convolve(xb, yb, side_job)
    check_float(err, mag)
    return with_headroom(r)


def convolve_filled(fill_x: Callable[[np.ndarray], None], fill_y: Callable[[np.ndarray], None] | None,
                     L: int, steps: tuple[int, int] | None,
                     side_job: Callable[[], object] | None = None, ws: workspace.Buffers | None = None,
                     used: tuple[int, int] | None = None) -> np.ndarray:
    """Un-rounded linear convolution of two signals written into zeroed length-``L`` buffers by ``fill``.

    ``side_job`` runs on the helper thread: beside the inverse transform (1-D,
    which leaves a core idle), or from the start (four-step).  ``ws``: kept
    buffers (:func:`buffers`); the result then lives in ``ws.x`` until they
    are given back.  ``used``: how many leading values each ``fill`` writes.
    """
    if steps is not None:
        if side_job is not None:
            executor().submit(side_job)
        return fourstep.convolve_filled(fill_x, fill_y, *steps, ws=ws, used=used)

    def filled(fill: Callable[[np.ndarray], None], which: int) -> np.ndarray:
        buf, out = workspace.signal(ws, which, L, used)
        fill(buf)
        return forward(buf, L, out)

    if fill_y is None:
        X = filled(fill_x, 0)
        X *= X
    elif L >= tuning.current.FFT_PARALLEL_MIN_LEN:  # the other operand on the helper thread (nogil kernels)
        fut = executor().submit(filled, fill_y, 1)
        try:
            X = filled(fill_x, 0)
        except BaseException:
            wait([fut])  # it may still write into ws.y: the buffers go back only once it is done
            raise
        X *= fut.result()
    elif backends.choose(L) != "scipy":  # another backend's 1-D transforms, one operand at a time
        X = filled(fill_x, 0)
        X *= filled(fill_y, 1)
    else:  # both signals as the rows of one transform call (pocketfft runs them in SIMD lanes)
        if ws is None or ws.xy is None:
            xy, out2 = np.zeros((2, L)), None
        else:
            xy, out2 = ws.xy, ws.XY
            xy[0, 0 if used is None else used[0]:] = 0.0
            xy[1, 0 if used is None else used[1]:] = 0.0
        fill_x(xy[0])
        fill_y(xy[1])
        X2 = forward(xy, L, out2)
        X = X2[0]
        X *= X2[1]
    if side_job is not None:
        executor().submit(side_job)
    return inverse(X, L, None if ws is None else ws.x)


def buffers(L: int, steps: tuple[int, int] | None, two: bool) -> ContextManager[workspace.Buffers | None]:
    """Kept transform buffers for a product of length ``L`` (``workspace.py``) from
    ``tuning.KEEP_MIN_LEN`` points; below it (or without scipy's binding, which takes an output
    buffer) plain allocations, which are cheap there."""
    spectrum = (L // 2 + 1,) if steps is None else (steps[0] // 2 + 1, steps[1])
    if L < tuning.current.KEEP_MIN_LEN or backends.pocketfft() is None or not workspace.keeps(L, spectrum, two):
        # Too large to keep: allocated as the product goes, each signal released once its
        # spectrum exists (a set of four held throughout would raise the peak by a third).
        return nullcontext(None)
    return workspace.buffers(L, spectrum, two)


def fused_shape(n1: int, n2: int, base: int) -> tuple[int, tuple[int, int] | None, int]:
    """Transform length, four-step shape (or None: 1-D) and working bytes of a product of ``n1`` x
    ``n2`` limbs in ``base`` whose balanced limbs are written straight into the buffers.

    >>> L, steps, _ = fused_shape(100, 100, 2**16)
    >>> L >= 203, steps   # a fast length for the 203 coefficients; 1-D at this size
    (True, None)
    """
    L = transform_length(n1 + 1, n2 + 1)
    steps = four_step_shape(n1 + n2 + 1, L, (n1 + 1, n2 + 1, base))
    L = L if steps is None else steps[0] * steps[1]
    return L, steps, workspace_bytes(L)


def wrap_shape(n1: int, n2: int, bits: int, k_min: int) -> tuple[int, tuple[int, int] | None] | None:
    """Length and four-step shape (or None: 1-D) of a *cyclic* product of ``n1`` x ``n2`` limbs of
    ``bits`` bits modulo ``2**(L*bits) - 1`` with ``L * bits >= k_min``; None when the error bound
    does not prove it exact.

    The length is a fast length of at least ``k_min / bits`` points and at least one more than
    either operand's limbs (the balanced split's top limb); a cyclic output coefficient sums at
    most ``min(n1, n2) + 1`` products, as a linear one does, so the same bound (at this, shorter,
    length) proves it.

    >>> L, steps = wrap_shape(100, 50, 16, 1600)
    >>> L * 16 >= 1600 and L > 100, steps
    (True, None)
    """
    need = max(-(-k_min // bits), n1 + 1, n2 + 1)
    L = backends.next_fast_len(need)
    limbs = (n1 + 1, n2 + 1, 1 << bits)
    steps = four_step_shape(need, L, limbs)
    if steps is not None:
        L = steps[0] * steps[1]
    mixed = steps is not None and L & (L - 1) != 0
    return (L, steps) if bounds.fft_ok(*limbs, L, mixed_four_step=mixed) else None


def convolve_kept(fill_x: Callable[[np.ndarray], None], fill_y: Callable[[np.ndarray], None] | None,
                  L: int, steps: tuple[int, int] | None, used: tuple[int, int],
                  finish: Callable[[np.ndarray], T]) -> T:
    """``finish(z)`` of the un-rounded convolution ``z`` of the two filled signals, computed in kept
    buffers (:func:`buffers`) that go back once ``finish`` -- which must copy what it keeps out of
    ``z`` -- has returned."""
    if steps is None and L < tuning.current.KEEP_MIN_LEN:  # small: fresh arrays, no buffer bookkeeping
        return finish(convolve_filled(fill_x, fill_y, L, None, None, None, used))
    with buffers(L, steps, fill_y is not None) as ws:
        return finish(convolve_filled(fill_x, fill_y, L, steps, None, ws, used))


def spectrum(fill: Callable[[np.ndarray], None], L: int, steps: tuple[int, int] | None) -> np.ndarray:
    """The forward spectrum of the signal ``fill`` writes into a zeroed length-``L`` buffer, in the
    layout :func:`convolve_spectrum` multiplies by (the half spectrum, or the four-step's
    transposed one for ``steps``): an operand shared by many products is transformed once.

    >>> x = np.array([3., 2., 1.]); y = np.array([6., 5., 4.])
    >>> Y = spectrum(lambda b: b.__setitem__(slice(0, 3), y), 5, None)
    >>> z = convolve_spectrum(lambda b: b.__setitem__(slice(0, 3), x), Y, 5, None, 3, np.rint)
    >>> z.tolist()
    [18.0, 27.0, 28.0, 13.0, 4.0]
    """
    buf = np.zeros(L)
    fill(buf)
    if steps is None:
        return forward(buf, L)
    n1, n2 = steps
    return fourstep.forward_steps(buf.reshape(n1, n2), fourstep.twiddles(n1, n2), fourstep.workers_for(L))


def convolve_spectrum(fill_x: Callable[[np.ndarray], None], Y: np.ndarray, L: int,
                      steps: tuple[int, int] | None, used: int, finish: Callable[[np.ndarray], T]) -> T:
    """``finish(z)`` of the un-rounded convolution of the signal ``fill_x`` writes (its first
    ``used`` values) with the operand whose :func:`spectrum` (same ``L`` and ``steps``) is ``Y``:
    one forward and one inverse transform instead of three.  Kept buffers as :func:`convolve_kept`."""
    with buffers(L, steps, False) as ws:
        buf, out = workspace.signal(ws, 0, L, (used, 0))
        fill_x(buf)
        if steps is None:
            X = forward(buf, L, out)
            X *= Y
            return finish(inverse(X, L, None if ws is None else ws.x))
        n1, n2 = steps
        T = fourstep.twiddles(n1, n2)
        w = fourstep.workers_for(L)
        X = fourstep.forward_steps(buf.reshape(n1, n2), T, w, out)
        X *= Y
        z = fourstep.inverse_steps(X, T, n1, w, None if ws is None else ws.x.reshape(n1, n2))
        return finish(z.reshape(-1))
