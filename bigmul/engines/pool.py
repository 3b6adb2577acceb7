"""The helper thread pool the engines share: a second operand's transform, a guard's side work.

What this is for: one small pool (created on first use, fork-safe) that the
1-D and four-step transforms and the modular check's residues run on beside
the calling thread.
What it is not for: the batched transforms' own threads (``workers=`` of scipy.fft).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["executor"]

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # A forked child inherits the pool object but not its worker thread:
    # forget both so the child starts its own (otherwise submit() never runs).
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def executor() -> ThreadPoolExecutor:
    """The shared helper thread pool (created on first use, fork-safe)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            # Two helpers: one forward transform and one guard residue job can
            # run beside the caller's own transform.
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bigmul")
        return _pool
