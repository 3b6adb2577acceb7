"""Integer square root on bigmul's products: ``isqrt`` with ``math.isqrt``'s semantics.

What this is for: ``bigmul.isqrt(n)`` for ints (and decimal text, converted
once) where ``math.isqrt`` is quadratic (CPython < 3.12 multiplies and
divides by schoolbook).
What it is not for: roots of other degrees or non-integers.

Method: Zimmermann's Karatsuba square root (:func:`_sqrtrem`), without
divisions: the root and remainder of the top half, then the next half of the
root from one product by a fixed-point reciprocal of ``2s`` that the level
below passed up (each level moves its reciprocal to its own root and refines
it by one Newton step), and the exact remainder ``n - s*s`` from one square
modulo ``2**K - 1`` (``wrap.mulmod``, a cyclic transform about half the full
square's length); a float-guided adjustment (:func:`_adjust`) makes root and
remainder exact.  The products are unchecked (``api.multiply_unchecked``):
every one of them only moves an estimate or a remainder that the final check
covers.

Exactness: the final root ``r`` comes with its remainder ``n - r*r`` and is
verified: ``0 <= n - r*r <= 2r``, with ``r*r`` checked modulo the two random
limb primes.  A failure -- or an estimate that needs more than
:data:`MAX_ROOT_STEPS` adjustments -- raises ``GuardTrip("root")``; the plan
(``plan.plan_isqrt``) then runs ``math.isqrt`` (counted as ``fallback_cpython``).
"""
from __future__ import annotations

import math
import sys
from typing import Any

from . import guards, tuning, wrap
from .divide import newton_step as _reciprocal_from  # a module global: fault injection patches it here
from .divide import reciprocal
from .engines import fused
from .guards import GuardTrip
from .plan import Step, plan_isqrt
from .run import run_plan

__all__ = ["isqrt", "isqrt_int", "isqrt_newton"]


#: Guard bits of the fixed-point reciprocals of ``2s`` the levels pass up (at least 7: a level's
#: reciprocal, moved to the next level's divisor, must start a Newton step to twice its precision).
RECIP_GUARD_BITS = 16

#: Bits of ``n - s*s`` beyond the root's own that the product modulo ``2**K - 1`` holds: a root
#: estimate within ``2**(ROOT_WRAP_BITS - 4)`` units still gives its exact remainder.
ROOT_WRAP_BITS = 64

#: Adjustments of a root estimate (each a float-guided jump or one unit) before the estimate counts
#: as wrong (``GuardTrip("root")``): the error bound allows two.
MAX_ROOT_STEPS = 8


def _remainder(n: int, s: int) -> int:
    """``n - s*s`` for a root estimate ``s`` within ``2**(ROOT_WRAP_BITS - 4)`` units of ``isqrt(n)``
    (then ``|n - s*s| < 2**(bits(s) + ROOT_WRAP_BITS - 2)``): ``s*s`` modulo ``2**K - 1`` on a cyclic
    transform of about ``s``'s length instead of the full square's twice that, ``n`` folded to the
    same modulus.  An estimate further off gives a wrong value, which the adjustments or the
    root's check then reject."""
    if s <= 0:  # an estimate gone wrong (a wrong product on the way): not a root
        raise GuardTrip("root", 0.0)
    c, K = wrap.mulmod(s, None, s.bit_length() + ROOT_WRAP_BITS)
    return wrap.signed(wrap.fold(n, K) - c, K)


def _adjust(n: int, s: int, r: int) -> tuple[int, int]:
    """``(isqrt(n), n - isqrt(n)**2)`` from an estimate ``s`` and its exact ``r = n - s*s``: a jump by
    the float estimate ``r / 2s`` while ``r`` is far out of ``[0, 2s]``, then single units."""
    steps = 0
    while r < 0 or r > 2 * s:
        steps += 1
        if steps > MAX_ROOT_STEPS:
            raise GuardTrip("root", float(steps))
        e = _ratio(r, 2 * s)
        if not abs(e) < 2.0 ** 60:  # far past any estimate's error (or inf): a wrong remainder
            raise GuardTrip("root", float(steps))
        if abs(e) >= 2:
            j = int(e)
            r -= (2 * s + j) * j  # n - (s + j)**2
            s += j
        elif r < 0:
            r += 2 * s - 1
            s -= 1
        else:
            r -= 2 * s + 1
            s += 1
    if steps:
        guards.count("root_adjustments", steps)
    return s, r


def _ratio(a: int, b: int) -> float:
    """``a / b`` as a float from the operands' top 62 bits (``b > 0``; CPython's exact ``a / b``
    divides the whole ints)."""
    sa = max(0, abs(a).bit_length() - 62)
    sb = max(0, b.bit_length() - 62)
    x = (abs(a) >> sa) / (b >> sb)
    x = math.ldexp(x, sa - sb) if sa - sb < 900 else math.inf  # x < 2**63: no overflow below 900
    return -x if a < 0 else x


def _moved(v1: int, d1: int, d_top: int) -> int:
    """``~2**(2p) / d_top`` from ``v1 ~ 2**(2p) / d1`` (same ``p``, ``d_top`` within a few guard bits
    of ``d1``): ``2**(2p) / (d1 + delta) = W - W * delta / d_top`` exactly for ``W = 2**(2p) / d1``,
    so ``v1 - round(v1 * delta / d_top)`` -- a correction of a few guard bits, taken in floating
    point -- keeps ``v1``'s error (a few units) plus one."""
    delta = d_top - d1
    if not delta:
        return v1
    if abs(delta).bit_length() > RECIP_GUARD_BITS + 8:  # not a few guard bits apart: a wrong root below
        raise GuardTrip("root", 0.0)
    return v1 - round(delta * _ratio(v1, d_top))


def _sqrtrem(n: int, k: int, base_k: int, recip: bool) -> tuple[int, int, int, int]:
    """``(s, n - s*s, v, p)``, ``s = isqrt(n)``, for ``n`` of ``4k`` or ``4k - 1`` bits (``k = c * 2**j``,
    ``c <= base_k``), and (with ``recip``) ``v`` within a few units of ``2**(2p) / (2s << G)``,
    ``p = bits(2s) + G`` (``G`` = :data:`RECIP_GUARD_BITS`), for the level above.

    One level of Zimmermann's Karatsuba square root (P. Zimmermann, "Karatsuba Square Root",
    INRIA RR-3805, 1999), ``n = a3*B**3 + a2*B**2 + a1*B + a0``, ``B = 2**k``: the root ``s1`` and
    remainder ``r1`` of the top half, then ``s = s1*B + q`` with ``q = (r1*B + a1) // (2*s1)`` --
    here estimated from the reciprocal of ``2*s1`` the level below passed up (within 2 units:
    ``v``'s few units move it by ``2**(1-G)``, truncating the dividend to its top bits by
    ``2**-8``, the floor by one) -- and its remainder ``n - s*s`` from a square modulo ``2**K - 1``
    (:func:`_remainder`) instead of the division's remainder and ``q*q``; :func:`_adjust` makes
    both exact.  The reciprocal for the level above is this one's moved to ``2s``
    (:func:`_moved`) and refined by one Newton step (``divide.newton_step``).
    """
    G = RECIP_GUARD_BITS
    if k <= base_k or k & 1:
        s = math.isqrt(n)
        r = n - s * s
        if not recip:
            return s, r, 0, 0
        d = (2 * s) << G
        p = d.bit_length()
        return s, r, reciprocal(d, p), p
    s1, v1, p1, q = _top_and_quotient(n, 0, k, base_k)
    s, r = _adjust(n, *_estimate(n, (s1 << k) + q))
    if not recip:
        return s, r, 0, 0
    d = (2 * s) << G
    p = d.bit_length()
    vh = _moved(v1, (2 * s1) << G, d >> (p - p1))
    return s, r, _reciprocal_from(d, p, vh, p1), p


def _estimate(n: int, s: int) -> tuple[int, int]:
    """A root estimate and its exact remainder (:func:`_remainder`)."""
    return s, _remainder(n, s)


def isqrt_newton(n: int) -> tuple[int, int]:
    """``(math.isqrt(n), its square)`` for ``n > 0``: Zimmermann's recursion with bigmul's products,
    not checked.

    ``n`` is padded with ``2t`` zero bits so that it has ``4k`` or ``4k - 1``
    bits with ``k`` a small number times a power of two (every level splits
    evenly); the root of ``n * 4**t`` shifted right by ``t`` is within a unit of the root of ``n``,
    and the top level estimates the root of ``n`` itself and takes its remainder from ``n``.

    >>> isqrt_newton(10 ** 100) == (10 ** 50, 10 ** 100)
    True
    """
    base_k = max(1, tuning.current.ISQRT_NEWTON_MIN_BITS // 4)
    k0 = -(-n.bit_length() // 4)
    j = 0
    while k0 > base_k << j:
        j += 1
    k = -(-k0 // (1 << j)) << j
    t = (4 * k - n.bit_length()) // 2
    if k <= base_k or k & 1:
        s = math.isqrt(n)
        return s, s * s
    s1, _, _, q = _top_and_quotient(n, 2 * t, k, base_k)
    s, r = _adjust(n, *_estimate(n, ((s1 << k) + q) >> t))
    return s, n - r


def _top_and_quotient(n: int, pad: int, k: int, base_k: int) -> tuple[int, int, int, int]:
    """For ``m = n << pad`` of ``4k`` or ``4k - 1`` bits: the root ``s1`` of ``m >> 2k`` with the
    reciprocal ``(v1, p1)`` of ``2*s1`` the level passes up, and the estimate ``q`` of
    ``(r1*2**k + a1) // (2*s1)`` (``a1`` the next ``k`` bits of ``m``) from that dividend's top
    bits: only the top 8 bits of ``a1`` matter (dropping the rest moves ``q`` by under ``2**-8``),
    so ``m`` is shifted once and never padded or masked in full."""
    from .api import multiply_unchecked

    t = max(0, k - 8)  # the dividend's dropped bits
    cut = 2 * k - 8 if t else k
    h = n >> (cut - pad) if cut >= pad else n << (pad - cut)  # m >> cut
    keep = k - t  # bits of a1 kept: 8, or all k of them
    s1, r1, v1, p1 = _sqrtrem(h >> keep, k // 2, base_k, True)
    q = multiply_unchecked((r1 << keep) | (h & ((1 << keep) - 1)), v1) >> (2 * p1 - RECIP_GUARD_BITS - t)
    return s1, v1, p1, q


def _check(n: int, r: int, sq: int) -> None:
    """``r*r <= n < (r+1)**2`` given ``sq``, claimed to be ``r*r`` (``n`` less the last step's
    remainder): ``0 <= n - sq <= 2r``, and ``sq == r*r`` modulo the two random limb primes."""
    guards.count("checks")
    rest = n - sq
    if not 0 <= rest <= 2 * r:
        raise GuardTrip("root", 0.0)
    for p, rr, rs in zip(guards.LIMB_PRIMES, fused.int_residues(r), fused.int_residues(sq)):
        if (rr * rr - rs) % p:
            raise GuardTrip("root", 0.0)


def isqrt_int(n: int) -> int:
    """The integer square root of an int ``n >= 0`` (``ValueError`` for negatives).

    >>> isqrt_int(99), isqrt_int(10 ** 40 - 1) == 10 ** 20 - 1
    (9, True)
    """
    if n < 0:
        raise ValueError("isqrt() argument must be nonnegative")
    plan = plan_isqrt(n.bit_length())
    if plan.method == "cpython":
        return math.isqrt(n)

    def attempt(step: Step) -> int:
        if step.engine == "cpython":
            return math.isqrt(n)
        r, sq = isqrt_newton(n)
        _check(n, r, sq)
        return r

    return run_plan(plan, attempt)


def isqrt(n: Any) -> Any:
    """The integer square root: the largest ``r`` with ``r*r <= n``, as ``math.isqrt``.

    ``n``: an integer (int, ``gmpy2.mpz``, ``__index__``; an ``mpz`` gives an
    ``mpz``) or decimal text (gives text).  ``ValueError`` for negatives.
    Checked: ``r*r <= n < (r+1)**2``.

    >>> isqrt(10 ** 30 + 5)
    1000000000000000
    >>> isqrt("99")
    '9'
    >>> isqrt(-1)
    Traceback (most recent call last):
    ...
    ValueError: isqrt() argument must be nonnegative
    """
    from .operands import as_int, kind

    k = kind(n, "n")
    if k == "str":
        from .radix import from_str, to_str

        return to_str(isqrt_int(from_str(n)))
    r = isqrt_int(as_int(n, "n"))
    return sys.modules["gmpy2"].mpz(r) if k == "mpz" else r
