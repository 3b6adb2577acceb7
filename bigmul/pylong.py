"""Python ints <-> arrays of their own 30-bit digits, without a per-byte conversion.

What this is for: moving huge operands in and out of array engines at memory
speed.  CPython stores a non-negative int as little-endian 30-bit digits in
uint32 words; :func:`digit_view` exposes them as a read-only numpy view (no
copy) and :func:`new_int` allocates an int of a given digit count whose
digits the caller fills in place (for example by a device download straight
into it) before anyone else sees the object.  ``int.to_bytes`` and
``int.from_bytes`` do the same work byte by byte: at 10^8 decimal digits
(83 MB product) ``from_bytes`` takes ~0.16 s where filling the digits takes
~0.01 s after allocation.
What it is not for: anything but CPython with 30-bit digits.  :func:`available`
is False elsewhere (PyPy, 15-bit-digit builds, a changed object layout) and
callers then use ``to_bytes``/``from_bytes``; ``BIGMUL_PYLONG=0`` forces that.

Exactness: the layout is not trusted on faith.  On first use a self-check
reads and writes ints of many sizes (digit patterns at the 30-bit edges) and
compares against ``to_bytes``/``from_bytes``; any difference disables the
fast path for the process.  The GPU engine's modular check is computed on
the digits read here and on the digits written back, so a wrong view cannot
pass unnoticed either.
"""
from __future__ import annotations

import platform
import sys
from functools import lru_cache
from typing import Any

import numpy as np

from . import envvars

__all__ = ["DIGIT_BITS", "available", "digit_count", "digit_view", "new_int", "digits_to_int"]

#: Bits per CPython int digit (the fast path needs 30).
DIGIT_BITS = 30
_OFFSET = int.__basicsize__  # ob_digit follows the header (ob_refcnt, ob_type, size/tag)


def digit_count(n: int) -> int:
    """Number of 30-bit digits of ``n >= 0`` (0 for zero)."""
    return -(-n.bit_length() // DIGIT_BITS)


class _Digits:
    """An ``__array_interface__`` over ``count`` uint32 words at ``address`` (no ctypes type per
    length: ``ctypes.c_char * count`` builds and caches a new array type for every distinct
    length, ~13 us each and never freed, where this costs ~2 us)."""

    __slots__ = ("__array_interface__",)

    def __init__(self, address: int, count: int, readonly: bool) -> None:
        self.__array_interface__ = {"data": (address, readonly), "shape": (count,),
                                    "typestr": "<u4", "version": 3}


def _view(n: int, count: int) -> np.ndarray:
    return np.asarray(_Digits(id(n) + _OFFSET, count, True))


def _writable(n: int, count: int) -> np.ndarray:
    return np.asarray(_Digits(id(n) + _OFFSET, count, False))


def _digits_by_bytes(n: int) -> np.ndarray:
    """Reference: the 30-bit digits of ``n`` through ``to_bytes`` (slow, independent)."""
    from .limbs import int_to_limbs

    return int_to_limbs(n, DIGIT_BITS).astype(np.uint32)


@lru_cache(maxsize=1)
def available() -> bool:
    """Whether the zero-copy digit access works here (CPython, 30-bit digits, self-check passed)."""
    if not envvars.get("BIGMUL_PYLONG"):
        return False
    if platform.python_implementation() != "CPython" or sys.int_info.bits_per_digit != 30 \
            or sys.int_info.sizeof_digit != 4:
        return False
    try:
        return _self_check()
    except Exception:  # noqa: BLE001 - any surprise means: do not use the fast path
        return False


def _self_check() -> bool:
    import random

    rng = random.Random(12345)
    cases = [1, 2**30 - 1, 2**30, 2**60 - 1, 2**90 + 5, (1 << 3000) - 1]
    cases += [rng.getrandbits(b) | 1 << (b - 1) for b in (31, 59, 61, 1000, 30 * 701, 100_003)]
    for n in cases:
        count = digit_count(n)
        ref = _digits_by_bytes(n)
        if not np.array_equal(_view(n, count), ref):
            return False
        m = new_int(count)
        _writable(m, count)[:] = ref
        if m != n or m.bit_length() != n.bit_length():
            return False
    return True


def digit_view(n: int) -> np.ndarray:
    """Read-only uint32 view of the 30-bit digits of ``n >= 0``, least significant first.

    The view is valid while ``n`` is alive; keep a reference.  Requires :func:`available`.
    """
    if n < 0:
        raise ValueError("digit_view needs a non-negative int")
    return _view(n, digit_count(n))


def new_int(count: int) -> int:
    """A new int with exactly ``count >= 1`` digits, to be filled with :func:`fill` before use.

    Its top digit must end up non-zero (CPython ints are normalised).
    """
    if count < 1:
        raise ValueError("count must be >= 1")
    return 1 << (DIGIT_BITS * count - 1)  # a fresh object: nobody else holds it


def fill(n: int, count: int) -> np.ndarray:
    """Writable uint32 view of the digits of an int made by :func:`new_int` (not of any other int)."""
    return _writable(n, count)


def digits_to_int(digits: Any) -> int:
    """The int whose 30-bit digits (uint32, little-endian, top digit non-zero) are given.

    >>> digits_to_int(np.array([5, 1], dtype=np.uint32)) == 5 + 2**30
    True
    """
    d = np.ascontiguousarray(digits, dtype=np.uint32)
    if len(d) == 0:
        return 0
    if not available():
        from .limbs import limbs_to_int

        return limbs_to_int(d.astype(np.int64), DIGIT_BITS)
    if d[-1] == 0 or int(d.max()) >= 1 << DIGIT_BITS:
        raise ValueError("digits must be below 2**30 with a non-zero top digit")
    n = new_int(len(d))
    fill(n, len(d))[:] = d
    return n
