"""Products modulo ``2**K - 1`` (wrap-around products) for results known to be short.

What this is for: the steps of a division or a square root that need only the
low part of a product whose high part they already know -- a remainder
``a - q*b`` smaller than ``b``, a Newton residual ``2**(2k) - d*v``, a root's
``n - s*s`` -- computed modulo ``M = 2**K - 1`` for a ``K`` a little larger
than that part.  A cyclic FFT of the operands' limbs gives the product modulo
``M`` on a transform about half as long as the full product's, so with one
transform fewer (a square) or shorter ones.
What it is not for: whole products (``api.py``), or any result its caller does
not check.

Exactness: the cyclic convolution obeys the float FFT's error bound at its
own, shorter, length, with the same round-off and magnitude guards
(``routes.int_product_wrap``); the carry out of the top limb is added at the
bottom (``2**K`` is 1 modulo ``M``).  A product modulo ``M`` has no modular
check of its own -- residues modulo small primes do not survive the
reduction -- so every caller checks the result it builds from it (a
division's ``q*b + r == a``, a root's ``n - s*s == r``, modulo the random
limb primes), and a wrong value ends in that check's fallback.
"""
from __future__ import annotations

from . import guards
from .guards import GuardTrip
from .plan import Step, plan_wrap
from .run import run_plan

__all__ = ["fold", "mulmod", "signed"]


def fold(x: int, K: int) -> int:
    """``x mod (2**K - 1)`` for ``x >= 0``, by adding its ``K``-bit pieces (linear time).

    >>> fold(10 ** 30, 61) == 10 ** 30 % (2 ** 61 - 1)
    True
    """
    M = (1 << K) - 1
    while x >> K:
        x = (x & M) + (x >> K)
    return 0 if x == M else x


def signed(x: int, K: int) -> int:
    """The representative of ``x mod (2**K - 1)`` (``-(2**K - 1) < x < 2**K``: a difference of two
    reduced values) in ``(-2**(K-1), 2**(K-1)]``: the value itself when a caller knows
    ``|value| < 2**(K-1)``.

    >>> signed(fold(-5 % (2 ** 20 - 1), 20), 20), signed(3 - 8, 20), signed(8 - 3, 20)
    (-5, -5, 5)
    """
    M = (1 << K) - 1
    if x < 0:
        x += M
    return x - M if x >> (K - 1) else x


def mulmod(a: int, b: int | None, k_min: int) -> tuple[int, int]:
    """``(a * b mod (2**K - 1), K)`` (``b=None``: ``a * a``) with ``K >= k_min`` chosen by the
    plan (a whole number of limbs of a fast cyclic transform), for ``0 <= a, b < 2**k_min``.

    Not checked on its own (see the module's note): the caller checks what it builds from it.

    >>> c, K = mulmod(3 ** 500, 7 ** 300, 1700)
    >>> K >= 1700 and c == 3 ** 500 * 7 ** 300 % (2 ** K - 1)
    True
    """
    if k_min < 2:
        raise ValueError("k_min must be at least 2")
    ba = a.bit_length()
    bb = ba if b is None else b.bit_length()
    if a < 0 or (b is not None and b < 0) or max(ba, bb) > k_min:
        raise ValueError("mulmod needs operands in [0, 2**k_min)")

    def attempt(step: Step) -> tuple[int, int]:
        if step.engine == "product":
            from .api import multiply, square

            return fold(square(a) if b is None else multiply(a, b), k_min), k_min
        from .engines import routes

        return routes.int_product_wrap(a, b, step.bits, k_min)

    guards.count("wrap_products")
    return run_plan(plan_wrap(ba, bb, k_min), attempt)
