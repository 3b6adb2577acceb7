"""Working-memory estimates and the limit they are checked against.

What this is for: refusing, with a clear ``MemoryError``, a product whose
transforms would not fit, before anything large is allocated.
What it is not for: measuring memory (benchmarks do that).

The limit is the machine's available memory (``MemAvailable`` on Linux),
unless set by ``BIGMUL_MEMORY_LIMIT`` (bytes, or with a K/M/G suffix) or by
:func:`set_memory_limit`.
"""
from __future__ import annotations

import os

__all__ = ["available_memory", "memory_limit", "set_memory_limit", "check_memory"]

_limit: int | None = None


def _parse_size(text: str) -> int:
    t = text.strip().upper()
    mult = 1
    if t and t[-1] in "KMG":
        mult = 1024 ** ("KMG".index(t[-1]) + 1)
        t = t[:-1]
    try:
        return int(float(t) * mult)
    except ValueError:
        raise ValueError(f"BIGMUL_MEMORY_LIMIT must be a size like 2G or 500M, got {text!r}") from None


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
    env = os.environ.get("BIGMUL_MEMORY_LIMIT")
    if env:
        return _parse_size(env)
    return available_memory()


def set_memory_limit(nbytes: int | None) -> None:
    """Set the working-memory limit in bytes; ``None`` restores the default."""
    global _limit
    if nbytes is not None and nbytes <= 0:
        raise ValueError("memory limit must be positive")
    _limit = nbytes


def check_memory(needed: int, what: str) -> None:
    """Raise ``MemoryError`` when ``needed`` bytes exceed the limit."""
    limit = memory_limit()
    if needed > limit:
        raise MemoryError(
            f"bigmul: {what} needs about {needed / 2**20:,.0f} MiB of working memory, "
            f"but only {limit / 2**20:,.0f} MiB is available "
            "(set BIGMUL_MEMORY_LIMIT to change the limit)"
        )
