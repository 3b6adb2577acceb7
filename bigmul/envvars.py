"""bigmul's environment variables: one table, one policy, checked once.

What this is for: every ``BIGMUL_*`` variable the library reads, what it
means, what values it takes, and its parsed value.  The policy is the same
for all of them: the environment is read and checked **once**, the first
time bigmul consults any variable (a product past CPython's own multiply, a
conversion, a transform) and at the start of every CLI command; a value that
cannot be used raises :class:`ConfigError` naming the variable and what it
accepts, whatever the operand size -- nothing is ignored or replaced
silently.  The tuning file (``BIGMUL_TUNING``, read by ``tuning.py``) is
checked in the same pass.  ``bigmul info`` shows each variable's value and
status without raising.  A change to the environment after the first check
takes effect after :func:`reload`.
What it is not for: the thresholds themselves (``tuning.py``).

>>> get("BIGMUL_NUMBA") in (True, False)
True
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["ConfigError", "Variable", "VARIABLES", "values", "get", "check", "reload", "report", "parse_size"]


class ConfigError(ValueError):
    """A ``BIGMUL_*`` variable (or the tuning file it names) holds a value bigmul cannot use."""


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str | int, what: str = "memory limit") -> int:
    """Bytes from ``2G``, ``500M``, ``1.5GiB``, ``2GB``, ``64K`` or a plain byte count (binary units).

    >>> parse_size("2G"), parse_size("500mb"), parse_size(1024)
    (2147483648, 524288000, 1024)
    >>> parse_size("bogus")
    Traceback (most recent call last):
    ...
    ValueError: memory limit must be a size like 2G, 500M or a number of bytes, got 'bogus'
    """
    if isinstance(text, bool):
        raise TypeError(f"{what} must be an int or a size string, not bool")
    if isinstance(text, int):
        n = text
    elif isinstance(text, str):
        m = _SIZE.match(text)
        if not m:
            raise ValueError(f"{what} must be a size like 2G, 500M or a number of bytes, got {text!r}")
        n = int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))
    else:
        raise TypeError(f"{what} must be an int or a size string like '2G', not {type(text).__name__}")
    if n <= 0:
        raise ValueError(f"{what} must be positive, got {text!r}")
    return n


def _positive_int(raw: str) -> int:
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError("must be a positive integer")
    return n


def _size(raw: str) -> int:
    try:
        return parse_size(raw)
    except ValueError:
        raise ValueError("must be a positive size like 2G, 500M or a number of bytes") from None


def _size_or_zero(raw: str) -> int:
    if raw == "0":
        return 0
    try:
        return parse_size(raw)
    except ValueError:
        raise ValueError("must be 0 (keep nothing) or a size like 256M, 2G or a number of bytes") from None


def _flag(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return raw == "1"


def _backend(raw: str) -> str:
    name = raw.lower()
    if name not in ("scipy", "pyfftw", "mkl"):
        raise ValueError("must be one of scipy, pyfftw, mkl")
    return name


def _text(raw: str) -> str:
    return raw


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, what it sets, the value when unset, and its parser
    (raises ``ValueError`` with what it accepts)."""

    name: str
    meaning: str
    unset: Any
    parse: Callable[[str], Any]


#: Every variable the library reads (the CLI's own, and the test suite's, are not here).
VARIABLES: dict[str, Variable] = {v.name: v for v in (
    Variable("BIGMUL_THREADS", "threads for the batched transforms (default: the cores this process may use)",
             None, _positive_int),
    Variable("BIGMUL_MEMORY_LIMIT", "largest working memory a product may plan for (default: the free memory)",
             None, _size),
    Variable("BIGMUL_FFT_BACKEND", "one FFT library for every 1-D transform: scipy, pyfftw or mkl "
             "(default: the measured ranges)", None, _backend),
    Variable("BIGMUL_KEEP_BYTES", "transform buffers kept between products (default 256M; 0 keeps none)",
             256 << 20, _size_or_zero),
    Variable("BIGMUL_CACHE_BYTES", "powers, their transforms and reciprocals kept between conversions and divisions "
             "(default 256M; 0 keeps none)", 256 << 20, _size_or_zero),
    Variable("BIGMUL_GPU", "1: auto may use the GPU engine (default 0)", False, _flag),
    Variable("BIGMUL_NUMBA", "0: never load the numba kernels (default 1)", True, _flag),
    Variable("BIGMUL_PYLONG", "0: never read ints' digits in place (default 1)", True, _flag),
    Variable("BIGMUL_TUNING", "the tuning file (default ~/.config/bigmul/tuning.json, if present)", None, _text),
)}

#: The parsed values once checked (None before the first check, and after :func:`reload`).  Hot
#: paths read ``(envvars.values or envvars.check())[name]``: a dict lookup, no call, once checked.
values: dict[str, Any] | None = None


def _read() -> tuple[dict[str, Any], list[str]]:
    """Every variable's value, and a line per problem (variables and the tuning file)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, var in VARIABLES.items():
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            values[name] = var.unset
            continue
        try:
            values[name] = var.parse(raw.strip())
        except ValueError as exc:
            problems.append(f"{name}={raw!r} {exc}")
    from . import tuning

    problems += [f"BIGMUL_TUNING file {p}" for p in tuning.load_problems()]
    return values, problems


def check() -> dict[str, Any]:
    """The parsed values, read and checked on the first call; ``ConfigError`` listing every problem."""
    global values
    if values is None:
        read, problems = _read()
        if problems:
            raise ConfigError("bigmul: " + "; ".join(problems))
        values = read
    return values


def get(name: str) -> Any:
    """The parsed value of variable ``name`` (its ``unset`` value when not set); the first call checks
    them all (:func:`check`)."""
    return (values or check())[name]


def reload() -> None:
    """Forget the values read, so the next use reads and checks the environment again (the tuning
    file is checked again; its thresholds stay those read at import)."""
    global values
    values = None


def report() -> list[tuple[str, str, str]]:
    """``(name, value shown, status)`` for each variable, and any unknown ``BIGMUL_*`` variable set,
    without raising (``bigmul info``).  Status: ``unset``, ``ok`` or what is wrong."""
    rows = []
    for name, var in VARIABLES.items():
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            rows.append((name, "-", "unset"))
            continue
        try:
            var.parse(raw.strip())
            status = "ok"
        except ValueError as exc:
            status = f"INVALID: {exc}"
        rows.append((name, raw, status))
    known = set(VARIABLES) | {"BIGMUL_MACHINE_NAME", "BIGMUL_HYPOTHESIS_PROFILE"}
    for name in sorted(os.environ):
        if name.startswith("BIGMUL_") and name not in known:
            rows.append((name, os.environ[name], "unknown: bigmul does not read it"))
    return rows
