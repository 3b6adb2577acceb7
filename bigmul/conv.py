"""Public exact linear convolution of integer sequences.

What this is for: ``bigmul.convolve(x, y)`` -- the coefficients of the
product polynomial, exactly, for integers of any sign and size.
What it is not for: carrying (``carry.py``).

Exactness by construction:
- the result dtype comes from the bound ``min(n1, n2) * max|x| * max|y|``:
  int64 below ``2**63``, otherwise an object array of Python ints;
- ``direct`` uses ``np.convolve`` on int64 only under that bound (numpy
  would wrap silently above it);
- ``fft`` transforms the values themselves only when Percival's bound with
  the actual norms proves the rounding exact (otherwise the plan leaves it
  out), then checks round-off, magnitude and the product of the sequences
  evaluated at a random point modulo two primes; on failure the NTT
  recomputes (counted, through ``run.run_plan`` like every other path);
- larger values go through Kronecker substitution: pack each sequence into
  one big integer with wide enough slots, multiply with the chosen method
  (and all its guards), unpack.
"""
from __future__ import annotations

import math
import random
from typing import Any, Sequence

import numpy as np

from . import bounds, guards, memory
from .api import multiply_int
from .guards import GuardTrip, check_float
from .limbs import int_to_limbs, limbs_to_int
from .operands import as_convolve_operand, check_method
from .plan import Step, plan_convolve
from .run import run_plan

__all__ = ["convolve"]

_rng = random.SystemRandom()


def _max_abs(arr: np.ndarray) -> int:
    if arr.dtype == object:
        return max(abs(int(e)) for e in arr)
    return max(abs(int(arr.max())), abs(int(arr.min())))


def _eval_mod(c: np.ndarray, r: int, q: int) -> int:
    """``sum c[i] r**i mod q`` (little-endian c, any sign): the polynomial evaluated at ``r``."""
    return guards.limb_residue(np.mod(c, q), r, q)


def _norm(v: np.ndarray) -> float:
    f = v.astype(np.float64)
    return math.sqrt(float(np.dot(f, f)))


def float_fft_allowed(x: np.ndarray, y: np.ndarray) -> bool:
    """Percival's bound with the values' own norms proves a float64 FFT of them exact.

    >>> float_fft_allowed(np.array([3, 2, 1]), np.array([6, 5, 4]))
    True
    """
    L = 1 << max(1, (len(x) + len(y) - 2).bit_length())  # the levels of any length up to the next power of 2
    return bounds.percival_bound(_norm(x), _norm(y), bounds.levels(L),
                                 stage_beta=bounds.stage_twiddle_error(L)) <= bounds.ROUNDOFF_LIMIT


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
    guards.count("checks")
    # Evaluate both sides at a random point modulo each limb prime.
    for q in guards.LIMB_PRIMES:
        pt = _rng.randrange(2, q)
        xl, yl, rl = x[::-1], y[::-1], r[::-1]  # little-endian
        if _eval_mod(xl, pt, q) * _eval_mod(yl, pt, q) % q != _eval_mod(rl, pt, q):
            raise GuardTrip("modular", float(q))
    return r


def _pack(vals: np.ndarray, w: int) -> int:
    """Non-negative values (most significant first) into ``w``-bit slots, little-endian."""
    le = vals[::-1]
    if le.dtype != object and w <= 56:
        return limbs_to_int(le.astype(np.int64), w)
    nb = w // 8
    return int.from_bytes(b"".join(int(v).to_bytes(nb, "little") for v in le), "little")


def _unpack(n: int, w: int, count: int) -> list[int] | np.ndarray:
    if w <= 56:
        limbs = int_to_limbs(n, w)
        out = np.zeros(count, dtype=np.int64)
        out[: len(limbs)] = limbs[:count]
        return out[::-1]
    nb = w // 8
    raw = n.to_bytes(nb * count, "little")
    return [int.from_bytes(raw[i * nb:(i + 1) * nb], "little") for i in range(count - 1, -1, -1)]


def _kronecker(x: np.ndarray, y: np.ndarray, bound: int, method: str, as_object: bool) -> np.ndarray:
    w = -(-(bound.bit_length() + 1) // 8) * 8
    n = len(x) + len(y) - 1

    def split(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if v.dtype == object:
            pos = np.array([e if e > 0 else 0 for e in v], dtype=object)
            neg = np.array([-e if e < 0 else 0 for e in v], dtype=object)
            return pos, neg
        return np.maximum(v, 0), np.maximum(-v, 0)

    xp, xn = split(x)
    yp, yn = split(y)
    m = "auto" if method == "direct" else method
    total: Any = None
    for sx, a in ((1, xp), (-1, xn)):
        if _max_abs(a) == 0:
            continue
        A = _pack(a, w)
        for sy, b in ((1, yp), (-1, yn)):
            if _max_abs(b) == 0:
                continue
            part = _unpack(multiply_int(A, _pack(b, w), m), w, n)
            part = np.array(part, dtype=object) if as_object else np.asarray(part, dtype=np.int64)
            part = part if sx * sy > 0 else -part
            total = part if total is None else total + part
    if total is None:
        return np.zeros(n, dtype=object if as_object else np.int64)
    return total


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
    X = as_convolve_operand(x, "x")
    Y = as_convolve_operand(y, "y")
    if len(X) == 0 or len(Y) == 0:
        return np.zeros(0, dtype=np.int64)
    mx, my = _max_abs(X), _max_abs(Y)
    bound = min(len(X), len(Y)) * mx * my
    if bound == 0:
        return np.zeros(len(X) + len(Y) - 1, dtype=np.int64)
    fits = bound < 2 ** 63
    plan = plan_convolve(len(X), len(Y), mx, my, method)
    if fits and plan.method in ("fft", "gpu") and not float_fft_allowed(X, Y):
        plan = type(plan)(plan.kind, plan.steps[1:], plan.reason)  # the bound rules the float FFT out

    def attempt(step: Step) -> np.ndarray:
        if step.engine == "direct":
            return np.convolve(X, Y)
        if step.engine in ("fft", "gpu"):
            return _fft_native(X, Y, device=step.engine == "gpu")
        if step.engine == "ntt":
            from .engines.ntt import ntt_convolve_signed, ntt_workspace_bytes

            memory.check_memory(ntt_workspace_bytes(len(X), len(Y)),
                                f"an NTT convolution of {len(X)} x {len(Y)} values")
            return ntt_convolve_signed(X[::-1], Y[::-1])[::-1].copy()
        if step.engine == "object":
            Xo = np.array([int(e) for e in X], dtype=object)
            Yo = np.array([int(e) for e in Y], dtype=object)
            return np.convolve(Xo, Yo)
        return _kronecker(X, Y, bound, method, not fits)

    return run_plan(plan, attempt)
