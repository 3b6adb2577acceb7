"""Decimal text in, decimal text out: products in base ``10**k`` with no Python int.

What this is for: ``multiply(str, str)`` and ``square(str)`` -- ASCII digits
read straight into base-``10**k`` limbs, convolved, carried in base ``10**k``
and written back as ASCII, all in numpy, in time linear apart from the
transform.  No digit limit, no superlinear base conversion.
What it is not for: parsing other notations (hex, exponents, fractions).

Exactness: the same bound-chosen base, round-off and magnitude guards, and a
modular check (modulo two random 31-bit primes, on the limb arrays) as the
int path; on a failure the next step of the plan runs and is counted.  The
last resort is the stdlib ``decimal`` module (libmpdec's exact NTT in C: an
independent implementation, subquadratic, no digit limit; counted as
``fallback_decimal``); only injected faults have ever reached it.

Small operands (``auto``, each at most ``tuning.STR_INT_MAX_CHARS``
characters) are multiplied with CPython ``int``: there the digit limit cannot
be reached and numpy's fixed per-call costs (~100 us) would dominate.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import guards, tuning
from .choose import plan_str
from .digits import decimal_to_limbs, limbs_to_decimal, parse_decimal
from .api import fallback_name
from .engines import GuardTrip, limb_product
from .gpu import DeviceFailure, gpu_decimal_product

__all__ = ["multiply_str"]


def _decimal_fallback(da: np.ndarray, db: np.ndarray | None) -> str:
    """The independent last resort: the stdlib decimal module (libmpdec, exact, no digit limit)."""
    import decimal

    ctx = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    a = decimal.Decimal((da + 48).tobytes().decode() or "0")
    b = a if db is None else decimal.Decimal((db + 48).tobytes().decode() or "0")
    return str(ctx.multiply(a, b))


_SMALL = tuning.STR_INT_MAX_CHARS


def _small_product(s: str, t: str | None) -> str | None:
    """Short operands through CPython int, or None to take the array path.

    For ASCII text, ``int()``'s base-10 grammar (whitespace, one sign,
    digits, single underscores between digits) is exactly the one accepted
    here, so a text ``int()`` rejects goes on to the array parser, which
    reports the position.  Each operand has at most ``STR_INT_MAX_CHARS``
    characters, so the product stays under CPython's 4300-digit limit and the
    quadratic conversions cost less than numpy's per-call overhead.
    """
    if not s.isascii() or (t is not None and not t.isascii()):
        return None
    try:
        a = int(s)
        b = a if t is None else int(t)
    except ValueError:
        return None
    return str(a * b)


def _strip(d: np.ndarray) -> np.ndarray:
    nz = d != 0
    first = int(nz.argmax()) if len(d) else 0
    return d[first:] if len(d) and nz[first] else d[:0]


def multiply_str(s: str, t: str | None, method: str = "auto",
                 log: Callable[[str], None] | None = None, names: tuple[str, str] = ("a", "b")) -> str:
    """Decimal product of decimal strings ``s`` and ``t`` (``t=None``: square ``s``).

    >>> multiply_str("123", "456")
    '56088'
    >>> multiply_str("-0", "5")
    '0'

    ``log``, if given, receives one line per stage (the CLI's ``--verbose``);
    ``names`` are the operands' names in error messages (the CLI passes file names).
    """
    log = log or (lambda msg: None)
    if method == "auto" and len(s) <= _SMALL and (t is None or len(t) <= _SMALL):
        small = _small_product(s, t)
        if small is not None:
            return small
    sa, da = parse_decimal(s, names[0])
    if t is None:
        sb, db = sa, None
    else:
        sb, db = parse_decimal(t, names[1])
    da = _strip(da)
    if db is not None:
        db = _strip(db)
    if len(da) == 0 or (db is not None and len(db) == 0):
        return "0"
    sign = "-" if (sa * sb < 0 and t is not None) else ""
    plan = plan_str(len(da), len(da) if db is None else len(db), method)
    log(f"parsed {len(da):,} x {len(da) if db is None else len(db):,} digits; plan {plan}")
    for i, step in enumerate(plan.steps):
        if i:
            guards.count(fallback_name(plan.steps[i - 1].engine, step.engine))
        if step.engine == "decimal":
            return sign + _decimal_fallback(da, db)
        k = step.limb
        base = 10 ** k
        group = max(1, 8 // k)  # carry and format in base 10**(k*group), k*group <= 8
        if step.engine == "gpu":
            guards.count("checks")  # the device runs the modular check itself
            try:
                out = gpu_decimal_product(da, db, k, group)
            except GuardTrip as trip:
                guards.count("trip_" + trip.reason)
                log(f"{step}: {trip}; next step")
                continue
            except DeviceFailure as exc:
                guards.count("device_failure")
                log(f"{step}: device failure ({exc}); next step")
                continue
            log(f"{step}: product checked and formatted on the device ({len(out):,} characters)")
            return sign + out
        x = decimal_to_limbs(da, k)
        y = None if db is None else decimal_to_limbs(db, k)
        try:
            d = limb_product(step.engine, x, y, base, group=group)
        except GuardTrip as trip:
            guards.count("trip_" + trip.reason)
            log(f"{step}: {trip}; next step")
            continue
        except DeviceFailure as exc:
            guards.count("device_failure")
            log(f"{step}: device failure ({exc}); next step")
            continue
        log(f"{step}: product limbs ready")
        guards.count("checks")
        if guards.check_limbs(x, y, d, base, base ** group):
            out = sign + limbs_to_decimal(d, k * group)
            log(f"modular check passed; formatted {len(out):,} characters")
            return out
        log(f"{step}: modular check failed; next step")
        guards.count("trip_modular")
    raise AssertionError("plan without an exact final step")  # pragma: no cover
