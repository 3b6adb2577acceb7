"""Schoolbook engine: ``numpy.convolve`` on int64 limbs, used only where it provably cannot overflow.

What this is for: small products (``auto`` below the FFT crossover for
decimal text) and ``method="direct"``.
What it is not for: anything large -- it is quadratic.

Exactness: every coefficient is at most ``min(n1, n2) * (base - 1)**2``;
``bounds.direct_fits`` demands that this stays below ``2**63`` (numpy's
int64 convolution wraps silently above it), and this engine refuses to run
otherwise.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import bounds
from . import with_headroom

__all__ = ["coefficients"]


def coefficients(x: np.ndarray, y: np.ndarray | None, base: int,
                 side_job: Callable[[], object] | None = None) -> np.ndarray:
    """Coefficients of ``X * Y`` (``y=None``: ``X * X``) with two zero positions on top.

    >>> coefficients(np.array([3, 2, 1]), np.array([6, 5, 4]), 10).tolist()
    [18, 27, 28, 13, 4, 0, 0]
    """
    if side_job is not None:
        side_job()
    y = x if y is None else y
    if not bounds.direct_fits(len(x), len(y), base):
        raise ValueError("direct convolution would overflow int64 at this base")
    return with_headroom(np.convolve(x, y))
