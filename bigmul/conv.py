"""Public exact linear convolution of integer sequences.

What this is for: ``bigmul.convolve(x, y)`` -- the coefficients of the
product polynomial, exactly, for integers of any sign and size.
What it is not for: carrying (``carry.py``).

Exactness by construction (the plan is ``plan.plan_convolve``):
- the result dtype comes from the bound ``min(n1, n2) * max|x| * max|y|``:
  int64 below ``2**63``, otherwise an object array of Python ints;
- ``direct`` uses ``np.convolve`` on int64 only under that bound (numpy
  would wrap silently above it);
- ``fft`` transforms the values themselves only when Percival's bound with
  the actual norms proves the rounding exact (otherwise the plan leaves it
  out), then checks round-off, magnitude and the product of the sequences
  evaluated at a random point modulo two primes;
- wider values go through Kronecker substitution (``kronecker.py``, where
  the argument is written down): pack each sequence into one big integer with
  slots wide enough for every coefficient and its sign, multiply with the int
  engine (and all its guards), unpack; int64 results are checked again at a
  random point;
- a guard that fires moves to the next step (``run.run_plan``, counted); the
  last step, a schoolbook on Python ints, is exact by construction.
"""
from __future__ import annotations

import random
from typing import Any, Sequence

import numpy as np

from . import guards, kronecker, memory
from .api import multiply_int
from .guards import GuardTrip, check_float
from .operands import as_convolve_operand, check_method
from .plan import Step, plan_convolve_values
from .run import run_plan

__all__ = ["convolve"]

_rng = random.SystemRandom()


def _eval_mod(c: np.ndarray, r: int, q: int) -> int:
    """``sum c[i] r**i mod q`` (little-endian c, any sign): the polynomial evaluated at ``r``."""
    return guards.limb_residue(np.mod(c, q), r, q)


def _check_at_random_point(x: np.ndarray, y: np.ndarray, r: np.ndarray) -> None:
    """``x(t) * y(t) == r(t)`` modulo each limb prime at a random ``t`` (int64 arrays), else ``GuardTrip``."""
    guards.count("checks")
    for q in guards.LIMB_PRIMES:
        pt = _rng.randrange(2, q)
        if _eval_mod(x, pt, q) * _eval_mod(y, pt, q) % q != _eval_mod(r, pt, q):
            raise GuardTrip("modular", float(q))


def float_fft_allowed(x: np.ndarray, y: np.ndarray) -> bool:
    """Percival's bound with the values' own norms proves a float64 FFT of them exact.

    >>> float_fft_allowed(np.array([3, 2, 1]), np.array([6, 5, 4]))
    True
    >>> float_fft_allowed(np.full(10**4, 2**20), np.full(10**4, 2**20))
    False
    """
    return plan_convolve_values(x, y, "fft")[0].method == "fft"


def _fft_native(x: np.ndarray, y: np.ndarray, device: bool) -> np.ndarray:
    """Float FFT of the values themselves (on the GPU with ``device``), guarded and checked."""
    if device:
        from .engines.gpu import gpu_float_convolve

        r, err, mag = gpu_float_convolve(x.astype(np.float64), y.astype(np.float64))
    else:
        from .engines.fft import fft_convolve, fft_workspace_bytes

        memory.check_memory(fft_workspace_bytes(len(x), len(y)),
                            f"an FFT convolution of {len(x)} x {len(y)} values")
        r, err, mag = fft_convolve(x.astype(np.float64), y.astype(np.float64))
    check_float(err, mag)
    r = r.astype(np.int64)
    _check_at_random_point(x, y, r)
    return r


def _kronecker(x: np.ndarray, y: np.ndarray | None, bound: int, method: str, as_object: bool) -> Any:
    """Convolution by one big-int product (``y=None``: ``x`` with itself); see ``kronecker.py``.

    Guards: the int engine's own (round-off, magnitude, its modular check of
    the packed product), the slot check of the unpacking, and the sequences
    evaluated at a random point modulo each limb prime -- computed from the
    slot bytes, so it is independent of the slot width and costs no Python
    int per coefficient.
    """
    nb = kronecker.slot_bytes(bound)
    sx = kronecker.slots_of(x, nb)
    sy = sx if y is None else kronecker.slots_of(y, nb)
    A = kronecker.pack_slots(sx)
    C = multiply_int(A, A, method, square=True) if y is None else multiply_int(A, kronecker.pack_slots(sy), method)
    n = len(sx) + len(sy) - 1
    sc = kronecker.unpack_slots(C, nb, n)
    guards.count("checks")
    for q in guards.LIMB_PRIMES:
        t = _rng.randrange(2, q)
        rx = guards.limb_residue(kronecker.slot_residues(sx, q), t, q)
        ry = rx if y is None else guards.limb_residue(kronecker.slot_residues(sy, q), t, q)
        if rx * ry % q != guards.limb_residue(kronecker.slot_residues(sc, q), t, q):
            raise GuardTrip("modular", float(q))
    r = kronecker.slot_values(sc, as_object)
    if not as_object:
        return r
    out = np.empty(n, dtype=object)
    out[:] = r
    return out


def convolve(x: Sequence[int] | np.ndarray, y: Sequence[int] | np.ndarray, *,
             method: str = "auto") -> np.ndarray:
    """Exact linear convolution of two 1-D integer sequences (any iterables of integers).

    Returns int64 when every coefficient provably fits (``min(n1, n2) *
    max|x| * max|y| < 2**63``), else an object array of Python ints.  Never
    rounds, never wraps; inputs are not modified.  An empty input gives an
    empty result.  ``choose_method(x, y)`` shows the plan.

    >>> convolve([1, 2, 3], [4, 5, 6]).tolist()
    [4, 13, 28, 27, 18]
    >>> convolve([2**62], [4]).tolist()
    [18446744073709551616]
    >>> convolve(np.array([1.5]), [1])
    Traceback (most recent call last):
    ...
    TypeError: x must have an integer dtype, got float64 (floats are refused rather than silently truncated)
    >>> convolve([1, 2.0], [1])
    Traceback (most recent call last):
    ...
    TypeError: x[1] is float, not an integer
    >>> convolve((i for i in (1, 1)), [1, 1]).tolist()  # any iterable of ints
    [1, 2, 1]
    """
    check_method(method)
    same = x is y
    X = as_convolve_operand(x, "x")
    Y = X if same else as_convolve_operand(y, "y")
    if len(X) == 0 or len(Y) == 0:
        return np.zeros(0, dtype=np.int64)
    plan, bound = plan_convolve_values(X, Y, method)
    if bound == 0:
        return np.zeros(len(X) + len(Y) - 1, dtype=np.int64)
    fits = bound < 2 ** 63
    int_method = method if method in ("fft", "ntt", "gpu") else "auto"

    def attempt(step: Step) -> np.ndarray:
        if step.engine == "direct":
            return np.convolve(X, Y)
        if step.engine in ("fft", "gpu"):
            return _fft_native(X, Y, device=step.engine == "gpu")
        if step.engine == "ntt":
            from .engines.ntt import ntt_convolve_signed, ntt_workspace_bytes

            memory.check_memory(ntt_workspace_bytes(len(X), len(Y)),
                                f"an NTT convolution of {len(X)} x {len(Y)} values")
            return ntt_convolve_signed(X, Y)
        if step.engine == "kronecker":
            return _kronecker(X, None if same else Y, bound, int_method, not fits)
        Xo = np.array([int(e) for e in X], dtype=object)
        Yo = np.array([int(e) for e in Y], dtype=object)
        r = np.convolve(Xo, Yo)
        return r if not fits else r.astype(np.int64)

    return run_plan(plan, attempt)
