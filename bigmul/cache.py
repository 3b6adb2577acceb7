"""Cached powers for the conversions and divisions: computed once per process, within a byte budget.

What this is for: the powers ``radix.py`` and ``divide.py`` reuse across
calls -- ``5**(m * 2**j)`` for text -> int, ``dec(2**(m * 2**j))`` (decimal
digits) for int -> text, ``base**(m * 2**j)`` for other bases -- keyed by
what they are, each built by squaring the one below it; the transforms of
those powers at the shapes a conversion used (``routes._Shared``, keys
``spec5``/``spec2``/``spec5b``); and divisors' reciprocals.
What it is not for: transform buffers (``engines/workspace.py``).

Budget: ``BIGMUL_CACHE_BYTES`` (a size such as ``64M``; ``0`` keeps
nothing), default :data:`BUDGET_BYTES`.  A power that does not fit is
still returned, just not kept.  ``bigmul.release_buffers()`` empties the
cache along with the transform buffers.  Values are immutable (ints,
``Decimal``, read-only arrays), so threads may share them; two threads
missing the same key at once both compute it, and one copy is kept.
"""
from __future__ import annotations

import sys
import threading
from typing import Any, Callable

import numpy as np

from . import envvars

__all__ = ["BUDGET_BYTES", "budget", "get", "discard", "clear", "held_bytes"]

#: Default budget: the powers of a 10^8-digit conversion (~0.4 GB of ints and digit arrays
#: at their largest) are not all kept; those of 10^7 digits are.
BUDGET_BYTES = 256 * 2 ** 20

_lock = threading.Lock()
_store: dict[tuple, Any] = {}
_held = 0


def budget() -> int:
    """The byte budget in force (``BIGMUL_CACHE_BYTES``, else :data:`BUDGET_BYTES`)."""
    return _budget()


def _budget() -> int:
    return int(envvars.get("BIGMUL_CACHE_BYTES"))


def _size(v: Any) -> int:
    if isinstance(v, np.ndarray):
        return int(v.nbytes)
    if isinstance(v, int):
        return v.bit_length() // 8 + 32
    return sys.getsizeof(v)


def get(key: tuple, make: Callable[[], Any]) -> Any:
    """The cached value for ``key``, else ``make()`` (kept while the budget allows).

    >>> clear(); get(("doc", 1), lambda: 7 ** 5), get(("doc", 1), lambda: 0)
    (16807, 16807)
    """
    global _held
    v = _store.get(key)
    if v is not None:
        return v
    v = make()
    if isinstance(v, np.ndarray):
        v.setflags(write=False)
    n = _size(v)
    with _lock:
        if key not in _store and _held + n <= _budget():
            _store[key] = v
            _held += n
    return v


def discard(key: tuple) -> None:
    """Forget one value (a guard found a result computed from it wrong)."""
    global _held
    with _lock:
        v = _store.pop(key, None)
        if v is not None:
            _held -= _size(v)


def held_bytes() -> int:
    """Bytes held by the cache now."""
    return _held


def clear(kind: str | None = None) -> None:
    """Forget every cached value, or only those whose key starts with ``kind`` (``"recip"``, ``"pow5"``, ...)."""
    global _held
    with _lock:
        if kind is None:
            _store.clear()
            _held = 0
            return
        for key in [k for k in _store if k[0] == kind]:
            _held -= _size(_store.pop(key))
