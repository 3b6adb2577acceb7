"""Fused linear passes for the float FFT's int products (numba): one pass in, one pass out.

What this is for: the linear work around the transforms of an int x int
product, done in single passes over memory instead of a dozen numpy passes:

- :func:`split_balanced`: the operand's own 30-bit digits (``pylong``, zero
  copy) -> balanced ``bits``-bit limbs written straight into the zero-padded
  transform buffer;
- :func:`round_carry_pack`: the un-rounded convolution -> rounded, with the
  round-off and magnitude figures, carried, and packed into 30-bit digits
  written straight into the result int (``pylong.new_int``);
- :func:`residues30`: residues of 30-bit digit arrays modulo the two limb
  primes, for the modular check (CPython's ``a % p`` of a 10^7-digit int
  takes ~30 ms; this takes ~3 ms); :func:`round_carry_pack_residues` runs
  the last pass and the three residues in one call;
- :func:`slot_split_balanced` / :func:`slot_round_carry_pack`: the same two
  passes for ``convolve``'s Kronecker substitution on two's complement slots
  (``fft.slot_product``): negative slots' borrows subtracted while splitting,
  the unpacking offset ``H`` added while carrying.

What it is not for: anything without numba or without ``pylong``'s
zero-copy int access: :func:`available` is False there and the engine uses
its numpy path.  ``BIGMUL_NUMBA=0`` forces that.  numba is imported by the
first large product, never by ``import bigmul``, and on a background thread
(:func:`ready`): that product and the next take the numpy route until every
kernel is compiled (once after an install, seconds) or loaded from numba's
disk cache (``cache=True``); :func:`available` loads them and waits.

Exactness: the kernels compute exactly what the numpy path computes (tests
compare them on the same inputs, edge values included); the round-off and
magnitude guards and the modular check apply to their results as before,
and the modular check's residues are taken of the digits actually written
into the result int.  Fault injection can drop one carry inside the kernel
(``drop_at``) to show the modular check catches it.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import atexit
import importlib.util
import math
import threading

import numpy as np

from .. import envvars

__all__ = ["MAX_TABLE_K", "available", "loaded", "kernels", "split_balanced", "round_carry_pack", "residues30",
           "round_carry_pack_residues", "Flags", "Checked", "Wrapped", "round_wrap_pack", "int_join", "split_rows", "join_rows",
           "slot_split_balanced", "slot_round_carry_pack",
           "decimal_split_balanced", "decimal_residues", "decimal_round_carry_format", "decimal_join", "decimal_add",
           "decimal_scale", "ready", "wait", "twiddle_build", "twiddle_conj_multiply", "twiddle_on_the_fly",
           "int_residues", "residue_weights"]


class Flags(NamedTuple):
    """What a fused round-and-carry pass reports: the largest distance of a coefficient to its
    integer, the largest rounded magnitude, whether a value was NaN, too large for exact int64
    conversion or the total negative (``bad``), whether a non-zero digit fell beyond the output
    (``over``), and whether fault injection's ``drop_at`` changed anything (``dropped``)."""

    err: float
    mag: float
    bad: bool
    over: bool
    dropped: bool


class Checked(NamedTuple):
    """:class:`Flags` and the residue pairs (modulo the two limb primes) of ``a``, ``b`` and the output."""

    err: float
    mag: float
    bad: bool
    over: bool
    dropped: bool
    ra: tuple[int, int]
    rb: tuple[int, int]
    rc: tuple[int, int]


_load_lock = threading.Lock()
_loader: threading.Thread | None = None
_attempted = False  # available() has run (a background load is then never started again)


def _usable() -> bool:
    """numba not switched off, ints readable in place, numba installed (nothing imported yet)."""
    from .. import pylong

    return bool(envvars.get("BIGMUL_NUMBA")) and pylong.available() and importlib.util.find_spec("numba") is not None


@lru_cache(maxsize=1)
def available() -> bool:
    """Load the kernels now (waiting for a background load already running): True when numba is
    importable, ints are readable in place (``pylong``), ``BIGMUL_NUMBA`` does not switch them off
    and every kernel compiled (or loaded from numba's disk cache) and ran on small inputs."""
    global LOADED, _attempted
    with _load_lock:
        _attempted = True
        LOADED = False
        if not _usable():
            return False
        try:
            _warm()
        except Exception:  # noqa: BLE001 - no numba, or it cannot compile here: use numpy
            return False
        LOADED = True
        return True


def ready(start: bool = True) -> bool:
    """Whether the kernels are loaded, for a product that would use them.

    When they are not and ``start`` is true (a large product), the first such product starts
    loading them on a background thread (once per process) and takes the numpy route meanwhile,
    so it does not wait for numba's import and compilation; a later large product waits for the
    load to finish instead of running beside it (numba's loader and the numpy passes would compete
    for the interpreter, and both would be slower).  Small products (``start`` false) never wait.

    >>> ready(start=False) in (True, False)
    True
    """
    if LOADED:
        return True
    if start:
        if _loader is None:
            _start_loading()
        elif _loader is not threading.current_thread():
            _loader.join()
            return LOADED
    return False


def _start_loading() -> None:
    global _loader
    if _loader is not None or _attempted or not _usable():
        return
    with _load_lock:
        if _loader is not None or _attempted:
            return
        _loader = threading.Thread(target=available, name="bigmul-kernels", daemon=True)
        _loader.start()
    atexit.register(_loader.join)  # never leave numba half way through writing its cache


def wait(timeout: float | None = None) -> bool:
    """Wait for a background load started by :func:`ready` (if any); whether the kernels are loaded."""
    t = _loader
    if t is not None:
        t.join(timeout)
    return LOADED


def _warm() -> None:
    """Run every kernel once on small inputs of the argument types the products pass, so each is
    compiled (or loaded from the disk cache) before a product relies on it."""
    from .. import pylong
    from ..guards import LIMB_PRIMES

    q1, q2 = LIMB_PRIMES
    a = (1 << 200) - 12_345
    da = pylong.digit_view(a)
    z = np.zeros(64)
    out = np.zeros(16, dtype=np.uint32)
    split_balanced(da, 16, 13, z)
    round_carry_pack_residues(z, 27, 16, out, da, da, q1, q2)
    round_carry_pack_residues(z, 27, 16, out, da, None, q1, q2)
    round_carry_pack_residues(z, 31, 15, out, da, da, q1, q2, threads=2)  # two halves
    round_carry_pack(z, 27, 16, out)
    round_wrap_pack(z, 27, 16, out)
    int_join(z, 27, 16, out, da, 45)
    V = np.zeros((3, 8), dtype=np.uint32)
    split_rows(V, 16, 13, z.reshape(4, 16)[:1])
    join_rows(z.reshape(4, 16)[:1], 14, 16, np.zeros((1, 16), dtype=np.uint32), V, 45)
    residues30(da, len(da), q1, q2)
    from . import jit_kara  # the Karatsuba engine's kernel, with the argument types karatsuba.py passes

    jit_kara.mul_bytes_k(a.to_bytes(25, "little"), (a >> 90).to_bytes(14, "little"), False, 128,
                         residue_weights(q1, q2, 8), q1, q2, -1, bytearray(39))
    d = np.arange(1, 21, dtype=np.uint8) % 10
    decimal_split_balanced(d, 4, 5, z)
    decimal_round_carry_format(z, 11, 4, np.zeros(48, dtype=np.uint8))
    decimal_join(z, 11, 4, np.zeros(48, dtype=np.uint8), d[:5])
    decimal_residues(d, q1, q2)
    decimal_residues(d + np.uint8(48), q1, q2, ascii=True)
    decimal_add(d + np.uint8(48), d[:5])
    decimal_scale(d, 12_345)
    ro, ro_ascii = d.copy(), d + np.uint8(48)  # read-only digits too (text read by np.frombuffer)
    ro.setflags(write=False)
    ro_ascii.setflags(write=False)
    decimal_split_balanced(ro, 4, 5, z)
    decimal_residues(ro, q1, q2)
    decimal_residues(ro_ascii, q1, q2, ascii=True)
    raw = np.zeros(16, dtype=np.uint8)
    slot_split_balanced(raw.view(np.uint32), raw, 2, 12, 10, z)
    slot_round_carry_pack(z, 12, 12, 2, 6, np.zeros(4, dtype=np.uint32))
    A = np.ones(8, dtype=np.complex128)
    A.setflags(write=False)  # the twiddle tables are read-only
    twiddle_build(A, A, 2, 16, np.empty((3, 4), dtype=np.complex128))
    T = np.ones((3, 4), dtype=np.complex128)
    T.setflags(write=False)  # cached twiddle matrices are read-only
    twiddle_conj_multiply(np.ones((3, 4), dtype=np.complex128), T)
    twiddle_on_the_fly(np.ones((3, 4), dtype=np.complex128), A, A, 2, 16, 0, True)


#: True once the kernels are loaded in this process (:func:`available`, or the background load
#: :func:`ready` starts): products then take the fused route from ``INT_FFT_FUSED_MIN_BITS``.
LOADED = False


def loaded() -> bool:
    """Whether the kernels are already loaded in this process (never imports numba itself)."""
    return LOADED


@lru_cache(maxsize=1)
def kernels() -> Any:
    """Load the kernels (``jit.py``: compiled once, then from numba's disk cache); a namespace of them."""
    import types

    from . import jit

    return types.SimpleNamespace(split=jit.split_k, round=jit.round_k, residues=jit.res_k,
                                 round_check=jit.round_check_k, round_wrap=jit.round_wrap_k,
                                 int_join=jit.int_join_k, split_rows=jit.split_rows_k, join_rows=jit.join_rows_k,
                                 dec_split=jit.dec_split_k, dec_residues=jit.dec_res_k,
                                 dec_round=jit.dec_round_k, dec_join=jit.dec_join_k, slot_split=jit.slot_split_k,
                                 slot_round=jit.slot_round_k, dec_add=jit.dec_add_k,
                                 dec_scale=jit.dec_scale_k, twiddle=jit.twiddle_k,
                                 twiddle_conj=jit.twiddle_conj_k, round_part=jit.round_part_k,
                                 carry_in=jit.carry_in_k, residues3=jit.residues3_k,
                                 twiddle_fly=jit.twiddle_fly_k)


def int_residues(n: int) -> tuple[int, int]:
    """``n mod q`` for both limb primes (``n >= 0``): one kernel pass over the int's own digits once
    the kernels are loaded and ``n`` is large (CPython's ``n % q`` is far slower there), else ``%``.

    >>> from bigmul.guards import LIMB_PRIMES
    >>> int_residues(7 ** 20_000) == tuple(7 ** 20_000 % q for q in LIMB_PRIMES)
    True
    """
    from ..guards import LIMB_PRIMES

    q1, q2 = LIMB_PRIMES
    if LOADED and n.bit_length() > 1 << 14:
        from .. import pylong

        d = pylong.digit_view(n)
        return residues30(d, len(d), q1, q2)
    return n % q1, n % q2


def twiddle_conj_multiply(S: np.ndarray, T: np.ndarray) -> None:
    """``S *= conj(T)`` in place, in one pass (complex128, same shape; the four-step inverse's twiddles)."""
    kernels().twiddle_conj(S, T)


def twiddle_on_the_fly(S: np.ndarray, A: np.ndarray, B: np.ndarray, s: int, L: int, r0: int, conj: bool) -> None:
    """``S *= w**(k1 j2)`` (``conj``: conjugated) for the rows ``k1 = r0, r0 + 1, ...`` of ``S``,
    each root computed as :func:`twiddle_build` computes the matrix's, without the matrix."""
    kernels().twiddle_fly(S, A, B, s, L, r0, conj)


def twiddle_build(A: np.ndarray, B: np.ndarray, s: int, L: int, T: np.ndarray, r0: int = 0) -> None:
    """The four-step twiddle matrix ``T[k1, j2] = A[m >> s] * B[m & (2**s - 1)]``, ``m = k1 j2 mod L``,
    in one pass (``fourstep.twiddles``; the same products as its numpy path); ``T`` holds the rows
    from ``k1 = r0`` on (a block of rows, so two threads can build halves)."""
    kernels().twiddle(A, B, s, L, T, r0)


def split_balanced(digits: np.ndarray, bits: int, n: int, out: np.ndarray) -> None:
    """Balanced ``bits``-bit limbs of the number with 30-bit ``digits`` into ``out[:n + 1]`` (float64).

    Same values as ``limbs.balance(limbs.int_to_limbs(v, bits), 2**bits)``.
    """
    kernels().split(digits, bits, n, out)


def _check_width(bits: int) -> None:
    # The packing kernels complete at most one 30-bit word per limb (``jit.push30``).
    if not 1 <= bits <= 30:
        raise ValueError(f"limbs of 1 to 30 bits are packed, not {bits}")


def round_carry_pack(z: np.ndarray, n: int, bits: int, out: np.ndarray,
                     drop_at: int = -1) -> Flags:
    """Round ``z[:n]``, carry in base ``2**bits`` and write the 30-bit digits into ``out`` (uint32).

    Returns :class:`Flags` (``over``: a product too long for its operands;
    ``drop_at``: a limb position whose carry fault injection loses).  Limbs of 1 to 30 bits.
    """
    _check_width(bits)
    err, mag, bad, over, dropped = kernels().round(z, n, bits, out, drop_at)
    return Flags(float(err), float(mag), bool(bad), bool(over), bool(dropped))


def int_join(z: np.ndarray, n: int, bits: int, out: np.ndarray, lo: np.ndarray, m: int,
             drop_at: int = -1) -> Flags:
    """``(P << m) + lo`` into the 30-bit digits ``out`` (uint32), ``P`` the convolution ``z[:n]``
    rounded and carried in base ``2**bits`` and ``lo`` the 30-bit digits of a non-negative int:
    ``from_str``'s join in the product's own carry pass (no shift or addition afterwards).
    Returns :class:`Flags` (``over``: digits beyond ``out``)."""
    err, mag, bad, over, dropped = kernels().int_join(z, n, bits, out, lo, m, drop_at)
    return Flags(float(err), float(mag), bool(bad), bool(over), bool(dropped))


def split_rows(V: np.ndarray, bits: int, n: int, X: np.ndarray) -> None:
    """Row ``r`` of ``X`` (float64): the balanced ``bits``-bit limbs (``n + 1``) of row ``2r + 1``
    of ``V`` (uint32 rows, little-endian 32-bit words): the ``hi`` operands of a batched level."""
    kernels().split_rows(V, bits, n, X)


def join_rows(Z: np.ndarray, n: int, bits: int, Vn: np.ndarray, V: np.ndarray, m: int,
              drop_at: int = -1) -> Flags:
    """Row ``r`` of ``Vn`` (uint32 words): ``(P_r << m) + V[2r]``, ``P_r`` row ``r`` of ``Z[:, :n]``
    rounded and carried in base ``2**bits`` (:func:`int_join` on 32-bit words, every row in one
    call); the flags over all rows (``over``: a row's digits past its end)."""
    err, mag, bad, over, dropped = kernels().join_rows(Z, n, bits, Vn, V, m, drop_at)
    return Flags(float(err), float(mag), bool(bad), bool(over), bool(dropped))


class Wrapped(NamedTuple):
    """What :func:`round_wrap_pack` reports: :class:`Flags`' first four fields and the signed carry
    out of the top limb (to be added at the bottom: the product is modulo ``2**(n*bits) - 1``)."""

    err: float
    mag: float
    bad: bool
    over: bool
    carry: int


def round_wrap_pack(z: np.ndarray, n: int, bits: int, out: np.ndarray) -> Wrapped:
    """Round ``z[:n]`` (a cyclic convolution), carry in base ``2**bits`` and write the ``n`` limbs'
    30-bit digits into ``out`` (uint32, ``ceil(n * bits / 30)`` of them); the carry out of the top is
    returned, not carried on.  The digits plus that carry are congruent to the convolution's value
    modulo ``2**(n*bits) - 1``.  Limbs of 1 to 30 bits.
    """
    _check_width(bits)
    err, mag, bad, over, carry = kernels().round_wrap(z, n, bits, out)
    return Wrapped(float(err), float(mag), bool(bad), bool(over), int(carry))


def round_carry_pack_residues(z: np.ndarray, n: int, bits: int, out: np.ndarray, da: np.ndarray,
                              db: np.ndarray | None, q1: int, q2: int, drop_at: int = -1,
                              threads: int = 1) -> Checked:
    """:func:`round_carry_pack`, then :func:`residues30` of the operands' digits ``da``, ``db``
    (``None``: a square) and of the digits written to ``out``, in one kernel call (the int
    product's modular check: ~3 us less per product than four calls at 10^4 bits).

    ``threads=2`` (a long ``z``): the pass runs as two halves on two threads, each carry chain
    starting from 0 at a limb where whole 30-bit words begin; the lower half's carry out is then
    added into the upper half's words (``jit.carry_in_k``), and the residues are taken of the
    digits as finally written.  Exact: the sum of the two halves' values is the single chain's.

    Returns :class:`Checked`: the flags of :func:`round_carry_pack` and the residue pairs of
    ``a``, ``b`` and ``out``.
    """
    if not (1 << 20 <= q1 < 1 << 31 and 1 << 20 <= q2 < 1 << 31):
        raise ValueError("residues30 reduces modulo primes in [2**20, 2**31)")
    _check_width(bits)
    if threads > 1:
        step = 30 // math.gcd(bits, 30)  # limbs per whole number of 30-bit words
        m = n // 2 // step * step
        if 0 < m < n:
            return _halves(z, n, m, bits, out, da, db, q1, q2, drop_at)
    err, mag, bad, over, dropped, ra1, ra2, rb1, rb2, rc1, rc2 = kernels().round_check(
        z, n, bits, out, drop_at, da, da if db is None else db, db is None, q1, q2, residue_weights(q1, q2))
    return Checked(float(err), float(mag), bool(bad), bool(over), bool(dropped),
                   (int(ra1), int(ra2)), (int(rb1), int(rb2)), (int(rc1), int(rc2)))


def _halves(z: np.ndarray, n: int, m: int, bits: int, out: np.ndarray, da: np.ndarray,
            db: np.ndarray | None, q1: int, q2: int, drop_at: int) -> Checked:
    """:func:`round_carry_pack_residues` as limbs ``[0, m)`` here and ``[m, n)`` on the helper thread."""
    from .pool import executor

    k = kernels()
    fut = executor().submit(k.round_part, z, m, n, n, bits, out, drop_at, False)
    try:
        lo = k.round_part(z, 0, m, n, bits, out, drop_at, False)
    finally:
        hi = fut.result()  # never return (or raise) while the helper still writes into out
    absorbed = k.carry_in(out, m * bits // 30, lo[5])
    ra1, ra2, rb1, rb2, rc1, rc2 = k.residues3(da, da if db is None else db, db is None, out, q1, q2,
                                               residue_weights(q1, q2))
    return Checked(float(max(lo[0], hi[0])), float(max(lo[1], hi[1])), bool(lo[2] or hi[2]),
                   bool(lo[3] or hi[3] or not absorbed), bool(lo[4] or hi[4]),
                   (int(ra1), int(ra2)), (int(rb1), int(rb2)), (int(rc1), int(rc2)))


def slot_split_balanced(words: np.ndarray, raw: np.ndarray, nb: int, bits: int, n: int, out: np.ndarray) -> None:
    """Balanced ``bits``-bit limbs of ``sum x[i] * 2**(8*nb*i)`` into ``out[:n + 1]`` (float64).

    ``raw``: the ``nb``-byte two's complement slots of the ``x[i]``, flat
    (``kronecker.slots_of``); ``words``: the same bytes zero padded to whole
    uint32 words.  ``n`` limbs must cover one bit past the slots (the top
    slot's borrow).  Same values as balancing the limbs of ``kronecker.pack``'s
    integer (tests compare them).
    """
    kernels().slot_split(words, raw, nb, bits, n, out)


def slot_round_carry_pack(z: np.ndarray, n: int, bits: int, nb: int, count: int, out: np.ndarray,
                          drop_at: int = -1) -> Flags:
    """Round ``z[:n]``, carry in base ``2**bits``, add ``sum 2**(w-1) * 2**(w*k)`` (``k < count``,
    ``w = 8*nb``) and write the sum into the uint32 words ``out``.

    For a product of slot-packed sequences this writes ``c[k] + 2**(w-1)``
    into each ``w``-bit slot (``kronecker.unpack_slots``' offset trick).
    Returns the flags of :func:`round_carry_pack`; ``over`` also flags a
    negative total (the slots cannot hold the coefficients).
    """
    err, mag, bad, over, dropped = kernels().slot_round(z, n, bits, 8 * nb, count, out, drop_at)
    return Flags(float(err), float(mag), bool(bad), bool(over), bool(dropped))


def residues30(digits: np.ndarray, count: int, q1: int, q2: int) -> tuple[int, int]:
    """``sum digits[i] * 2**(30 i)`` modulo ``q1`` and ``q2`` (both in ``[2**20, 2**31)``)."""
    if not (1 << 20 <= q1 < 1 << 31 and 1 << 20 <= q2 < 1 << 31):
        raise ValueError("residues30 reduces modulo primes in [2**20, 2**31)")
    r1, r2 = kernels().residues(digits, count, q1, q2, residue_weights(q1, q2))
    return int(r1), int(r2)


@lru_cache(maxsize=8)
def residue_weights(q1: int, q2: int, digit_bits: int = 30) -> np.ndarray:
    """The residue kernels' weight table: row ``i`` holds ``2**(digit_bits j) mod q_i`` for the ``j``
    of one block (``jit.RES_BLOCK``), uint32; built once per pair of primes and digit width (16 KB).
    30: the ints' digits (``residues30``); 8: bytes (the Karatsuba engine's kernel).

    >>> from bigmul.engines import jit
    >>> w = residue_weights(1_000_003, 2_147_483_647)
    >>> w.shape == (2, jit.RES_BLOCK) and int(w[0, 5]) == pow(2, 150, 1_000_003)
    True
    >>> int(residue_weights(1_000_003, 2_147_483_647, 8)[1, 1000]) == pow(2, 8000, 2_147_483_647)
    True
    """
    from .jit import RES_BLOCK

    W = np.empty((2, RES_BLOCK), dtype=np.uint32)
    for i, q in enumerate((q1, q2)):
        step = (1 << digit_bits) % q
        w = 1
        for j in range(RES_BLOCK):
            W[i, j] = w
            w = w * step % q
    W.flags.writeable = False
    return W


def decimal_split_balanced(d: np.ndarray, k: int, n: int, out: np.ndarray) -> None:
    """Balanced base-``10**k`` limbs of the digit values ``d`` (most significant first) into ``out[:n + 1]``."""
    kernels().dec_split(d, k, n, out)


def decimal_residues(d: np.ndarray, q1: int, q2: int, ascii: bool = False) -> tuple[int, int]:
    """The decimal number in ``d`` (digit values, or ASCII digits with ``ascii``) modulo ``q1`` and ``q2``."""
    r1, r2 = kernels().dec_residues(d, 48 if ascii else 0, q1, q2)
    return int(r1), int(r2)


def decimal_round_carry_format(z: np.ndarray, n: int, k: int, out: np.ndarray,
                               drop_at: int = -1) -> Flags:
    """Round ``z[:n]``, carry in base ``10**k`` and write the ASCII digits right-aligned into ``out``.

    Returns the same flags as :func:`round_carry_pack`.
    """
    err, mag, bad, over, dropped = kernels().dec_round(z, n, k, out, drop_at, _ascii_table(k))
    return Flags(float(err), float(mag), bool(bad), bool(over), bool(dropped))


def decimal_join(z: np.ndarray, n: int, k: int, out: np.ndarray, lo: np.ndarray,
                 drop_at: int = -1) -> Flags:
    """:func:`decimal_round_carry_format` with the digit values ``lo`` added at the right end and
    digit values (0-9) written instead of ASCII: ``hi * P + lo`` from the convolution of ``hi`` and
    ``P`` in one pass (``to_str``'s joins).  ``len(lo) <= n * k``, else ``over`` is set."""
    err, mag, bad, over, dropped = kernels().dec_join(z, n, k, out, lo, drop_at, _value_table(k))
    return Flags(float(err), float(mag), bool(bad), bool(over), bool(dropped))


def decimal_add(p: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Digit values (uint8, most significant first) of the ASCII digits ``p`` plus the digit values ``lo``.

    ``len(lo) <= len(p)``; the result has ``len(p) + 1`` digits, the first
    being the carry out of the top (0 or 1).
    """
    out = np.empty(len(p) + 1, dtype=np.uint8)
    kernels().dec_add(p, lo, out)
    return out


def decimal_scale(d: np.ndarray, m: int) -> np.ndarray:
    """ASCII digits (uint8, most significant first, no leading zeros) of ``D * m`` in one pass.

    ``d``: digit values, most significant first, no leading zeros, non-empty;
    ``1 <= m < 10**17`` (``bounds.SCALAR_EXACT_DIGITS``: every partial value
    ``digit * m + carry`` then stays below ``10 * m <= 10**18 < 2**63``).
    """
    if not 1 <= m < 10 ** 17:
        raise ValueError("decimal_scale multiplies by 1 <= m < 10**17")
    out = np.empty(len(d) + 17, dtype=np.uint8)
    first = kernels().dec_scale(d, np.int64(m), out)
    return out[first:]


#: Widest decimal limbs (base 10**k) the fused text passes format by table.
MAX_TABLE_K = 6


@lru_cache(maxsize=8)
def _value_table(k: int) -> np.ndarray:
    """The digit values of every ``k``-digit group (:func:`_ascii_table` less 48)."""
    t = _ascii_table(k) - np.uint8(48)
    t.setflags(write=False)
    return t


@lru_cache(maxsize=8)
def _ascii_table(k: int) -> np.ndarray:
    """ASCII of every ``k``-digit group, zero padded, flattened (``10**k * k`` bytes; k <= 6)."""
    if k > MAX_TABLE_K:
        raise ValueError("decimal limbs wider than 10**6 are not formatted by table")
    v: np.ndarray = np.arange(10 ** k, dtype=np.int64)
    t = np.empty((10 ** k, k), dtype=np.uint8)
    for j in range(k - 1, -1, -1):
        v, r = np.divmod(v, 10)
        t[:, j] = r + 48
    flat = t.reshape(-1)
    flat.setflags(write=False)
    return flat
