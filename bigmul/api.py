"""The public multiplication API: ``multiply`` and ``square`` for ints, mpz and decimal text.

What this is for: validating operands, dispatching by kind, running the plan
from ``choose.py`` with a modular check on every finished product, and
falling back to a safer engine -- counted -- when any guard fires.
What it is not for: the engines themselves or the decimal text path
(``decstr.py``), which this module calls.
"""
from __future__ import annotations

import operator
import sys
from concurrent.futures import Future
from typing import Any, overload

from . import guards, tuning
from .choose import Plan, check_method, plan_int
from .digits import int_to_limbs, limbs_to_int
from .engines import GuardTrip, limb_product

__all__ = ["multiply", "square"]

_INT_CUT = tuning.INT_FFT_MIN_BITS
_STR_SMALL = tuning.STR_INT_MAX_CHARS


def _is_mpz(x: Any) -> bool:
    """A gmpy2 integer (``mpz`` or the mutable ``xmpz``): the product comes back as ``mpz``."""
    g = sys.modules.get("gmpy2")
    return g is not None and (type(x) is g.mpz or type(x) is getattr(g, "xmpz", None))


def _small_str_product() -> Any:
    """``decstr._small_product``, imported once (decstr imports this module)."""
    global _SMALL_STR
    if _SMALL_STR is None:
        from .decstr import _small_product

        _SMALL_STR = _small_product
    return _SMALL_STR


_SMALL_STR: Any = None


def _kind(x: Any, name: str) -> str:
    t = type(x)
    if t is int:
        return "int"
    if t is str:
        return "str"
    if t is bool or t.__name__ == "bool_":
        raise TypeError(f"{name} must be an int, gmpy2.mpz or decimal str, not bool")
    if _is_mpz(x):
        return "mpz"
    if isinstance(x, str):
        return "str"
    if hasattr(t, "__index__") and not isinstance(x, (bytes, bytearray)):
        try:
            operator.index(x)
        except TypeError:
            pass
        else:
            return "int"
    raise TypeError(f"{name} must be an int, gmpy2.mpz or decimal str, not {t.__name__}")


def _as_int(x: Any, name: str) -> int:
    k = _kind(x, name)
    if k == "str":
        raise TypeError(f"{name}: expected an integer here, got str")
    return int(x) if k == "mpz" else operator.index(x)


def fallback_name(prev: str, nxt: str) -> str:
    """Counter name for moving from a failed step to the next one."""
    if prev == "gpu":
        return "fallback_cpu"
    return {"fft": "retry_fft", "ntt": "fallback_ntt", "direct": "fallback_direct",
            "int": "fallback_int", "decimal": "fallback_decimal", "gpu": "retry_gpu"}[nxt]


#: From this many bits the operand residues for the modular check are computed
#: on a helper thread while the transforms run (CPython's ``%`` holds the GIL,
#: pocketfft releases it).
_OVERLAP_BITS = 200_000


def _residues(a: int, b: int | None) -> tuple[int, int]:
    ra = a % guards.PRIME
    return ra, ra if b is None else b % guards.PRIME


def _run_int(a: int, b: int | None, plan: Plan) -> int:
    """Product of non-negative ints by the first step of ``plan`` that passes every guard."""
    res: Future | None = None

    def side_job() -> None:
        res.set_result(_residues(a, b))  # type: ignore[union-attr]

    for i, step in enumerate(plan.steps):
        if i:
            guards.count(fallback_name(plan.steps[i - 1].engine, step.engine))
        if step.engine == "int":
            return a * (a if b is None else b)
        bits = step.limb
        if step.engine == "gpu":
            from .gpu import DeviceFailure, gpu_int_product

            guards.count("checks")  # the device runs the modular check itself (limb primes)
            try:
                return gpu_int_product(a, b, bits)
            except GuardTrip as trip:
                guards.count("trip_" + trip.reason)
                continue
            except DeviceFailure:
                guards.count("device_failure")
                continue
        x = int_to_limbs(a, bits)
        y = None if b is None else int_to_limbs(b, bits)
        job = None
        if res is None and a.bit_length() >= _OVERLAP_BITS:
            res = Future()
            job = side_job
        try:
            d = limb_product(step.engine, x, y, 1 << bits, job)
        except GuardTrip as trip:
            guards.count("trip_" + trip.reason)
            continue
        c = limbs_to_int(d, bits)
        guards.count("checks")
        ra, rb = res.result() if res is not None else _residues(a, b)
        if ra * rb % guards.PRIME == c % guards.PRIME:
            return c
        guards.count("trip_modular")
    raise AssertionError("plan without an exact final step")  # pragma: no cover


def _mul_int(a: int, b: int, method: str, sq: bool) -> int:
    neg = (a < 0) != (b < 0) and not sq
    a, b = abs(a), abs(b)
    if a == 0 or b == 0:
        return 0
    plan = plan_int(a.bit_length(), b.bit_length(), method)
    c = _run_int(a, None if sq else b, plan)
    return -c if neg else c


def _multiply(a: Any, b: Any, method: str, sq: bool) -> Any:
    check_method(method)
    ka = _kind(a, "a")
    kb = ka if sq else _kind(b, "b")
    if (ka == "str") != (kb == "str"):
        raise TypeError(f"cannot multiply {type(a).__name__} by {type(b).__name__}: "
                        "operands must both be decimal str or both be integers")
    if ka == "str":
        from .decstr import multiply_str

        return multiply_str(a, None if sq else b, method)
    ia = int(a) if ka == "mpz" else operator.index(a)
    ib = ia if sq else (int(b) if kb == "mpz" else operator.index(b))
    c = _mul_int(ia, ib, method, sq)
    if "mpz" in (ka, kb):
        return sys.modules["gmpy2"].mpz(c)
    return c


@overload
def multiply(a: int, b: int, *, method: str = ...) -> int: ...
@overload
def multiply(a: str, b: str, *, method: str = ...) -> str: ...
@overload
def multiply(a: Any, b: Any, *, method: str = ...) -> Any: ...


def multiply(a: Any, b: Any, *, method: str = "auto") -> Any:
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
        # Fast path: stay within a few percent of ``a * b`` for small operands.
        ba, bb = a.bit_length(), b.bit_length()
        if ba < _INT_CUT or bb < _INT_CUT:
            return a * b
    elif type(a) is str and type(b) is str and method == "auto" and len(a) <= _STR_SMALL \
            and len(b) <= _STR_SMALL:
        small = _small_str_product()(a, b)
        if small is not None:
            return small
    return _multiply(a, b, method, False)


@overload
def square(a: int, *, method: str = ...) -> int: ...
@overload
def square(a: str, *, method: str = ...) -> str: ...
@overload
def square(a: Any, *, method: str = ...) -> Any: ...


def square(a: Any, *, method: str = "auto") -> Any:
    """Exact square (one forward transform instead of two); same kinds and methods as :func:`multiply`.

    >>> square(-12)
    144
    >>> square("99")
    '9801'
    """
    if type(a) is int and method == "auto" and a.bit_length() < _INT_CUT:
        return a * a
    return _multiply(a, a, method, True)
