"""Decimal text: the grammar, base-``10**k`` limbs, formatting, and text-in/text-out products.

What this is for: ``multiply(str, str)`` and ``square(str)`` -- ASCII digits
read straight into base-``10**k`` limbs, convolved, carried in base ``10**k``
and written back as ASCII, all in numpy, in time linear apart from the
transform.  No digit limit, no superlinear base conversion.  Also the
decimal conversions ``digits.to_digits`` uses.
What it is not for: parsing other notations (hex, exponents, fractions).

Exactness: the same bound-chosen base, round-off and magnitude guards, and a
modular check (modulo two random 31-bit primes, on the limb arrays) as the
int path; the plan runs through ``run.run_plan``.  The last resort is the
stdlib ``decimal`` module (libmpdec's exact NTT in C: an independent
implementation, subquadratic, no digit limit; counted as
``fallback_decimal``); only injected faults have ever reached it.

Short operands (``auto``) are multiplied outside the array path, where
numpy's fixed per-call costs (~40-200 us) would dominate: each at most
``STR_INT_MAX_CHARS`` characters with CPython ``int`` (the digit limit
cannot be reached there); plain digits up to ``STR_DECIMAL_MAX_CHARS``
(``STR_DECIMAL_FUSED_MAX_CHARS`` once the fused kernels are loaded) with
the stdlib ``decimal`` module.  Both are exact libraries in C (CPython's
own int and libmpdec, the path's last resort), as the int path's
below-crossover ``a * b`` is.

Stage timings go to the ``bigmul`` logger at DEBUG level (``bigmul mul -v``
shows them).
"""
from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
from typing import Any, Iterator

import numpy as np

from . import guards, tuning
from .engines import fused
from .limbs import decimal_to_limbs, limbs_to_decimal
from .plan import Step, plan_str
from .run import run_plan

__all__ = ["parse_decimal", "plain_text", "decimal_to_limbs", "limbs_to_decimal", "power_of_ten", "no_digit_limit",
           "multiply_str", "product_digits", "small_product", "GROUP_DIGITS"]

log = logging.getLogger("bigmul")

_POW10 = [10 ** i for i in range(19)]

#: Carry and format in base ``10**(k * group)`` with ``k * group <= 8``:
#: combining neighbours halves (or better) the carry passes, and base 10**8
#: limbs are formatted as two 4-digit table words (``limbs_to_decimal``'s
#: fast path); 10**8 < 2**31 keeps every combined limb small.
GROUP_DIGITS = 8



@contextlib.contextmanager
def no_digit_limit() -> Iterator[None]:
    """Lift CPython's int <-> str digit limit inside the block only (no-op where there is none)."""
    get = getattr(sys, "get_int_max_str_digits", None)  # absent before 3.10.7 / 3.11
    if get is None:
        yield
        return
    old = get()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


def power_of_ten(base: int) -> int:
    """k if base == 10**k (k <= 18), else 0.

    >>> power_of_ten(1000), power_of_ten(1024)
    (3, 0)
    """
    for k in range(1, 19):
        if _POW10[k] == base:
            return k
    return 0




_SEPARATORS = re.compile("[\x1c-\x1f]")


def _bad_char(s: str, pos: int, what: str = "operand") -> ValueError:
    ch = s[pos]
    ctx = s[max(0, pos - 10): pos + 10]
    return ValueError(
        f"invalid character {ch!r} at position {pos} (counting from 0) in decimal {what} (near {ctx!r})"
    )


def parse_decimal(s: str, what: str = "operand") -> tuple[int, np.ndarray]:
    """Validate decimal text; return ``(sign, digit values as uint8, most significant first)``.

    Accepts what ``int()`` accepts for base 10 ASCII: surrounding whitespace,
    one optional ``+``/``-``, digits, single underscores between digits.
    Leading zeros are kept (callers strip them).  Errors name the offending
    character and its position, never the whole string.

    >>> parse_decimal(" -1_234 ")[0], parse_decimal(" -1_234 ")[1].tolist()
    (-1, [1, 2, 3, 4])
    """
    if not isinstance(s, str):
        raise TypeError(f"decimal {what} must be str, not {type(s).__name__}")
    t = s.strip()
    lead = len(s) - len(s.lstrip())
    # str.strip() also removes the ASCII separators \x1c-\x1f, which int() keeps
    # (and then rejects): reject them too, at their position.
    for start, span in ((0, s[:lead]), (lead + len(t), s[lead + len(t):])):
        m = _SEPARATORS.search(span)
        if m:
            raise _bad_char(s, start + m.start(), what)
    if not t:
        raise ValueError(f"empty decimal {what}")
    sign = 1
    start = 0
    if t[0] in "+-":
        sign = -1 if t[0] == "-" else 1
        start = 1
        if len(t) == 1:
            raise ValueError(f"decimal {what} has a sign but no digits")
    try:
        raw = t.encode("ascii")
    except UnicodeEncodeError as exc:
        raise _bad_char(s, lead + exc.start, what) from None
    arr = np.frombuffer(raw, dtype=np.uint8)[start:]
    d = arr - np.uint8(48)  # wraps for bytes < '0', so one compare finds both sides
    bad = d > 9
    if bad.any():
        under = arr == ord("_")
        if (bad & ~under).any():
            pos = int(np.argmax(bad & ~under))
            raise _bad_char(s, lead + start + pos, what)
        # Underscores: not first, not last, never two in a row.
        upos = np.flatnonzero(under)
        if upos[0] == 0 or upos[-1] == len(arr) - 1:
            p = int(upos[0] if upos[0] == 0 else upos[-1])
            raise _bad_char(s, lead + start + p, what)
        dbl = np.flatnonzero(np.diff(upos) == 1)
        if len(dbl):
            raise _bad_char(s, lead + start + int(upos[dbl[0] + 1]), what)
        d = d[~under]
    return sign, d


def _decimal_fallback(da: np.ndarray, db: np.ndarray | None) -> str:
    """The independent last resort: the stdlib decimal module (libmpdec, exact, no digit limit)."""
    import decimal

    ctx = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    a = decimal.Decimal((da + 48).tobytes().decode() or "0")
    b = a if db is None else decimal.Decimal((db + 48).tobytes().decode() or "0")
    return str(ctx.multiply(a, b))


#: The whitespace ``parse_decimal`` accepts around ASCII text (``str.strip()``'s, minus \x1c-\x1f).
_ASCII_SPACE = " \t\n\r\x0b\x0c"


def plain_text(s: str) -> str | None:
    """``s`` without surrounding whitespace when it is one optional sign and ASCII digits, else None
    (underscores, stray characters: left to ``parse_decimal``, which names the position)."""
    if not s.isascii():
        return None
    body = s.strip(_ASCII_SPACE)
    digits = body[1:] if body[:1] in ("+", "-") else body
    # bytes.isdigit: 0-9 only, and ten times faster than str.isdigit (~0.4 against 4 us per 1000 chars)
    return body if digits.encode("ascii").isdigit() else None


def small_product(s: str, t: str | None) -> str | None:
    """Short operands through CPython int or the stdlib decimal module, or None to take the array path.

    Up to ``STR_INT_MAX_CHARS`` characters each: ``int()``, whose base-10
    grammar for ASCII text (whitespace, one sign, digits, single underscores
    between digits) is exactly the one accepted here, so a text ``int()``
    rejects goes on to the array parser, which reports the position; the
    product stays under CPython's 4300-digit limit.  Up to
    ``STR_DECIMAL_MAX_CHARS`` (``STR_DECIMAL_FUSED_MAX_CHARS`` with the
    fused kernels loaded) in the longer operand: plain digits (``plain_text``)
    through ``decimal`` with a context that holds every digit (exact; an
    inexact result would raise and take the array path).

    >>> small_product(" -12 ", "+3"), small_product("-" + "0" * 300, "5"), small_product("1_0", "2")
    ('-36', '0', '20')
    """
    th = tuning.current
    n = len(s) if t is None or len(s) >= len(t) else len(t)
    if n <= th.STR_INT_MAX_CHARS:
        if s.isascii() and (t is None or t.isascii()):
            try:
                a = int(s)
                return str(a * (a if t is None else int(t)))
            except ValueError:
                pass
        return None
    if n > (th.STR_DECIMAL_FUSED_MAX_CHARS if fused.LOADED else th.STR_DECIMAL_MAX_CHARS):
        return None
    ps = plain_text(s)
    pt = ps if t is None else plain_text(t)
    if ps is None or pt is None:
        return None
    return _decimal_product(ps, pt)


_contexts = threading.local()


def _decimal_product(s: str, t: str) -> str | None:
    """``s * t`` of signed plain-digit strings by libmpdec (None if it were ever inexact)."""
    import decimal

    ctx = getattr(_contexts, "ctx", None)
    if ctx is None:  # one per thread: a context records status flags as it runs
        ctx = _contexts.ctx = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX,
                                              Emin=decimal.MIN_EMIN, traps=[decimal.Inexact])
    try:
        r = ctx.multiply(decimal.Decimal(s), decimal.Decimal(t))
    except decimal.DecimalException:  # never with MAX_PREC; a shorter context (a test) lands here
        return None
    return "0" if r.is_zero() else str(r)  # "-0" * 5 is Decimal("-0"): the path writes "0"


def _strip(d: np.ndarray) -> np.ndarray:
    nz = d != 0
    first = int(nz.argmax()) if len(d) else 0
    return d[first:] if len(d) and nz[first] else d[:0]


def multiply_str(s: str, t: str | None, method: str = "auto", names: tuple[str, str] = ("a", "b"),
                 try_small: bool = True) -> str:
    """Decimal product of decimal strings ``s`` and ``t`` (``t=None``: square ``s``).

    ``names`` are the operands' names in error messages (the CLI passes file names);
    ``try_small=False``: the caller has already tried :func:`small_product`.

    >>> multiply_str("123", "456")
    '56088'
    >>> multiply_str("-0", "5")
    '0'
    """
    if method == "auto" and try_small:
        small = small_product(s, t)
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
    return sign + product_digits(da, db, method).tobytes().decode("ascii")


def product_digits(da: np.ndarray, db: np.ndarray | None, method: str = "auto", check: bool = True) -> np.ndarray:
    """ASCII digits (uint8, most significant first, no leading zeros) of ``A * B`` (``db=None``: ``A * A``).

    ``da``/``db``: digit values 0-9, most significant first, no leading zeros,
    non-empty.  The text path's plan, guards and fallback ladder, without a
    Python ``str`` at either end (``radix.py`` chains such products).
    ``check=False`` leaves out the modular check of the fused route (its
    round-off, magnitude and carry guards stay): only for a caller whose own
    check covers the result, as ``to_str``'s residues of the whole text do.

    >>> product_digits(np.array([1, 2, 3], np.uint8), np.array([4, 5, 6], np.uint8)).tobytes()
    b'56088'
    """
    plan = plan_str(len(da), len(da) if db is None else len(db), method)
    log.debug("parsed %s x %s digits; plan %s", f"{len(da):,}", f"{len(da) if db is None else len(db):,}", plan)

    def attempt(step: Step) -> np.ndarray:
        if step.engine == "decimal":
            return _ascii(_decimal_fallback(da, db))
        from .engines import routes

        if step.engine == "scalar":
            return routes.scalar_text_product(da, da if db is None else db)
        k = step.k
        group = max(1, GROUP_DIGITS // k)
        if step.engine == "gpu":  # digits up, ASCII down; the device runs the modular check
            from .engines.gpu import gpu_decimal_product

            out = gpu_decimal_product(da, db, k, group)
            log.debug("%s: product checked and formatted on the device", step)
            return _ascii(out)
        if step.route == "fused":  # one pass in, one pass out, modular check on the text itself
            return routes.text_product_ascii(da, db, k, check)
        out = routes.limb_text_product(da, db, step.engine, k, group)
        log.debug("%s: modular check passed; formatted %s characters", step, f"{len(out):,}")
        return _ascii(out)

    return run_plan(plan, attempt, log.debug)


def _ascii(s: str) -> np.ndarray:
    """A str of ASCII digits as a uint8 array (one copy)."""
    return np.frombuffer(s.encode("ascii"), dtype=np.uint8)
