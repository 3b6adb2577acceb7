"""Integer square root on bigmul's divisions: ``isqrt`` with ``math.isqrt``'s semantics.

What this is for: ``bigmul.isqrt(n)`` for ints (and decimal text, converted
once) where ``math.isqrt`` is quadratic (CPython < 3.12 multiplies and
divides by schoolbook).
What it is not for: roots of other degrees or non-integers.

Method: Zimmermann's Karatsuba square root (:func:`_sqrtrem`): the root
and remainder of the top half, then one division of half the root's size
(:func:`bigmul.divide.divmod_int`, Newton reciprocals on bigmul's products)
and one square give the root and remainder of the whole, exactly, with at
most one adjustment per level -- about one division and one square of a
quarter of ``n``'s size per level.

Exactness: the divisions are exact (their own checks), and the answer is
verified: ``r*r <= n < (r+1)**2``, i.e. ``0 <= n - r*r <= 2r``, with ``r*r``
by ``bigmul.square``.  A failure raises ``GuardTrip("root")``; the plan
(``plan.plan_isqrt``) then runs ``math.isqrt`` (counted as ``fallback_cpython``).
"""
from __future__ import annotations

import math
import sys
from typing import Any

from . import guards, tuning
from .divide import divmod_int
from .engines import fused
from .guards import GuardTrip
from .plan import Step, plan_isqrt
from .run import run_plan

__all__ = ["isqrt", "isqrt_int", "isqrt_newton"]


def _sqrtrem(n: int, k: int, base_k: int) -> tuple[int, int]:
    """``(s, n - s*s)``, ``s = isqrt(n)``, for ``n`` of ``4k`` or ``4k - 1`` bits (``k = c * 2**j``,
    ``c <= base_k``): Zimmermann's Karatsuba square root, one step.

    ``n = a3*B**3 + a2*B**2 + a1*B + a0`` (``B = 2**k``, ``a3 >= B/4``): the root
    ``s1`` of the top half, then ``q, u = divmod(r1*B + a1, 2*s1)``,
    ``s = s1*B + q``, ``r = u*B + a0 - q*q``, and at most one adjustment when
    ``r < 0`` (P. Zimmermann, "Karatsuba Square Root", INRIA RR-3805, 1999).
    """
    from .api import square

    if k <= base_k or k & 1:
        s = math.isqrt(n)
        return s, n - s * s
    mask = (1 << k) - 1
    s1, r1 = _sqrtrem(n >> (2 * k), k // 2, base_k)
    q, u = divmod_int((r1 << k) | ((n >> k) & mask), s1 << 1)
    s = (s1 << k) + q
    r = (u << k) + (n & mask) - square(q)
    if r < 0:
        r += 2 * s - 1
        s -= 1
    return s, r


def isqrt_newton(n: int) -> tuple[int, int]:
    """``(math.isqrt(n), its square)`` for ``n > 0``: Zimmermann's recursion with bigmul's divisions
    and squares, not checked.

    ``n`` is padded with ``2t`` zero bits so that it has ``4k`` or ``4k - 1``
    bits with ``k`` a small number times a power of two (every level splits
    evenly); the root of ``n * 4**t`` shifted right by ``t`` is the root of ``n``.

    >>> isqrt_newton(10 ** 100) == (10 ** 50, 10 ** 100)
    True
    """
    from .api import multiply

    base_k = max(1, tuning.current.ISQRT_NEWTON_MIN_BITS // 4)
    k0 = -(-n.bit_length() // 4)
    j = 0
    while k0 > base_k << j:
        j += 1
    k = -(-k0 // (1 << j)) << j
    t = (4 * k - n.bit_length()) // 2
    s, r = _sqrtrem(n << (2 * t), k, base_k)
    if not t:
        return s, n - r
    # s = s' >> t with s' = s * 2**t + e: s**2 * 4**t = (s' - e)**2 = s'**2 - 2 s' e + e**2, and
    # s'**2 = (n << 2t) - r -- a product of s' by the t-bit e instead of a square of s.
    e = s & ((1 << t) - 1)
    sq = ((n << (2 * t)) - r - 2 * multiply(s, e) + e * e) >> (2 * t)
    return s >> t, sq


def _check(n: int, r: int, sq: int) -> None:
    """``r*r <= n < (r+1)**2`` with ``sq = r*r`` (``multiply``'s checked square), checked again modulo the two limb primes."""
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
