"""The one fallback ladder: run a plan's steps in order until one passes every guard.

What this is for: the int path, the decimal-text path and ``convolve`` all
run their plan through :func:`run_plan`, so every fallback is taken and
counted the same way: a step that raises :class:`~bigmul.guards.GuardTrip`
(round-off, magnitude, carry or modular check) or
:class:`~bigmul.guards.DeviceFailure` is counted (``trip_*`` /
``device_failure``) and the next step runs, counted by the move it makes
(``retry_fft``, ``fallback_ntt``, ``fallback_cpu``, ...).
What it is not for: the steps themselves; each caller passes an ``attempt``
that runs one step and applies its modular check (raising ``GuardTrip('modular')``).
"""
from __future__ import annotations

from typing import Callable, TypeVar

from . import guards
from .guards import DeviceFailure, GuardTrip
from .plan import Plan, Step

__all__ = ["run_plan", "fallback_name"]

T = TypeVar("T")


def fallback_name(prev: str, nxt: str) -> str:
    """Counter name for moving from a failed step's engine to the next one.

    >>> fallback_name("fft", "fft"), fallback_name("fft", "ntt"), fallback_name("gpu", "fft")
    ('retry_fft', 'fallback_ntt', 'fallback_cpu')
    """
    if prev == "gpu":
        return "fallback_cpu"
    return {"fft": "retry_fft", "ntt": "fallback_ntt", "direct": "fallback_direct",
            "int": "fallback_int", "decimal": "fallback_decimal", "gpu": "retry_gpu",
            "kronecker": "fallback_kronecker", "object": "fallback_object",
            "dc_exact": "retry_exact", "cpython": "fallback_cpython", "product": "fallback_product"}[nxt]


def run_plan(plan: Plan, attempt: Callable[[Step], T], log: Callable[[str], None] | None = None) -> T:
    """The result of the first step of ``plan`` for which ``attempt(step)`` raises no guard.

    The last step of every plan is exact by construction (CPython int, the
    stdlib decimal module, an object-dtype convolution), so a plan always
    ends with a result.
    """
    for i, step in enumerate(plan.steps):
        if i:
            guards.count(fallback_name(plan.steps[i - 1].engine, step.engine))
        try:
            return attempt(step)
        except GuardTrip as trip:
            guards.count("trip_" + trip.reason)
            if log:
                log(f"{step}: {trip}; next step")
        except DeviceFailure as exc:
            guards.count("device_failure")
            if log:
                log(f"{step}: device failure ({exc}); next step")
    raise AssertionError(f"plan without an exact final step: {plan}")  # pragma: no cover
