"""What ``auto`` (and each forced method) will do for given operand sizes, and why.

What this is for: one small public function, :func:`choose_method`, that the
multiply path itself uses, so what it reports is what runs.  A plan is the
first choice followed by the exact fallbacks taken if a guard fires.
What it is not for: running the product.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import bounds, tuning

__all__ = ["METHODS", "Step", "Plan", "plan_int", "plan_str", "choose_method", "check_method"]

#: Methods accepted by ``multiply``, ``square`` and ``convolve``.
METHODS = ("auto", "direct", "fft", "ntt", "gpu")

_LOG2_10 = 3.321928094887362


def check_method(method: Any) -> str:
    """Validate a method name; raise ``ValueError`` naming the valid ones."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(
            f"unknown method {method!r}; valid methods are " + ", ".join(repr(m) for m in METHODS)
        )
    return method


@dataclass(frozen=True)
class Step:
    """One engine configuration: ``engine`` in {'int', 'decimal', 'direct', 'fft', 'ntt', 'gpu'}.

    'int' (CPython's multiply) and 'decimal' (the stdlib module, libmpdec's
    exact NTT in C) are the independent last resorts of the int and decimal
    text paths.

    ``limb`` is the limb width in bits (binary path) or ``k`` of base ``10**k``
    (decimal path); 0 for ``'int'``.
    """

    engine: str
    limb: int = 0

    def __str__(self) -> str:
        return self.engine if not self.limb else f"{self.engine}({self.limb})"


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


def _gpu_on() -> bool:
    from .gpu import gpu_enabled

    return gpu_enabled()


def _require_gpu() -> None:
    from .gpu import GPUUnavailableError, gpu_status

    ok, why = gpu_status()
    if not ok:
        raise GPUUnavailableError(f"method='gpu' cannot run here: {why}")


def _direct_bits(bits1: int, bits2: int) -> int:
    return bounds.direct_limb_bits(bits1, bits2, max_bits=30)


def _direct_k(d1: int, d2: int) -> int:
    for k in range(9, 0, -1):
        n = min(-(-d1 // k), -(-d2 // k))
        if n * (10 ** k - 1) ** 2 < 2 ** 63:
            return k
    return 1


def _exact_tail_int(bits1: int, bits2: int) -> list[Step]:
    tail = []
    n1, n2 = -(-bits1 // 24), -(-bits2 // 24)
    if n1 + n2 - 1 <= 1 << bounds.NTT_MAX_LOG2:
        tail.append(Step("ntt", 24))
    tail.append(Step("int"))
    return tail


def plan_int(bits1: int, bits2: int, method: str = "auto") -> Plan:
    """Plan for a product of non-negative ints of ``bits1`` and ``bits2`` bits.

    >>> plan_int(100, 100).method
    'int'
    >>> str(plan_int(10**6, 10**6, "fft")).split(':')[0]
    'fft(14) -> fft(12) -> ntt(24) -> int'
    """
    small = min(bits1, bits2)
    if method == "gpu" or (method == "auto" and small >= tuning.GPU_MIN_BITS and _gpu_on()):
        cpu = plan_int(bits1, bits2, "fft")
        b = cpu.steps[0].limb if cpu.steps[0].engine == "fft" else 0
        _require_gpu()
        return Plan("int", ((Step("gpu", b),) if b else ()) + cpu.steps, f"GPU float64 cuFFT with {b}-bit balanced limbs, CPU engines as fallback")
    if method == "auto":
        if small < tuning.INT_FFT_MIN_BITS:
            return Plan("int", (Step("int"),), f"smaller operand {small} bits is below the "
                        f"FFT crossover ({tuning.INT_FFT_MIN_BITS} bits): CPython's own multiply")
        method = "fft"
    if method == "direct":
        b = _direct_bits(bits1, bits2)
        return Plan("int", (Step("direct", b), Step("int")),
                    f"schoolbook int64 convolution, {b}-bit limbs cannot overflow")
    if method == "ntt":
        tail = _exact_tail_int(bits1, bits2)
        return Plan("int", tuple(tail), "three-prime NTT, exact by construction")
    b = bounds.fft_limb_bits(bits1, bits2)
    steps: list[Step] = []
    if b:
        steps.append(Step("fft", b))
        if b > 6:
            steps.append(Step("fft", b - 2))
    steps += _exact_tail_int(bits1, bits2)
    return Plan("int", tuple(steps), f"float64 FFT with {b}-bit balanced limbs (largest width the "
                f"error bound proves exact)" if b else "no float FFT width is provably exact")


def plan_str(digits1: int, digits2: int, method: str = "auto") -> Plan:
    """Plan for a product of decimal strings of ``digits1`` and ``digits2`` digits.

    >>> plan_str(10, 10).method
    'direct'
    >>> str(plan_str(10**6, 10**6, "auto")).split(':')[0]
    'fft(4) -> fft(3) -> ntt(7) -> decimal'
    """
    small = min(digits1, digits2)
    if method == "gpu" or (method == "auto" and small >= tuning.GPU_STR_MIN_DIGITS and _gpu_on()):
        cpu = plan_str(digits1, digits2, "fft")
        k = cpu.steps[0].limb if cpu.steps[0].engine == "fft" else 0
        _require_gpu()
        return Plan("str", ((Step("gpu", k),) if k else ()) + cpu.steps, f"GPU float64 cuFFT in base 10**{k}, CPU engines as fallback")
    if method == "auto":
        kd = _direct_k(digits1, digits2)
        method = "direct" if -(-small // kd) <= tuning.STR_DIRECT_MAX_LIMBS else "fft"
    tail = []
    n1, n2 = -(-digits1 // 7), -(-digits2 // 7)
    if n1 + n2 - 1 <= 1 << bounds.NTT_MAX_LOG2:
        tail.append(Step("ntt", 7))
    tail.append(Step("decimal"))
    if method == "direct":
        k = _direct_k(digits1, digits2)
        return Plan("str", (Step("direct", k), Step("decimal")),
                    f"schoolbook convolution in base 10**{k}, int64 cannot overflow")
    if method == "ntt":
        return Plan("str", tuple(tail), "three-prime NTT in base 10**7, exact by construction")
    k = bounds.fft_decimal_k(digits1, digits2)
    steps: list[Step] = []
    if k:
        steps.append(Step("fft", k))
        if k > 1:
            steps.append(Step("fft", k - 1))
    return Plan("str", tuple(steps + tail),
                f"float64 FFT in base 10**{k} with balanced limbs (largest base the error bound proves exact)")


def choose_method(a: Any, b: Any = None, *, method: str = "auto") -> Plan:
    """What ``multiply(a, b, method=method)`` would run (``b=None``: ``square(a)``).

    >>> choose_method(3, 4).method
    'int'
    >>> choose_method(1 << 1_000_000, 1 << 1_000_000).method
    'fft'
    >>> choose_method("12", "34").method
    'direct'
    """
    check_method(method)
    b = a if b is None else b
    if isinstance(a, str) and isinstance(b, str):
        from .digits import parse_decimal

        def ndig(s: str) -> int:
            d = parse_decimal(s)[1]
            return max(1, len(d) - int((d != 0).argmax()) if d.any() else 1)

        return plan_str(ndig(a), ndig(b), method)
    from .api import _as_int

    ia, ib = _as_int(a, "a"), _as_int(b, "b")
    return plan_int(max(abs(ia).bit_length(), 1), max(abs(ib).bit_length(), 1), method)
