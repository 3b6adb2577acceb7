"""The engines: limb arrays in, product coefficients out, in-flight guards raised as ``GuardTrip``.

What this is for: one interface for every way of convolving limb arrays, and
the registry that maps an engine's name to its module.  Each engine module
defines ``coefficients(x, y, base, side_job=None)``: ``x``/``y`` are
non-empty little-endian int64 limbs in ``[0, base)`` (``y=None`` squares);
the result is the int64 coefficient array of ``X * Y`` with two zero
positions on top for the carries, or ``GuardTrip`` when a floating-point
result cannot be trusted.  ``side_job`` (optional) is work the caller wants
done meanwhile (an engine with an idle core runs it there; others run it
first).
What it is not for: choosing the engine (``plan.py``), the fallback ladder
(``run.py``) or the final modular check (``guards.py``, by the callers).

A new engine is one module here plus one line in :data:`REGISTRY`.  Modules
load on first use, so ``import bigmul`` never imports scipy or CuPy.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Callable, Literal

import numpy as np

from ..carrying import carry_checked

__all__ = ["EngineName", "REGISTRY", "engine", "limb_product", "with_headroom"]

#: The engines' names (``"auto"`` is not an engine: it is a plan).
EngineName = Literal["direct", "fft", "ntt", "gpu"]

#: Engine name -> module (relative to this package).  One line per engine.
REGISTRY: dict[str, str] = {
    "direct": ".direct",  # schoolbook int64 convolution under an overflow bound
    "fft": ".fft",        # float64 real FFT (scipy), Percival bound + round-off/magnitude guards
    "ntt": ".ntt",        # three-prime number-theoretic transform, exact by construction
    "gpu": ".gpu",        # float64 cuFFT through CuPy (optional)
}


def engine(name: str) -> ModuleType:
    """The module of engine ``name`` (imported on first use).

    >>> engine("direct").__name__
    'bigmul.engines.direct'
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown engine {name!r}; engines are {', '.join(REGISTRY)}")
    return importlib.import_module(REGISTRY[name], __name__)


def with_headroom(r: Any) -> Any:
    """Coefficients as int64 with two zero positions on top for the carries (numpy or CuPy)."""
    xp = np if isinstance(r, np.ndarray) else importlib.import_module("cupy")
    out = xp.zeros(len(r) + 2, dtype=xp.int64)
    out[: len(r)] = r
    return out


def limb_product(name: str, x: np.ndarray, y: np.ndarray | None, base: int,
                 side_job: Callable[[], object] | None = None, group: int = 1) -> np.ndarray:
    """Digits in ``[0, base**group)`` (little-endian, with zero headroom) of ``X * Y`` by engine ``name``.

    ``group`` > 1 combines neighbouring coefficients before carrying (fewer,
    wider digits: cheaper carrying and formatting).  A carry out of the top
    is a tripped guard.

    >>> limb_product("direct", np.array([3, 2, 1]), np.array([6, 5, 4]), 10)[:5].tolist()
    [8, 8, 0, 6, 5]
    """
    c = engine(name).coefficients(x, y, base, side_job)
    return carry_checked(c, base, group)
