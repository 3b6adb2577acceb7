"""The ``bigmul`` command line: mul, div, isqrt, convert, pi, explain, info, demo, selftest (and bench, tune, fuzz).

What this is for: using bigmul from a shell -- multiplying decimal numbers
from arguments, files or stdin, showing the convolution walkthrough, and
reporting what is installed.
What it is not for: a calculator language; operands are plain decimal
integers.

Errors: one line on stderr and exit status 2 for bad input (malformed
number, missing file, unknown command or option, a bad environment
variable, an engine that cannot run here); never a traceback.  One handler
in :func:`main` does this for every command: bigmul's own errors and the
``ValueError``/``TypeError``/``OSError``/``MemoryError`` that user input
raises.  Anything else is a bug: one line and exit status 1, and
``--debug`` shows its traceback (``--debug`` also shows tracebacks for the
user errors).
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any, Sequence

from .common import CLIError, count_arg, versions

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one clear line, no usage dump
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _read_operand(spec: str, stdin_used: list[bool]) -> str:
    if spec == "-":
        if stdin_used[0]:
            raise CLIError("only one operand may be '-' (stdin)")
        stdin_used[0] = True
        return sys.stdin.read()
    if spec.startswith("@"):
        path = spec[1:]
        try:
            with open(path, encoding="ascii", errors="strict") as f:
                return f.read()
        except FileNotFoundError:
            raise CLIError(f"cannot read {path!r}: no such file") from None
        except IsADirectoryError:
            raise CLIError(f"cannot read {path!r}: it is a directory") from None
        except PermissionError:
            raise CLIError(f"cannot read {path!r}: permission denied") from None
        except UnicodeDecodeError as exc:
            raise CLIError(f"{path!r} is not ASCII decimal text (byte {exc.object[exc.start]:#04x} "
                           f"at offset {exc.start})") from None
        except OSError as exc:
            raise CLIError(f"cannot read {path!r}: {exc.strerror}") from None
    return spec


def _out_path(text: str) -> str:
    """argparse type for ``-o FILE`` and output files: a non-empty name."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name (got an empty one)")
    return text


def _operand_name(spec: str, which: str) -> str:
    """How error messages name an operand: the file for @FILE, 'stdin' for -, else A/B."""
    if spec.startswith("@"):
        return f"file {spec[1:]!r}"
    return "stdin" if spec == "-" else f"operand {which}"


def _check_writable_file(path: str) -> None:
    """Refuse an output file that cannot be written, before any long computation."""
    import os

    d = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CLIError(f"cannot write {path!r}: it is a directory")
    if not os.path.isdir(d):
        raise CLIError(f"cannot write {path!r}: no such directory {d!r}")
    if not os.access(d, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise CLIError(f"cannot write {path!r}: permission denied")


class _Elapsed(logging.Formatter):
    """``[   0.123 s] message``: seconds since the command started."""

    def __init__(self) -> None:
        super().__init__()
        self.t0 = time.perf_counter()

    def format(self, record: logging.LogRecord) -> str:
        return f"[{time.perf_counter() - self.t0:8.3f} s] {record.getMessage()}"


def _verbose_logger(verbose: bool) -> logging.Logger:
    """The library's ``bigmul`` logger, showing DEBUG stage timings on stderr when ``verbose``."""
    logger = logging.getLogger("bigmul")
    if verbose and not any(getattr(h, "_bigmul_cli", False) for h in logger.handlers):
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(_Elapsed())
        h._bigmul_cli = True  # type: ignore[attr-defined]
        logger.addHandler(h)
        logger.setLevel(logging.DEBUG)
    return logger


def cmd_mul(args: argparse.Namespace) -> int:
    from ..text import multiply_str

    if args.method == "dask":
        return _mul_dask(args)
    if args.scheduler or args.workers or args.memory_limit or args.format != "decimal":
        raise CLIError("--scheduler, --workers, --memory-limit and --format go with --method dask")
    log = _verbose_logger(args.verbose).debug
    used = [False]
    a = _read_operand(args.a, used)
    b = _read_operand(args.b, used)
    log(f"read operands ({len(a):,} and {len(b):,} characters)")
    names = (_operand_name(args.a, "A"), _operand_name(args.b, "B"))
    if args.output:
        _check_writable_file(args.output)
    if args.a == args.b and not args.a == "-":
        out = multiply_str(a, None, args.method, names=names)
    else:
        out = multiply_str(a, b, args.method, names=names)
    _write_out(args, [out], log)
    return 0


def _write_out(args: argparse.Namespace, lines: list[str], log: Any) -> None:
    """The result lines to ``-o FILE`` (checked writable before the computation) or stdout."""
    if args.output:
        try:
            with open(args.output, "w", encoding="ascii") as f:
                for line in lines:
                    f.write(line)
                    f.write("\n")
        except OSError as exc:
            raise CLIError(f"cannot write {args.output!r}: {exc.strerror}") from None
        log(f"wrote {sum(map(len, lines)):,} digits to {args.output}")
    else:
        for line in lines:
            sys.stdout.write(line + "\n")


def _read_int(spec: str, which: str, used: list[bool]) -> int:
    """A decimal operand (literal, @FILE or -) as an int, by ``bigmul.from_str``; errors name the operand."""
    from ..radix import split_text, text_to_int_checked

    text = _read_operand(spec, used)
    neg, digits = split_text(text, _operand_name(spec, which))
    digits = digits.lstrip("0")
    n = text_to_int_checked(digits) if digits else 0
    return -n if neg else n


def cmd_div(args: argparse.Namespace) -> int:
    from ..divide import divmod_int
    from ..radix import to_str

    log = _verbose_logger(args.verbose).debug
    used = [False]
    if args.output:
        _check_writable_file(args.output)
    a = _read_int(args.a, "A", used)
    b = _read_int(args.b, "B", used)
    log(f"read operands ({a.bit_length():,} and {b.bit_length():,} bits)")
    if b == 0:
        raise CLIError("division by zero (B is 0)")
    q, r = divmod_int(a, b)
    log("divided")
    _write_out(args, [to_str(q), to_str(r)], log)
    return 0


def cmd_isqrt(args: argparse.Namespace) -> int:
    from ..radix import to_str
    from ..roots import isqrt_int

    log = _verbose_logger(args.verbose).debug
    if args.output:
        _check_writable_file(args.output)
    n = _read_int(args.a, "A", [False])
    if n < 0:
        raise CLIError("isqrt of a negative number (A < 0)")
    r = isqrt_int(n)
    log("root computed")
    _write_out(args, [to_str(r)], log)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    """decimal text <-> raw bytes (unsigned, little-endian: the Dask engine's ``raw`` format)."""
    import os

    from ..radix import to_str

    log = _verbose_logger(args.verbose).debug
    if os.path.abspath(args.input) == os.path.abspath(args.output):
        raise CLIError("input and output must be different files")
    _check_writable_file(args.output)
    if args.to == "decimal":
        try:
            with open(args.input, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise CLIError(f"cannot read {args.input!r}: no such file") from None
        except IsADirectoryError:
            raise CLIError(f"cannot read {args.input!r}: it is a directory") from None
        n = int.from_bytes(raw, "little")
        log(f"read {len(raw):,} bytes")
        out = to_str(n)
        with open(args.output, "w", encoding="ascii") as f:
            f.write(out + "\n")
        log(f"wrote {len(out):,} digits")
    else:
        n = _read_int("@" + args.input, "IN", [False])
        if n < 0:
            raise CLIError(f"file {args.input!r} holds a negative number: the raw format is unsigned")
        log(f"read a {n.bit_length():,}-bit number")
        with open(args.output, "wb") as f:
            f.write(n.to_bytes((n.bit_length() + 7) // 8, "little"))
        log(f"wrote {(n.bit_length() + 7) // 8:,} bytes")
    return 0


def cmd_pi(args: argparse.Namespace) -> int:
    from .app_pi import compute_pi
    from .common import progress

    if args.digits < 1 or args.digits > 10**9:
        raise CLIError("N must be between 1 and 1000000000")
    if args.output:
        _check_writable_file(args.output)
    from .app_pi import terms_for

    log = _verbose_logger(args.verbose).debug
    # One step per run of series terms, then one per stage after the series (isqrt, division, digits).
    n = terms_for(args.digits)
    bar = progress(n + 3, not args.no_progress and args.digits >= 300_000, "pi", "step")
    def stage_done(name: str) -> None:
        if name != "series":  # the series advanced the bar term by term
            bar.update(1)

    try:
        text, stages = compute_pi(args.digits, on_stage=stage_done, tick=bar.update)
    finally:
        bar.close()
    for name, t in stages.items():
        log(f"{name}: {t:.3f} s")
    _write_out(args, [text if len(text) == 1 or args.int else text[0] + "." + text[1:]], log)
    return 0


def _mul_dask(args: argparse.Namespace) -> int:
    """``mul @a @b -o out --method dask``: files in, file out, on Dask (``bigmul.distributed``)."""
    import time

    from ..distributed import multiply_files

    if not (args.a.startswith("@") and args.b.startswith("@") and args.output):
        raise CLIError("--method dask multiplies files: give @A_FILE @B_FILE -o OUT_FILE")
    if args.scheduler and (args.workers or args.memory_limit):
        raise CLIError("--scheduler connects to running workers; --workers/--memory-limit start local ones")
    if args.workers is not None and args.workers < 1:
        raise CLIError("--workers must be at least 1")
    _check_writable_file(args.output)
    try:
        import distributed  # noqa: F401 - the extra must be there for any Dask run
    except ImportError:
        raise CLIError("--method dask needs the 'distributed' extra: pip install 'bigmul[distributed]'") from None
    client = cluster = None
    t0 = time.perf_counter()
    try:
        if args.scheduler:
            from distributed import Client

            try:
                client = Client(args.scheduler, timeout="5s")
            except (OSError, TimeoutError) as exc:
                raise CLIError(f"cannot reach the Dask scheduler at {args.scheduler}: {exc}") from None
        elif args.workers or args.memory_limit:
            from distributed import Client, LocalCluster

            from ..memory import parse_size

            limit = parse_size(args.memory_limit) if args.memory_limit else "auto"
            cluster = LocalCluster(n_workers=args.workers or 2, threads_per_worker=1, memory_limit=limit,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            rep = multiply_files(args.a[1:], args.b[1:], args.output, format=args.format, client=client,
                                 progress=not args.no_progress)
        except Exception as exc:
            if type(exc).__name__ == "KilledWorker":  # distributed's: workers died (usually out of memory)
                raise CLIError("Dask workers died running the product (usually out of memory): give them "
                               "more --memory-limit, or more workers") from None
            raise
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if args.format == "decimal":  # a text file ends with a newline, as the in-memory path writes it
        with open(args.output, "a") as f:
            f.write("\n")
    if args.verbose:
        print(f"dask product: {rep} in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0


EXPLAIN_MAX_DIGITS = 60


def cmd_explain(args: argparse.Namespace) -> int:
    from ..conv import convolve
    from ..digits import carry, to_digits
    from ..operands import check_base
    from ..text import parse_decimal

    try:
        base = check_base(args.base)
    except (TypeError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    vals = []
    for name, s in (("A", args.a), ("B", args.b)):
        try:
            sign, d = parse_decimal(s, name)
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        nz = d.nonzero()[0]
        d = d[nz[0]:] if len(nz) else d[-1:]
        if len(d) > EXPLAIN_MAX_DIGITS:
            raise CLIError(f"explain shows small examples only: {name} has {len(d)} digits "
                           f"(at most {EXPLAIN_MAX_DIGITS}); use 'bigmul mul' for big numbers")
        vals.append(sign * int((d + 48).tobytes().decode()))
    a, b = vals
    da, db = to_digits(abs(a), base), to_digits(abs(b), base)
    coeffs = convolve(da, db)
    lst = lambda v: "[" + ", ".join(str(int(e)) for e in v) + "]"  # noqa: E731
    print(f"digits of {abs(a)} in base {base}: {lst(da)}")
    print(f"digits of {abs(b)} in base {base}: {lst(db)}")
    print(f"convolution: {lst(da)} * {lst(db)} = {lst(coeffs)}")
    print("carry, least significant first:")
    c = 0
    w = max(len(str(int(e))) for e in coeffs)
    for e in [int(e) for e in coeffs][::-1]:
        t = e + c
        c, dgt = divmod(t, base)
        print(f"  {e:>{w}} + carry {c * base + dgt - e:<{w}} = {t:>{w}} -> digit {dgt}, carry {c}")
    while c:
        c, dgt = divmod(c, base)
        print(f"  {'':>{w}}   carry left over -> digit {dgt}, carry {c}")
    product_digits = carry(coeffs, base)
    psign = "-" if (a < 0) != (b < 0) and a and b else ""
    print(f"digits of the product: {lst(product_digits)}")
    print(f"product: {a} * {b} = {psign}{abs(a * b)}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import dataclasses
    import os

    from .. import bounds, guards, memory, tuning
    from ..operands import METHODS

    from .. import envvars

    print("bigmul: exact integer multiplication by convolution")
    for k, v in versions().items():
        print(f"  {k:<11} {v}")
    print("environment (read and checked once, at first use):")
    rows = envvars.report()
    for name, value, status in rows:
        print(f"  {name:<20} {value:<12} {status}")
    print(f"  tuning file: {tuning.config_read()}")
    problems = tuning.load_problems()
    for p in problems:
        print(f"    INVALID: {p}")
    bad = [name for name, _, status in rows if status.startswith("INVALID")] + (["BIGMUL_TUNING"] if problems else [])
    if bad:
        print(f"bigmul info: error: products refuse to run until {', '.join(bad)} "
              f"{'is' if len(bad) == 1 else 'are'} fixed (marked INVALID above)", file=sys.stderr)
        return 2
    print(f"methods: {', '.join(METHODS)} (auto: CPython a*b below the crossover)")
    from ..engines import fourstep

    print(f"cpu cores: {os.cpu_count()}; transform threads: {fourstep.workers()} (BIGMUL_THREADS)")
    print(f"float FFT: 1-D below {tuning.current.FOURSTEP_MIN_LEN:,} points, four-step batched scipy "
          f"transforms from there" + ("" if fourstep.available() else " (unavailable: no extended precision)"))
    from ..engines import backends

    print("FFT backends (1-D transforms; pyFFTW wraps FFTW, which is GPL-licensed):")
    for line in backends.describe():
        print(line)
    print("thresholds (bigmul/tuning.py):")
    for f in dataclasses.fields(tuning.current):
        src = " (from the user config)" if f.name in tuning.USER_OVERRIDES else ""
        print(f"  {f.name} = {getattr(tuning.current, f.name)}{src}")
    print("exactness (bigmul/bounds.py):")
    print(f"  float FFT: Percival bound with balanced limbs must be <= {bounds.ROUNDOFF_LIMIT}")
    for d in (10**4, 10**5, 10**6, 10**7, 10**8):
        bits = int(d * 3.3219280948873626) + 1
        print(f"    {d:>11,} digits: {bounds.fft_limb_bits(bits, bits):2d}-bit limbs, "
              f"base 10**{bounds.fft_decimal_k(d, d)} for decimal text")
    print(f"  NTT: primes {', '.join(str(p) for p, _, _ in bounds.NTT_PRIMES)}, "
          f"lengths up to 2**{bounds.NTT_MAX_LOG2}")
    print(f"  modular check prime this run: {guards.PRIME} (62-bit, random)")
    print(f"memory limit: {_size_text(memory.memory_limit())}")
    from .. import cache

    print(f"cached powers and reciprocals (conversions, divisions): {_size_text(cache.held_bytes())} held, "
          f"budget {_size_text(cache.budget())} (BIGMUL_CACHE_BYTES)")
    from ..engines.gpu import gpu_info

    print("GPU engine:")
    for k, v in gpu_info().items():
        print(f"  {k:<16} {v}")
    return 0


def _size_text(n: int) -> str:
    """Bytes for people: 10.0 MiB, 2.0 GiB (never 0.0 GiB for a small limit).

    >>> _size_text(10 * 2**20), _size_text(3 * 2**30), _size_text(512)
    ('10.0 MiB', '3.0 GiB', '512 bytes')
    """
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def cmd_demo(args: argparse.Namespace) -> int:
    import random
    import statistics

    from ..api import multiply
    from ..api import choose_method

    if args.digits < 10 or args.digits > 10**8:
        raise CLIError("--digits must be between 10 and 100000000")
    rng = random.Random(args.seed)
    bits = int(args.digits * 3.3219280948873626)
    a = rng.getrandbits(bits) | (1 << (bits - 1))
    b = rng.getrandbits(bits) | (1 << (bits - 1))
    print(f"multiplying two random {args.digits:,}-digit integers (seed {args.seed})")
    from ..engines import fused

    kernels_before = fused.loaded()
    t = time.perf_counter()
    c = multiply(a, b)
    first = time.perf_counter() - t
    route = "numpy passes" if not fused.loaded() else "fused kernels"
    t = time.perf_counter()
    fused.wait()  # kernels a large first product started loading in the background
    background = time.perf_counter() - t
    loaded_now = fused.loaded() and not kernels_before
    warm = []
    for _ in range(3 if args.digits <= 10**7 else 1):
        t = time.perf_counter()
        multiply(a, b)
        warm.append(time.perf_counter() - t)
    tb = statistics.median(warm)
    print(f"  bigmul.multiply : {tb:.4f} s  (median of {len(warm)} warm calls; method chosen: "
          f"{choose_method(a, b).method})")
    if loaded_now:
        print(f"  first call      : {first:.4f} s  (on the {route}, with the scipy import and transform "
              f"plans: {max(first - tb, 0):.3f} s more than warm; numba's kernels loaded in the background "
              f"meanwhile -- compiled on the first run after an install, from numba's disk cache later -- "
              f"and were ready {background:.3f} s after it)")
    else:
        print(f"  first call      : {first:.4f} s  (includes the one-time start-up, scipy import and "
              f"transform plans: {max(first - tb, 0):.3f} s)")
    if args.digits <= 3 * 10**6:
        t = time.perf_counter()
        ref = a * b
        ti = time.perf_counter() - t
        print(f"  CPython a * b   : {ti:.4f} s")
        print(f"  speed-up over int: {ti / tb:.1f}x (warm); products equal: {c == ref}")
        if c != ref:
            return 1
    else:
        print("  (CPython a * b skipped above 3,000,000 digits: it would take minutes)")
    return 0


def cmd_selftest(args: argparse.Namespace) -> int:
    from .selfcheck import run

    return 0 if run(verbose=True) else 1


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from ..operands import METHODS

    p = _Parser(prog="bigmul", description="Exact big-integer multiplication by convolution.")
    p.add_argument("--version", action="version", version=f"bigmul {__version__}")
    p.add_argument("--debug", action="store_true",
                   help="show Python tracebacks instead of one-line errors (for bug reports)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    m = sub.add_parser("mul", help="multiply two decimal integers",
                       description="Multiply two decimal integers exactly and print the product. "
                                   "An operand is a literal (sign allowed), @FILE, or - for stdin.")
    m.add_argument("a", metavar="A")
    m.add_argument("b", metavar="B")
    m.add_argument("--method", choices=METHODS + ("dask",), default="auto",
                   help="dask: operands larger than memory, files in and out (bigmul.distributed)")
    m.add_argument("-o", "--output", metavar="FILE", type=_out_path, help="write the product to FILE")
    m.add_argument("-v", "--verbose", action="store_true", help="stage timings on stderr")
    dk = m.add_argument_group("with --method dask")
    dk.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler (tcp://host:8786)")
    dk.add_argument("--workers", type=int, help="start a local cluster of N one-thread worker processes")
    dk.add_argument("--memory-limit", metavar="SIZE", help="memory per local worker (2G, 500MB, ...); "
                    "workers spill to disk past it")
    dk.add_argument("--format", choices=("decimal", "raw"), default="decimal",
                    help="operand and product files: decimal text or raw little-endian bytes")
    dk.add_argument("--no-progress", action="store_true", help="no progress bar")
    m.set_defaults(func=cmd_mul)

    dv = sub.add_parser("div", help="divide two decimal integers: quotient and remainder",
                        description="Print A // B and A % B (Python's floor semantics), one per line. "
                                    "An operand is a literal (sign allowed), @FILE, or - for stdin.")
    dv.add_argument("a", metavar="A")
    dv.add_argument("b", metavar="B")
    dv.add_argument("-o", "--output", metavar="FILE", type=_out_path, help="write quotient and remainder to FILE")
    dv.add_argument("-v", "--verbose", action="store_true", help="stage timings on stderr")
    dv.set_defaults(func=cmd_div)

    sq = sub.add_parser("isqrt", help="integer square root of a decimal integer",
                        description="Print the largest r with r*r <= A.  A is a literal, @FILE, or - for stdin.")
    sq.add_argument("a", metavar="A")
    sq.add_argument("-o", "--output", metavar="FILE", type=_out_path, help="write the root to FILE")
    sq.add_argument("-v", "--verbose", action="store_true", help="stage timings on stderr")
    sq.set_defaults(func=cmd_isqrt)

    cv = sub.add_parser("convert", help="convert between decimal text and raw binary files",
                        description="Convert a file of decimal text to raw bytes (unsigned, little-endian: "
                                    "the Dask engine's raw format) or back.")
    cv.add_argument("input", metavar="IN")
    cv.add_argument("output", metavar="OUT", type=_out_path)
    cv.add_argument("--to", choices=("raw", "decimal"), required=True, help="the format to write")
    cv.add_argument("-v", "--verbose", action="store_true", help="stage timings on stderr")
    cv.set_defaults(func=cmd_convert)

    pp = sub.add_parser("pi", help="compute N digits of pi with bigmul",
                        description="Compute N decimal digits of pi (Chudnovsky binary splitting, division, "
                                    "square root and the decimal digits, all with bigmul) and print them.")
    pp.add_argument("digits", metavar="N", type=count_arg)
    pp.add_argument("-o", "--output", metavar="FILE", type=_out_path, help="write the digits to FILE")
    pp.add_argument("-v", "--verbose", action="store_true", help="stage timings on stderr")
    pp.add_argument("--int", action="store_true",
                    help="write the N digits as one integer (31415...), the form mul, div and isqrt read")
    pp.add_argument("--no-progress", action="store_true", help="no progress bar")
    pp.set_defaults(func=cmd_pi)

    e = sub.add_parser("explain", help="show the convolution walkthrough for small numbers",
                       description="Show digits, convolution coefficients, each carry step and the product.")
    e.add_argument("a", metavar="A")
    e.add_argument("b", metavar="B")
    e.add_argument("--base", type=count_arg, default=10, help="digit base, any integer >= 2 (default 10)")
    e.set_defaults(func=cmd_explain)

    i = sub.add_parser("info", help="versions, methods, thresholds and limits",
                       description="Show versions, available methods and backends, thresholds and limits.")
    i.set_defaults(func=cmd_info)

    d = sub.add_parser("demo", help="multiply two big random numbers and compare with int",
                       description="Multiply two random integers with bigmul and with CPython int; "
                                   "print both times and check the products agree.")
    d.add_argument("--digits", type=count_arg, default=1_000_000,
                   help="decimal digits per operand, e.g. 1e6 (default 10^6; at most 10^8)")
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("selftest", help="quick check of the guards and adversarial products",
                       description="Check the guards fire and a few adversarial products are exact.")
    s.set_defaults(func=cmd_selftest)

    from . import bench, fuzz, tune

    for mod in (bench, tune, fuzz):
        mod.add_parser(sub)
    for sp in sub.choices.values():  # --debug after the command name works too
        sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show Python tracebacks instead of one-line errors")
    return p


def _user_errors() -> tuple[type[BaseException], ...]:
    from ..engines.gpu import GPUUnavailableError

    return (CLIError, GPUUnavailableError, ValueError, TypeError, OSError, MemoryError)


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, MemoryError) and msg == "MemoryError":
        msg = "out of memory"
    if isinstance(exc, OSError) and exc.strerror:
        msg = f"{exc.strerror}: {exc.filename!r}" if exc.filename else exc.strerror
    return msg.removeprefix("bigmul: ")  # messages from the library may carry the prefix


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``bigmul`` command; returns the exit status (0 ok, 1 failed check or bug, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        if args.command != "info":  # info shows the environment's problems instead of refusing
            from .. import envvars

            envvars.check()
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"bigmul {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit statuses
        if debug:  # the traceback for a report, and the same exit status as without --debug
            import traceback

            traceback.print_exc()
            return 2 if isinstance(exc, _user_errors()) else 1
        if isinstance(exc, _user_errors()):
            print(f"bigmul {args.command}: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        print(f"bigmul {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(a bug: rerun with --debug for the traceback and report it)", file=sys.stderr)
        return 1
