"""``bigmul fuzz``: differential fuzzing of every method against Python ``int``.

What this is for: anyone can rerun, with a seed, a stream of adversarial
products (named operand families, every method, ints, decimal strings and
digit arrays) checked against an independent reference; a failure is saved
as a replay file, shrunk toward a smaller failing case, and reported with
the exact command that reproduces it.
What it is not for: speed measurements (``bigmul bench``).

Reference: gmpy2 when installed (for speed; it computes the same integers as
``int``), else ``int``.  Above ``MODULAR_ONLY_DIGITS`` an exact reference is
too slow to be useful and the product is checked modulo several random
64-bit primes drawn by the fuzzer (independent of the library's own check).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..operands import METHODS as ALL_METHODS
from .reference import decimal_to_int, flint_convolve, int_to_decimal, product

__all__ = ["FAMILIES", "CONVOLVE_FAMILIES", "Case", "make_case", "check_case", "run", "replay", "shrink", "add_parser"]

_LOG2_10 = 3.321928094887362
MODULAR_ONLY_DIGITS = 3_000_000
DIRECT_MAX_DIGITS = 20_000
#: Every method but "gpu" (run by benchmarks/gpu_check.py on a device machine).
METHODS = tuple(m for m in ALL_METHODS if m != "gpu")
KINDS = ("int", "str", "convolve", "radix", "div", "isqrt")
#: The kinds of the operations built on the product (method is always ``auto``).
OP_KINDS = ("radix", "div", "isqrt")
#: Older names of a kind (replay files and ``--kinds`` still accept them).
KIND_ALIASES = {"digits": "convolve"}


@dataclass
class Case:
    """One fuzz case: operands, method, kind and the family that made it."""

    kind: str
    family: str
    method: str
    a: Any
    b: Any
    square: bool = False
    index: int = 0
    seed: int = 0

    def digits(self) -> int:
        def nd(x: Any) -> int:
            if isinstance(x, str):
                return len(x)
            if isinstance(x, list):
                return len(x)
            return int(abs(x).bit_length() / _LOG2_10) + 1
        return nd(self.a) + (0 if self.square else nd(self.b))


# --- operand families ---------------------------------------------------------
def _bits_for(digits: int) -> int:
    return max(1, int(digits * _LOG2_10))


def _limb_bits(rng: random.Random) -> int:
    return rng.choice([8, 10, 11, 12, 13, 14, 15, 16, 17, 24])


def _fam_uniform(rng: random.Random, bits: int) -> int:
    return rng.getrandbits(bits) | (1 << (bits - 1))


def _fam_runs(rng: random.Random, bits: int) -> int:
    # Long runs of 0 and 1 bits, as GMP's mpz_rrandomb.
    n, pos, bit = 0, 0, 1
    while pos < bits:
        run = rng.randint(1, max(1, bits // rng.choice([4, 16, 64, 256])))
        if bit:
            n |= ((1 << min(run, bits - pos)) - 1) << pos
        pos += run
        bit ^= 1
    return n | (1 << (bits - 1))


def _fam_all_max(rng: random.Random, bits: int) -> int:
    b = _limb_bits(rng)
    return (1 << (b * max(1, bits // b))) - 1


def _fam_balanced_worst(rng: random.Random, bits: int) -> int:
    # Every limb 100...0: every balanced limb at -B/2, the balanced worst case.
    b = _limb_bits(rng)
    n = max(1, bits // b)
    return int(("1" + "0" * (b - 1)) * n, 2)


def _fam_alternating(rng: random.Random, bits: int) -> int:
    b = _limb_bits(rng)
    n = max(1, bits // b)
    return int(("1" * b + "0" * b) * (n // 2) + "1" * b * (n % 2), 2)


def _fam_power(rng: random.Random, bits: int) -> int:
    base = rng.choice([2, 10, 2 ** 16, 10 ** 4])
    k = max(1, int(bits / max(1.0, base.bit_length() - 0.5)))
    return base ** k + rng.choice([-1, 0, 1])


def _fam_sparse(rng: random.Random, bits: int) -> int:
    n = 1 << (bits - 1)
    for _ in range(rng.randint(0, 6)):
        n |= 1 << rng.randrange(bits)
    return n


def _fam_tiny(rng: random.Random, bits: int) -> int:
    return rng.choice([0, 1, 2, 3, 2 ** 31 - 1, 2 ** 32, 2 ** 63 - 1, 2 ** 64, 2 ** 64 + 1])


def _boundary_bits(rng: random.Random, max_bits: int) -> int:
    from .. import bounds, tuning
    from ..engines.fft import transform_length

    choices = [t + d for t in (tuning.current.INT_FFT_MIN_BITS, tuning.current.INT_FFT_FUSED_MIN_BITS,
                               tuning.INT_MIN_CROSSOVER_BITS)
               for d in (-1, 0, 1)]
    for _ in range(8):
        b = rng.randint(8, 20)
        n = rng.choice([2 ** rng.randint(4, 20), 3 * 2 ** rng.randint(3, 18), 5 * 2 ** rng.randint(3, 17)])
        L = transform_length(n, n)
        bits = (L // 2 + rng.choice([-1, 0, 1])) * b
        if 0 < bits <= max_bits and bounds.fft_limb_bits(bits, bits) > 0:
            choices.append(bits)
    return max(1, min(max_bits, rng.choice(choices)))


FAMILIES: dict[str, Callable[[random.Random, int], int]] = {
    "uniform": _fam_uniform,
    "runs": _fam_runs,
    "all-max": _fam_all_max,
    "balanced-worst": _fam_balanced_worst,
    "alternating": _fam_alternating,
    "power+-1": _fam_power,
    "sparse": _fam_sparse,
    "boundary": _fam_uniform,  # sizes come from _boundary_bits
    "unbalanced": _fam_uniform,  # second operand made tiny
    "tiny": _fam_tiny,
}


def _to_text(n: int, rng: random.Random, family: str) -> str:
    s = _int_to_decimal(abs(n))
    if family == "all-max":
        s = "9" * len(s)
    elif family == "balanced-worst":
        k = rng.choice([2, 3, 4, 5])
        s = ("5" + "0" * (k - 1)) * max(1, len(s) // k)
    if rng.random() < 0.2:
        s = "0" * rng.randint(1, 5) + s
    if rng.random() < 0.3:
        s = rng.choice(["-", "+"]) + s
    elif n < 0:
        s = "-" + s
    return s


_int_to_decimal = int_to_decimal


#: Coefficient widths (bits) the convolve cases draw from: both sides of every
#: limit -- 2**26.5 (products near 2**53, the float FFT), 2**31.5 (2**63,
#: int64 results), byte edges of the Kronecker slots -- and wide ones.
CONVOLVE_WIDTHS = (1, 4, 8, 16, 20, 25, 26, 27, 31, 32, 33, 40, 52, 53, 62, 63, 64, 65, 100, 127, 128, 129,
                   300, 1000, 4000, 20_000)

#: Convolve operand families: name -> what the two sequences look like.
CONVOLVE_FAMILIES = {
    "uniform": "random coefficients in [-2**w, 2**w) or [0, 2**w)",
    "all-max": "every coefficient +-(2**w - 1), the signs of both sides chosen at random",
    "alternating": "magnitudes 2**w - 1 with alternating signs",
    "one-huge": "small coefficients with one huge one among them",
    "short": "lengths 1 and 2",
    "unbalanced": "lengths far apart (1 to 3 against many)",
    "zeros": "mostly zeros, with zero ends",
}


def _convolve_case(rng: random.Random, max_digits: int) -> tuple[str, list[int], list[int]]:
    family = rng.choice(list(CONVOLVE_FAMILIES))
    w = rng.choice(CONVOLVE_WIDTHS)
    # Lengths log-uniform; wide coefficients get shorter sequences (about 4M bits per side at most).
    top = max(1, min(max_digits, 20_000, 4_000_000 // w))
    n1 = max(1, int(10 ** rng.uniform(0, __import__("math").log10(top))))
    n2 = max(1, int(n1 * rng.uniform(0.05, 1.0)))
    if family == "short":
        n1, n2 = rng.choice([1, 2]), rng.choice([1, 2])
    elif family == "unbalanced":
        n2 = rng.choice([1, 2, 3])
    top_val = 2 ** w - 1
    signed = rng.random() < 0.6

    def seq(n: int) -> list[int]:
        if family == "all-max":
            sign = rng.choice([1, -1])
            return [sign * top_val] * n
        if family == "alternating":
            s0 = rng.choice([1, -1])
            return [top_val * (s0 if i % 2 == 0 else -s0) for i in range(n)]
        if family == "one-huge":
            v = [rng.randint(-3, 3) for _ in range(n)]
            v[rng.randrange(n)] = rng.choice([1, -1]) * (2 ** rng.choice([63, 64, 200, 4000]) - rng.randint(0, 1))
            return v
        if family == "zeros":
            v = [0] * n
            for _ in range(max(1, n // 10)):
                v[rng.randrange(n)] = rng.randint(-top_val if signed else 0, top_val)
            if n > 2:
                v[0] = v[-1] = 0
            return v
        lo = -top_val if signed else 0
        return [rng.randint(lo, top_val) for _ in range(n)]

    x, y = seq(n1), seq(n2)
    if rng.random() < 0.5:
        x, y = y, x
    return family, x, y


def make_case(seed: int, index: int, max_digits: int, methods: tuple[str, ...],
              kinds: tuple[str, ...]) -> Case:
    """Case number ``index`` of the stream for ``seed`` (deterministic)."""
    rng = random.Random(f"bigmul-fuzz-{seed}-{index}")
    kind = KIND_ALIASES.get(k := rng.choice(kinds), k)
    if kind == "convolve":
        family, x, y = _convolve_case(rng, max_digits)
        return Case(kind, family, rng.choice(methods), x, y, False, index, seed)
    family = rng.choice(list(FAMILIES))
    method = rng.choice(methods)
    # Log-uniform sizes, so small and large both appear often.
    top = max_digits
    if method == "direct":
        top = min(top, DIRECT_MAX_DIGITS)
    digits = max(1, int(10 ** rng.uniform(0, max(0.0, __import__("math").log10(top)))))
    bits = _bits_for(digits)
    if family == "boundary":
        bits = _boundary_bits(rng, _bits_for(top))
    gen = FAMILIES[family]
    a = gen(rng, bits)
    b = gen(rng, bits if rng.random() < 0.5 else max(1, int(bits * rng.uniform(0.1, 1.0))))
    if family == "unbalanced":
        b = rng.choice([1, 3, 7, 2 ** 16 - 1, _fam_uniform(rng, max(1, bits // 1000))])
    square = rng.random() < 0.15
    if rng.random() < 0.35:
        a = -a
    if rng.random() < 0.35:
        b = -b
    if kind == "str":
        return Case(kind, family, method, _to_text(a, rng, family), _to_text(b, rng, family),
                    square, index, seed)
    if kind in OP_KINDS:
        if kind == "div":
            # b just above or below a, a multiple of b, b tiny, or b of any shorter length
            pick = rng.random()
            if pick < 0.15:
                b = abs(a) + rng.choice((-1, 1, 2)) or 1
            elif pick < 0.3:
                a = b * gen(rng, max(1, int(bits * rng.uniform(0.1, 1.0)))) + rng.choice((0, -1, 1))
            b = b or rng.choice((1, -1))
        elif kind == "isqrt":
            a = abs(a)
            if rng.random() < 0.4:  # n = k**2 and k**2 - 1
                root = gen(rng, max(1, bits // 2))
                a = max(0, root * root - rng.choice((0, 1)))
        return Case(kind, family, "auto", a, b, False, index, seed)
    return Case(kind, family, method, a, b, square, index, seed)


# --- checking --------------------------------------------------------------------
_rng_primes = random.Random()


def _check_primes(count: int = 3) -> list[int]:
    from ..guards import is_prime

    out: list[int] = []
    while len(out) < count:
        p = _rng_primes.randrange(2 ** 62, 2 ** 64) | 1
        if is_prime(p):
            out.append(p)
    return out


_ref_product = product


def _ref_convolve(x: list[int], y: list[int]) -> list[int]:
    """Independent reference: python-flint's ``fmpz_poly`` product when installed, else Python ints.

    Without flint: a schoolbook in Python ints for small cases, Kronecker
    substitution with CPython's multiply (signs split, its own slot width)
    for large ones.
    """
    n = len(x) + len(y) - 1
    via_flint = flint_convolve(x, y)
    if via_flint is not None:
        return via_flint
    if len(x) * len(y) <= 250_000:
        out = [0] * n
        for i, a in enumerate(x):
            if a:
                for j, b in enumerate(y):
                    out[i + j] += a * b
        return out
    return _ref_convolve_ks(x, y)


def _ref_convolve_ks(x: list[int], y: list[int]) -> list[int]:
    """Kronecker substitution on CPython ints, linear apart from the product: every value is
    packed into a fixed-width byte slot (``int.to_bytes``, joined once, ``int.from_bytes``) and
    the product's slots are read back the same way (signs split: four non-negative products)."""
    n = len(x) + len(y) - 1
    if not any(x) or not any(y):
        return [0] * n
    bound = min(len(x), len(y)) * max(map(abs, x)) * max(map(abs, y))
    wb = -(-(bound.bit_length() + 1) // 8)  # bytes per slot

    def pack(vs: list[int]) -> int:
        return int.from_bytes(b"".join(v.to_bytes(wb, "little") for v in vs), "little")

    total = [0] * n
    for sx, xs in ((1, [max(v, 0) for v in x]), (-1, [max(-v, 0) for v in x])):
        X = pack(xs)
        if not X:
            continue
        for sy, ys in ((1, [max(v, 0) for v in y]), (-1, [max(-v, 0) for v in y])):
            Y = pack(ys)
            if not Y:
                continue
            raw = _ref_product(X, Y).to_bytes(n * wb, "little")
            s = sx * sy
            for i in range(n):
                total[i] += s * int.from_bytes(raw[i * wb:(i + 1) * wb], "little")
    return total


def check_case(case: Case, target: Callable[..., Any] | None = None) -> str | None:
    """Run one case; None when right, else a one-line description of what went wrong."""
    from .. import api, conv

    if KIND_ALIASES.get(case.kind, case.kind) == "convolve":
        got = (target or conv.convolve)(case.a, case.b, method=case.method)
        want = _ref_convolve(case.a, case.b)
        got_l = [int(v) for v in got]
        if got_l != want:
            bad = next(i for i, (g, w) in enumerate(zip(got_l, want)) if g != w) if len(got_l) == len(want) else -1
            return f"convolve mismatch at coefficient {bad} (lengths {len(got_l)} vs {len(want)})"
        return None
    if case.kind in OP_KINDS:
        return _check_op(case, target)
    fn: Any = target or (api.square if case.square else api.multiply)
    if case.square:
        got = fn(case.a, method=case.method)
    else:
        got = fn(case.a, case.b, method=case.method)
    if case.kind == "str":
        a = _parse_text(case.a)
        b = a if case.square else _parse_text(case.b)
        if not isinstance(got, str):
            return f"expected str, got {type(got).__name__}"
        if got.startswith("-0") or (len(got) > 1 and got.lstrip("-").startswith("0")):
            return f"non-canonical output {got[:20]!r}"
        g = _parse_text(got)
    else:
        a, b = case.a, (case.a if case.square else case.b)
        if type(got) is not int:
            return f"expected int, got {type(got).__name__}"
        g = got
    if case.digits() > MODULAR_ONLY_DIGITS:
        for p in _check_primes():
            if (a % p) * (b % p) % p != g % p:
                return f"product wrong modulo the fuzz prime {p}"
        return None
    if g != _ref_product(a, b):
        return "product differs from the int reference"
    return None


_parse_text = decimal_to_int

#: Above this many digits the operations' oracle is gmpy2 (CPython 3.11's are quadratic), where installed.
OP_GMPY2_DIGITS = 100_000


def _oracle(digits: int) -> Any:
    if digits > OP_GMPY2_DIGITS:
        try:
            import gmpy2

            return gmpy2
        except ImportError:
            pass
    return None


def _check_op(case: Case, target: Callable[..., Any] | None) -> str | None:
    """The conversions, divmod and isqrt of one case against CPython (gmpy2 for the largest)."""
    import math

    import bigmul

    from .reference import no_digit_limit

    g = _oracle(case.digits())
    a = case.a
    if case.kind == "radix":
        want = g.mpz(a).digits() if g else None
        if want is None:
            with no_digit_limit():
                want = str(a)
        got = (target or bigmul.to_str)(a)
        if got != want:
            return "to_str differs from the reference text"
        if bigmul.from_str(want) != a:
            return "from_str differs from the reference int"
        if a >= 0 and bigmul.to_digits(a, 10).tolist() != [ord(c) - 48 for c in want]:
            return "to_digits(n, 10) differs from the reference digits"
        return None
    if case.kind == "div":
        got = (target or bigmul.divmod)(a, case.b)
        want = tuple(int(v) for v in divmod(g.mpz(a), g.mpz(case.b))) if g else divmod(a, case.b)
        if tuple(got) != want:
            return "divmod differs from the reference"
        return None
    got = (target or bigmul.isqrt)(a)
    want = int(g.isqrt(g.mpz(a))) if g else math.isqrt(a)
    if got != want:
        return "isqrt differs from the reference"
    return None


# --- replay files and shrinking ----------------------------------------------------
def _encode(v: Any) -> Any:
    if isinstance(v, int):
        return {"int_hex": hex(v)}
    return v


def _decode(v: Any) -> Any:
    if isinstance(v, dict) and "int_hex" in v:
        return int(v["int_hex"], 16)
    return v


def replay_command(path: Path) -> str:
    """The command that re-runs a saved case, with the kernels loaded when they were."""
    from ..engines import fused

    return f"bigmul fuzz --replay {path}" + (" --kernels loaded" if fused.loaded() else "")


def save_replay(case: Case, problem: str, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"fail-seed{case.seed}-case{case.index}.json"
    doc = {"format": "bigmul-fuzz-replay/1", "problem": problem, "kind": case.kind, "family": case.family,
           "method": case.method, "square": case.square, "seed": case.seed, "index": case.index,
           "a": _encode(case.a), "b": _encode(case.b),
           "command": replay_command(path)}
    path.write_text(json.dumps(doc))
    return path


def load_replay(path: str | os.PathLike) -> Case:
    doc = json.loads(Path(path).read_text())
    if doc.get("format") != "bigmul-fuzz-replay/1":
        raise ValueError(f"{path} is not a bigmul fuzz replay file")
    return Case(doc["kind"], doc["family"], doc["method"], _decode(doc["a"]), _decode(doc["b"]),
                bool(doc["square"]), int(doc["index"]), int(doc["seed"]))


def _smaller(case: Case) -> Iterator[Case]:
    """Candidate simplifications: drop the low or high half of an operand."""
    def halves(v: Any) -> list[Any]:
        if isinstance(v, list):
            return [v[: len(v) // 2], v[len(v) // 2:]] if len(v) > 1 else []
        if isinstance(v, str):
            sign = v[0] if v[:1] in "+-" else ""
            body = v.lstrip("+-").strip()
            return [sign + body[: len(body) // 2], sign + body[len(body) // 2:]] if len(body) > 1 else []
        k = abs(v).bit_length() // 2
        if k == 0:
            return []
        s = -1 if v < 0 else 1
        return [s * (abs(v) >> k), s * (abs(v) & ((1 << k) - 1))]

    for a in halves(case.a):
        yield Case(case.kind, case.family, case.method, a, a if case.square else case.b,
                   case.square, case.index, case.seed)
    if not case.square:
        for b in halves(case.b):
            if case.kind == "div" and not b:
                continue  # a zero divisor is no simpler failing case
            yield Case(case.kind, case.family, case.method, case.a, b, case.square, case.index, case.seed)


def _fails(case: Case, target: Callable[..., Any] | None) -> str | None:
    try:
        return check_case(case, target)
    except Exception as exc:  # noqa: BLE001 - an exception is a finding
        return f"{type(exc).__name__}: {exc}"


def shrink(case: Case, problem: str, target: Callable[..., Any] | None = None,
           max_steps: int = 60) -> tuple[Case, str]:
    """Greedy shrink: keep any halving that still fails."""
    steps = 0
    improved = True
    while improved and steps < max_steps:
        improved = False
        for cand in _smaller(case):
            steps += 1
            p = _fails(cand, target)
            if p:
                case, problem, improved = cand, p, True
                break
            if steps >= max_steps:
                break
    return case, problem


# --- the runner ---------------------------------------------------------------------
@dataclass
class Summary:
    cases: int = 0
    digits: int = 0
    by_family: Counter = field(default_factory=Counter)
    by_method: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    largest: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    guard_stats: dict = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: bool = False

    def text(self) -> str:
        lines = [f"cases: {self.cases:,}   digits multiplied: {self.digits:,}   "
                 f"mismatches: {len(self.failures)}   time: {self.seconds:.1f} s",
                 "per kind:   " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_kind.items())),
                 "per method: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_method.items())),
                 "per family (cases / largest case in digits):"]
        for fam in list(FAMILIES) + [f for f in CONVOLVE_FAMILIES if f not in FAMILIES]:
            if self.by_family.get(fam):
                lines.append(f"  {fam:<15} {self.by_family[fam]:>7,}  {self.largest.get(fam, 0):>12,}")
        lines.append(f"guards: {self.guard_stats}")
        if self.interrupted:
            lines.append("interrupted (Ctrl-C): the summary covers the cases finished before it")
        for f in self.failures:
            lines.append(f"FAIL {f['problem']}  -> replay: {f['command']}")
        return "\n".join(lines)


def run(seed: int = 0, cases: int | None = None, seconds: float | None = None,
        max_digits: int = 100_000, methods: tuple[str, ...] = METHODS, kinds: tuple[str, ...] = KINDS,
        out_dir: str | os.PathLike = "fuzz-out", progress: bool = True,
        target: Callable[..., Any] | None = None, stop_on_failure: bool = True,
        inject: str | None = None) -> Summary:
    """Run the fuzz stream; returns a :class:`Summary` (failures saved under ``out_dir``)."""
    from .. import guards

    if cases is None and seconds is None:
        cases = 200
    guards.reset_stats()
    summary = Summary()
    bar = _bar(cases, progress)
    t0 = time.monotonic()
    ctx = _inject(inject)
    try:
        with ctx:
            _stream(summary, bar, seed, cases, seconds, t0, max_digits, methods, kinds, out_dir, target,
                    stop_on_failure)
    except KeyboardInterrupt:
        summary.interrupted = True
    bar.close()
    summary.seconds = time.monotonic() - t0
    summary.guard_stats = guards.stats()
    return summary


def size_cap(max_digits: int, seconds: float | None, elapsed: float, digits_done: int) -> int:
    """The largest operand size for the next case under a time limit: ``max_digits`` while the time
    spent so far per digit says a case that size ends well within what is left (a quarter of it),
    smaller as the deadline nears (never below 64 digits).

    >>> size_cap(10**5, None, 5.0, 10), size_cap(10**5, 20.0, 1.0, 10**6), size_cap(10**5, 20.0, 19.9, 10**5)
    (100000, 100000, 125)
    """
    if seconds is None or digits_done == 0:
        return max_digits
    per_digit = elapsed / digits_done
    left = seconds - elapsed
    return max(64, min(max_digits, int(left / 4 / max(per_digit, 1e-12))))


def _stream(summary: Summary, bar: Any, seed: int, cases: int | None, seconds: float | None, t0: float,
            max_digits: int, methods: tuple[str, ...], kinds: tuple[str, ...], out_dir: str | os.PathLike,
            target: Callable[..., Any] | None, stop_on_failure: bool) -> None:
    i = 0
    while (cases is None or i < cases) and (seconds is None or time.monotonic() - t0 < seconds):
        cap = size_cap(max_digits, seconds, time.monotonic() - t0, summary.digits)
        case = make_case(seed, i, cap, methods, kinds)
        i += 1
        problem = _fails(case, target)
        d = case.digits()
        summary.cases += 1
        summary.digits += d
        summary.by_family[case.family] += 1
        summary.by_method[case.method] += 1
        summary.by_kind[case.kind] += 1
        summary.largest[case.family] = max(summary.largest.get(case.family, 0), d)
        bar.update(1)
        if problem:
            small, small_problem = shrink(case, problem, target)
            path = save_replay(small, small_problem, Path(out_dir))
            summary.failures.append({"problem": small_problem, "family": case.family,
                                     "method": case.method, "kind": case.kind, "index": case.index,
                                     "replay": str(path), "command": replay_command(path)})
            if stop_on_failure:
                break


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: Any) -> None:
        return None


def _inject(fault: str | None) -> Any:
    if not fault:
        return _Null()
    from .faults import inject

    return inject(fault)


def _bar(total: int | None, enabled: bool) -> Any:
    from .common import progress

    return progress(total, enabled, "fuzz", "case")


def replay(path: str | os.PathLike, target: Callable[..., Any] | None = None) -> str | None:
    """Re-run a saved case; None when it now passes."""
    return _fails(load_replay(path), target)


def _csv(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    from .common import CLIError

    items = tuple(KIND_ALIASES.get(x.strip(), x.strip()) for x in text.split(",") if x.strip())
    for x in items:
        if x not in allowed:
            raise CLIError(f"unknown {what} {x!r}; valid: {', '.join(allowed)}")
    if not items:
        raise CLIError(f"no {what} given")
    return items


def _prepare_out_dir(path: str) -> bool:
    """Create ``--out`` before fuzzing (a bad path must fail now, not after a failure is found).

    Returns whether it was created here, so an unused new directory can be removed at the end.
    """
    from .common import CLIError

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CLIError(f"--out {path!r} exists and is not a directory")
    existed = p.exists()
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create --out directory {path!r}: {exc.strerror or exc}") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise CLIError(f"--out directory {path!r} is not writable")
    return not existed


def cmd_fuzz(args: argparse.Namespace) -> int:
    from .common import CLIError
    from .faults import FAULTS

    if args.kernels == "loaded":
        from ..engines import fused

        if not fused.available():
            raise CLIError("--kernels loaded: the numba kernels cannot load here (numba missing or BIGMUL_NUMBA=0)")
    if args.replay:
        try:
            problem = replay(args.replay)
        except (OSError, ValueError, KeyError) as exc:
            raise CLIError(f"cannot replay {args.replay!r}: {exc}") from None
        if problem:
            print(f"replay FAILS: {problem}")
            return 1
        print("replay passes")
        return 0
    if args.inject and args.inject not in FAULTS:
        raise CLIError(f"unknown fault {args.inject!r}; valid: {', '.join(FAULTS)}")
    if args.max_digits < 1 or args.max_digits > 10 ** 8:
        raise CLIError("--max-digits must be between 1 and 100000000")
    if args.seconds is not None and args.seconds <= 0:
        raise CLIError("--seconds must be positive")
    if args.cases is not None and args.cases <= 0:
        raise CLIError("--cases must be positive")
    methods, kinds = _csv(args.methods, METHODS, "method"), _csv(args.kinds, KINDS, "kind")
    created = _prepare_out_dir(args.out)
    try:
        s = run(seed=args.seed, cases=args.cases, seconds=args.seconds, max_digits=args.max_digits,
                methods=methods, kinds=kinds, out_dir=args.out, progress=not args.no_progress,
                inject=args.inject)
    finally:
        if created and not any(Path(args.out).iterdir()):
            Path(args.out).rmdir()
    print(s.text())
    if s.interrupted:
        print("bigmul fuzz: interrupted", file=sys.stderr)
        return 130
    return 1 if s.failures else 0


def add_parser(sub: Any) -> None:
    from .common import count_arg

    p = sub.add_parser("fuzz", help="differential fuzzing against Python int",
                       description="Run seeded adversarial products through every method and compare "
                                   "with Python int; failures are shrunk and saved with a replay command.")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--seconds", type=float, help="run for this long")
    g.add_argument("--cases", type=count_arg, help="run this many cases (default 200)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-digits", type=count_arg, default=100_000, help="largest operand size (default 10^5)")
    p.add_argument("--methods", default=",".join(METHODS), help="comma separated (default all)")
    p.add_argument("--kinds", default=",".join(KINDS), help="comma separated: int,str,convolve,radix,div,isqrt (default all)")
    p.add_argument("--out", default="fuzz-out", metavar="DIR", help="where failing cases are saved")
    p.add_argument("--replay", metavar="FILE", help="re-run one saved failing case")
    p.add_argument("--inject", metavar="FAULT", help="run with a fault injected (the guards must hide it)")
    p.add_argument("--kernels", choices=["lazy", "loaded"], default="lazy",
                   help="lazy (default): as a fresh process, where only a large product starts loading the "
                        "numba kernels; loaded: load them first, as a process that has run one large product "
                        "(the Karatsuba engine and the fused FFT then run at small sizes too); a case saved "
                        "under one replays under the same")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_fuzz)
