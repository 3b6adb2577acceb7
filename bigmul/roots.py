"""Integer square root on bigmul's divisions: ``isqrt`` with ``math.isqrt``'s semantics.

What this is for: ``bigmul.isqrt(n)`` for ints (and decimal text, converted
once) where ``math.isqrt`` is quadratic (CPython < 3.12 multiplies and
divides by schoolbook).
What it is not for: roots of other degrees or non-integers.

Method: ``math.isqrt``'s own recurrence (CPython's ``Modules/mathmodule.c``):
the precision doubles at each step, ``a = (a << d - e - 1) + (n >> 2c - e - d + 1) // a``,
with every floor division by :func:`bigmul.divide.divmod_int` (Newton
reciprocals on bigmul's products).  The recurrence keeps ``a`` within one
of the root at every precision, so the result is exact with one final
test: ``a - (a*a > n)``.

Exactness: the divisions are exact (their own checks), and the answer is
verified: ``r*r <= n < (r+1)**2``, i.e. ``0 <= n - r*r <= 2r``, with ``r*r``
by ``bigmul.square``.  A failure raises ``GuardTrip("root")``; the plan
(``plan.plan_isqrt``) then runs ``math.isqrt`` (counted as ``fallback_cpython``).
"""
from __future__ import annotations

import math
import sys
from typing import Any

from . import guards
from .divide import divmod_int
from .guards import GuardTrip
from .plan import Step, plan_isqrt
from .run import run_plan

__all__ = ["isqrt", "isqrt_int", "isqrt_newton"]


def isqrt_newton(n: int) -> tuple[int, int]:
    """``(math.isqrt(n), its square)`` (``n > 0``) by the recurrence with bigmul's divisions, not checked.

    >>> isqrt_newton(10 ** 100) == (10 ** 50, 10 ** 100)
    True
    """
    from .api import square

    c = (n.bit_length() - 1) // 2
    a = 1
    d = 0
    for s in reversed(range(c.bit_length())):
        e = d
        d = c >> s
        a = (a << (d - e - 1)) + divmod_int(n >> (2 * c - e - d + 1), a)[0]
    sq = square(a)
    if sq > n:  # the recurrence ends at the root or one above it
        sq -= 2 * a - 1
        a -= 1
    return a, sq


def _check(n: int, r: int, sq: int) -> None:
    """``r*r <= n < (r+1)**2`` with ``sq = r*r`` (``multiply``'s checked square), checked again modulo a prime."""
    guards.count("checks")
    p = guards.PRIME
    rest = n - sq
    if not 0 <= rest <= 2 * r or (r % p) * (r % p) % p != sq % p:
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
