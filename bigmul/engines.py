"""Limb-array products through one engine, with the in-flight guards.

What this is for: the one place that runs an engine on little-endian limb
arrays and returns coefficients ready for carrying, raising
:class:`GuardTrip` when a floating-point result cannot be trusted.  The int
and decimal-string paths both call :func:`limb_product`.
What it is not for: picking the engine (``choose.py``) or the final modular
check (``guards.py``, applied by the callers on the finished product).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import bounds, memory
from .carry import normalize, regroup
from .digits import balance
from .ntt import ntt_value_rep, ntt_workspace_bytes

__all__ = ["GuardTrip", "check_float", "carry_checked", "limb_product"]


class GuardTrip(Exception):
    """A guard rejected a result; ``reason`` is 'roundoff', 'magnitude' or 'carry'."""

    def __init__(self, reason: str, value: float):
        super().__init__(f"{reason} guard tripped ({value})")
        self.reason = reason
        self.value = value


def check_float(err: float, mag: float) -> None:
    """The in-flight guards of a float transform: raise :class:`GuardTrip` if either fails."""
    if not err <= bounds.ROUNDOFF_LIMIT:  # also catches NaN
        raise GuardTrip("roundoff", err)
    if not mag < bounds.FLOAT_EXACT:
        raise GuardTrip("magnitude", mag)


def _with_headroom(r: np.ndarray) -> np.ndarray:
    """Coefficients as int64 with two zero positions on top for the carries."""
    out = np.zeros(len(r) + 2, dtype=np.int64)
    out[: len(r)] = r
    return out


def _coefficients(engine: str, x: np.ndarray, y: np.ndarray | None, base: int,
                  side_job: Callable[[], object] | None = None) -> np.ndarray:
    n1 = len(x)
    n2 = n1 if y is None else len(y)
    if engine == "fft":
        from .fft import fft_convolve, fft_workspace_bytes  # scipy loads on first use

        memory.check_memory(fft_workspace_bytes(n1 + 1, n2 + 1) + 16 * (n1 + n2),
                            f"an FFT product of {n1} x {n2} limbs")
        xb = balance(x, base)
        yb = None if y is None else balance(y, base)
        r, err, mag = fft_convolve(xb, yb, side_job)
        check_float(err, mag)
        return _with_headroom(r)
    if engine == "gpu":
        from .gpu import gpu_float_convolve

        r, err, mag = gpu_float_convolve(balance(x, base), balance(x if y is None else y, base))
        check_float(err, mag)
        return _with_headroom(r)
    if engine == "ntt":
        memory.check_memory(ntt_workspace_bytes(n1, n2) + 16 * (n1 + n2),
                            f"an NTT product of {n1} x {n2} limbs")
        return ntt_value_rep(x, y, base)
    if engine == "direct":
        if min(n1, n2) * (base - 1) ** 2 >= 2 ** 63:
            raise ValueError("direct convolution would overflow int64 at this base")
        return _with_headroom(np.convolve(x, x if y is None else y))
    raise ValueError(f"unknown engine {engine!r}")


def limb_product(engine: str, x: np.ndarray, y: np.ndarray | None, base: int,
                 side_job: Callable[[], object] | None = None, group: int = 1) -> np.ndarray:
    """Digits in ``[0, base**group)`` (little-endian, with zero headroom) of ``X * Y``.

    ``x``/``y`` are non-empty int64 limbs in ``[0, base)``; ``y=None`` squares.
    ``group`` > 1 combines neighbouring coefficients before carrying (fewer,
    wider digits: cheaper carrying and formatting).  ``side_job`` runs on a helper thread while the FFT engine's inverse
    transform leaves a core idle (other engines run it before returning).

    >>> limb_product("direct", np.array([3, 2, 1]), np.array([6, 5, 4]), 10)[:5].tolist()
    [8, 8, 0, 6, 5]
    """
    if side_job is not None and engine != "fft":
        side_job()
    c = _coefficients(engine, x, y, base, side_job if engine == "fft" else None)
    return carry_checked(c, base, group)


def carry_checked(c: np.ndarray, base: int, group: int = 1) -> np.ndarray:
    """Carry (after regrouping); a carry out of the top limb means the coefficients
    cannot be a product of these operands, so it is reported as a tripped guard."""
    try:
        if group > 1:
            return normalize(regroup(c, base, group, copy=False), base ** group, copy=False)
        return normalize(c, base, copy=False)
    except OverflowError as exc:
        raise GuardTrip("carry", 0.0) from exc
