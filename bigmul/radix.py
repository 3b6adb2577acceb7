"""Radix conversion on bigmul's own products: ``to_str``, ``from_str`` and digits in any base.

What this is for: getting numbers into and out of bigmul at product speed --
decimal text <-> int in O(M(n) log n), and the power-of-ten and other-base
digit arrays ``digits.py`` returns, all by divide and conquer whose large
products are bigmul's.
What it is not for: the grammar (``text.py``'s ``parse_decimal``) or the
products themselves.

Text -> int (:func:`from_str`): the digits are cut from the right into
leaves of ``FROM_STR_LEAF_DIGITS`` (below CPython's 4300-digit limit, so
``int()`` of a leaf never needs the limit lifted), then neighbours are
joined pairwise, level by level: ``hi * 10**m + lo`` with
``10**m = 5**m * 2**m``, i.e. ``(hi * 5**m << m) + lo`` -- a product 30%
shorter than by ``10**m`` itself.  The powers ``5**(m * 2**j)`` come from
squaring and are cached (``cache.py``).  While the nodes are short, a level is
joined all at once (:func:`_batch_level`: rows of 32-bit words, one batched
transform); longer levels join pair by pair with the power's transform shared.

Int -> text (:func:`to_str`): the int's consecutive ``TO_STR_LEAF_BITS``-bit
pieces are the leaves; neighbours are joined pairwise, level by level, *in
decimal*: ``dec(hi) * dec(2**h) + dec(lo)`` -- only products, no division.  Small nodes are ``decimal.Decimal`` values
(libmpdec, exact in a context holding every digit); from
``TO_STR_ARRAY_MIN_DIGITS`` the nodes are digit arrays multiplied by
bigmul's decimal engine (``text.product_digits``) and added in one pass.
The powers ``dec(2**(m * 2**j))`` are built by squaring and cached.

Exactness: every product is bigmul's (its own guards and modular check);
shifts, slices and additions are exact.  Then the whole conversion is
checked: the int's residues modulo the two random limb primes against
the text's (one linear pass each; ``guards.LIMB_PRIMES``).  A mismatch
raises ``GuardTrip("radix")``; the plan (``plan.plan_radix``) then retries
without the cache, every product by the exact NTT engine, and last of all
runs CPython's own ``int()``/``str()`` -- each move counted in
``guard_stats()``.
"""
from __future__ import annotations

import decimal
import functools
import operator
import threading
from typing import Any, Callable

import numpy as np

from . import bounds, cache, guards, pylong, tuning
from .engines import fused
from .guards import GuardTrip
from .plan import Plan, Step, plan_batch_level, plan_join, plan_radix, to_str_nodes
from .run import run_plan
from .text import plain_text, no_digit_limit, parse_decimal, product_digits

__all__ = ["to_str", "from_str", "split_text", "text_to_int_checked", "int_to_ascii_checked",
           "int_to_digit_values", "digits_text_to_int", "pow_int", "residues_text", "residues_int"]

#: CPython's default int <-> str digit limit: shorter conversions never lift it (a process-wide setting).
_CPYTHON_LIMIT = 4300

_contexts = threading.local()


def _ctx() -> decimal.Context:
    """An exact decimal context (one per thread: contexts record flags as they run)."""
    ctx = getattr(_contexts, "ctx", None)
    if ctx is None:
        ctx = _contexts.ctx = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX,
                                              Emin=decimal.MIN_EMIN, traps=[decimal.Inexact, decimal.Rounded])
    return ctx


def _mul(method: str) -> Callable[[int, int], int]:
    from .api import multiply

    return multiply if method == "auto" else functools.partial(multiply, method=method)


def _cpython(convert: Callable[[], Any], digits: int) -> Any:
    """CPython's own conversion, lifting its digit limit (a process-wide setting) only past it."""
    if digits <= _CPYTHON_LIMIT:
        return convert()
    with no_digit_limit():
        return convert()


# --- checks -------------------------------------------------------------------
def residues_int(n: int) -> tuple[int, int]:
    """``n mod q`` for both limb primes (``n >= 0``): a kernel pass over the int's digits where it can.

    >>> q1, q2 = guards.LIMB_PRIMES; residues_int(10**40) == (10**40 % q1, 10**40 % q2)
    True
    """
    if n.bit_length() > 1 << 16:
        fused.available()  # a large conversion loads the kernels for its check
    return fused.int_residues(n)


def residues_text(ascii_digits: np.ndarray) -> tuple[int, int]:
    """The decimal number in ``ascii_digits`` (uint8 ASCII, most significant first) modulo both limb primes.

    >>> q1, q2 = guards.LIMB_PRIMES
    >>> residues_text(np.frombuffer(b"12345678901234567890", np.uint8)) == (12345678901234567890 % q1, 12345678901234567890 % q2)
    True
    """
    q1, q2 = guards.LIMB_PRIMES
    if len(ascii_digits) > 4096 and fused.available():
        return fused.decimal_residues(ascii_digits, q1, q2, ascii=True)
    from .text import decimal_to_limbs

    limbs = decimal_to_limbs(ascii_digits - np.uint8(48), 9)
    return guards.limb_residue(limbs, 10 ** 9, q1), guards.limb_residue(limbs, 10 ** 9, q2)


def _check(n: int, ascii_digits: np.ndarray) -> None:
    guards.count("checks")
    if residues_int(n) != residues_text(ascii_digits):
        raise GuardTrip("radix", 0.0)


def _checked(check: Callable[[], None], step: Step, kinds: tuple[str, ...]) -> None:
    """``check()``; when it trips after the cached step, the cached powers and transforms it used
    are forgotten too (a wrong one would otherwise fail every later conversion)."""
    try:
        check()
    except GuardTrip:
        if step.engine == "dc":
            for kind in kinds:
                cache.clear(kind)
        raise


# --- text -> int ------------------------------------------------------------------
def _pow5(m: int, use_cache: bool, method: str) -> int:
    """``5**m`` for ``m = leaf * 2**j``, by squaring ``5**(m/2)`` (cached)."""
    leaf = tuning.current.FROM_STR_LEAF_DIGITS
    if m <= leaf:
        return 5 ** m
    make = lambda: _square(_pow5(m // 2, use_cache, method), method)  # noqa: E731
    return cache.get(("pow5", m), make) if use_cache else make()


def _square(x: int, method: str) -> int:
    from .api import square

    return square(x, method=method)


def digits_text_to_int(t: str, use_cache: bool = True, method: str = "auto") -> int:
    """The value of ``t``, ASCII decimal digits only (no sign, no separators), not checked.

    >>> digits_text_to_int("000123" * 1000) == 123 * sum(10 ** (6 * i) for i in range(1000))
    True
    """
    n = len(t)
    L = tuning.current.FROM_STR_LEAF_DIGITS
    if n <= L:
        return int(t)
    mul = _mul(method)
    first = n % L or L
    vals = [int(t[i - L:i]) for i in range(n, first, -L)]  # least significant first
    vals.append(int(t[:first]))
    m = L
    V: np.ndarray | None = None  # the nodes as rows of 32-bit words while levels are batched
    while (len(vals) if V is None else len(V)) > 1:
        p5 = _pow5(m, use_cache, method)
        count = len(vals) if V is None else len(V)
        batch = plan_batch_level(_node_bits(m), p5.bit_length(), count // 2, method)
        if batch.steps[0].route == "batch":
            rows = _rows(vals, _node_words(m)) if V is None else V

            def level(step: Step) -> np.ndarray | None:
                if step.route == "batch":
                    return _batch_level(rows, m, p5, step.bits, ("spec5b", m) if use_cache else None)
                return None

            V = run_plan(batch, level)
            if V is not None:
                m *= 2
                continue
            vals = _ints(rows)  # the batched step tripped a guard: this level join by join
        elif V is not None:
            vals, V = _ints(V), None
        pairs = range(0, len(vals) - 1, 2)
        plan = plan_join("int", max(vals[i + 1].bit_length() for i in pairs), p5.bit_length(), method)
        if plan.method == "product":
            out = [(mul(vals[i + 1], p5) << m) + vals[i] for i in pairs]
        else:
            from .engines.routes import SharedInt, int_join_shared

            shared = SharedInt(p5, ("spec5", m) if use_cache else None)

            def attempt(step: Step, hi: int, lo: int) -> int:
                if not hi:  # a run of zero digits: nothing to multiply (and no product's length to check)
                    return lo
                if step.route == "shared":
                    try:
                        return int_join_shared(hi, shared, step.bits, lo, m)
                    except GuardTrip:
                        shared.forget()  # its transform may be the wrong part: never reused
                        raise
                return (mul(hi, p5) << m) + lo

            # Unchecked joins: the conversion's own check (_check) covers every join of the tree.
            out = [run_plan(plan, functools.partial(attempt, hi=vals[i + 1], lo=vals[i])) for i in pairs]
        if len(vals) % 2:
            out.append(vals[-1])
        vals = out
        m *= 2
    return vals[0] if V is None else int.from_bytes(V[0].tobytes(), "little")


def _node_bits(m: int) -> int:
    """At most the bits of a node of ``m`` decimal digits (``< 10**m``; log2(10) < 3.3220)."""
    return m * 33220 // 10000 + 1


def _node_words(m: int) -> int:
    """32-bit words of a row holding a node of ``m`` digits (one spare)."""
    return -(-_node_bits(m) // 32) + 1


def _rows(vals: list[int], words: int) -> np.ndarray:
    """The ints ``vals`` as rows of ``words`` little-endian 32-bit words (a writable array)."""
    raw = b"".join(v.to_bytes(4 * words, "little") for v in vals)
    return np.frombuffer(raw, dtype=np.uint32).reshape(len(vals), words).copy()


def _ints(V: np.ndarray) -> list[int]:
    """The rows of 32-bit words ``V`` as ints (:func:`_rows` backwards)."""
    return [int.from_bytes(row.tobytes(), "little") for row in V]


def _batch_level(V: np.ndarray, m: int, p5: int, bits: int, key: tuple | None) -> np.ndarray:
    """One ``from_str`` level at once: row ``r`` of the result is ``(V[2r+1] * p5 << m) + V[2r]``
    (and the last row of an odd count carried up), the nodes rows of 32-bit words.

    Every ``hi`` row is split into balanced ``bits``-bit limbs by one kernel call
    (``fused.split_rows``), all rows transformed by one batched real FFT, multiplied by the
    power's spectrum (cached with the power under ``key``), transformed back by one batched
    call, and rounded, carried, shifted and added to the ``lo`` rows by one kernel call
    (``fused.join_rows``).  The limb width is proven for the row length
    (``bounds.fft_ok``); round-off, magnitude and carry guards over all rows; no modular
    check (the conversion's own covers it).  Raises ``GuardTrip``.
    """
    from scipy import fft as sfft

    from .engines import backends, fft
    from .engines.routes import check_flags

    count = len(V)
    pairs = count // 2
    nh = -(-_node_bits(m) // bits)
    npl = -(-p5.bit_length() // bits)
    L = backends.next_fast_len(nh + npl + 1)
    if not bounds.fft_ok(nh + 1, npl + 1, 1 << bits, L):  # the plan's width holds for these counts
        raise GuardTrip("roundoff", float("inf"))
    def power_spectrum() -> np.ndarray:
        buf = np.zeros(L)
        fused.split_balanced(pylong.digit_view(p5), bits, npl, buf)
        return sfft.rfft(buf)

    SP = cache.get(key + (L, bits), power_spectrum) if key is not None else power_spectrum()
    X = np.zeros((pairs, L))
    fused.split_rows(V, bits, nh, X)
    F = fft.forward(X, L)  # 2-D: the rows, on every core
    del X
    F *= SP
    Z = fft.inverse(F, L)
    del F
    Vn = np.zeros((pairs + count % 2, _node_words(2 * m)), dtype=np.uint32)
    check_flags(fused.join_rows(Z, nh + npl + 1, bits, Vn, V, m))
    if count % 2:
        Vn[-1, :V.shape[1]] = V[-1]
    return Vn


def split_text(s: str, what: str) -> tuple[bool, str]:
    """``(negative, digits)`` of decimal text in ``multiply``'s grammar (errors name the position)."""
    body = plain_text(s)
    if body is not None:
        neg = body[:1] == "-"
        return neg, (body[1:] if body[:1] in "+-" else body)
    sign, d = parse_decimal(s, what)
    return sign < 0, (d + np.uint8(48)).tobytes().decode("ascii")


def from_str(s: str) -> int:
    """The int of decimal text ``s``: ``int(s)`` for ``multiply``'s text grammar, in O(M(n) log n).

    Surrounding whitespace, one optional sign, ASCII digits and single
    underscores between digits; no digit limit.  Malformed text raises
    ``ValueError`` naming the character and its position.  Checked modulo
    two random primes before it is returned.

    >>> from_str(" -1_234 ")
    -1234
    >>> from_str("9" * 5000) == 10 ** 5000 - 1
    True
    >>> from_str("12a")
    Traceback (most recent call last):
    ...
    ValueError: invalid character 'a' at position 2 (counting from 0) in decimal s (near '12a')
    """
    if not isinstance(s, str):
        raise TypeError(f"s must be a decimal str, not {type(s).__name__}")
    neg, t = split_text(s, "s")
    t = t.lstrip("0")
    if not t:
        return 0
    n = text_to_int_checked(t)
    return -n if neg else n


def text_to_int_checked(t: str) -> int:
    """The value of plain digits ``t`` (no leading zero) through the plan's ladder, checked."""
    plan = plan_radix("from_str", len(t))
    raw = None

    def attempt(step: Step) -> int:
        nonlocal raw
        if step.engine == "cpython":
            return _cpython(lambda: int(t), len(t))
        n = digits_text_to_int(t, use_cache=step.engine == "dc", method="auto" if step.engine == "dc" else "ntt")
        if raw is None:
            raw = np.frombuffer(t.encode("ascii"), dtype=np.uint8)
        _checked(lambda: _check(n, raw), step, ("pow5", "spec5"))
        return n

    return run_plan(plan, attempt)


# --- int -> text --------------------------------------------------------------------
def _values(v: Any) -> np.ndarray:
    """Digit values (uint8, most significant first) of a node: a Decimal or already an array."""
    if isinstance(v, np.ndarray):
        return v
    return np.frombuffer(str(v).encode("ascii"), dtype=np.uint8) - np.uint8(48)


def _add_numpy(p: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """:func:`fused.decimal_add` in numpy passes (no numba): a carry enters each position from the
    nearest position below it that is not a 9, if that one is 10 or more."""
    t = p.astype(np.int16) - 48
    t[len(p) - len(lo):] += lo
    t = t[::-1]  # least significant first
    n = len(t)
    idx = np.where(t != 9, np.arange(n), -1)
    last = np.maximum.accumulate(idx)  # nearest non-9 at or below each position
    cin = np.zeros(n + 1, dtype=np.int16)
    below = last[:-1]
    cin[1:n] = np.where(below >= 0, t[np.maximum(below, 0)] >= 10, 0)
    cin[n] = 1 if last[-1] >= 0 and t[last[-1]] >= 10 else 0
    out = np.empty(n + 1, dtype=np.uint8)
    out[:n] = (t + cin[:n]) % 10
    out[n] = cin[n]
    return out[::-1].copy()


def _add(p: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Digit values of ASCII ``p`` plus values ``lo`` (no leading zero unless the sum is 0)."""
    out = fused.decimal_add(p, lo) if fused.available() else _add_numpy(p, lo)
    return out[1:] if out[0] == 0 else out


def _dec_power(h: int, use_cache: bool, method: str) -> Any:
    """``2**h`` in decimal for ``h = leaf * 2**j``: a Decimal while small, else a digit-value array."""
    leaf = tuning.current.TO_STR_LEAF_BITS

    def make() -> Any:
        if h <= leaf:
            return decimal.Decimal(1 << h)
        half = _dec_power(h // 2, use_cache, method)
        if to_str_nodes(int(h * 0.30103)) == "decimal":
            return _ctx().multiply(half, half)
        v = _values(half)
        return product_digits(v, None, method) - np.uint8(48)

    return cache.get(("dec2", h), make) if use_cache else make()


def _join(plan: Plan, hi: np.ndarray, shared: Any, lo: np.ndarray, method: str) -> np.ndarray:
    """Digit values of ``hi * P + lo`` (``P``: ``shared``'s digits, ``lo < P``) by ``plan``'s ladder
    (``plan.plan_join``).

    Unchecked products: the conversion's own check (:func:`_check`: residues of the int against
    the whole text) covers every product and addition of the tree.
    """
    if len(hi) == 1 and hi[0] == 0:
        return lo

    def attempt(step: Step) -> np.ndarray:
        if step.route == "shared":
            from .engines.routes import text_join

            try:
                return text_join(hi, shared, lo, step.k)
            except GuardTrip:
                shared.forget()  # its transform may be the wrong part: never reused
                raise
        return _add(product_digits(hi, shared.digits, method, False), lo)

    return run_plan(plan, attempt)


def int_to_digit_values(x: int, use_cache: bool = True, method: str = "auto") -> np.ndarray:
    """Decimal digit values (uint8, most significant first, no leading zero) of ``x > 0``, not checked.

    Bottom up: the leaves are ``x``'s consecutive ``TO_STR_LEAF_BITS``-bit
    pieces (one ``to_bytes``, then ``from_bytes`` of each slice), and each
    level joins neighbours as ``hi * dec(2**h) + lo``.

    >>> int_to_digit_values(10 ** 3000 + 7)[[0, 1, -1]].tolist()
    [1, 0, 7]
    """
    leaf = tuning.current.TO_STR_LEAF_BITS  # a multiple of 8 (Thresholds): leaves are whole bytes
    ctx = _ctx()
    raw = x.to_bytes((x.bit_length() + 7) // 8, "little")
    step = leaf // 8
    D = decimal.Decimal
    fb = int.from_bytes
    vals: list[Any] = [D(fb(raw[i:i + step], "little")) for i in range(0, len(raw), step)]  # low first
    h = leaf
    while len(vals) > 1:
        p = _dec_power(h, use_cache, method)
        pairs = range(0, len(vals) - 1, 2)
        out: list[Any]
        if to_str_nodes(int(h * 0.30103)) == "decimal":
            if isinstance(p, np.ndarray):  # kept as digits under another crossover (a tuned run)
                p = D((p + np.uint8(48)).tobytes().decode("ascii"))
            out = [ctx.add(ctx.multiply(vals[i + 1], p), vals[i]) for i in pairs]
        else:
            from .engines.routes import SharedFactor

            # The level's power, transformed once per shape (and cached with the power).
            shared = SharedFactor(_values(p), ("spec2", h) if use_cache else None)
            his = [_values(vals[i + 1]) for i in pairs]
            plan = plan_join("str", max(map(len, his)), len(shared.digits), method)
            out = [_join(plan, hi, shared, _values(vals[i]), method) for hi, i in zip(his, pairs)]
        if len(vals) % 2:
            out.append(vals[-1])
        vals = out
        h *= 2
    return _values(vals[0])


def to_str(n: Any) -> str:
    """Decimal text of an integer (sign included), in O(M(n) log n), with no digit limit.

    ``n``: an int, ``gmpy2.mpz`` or anything with ``__index__`` (not bool).
    The text is checked modulo two random primes before it is returned.

    >>> to_str(-12345)
    '-12345'
    >>> to_str(10 ** 5000) == "1" + "0" * 5000
    True
    """
    if isinstance(n, bool) or not hasattr(type(n), "__index__"):
        raise TypeError(f"n must be an integer, not {type(n).__name__}")
    n = operator.index(n)
    x = -n if n < 0 else n
    sign = "-" if n < 0 else ""
    if x.bit_length() <= tuning.current.TO_STR_INT_MAX_BITS:
        return str(n)
    return sign + int_to_ascii_checked(x).tobytes().decode("ascii")


def int_to_ascii_checked(x: int) -> np.ndarray:
    """ASCII digits (uint8) of ``x > 0`` through the plan's ladder, checked (short ints: ``str()``)."""
    plan = plan_radix("to_str", x.bit_length())

    def attempt(step: Step) -> np.ndarray:
        if step.engine == "cpython":
            text = _cpython(lambda: str(x), int(x.bit_length() * 0.30103) + 1)
            return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        v = int_to_digit_values(x, use_cache=step.engine == "dc", method="auto" if step.engine == "dc" else "ntt")
        out = v + np.uint8(48)
        _checked(lambda: _check(x, out), step, ("dec2", "spec2"))
        return out

    return run_plan(plan, attempt)


# --- other bases ----------------------------------------------------------------------
def pow_int(base: int, e: int) -> int:
    """``base**e`` by squaring, every product bigmul's (``e >= 0``).

    >>> pow_int(7, 1000) == 7 ** 1000
    True
    """
    from .api import multiply, square

    result = 1
    for bit in bin(e)[2:]:
        result = square(result)
        if bit == "1":
            result = multiply(result, base)
    return result
