"""pytest-benchmark cases: every engine x size x shape x operand kind, and conversions.

The products are checked once per case (outside the timing) against Python
int semantics.  ``bigmul bench`` is the interleaved side-by-side runner that
produces the README table; these cases feed pytest-benchmark's own
comparison and history tools.
"""
from __future__ import annotations

import sys

import pytest

from bigmul.tools.bench import ENGINES, Skip, _reference, _same, engine_available, operands

SIZES = [10, 100, 1_000, 10_000, 100_000, 1_000_000,
         pytest.param(10_000_000, marks=pytest.mark.large)]
SHAPES = ["balanced", "1:10", "1:1000", "square"]
ENGINE_NAMES = ["bigmul", "bigmul-fft", "bigmul-ntt", "bigmul-direct", "int", "gmpy2", "flint", "decimal"]


def _case(kind, digits, shape, engine):
    e = ENGINES[engine]
    why = engine_available(e)
    if why:
        pytest.skip(why)
    if digits > e.max_digits[kind]:
        pytest.skip(f"{engine} skipped above {e.max_digits[kind]:,} digits")
    a, b, sq = operands(kind, digits, shape, seed=1)
    try:
        fn = e.make(kind, a, b, sq)
    except Skip as exc:
        pytest.skip(str(exc))
    return fn, (kind, a, b, sq)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("digits", SIZES)
@pytest.mark.parametrize("kind", ["int", "str"])
def test_product(benchmark, kind, digits, shape, engine):
    # Keep the default smoke run short: the full shape grid only for bigmul auto.
    if shape != "balanced" and engine not in ("bigmul", "gmpy2", "int"):
        pytest.skip("shapes other than balanced: bigmul, gmpy2 and int only")
    fn, (k, a, b, sq) = _case(kind, digits, shape, engine)
    benchmark.group = f"{kind}-{shape}-{digits}"
    out = benchmark(fn)
    assert _same(out, _reference(k, a, b, sq))


def _int_operand(digits):
    return operands("int", digits, "balanced", 2)[0]


CONVERSIONS = {
    "bigmul int->limbs": lambda a: (lambda: __import__("bigmul.limbs").limbs.int_to_limbs(a, 13)),
    "bigmul limbs->int": lambda a: (lambda l=__import__("bigmul.limbs").limbs.int_to_limbs(a, 13):
                                    __import__("bigmul.limbs").limbs.limbs_to_int(l, 13)),
    "gmpy2 int->mpz": lambda a: (lambda: __import__("gmpy2").mpz(a)),
    "gmpy2 mpz->int": lambda a: (lambda m=__import__("gmpy2").mpz(a): int(m)),
    "flint int->fmpz": lambda a: (lambda: __import__("flint").fmpz(a)),
}
STR_CONVERSIONS = {
    "bigmul str->limbs": lambda s: (lambda: __import__("bigmul").to_digits(s, 10**4)),
    "bigmul limbs->str": lambda s: (lambda d=__import__("bigmul").to_digits(s, 10**4)[::-1].copy():
                                    __import__("bigmul.text").text.limbs_to_decimal(d, 4)),
    "gmpy2 str->mpz": lambda s: (lambda: __import__("gmpy2").mpz(s)),
    "gmpy2 mpz->str": lambda s: (lambda m=__import__("gmpy2").mpz(s): m.digits()),
    "decimal str->Decimal": lambda s: (lambda: __import__("decimal").Decimal(s)),
    "decimal Decimal->str": lambda s: (lambda d=__import__("decimal").Decimal(s): str(d)),
    "int str->int": lambda s: (lambda: int(s)),
}


@pytest.mark.parametrize("digits", [1_000, 100_000, 1_000_000, pytest.param(10_000_000, marks=pytest.mark.large)])
@pytest.mark.parametrize("name", list(CONVERSIONS) + list(STR_CONVERSIONS))
def test_conversion(benchmark, name, digits):
    mod = {"gmpy2": "gmpy2", "flint": "flint"}.get(name.split()[0])
    if mod:
        pytest.importorskip(mod)
    if name.startswith("int ") and digits > 100_000:
        pytest.skip("CPython str->int is quadratic: skipped above 10^5 digits")
    benchmark.group = f"conversion-{digits}"
    if name in CONVERSIONS:
        fn = CONVERSIONS[name](_int_operand(digits))
    else:
        s = operands("str", digits, "balanced", 2)[0]
        old = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(0)
        try:
            fn = STR_CONVERSIONS[name](s)
            benchmark(fn)
        finally:
            sys.set_int_max_str_digits(old)
        return
    benchmark(fn)


@pytest.mark.parametrize("engine", ["bigmul", "int", "gmpy2"])
def test_pi_app(benchmark, engine):
    """Pi to 20,000 digits by Chudnovsky binary splitting, the series' products by each engine."""
    import operator

    import bigmul
    from bigmul.tools.app_pi import series, terms_for

    n = terms_for(20_000)
    if engine == "gmpy2":
        gmpy2 = pytest.importorskip("gmpy2")
        mul, one = operator.mul, gmpy2.mpz(1)
    else:
        mul, one = (bigmul.multiply if engine == "bigmul" else operator.mul), 1
    got = benchmark(series, n, mul, one)
    assert tuple(int(v) for v in got) == series(n, operator.mul)


CONVOLVE_GRID = [(1000, 8), (1000, 40), (1000, 64), (10_000, 20), (1000, 1000),
                 pytest.param(100_000, 40, marks=pytest.mark.large),
                 pytest.param(100, 100_000, marks=pytest.mark.large)]


@pytest.mark.parametrize("engine", ["bigmul", "flint", "numpy"])
@pytest.mark.parametrize("n,bits", CONVOLVE_GRID)
def test_convolve(benchmark, n, bits, engine):
    """Exact convolution, lists of Python ints in and out (the ``bigmul bench --kind convolve`` grid)."""
    import numpy as np

    import bigmul
    from bigmul.tools.bench_convolve import _reference, operands
    from bigmul.tools.reference import flint_convolve

    x, y = operands(n, bits, seed=1)
    if engine == "bigmul":
        fn = lambda: bigmul.convolve(x, y).tolist()  # noqa: E731
    elif engine == "flint":
        pytest.importorskip("flint")
        fn = lambda: flint_convolve(x, y)  # noqa: E731
    else:
        if min(len(x), len(y)) * (2 ** bits - 1) ** 2 >= 2 ** 63:
            pytest.skip("numpy.convolve is not exact here (int64 would wrap)")
        fn = lambda: np.convolve(np.array(x, dtype=np.int64), np.array(y, dtype=np.int64)).tolist()  # noqa: E731
    benchmark.group = f"convolve-{n}x{bits}b"
    out = benchmark(fn)
    assert [int(v) for v in out] == _reference(x, y)
