"""Operand rules for every public function: kinds, integer sequences, bases, method names.

What this is for: one set of rules, written once, for what ``multiply``,
``square``, ``convolve``, ``carry``, ``to_digits``, ``from_digits`` and
``choose_method`` accept, and the errors they raise otherwise.
What it is not for: decimal grammar (``text.parse_decimal``) or size limits
(``memory.py``).

Rules: integers are Python ints, objects with ``__index__`` (numpy
integers) and gmpy2 ``mpz``/``xmpz``, in any mix; ``bool`` and numpy bools
are refused everywhere (checked with ``isinstance`` against the real types,
not by type name: numpy 1 and 2 name their bool differently).  Sequences of
integers are read with object dtype first so numpy never guesses float64 or
uint64 for them; numpy arrays must have an integer dtype (float arrays are
refused even when empty).
"""
from __future__ import annotations

import operator
import sys
from typing import Any, Literal

import numpy as np

__all__ = ["METHODS", "Method", "check_method", "is_gmpy2_int", "kind", "as_int", "check_base",
           "as_int_sequence", "as_convolve_operand"]

#: Methods accepted by ``multiply``, ``square`` and ``convolve`` ("auto" plus every engine).
Method = Literal["auto", "direct", "fft", "ntt", "gpu"]
METHODS: tuple[str, ...] = ("auto", "direct", "fft", "ntt", "gpu")


def check_method(method: Any) -> str:
    """Validate a method name; raise ``ValueError`` naming the valid ones.

    >>> check_method("fft")
    'fft'
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(
            f"unknown method {method!r}; valid methods are " + ", ".join(repr(m) for m in METHODS)
        )
    return method


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_))


def is_gmpy2_int(x: Any) -> bool:
    """A gmpy2 integer (``mpz`` or the mutable ``xmpz``): products come back as ``mpz``.

    gmpy2 is never imported here: a gmpy2 object can only exist once its module is loaded.
    """
    g = sys.modules.get("gmpy2")
    return g is not None and (type(x) is g.mpz or type(x) is getattr(g, "xmpz", None))


def kind(x: Any, name: str) -> str:
    """'int', 'mpz' or 'str' for a multiply operand; ``TypeError`` for anything else.

    >>> kind(5, "a"), kind("12", "a")
    ('int', 'str')
    >>> kind(np.True_, "a")
    Traceback (most recent call last):
    ...
    TypeError: a must be an int, gmpy2.mpz or decimal str, not bool
    """
    t = type(x)
    if t is int:
        return "int"
    if t is str:
        return "str"
    if _is_bool(x):
        raise TypeError(f"{name} must be an int, gmpy2.mpz or decimal str, not bool")
    if is_gmpy2_int(x):
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


def as_int(x: Any, name: str) -> int:
    """An integer operand (any integer kind) as a Python int; ``TypeError`` for str and others."""
    k = kind(x, name)
    if k == "str":
        raise TypeError(f"{name}: expected an integer here, got str")
    return int(x) if k == "mpz" else operator.index(x)


def check_base(base: Any) -> int:
    """A digit base: any integer >= 2 (``TypeError`` for non-integers and bools, ``ValueError`` below 2).

    >>> check_base(10)
    10
    """
    if _is_bool(base) or not hasattr(type(base), "__index__"):
        raise TypeError(f"base must be an integer, not {type(base).__name__}")
    base = operator.index(base)
    if base < 2:
        raise ValueError(f"base must be >= 2, got {base}")
    return base


def as_int_sequence(values: Any, name: str = "digits") -> np.ndarray:
    """A 1-D integer array (or object array of ints) from an array, sequence or iterable.

    >>> as_int_sequence([1, 2**70]).dtype, as_int_sequence(iter([1, 2])).tolist()
    (dtype('O'), [1, 2])
    """
    if isinstance(values, (str, bytes, bytearray)) or values is None or isinstance(values, (int, float)):
        raise TypeError(f"{name} must be a 1-D sequence of integers or an integer array, "
                        f"not {type(values).__name__}")
    if isinstance(values, np.ndarray):
        arr = values
    else:
        if not hasattr(values, "__len__"):  # generators and other iterables
            try:
                values = list(values)
            except TypeError:
                raise TypeError(f"{name} must be a 1-D sequence of integers or an integer array, "
                                f"not {type(values).__name__}") from None
        arr = np.asarray(values, dtype=object)
        if arr.ndim == 1 and arr.size and all(isinstance(e, np.integer) for e in arr.tolist()):
            typed = np.asarray(values)
            if typed.dtype.kind in "iu":
                arr = typed
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence or array, got shape {arr.shape}")
    if arr.dtype == object:
        for i, v in enumerate(arr.tolist()):
            if _is_bool(v) or not hasattr(type(v), "__index__"):
                raise TypeError(f"{name}[{i}] is {type(v).__name__}, not an integer")
        return arr
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} has a boolean dtype; convert to an integer dtype first")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must have an integer dtype, got {arr.dtype} "
                        "(floats are refused rather than silently truncated)")
    return arr


def as_convolve_operand(values: Any, name: str) -> np.ndarray:
    """A convolve operand: int64 when every value fits, else an object array of Python ints (a copy).

    uint64 values at or above ``2**63`` become Python ints (an int64 cast would wrap).

    >>> as_convolve_operand(np.array([2**64 - 1], dtype=np.uint64), "x").tolist()
    [18446744073709551615]
    """
    if type(values) in (list, tuple) and set(map(type, values)) == {int}:  # the common case, fast
        try:
            return np.fromiter(values, dtype=np.int64, count=len(values))
        except OverflowError:
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out
    arr = as_int_sequence(values, name)
    if arr.dtype == object:
        vals = [operator.index(e) for e in arr.tolist()]
        if vals and max(abs(e) for e in vals) < 2 ** 63:
            return np.array(vals, dtype=np.int64)
        out = np.empty(len(vals), dtype=object)
        out[:] = vals
        return out
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) >= 2 ** 63:
        out = np.empty(len(arr), dtype=object)
        out[:] = arr.tolist()  # exact Python ints
        return out
    return arr.astype(np.int64)  # always a copy: inputs are never modified
