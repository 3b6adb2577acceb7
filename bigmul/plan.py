"""What ``auto`` (and each forced method) will do for given operands, and why: int, text and convolve.

What this is for: the three planners the product paths themselves run
(through ``run.run_plan``) and ``bigmul.choose_method`` reports, so what is
reported is what runs.  A plan is the first choice followed by the exact fallbacks taken if a
guard fires.  Thresholds are read live from ``tuning.current``; exactness
limits come from ``bounds.py``.
What it is not for: running anything.
"""
from __future__ import annotations

import importlib.util
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from . import bounds, envvars, tuning
from .engines import fused

__all__ = ["Step", "Plan", "int_crossover", "plan_int", "karatsuba_int", "KARATSUBA_PLAN", "plan_str", "plan_radix", "plan_join", "plan_batch_level", "to_str_nodes", "plan_wrap", "remainder_route", "plan_divmod", "plan_isqrt", "plan_convolve", "plan_convolve_values", "coefficient_bound", "max_abs",
           "require_gpu"]

#: log2(10): bits per decimal digit.
LOG2_10 = 3.321928094887362


@dataclass(frozen=True)
class Step:
    """One engine configuration.

    ``engine``: an engine name (``direct``, ``karatsuba``, ``fft``, ``ntt``, ``gpu``) or one of
    the exact last resorts: ``int`` (CPython's multiply), ``decimal`` (the
    stdlib module, libmpdec's exact NTT in C), ``kronecker`` (convolve by one
    big-int product) and ``object`` (convolve with Python ints).
    ``bits``: binary limb width (int path); ``k``: decimal limbs are base
    ``10**k`` (text path); both 0 where they do not apply.
    ``route``: how a CPU product gets its operands in and its result out
    (``engines/routes.py``): ``"fused"`` (numba passes straight from the
    operands' digits into the transform buffers and back), ``"shared"`` (the
    same, with one operand's transform computed once for many products), ``"wrap"`` (the same,
    cyclic: the product modulo ``2**K - 1``, ``wrap.py``), ``"batch"`` (a whole level of
    ``from_str``'s joins in one batched transform) or
    ``"limbs"`` (numpy limb arrays through the engine); empty where there is no choice.

    >>> str(Step("fft", bits=14, route="fused")), str(Step("ntt", k=7, route="limbs"))
    ('fft(14, fused)', 'ntt(10^7)')
    """

    engine: str
    bits: int = 0
    k: int = 0
    route: str = ""

    def __str__(self) -> str:
        shown = f", {self.route}" if self.route in ("fused", "shared", "wrap", "batch") else ""
        if self.bits:
            return f"{self.engine}({self.bits}{shown})"
        return f"{self.engine}(10^{self.k}{shown})" if self.k else self.engine


@dataclass(frozen=True)
class Plan:
    """The engine ``auto`` picks first, the fallbacks in order, and the reason."""

    kind: str
    steps: tuple[Step, ...]
    reason: str

    @property
    def method(self) -> str:
        """The first engine that will run."""
        return self.steps[0].engine

    def __str__(self) -> str:
        return f"{' -> '.join(map(str, self.steps))}: {self.reason}"

    def __repr__(self) -> str:  # what a REPL shows for choose_method(...)
        return f"<Plan {self.kind}: {self}>"


def _gpu_on() -> bool:
    if not (envvars.values or envvars.check())["BIGMUL_GPU"]:  # the usual case: no import, no call
        return False
    from .engines.gpu import gpu_enabled

    return gpu_enabled()


def require_gpu() -> None:
    """Raise ``GPUUnavailableError`` (saying why) when ``method="gpu"`` cannot run here."""
    from .engines.gpu import GPUUnavailableError, gpu_status

    ok, why = gpu_status()
    if not ok:
        raise GPUUnavailableError(f"method='gpu' cannot run here: {why}")


def _ntt_fits_int(bits1: int, bits2: int) -> bool:
    """Whether the NTT (24-bit limbs) can hold a product of ``bits1`` x ``bits2`` bits."""
    n1, n2 = -(-bits1 // bounds.NTT_INT_BITS), -(-bits2 // bounds.NTT_INT_BITS)
    return n1 + n2 - 1 <= 1 << bounds.NTT_MAX_LOG2


def _exact_tail_int(ntt_fits: bool) -> list[Step]:
    return ([Step("ntt", bits=bounds.NTT_INT_BITS, route="limbs")] if ntt_fits else []) + [Step("int")]


def _gpu_first(cpu: Plan) -> Plan:
    """The CPU ``fft`` plan with the GPU engine, at the same limb width, tried first."""
    first = cpu.steps[0]
    b, k = (first.bits, first.k) if first.engine == "fft" else (0, 0)
    require_gpu()
    width = f"with {b}-bit balanced limbs" if cpu.kind == "int" else f"in base 10**{k}"
    return Plan(cpu.kind, ((Step("gpu", bits=b, k=k),) if b or k else ()) + cpu.steps,
                f"GPU float64 cuFFT {width}, CPU engines as fallback")


def int_crossover() -> int:
    """Bits of the smaller operand from which ``auto`` multiplies ints by FFT: ``INT_FFT_MIN_BITS``,
    or the lower ``INT_FFT_FUSED_MIN_BITS`` once the fused kernels are loaded in this process.

    >>> int_crossover() in (tuning.current.INT_FFT_MIN_BITS, tuning.current.INT_FFT_FUSED_MIN_BITS)
    True
    """
    th = tuning.current
    return th.INT_FFT_FUSED_MIN_BITS if fused.LOADED else th.INT_FFT_MIN_BITS


def karatsuba_int(small: int) -> bool:
    """Whether ``auto`` multiplies ints whose smaller operand has ``small`` bits, below the FFT
    crossover, by the Karatsuba engine: from ``INT_KARATSUBA_MIN_BITS``, once the kernels are
    loaded (the caller has checked ``small < int_crossover()``).

    >>> karatsuba_int(100)
    False
    """
    return fused.LOADED and tuning.current.INT_KARATSUBA_MIN_BITS <= small <= bounds.KARATSUBA_LIMIT_BITS


#: The plan of an int product on the Karatsuba engine (``karatsuba_int``), built once.
KARATSUBA_PLAN = Plan("int", (Step("karatsuba", bits=24, route="fused"), Step("int")),
                       "Karatsuba on 24-bit limbs in one compiled call, between CPython's multiply and "
                       "the FFT crossover; CPython's own multiply as its fallback")


def plan_int(bits1: int, bits2: int, method: str = "auto") -> Plan:
    """Plan for a product of non-negative ints of ``bits1`` and ``bits2`` bits.

    >>> plan_int(100, 100).method
    'int'
    >>> p = plan_int(10**6, 10**6, "fft")
    >>> [(s.engine, s.bits) for s in p.steps], p.steps[0].route in ("fused", "limbs")
    ([('fft', 14), ('fft', 12), ('ntt', 24), ('int', 0)], True)
    """
    th = tuning.current
    small = min(bits1, bits2)
    if method == "gpu" or (method == "auto" and small >= th.GPU_MIN_BITS and _gpu_on()):
        return _gpu_first(plan_int(bits1, bits2, "fft"))
    auto = method == "auto"
    if auto:
        cut = int_crossover()
        if small < cut:
            if karatsuba_int(small):
                return KARATSUBA_PLAN
            return Plan("int", (Step("int"),), f"smaller operand {small} bits is below the "
                        f"FFT crossover ({cut} bits): CPython's own multiply")
        method = "fft"
    if method == "direct":
        b = bounds.direct_limb_bits(bits1, bits2, max_bits=30)
        return Plan("int", (Step("direct", bits=b, route="limbs"), Step("int")),
                    f"schoolbook int64 convolution, {b}-bit limbs cannot overflow")
    if method == "ntt":
        tail = tuple(_exact_tail_int(_ntt_fits_int(bits1, bits2)))
        if _small_prime_fits(bits1, bits2) and _numba_importable():
            from .engines.smallprime import limb_width

            w = limb_width(bits1, bits2)[0]
            limbs = "the operands' own digits" if w == 30 else "across their digits"
            return Plan("int", (Step("ntt", bits=w, route="fused"),) + tail,
                        f"small-prime NTT on {w}-bit limbs ({limbs}), exact by construction; the numpy "
                        "three-prime NTT as its fallback")
        return Plan("int", tail, "three-prime NTT, exact by construction")
    plan = _fft_int_plan(bounds.fft_limb_bits(bits1, bits2), _ntt_fits_int(bits1, bits2), _fused_int(bits1),
                         th.FFT_RETRY_MIN_BITS)
    total = bits1 + bits2
    if (auto and total >= th.NTT_FUSED_MIN_BITS and plan.steps[0].route == "fused"
            and _small_prime_fits(bits1, bits2)):
        from .engines.smallprime import limb_width

        w, m1, m2, L = limb_width(bits1, bits2)
        n = m1 + m2 - 1
        if n >= th.NTT_MIN_FILL * L or total >= th.NTT_MEMORY_MIN_BITS:
            return Plan("int", (Step("ntt", bits=w, route="fused"),) + plan.steps,
                        f"small-prime NTT: {n} coefficients of {w} bits fill {n / L:.0%} of its length {L} "
                        f"(a third of the float FFT's memory); then {plan.reason}")
    return plan


def _small_prime_fits(bits1: int, bits2: int) -> bool:
    """Whether the small-prime NTT's primes allow a product of ``bits1`` x ``bits2`` bits (30-bit limbs)."""
    return -(-bits1 // 30) + -(-bits2 // 30) - 1 <= 1 << bounds.NTT_MAX_LOG2


def _fused_int(bits1: int) -> bool:
    """Whether an int product takes the fused route: at any FFT size once the kernels are loaded.
    A product from ``tuning.FUSED_MIN_BITS`` in the first operand (where the passes pay for numba)
    starts loading them in the background and takes the numpy route until they are ready."""
    return fused.ready(start=bits1 >= tuning.current.FUSED_MIN_BITS)


@lru_cache(maxsize=128)
def _fft_int_plan(b: int, ntt_fits: bool, fused_route: bool, retry_min: int) -> Plan:
    """The ``fft`` int plan for limb width ``b``: depends on the sizes only through ``b``, whether
    the NTT can hold the product, the route and the retry floor, so it is built once per such
    key (a new plan object costs a measurable share of a 10^4-digit product)."""
    route = "fused" if fused_route else "limbs"
    steps: list[Step] = []
    if b:
        steps.append(Step("fft", bits=b, route=route))
        if b > retry_min:
            steps.append(Step("fft", bits=b - bounds.FFT_RETRY_NARROWER_BITS, route=route))
    steps += _exact_tail_int(ntt_fits)
    return Plan("int", tuple(steps), f"float64 FFT with {b}-bit balanced limbs (largest width the "
                f"error bound proves exact)" if b else "no float FFT width is provably exact")


def plan_str(digits1: int, digits2: int, method: str = "auto") -> Plan:
    """Plan for a product of decimal strings of ``digits1`` and ``digits2`` digits.

    >>> plan_str(10, 10).method
    'direct'
    >>> [(s.engine, s.k) for s in plan_str(10**6, 10**6, "auto").steps]
    [('fft', 4), ('fft', 3), ('ntt', 7), ('decimal', 0)]
    """
    th = tuning.current
    small = min(digits1, digits2)
    if method == "gpu" or (method == "auto" and small >= th.GPU_STR_MIN_DIGITS and _gpu_on()):
        return _gpu_first(plan_str(digits1, digits2, "fft"))
    kd = bounds.direct_decimal_k(digits1, digits2)
    scalar = method == "auto" and _scalar_str(digits1, digits2)
    if method == "auto":
        most = th.STR_DIRECT_FUSED_MAX_LIMBS if fused.LOADED else th.STR_DIRECT_MAX_LIMBS
        method = "direct" if -(-small // kd) <= most else "fft"
    tail = []
    kn = bounds.NTT_DECIMAL_K
    if -(-digits1 // kn) + -(-digits2 // kn) - 1 <= 1 << bounds.NTT_MAX_LOG2:
        tail.append(Step("ntt", k=kn, route="limbs"))
    tail.append(Step("decimal"))
    if scalar:
        return Plan("str", (Step("scalar", route="fused"), Step("direct", k=kd, route="limbs"), Step("decimal")),
                    f"a short operand (at most {bounds.SCALAR_EXACT_DIGITS} digits): one int64 pass over the "
                    "long one's digits, checked modulo two primes")
    if method == "direct":
        return Plan("str", (Step("direct", k=kd, route="limbs"), Step("decimal")),
                    f"schoolbook convolution in base 10**{kd}, int64 cannot overflow")
    if method == "ntt":
        return Plan("str", tuple(tail), f"three-prime NTT in base 10**{kn}, exact by construction")
    k = bounds.fft_decimal_k(digits1, digits2)
    steps: list[Step] = []
    if k:
        steps.append(Step("fft", k=k, route=_fused_str(digits1, k)))
        if k > 1:
            steps.append(Step("fft", k=k - 1, route=_fused_str(digits1, k - 1)))
    return Plan("str", tuple(steps + tail),
                f"float64 FFT in base 10**{k} with balanced limbs (largest base the error bound proves exact)")


def _fused_str(digits1: int, k: int) -> str:
    """The route of a text product in base ``10**k``: ``fused`` once the kernels are loaded, for bases
    up to ``10**MAX_TABLE_K`` (the kernels' ASCII tables); else ``limbs``.  A product from
    ``tuning.FUSED_MIN_DIGITS`` in the first operand starts loading them in the background."""
    if k <= fused.MAX_TABLE_K and fused.ready(start=digits1 >= tuning.current.FUSED_MIN_DIGITS):
        return "fused"
    return "limbs"


def _scalar_str(digits1: int, digits2: int) -> bool:
    """Whether a text product is one pass over the long operand (``routes.scalar_text_product``):
    a short operand of at most ``bounds.SCALAR_EXACT_DIGITS`` digits, a long one past what the stdlib
    ``decimal`` takes (``tuning.STR_DECIMAL_MAX_CHARS``), and the fused kernels loaded or worth
    loading for it (``tuning.FUSED_MIN_DIGITS``)."""
    short, long_ = min(digits1, digits2), max(digits1, digits2)
    th = tuning.current
    return (short <= bounds.SCALAR_EXACT_DIGITS and long_ > th.STR_DECIMAL_MAX_CHARS
            and fused.ready(start=long_ >= th.FUSED_MIN_DIGITS))


def plan_convolve(n1: int, n2: int, max_x: int, max_y: int, method: str = "auto", *,
                  norms: tuple[float, float] | None = None, int64_values: bool | None = None) -> Plan:
    """Plan for ``convolve`` of ``n1`` x ``n2`` values with magnitudes up to ``max_x``, ``max_y``.

    ``auto`` decides from the length **and** the coefficient size: int64
    schoolbook while every coefficient provably fits and the work is small;
    Python-int schoolbook for wide coefficients and tiny work; the float FFT of
    the values when Percival's bound with their norms (``norms``; without
    them, ``sqrt(n) * max``) proves it exact; for int64 values past that, the
    float FFT of balanced pieces (``pieces.py``) while few pieces suffice;
    otherwise Kronecker substitution: ``kronecker(b)`` runs it on the slots
    themselves with ``b``-bit limbs (``fft.slot_product``, no Python ints),
    plain ``kronecker`` on Python ints through the int engine.  Every plan
    ends with an exact last resort.

    >>> plan_convolve(3, 3, 9, 9).method
    'direct'
    >>> str(plan_convolve(10**4, 10**4, 2**8, 2**8)).split(':')[0]
    'fft -> kronecker(15) -> kronecker -> object'
    >>> str(plan_convolve(10**4, 10**4, 2**20, 2**20)).split(':')[0]
    'pieces(12) -> kronecker(14) -> kronecker -> object'
    >>> str(plan_convolve(10**4, 10**4, 2**64, 2**64)).split(':')[0]
    'kronecker(14) -> kronecker -> object'
    >>> plan_convolve(4, 4, 2**64, 2**64).method
    'object'
    """
    th = tuning.current
    bound = coefficient_bound(n1, n2, max_x, max_y)
    fits = bound < 2 ** 63
    kb = _kronecker_limb_bits(n1, n2, bound, method)
    if method == "gpu":
        require_gpu()
    float_ok = False
    if bound < bounds.FLOAT_EXACT:
        nx, ny = norms if norms is not None else (max_x * math.sqrt(n1), max_y * math.sqrt(n2))
        float_ok = bounds.values_fft_ok(nx, ny, n1, n2, bound)
    work = n1 * n2
    pieces = None
    if int64_values is None:
        int64_values = max(max_x, max_y) < 2 ** 63
    if not float_ok and int64_values:
        fit = bounds.piece_bits(n1, n2, max_x.bit_length(), max_y.bit_length())
        if fit is not None and fit[1] + fit[2] <= th.CONVOLVE_MAX_PIECES:
            pieces = fit
    if method == "auto":
        if work <= (th.CONVOLVE_DIRECT_MAX_WORK if fits else th.CONVOLVE_OBJECT_MAX_WORK):
            method = "direct"
        else:
            method = "fft" if float_ok or pieces else "kronecker"
    ks: tuple[Step, ...] = (Step("kronecker"), Step("object"))
    ks_why = ("Kronecker substitution (both sequences packed into one big int with slots wide enough "
              "for every coefficient, one exact product on the int engine, unpacked)")
    if kb:
        ks = (Step("kronecker", bits=kb),) + ks
        ks_why = (f"Kronecker substitution (both sequences packed with slots wide enough for every "
                  f"coefficient, read straight from the slots into balanced {kb}-bit limbs, one float FFT "
                  f"product written back into the slots; the same on Python ints through the int engine "
                  f"if a guard fires)")
    if method == "direct":
        if fits and bound < bounds.FLOAT_EXACT:
            return Plan("convolve", (Step("direct", bits=53), Step("direct")),
                        f"float64 schoolbook: every product and partial sum is an integer below {bound} < "
                        "2**53, so exact (checked); int64 if the check fails")
        if fits:
            return Plan("convolve", (Step("direct"),),
                        f"int64 schoolbook: every coefficient is below {bound} < 2**63")
        if work <= th.CONVOLVE_DIRECT_MAX_WORK:
            return Plan("convolve", (Step("object"),), "coefficients pass 2**63: schoolbook on Python ints")
        return Plan("convolve", ks, "coefficients pass 2**63 and the work is large: " + ks_why)
    if method in ("fft", "gpu"):
        if float_ok:
            return Plan("convolve", (Step(method),) + ks,
                        "float FFT of the values themselves: Percival's bound with their norms proves "
                        "it exact (guarded and checked); " + ks_why + " if a guard fires")
        if pieces and method == "fft":
            b, sx, sy = pieces
            return Plan("convolve", (Step("pieces", bits=b),) + ks,
                        f"values split into {sx} x {sy} balanced {b}-bit pieces whose float FFT products the "
                        "bound proves exact (guarded and checked); " + ks_why + " if a guard fires")
        return Plan("convolve", ks, "the values are too wide for a float FFT of them: " + ks_why)
    if method == "ntt" and fits and bounds.ntt_limit_ok(n1, n2, max_x, max_y):
        return Plan("convolve", (Step("ntt"),) + ks, "three-prime NTT: the coefficients fit its CRT range")
    return Plan("convolve", ks, ks_why)


@lru_cache(maxsize=1)
def _numba_importable() -> bool:
    return importlib.util.find_spec("numba") is not None


def _kronecker_limb_bits(n1: int, n2: int, bound: int, method: str) -> int:
    """Limb width of the fused Kronecker product (``fft.slot_product``), or 0 where it does not run.

    It runs where the int path would run the fused float FFT on the packed
    integers (``method`` auto or fft, packed operands of at least
    ``tuning.FUSED_MIN_BITS``, numba not switched off); the width is the int
    path's for the packed sizes plus one bit (the top slot's borrow).
    """
    if method not in ("auto", "fft") or not (envvars.values or envvars.check())["BIGMUL_NUMBA"] or not _numba_importable():
        return 0
    from .kronecker import slot_bytes

    w = 8 * slot_bytes(bound)
    t1, t2 = n1 * w + 1, n2 * w + 1
    if min(t1, t2) < tuning.current.FUSED_MIN_BITS:
        return 0
    first = plan_int(t1, t2, method).steps[0]
    return first.bits if first.engine == "fft" else 0


def coefficient_bound(n1: int, n2: int, max_x: int, max_y: int) -> int:
    """A bound on every coefficient of the convolution: ``min(n1, n2) * max_x * max_y``.

    Exact while the maxima are narrow; for wide ones the power of two
    ``2**(bits(min n) + bits(max_x) + bits(max_y))`` above it (at most 3 bits
    more, and no big multiplication to compute it).

    >>> coefficient_bound(3, 5, 7, 9), coefficient_bound(2, 2, 2**300, 1) == 2**(2 + 301 + 1)
    (189, True)
    """
    if max_x.bit_length() + max_y.bit_length() <= 256:
        return min(n1, n2) * max_x * max_y
    return 1 << (min(n1, n2).bit_length() + max_x.bit_length() + max_y.bit_length())


def max_abs(arr: np.ndarray) -> int:
    """The largest magnitude in an int64 or object array (0 when empty), as a Python int.

    >>> max_abs(np.array([3, -7])), max_abs(np.array([2**70, -1], dtype=object))
    (7, 1180591620717411303424)
    """
    if len(arr) == 0:
        return 0
    if arr.dtype == object:
        return max(map(abs, arr.tolist()))
    return max(abs(int(arr.max())), abs(int(arr.min())))


def _norm(arr: np.ndarray) -> float:
    f = arr.astype(np.float64)
    return math.sqrt(float(np.dot(f, f)))


def plan_convolve_values(x: np.ndarray, y: np.ndarray, method: str = "auto") -> tuple[Plan, int]:
    """The plan for ``convolve`` of these operands (int64 or object arrays) and the coefficient bound.

    The float FFT's bound uses the values' own norms when the coefficients fit int64.

    >>> plan_convolve_values(np.arange(2000), np.arange(2000))[0].method
    'fft'
    """
    mx, my = max_abs(x), max_abs(y)
    bound = coefficient_bound(len(x), len(y), mx, my)
    norms = (_norm(x), _norm(y)) if bound < bounds.FLOAT_EXACT else None
    return plan_convolve(len(x), len(y), mx, my, method, norms=norms,
                         int64_values=x.dtype != object and y.dtype != object), bound


# --- operations built on the product: conversion, division, square root ------------------------
_LADDER_REASONS = {
    "to_str": "split at 2**h and join in decimal (dec(hi) * dec(2**h) + dec(lo)), checked modulo two primes",
    "from_str": "join leaves pairwise ((hi * 5**m << m) + lo), checked modulo two primes",
}


def plan_radix(op: str, size: int) -> Plan:
    """Plan for ``to_str`` (``size`` in bits) or ``from_str`` (``size`` in digits).

    ``dc``: divide and conquer on bigmul's products with cached powers;
    ``dc_exact``: the same without the cache, every product by the NTT;
    ``cpython``: ``str()``/``int()`` (exact, quadratic on CPython < 3.12).

    >>> plan_radix("to_str", 100).method, plan_radix("to_str", 10**6).method
    ('cpython', 'dc')
    """
    th = tuning.current
    small = size <= (th.TO_STR_INT_MAX_BITS if op == "to_str" else th.FROM_STR_LEAF_DIGITS)
    if small:
        return Plan(op, (Step("cpython"),), "below the leaf size: CPython's own conversion")
    return Plan(op, (Step("dc"), Step("dc_exact"), Step("cpython")), _LADDER_REASONS[op])


def to_str_nodes(digits: int) -> str:
    """How a ``to_str`` level of nodes of about ``digits`` digits joins them: ``"decimal"`` (stdlib
    ``Decimal`` values, libmpdec's products) below ``TO_STR_ARRAY_MIN_DIGITS``, else ``"array"``
    (digit arrays, bigmul's decimal engine).

    >>> to_str_nodes(100), to_str_nodes(10**6)
    ('decimal', 'array')
    """
    return "decimal" if digits < tuning.current.TO_STR_ARRAY_MIN_DIGITS else "array"


def plan_join(kind: str, size_hi: int, size_p: int, method: str = "auto") -> Plan:
    """Plan for the joins ``hi * P + lo`` of one level of a radix conversion: ``kind`` ``"str"``
    (``to_str``, sizes in digits, ``P`` a power of two in decimal) or ``"int"`` (``from_str``, sizes
    in bits, ``P`` a power of five, the sum ``(hi * P << m) + lo``); ``P`` is shared by the level's
    joins and ``size_hi`` is the longest ``hi`` of the level (the limb width proven for it holds for
    the shorter ones).

    ``fft(.., shared)``: ``P``'s transform computed once per level and reused, the product not
    checked on its own (the conversion's check covers it; ``lo`` added in the carry pass for text),
    where the product's own plan starts with the fused FFT; ``product``: the product by its own
    plan and ladder, then the addition.

    >>> [str(s) for s in plan_join("str", 10**6, 10**6, "ntt").steps]
    ['product']
    >>> plan_join("int", 100, 100).method
    'product'
    """
    first = (plan_str if kind == "str" else plan_int)(size_hi, size_p, method).steps[0]
    product = Step("product")
    if first.engine == "fft" and first.route == "fused":
        what = f"base 10**{first.k}" if kind == "str" else f"{first.bits}-bit limbs"
        return Plan("join", (Step("fft", bits=first.bits, k=first.k, route="shared"), product),
                    f"the level's shared power transformed once; {what}")
    return Plan("join", (product,), "the product by its own plan, then the addition")


def plan_wrap(bits1: int, bits2: int, k_min: int) -> Plan:
    """Plan for a product modulo ``2**K - 1`` (``K >= k_min``; ``wrap.mulmod``) of ints of ``bits1``
    and ``bits2`` bits below ``2**k_min``: the cyclic FFT product where the int product would take
    the fused FFT (at the same limb width, on a transform about half as long), else the product by
    its own plan, folded.  Not checked on its own: its callers check their whole result.

    >>> [str(s) for s in plan_wrap(100, 100, 200).steps]
    ['product']
    """
    from .engines import fft

    first = plan_int(bits1, bits2).steps[0]
    product = Step("product")
    if (first.engine == "fft" and first.route == "fused"
            and fft.wrap_shape(-(-bits1 // first.bits), -(-bits2 // first.bits), first.bits, k_min) is not None):
        return Plan("wrap", (Step("fft", bits=first.bits, route="wrap"), product),
                    f"cyclic float64 FFT with {first.bits}-bit balanced limbs, the carry out of the top wrapped")
    return Plan("wrap", (product,), "the product by its own plan, folded modulo 2**K - 1")


def plan_batch_level(bits_hi: int, bits_p: int, joins: int, method: str = "auto") -> Plan:
    """Plan for a whole ``from_str`` level of ``joins`` joins ``(hi * P << m) + lo`` whose ``hi`` have
    at most ``bits_hi`` bits: ``fft(.., batch)`` -- every join's transform in one batched call,
    the nodes kept as rows of 32-bit words, one kernel call to split them and one to round,
    carry, shift and add -- while the nodes are short (``FROM_STR_BATCH_MAX_BITS``) and the
    kernels are loaded; ``product``: the level join by join (``plan_join``).  The batched step
    falls back to the join-by-join level (``fallback_product``).

    >>> plan_batch_level(10**6, 10**6, 4).method
    'product'
    """
    th = tuning.current
    product = Step("product")
    w = bounds.fft_limb_bits(bits_hi, bits_p) if bits_hi <= th.FROM_STR_BATCH_MAX_BITS else 0
    if method != "auto" or joins < 2 or not w or not fused.LOADED:
        return Plan("batch", (product,), "the level join by join")
    return Plan("batch", (Step("fft", bits=w, route="batch"), product),
                f"every join's transform in one batched call, {w}-bit balanced limbs")


def remainder_route(bits_q: int, bits_b: int) -> str:
    """How a division block takes its remainder ``a - q*b`` (``divide._correct``): ``"wrap"`` -- the
    product modulo ``2**K - 1`` (``wrap.mulmod``), ``K`` a little above ``b``'s size -- from
    ``DIV_WRAP_MIN_BITS`` in the divisor (the quotient block no longer than it), else ``"product"``.

    >>> remainder_route(500_000, 1_000_000), remainder_route(500, 1000)
    ('wrap', 'product')
    """
    return "wrap" if bits_b >= tuning.current.DIV_WRAP_MIN_BITS and bits_q <= bits_b + 16 else "product"


def plan_divmod(bits_a: int, bits_b: int) -> Plan:
    """Plan for ``divmod`` of a ``bits_a``-bit by a ``bits_b``-bit int.

    ``newton``: a Newton reciprocal of the divisor, the quotient from one
    product, corrected exactly; ``cpython``: CPython's ``divmod``.

    >>> plan_divmod(10**6, 5 * 10**5).method, plan_divmod(2000, 1000).method
    ('newton', 'cpython')
    """
    th = tuning.current
    least = max(th.DIV_NEWTON_MIN_BITS, 64)  # the Newton blocks need a divisor of 32 guard bits and a byte
    if bits_b < least or bits_a - bits_b < least:
        return Plan("divmod", (Step("cpython"),), "divisor or quotient below DIV_NEWTON_MIN_BITS: CPython's divmod")
    return Plan("divmod", (Step("newton"), Step("cpython")),
                "Newton reciprocal through bigmul's products, exact correction, checked modulo a prime")


def plan_isqrt(bits: int) -> Plan:
    """Plan for ``isqrt`` of a ``bits``-bit int.

    >>> plan_isqrt(10**6).method, plan_isqrt(100).method
    ('newton', 'cpython')
    """
    if bits < tuning.current.ISQRT_NEWTON_MIN_BITS:
        return Plan("isqrt", (Step("cpython"),), "below ISQRT_NEWTON_MIN_BITS: math.isqrt")
    return Plan("isqrt", (Step("newton"), Step("cpython")),
                "Zimmermann's square root on bigmul's products (no division), r*r <= n < (r+1)**2 checked")
