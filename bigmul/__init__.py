"""bigmul: exact arbitrary-precision integer multiplication by convolution.

    >>> import bigmul
    >>> bigmul.multiply(123, 456)
    56088
    >>> bigmul.convolve([1, 2, 3], [4, 5, 6]).tolist()
    [4, 13, 28, 27, 18]
    >>> bigmul.carry([4, 13, 28, 27, 18], 10).tolist()
    [5, 6, 0, 8, 8]

Importing bigmul imports numpy only; scipy loads on the first FFT product,
gmpy2 is never imported by bigmul (an ``mpz`` operand is recognised by type).
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .api import multiply, square
from .carry import carry
from .choose import METHODS, Plan, choose_method
from .conv import convolve
from .digits import from_digits, to_digits
from .gpu import GPUUnavailableError
from .memory import set_memory_limit
from .guards import reset_stats as reset_guard_stats
from .guards import stats as guard_stats

__all__ = [
    "multiply", "square", "convolve", "carry", "to_digits", "from_digits",
    "choose_method", "Plan", "METHODS", "guard_stats", "reset_guard_stats",
    "set_memory_limit", "selftest", "GPUUnavailableError", "__version__",
]


def selftest(verbose: bool = False) -> bool:
    """Run a quick check of the guards and a few adversarial products; True when all pass.

    Meant for a new machine or a new numpy/scipy: a few seconds.

    >>> selftest()
    True
    """
    from .selfcheck import run

    return run(verbose=verbose)


def __getattr__(name: str) -> Any:  # pragma: no cover - plain attribute error
    raise AttributeError(f"module 'bigmul' has no attribute {name!r}")
