"""The Karatsuba engine: exact int products of a few thousand to a few ten thousand bits, one call.

What this is for: the sizes where CPython's own multiply (Karatsuba on 30-bit digits, one digit
product at a time) is slow and the float FFT's fixed cost (transform plans, several kernel and
library calls) is not yet paid back (``benchmarks/results/session5/karatsuba_leaf.txt``).  The operands' bytes (``int.to_bytes``) go into
one numba kernel (``jit_kara.py``): 24-bit limbs, Karatsuba levels over all blocks at once, leaves
by a vectorised schoolbook product, the carry chain into the product's bytes, and the residues of
the bytes in and out for the modular check.  ``routes.karatsuba_int_product`` is the route.
What it is not for: large products (its work grows as n**1.58; the FFT and NTT engines take over
at ``tuning.INT_FFT_FUSED_MIN_BITS``) or operands above :data:`MAX_BITS` in the shorter one.

Exactness: the argument is in ``jit_kara.py`` (ring arithmetic modulo 2**64 on coefficients whose
true values stay below 2**63); the modular check and the carry guard of every product are the run-
time check, and ``tests/test_karatsuba.py`` makes both fire.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .. import bounds, tuning

__all__ = ["MAX_BITS", "available", "kernels", "product_bytes"]

#: Bits of the shorter operand at most (``jit_kara.MAX_LIMBS`` limbs of 24 bits).
MAX_BITS = bounds.KARATSUBA_LIMIT_BITS


def available() -> bool:
    """Whether numba imports (the engine's kernel is numba's)."""
    from . import fused

    return fused.available()


@lru_cache(maxsize=1)
def kernels() -> Any:
    """The compiled kernels (``jit_kara.py``: compiled once, then from numba's disk cache)."""
    from . import jit_kara

    return jit_kara


@lru_cache(maxsize=1)
def _constants() -> tuple[int, int, np.ndarray]:
    """The limb primes and their weight table for bytes (``fused.residue_weights``)."""
    from ..guards import LIMB_PRIMES
    from .fused import residue_weights

    q1, q2 = LIMB_PRIMES
    return q1, q2, residue_weights(q1, q2, 8)


def product_bytes(sa: bytes, sb: bytes | None, out: bytearray, drop_at: int = -1) -> tuple[Any, ...]:
    """The product of two little-endian byte strings (``sb=None``: the square of ``sa``), each of 1
    to ``MAX_BITS // 8`` bytes in the shorter one (unchecked here: the route's plan keeps to it),
    written into ``out``, a bytearray of ``len(sa) + len(sb)`` bytes.

    Returns ``(left, dropped, a1, a2, b1, b2, c1, c2)``: the carry left past ``out`` (0 for every
    correct product), whether ``drop_at`` (fault injection: the carry out of that limb is lost)
    changed anything, and the residues of ``sa``, ``sb`` and ``out`` modulo the two limb primes
    (``guards.LIMB_PRIMES``).

    >>> out = bytearray(4)
    >>> r = product_bytes((12345).to_bytes(2, "little"), (678).to_bytes(2, "little"), out)
    >>> int.from_bytes(out, "little"), int(r[0])
    (8369910, 0)
    """
    q1, q2, W = _constants()
    return kernels().mul_bytes_k(sa, sa if sb is None else sb, sb is None,
                                 tuning.current.KARATSUBA_LEAF_MAX_LIMBS, W, q1, q2, drop_at, out)
