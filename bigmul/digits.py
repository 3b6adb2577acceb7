"""Digit arrays: Python ints and decimal text <-> limb arrays, in linear time.

What this is for: the conversions at both ends of a product -- ``int`` to
binary limbs through ``int.to_bytes``, decimal ASCII to base ``10**k`` limbs
through numpy, and back -- plus the public ``to_digits``/``from_digits``.
What it is not for: arithmetic on the limbs (``carry.py`` and the engines).

Internal limb arrays are **little-endian** (least significant limb first),
``int64``; public digit arrays are **most significant first**, as people
write numbers.
"""
from __future__ import annotations

import operator
import re
from typing import Any, Sequence

import numpy as np

__all__ = [
    "int_to_limbs", "limbs_to_int", "parse_decimal", "decimal_to_limbs", "limbs_to_decimal",
    "to_digits", "from_digits", "balance", "array_module", "bytes_to_limbs", "limbs_to_bytes",
]

_POW10 = [10 ** i for i in range(19)]


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


# --- decimal text ------------------------------------------------------------
_SEPARATORS = re.compile("[\x1c-\x1f]")


def _bad_char(s: str, pos: int, what: str = "operand") -> ValueError:
    ch = s[pos]
    ctx = s[max(0, pos - 10): pos + 10]
    return ValueError(
        f"invalid character {ch!r} at position {pos} (counting from 0) in decimal {what} (near {ctx!r})"
    )


def parse_decimal(s: str, what: str = "operand") -> tuple[int, np.ndarray]:
    """Validate decimal text; return ``(sign, digit values as uint8, most significant first)``.

    Accepts what ``int()`` accepts for base 10 ASCII: surrounding whitespace,
    one optional ``+``/``-``, digits, single underscores between digits.
    Leading zeros are kept (callers strip them).  Errors name the offending
    character and its position, never the whole string.

    >>> parse_decimal(" -1_234 ")[0], parse_decimal(" -1_234 ")[1].tolist()
    (-1, [1, 2, 3, 4])
    """
    if not isinstance(s, str):
        raise TypeError(f"decimal {what} must be str, not {type(s).__name__}")
    t = s.strip()
    lead = len(s) - len(s.lstrip())
    # str.strip() also removes the ASCII separators \x1c-\x1f, which int() keeps
    # (and then rejects): reject them too, at their position.
    for start, span in ((0, s[:lead]), (lead + len(t), s[lead + len(t):])):
        m = _SEPARATORS.search(span)
        if m:
            raise _bad_char(s, start + m.start(), what)
    if not t:
        raise ValueError(f"empty decimal {what}")
    sign = 1
    start = 0
    if t[0] in "+-":
        sign = -1 if t[0] == "-" else 1
        start = 1
        if len(t) == 1:
            raise ValueError(f"decimal {what} has a sign but no digits")
    try:
        raw = t.encode("ascii")
    except UnicodeEncodeError as exc:
        raise _bad_char(s, lead + exc.start, what) from None
    arr = np.frombuffer(raw, dtype=np.uint8)[start:]
    d = arr - np.uint8(48)  # wraps for bytes < '0', so one compare finds both sides
    bad = d > 9
    if bad.any():
        under = arr == ord("_")
        if (bad & ~under).any():
            pos = int(np.argmax(bad & ~under))
            raise _bad_char(s, lead + start + pos, what)
        # Underscores: not first, not last, never two in a row.
        upos = np.flatnonzero(under)
        if upos[0] == 0 or upos[-1] == len(arr) - 1:
            p = int(upos[0] if upos[0] == 0 else upos[-1])
            raise _bad_char(s, lead + start + p, what)
        dbl = np.flatnonzero(np.diff(upos) == 1)
        if len(dbl):
            raise _bad_char(s, lead + start + int(upos[dbl[0] + 1]), what)
        d = d[~under]
    return sign, d


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
        v = np.arange(10 ** k, dtype=np.int64)
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


# --- public digit arrays -----------------------------------------------------
def _check_base(base: Any) -> int:
    if isinstance(base, bool) or not hasattr(type(base), "__index__"):
        raise TypeError(f"base must be an integer, not {type(base).__name__}")
    base = operator.index(base)
    if base < 2:
        raise ValueError(f"base must be >= 2, got {base}")
    return base


def _power_of_ten(base: int) -> int:
    """k if base == 10**k (k <= 18), else 0."""
    for k in range(1, 19):
        if _POW10[k] == base:
            return k
    return 0


def to_digits(n: int | str, base: int) -> np.ndarray:
    """Digits of a non-negative integer in ``base``, most significant first.

    ``n`` may be an ``int`` (or anything with ``__index__``) or a decimal
    ``str``; for a ``str`` and ``base == 10**k`` the conversion reads the
    ASCII text directly, in linear time, with no digit limit.  Powers of two
    go through ``int.to_bytes`` (linear time).  Other bases use
    divide-and-conquer on Python ints.  Zero gives ``[0]``.  The dtype is
    int64 when ``base <= 2**62``, else object (Python ints); any
    ``base >= 2`` works.

    >>> to_digits(123, 10).tolist()
    [1, 2, 3]
    >>> to_digits("00012345678", 1000).tolist()
    [12, 345, 678]
    >>> to_digits(255, 16).tolist()
    [15, 15]
    >>> to_digits(2**130, 2**64).tolist()
    [4, 0, 0]
    """
    base = _check_base(base)
    if isinstance(n, str):
        sign, d = parse_decimal(n, "n")
        k = _power_of_ten(base)
        if k:
            if sign < 0 and d.any():
                raise ValueError("n must be non-negative")
            limbs = decimal_to_limbs(d, k)
            return limbs[::-1].copy() if len(limbs) else np.zeros(1, dtype=np.int64)

        from .reference import no_digit_limit

        with no_digit_limit():
            n = int(n)
    if isinstance(n, bool) or not hasattr(type(n), "__index__"):
        raise TypeError(f"n must be an integer or decimal str, not {type(n).__name__}")
    n = operator.index(n)
    if n < 0:
        raise ValueError("n must be non-negative")
    if n == 0:
        return np.zeros(1, dtype=np.int64 if base <= 2 ** 62 else object)
    bits = base.bit_length() - 1
    if base & (base - 1) == 0 and bits <= 56:
        return int_to_limbs(n, bits)[::-1].copy()
    if base == 2 ** 64:  # machine words: one to_bytes, Python ints out (object dtype)
        words = np.frombuffer(n.to_bytes(-(-n.bit_length() // 64) * 8, "little"), dtype="<u8")
        return np.array(words[::-1].tolist(), dtype=object)
    return _to_digits_dc(n, base)


def _to_digits_dc(n: int, base: int) -> np.ndarray:
    # Divide and conquer: split by base**(2**j) until pieces are one "chunk"
    # of m digits that fits in int64, then expand all chunks at once in numpy.
    m = 1
    while base ** (m + 1) < 2 ** 62:
        m += 1
    chunk = base ** m
    powers = [chunk]
    while powers[-1] ** 2 <= n:
        powers.append(powers[-1] ** 2)
    pieces = [n]
    for p in reversed(powers):  # each level doubles the number of pieces
        nxt = []
        for x in pieces:
            hi, lo = divmod(x, p)
            nxt.append(hi)
            nxt.append(lo)
        pieces = nxt
    if m == 1:  # base >= 2**31: each piece is one digit (object dtype above int64)
        flat = np.array(pieces, dtype=np.int64 if base <= 2 ** 62 else object)
    else:  # chunk < 2**62: the pieces expand into m int64 digits each
        arr = np.array(pieces, dtype=np.int64)
        out = np.empty((len(arr), m), dtype=np.int64)
        for j in range(m - 1, -1, -1):
            arr, r = np.divmod(arr, base)
            out[:, j] = r
        flat = out.reshape(-1)
    first = int(np.argmax(flat != 0))
    return flat[first:].copy()


def _as_digit_array(digits: Any, name: str = "digits") -> np.ndarray:
    """A 1-D integer array (or object array of ints) from an array, sequence or iterable.

    Python sequences are read with object dtype first, so numpy never picks
    float64 or uint64 for them; numpy arrays must have an integer dtype
    (float arrays are refused even when empty, as everywhere in bigmul).
    """
    if isinstance(digits, (str, bytes, bytearray)) or digits is None or isinstance(digits, (int, float)):
        raise TypeError(f"{name} must be a 1-D sequence of integers or an integer array, "
                        f"not {type(digits).__name__}")
    if isinstance(digits, np.ndarray):
        arr = digits
    else:
        if not hasattr(digits, "__len__"):  # generators and other iterables
            try:
                digits = list(digits)
            except TypeError:
                raise TypeError(f"{name} must be a 1-D sequence of integers or an integer array, "
                                f"not {type(digits).__name__}") from None
        arr = np.asarray(digits, dtype=object)
        if arr.ndim == 1 and arr.size and all(isinstance(e, np.integer) for e in arr.tolist()):
            typed = np.asarray(digits)
            if typed.dtype.kind in "iu":
                arr = typed
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence or array, got shape {arr.shape}")
    if arr.dtype == object:
        for i, v in enumerate(arr.tolist()):
            if isinstance(v, bool) or not hasattr(type(v), "__index__"):
                raise TypeError(f"{name}[{i}] is {type(v).__name__}, not an integer")
        return arr
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} has a boolean dtype; convert to an integer dtype first")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must have an integer dtype, got {arr.dtype} "
                        "(floats are refused rather than silently truncated)")
    return arr


def from_digits(digits: Sequence[int] | np.ndarray, base: int) -> int:
    """The integer whose digits in ``base`` (most significant first) are given.

    Every digit must lie in ``[0, base)``; ``base`` is any integer >= 2.
    Digits may be a sequence of ints or an integer numpy array (uint64 words
    with base ``2**64`` included: values are never cast through int64).  An
    empty sequence gives 0.

    >>> from_digits([1, 2, 3], 10)
    123
    >>> from_digits([15, 15], 16)
    255
    >>> from_digits([2**64 - 1, 2**64 - 1], 2**64) == 2**128 - 1
    True
    """
    base = _check_base(base)
    arr = _as_digit_array(digits)
    if arr.size == 0:
        return 0
    if arr.dtype == object:
        vals = [operator.index(v) for v in arr]
        if min(vals) < 0 or max(vals) >= base:
            bad = next(i for i, v in enumerate(vals) if not 0 <= v < base)
            raise ValueError(f"digit {vals[bad]} at index {bad} is outside [0, {base})")
        if base > 2 ** 62:
            return _from_digits_dc(vals, base)
        arr = np.array(vals, dtype=np.int64)
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= base:
        bad = next(i for i, v in enumerate(arr.tolist()) if not 0 <= v < base)  # error path only
        raise ValueError(f"digit {int(arr[bad])} at index {bad} is outside [0, {base})")
    # Every digit is now in [0, base): int64 holds them only while base <= 2**63
    # (uint64 words of base 2**64 would wrap), so the casts below are guarded.
    bits = base.bit_length() - 1
    if base & (base - 1) == 0 and bits <= 56:
        return limbs_to_int(arr[::-1].astype(np.int64), bits)
    if base == 2 ** 64:
        return int.from_bytes(arr[::-1].astype("<u8").tobytes(), "little")
    return _from_digits_dc(arr.tolist(), base)  # tolist(): exact Python ints for any integer dtype


def _from_digits_dc(vals: list, base: int) -> int:
    # Pairwise combination: log2(n) rounds, each a vectorised-by-list pass;
    # total cost dominated by CPython's multiplication at the top.
    vals = list(reversed(vals))  # least significant first
    p = base
    while len(vals) > 1:
        if len(vals) % 2:
            vals.append(0)
        vals = [lo + hi * p for lo, hi in zip(vals[0::2], vals[1::2])]
        p = p * p
    return int(vals[0])
