"""Division on bigmul's products: ``divmod`` with Python's floor semantics, by Newton reciprocals.

What this is for: ``bigmul.divmod(a, b)`` for ints (and decimal strings,
converted once by ``radix.py``) of any size and sign, fast where CPython's
schoolbook division is quadratic.
What it is not for: modular arithmetic or rationals.

Method (positive ``a``, ``b`` of ``na``, ``nb`` bits): the quotient has at
most ``na - nb + 1`` bits.  A reciprocal ``v ~ 2**(2k) / bt`` of the top
``k`` bits ``bt`` of ``b`` (``k`` = the quotient's bits plus
:data:`GUARD_BITS`, at most ``nb``) is computed by Newton's iteration
(:func:`reciprocal`, each step doubling the precision with two products
through ``multiply``, started from CPython's exact ``(1 << 2k) // d``).
Then ``q = (a >> s) * v >> t`` is within a few units of ``a // b``
(truncating ``b`` to ``k`` bits, ``a`` to as many and the reciprocal's
error of a few units each move ``q`` by at most ``2**(1 - GUARD_BITS)``
relative to its size, plus the final truncation), and ``r = a - q*b`` with
at most :data:`MAX_CORRECTIONS` steps of ``q -= 1; r += b`` or ``q += 1;
r -= b`` makes both exact.  A quotient longer than the divisor is taken in
blocks of ``nb - GUARD_BITS`` bits from the top, every block with the one
reciprocal of ``b``.

Exactness: the correction makes ``0 <= r < b`` and ``r = a - q*b`` true by
construction (every product with its round-off, magnitude and carry guards,
unchecked otherwise: ``api.multiply_unchecked``); then
``q*b + r == a`` is verified modulo the two random limb primes
(``guards.LIMB_PRIMES``), a linear pass.  A correction that would need more steps, or a failed check,
raises ``GuardTrip("division")``; the plan (``plan.plan_divmod``) then runs
CPython's ``divmod`` (counted as ``fallback_cpython``).
"""
from __future__ import annotations

import builtins
import sys
from typing import Any, Callable

from . import cache, guards, tuning, wrap
from .engines import fused
from .guards import GuardTrip
from .plan import Step, plan_divmod, remainder_route
from .run import run_plan

__all__ = ["divmod", "divmod_int", "reciprocal", "newton_step", "clear_seeds", "GUARD_BITS", "MAX_CORRECTIONS"]

_pydivmod = builtins.divmod

#: Extra bits of reciprocal precision beyond the quotient's length.
GUARD_BITS = 32

#: Correction steps allowed after the Newton quotient before it counts as a tripped guard
#: (the error bound above allows 3: the reciprocal's few units, the truncations, the floor).
MAX_CORRECTIONS = 8


def _mul() -> Callable[[int, int], int]:
    """The division's products: unchecked (``api.multiply_unchecked``) -- the estimates only move
    the quotient, which the correction makes exact, and the remainder ``a - q*b`` is covered by
    the final check ``q*b + r == a`` modulo the limb primes."""
    from .api import multiply_unchecked

    return multiply_unchecked


#: Recent reciprocals ``(d, k, v)``: a later divisor whose top bits are a recent one's starts its
#: Newton iteration from it (divisors that grow by appending bits, as a root's digits do).
_seeds: list[tuple[int, int, int]] = []
SEEDS_KEPT = 4


def clear_seeds() -> None:
    """Forget the recent reciprocals (``bigmul.release_buffers``)."""
    _seeds.clear()


def _seed(d: int, k: int, h: int) -> int | None:
    """``~2**(2h) / (d >> (k - h))`` from a recent reciprocal ``v_s ~ 2**(2 k_s) / d_s`` of at least
    ``h`` bits whose divisor has the same top ``h`` bits: ``v_s >> (k_s - h)``, within 4 units
    (``v_s``'s error shifted away, the truncation of ``d_s`` to ``h`` bits, the floor)."""
    top = d >> (k - h)
    for ds, ks, vs in list(_seeds):
        if ks >= h and ds >> (ks - h) == top:
            return vs >> (ks - h)
    return None


def reciprocal(d: int, k: int) -> int:
    """``v`` with ``|v - 2**(2k) / d| < 4`` for ``d`` of exactly ``k`` bits, by Newton's iteration.

    From precision ``h = k//2 + 4`` to ``k`` by :func:`newton_step`; the start
    is a recent reciprocal's top bits when one fits (:func:`_seed`), else the
    same iteration at ``h`` bits, and below ``RECIP_DIRECT_BITS`` CPython's
    exact ``(1 << 2k) // d``.

    >>> d = 3 ** 20000; k = d.bit_length()
    >>> abs(reciprocal(d, k) - (1 << 2 * k) // d) < 4
    True
    """
    if k <= tuning.current.RECIP_DIRECT_BITS:
        return (1 << (2 * k)) // d
    h = k // 2 + 4
    vh = _seed(d, k, h)
    if vh is None:
        vh = reciprocal(d >> (k - h), h)
    return newton_step(d, k, vh, h)


def newton_step(d: int, k: int, vh: int, h: int) -> int:
    """``v ~ 2**(2k) / d`` (``d`` of exactly ``k`` bits) from ``vh ~ 2**(2h) / (d >> (k - h))``,
    ``k/2 + 4 <= h <= k``: one Newton step, within 4 units when ``vh`` is.

    ``v0 = vh * 2**(k-h)``, ``e = 2**(2k) - d*v0``, ``v = v0 + v0*e / 2**(2k)``:
    the relative error ``eps`` of ``v0`` becomes ``eps**2`` plus the
    truncations (a start within 4 units at ``h`` bits has ``eps < 2**(3-h)``,
    so ``eps**2 * 2**k < 2**-2``).  ``e`` is ``E * 2**(k-h)`` with
    ``E = 2**(k+h) - d*vh`` and ``|E| < 2**(k+4)``: ``d*vh`` is taken modulo
    ``2**K - 1``, ``K >= k + 16`` (``wrap.mulmod``, a cyclic transform of about
    ``d``'s length instead of the full product's 1.5 times that), which holds
    ``E`` exactly.  A start far off gives a wrong ``v``, which the division's
    correction bound or final check rejects.

    >>> d = 7 ** 9000; k = d.bit_length(); h = k // 2 + 4
    >>> vh = (1 << (2 * h)) // (d >> (k - h))
    >>> abs(newton_step(d, k, vh, h) - (1 << (2 * k)) // d) < 4
    True
    """
    if not 0 < vh < 1 << (h + 2):  # not a reciprocal of h bits: a wrong start (a wrong product before)
        raise GuardTrip("division", 0.0)
    c, K = wrap.mulmod(d, vh, k + 16)
    E = wrap.signed((1 << ((k + h) % K)) - c, K)
    # v0 * e / 2**(2k) = vh * E / 2**(2h): only E's top bits matter -- drop h - 8 of them.
    s = h - 8
    corr = _mul()(vh, abs(E) >> s) >> (h + 8) if E else 0
    return (vh << (k - h)) + (corr if E >= 0 else -corr)


def _quotient(a: int, v: int, k: int, sb: int) -> int:
    """``a * v / 2**(2k + sb)`` from ``a``'s top bits (``v ~ 2**(2k) / (b >> sb)``)."""
    shift = sb + k - GUARD_BITS
    at = a >> shift if shift >= 0 else a << -shift
    return _mul()(at, v) >> (k + GUARD_BITS)


def _correct(a: int, b: int, q: int) -> tuple[int, int]:
    """Exact ``(q, r)`` from an estimate ``q`` within :data:`MAX_CORRECTIONS` of ``a // b``.

    ``r = a - q*b`` is then below ``(MAX_CORRECTIONS + 1) * b`` in magnitude: from the divisor's
    size (``DIV_WRAP_MIN_BITS``) it is taken modulo ``2**K - 1``, ``K >= bits(b) + 16``
    (``wrap.mulmod``: a cyclic transform of about ``b``'s length, not the full product's), which
    holds it exactly; a wrong estimate gives a wrong ``r``, which the correction bound or the
    final check rejects.
    """
    nb = b.bit_length()
    if q > 0 and remainder_route(q.bit_length(), nb) == "wrap":
        c, K = wrap.mulmod(q, b, nb + 16)
        r = wrap.signed(wrap.fold(a, K) - c, K)
    else:
        r = a - _mul()(q, b) if q > 0 else a - q * b
    steps = 0
    while r < 0:
        q -= 1
        r += b
        steps += 1
        if steps > MAX_CORRECTIONS:
            raise GuardTrip("division", float(steps))
    while r >= b:
        q += 1
        r -= b
        steps += 1
        if steps > MAX_CORRECTIONS:
            raise GuardTrip("division", float(steps))
    if steps:
        guards.count("div_corrections", steps)
    return q, r


def _blocks(qbits: int, nb: int) -> tuple[int, int]:
    """``(block bits, blocks)`` for a quotient of ``qbits`` bits by an ``nb``-bit divisor.

    Blocks are at most ``nb - GUARD_BITS`` bits, and a long quotient is taken in at least
    two: each block comes from a reciprocal of only ``block + GUARD_BITS`` bits of ``b``
    (a reciprocal costs ~2.5 products of its length: two half blocks of a 2n-by-n
    division cost ~3.75 products of n bits against ~4.5 for one block at full precision).
    Blocks are whole bytes, so that each is one slice of the dividend's bytes.
    """
    most = (nb - GUARD_BITS) // 8 * 8
    n = max(-(-qbits // most), 2 if qbits >= 2 * tuning.current.DIV_NEWTON_MIN_BITS else 1)
    per = -(-qbits // n)
    beta = min(most, -(-per // 8) * 8)
    return beta, -(-qbits // beta)


def _divmod_newton(a: int, b: int) -> tuple[int, int]:
    """``divmod(a, b)`` for ``a >= b > 0``: blocks of the quotient from the top, each estimated from one
    Newton reciprocal of ``b``'s top ``block + GUARD_BITS`` bits and corrected exactly."""
    na, nb = a.bit_length(), b.bit_length()
    beta, nblocks = _blocks(na - nb + 1, nb)
    k = beta + GUARD_BITS
    sb = nb - k
    d = b >> sb
    # Kept (cache.py) for the next division by the same divisor at the same precision: a
    # divide-and-conquer base conversion divides every piece of a level by one power.
    key = ("recip", k, d)
    v = cache.get(key, lambda: reciprocal(d, k))
    _seeds.insert(0, (d, k, v))
    del _seeds[SEEDS_KEPT:]
    try:
        return _blocks_from(a, b, v, k, sb, beta, nblocks)
    except GuardTrip:
        cache.discard(key)  # the next division by b computes its reciprocal afresh
        _seeds.clear()  # nor does any later one start from it
        raise


def _blocks_from(a: int, b: int, v: int, k: int, sb: int, beta: int, nblocks: int) -> tuple[int, int]:
    """The quotient's blocks from the top, each estimated with ``v`` and corrected exactly."""
    r = a >> (nblocks * beta)  # fewer bits than b: below it
    top = 0
    if r >= b:  # cannot happen (r has at most nb - 1 bits); kept so the loop's invariant r < b is checked
        top, r = 1, r - b
    raw = a.to_bytes((a.bit_length() + 7) // 8, "little")
    w = beta // 8
    blocks = []  # the quotient's blocks as bytes, most significant first (joined once: no quadratic shifts)
    for i in range(nblocks - 1, -1, -1):
        cur = (r << beta) | int.from_bytes(raw[i * w:(i + 1) * w], "little")  # < b * 2**beta
        qi, r = _correct(cur, b, _quotient(cur, v, k, sb))
        blocks.append(qi.to_bytes(w, "little"))
    blocks.reverse()
    q = int.from_bytes(b"".join(blocks), "little")
    return (q | (top << (nblocks * beta))) if top else q, r


def _check(a: int, b: int, q: int, r: int) -> None:
    """``0 <= r < b`` and ``q*b + r == a`` modulo both limb primes (residues by one kernel pass over
    each int's digits once the kernels are loaded: CPython's ``%`` of a 10^6-digit int costs about a
    tenth of the division)."""
    guards.count("checks")
    if not 0 <= r < b:
        raise GuardTrip("division", 0.0)
    res = fused.int_residues
    for p, ra, rb, rq, rr in zip(guards.LIMB_PRIMES, res(a), res(b), res(q), res(r)):
        if (rq * rb + rr - ra) % p:
            raise GuardTrip("division", 0.0)


def divmod_int(a: int, b: int) -> tuple[int, int]:
    """``divmod(a, b)`` of Python ints, floor semantics for every sign, through the plan's ladder.

    >>> divmod_int(-7, 2), divmod_int(7, -2), divmod_int(-7, -2)
    ((-4, 1), (-4, -1), (3, -1))
    """
    if b == 0:
        raise ZeroDivisionError("integer division or modulo by zero")
    x, y = abs(a), abs(b)
    plan = plan_divmod(x.bit_length(), y.bit_length())
    if plan.method == "cpython" or x < y:
        return _pydivmod(a, b)

    def attempt(step: Step) -> tuple[int, int]:
        if step.engine == "cpython":
            return _pydivmod(x, y)
        q, r = _divmod_newton(x, y)
        _check(x, y, q, r)
        return q, r

    q, r = run_plan(plan, attempt)
    # Floor semantics: r takes b's sign, |r| < |b|.
    if (a < 0) != (b < 0):
        if r:
            q, r = -q - 1, y - r
        else:
            q = -q
    if b < 0:
        r = -r
    return q, r


def divmod(a: Any, b: Any) -> tuple[Any, Any]:
    """``(a // b, a % b)`` exactly, with Python's floor semantics, for ints or decimal strings.

    ``a``, ``b``: integers (int, ``gmpy2.mpz``, ``__index__``; the results
    are ``mpz`` when either is) or two decimal strings (``multiply``'s
    grammar; the results are decimal strings, converted once each way by
    ``to_str``/``from_str``).  ``ZeroDivisionError`` for ``b == 0``.  Newton
    reciprocals through bigmul's products once divisor and quotient are long
    (``plan.plan_divmod``); every result checked (``q*b + r == a`` modulo a
    random prime, ``r`` between 0 and ``b``).

    >>> divmod(-7, 2)
    (-4, 1)
    >>> divmod("100000000000000000000000000001", "-7")
    ('-14285714285714285714285714286', '-1')
    >>> divmod(1, 0)
    Traceback (most recent call last):
    ...
    ZeroDivisionError: integer division or modulo by zero
    """
    from .operands import as_int, kind

    ka, kb = kind(a, "a"), kind(b, "b")
    if (ka == "str") != (kb == "str"):
        raise TypeError(f"cannot divide {type(a).__name__} by {type(b).__name__}: "
                        "operands must both be decimal str or both be integers")
    if ka == "str":
        from .radix import from_str, to_str

        q, r = divmod_int(from_str(a), from_str(b))
        return to_str(q), to_str(r)
    q, r = divmod_int(as_int(a, "a"), as_int(b, "b"))
    if "mpz" in (ka, kb):
        mpz = sys.modules["gmpy2"].mpz
        return mpz(q), mpz(r)
    return q, r
