"""Whole products, one function per route: operands in, a checked product out.

What this is for: the routes the plan names (``Step.route``) -- ``fused``:
numba passes that read the operands' own digits (or slots, or decimal
digits) straight into the transform buffers and write the rounded, carried
product straight into the result (``fused.py``); ``limbs``: numpy limb
arrays through any engine of the registry (``limb_product``).  Every route
ends with :func:`guards.check_product`, the one modular check, and raises
``GuardTrip`` when a guard fails; the fallback ladder is ``run.py``'s.
What it is not for: deciding the route (``plan.py``) or the transforms
themselves (``fft.py``, ``fourstep.py``, the other engines).
"""
from __future__ import annotations

from concurrent.futures import Future
from functools import partial
from typing import Callable

import numpy as np

from .. import bounds, cache, memory, pylong, tuning
from ..guards import LIMB_PRIMES, PRIME, GuardTrip, check_float, check_limbs, check_product
from ..limbs import decimal_to_limbs, int_to_limbs, limbs_to_decimal, limbs_to_int
from . import fft, fourstep, fused, limb_product

__all__ = ["check_flags", "int_product", "ntt_int_product", "limb_int_product", "slot_product", "text_product", "text_product_ascii",
           "SharedFactor", "text_join", "SharedInt", "int_join_shared", "int_product_wrap",
           "limb_text_product", "scalar_text_product"]


def check_flags(f: fused.Flags | fused.Checked | fused.Wrapped) -> None:
    """The guards on a fused kernel's result: NaN/huge values, round-off, magnitude, digits past the end."""
    if f.bad:
        raise GuardTrip("roundoff" if not f.mag >= bounds.FLOAT_EXACT else "magnitude", f.err)
    check_float(f.err, f.mag)
    if f.over:
        raise GuardTrip("carry", 0.0)


def int_product(a: int, b: int | None, bits: int, checked: bool = True) -> int:
    """``a * b`` (``b=None``: ``a * a``) of positive ints with fused passes, modular check included
    (``checked=False``: without it, for a caller that checks its whole result -- ``api.multiply_unchecked``).

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
    L, steps, needed = fft.fused_shape(n1, n2, 1 << bits)
    needed += 4 * (n1 + n2)  # plus the result's digits
    if needed >= tuning.current.MEMORY_CHECK_MIN_BYTES or memory.limit_set():
        memory.check_memory(needed, f"an FFT product of {n1} x {n2} limbs")
    da = pylong.digit_view(a)
    db = da if b is None else pylong.digit_view(b)
    q1, q2 = LIMB_PRIMES
    count = -(-(ba + bb) // pylong.DIGIT_BITS)  # the product has ba + bb or ba + bb - 1 bits
    c = pylong.new_int(count)
    out = pylong.fill(c, count)
    # The operands' residues inline, in the last pass's call: on the helper thread (as the numpy
    # route does from OVERLAP_BITS) they wake an idle core for little work, or compete with the
    # inverse transform for the cores (``benchmarks/results/tuning_history.md``).
    fill_y = None if b is None else partial(fused.split_balanced, db, bits, n2)
    if not checked:
        f = fft.convolve_kept(partial(fused.split_balanced, da, bits, n1), fill_y, L, steps, (n1 + 1, n2 + 1),
                              partial(fused.round_carry_pack, n=need, bits=bits, out=out))
        check_flags(f)
        return _trimmed(c, out, count)
    # Where the transforms use both cores, so does the last pass (two halves of the limbs).
    r = fft.convolve_kept(partial(fused.split_balanced, da, bits, n1), fill_y, L, steps, (n1 + 1, n2 + 1),
                          partial(fused.round_carry_pack_residues, n=need, bits=bits, out=out, da=da,
                                  db=None if b is None else db, q1=q1, q2=q2,
                                  threads=1 if steps is None else fourstep.workers_for(L)))
    check_flags(r)
    ra, rb, rc = r.ra, r.rb, r.rc
    top = count
    while top and out[top - 1] == 0:
        top -= 1
    if top < count - 1 or top == 0:
        raise GuardTrip("carry", 0.0)  # far too short to be the product
    if top < count:  # one digit shorter than the operands allow: copied into an int of top digits
        c = pylong.digits_to_int(out[:top].copy())
        rc = fused.residues30(pylong.digit_view(c), top, q1, q2)  # the check covers the copy too
    check_product(ra, rb, rc, LIMB_PRIMES)
    return c


def karatsuba_int_product(a: int, b: int | None, checked: bool = True) -> int:
    """``a * b`` (``b=None``: ``a * a``) of positive ints by the Karatsuba engine (``karatsuba.py``):
    the operands' bytes in, the product's bytes out, in one kernel call.  Modular check on the
    residues of the bytes in and out (``checked=False``: without it); ``GuardTrip("carry")`` when
    a carry is left past the product's bytes.  Requires ``karatsuba.available()`` and at most
    ``karatsuba.MAX_BITS`` bits in the shorter operand.

    >>> karatsuba_int_product(3 ** 5000, 7 ** 3000) == 3 ** 5000 * 7 ** 3000
    True
    """
    from . import karatsuba

    sa = a.to_bytes((a.bit_length() + 7) >> 3, "little")
    sb = None if b is None else b.to_bytes((b.bit_length() + 7) >> 3, "little")
    out = bytearray(len(sa) + len(sa if sb is None else sb))
    left, _, a1, a2, b1, b2, c1, c2 = karatsuba.product_bytes(sa, sb, out)
    if left:
        raise GuardTrip("carry", 0.0)
    if checked:
        check_product((a1, a2), (b1, b2), (c1, c2), LIMB_PRIMES)
    return int.from_bytes(out, "little")


def ntt_int_product(a: int, b: int | None, checked: bool = True) -> int:
    """``a * b`` (``b=None``: ``a * a``) of positive ints by the small-prime NTT (``smallprime.py``):
    the operands' own 30-bit digits are the limbs, and the CRT carries the product straight into
    the result int's digits.  Modular check as :func:`int_product` (``checked=False``: without it);
    ``GuardTrip("carry")`` when the carry runs past the product's digits.  Requires
    ``smallprime.available()`` and at most ``smallprime.MAX_LIMBS`` coefficients.

    >>> ntt_int_product(3 ** 20000, 7 ** 9000) == 3 ** 20000 * 7 ** 9000
    True
    """
    from . import smallprime

    da = pylong.digit_view(a)
    db = da if b is None else pylong.digit_view(b)
    nx, ny = len(da), len(db)
    count = -(-(a.bit_length() + (a if b is None else b).bit_length()) // pylong.DIGIT_BITS)
    needed = smallprime.workspace_bytes(nx + ny - 1) + 4 * count
    if needed >= tuning.current.MEMORY_CHECK_MIN_BYTES or memory.limit_set():
        memory.check_memory(needed, f"an NTT product of {nx} x {ny} digits")
    c = pylong.new_int(count)
    out = pylong.fill(c, count)
    carry, _ = smallprime.convolve_digits(da, nx, None if b is None else db, ny, out, fourstep.workers())
    if carry:
        raise GuardTrip("carry", 0.0)
    c = _trimmed(c, out, count)
    if checked:
        q1, q2 = LIMB_PRIMES
        ra = fused.residues30(da, nx, q1, q2)
        rb = ra if b is None else fused.residues30(db, ny, q1, q2)
        d = pylong.digit_view(c)
        check_product(ra, rb, fused.residues30(d, len(d), q1, q2), LIMB_PRIMES)
    return c


def int_product_wrap(a: int, b: int | None, bits: int, k_min: int) -> tuple[int, int]:
    """``(a * b mod (2**K - 1), K)`` (``b=None``: ``a * a``) for ``0 <= a, b < 2**k_min``, with
    ``K >= k_min`` a whole number of limbs of a fast cyclic transform length (``fft.wrap_shape``).

    The balanced limbs go straight into the transform buffers as for :func:`int_product`; the
    cyclic convolution (no zero padding: a transform about half as long as the product's) is
    rounded and carried by ``fused.round_wrap_pack``, whose carry out of the top is added at the
    bottom (``2**K`` is 1 modulo ``2**K - 1``).  Round-off, magnitude and NaN guards as
    :func:`int_product`; no modular check (``wrap.mulmod``'s callers check their whole result).
    Raises ``GuardTrip``; requires ``fused.available()``.
    """
    ba = a.bit_length()
    bb = ba if b is None else b.bit_length()
    n1, n2 = max(1, -(-ba // bits)), max(1, -(-bb // bits))
    shape = fft.wrap_shape(n1, n2, bits, k_min)
    if shape is None:  # the plan checked it: only a changed width or size gets here
        raise GuardTrip("roundoff", float("inf"))
    L, steps = shape
    if fft.workspace_bytes(L) >= tuning.current.MEMORY_CHECK_MIN_BYTES or memory.limit_set():
        memory.check_memory(fft.workspace_bytes(L), f"a cyclic FFT product of {n1} x {n2} limbs")
    K = L * bits
    da = pylong.digit_view(a)
    db = da if b is None else pylong.digit_view(b)
    fill_y = None if b is None else partial(fused.split_balanced, db, bits, n2)
    out = np.empty(-(-K // pylong.DIGIT_BITS), dtype=np.uint32)
    r = fft.convolve_kept(partial(fused.split_balanced, da, bits, n1), fill_y, L, steps, (n1 + 1, n2 + 1),
                          partial(fused.round_wrap_pack, n=L, bits=bits, out=out))
    check_flags(r)
    top = len(out)
    while top and out[top - 1] == 0:
        top -= 1
    v = pylong.digits_to_int(out[:top]) + r.carry
    M = (1 << K) - 1
    if v < 0:
        v += M
    elif v >= M:
        v -= M
    return v, K


class _Shared:
    """An operand shared by many products, its transform kept per ``(L, steps, limb width)``.

    ``key``: where the operand is a cached power (``cache.py``), its transforms are cached too,
    under ``key + (L, steps, width)``, so a later conversion of a similar size reuses them; None
    keeps them only as long as this object.
    """

    def __init__(self, key: tuple | None = None) -> None:
        self.spectra: dict[tuple[int, tuple[int, int] | None, int], np.ndarray] = {}
        self.key = key

    def _fill(self, width: int) -> Callable[[np.ndarray], None]:
        raise NotImplementedError

    def spectrum(self, L: int, steps: tuple[int, int] | None, width: int) -> np.ndarray:
        key = (L, steps, width)
        Y = self.spectra.get(key)
        if Y is None:
            make = partial(fft.spectrum, self._fill(width), L, steps)
            Y = self.spectra[key] = make() if self.key is None else cache.get(self.key + key, make)
        return Y

    def forget(self) -> None:
        """Drop the kept transforms, cached ones included (a guard tripped on a product with one)."""
        if self.key is not None:
            for key in self.spectra:
                cache.discard(self.key + key)
        self.spectra.clear()


class SharedInt(_Shared):
    """An int operand shared by many products (a level's power in ``from_str``, :func:`int_join_shared`): its digits and its
    transform, computed once per transform shape (:func:`fft.spectrum`) and reused."""

    def __init__(self, value: int, key: tuple | None = None) -> None:
        super().__init__(key)
        self.value = value
        self.digits = pylong.digit_view(value)  # valid while self.value lives

    def _fill(self, bits: int) -> Callable[[np.ndarray], None]:
        return partial(fused.split_balanced, self.digits, bits, -(-self.value.bit_length() // bits))


def int_join_shared(hi: int, shared: SharedInt, bits: int, lo: int, m: int) -> int:
    """``(hi * P << m) + lo`` (``P``: the shared int, ``hi, P > 0``, ``lo >= 0``) with ``P``'s kept
    transform, the shift and the addition done in the product's carry pass (``fused.int_join``):
    ``from_str``'s join.  No modular check (``from_str`` checks the whole conversion); round-off,
    magnitude and carry guards as :func:`int_product`; raises ``GuardTrip``; requires
    ``fused.available()``."""
    ba, bb, bl = hi.bit_length(), shared.value.bit_length(), lo.bit_length()
    n1, n2 = -(-ba // bits), -(-bb // bits)
    L, steps, needed = fft.fused_shape(n1, n2, 1 << bits)
    needed += 4 * (n1 + n2)
    if needed >= tuning.current.MEMORY_CHECK_MIN_BYTES or memory.limit_set():
        memory.check_memory(needed, f"an FFT product of {n1} x {n2} limbs")
    dh = pylong.digit_view(hi)
    dl = pylong.digit_view(lo) if lo else np.zeros(1, dtype=np.uint32)
    count = -(-(max(ba + bb + m, bl) + 1) // pylong.DIGIT_BITS)
    c = pylong.new_int(count)
    out = pylong.fill(c, count)
    r = fft.convolve_spectrum(partial(fused.split_balanced, dh, bits, n1), shared.spectrum(L, steps, bits), L, steps,
                              n1 + 1, partial(fused.int_join, n=n1 + n2 + 1, bits=bits, out=out, lo=dl, m=m))
    check_flags(r)
    return _trimmed(c, out, count)


def _trimmed(c: int, out: np.ndarray, count: int) -> int:
    """The product int ``c`` whose ``count`` digits ``out`` holds, copied into one digit shorter when
    its top digit is zero; ``GuardTrip("carry")`` when it is shorter still (not the product)."""
    top = count
    while top and out[top - 1] == 0:
        top -= 1
    if top < count - 1 or top == 0:
        raise GuardTrip("carry", 0.0)  # far too short to be the product
    return c if top == count else pylong.digits_to_int(out[:top].copy())


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
    L, steps, needed = fft.fused_shape(n1, n2, 1 << bits)
    memory.check_memory(needed + 2 * count * nb, f"a Kronecker FFT product of {n1} x {n2} limbs")
    wx, rx = _slot_words(sx)
    wy, ry = (wx, rx) if sy is None else _slot_words(sy)
    out = np.empty(-(-count * nb // 4), dtype=np.uint32)
    flags = fft.convolve_kept(partial(fused.slot_split_balanced, wx, rx, nb, bits, n1),
                              None if sy is None else partial(fused.slot_split_balanced, wy, ry, nb, bits, n2),
                              L, steps, (n1 + 1, n2 + 1),
                              partial(fused.slot_round_carry_pack, n=n1 + n2 + 1, bits=bits, nb=nb, count=count,
                                      out=out))
    check_flags(flags._replace(over=False))
    over = flags.over
    raw = out.view(np.uint8)
    if over or raw[count * nb:].any():
        raise GuardTrip("magnitude", float(w))  # the product does not fit its slots
    sc = raw[:count * nb].reshape(count, nb)
    sc[:, nb - 1] ^= 0x80  # slot = c + 2**(w-1)  ->  two's complement of c
    return sc


def text_product(da: np.ndarray, db: np.ndarray | None, k: int) -> str:
    """Decimal digits of ``A * B`` as text: :func:`text_product_ascii`, decoded."""
    return text_product_ascii(da, db, k).tobytes().decode("ascii")


def text_product_ascii(da: np.ndarray, db: np.ndarray | None, k: int, check: bool = True) -> np.ndarray:
    """ASCII digits (uint8) of ``A * B`` (no sign, no leading zeros) with fused passes, modular check included.

    ``da``/``db`` are digit values, most significant first, without leading
    zeros (``db=None`` squares).  Base ``10**k`` balanced limbs go straight
    into the transform buffers; the rounded, carried product is written as
    ASCII straight into the output buffer; the modular check compares
    residues of the operands' digits with residues of the text produced.
    Raises ``GuardTrip``; requires ``fused.available()``.  ``check=False`` leaves out the
    modular check (``text.product_digits`` explains when that is sound).
    """
    la = len(da)
    lb = la if db is None else len(db)
    n1, n2 = -(-la // k), -(-lb // k)
    need = n1 + n2 + 1
    L, steps, needed = fft.fused_shape(n1, n2, 10 ** k)
    memory.check_memory(needed + 2 * (la + lb), f"an FFT product of {n1} x {n2} limbs")
    q1, q2 = LIMB_PRIMES
    out = np.empty(la + lb, dtype=np.uint8)  # the product has la + lb or la + lb - 1 digits
    flags = fft.convolve_kept(partial(fused.decimal_split_balanced, da, k, n1),
                              None if db is None else partial(fused.decimal_split_balanced, db, k, n2),
                              L, steps, (n1 + 1, n2 + 1),
                              partial(fused.decimal_round_carry_format, n=need, k=k, out=out))
    check_flags(flags)
    first = 0 if out[0] != 48 else 1
    if first and out[1] == 48:
        raise GuardTrip("carry", 0.0)  # two leading zeros: too short to be the product
    text = out[first:]
    if not check:
        return text
    ra = fused.decimal_residues(da, q1, q2)
    rb = ra if db is None else fused.decimal_residues(db, q1, q2)
    check_product(ra, rb, fused.decimal_residues(text, q1, q2, ascii=True), LIMB_PRIMES)
    return text


class SharedFactor(_Shared):
    """A decimal operand shared by many products (a level's power in ``to_str``): its digit values
    and its transform, computed once per transform shape (:func:`fft.spectrum`) and reused."""

    def __init__(self, digits: np.ndarray, key: tuple | None = None) -> None:
        super().__init__(key)
        self.digits = digits

    def _fill(self, k: int) -> Callable[[np.ndarray], None]:
        return partial(fused.decimal_split_balanced, self.digits, k, -(-len(self.digits) // k))


def text_join(hi: np.ndarray, shared: SharedFactor, lo: np.ndarray, k: int) -> np.ndarray:
    """Digit values (uint8, most significant first) of ``hi * P + lo`` with fused passes, ``P`` the
    shared factor, ``0 <= lo < P``: no modular check (``to_str`` checks the whole conversion).

    ``hi``, ``P``: digit values without leading zeros.  ``P``'s transform is
    :class:`SharedFactor`'s; ``lo`` enters the carry pass
    (:func:`fused.decimal_join`), so the sum costs no pass of its own.  The
    result has ``len(hi) + len(P)`` digits or one fewer (a leading zero is
    dropped).  Round-off, magnitude and carry guards as
    :func:`text_product_ascii`; raises ``GuardTrip``; requires ``fused.available()``.
    """
    la, lb = len(hi), len(shared.digits)
    n1, n2 = -(-la // k), -(-lb // k)
    L, steps, needed = fft.fused_shape(n1, n2, 10 ** k)
    memory.check_memory(needed + 2 * (la + lb), f"an FFT product of {n1} x {n2} limbs")
    out = np.empty(la + lb, dtype=np.uint8)
    flags = fft.convolve_spectrum(partial(fused.decimal_split_balanced, hi, k, n1), shared.spectrum(L, steps, k),
                                  L, steps, n1 + 1, partial(fused.decimal_join, n=n1 + n2 + 1, k=k, out=out, lo=lo))
    check_flags(flags)
    if out[0]:
        return out
    if out[1] == 0:
        raise GuardTrip("carry", 0.0)  # two leading zeros: too short to be hi * P + lo
    return out[1:]


def _residues(a: int, b: int | None) -> tuple[int, int]:
    ra = a % PRIME
    return ra, ra if b is None else b % PRIME


def limb_int_product(a: int, b: int | None, engine: str, bits: int) -> int:
    """``a * b`` (``b=None``: ``a * a``) of positive ints through numpy limbs and ``engine``.

    The operands' residues modulo :data:`guards.PRIME` are taken on the helper
    thread during the inverse transform for operands from ``OVERLAP_BITS``.

    >>> limb_int_product(123, 456, "direct", 8)
    56088
    """
    x = int_to_limbs(a, bits)
    y = None if b is None else int_to_limbs(b, bits)
    res: Future | None = None
    job: Callable[[], object] | None = None
    if a.bit_length() >= tuning.current.OVERLAP_BITS:
        fut: Future = Future()
        res = fut
        job = lambda: fut.set_result(_residues(a, b))  # noqa: E731 - runs during the inverse transform
    d = limb_product(engine, x, y, 1 << bits, job)
    c = limbs_to_int(d, bits)
    ra, rb = res.result() if res is not None else _residues(a, b)
    check_product((ra,), (rb,), (c,), (PRIME,))
    return c


def limb_text_product(da: np.ndarray, db: np.ndarray | None, engine: str, k: int, group: int) -> str:
    """Decimal digits of ``A * B`` (``db=None``: ``A * A``) through base ``10**k`` limbs and ``engine``.

    ``group`` neighbouring coefficients are combined before carrying; the
    modular check compares the limbs' residues (:func:`guards.check_limbs`).

    >>> limb_text_product(np.array([1, 2, 3]), np.array([4, 5, 6]), "direct", 2, 1)
    '56088'
    """
    base = 10 ** k
    x = decimal_to_limbs(da, k)
    y = None if db is None else decimal_to_limbs(db, k)
    d = limb_product(engine, x, y, base, group=group)
    check_limbs(x, y, d, base, base ** group)
    return limbs_to_decimal(d, k * group)


def scalar_text_product(da: np.ndarray, db: np.ndarray) -> np.ndarray:
    """ASCII digits of ``A * B`` when one operand has at most ``bounds.SCALAR_EXACT_DIGITS`` digits:
    one pass over the other's digits (``fused.decimal_scale``), modular check on the text written.

    ``da``/``db``: digit values, most significant first, no leading zeros, non-empty.

    >>> scalar_text_product(np.array([9, 9, 9], np.uint8), np.array([1, 2], np.uint8)).tobytes()
    b'11988'
    """
    if len(db) > len(da):
        da, db = db, da
    if len(db) > bounds.SCALAR_EXACT_DIGITS:
        raise ValueError(f"the short operand has more than {bounds.SCALAR_EXACT_DIGITS} digits")
    m = int((db + 48).tobytes())
    out = fused.decimal_scale(da, m)
    q1, q2 = LIMB_PRIMES
    check_product(fused.decimal_residues(da, q1, q2), (m % q1, m % q2),
                  fused.decimal_residues(out, q1, q2, ascii=True), LIMB_PRIMES)
    return out
