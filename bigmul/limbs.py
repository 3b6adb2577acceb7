"""Binary limbs: Python ints <-> little-endian limb arrays, and balanced limbs, for numpy and CuPy.

What this is for: the conversions at both ends of a binary product -- ``int``
to ``bits``-bit limbs through ``int.to_bytes`` and back, bytes <-> limbs on
numpy or CuPy arrays alike, and the balanced form the float engines need.
What it is not for: decimal text (``text.py``), the public digit arrays
(``digits.py``) or arithmetic on limbs (``carrying.py`` and the engines).

Internal limb arrays are **little-endian** (least significant limb first), int64.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["array_module", "bytes_to_limbs", "limbs_to_bytes", "int_to_limbs", "limbs_to_int", "balance"]


# --- binary limbs ------------------------------------------------------------
def _group_layout(bits: int) -> list[tuple[int, int, bool]]:
    """For a group of 8 limbs (exactly ``bits`` bytes): (word, shift, spill) per limb."""
    out: list[tuple[int, int, bool]] = []
    for i in range(8):
        pos = bits * i
        w, off = divmod(pos, 64)
        out.append((w, off, off + bits > 64))
    return out


def array_module(a: Any) -> Any:
    """numpy, or CuPy for a CuPy array (so one kernel serves both; CuPy is never imported otherwise)."""
    if type(a).__module__.split(".")[0] == "cupy":
        import cupy

        return cupy
    return np


def bytes_to_limbs(raw: Any, bits: int, count: int) -> Any:
    """Little-endian bytes (uint8 array of exactly ``ceil(count/8) * bits`` bytes) -> ``count`` limbs.

    Works on numpy and CuPy arrays alike: groups of 8 limbs span exactly
    ``bits`` bytes, read as ``ceil(bits/8)`` 64-bit words and cut with a fixed
    set of shifts.  Returns int64.
    """
    xp = array_module(raw)
    groups = len(raw) // bits
    nw = -(-bits * 8 // 64)
    padded = xp.zeros((groups, nw * 8), dtype=xp.uint8)
    padded[:, :bits] = raw.reshape(groups, bits)
    W = padded.view(xp.uint64)
    mask = xp.uint64((1 << bits) - 1)
    out = xp.empty((groups, 8), dtype=xp.uint64)
    for i, (w, off, spill) in enumerate(_group_layout(bits)):
        d = W[:, w] >> xp.uint64(off)
        if spill:
            d |= W[:, w + 1] << xp.uint64(64 - off)
        out[:, i] = d & mask
    return out.reshape(-1)[:count].view(xp.int64)


def limbs_to_bytes(limbs: Any, bits: int) -> Any:
    """Inverse of :func:`bytes_to_limbs`: limbs in ``[0, 2**bits)`` -> little-endian uint8 bytes."""
    xp = array_module(limbs)
    n = len(limbs)
    groups = -(-n // 8)
    d = xp.zeros(groups * 8, dtype=xp.uint64)
    d[:n] = limbs
    d = d.reshape(groups, 8)
    nw = -(-bits * 8 // 64)
    W = xp.zeros((groups, nw), dtype=xp.uint64)
    for i, (w, off, spill) in enumerate(_group_layout(bits)):
        W[:, w] |= d[:, i] << xp.uint64(off)
        if spill:
            W[:, w + 1] |= d[:, i] >> xp.uint64(64 - off)
    return W.view(xp.uint8).reshape(groups, nw * 8)[:, :bits].reshape(-1)


def int_to_limbs(n: int, bits: int) -> np.ndarray:
    """Split ``n >= 0`` into ``bits``-bit limbs, least significant first (int64).

    Zero gives an empty array.  ``1 <= bits <= 56``.  Linear time: one
    ``int.to_bytes`` and, for widths that are not 8, 16 or 32, a fixed number
    of vectorised shifts over groups of 8 limbs (which span exactly ``bits``
    bytes).

    >>> int_to_limbs(0x123456, 8).tolist()
    [86, 52, 18]
    >>> int_to_limbs(2**26 - 1, 13).tolist()
    [8191, 8191]
    >>> int_to_limbs(0, 12).tolist()
    []
    """
    if not 1 <= bits <= 56:
        raise ValueError(f"bits must be in [1, 56], got {bits}")
    count = -(-n.bit_length() // bits)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    buf = n.to_bytes(-(-count // 8) * bits, "little")
    if bits in (8, 16, 32):
        dt: Any = {8: np.uint8, 16: "<u2", 32: "<u4"}[bits]
        return np.frombuffer(buf, dtype=dt, count=count).astype(np.int64)
    return bytes_to_limbs(np.frombuffer(buf, dtype=np.uint8), bits, count)


def limbs_to_int(limbs: np.ndarray, bits: int) -> int:
    """Inverse of :func:`int_to_limbs`: limbs in ``[0, 2**bits)``, least significant first.

    >>> limbs_to_int(np.array([86, 52, 18]), 8) == 0x123456
    True
    >>> limbs_to_int(np.array([8191, 8191]), 13) == 2**26 - 1
    True
    """
    if not 1 <= bits <= 56:
        raise ValueError(f"bits must be in [1, 56], got {bits}")
    if len(limbs) == 0:
        return 0
    if bits in (8, 16, 32):
        dt: Any = {8: np.uint8, 16: "<u2", 32: "<u4"}[bits]
        return int.from_bytes(limbs.astype(dt).tobytes(), "little")
    return int.from_bytes(limbs_to_bytes(limbs, bits).tobytes(), "little")


def balance(limbs: np.ndarray, base: int) -> np.ndarray:
    """Rewrite limbs in ``[0, base)`` as limbs in ``[-base/2, base/2]`` (same value).

    Returns a float64 array one element longer (the top may receive a carry).
    No carry chain: each limb borrows from its own value only.

    >>> balance(np.array([255, 255]), 256).tolist()
    [-1.0, 0.0, 1.0]
    """
    xp = array_module(limbs)
    half = base // 2
    out = xp.empty(len(limbs) + 1, dtype=xp.float64)
    c = limbs >= half
    out[:-1] = limbs
    out[:-1] -= c * float(base)
    out[1:-1] += c[:-1]
    out[-1] = c[-1] if len(limbs) else 0
    return out
