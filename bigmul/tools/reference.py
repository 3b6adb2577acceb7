"""The oracle for harnesses: Python ``int`` semantics, computed with gmpy2 when it is installed.

What this is for: ``bigmul bench``, ``bigmul fuzz`` and the tests need exact
reference products and decimal conversions at sizes where CPython's own
``str(int)``/``int(str)`` are quadratic (and limited to 4300 digits by
default).  gmpy2 gives the same integers, fast; without it these fall back
to CPython with the digit limit lifted for the call.
What it is not for: the library's own products -- bigmul never multiplies
with gmpy2.
"""
from __future__ import annotations

from ..text import no_digit_limit  # the library's own; re-exported for the harnesses

__all__ = ["no_digit_limit", "product", "int_to_decimal", "decimal_to_int", "flint_convolve"]


def product(x: int, y: int) -> int:
    """``x * y`` as a Python int.

    >>> product(-123, 456)
    -56088
    """
    try:
        import gmpy2
    except ImportError:
        return x * y
    return int(gmpy2.mpz(x) * gmpy2.mpz(y))


def int_to_decimal(n: int) -> str:
    """``str(n)`` without the digit limit.

    >>> int_to_decimal(-10**5000)[:3], len(int_to_decimal(10**5000))
    ('-10', 5001)
    """
    try:
        import gmpy2
    except ImportError:
        with no_digit_limit():
            return str(n)
    return gmpy2.mpz(n).digits()


def decimal_to_int(s: str) -> int:
    """``int(s)`` without the digit limit (same grammar: sign, underscores, whitespace).

    >>> decimal_to_int(" -1_000 ")
    -1000
    """
    try:
        import gmpy2
    except ImportError:
        with no_digit_limit():
            return int(s)
    t = s.strip().replace("_", "")
    neg = t.startswith("-")
    v = int(gmpy2.mpz(t.lstrip("+-") or "0"))
    return -v if neg else v


def flint_convolve(x: list[int], y: list[int]) -> list[int] | None:
    """The exact convolution by python-flint's ``fmpz_poly`` product (None without flint).

    Padded to ``len(x) + len(y) - 1``: ``fmpz_poly`` drops high zero coefficients.

    >>> r = flint_convolve([1, 0, 0], [2, 0]); r is None or r == [2, 0, 0, 0]
    True
    """
    try:
        import flint
    except ImportError:
        return None
    c = [int(v) for v in (flint.fmpz_poly(x) * flint.fmpz_poly(y)).coeffs()]
    return c + [0] * (len(x) + len(y) - 1 - len(c))
