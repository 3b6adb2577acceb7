"""Working-memory estimates and the limit they are checked against.

What this is for: refusing, with a clear ``MemoryError``, a product whose
transforms would not fit, before anything large is allocated.
What it is not for: measuring memory (benchmarks do that).

The limit is the machine's available memory (``MemAvailable`` on Linux, read
for products of :func:`unchecked_bytes` or more),
unless set by ``BIGMUL_MEMORY_LIMIT`` (bytes, or with a K/M/G/T suffix, optionally followed by B or iB: ``2G``, ``500MB``, ``1.5GiB``) or by
:func:`set_memory_limit`.
"""
from __future__ import annotations

import os

from . import envvars, tuning
from .envvars import parse_size

__all__ = ["available_memory", "memory_limit", "set_memory_limit", "check_memory", "limit_set", "parse_size"]

_limit: int | None = None




def available_memory() -> int:
    """Bytes of memory available to new allocations (best estimate)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def memory_limit() -> int:
    """The limit in force, in bytes."""
    if _limit is not None:
        return _limit
    env = (envvars.values or envvars.check())["BIGMUL_MEMORY_LIMIT"]
    return int(env) if env else available_memory()


def set_memory_limit(limit: int | str | None) -> None:
    """Set the working-memory limit: bytes, or a size string as for ``BIGMUL_MEMORY_LIMIT``.

    ``None`` restores the default (``BIGMUL_MEMORY_LIMIT``, else the available memory).

    >>> set_memory_limit("2G"); memory_limit()
    2147483648
    >>> set_memory_limit(None)
    """
    global _limit
    _limit = None if limit is None else parse_size(limit)


def unchecked_bytes() -> int:
    """Below this many bytes a product is not checked against the machine's available memory
    (``tuning.MEMORY_CHECK_MIN_BYTES``: reading ``/proc/meminfo`` costs about a tenth of a
    10^5-digit product); an explicit limit (``BIGMUL_MEMORY_LIMIT``, :func:`set_memory_limit`)
    is always applied."""
    return tuning.current.MEMORY_CHECK_MIN_BYTES


def limit_set() -> bool:
    """Whether an explicit limit is in force (:func:`set_memory_limit` or ``BIGMUL_MEMORY_LIMIT``):
    then every product is checked, whatever its size."""
    return _limit is not None or (envvars.values or envvars.check())["BIGMUL_MEMORY_LIMIT"] is not None


def check_memory(needed: int, what: str) -> None:
    """Raise ``MemoryError`` when ``needed`` bytes exceed the limit."""
    if needed < tuning.current.MEMORY_CHECK_MIN_BYTES and not limit_set():
        return
    limit = memory_limit()
    if needed > limit:
        raise MemoryError(
            f"bigmul: {what} needs about {needed / 2**20:,.0f} MiB of working memory, "
            f"but only {limit / 2**20:,.0f} MiB is available "
            "(set BIGMUL_MEMORY_LIMIT to change the limit)"
        )
