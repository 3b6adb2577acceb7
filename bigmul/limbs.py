"""Limbs: Python ints <-> little-endian binary limb arrays, balanced limbs, and decimal digits <-> base 10**k limbs.

What this is for: the conversions at both ends of a binary product -- ``int``
to ``bits``-bit limbs through ``int.to_bytes`` and back, bytes <-> limbs on
numpy or CuPy arrays alike, and the balanced form the float engines need.
What it is not for: parsing decimal text (``text.py``), the public digit arrays
(``digits.py``) or arithmetic on limbs (``carrying.py`` and the engines).

Internal limb arrays are **little-endian** (least significant limb first), int64.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["array_module", "bytes_to_limbs", "limbs_to_bytes", "int_to_limbs", "limbs_to_int", "balance",
           "decimal_to_limbs", "limbs_to_decimal"]


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


# --- decimal limbs -----------------------------------------------------------
def decimal_to_limbs(d: np.ndarray, k: int) -> np.ndarray:
    """Decimal digit values (most significant first) -> base ``10**k`` limbs, least significant first.

    Leading zero limbs are dropped; zero gives an empty array.

    >>> decimal_to_limbs(np.array([1, 2, 3, 4, 5], np.uint8), 2).tolist()
    [45, 23, 1]
    """
    if len(d) == 0:
        return np.zeros(0, dtype=np.int64)
    nz = d != 0
    first = int(nz.argmax())
    if not nz[first]:
        return np.zeros(0, dtype=np.int64)
    d = d[first:]
    pad = (-len(d)) % k
    if pad:
        d = np.concatenate([np.zeros(pad, dtype=d.dtype), d])
    m = d.reshape(-1, k)[::-1]  # least significant limb first
    # Horner in the narrowest dtype that holds 10**k (less memory traffic).
    dt: Any = np.int32 if k <= 9 else np.int64
    limbs: Any = m[:, 0].astype(dt)
    for j in range(1, k):
        limbs *= 10
        limbs += m[:, j]
    return limbs.astype(np.int64)


_TABLES: dict[int, np.ndarray] = {}


def _digit_table(k: int) -> np.ndarray:
    """ASCII of every ``k``-digit group, zero padded: shape ``(10**k, k)`` uint8 (k <= 4)."""
    t = _TABLES.get(k)
    if t is None:
        v: np.ndarray = np.arange(10 ** k, dtype=np.int64)
        t = np.empty((10 ** k, k), dtype=np.uint8)
        for j in range(k - 1, -1, -1):
            v, r = np.divmod(v, 10)
            t[:, j] = r + 48
        t.setflags(write=False)
        _TABLES[k] = t
    return t


def limbs_to_decimal(limbs: np.ndarray, k: int) -> str:
    """Base ``10**k`` limbs in ``[0, 10**k)`` (least significant first) -> decimal text, no sign.

    Each limb is split into groups of at most 4 digits (one ``divmod`` per
    split) whose ASCII comes from a lookup table.

    >>> limbs_to_decimal(np.array([45, 23, 1]), 2)
    '12345'
    >>> limbs_to_decimal(np.array([5, 0, 7]), 9)
    '7000000000000000005'
    >>> limbs_to_decimal(np.array([], dtype=np.int64), 3)
    '0'
    """
    if len(limbs) == 0:
        return "0"
    nz = limbs[::-1] != 0
    top = int(nz.argmax())
    if not nz[top]:
        return "0"
    v = limbs[: len(limbs) - top][::-1]
    if k == 8:  # the decimal path's usual width: two 4-digit table words per limb
        hi, lo = np.divmod(v, 10_000)
        t32 = _digit_table(4).view("<u4").reshape(-1)
        out32 = np.empty((len(v), 2), dtype="<u4")
        out32[:, 0] = t32[hi]
        out32[:, 1] = t32[lo]
        flat = out32.view(np.uint8).reshape(-1)
        first = int(np.argmax(flat != 48))
        return flat[first:].tobytes().decode("ascii")
    widths = [4] * (k // 4) + ([k % 4] if k % 4 else [])  # most significant group last
    out = np.empty((len(v), k), dtype=np.uint8)
    pos = k
    for i, w in enumerate(widths):
        if i < len(widths) - 1:
            v, r = np.divmod(v, 10 ** w)
        else:
            r = v
        out[:, pos - w: pos] = _digit_table(w)[r]
        pos -= w
    flat = out.reshape(-1)
    first = int(np.argmax(flat != 48))
    return flat[first:].tobytes().decode("ascii")
