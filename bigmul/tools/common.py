"""What the tools share: the user-error exception, versions, size arguments, a progress bar.

What this is for: ``cli``, ``bench``, ``tune`` and ``fuzz`` import these
from here instead of from each other.
What it is not for: anything the library itself needs.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import statistics
import sys
import time
from typing import Any, Sequence

__all__ = ["CLIError", "versions", "count_arg", "positive_arg", "progress"]


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


def versions() -> dict[str, str]:
    """Versions of bigmul, Python and every library bigmul uses or compares with."""
    import platform

    import numpy
    import scipy

    from .. import __version__

    out = {"bigmul": __version__, "python": platform.python_version(),
           "numpy": numpy.__version__, "scipy": scipy.__version__}
    for mod in ("gmpy2", "flint", "cupy", "matplotlib", "tqdm", "dask", "distributed"):
        try:
            m = __import__(mod)
            out[mod] = getattr(m, "__version__", "installed")
        except Exception as exc:  # noqa: BLE001 - report, never fail
            out[mod] = f"not available ({type(exc).__name__})"
    return out


def count_arg(text: str) -> int:
    """argparse type for sizes and counts: ``1000``, ``1_000``, ``1e6`` (must be a whole number).

    >>> count_arg("1e6"), count_arg("2_500")
    (1000000, 2500)
    """
    t = text.strip().lower().replace("_", "")
    try:
        if "e" in t:
            v = float(t)
            if not v.is_integer():
                raise ValueError
            return int(v)
        return int(t)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (e.g. 1000 or 1e6)") from None


def positive_arg(text: str) -> int:
    """argparse type for counts that must be at least 1 (``--repeats``).

    >>> positive_arg("3")
    3
    """
    v = count_arg(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}")
    return v


class _PlainBar:
    """Progress on stderr without tqdm or without a terminal: one rewritten line on a terminal,
    plain lines (no carriage returns) at most every 10 s into a redirected log."""

    def __init__(self, total: int, enabled: bool, desc: str, unit: str = ""):
        self.total, self.n, self.enabled, self.desc, self.unit = total, 0, enabled, desc, unit
        self.tty = sys.stderr.isatty()
        self.last = time.monotonic() if not self.tty else 0.0
        self.shown = -1

    def update(self, k: int) -> None:
        self.n += k
        now = time.monotonic()
        if not self.enabled:
            return
        if self.tty and (now - self.last > 1 or self.n == self.total):
            self.last = now
            print(f"\r{self.desc}: {self.count()}", end="", file=sys.stderr, flush=True)
        elif not self.tty and now - self.last > 10:
            self.last = now
            self.shown = self.n
            print(f"{self.desc}: {self.count()}", file=sys.stderr, flush=True)

    def count(self) -> str:
        """``3/90``, or ``24 cases`` when there is no total (a run bounded by time)."""
        if self.total:
            return f"{self.n}/{self.total}"
        return f"{self.n} {self.unit}s" if self.unit else str(self.n)

    def close(self) -> None:
        if not self.enabled:
            return
        if self.tty:
            print(file=sys.stderr)
        elif self.shown != self.n:
            print(f"{self.desc}: {self.count()} done", file=sys.stderr, flush=True)


def progress(total: int | None, enabled: bool, desc: str, unit: str, leave: bool = True) -> Any:
    """A tqdm bar on stderr when it is a terminal; plain progress lines without tqdm or into a
    redirected log (no carriage returns there); nothing when not ``enabled``."""
    if enabled and sys.stderr.isatty():
        try:
            from tqdm import tqdm

            return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=leave)
        except ImportError:
            pass
    return _PlainBar(total or 0, enabled, desc, unit)


def median(xs: Sequence[float]) -> float:
    """Median of a non-empty sequence.

    >>> median([3.0, 1.0, 2.0]), median([4.0, 1.0, 2.0, 3.0])
    (2.0, 2.5)
    """
    return float(statistics.median(xs))


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """Machine, CPU, Python and library versions, thread count, date (for results.json)."""
    return {
        "machine": os.environ.get("BIGMUL_MACHINE_NAME", platform.node()),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "threads": int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def format_seconds(t: float | None, micro: str = "us", sep: str = "", none: str = "-") -> str:
    """A duration in the unit that suits it.

    >>> format_seconds(3.2e-7), format_seconds(0.0123), format_seconds(2.5e-6, "µs", " ")
    ('320ns', '12.30ms', '2.5 µs')
    """
    if t is None:
        return none
    if t < 1e-6:
        return f"{t * 1e9:.0f}{sep}ns"
    if t < 1e-3:
        return f"{t * 1e6:.1f}{sep}{micro}"
    if t < 1:
        return f"{t * 1e3:.2f}{sep}ms"
    return f"{t:.3f}{sep}s"
