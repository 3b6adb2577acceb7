"""bigmul: exact arbitrary-precision integer multiplication by convolution.

    >>> import bigmul
    >>> bigmul.multiply(123, 456)
    56088
    >>> bigmul.convolve([1, 2, 3], [4, 5, 6]).tolist()
    [4, 13, 28, 27, 18]
    >>> bigmul.carry([4, 13, 28, 27, 18], 10).tolist()
    [5, 6, 0, 8, 8]

Importing bigmul imports numpy only -- never scipy (loaded by the first FFT
product), the tools (``bigmul.tools``: CLI, bench, tune, fuzz, faults,
selfcheck, reference), gmpy2 (an ``mpz`` operand is recognised by type) or
CuPy (loaded by the first GPU product).
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .api import choose_method, multiply, square
from .conv import convolve
from .digits import carry, from_digits, to_digits
from .divide import divmod
from .radix import from_str, to_str
from .roots import isqrt
from .engines.gpu import GPUUnavailableError
from .guards import reset_stats as reset_guard_stats
from .guards import stats as guard_stats
from .memory import set_memory_limit
from .operands import METHODS
from .plan import Plan

__all__ = [
    "multiply", "square", "convolve", "carry", "to_digits", "from_digits", "to_str", "from_str", "divmod", "isqrt",
    "choose_method", "Plan", "METHODS", "guard_stats", "reset_guard_stats",
    "set_memory_limit", "release_buffers", "selftest", "GPUUnavailableError", "__version__",
]


def release_buffers() -> None:
    """Free the kept transform buffers, the cached powers of the conversions and divisions, and the
    recent reciprocals divisions start from.

    >>> release_buffers()
    """
    from . import cache, divide
    from .engines import workspace

    workspace.clear()
    cache.clear()
    divide.clear_seeds()


def selftest(verbose: bool = False) -> bool:
    """Run a quick check of the guards and a few adversarial products; True when all pass.

    Meant for a new machine or a new numpy/scipy: a few seconds.

    >>> selftest()
    True
    """
    from .tools.selfcheck import run  # the one door from the library to the tools (on call only)

    return run(verbose=verbose)


def __getattr__(name: str) -> Any:  # pragma: no cover - plain attribute error
    raise AttributeError(f"module 'bigmul' has no attribute {name!r}")
