"""The public multiplication API: ``multiply`` and ``square`` for ints, mpz and decimal text.

What this is for: sorting operands by kind (``operands.py``), running the
int path -- the plan from ``plan.py`` (engine, limb width and route of each
step) through the one fallback ladder (``run.py``), each step one call into
``engines/routes.py``, which checks the product -- and handing decimal text
to ``text.py``.
What it is not for: the engines themselves or the decimal text path.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

from . import tuning

if TYPE_CHECKING:  # the type of an mpz result, for help() and type checkers
    import gmpy2
from .engines import fused
from .operands import as_convolve_operand, as_int, check_method, kind
from .plan import KARATSUBA_PLAN, Plan, Step, karatsuba_int, plan_convolve_values, plan_int, plan_str
from .run import run_plan
from .text import multiply_str, parse_decimal, small_product

__all__ = ["multiply", "square", "multiply_int", "multiply_unchecked", "choose_method"]

_MIN_CROSSOVER = tuning.INT_MIN_CROSSOVER_BITS


@lru_cache(maxsize=1)
def _routes() -> ModuleType:
    """``engines.routes``, imported on first use (it imports scipy), then without an import
    statement's cost per product."""
    from .engines import routes

    return routes


def _product(a: int, b: int | None, method: str, checked: bool = True, plan: Plan | None = None) -> int:
    """``a * b`` (``b=None``: ``a * a``) for positive ints, by the plan for their sizes, or ``plan``
    when the caller has it (``checked``: the fused route's modular check; the other routes always
    check)."""
    if plan is None:
        plan = plan_int(a.bit_length(), a.bit_length() if b is None else b.bit_length(), method)

    def attempt(step: Step) -> int:
        if step.engine == "int":
            return a * (a if b is None else b)
        if step.engine == "gpu":  # the device runs the modular check itself (limb primes)
            from .engines.gpu import gpu_int_product

            return gpu_int_product(a, b, step.bits)
        if step.engine == "karatsuba":
            return _routes().karatsuba_int_product(a, b, checked)
        if step.route == "fused":
            if step.engine == "ntt":
                return _routes().ntt_int_product(a, b, checked)
            return _routes().int_product(a, b, step.bits, checked)
        return _routes().limb_int_product(a, b, step.engine, step.bits)

    return run_plan(plan, attempt)


def multiply_int(a: int, b: int, method: str = "auto", square: bool = False) -> int:
    """Exact ``a * b`` (``square``: ``a * a``) of Python ints of any sign by ``method``'s plan.

    >>> multiply_int(-12, 5, "fft")
    -60
    """
    neg = (a < 0) != (b < 0) and not square
    a, b = abs(a), abs(b)
    if a == 0 or b == 0:
        return 0
    c = _product(a, None if square else b, method)
    return -c if neg else c


def multiply_unchecked(a: int, b: int | None) -> int:
    """``a * b`` (``b=None``: ``a * a``) of non-negative ints by the ``auto`` plan, without the fused
    route's modular check (its round-off, magnitude and carry guards stay): for the estimates and
    partial results of a division, root or conversion that checks its whole result itself.

    >>> multiply_unchecked(3 ** 9000, 7 ** 5000) == 3 ** 9000 * 7 ** 5000
    True
    """
    if a == 0 or b == 0:
        return 0
    return _product(a, b, "auto", False)


def _multiply(a: Any, b: Any, method: str, sq: bool) -> Any:
    check_method(method)
    ka = kind(a, "a")
    kb = ka if sq else kind(b, "b")
    if (ka == "str") != (kb == "str"):
        raise TypeError(f"cannot multiply {type(a).__name__} by {type(b).__name__}: "
                        "operands must both be decimal str or both be integers")
    if ka == "str":
        return multiply_str(a, None if sq else b, method)
    ia = as_int(a, "a")
    c = multiply_int(ia, ia if sq else as_int(b, "b"), method, sq)
    if "mpz" in (ka, kb):
        return sys.modules["gmpy2"].mpz(c)
    return c


@overload
def multiply(a: int, b: int, *, method: str = ...) -> int: ...
@overload
def multiply(a: str, b: str, *, method: str = ...) -> str: ...
@overload
def multiply(a: Any, b: Any, *, method: str = ...) -> Any: ...


def multiply(a: int | str | SupportsIndex, b: int | str | SupportsIndex, *,
             method: str = "auto") -> int | str | gmpy2.mpz:
    """Exact product of two integers, or of two decimal strings.

    ``a``, ``b``: integers -- Python ints, objects with ``__index__`` (numpy
    integers), ``gmpy2.mpz``/``xmpz`` -- in any mix (the result is an ``mpz``
    when either operand is a gmpy2 integer, else an ``int``); or two decimal
    strings (the result is a decimal string).  A string with an integer
    raises ``TypeError``.
    ``method``: ``"auto"`` (fastest exact choice, see :func:`choose_method`),
    ``"direct"`` (schoolbook convolution), ``"fft"`` (float64 FFT with error
    bound and run-time guards), ``"ntt"`` (three-prime number-theoretic
    transform) or ``"gpu"`` (CuPy/cuFFT; :class:`GPUUnavailableError` where
    it cannot run).  Every non-trivial product is checked modulo a random prime;
    a failed guard recomputes with an exact engine and is counted
    (:func:`bigmul.guard_stats`).

    >>> multiply(123, 456)
    56088
    >>> multiply(-(2**100), 3, method="fft") == -3 * 2**100
    True
    >>> multiply("123", "-456")
    '-56088'
    >>> multiply(True, 2)
    Traceback (most recent call last):
    ...
    TypeError: a must be an int, gmpy2.mpz or decimal str, not bool
    """
    if type(a) is int and type(b) is int and method == "auto":
        # Fast path: stay within a few percent of ``a * b`` for small operands (``plan.int_crossover``),
        # the tiniest first, against a constant below every crossover.
        if a.bit_length() < _MIN_CROSSOVER or b.bit_length() < _MIN_CROSSOVER:
            return a * b
        th = tuning.current  # no min() here: Thresholds keeps the fused crossover at or below the other
        cut = th.INT_FFT_FUSED_MIN_BITS if fused.LOADED else th.INT_FFT_MIN_BITS
        if a.bit_length() < cut or b.bit_length() < cut:
            if karatsuba_int(min(a.bit_length(), b.bit_length())):  # the plan plan_int gives these sizes
                c = _product(abs(a), abs(b), "auto", plan=KARATSUBA_PLAN)
                return -c if (a < 0) != (b < 0) else c
            return a * b
        return multiply_int(a, b)  # two ints: no operand sorting (``_multiply``)
    elif type(a) is str and type(b) is str and method == "auto":
        small = small_product(a, b)
        return small if small is not None else multiply_str(a, b, method, try_small=False)
    return _multiply(a, b, method, False)


@overload
def square(a: int, *, method: str = ...) -> int: ...
@overload
def square(a: str, *, method: str = ...) -> str: ...
@overload
def square(a: Any, *, method: str = ...) -> Any: ...


def square(a: int | str | SupportsIndex, *, method: str = "auto") -> int | str | gmpy2.mpz:
    """Exact square (one forward transform instead of two); same kinds and methods as :func:`multiply`.

    >>> square(-12)
    144
    >>> square("99")
    '9801'
    """
    if type(a) is int and method == "auto":
        if a.bit_length() < _MIN_CROSSOVER:
            return a * a
        th = tuning.current
        if a.bit_length() < (th.INT_FFT_FUSED_MIN_BITS if fused.LOADED else th.INT_FFT_MIN_BITS):
            return _product(abs(a), None, "auto", plan=KARATSUBA_PLAN) if karatsuba_int(a.bit_length()) else a * a
        return multiply_int(a, a, square=True)
    return _multiply(a, a, method, True)


def choose_method(a: Any, b: Any = None, *, method: str = "auto") -> Plan:
    """What ``multiply(a, b, method=method)`` would run (``b=None``: ``square(a)``); for two
    integer sequences, what ``convolve(a, b, method=method)`` would run.

    >>> choose_method(3, 4).method
    'int'
    >>> choose_method(1 << 1_000_000, 1 << 1_000_000).method
    'fft'
    >>> choose_method("12", "34").method
    'direct'
    >>> choose_method([1, 2, 3], [4, 5]).kind
    'convolve'
    """
    check_method(method)
    b = a if b is None else b
    if isinstance(a, str) and isinstance(b, str):
        def ndig(s: str) -> int:
            d = parse_decimal(s)[1]
            return max(1, len(d) - int((d != 0).argmax()) if d.any() else 1)

        return plan_str(ndig(a), ndig(b), method)
    if not isinstance(a, str) and not isinstance(b, str) and hasattr(a, "__len__") and hasattr(b, "__len__"):
        return plan_convolve_values(as_convolve_operand(a, "x"), as_convolve_operand(b, "y"), method)[0]
    if isinstance(a, str) != isinstance(b, str):  # as multiply says it
        raise TypeError(f"cannot multiply {type(a).__name__} by {type(b).__name__}: "
                        "operands must both be decimal str or both be integers")
    ia, ib = as_int(a, "a"), as_int(b, "b")
    return plan_int(max(abs(ia).bit_length(), 1), max(abs(ib).bit_length(), 1), method)
