"""Kronecker substitution: a convolution of signed integers as one big-integer product.

What this is for: ``convolve`` of coefficients too wide (or products too
large) for a float FFT of the values themselves.  Each sequence is packed into
one integer with ``w``-bit slots, ``X = sum x[i] * 2**(w*i)``; then
``X * Y = sum c[k] * 2**(w*k)`` where ``c`` is the exact convolution, and the
slots of the product are read back in one linear pass.  The product runs
either on the slots themselves (``fft.slot_product``: the fused kernels split
the slots into the balanced limbs the error bound allows and write the
carried product back into slots, ``D = C + H`` below computed on the way) or,
as the fallback, on Python ints through bigmul's int engines (with all their
guards and fallbacks) -- either way this is also "wide coefficients split
into limbs the float FFT handles exactly".
What it is not for: choosing when to use it (``plan.plan_convolve``).

Why it is exact (the whole argument; ``tests/test_convolve_fast.py`` pins
the extreme cases):

- the slot width is ``w = 8 * slot_bytes(bound)`` with ``2**(w-1) > bound >=
  max |c[k]|`` where ``bound = min(n1, n2) * max|x| * max|y|``;
- packing is exact: a slot holds ``x[i] mod 2**w`` (two's complement, since
  ``|x[i]| <= bound < 2**(w-1)``), and every negative ``x[i]`` then contributes
  ``2**w`` too much at slot ``i``, i.e. ``2**(w*(i+1))``, which is subtracted
  (one linear big-int subtraction);
- unpacking: ``D = C + H`` with ``H = sum 2**(w-1) * 2**(w*k)`` over the
  ``n1 + n2 - 1`` slots equals ``sum (c[k] + 2**(w-1)) * 2**(w*k)`` with
  every term in ``[0, 2**w)``, so the ``w``-bit slots of ``D`` are exactly
  ``c[k] + 2**(w-1)``; flipping each slot's top bit turns that into the
  two's complement of ``c[k]``, read back signed.  No carries cross slots.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .guards import GuardTrip, powers_mod

__all__ = ["slot_bytes", "slots_of", "pack_slots", "pack", "unpack_slots", "slot_values", "unpack",
           "slot_residues"]


def slot_bytes(bound: int) -> int:
    """Bytes per slot so that ``2**(8 * slot_bytes - 1) > bound`` (room for the sign).

    >>> slot_bytes(127), slot_bytes(128), slot_bytes(2**63 - 1)
    (1, 2, 8)
    """
    return (bound.bit_length() + 1 + 7) // 8


def slots_of(values: np.ndarray, nb: int) -> np.ndarray:
    """Each value's ``nb``-byte two's complement, little-endian: a ``(len, nb)`` uint8 array.

    Every ``|value|`` must be below ``2**(8*nb - 1)``.

    >>> slots_of(np.array([1, -1]), 2).tolist()
    [[1, 0], [255, 255]]
    """
    n = len(values)
    if values.dtype == object:
        try:
            raw = b"".join([v.to_bytes(nb, "little", signed=True) for v in values.tolist()])
        except OverflowError:
            raise GuardTrip("magnitude", float(8 * nb)) from None  # a value does not fit its slot
        return np.frombuffer(raw, np.uint8).reshape(n, nb)
    if not np.little_endian:  # pragma: no cover - the byte view below assumes little-endian words
        raise NotImplementedError("Kronecker packing assumes a little-endian machine")
    v = np.ascontiguousarray(values, dtype=np.int64)
    raw8 = v.view(np.uint8).reshape(n, 8)
    if nb < 8 and n and (int(v.max()) >= 2 ** (8 * nb - 1) or int(v.min()) < -2 ** (8 * nb - 1)):
        raise GuardTrip("magnitude", float(8 * nb))  # a value does not fit its slot
    if nb <= 8:
        return raw8[:, :nb]
    out = np.empty((n, nb), np.uint8)  # sign-extend each value to nb bytes
    out[:, :8] = raw8
    out[:, 8:] = np.where(v < 0, 0xFF, 0).astype(np.uint8)[:, None]
    return out


def pack_slots(slots: np.ndarray) -> int:
    """``sum value[i] * 2**(w*i)`` (``w = 8 * nb``) from the two's complement slots of :func:`slots_of`.

    The slots read as one unsigned number hold ``value mod 2**w`` each; every
    negative value is ``2**w`` too large there, i.e. ``2**(w*(i+1))`` in all,
    which is subtracted.
    """
    n, nb = slots.shape
    U = int.from_bytes(np.ascontiguousarray(slots).tobytes(), "little")
    neg = np.flatnonzero(slots[:, nb - 1] >= 0x80)
    if len(neg) == 0:
        return U
    m = np.zeros((n + 1) * nb, np.uint8)
    m[(neg + 1) * nb] = 1
    return U - int.from_bytes(m.tobytes(), "little")


def pack(values: np.ndarray, nb: int) -> int:
    """``sum values[i] * 2**(8*nb*i)`` for an int64 or object array with every ``|value| < 2**(8*nb-1)``.

    >>> pack(np.array([3, -1, 2]), 1) == 3 - 2**8 + 2 * 2**16
    True
    """
    return pack_slots(slots_of(values, nb))


def _half_offsets(count: int, nb: int) -> int:
    """``H = sum 2**(8*nb-1) * 2**(8*nb*k)`` for ``k < count``: the top bit of every slot."""
    h = np.zeros((count, nb), np.uint8)
    h[:, nb - 1] = 0x80
    return int.from_bytes(h.tobytes(), "little")


def unpack_slots(C: int, nb: int, count: int) -> np.ndarray:
    """The two's complement slots ``(count, nb)`` of ``C = sum c[k] * 2**(8*nb*k)``, each ``|c[k]| < 2**(8*nb-1)``.

    ``GuardTrip('magnitude')`` when ``C`` cannot be such a sum (it does not
    fit ``count`` slots).
    """
    D = C + _half_offsets(count, nb)
    if D < 0 or D.bit_length() > 8 * nb * count:
        raise GuardTrip("magnitude", float(D.bit_length()))  # the slots do not hold the coefficients
    arr = np.frombuffer(D.to_bytes(count * nb, "little"), np.uint8).reshape(count, nb).copy()
    arr[:, nb - 1] ^= 0x80  # slot = c + 2**(w-1)  ->  two's complement of c
    return arr


def slot_values(slots: np.ndarray, as_object: bool) -> Any:
    """The signed values of two's complement slots: int64 (``nb <= 8``, not ``as_object``) or Python ints."""
    count, nb = slots.shape
    if not as_object and nb <= 8:
        out = np.empty((count, 8), np.uint8)
        out[:, :nb] = slots
        out[:, nb:] = np.where(slots[:, nb - 1] >= 0x80, 0xFF, 0).astype(np.uint8)[:, None]
        return out.reshape(-1).view(np.int64)
    raw = np.ascontiguousarray(slots).tobytes()
    fb = int.from_bytes
    return [fb(raw[i:i + nb], "little", signed=True) for i in range(0, count * nb, nb)]


def unpack(C: int, nb: int, count: int, as_object: bool) -> Any:
    """The ``count`` signed slot values of ``C = sum c[k] * 2**(8*nb*k)`` (each ``|c[k]| < 2**(8*nb-1)``).

    int64 array (``nb <= 8`` and not ``as_object``) or a list of Python ints.

    >>> unpack(pack(np.array([5, -7, 0, -1]), 2), 2, 4, False).tolist()
    [5, -7, 0, -1]
    >>> unpack(-(2**100) * 2**128, 16, 2, True)
    [0, -1267650600228229401496703205376]
    """
    return slot_values(unpack_slots(C, nb, count), as_object)


@lru_cache(maxsize=32)
def _byte_powers(qs: tuple[int, ...], nb: int) -> np.ndarray:
    """``256**j mod q`` for ``j < nb``, one column per prime, as float64 (exact: below ``2**31``)."""
    out = np.stack([powers_mod(256, q, nb) for q in qs], axis=1).astype(np.float64)
    out.setflags(write=False)
    return out


def slot_residues(slots: np.ndarray, qs: tuple[int, ...]) -> np.ndarray:
    """Each slot's signed value modulo each prime ``q < 2**31``: int64, shape ``(count, len(qs))``.

    No Python int per slot: the bytes are summed against ``256**j mod q`` by a
    float64 matrix product in column blocks short enough that every partial
    sum is an exact integer (``block * 255 * q < 2**53``), then the two's
    complement sign subtracts ``2**w mod q``.

    >>> slot_residues(slots_of(np.array([10**15, -3, 0], dtype=object), 8), (1000003,))[:, 0].tolist() == [
    ...     10**15 % 1000003, -3 % 1000003, 0]
    True
    """
    count, nb = slots.shape
    pw = _byte_powers(tuple(qs), nb)
    Q = np.array(qs, dtype=np.int64)
    acc = np.zeros((count, len(qs)), dtype=np.int64)
    block = max(1, (2 ** 53) // (255 * max(qs)))
    for j in range(0, nb, block):
        part = slots[:, j:j + block].astype(np.float64) @ pw[j:j + block]
        acc = (acc + part.astype(np.int64) % Q) % Q
    neg = slots[:, nb - 1] >= 0x80
    if neg.any():
        acc[neg] = (acc[neg] - np.array([pow(2, 8 * nb, q) for q in qs], dtype=np.int64)) % Q
    return acc
