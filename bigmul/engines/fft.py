"""Floating-point FFT convolution engine (float64, ``scipy.fft``).

What this is for: the fast engine behind ``method="fft"`` -- a real-input
FFT product of two limb arrays, rounded to integers, returning the round-off
and magnitude figures the guards need.
What it is not for: choosing limb sizes (``bounds.py``) or the final
modular check (``guards.py``, applied by the callers); on its own the
transform proves nothing, :func:`coefficients` adds the in-flight guards.

Contract: inputs are 1-D float64 arrays of exact small integers (balanced
limbs), little-endian, non-empty.  Output: the rounded coefficients of the
linear convolution (float64, length ``n1 + n2 - 1``; the caller converts them
to int64 once the guards accept them), the largest distance of any un-rounded
coefficient to its integer, and the largest absolute rounded coefficient.
"""
from __future__ import annotations

from concurrent.futures import wait
from contextlib import nullcontext
from typing import Callable, ContextManager

import numpy as np
import scipy.fft as sfft

from .. import bounds, guards, memory, pylong, tuning
from ..guards import LIMB_PRIMES, GuardTrip, check_float
from ..limbs import balance
from . import backends, fourstep, fused, with_headroom, workspace
from .pool import executor

__all__ = ["transform_length", "fft_convolve", "fft_workspace_bytes", "executor", "coefficients",
           "forward", "inverse", "int_product", "slot_product", "text_product", "text_product_ascii"]

def transform_length(n1: int, n2: int) -> int:
    """Real transform length for a linear convolution of ``n1`` and ``n2`` values.

    >>> transform_length(3, 3)
    5
    """
    return backends.next_fast_len(n1 + n2 - 1)


def fft_workspace_bytes(n1: int, n2: int) -> int:
    """Peak working memory of one :func:`fft_convolve` (bytes, an upper estimate)."""
    return _workspace_bytes(transform_length(n1, n2))


def _workspace_bytes(L: int) -> int:
    # two real inputs padded (16 L) + two half spectra (16 L) + output and
    # rounding temporaries (24 L) + int64 coefficients and carry (24 L).
    return 80 * L


def forward(x: np.ndarray, L: int, out: np.ndarray | None = None) -> np.ndarray:
    """Real forward transform of length ``L`` along the last axis (module-level so fault injection
    can replace it); the rows of a 2-D ``x`` are transformed on every core (scipy), a 1-D ``x`` by
    the backend measured fastest for ``L`` (``backends.choose``).  ``out``: a buffer the result
    may be written into (1-D); always use the returned array."""
    if x.ndim > 1:
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
    steps = _four_step_shape(n1 + n2 - 1, L)
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


def _four_step_shape(need: int, L: int, limbs: tuple[int, int, int] | None = None) -> tuple[int, int] | None:
    """``(n1, n2)`` when the four-step transform runs for this product, else None (1-D).

    From ``bounds.FOURSTEP_MIN_LEN`` (the bound counts the twiddle stage from
    there), where extended precision exists for the twiddles.  The length is
    ``2**ceil(log2 need)`` (pure radix 2: never more levels than the 1-D
    length the limb width was proven for), or, when ``limbs`` (limb counts
    and base) are given and the bound with one more level still proves the
    product exact, the usually shorter mixed-radix shape.
    """
    if L < bounds.FOURSTEP_MIN_LEN or not fourstep.available():
        return None
    n1, n2 = fourstep.shape(need)
    if limbs is not None:
        m1, m2 = fourstep.shape_mixed(need)
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


def _convolve_filled(fill_x: Callable[[np.ndarray], None], fill_y: Callable[[np.ndarray], None] | None,
                     L: int, steps: tuple[int, int] | None,
                     side_job: Callable[[], object] | None = None, ws: workspace.Buffers | None = None,
                     used: tuple[int, int] | None = None) -> np.ndarray:
    """Un-rounded linear convolution of two signals written into zeroed length-``L`` buffers by ``fill``.

    ``side_job`` runs on the helper thread: beside the inverse transform (1-D,
    which leaves a core idle), or from the start (four-step).  ``ws``: kept
    buffers (:func:`_buffers`); the result then lives in ``ws.x`` until they
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
    else:
        X = filled(fill_x, 0)
        X *= filled(fill_y, 1)
    if side_job is not None:
        executor().submit(side_job)
    return inverse(X, L, None if ws is None else ws.x)


def _buffers(L: int, steps: tuple[int, int] | None, two: bool) -> ContextManager[workspace.Buffers | None]:
    """Kept transform buffers for a product of length ``L`` (``workspace.py``) from
    ``workspace.MIN_LEN`` points; below it (or without scipy's binding, which takes an output
    buffer) plain allocations, which are cheap there."""
    spectrum = (L // 2 + 1,) if steps is None else (steps[0] // 2 + 1, steps[1])
    if L < workspace.MIN_LEN or backends.pocketfft() is None or not workspace.keeps(L, spectrum, two):
        # Too large to keep: allocated as the product goes, each signal released once its
        # spectrum exists (a set of four held throughout would raise the peak by a third).
        return nullcontext(None)
    return workspace.buffers(L, spectrum, two)


def _fused_shape(n1: int, n2: int, base: int) -> tuple[int, tuple[int, int] | None]:
    """Transform length and four-step shape for a fused product of ``n1`` x ``n2`` limbs in ``base``."""
    L = transform_length(n1 + 1, n2 + 1)
    steps = _four_step_shape(n1 + n2 + 1, L, (n1 + 1, n2 + 1, base))
    return (L if steps is None else steps[0] * steps[1]), steps


def _check_flags(err: float, mag: float, bad: bool, over: bool) -> None:
    """The guards on a fused kernel's result: NaN/huge values, round-off, magnitude, digits past the end."""
    if bad:
        raise GuardTrip("roundoff" if not mag >= bounds.FLOAT_EXACT else "magnitude", err)
    check_float(err, mag)
    if over:
        raise GuardTrip("carry", 0.0)


def int_product(a: int, b: int | None, bits: int) -> int:
    """``a * b`` (``b=None``: ``a * a``) of positive ints with fused passes, modular check included.

    The operands' own digits are split into balanced limbs straight into the
    zero-padded transform buffers, and the rounded, carried product is
    written straight into the result int's digits (``fused.py``).  Raises
    ``GuardTrip`` for round-off, magnitude, carry or modular failures.
    Requires ``fused.available()``.  (Kept lean: from 9k bits a product
    takes ~40-100 us, and every microsecond of bookkeeping here shows.)
    """
    ba = a.bit_length()
    bb = ba if b is None else b.bit_length()
    n1, n2 = -(-ba // bits), -(-bb // bits)
    need = n1 + n2 + 1  # balanced limbs: one more each
    L, steps = _fused_shape(n1, n2, 1 << bits)
    needed = _workspace_bytes(L) + 4 * (n1 + n2)  # plus the result's digits
    if needed >= memory.UNCHECKED_BYTES or memory.limit_set():
        memory.check_memory(needed, f"an FFT product of {n1} x {n2} limbs")
    da = pylong.digit_view(a)
    db = da if b is None else pylong.digit_view(b)
    q1, q2 = LIMB_PRIMES
    split = fused.split_balanced
    fill_y = None if b is None else (lambda buf: split(db, bits, n2, buf))
    count = -(-(ba + bb) // 30)  # the product has ba + bb or ba + bb - 1 bits
    c = pylong.new_int(count)
    out = pylong.fill(c, count)
    with _buffers(L, steps, b is not None) as ws:
        z = _convolve_filled(lambda buf: split(da, bits, n1, buf), fill_y, L, steps, None, ws, (n1 + 1, n2 + 1))
        # The operands' residues inline, in the last pass's call: handing them to the helper
        # thread (as the numpy path does from OVERLAP_BITS) measured no faster at 3*10^5-10^6
        # digits, slower at 10^5 (1.45 vs 1.31 ms: the idle core's wake-up) and at 10^7 (185 vs
        # 133 ms: it competes with the inverse transform for the cores), 2026-11-27 on the 2-core VM.
        err, mag, bad, over, _, ra, rb, rc = fused.round_carry_pack_residues(
            z, need, bits, out, da, None if b is None else db, q1, q2)
    _check_flags(err, mag, bad, over)
    top = count
    while top and out[top - 1] == 0:
        top -= 1
    if top < count - 1 or top == 0:
        raise GuardTrip("carry", 0.0)  # far too short to be the product
    if top < count:  # one digit shorter than the operands allow: copied into an int of top digits
        c = pylong.digits_to_int(out[:top].copy())
        rc = fused.residues30(pylong.digit_view(c), top, q1, q2)  # the check covers the copy too
    guards.count("checks")
    if ra[0] * rb[0] % q1 != rc[0] or ra[1] * rb[1] % q2 != rc[1]:
        raise GuardTrip("modular", 0.0)
    return c


def _slot_words(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The slots' bytes flat, and the same buffer zero padded to whole uint32 words."""
    flat = slots.reshape(-1)
    buf = np.zeros(-(-flat.size // 4) * 4, dtype=np.uint8)
    buf[:flat.size] = flat
    return buf.view(np.uint32), buf[:flat.size]


def slot_product(sx: np.ndarray, sy: np.ndarray | None, bits: int) -> np.ndarray:
    """The two's complement slots of ``x * y``'s convolution from the slots of ``x`` and ``y`` (fused passes).

    Kronecker substitution without Python ints: ``sx``/``sy`` are ``(n, nb)``
    uint8 two's complement slots (``kronecker.slots_of``; ``sy=None``
    squares).  The packed integers' balanced ``bits``-bit limbs are read
    straight from the slots, negative slots' borrows included
    (``fused.slot_split_balanced``); the rounded, carried product is written
    with ``kronecker.unpack_slots``' offset ``H`` added on the way
    (``fused.slot_round_carry_pack``), so each slot holds ``c[k] + 2**(w-1)``
    and flipping its top bit gives ``c[k]``'s two's complement.  Returns a
    ``(n1 + n2 - 1, nb)`` uint8 array.  ``GuardTrip`` for round-off and
    magnitude (of the float results, or a total that does not fit its
    slots); the caller checks the coefficients (``conv._check_at_random_point``).
    Requires ``fused.available()``; ``bits`` must be proven for the packed
    sizes plus one bit (the top borrow).
    """
    nb = sx.shape[1]
    w = 8 * nb
    count = len(sx) + (len(sx) if sy is None else len(sy)) - 1
    n1 = len(sx) * w // bits + 1  # one bit past the slots: the top slot's borrow
    n2 = n1 if sy is None else len(sy) * w // bits + 1
    memory.check_memory(fft_workspace_bytes(n1 + 1, n2 + 1) + 2 * count * nb,
                        f"a Kronecker FFT product of {n1} x {n2} limbs")
    L, steps = _fused_shape(n1, n2, 1 << bits)
    wx, rx = _slot_words(sx)
    wy, ry = (wx, rx) if sy is None else _slot_words(sy)
    out = np.empty(-(-count * nb // 4), dtype=np.uint32)
    with _buffers(L, steps, sy is not None) as ws:
        z = _convolve_filled(lambda buf: fused.slot_split_balanced(wx, rx, nb, bits, n1, buf),
                             None if sy is None else (lambda buf: fused.slot_split_balanced(wy, ry, nb, bits, n2, buf)),
                             L, steps, None, ws, (n1 + 1, n2 + 1))
        err, mag, bad, over, _ = fused.slot_round_carry_pack(z, n1 + n2 + 1, bits, nb, count, out)
    _check_flags(err, mag, bad, False)
    raw = out.view(np.uint8)
    if over or raw[count * nb:].any():
        raise GuardTrip("magnitude", float(w))  # the product does not fit its slots
    sc = raw[:count * nb].reshape(count, nb)
    sc[:, nb - 1] ^= 0x80  # slot = c + 2**(w-1)  ->  two's complement of c
    return sc


def text_product(da: np.ndarray, db: np.ndarray | None, k: int) -> str:
    """Decimal digits of ``A * B`` as text: :func:`text_product_ascii`, decoded."""
    return text_product_ascii(da, db, k).tobytes().decode("ascii")


def text_product_ascii(da: np.ndarray, db: np.ndarray | None, k: int) -> np.ndarray:
    """ASCII digits (uint8) of ``A * B`` (no sign, no leading zeros) with fused passes, modular check included.

    ``da``/``db`` are digit values, most significant first, without leading
    zeros (``db=None`` squares).  Base ``10**k`` balanced limbs go straight
    into the transform buffers; the rounded, carried product is written as
    ASCII straight into the output buffer; the modular check compares
    residues of the operands' digits with residues of the text produced.
    Raises ``GuardTrip``; requires ``fused.available()``.
    """
    from .. import guards

    la = len(da)
    lb = la if db is None else len(db)
    n1, n2 = -(-la // k), -(-lb // k)
    need = n1 + n2 + 1
    memory.check_memory(fft_workspace_bytes(n1 + 1, n2 + 1) + 2 * (la + lb),
                        f"an FFT product of {n1} x {n2} limbs")
    L, steps = _fused_shape(n1, n2, 10 ** k)
    q1, q2 = guards.LIMB_PRIMES
    out = np.empty(la + lb, dtype=np.uint8)  # the product has la + lb or la + lb - 1 digits
    with _buffers(L, steps, db is not None) as ws:
        z = _convolve_filled(lambda buf: fused.decimal_split_balanced(da, k, n1, buf),
                             None if db is None else (lambda buf: fused.decimal_split_balanced(db, k, n2, buf)),
                             L, steps, None, ws, (n1 + 1, n2 + 1))
        flags = fused.decimal_round_carry_format(z, need, k, out)
    _check_flags(*flags[:4])
    first = 0 if out[0] != 48 else 1
    if first and out[1] == 48:
        raise GuardTrip("carry", 0.0)  # two leading zeros: too short to be the product
    text = out[first:]
    guards.count("checks")
    ra = fused.decimal_residues(da, q1, q2)
    rb = ra if db is None else fused.decimal_residues(db, q1, q2)
    rc = fused.decimal_residues(text, q1, q2, ascii=True)
    if ra[0] * rb[0] % q1 != rc[0] or ra[1] * rb[1] % q2 != rc[1]:
        raise GuardTrip("modular", 0.0)
    return text
