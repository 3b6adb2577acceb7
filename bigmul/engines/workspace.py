"""Transform buffers kept between products, so a product does not pay for fresh pages.

What this is for: the float engine's four working arrays (two real signals,
two half spectra) of one transform shape are taken from here and given back
when the product is done.  A freshly allocated multi-hundred-kB array is new
memory from the kernel: every 4 kB page faults on its first write, which
can double a 10^5-digit product's time.  Kept buffers are already mapped.
What it is not for: the largest products -- a set of buffers that exceeds
:func:`keep_bytes` (256 MiB by default: a 10^7-digit product's 185 MB fit, a
10^8-digit product's ~1.8 GB do not) is allocated and released per call as
before; nor results: nothing handed to a caller ever lives in a kept
buffer.  ``BIGMUL_KEEP_BYTES`` (a size such as ``64M`` or ``1G``; ``0``
keeps nothing) sets the budget; ``bigmul.release_buffers()`` frees what is
kept.  (The measurements are in ``benchmarks/results/tuning_history.md``.)

Thread safety: a set of buffers belongs to one product at a time (taken and
given back under a lock); concurrent products of one shape get separate sets.
"""
from __future__ import annotations

import bisect
import math
import threading
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from .. import envvars

__all__ = ["KEEP_BYTES", "keep_bytes", "Buffers", "buffers", "raw", "keeps", "signal", "kept_bytes", "clear"]

#: The budget for kept buffers, in all (least recently used sets dropped first); None: from
#: ``BIGMUL_KEEP_BYTES`` (:func:`keep_bytes`).  Tests set it to shrink the budget.
KEEP_BYTES: int | None = None


def keep_bytes() -> int:
    """The budget in force: :data:`KEEP_BYTES` when set, else ``BIGMUL_KEEP_BYTES`` (default 256 MiB)."""
    return int((envvars.values or envvars.check())["BIGMUL_KEEP_BYTES"]) if KEEP_BYTES is None else KEEP_BYTES


class Buffers:
    """The working arrays of one product: real signals ``x``, ``y`` (``L`` float64) and their half
    spectra ``X``, ``Y`` (complex128, ``spectrum`` shape); ``y``/``Y`` are None for a square.
    With two operands ``x``/``y`` are the rows of ``xy`` (2 x ``L``) and ``X``/``Y`` those of ``XY``.
    All four are views into one byte ``block``, which a later product of any shape that fits may
    reuse (its pages already mapped)."""

    __slots__ = ("x", "y", "X", "Y", "xy", "XY", "block", "key")

    def __init__(self, L: int, spectrum: tuple[int, ...], two: bool, block: np.ndarray | None = None) -> None:
        if block is None:
            block = np.empty(_capacity(_nbytes(L, spectrum, two)), dtype=np.uint8)
        self.block = block
        self.key = (L, spectrum, two)
        ns = math.prod(spectrum)
        off = 0

        def take(n: int, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
            nonlocal off
            a: np.ndarray = block[off:off + n * np.dtype(dtype).itemsize].view(dtype).reshape(shape)
            off += -(-n * np.dtype(dtype).itemsize // _ALIGN) * _ALIGN
            return a

        self.xy: np.ndarray | None
        self.XY: np.ndarray | None
        self.y: np.ndarray | None
        self.Y: np.ndarray | None
        if two:  # x and y as the rows of ``xy`` (X and Y of ``XY``): one transform call takes both
            xy = take(2 * L, np.float64, (2, L))
            XY = take(2 * ns, np.complex128, (2,) + tuple(spectrum))
            self.xy, self.XY = xy, XY
            self.x, self.y = xy[0], xy[1]
            self.X, self.Y = XY[0], XY[1]
        else:
            self.x = take(L, np.float64, (L,))
            self.X = take(ns, np.complex128, spectrum)
            self.y = self.Y = self.xy = self.XY = None


#: Byte alignment of each array within a block.
_ALIGN = 64

#: Blocks nobody uses, as ``(size, last use, Buffers)`` sorted by size (the smallest fitting one is
#: a bisection away; its views are reused when the next product has their shape); at most
#: :data:`MAX_BLOCKS` of them, the least recently used dropped first.
_free: list[tuple[int, int, Buffers]] = []
_bytes = 0
_uses = 0
_lock = threading.Lock()

#: Kept blocks at most (a stream of many small shapes would otherwise keep hundreds).
MAX_BLOCKS = 32


def _nbytes(L: int, spectrum: tuple[int, ...], two: bool) -> int:
    return (8 * L + 16 * math.prod(spectrum) + 2 * _ALIGN) * (2 if two else 1)


def _capacity(n: int) -> int:
    """A new block's size: ``n`` rounded up by up to 1/16, so a slightly larger product later fits it."""
    step = max(_ALIGN, 1 << max(0, n.bit_length() - 5))
    return -(-n // step) * step


def keeps(L: int, spectrum: tuple[int, ...], two: bool) -> bool:
    """Whether a set of this shape would be kept (it fits the budget)."""
    return _capacity(_nbytes(L, spectrum, two)) <= keep_bytes()


@contextmanager
def buffers(L: int, spectrum: tuple[int, ...], two: bool) -> Iterator[Buffers]:
    """A set of buffers for one product (contents undefined), given back when the block ends.

    Kept memory is shape-agnostic: the smallest kept block that holds this shape's arrays is
    used, whatever shape it was made for (a stream of products whose shapes all differ -- a
    binary splitting's large levels -- would otherwise fault in fresh pages for every one).

    >>> with buffers(16, (9,), True) as b:
    ...     b.x.shape, b.X.shape, b.y is not None
    ((16,), (9,), True)
    """
    need = _nbytes(L, spectrum, two)
    keep = _capacity(need) <= keep_bytes()
    kept = _take(need) if keep else None
    if kept is not None and kept.key == (L, spectrum, two):
        b = kept  # the same shape as last time: its views as they are
    else:
        b = Buffers(L, spectrum, two, None if kept is None else kept.block)
    try:
        yield b
    finally:
        if keep:
            _give(b)


@contextmanager
def raw(nbytes: int) -> Iterator[np.ndarray]:
    """A byte block of at least ``nbytes`` (contents undefined) from the same kept
    memory as :func:`buffers`, given back when the block ends (the small-prime NTT's arrays).

    >>> with raw(1000) as blk:
    ...     blk.nbytes >= 1000, blk.dtype.name
    (True, 'uint8')
    """
    need = nbytes + 2 * _ALIGN
    if _capacity(need) > keep_bytes():  # too large to keep: fresh memory, released afterwards
        yield np.empty(need, dtype=np.uint8)
        return
    kept = _take(need)
    b = Buffers(0, (0,), False, np.empty(_capacity(need), dtype=np.uint8) if kept is None else kept.block)
    try:
        yield b.block
    finally:
        _give(b)


def _take(need: int) -> Buffers | None:
    """The smallest kept set whose block holds ``need`` bytes, taken out of the pool (or None)."""
    global _bytes
    with _lock:
        i = bisect.bisect_left(_free, (need,))
        if i < len(_free):
            kept = _free.pop(i)[2]
            _bytes -= kept.block.nbytes
            return kept
    return None


def _give(b: Buffers) -> None:
    """Back into the pool; the least recently used sets dropped past the budget."""
    global _bytes, _uses
    with _lock:
        _uses += 1
        bisect.insort(_free, (b.block.nbytes, _uses, b))
        _bytes += b.block.nbytes
        while _free and (_bytes > keep_bytes() or len(_free) > MAX_BLOCKS):
            oldest = min(range(len(_free)), key=lambda j: _free[j][1])
            _bytes -= _free.pop(oldest)[0]


def signal(ws: Buffers | None, which: int, L: int,
           used: tuple[int, int] | None) -> tuple[np.ndarray, np.ndarray | None]:
    """A zeroed length-``L`` signal buffer for operand ``which`` (0: x, 1: y) and the buffer its
    spectrum may go into: fresh (``ws`` None; no spectrum buffer) or kept, where only the part
    past ``used[which]`` (what the caller's fill does not write) is zeroed."""
    if ws is None:
        return np.zeros(L), None
    buf = ws.x if which == 0 else ws.y
    out = ws.X if which == 0 else ws.Y
    assert buf is not None and out is not None, "a square's buffers have no second operand"
    buf[0 if used is None else used[which]:] = 0.0
    return buf, out


def kept_bytes() -> int:
    """Bytes of buffers kept for reuse now."""
    return _bytes


def clear() -> None:
    """Free the transform buffers bigmul keeps between products (``bigmul.release_buffers``).

    Products of one size reuse their float engine's working arrays instead
    of allocating fresh memory each time (up to ``BIGMUL_KEEP_BYTES``,
    default 256 MiB in all); call this after a batch of large products to
    hand that memory back.  The next product allocates again.

    >>> import bigmul
    >>> bigmul.release_buffers()
    >>> kept_bytes()
    0
    """
    global _bytes
    with _lock:
        _free.clear()
        _bytes = 0
