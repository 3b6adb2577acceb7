"""Public exact linear convolution of integer sequences.

What this is for: ``bigmul.convolve(x, y)`` -- the coefficients of the
product polynomial, exactly, for integers of any sign and size.
What it is not for: carrying (``carrying.py``).

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

from . import bounds, guards, kronecker, memory, pieces
from .api import multiply_int
from .guards import GuardTrip, check_float
from .operands import as_convolve_operand, check_method
from .plan import Step, max_abs, plan_convolve_values
from .run import run_plan

__all__ = ["convolve"]

_rng = random.SystemRandom()


#: Sequences up to this long are evaluated against a cached table of ``t**i mod q``
#: (8 bytes per entry and prime); longer ones blockwise (``guards.limb_residue``).
EVAL_TABLE_MAX = 1 << 21
_eval_powers: dict[tuple[int, int], np.ndarray] = {}


def _eval_residues(res: np.ndarray, t: int, q: int) -> int:
    """``sum res[i] * t**i mod q`` for residues in ``[0, q)``.

    Short sequences: each ``res[i] * t**i`` (below ``2**62``) reduced mod ``q``
    and summed (below ``2**63`` for fewer than ``2**32`` terms).  Long ones: as
    two 16-bit halves, so that ``limb_residue`` can sum long blocks without overflow.
    """
    n = len(res)
    if n <= EVAL_TABLE_MAX:
        P = _eval_powers.get((t, q))
        if P is None or len(P) < n:
            P = guards.powers_mod(t, q, max(n, 1024, 2 * (0 if P is None else len(P))))
            _eval_powers[(t, q)] = P
        return int((res.astype(np.uint64) * P[:n] % np.uint64(q)).sum(dtype=np.uint64)) % q
    hi = guards.limb_residue(res >> 16, t, q)
    return (hi * 65536 + guards.limb_residue(res & 0xFFFF, t, q)) % q


def _residues(v: np.ndarray) -> list[np.ndarray]:
    """int64 values (1-D) or two's complement byte rows (2-D uint8) modulo each limb prime: one array per prime."""
    if v.ndim == 2:
        r = kronecker.slot_residues(v, guards.LIMB_PRIMES)
        return [r[:, i] for i in range(len(guards.LIMB_PRIMES))]
    return [np.remainder(v, q) for q in guards.LIMB_PRIMES]  # object arrays: Python ints, non-negative


def _check_at_random_point(x: np.ndarray, y: np.ndarray | None, r: np.ndarray) -> None:
    """``x(t) * y(t) == r(t)`` modulo each limb prime at its random point ``t``, else ``GuardTrip``.

    Each of ``x``, ``y`` (``None``: ``x``) and ``r`` is int64 values or
    two's complement byte rows (:func:`_residues`), so wide results are
    checked without a Python int per coefficient.  A wrong result of degree
    ``d`` passes one prime's check for at most ``d`` of its ``q`` points.
    """
    rx = _residues(x)
    ry = rx if y is None else _residues(y)
    rr = _residues(r)
    qs = guards.LIMB_PRIMES
    ex = [_eval_residues(rx[i], guards.EVAL_POINTS[q], q) for i, q in enumerate(qs)]
    ey = ex if y is None else [_eval_residues(ry[i], guards.EVAL_POINTS[q], q) for i, q in enumerate(qs)]
    guards.check_product(ex, ey, [_eval_residues(rr[i], guards.EVAL_POINTS[q], q) for i, q in enumerate(qs)], qs)


def _float_schoolbook(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.convolve`` in float64 (vectorised, ~4x the int64 loop's speed), as int64.

    Exact when ``min(n1, n2) * max|x| * max|y| < 2**53``: every product and
    every partial sum, in any order, is then an integer of smaller magnitude,
    which float64 represents exactly (the plan only runs it there).
    """
    return np.convolve(x.astype(np.float64), y.astype(np.float64)).astype(np.int64)


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


def _kronecker(x: np.ndarray, y: np.ndarray | None, bound: int, method: str, as_object: bool,
               bits: int = 0) -> Any:
    """Convolution by one big-int product (``y=None``: ``x`` with itself); see ``kronecker.py``.

    With ``bits`` (and numba), the product runs on the slots themselves
    (``fft.slot_product``: ``bits``-bit limbs read from the slots, one float
    FFT, the carried product written back into slots) -- no Python int on the
    way.  Otherwise the slots are packed into Python ints multiplied by the
    int engine (``method``'s plan, all its guards and fallbacks).
    Guards: round-off and magnitude of the float product, the slot checks of
    packing and unpacking, and the sequences evaluated at a random point
    modulo each limb prime -- for wide results computed from the slot bytes,
    independent of the slot width and with no Python int per coefficient.
    That check covers the whole result, so the int engine's own modular
    check of the packed product is the only one on the Python-int way.
    """
    nb = kronecker.slot_bytes(bound)
    sx = kronecker.slots_of(x, nb)
    sy = sx if y is None else kronecker.slots_of(y, nb)
    n = len(sx) + len(sy) - 1
    from .engines import fused

    if bits and fused.available():
        from .engines.routes import slot_product

        sc = slot_product(sx, None if y is None else sy, bits)
    else:
        A = kronecker.pack_slots(sx)
        C = multiply_int(A, A, method, square=True) if y is None else \
            multiply_int(A, kronecker.pack_slots(sy), method)
        sc = kronecker.unpack_slots(C, nb, n)
    r = kronecker.slot_values(sc, as_object)
    if not as_object:
        _check_at_random_point(x, y, r)
        return r
    _check_at_random_point(sx, None if y is None else sy, sc)
    out = np.empty(n, dtype=object)
    out[:] = r
    return out


def _pieces(x: np.ndarray, y: np.ndarray | None, bound: int, as_object: bool) -> np.ndarray:
    """Convolution of int64 values split into float-exact pieces (``y=None``: ``x`` with itself); see ``pieces.py``."""
    yy = x if y is None else y
    n = len(x) + len(yy) - 1
    fit = bounds.piece_bits(len(x), len(yy), max_abs(x).bit_length(), max_abs(yy).bit_length())
    if fit is None:  # pragma: no cover - the plan only offers this step when the bound allows it
        raise GuardTrip("roundoff", 1.0)
    b, sx, sy = fit
    from .engines.fft import fft_workspace_bytes

    memory.check_memory((sx + sy) * fft_workspace_bytes(len(x), len(yy)) // 4,
                        f"a {sx}x{sy}-piece FFT convolution of {len(x)} x {len(yy)} values")
    px = pieces.split(x, b, sx)
    C = pieces.piece_convolutions(px, None if y is None else pieces.split(y, b, sy), n)
    if not as_object and bound < 2 ** 62:
        r = pieces.combine_int64(C, b)
        _check_at_random_point(x, y, r)
        return r
    rows = pieces.combine_bytes(C, b, bound.bit_length())
    _check_at_random_point(x, y, rows)
    vals = kronecker.slot_values(rows, True)
    if not as_object:
        return np.array(vals, dtype=np.int64)
    out = np.empty(n, dtype=object)
    out[:] = vals
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
            if step.bits == 53:  # float64: exact while every partial sum is an integer below 2**53
                r = _float_schoolbook(X, Y)
                _check_at_random_point(X, Y, r)
                return r
            return np.convolve(X, Y)
        if step.engine in ("fft", "gpu"):
            return _fft_native(X, Y, device=step.engine == "gpu")
        if step.engine == "ntt":
            from .engines.ntt import ntt_convolve_signed, ntt_workspace_bytes

            memory.check_memory(ntt_workspace_bytes(len(X), len(Y)),
                                f"an NTT convolution of {len(X)} x {len(Y)} values")
            return ntt_convolve_signed(X, Y)
        if step.engine == "kronecker":
            return _kronecker(X, None if same else Y, bound, int_method, not fits, step.bits)
        if step.engine == "pieces":
            return _pieces(X, None if same else Y, bound, not fits)
        Xo = np.array([int(e) for e in X], dtype=object)
        Yo = np.array([int(e) for e in Y], dtype=object)
        r = np.convolve(Xo, Yo)
        return r if not fits else r.astype(np.int64)

    return run_plan(plan, attempt)
