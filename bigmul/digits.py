"""Public digit arrays: ``to_digits``, ``from_digits`` and ``carry``, in any base.

What this is for: the three public functions on digit arrays (most
significant digit first, as people write numbers), for any base >= 2:
int64 digits up to base 2**62, Python ints (object dtype) above.
What it is not for: the internal little-endian limb arrays of the engines
(``limbs.py``, ``text.py``) or carry propagation itself (``carrying.py``).
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from .carrying import normalize
from .limbs import int_to_limbs, limbs_to_int
from .operands import as_int_sequence, check_base
from .text import decimal_to_limbs, limbs_to_decimal, no_digit_limit, parse_decimal, power_of_ten

__all__ = ["to_digits", "from_digits", "carry", "evaluate"]


def to_digits(n: int | str, base: int) -> np.ndarray:
    """Digits of a non-negative integer in ``base``, most significant first.

    ``n`` may be an ``int`` (or anything with ``__index__``) or a decimal
    ``str``; for a ``str`` and ``base == 10**k`` the conversion reads the
    ASCII text directly, in linear time, with no digit limit.  Powers of two
    go through ``int.to_bytes`` (linear time).  An int in base ``10**k``
    goes through :func:`bigmul.to_str`'s conversion; other bases use
    divide-and-conquer with :func:`bigmul.divmod` (both O(M(n) log n) on
    bigmul's products).  Zero gives ``[0]``.  The dtype is
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
    base = check_base(base)
    if isinstance(n, str):
        sign, d = parse_decimal(n, "n")
        k = power_of_ten(base)
        if k:
            if sign < 0 and d.any():
                raise ValueError("n must be non-negative")
            limbs = decimal_to_limbs(d, k)
            return limbs[::-1].copy() if len(limbs) else np.zeros(1, dtype=np.int64)

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
    k = power_of_ten(base)
    if k:
        from .radix import int_to_ascii_checked

        text = int_to_ascii_checked(n)
        if k == 1:  # the digits themselves: one pass
            return (text - np.uint8(48)).astype(np.int64)
        return decimal_to_limbs(text - np.uint8(48), k)[::-1].copy()
    return _to_digits_dc(n, base)


def _to_digits_dc(n: int, base: int) -> np.ndarray:
    # Divide and conquer: split by base**(2**j) until pieces are one "chunk"
    # of m digits that fits in int64, then expand all chunks at once in numpy.
    # The powers by bigmul's squares, the splits by bigmul's divisions.
    from .api import square
    from .divide import divmod_int

    m = 1
    while base ** (m + 1) < 2 ** 62:
        m += 1
    chunk = base ** m
    powers = [chunk]
    while powers[-1].bit_length() * 2 - 1 <= n.bit_length():
        powers.append(square(powers[-1]))
    pieces = [n]
    for p in reversed(powers):  # each level doubles the number of pieces
        nxt = []
        for x in pieces:
            hi, lo = divmod_int(x, p)
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
    base = check_base(base)
    arr = as_int_sequence(digits)
    if arr.size == 0:
        return 0
    if arr.dtype == object:
        vals = [operator.index(v) for v in arr]
        if min(vals) < 0 or max(vals) >= base:
            bad = next(i for i, v in enumerate(vals) if not 0 <= v < base)
            raise ValueError(f"digit {vals[bad]} at index {bad} is outside [0, {base})")
        if base > 2 ** 62:
            return evaluate(vals, base)
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
    k = power_of_ten(base)
    if k:  # the digits as decimal text, then from_str's conversion
        from .radix import text_to_int_checked

        if k == 1:  # the digits are the text: one pass
            text = (arr.astype(np.uint8) + np.uint8(48)).tobytes().decode("ascii").lstrip("0")
            return text_to_int_checked(text) if text else 0
        text = limbs_to_decimal(arr[::-1].astype(np.int64), k)
        return 0 if text == "0" else text_to_int_checked(text)
    return evaluate(arr.tolist(), base)  # tolist(): exact Python ints for any integer dtype


def evaluate(vals: list, base: int) -> int:
    """``sum(vals[i] * base**(n-1-i))`` (most significant first) for any integers: pairwise, exact.

    log2(n) rounds, each a pass over a list; the cost is dominated by CPython's
    multiplication at the top.  Values need not be digits (``carry`` uses it).

    >>> evaluate([1, 20, 3], 10)
    303
    """
    from .api import multiply, square

    vals = list(reversed(vals))  # least significant first
    p = base
    while len(vals) > 1:
        if len(vals) % 2:
            vals.append(0)
        vals = [lo + multiply(hi, p) for lo, hi in zip(vals[0::2], vals[1::2])]
        if len(vals) > 1:
            p = square(p)
    return int(vals[0])


def carry(coeffs: Sequence[int] | np.ndarray, base: int) -> np.ndarray:
    """Normalise non-negative coefficients (most significant first) into digits of ``base``.

    The result is most significant first with no leading zeros (``[0]`` for
    zero).  Coefficients may be any size (int64 or Python ints in an object
    array); ``base`` is any integer >= 2.

    >>> carry([4, 13, 28, 27, 18], 10).tolist()
    [5, 6, 0, 8, 8]
    >>> carry([99, 99], 10).tolist()
    [1, 0, 8, 9]
    """
    base = check_base(base)
    arr = as_int_sequence(coeffs, "coeffs")
    if arr.size == 0:
        return np.zeros(1, dtype=np.int64)
    if arr.dtype == object:
        vals = [int(v) for v in arr]
        if min(vals) < 0:
            raise ValueError("coeffs must be non-negative")
        big = max(vals)
    else:
        if int(arr.min()) < 0:
            raise ValueError("coeffs must be non-negative")
        big = int(arr.max())
    if base >= 2 ** 31 or big >= 2 ** 62:
        # Exact but not vectorised: the value by a pairwise sum, then its digits.
        return to_digits(evaluate([int(v) for v in arr], base), base)
    # Headroom: the value is < big * base**n * base / (base - 1), so the extra
    # digits are those of 2 * big.
    extra = len(to_digits(2 * big + 1, base)) + 1
    c = np.zeros(len(arr) + extra, dtype=np.int64)
    c[: len(arr)] = arr[::-1]
    d = normalize(c, base)
    nz = np.flatnonzero(d)
    if len(nz) == 0:
        return np.zeros(1, dtype=np.int64)
    return d[: nz[-1] + 1][::-1].copy()
