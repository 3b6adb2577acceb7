"""Bad input to the Python API: the documented exception with a useful message."""
from __future__ import annotations

import decimal
import fractions

import numpy as np
import pytest

import bigmul

BAD_KINDS = [True, False, 1.0, 2.5, float("nan"), float("inf"), 1 + 2j, None, b"12", bytearray(b"1"),
             [1, 2], (1,), {1}, decimal.Decimal(3), fractions.Fraction(1, 2), np.float64(2.0),
             np.bool_(True), np.array([1, 2]), object()]


@pytest.mark.parametrize("bad", BAD_KINDS, ids=lambda v: type(v).__name__)
def test_wrong_kind_is_type_error(bad):
    with pytest.raises(TypeError, match="must be an int, gmpy2.mpz or decimal str"):
        bigmul.multiply(bad, 3)
    with pytest.raises(TypeError, match="must be an int, gmpy2.mpz or decimal str"):
        bigmul.multiply(3, bad)
    with pytest.raises(TypeError):
        bigmul.square(bad)


def test_mixed_kinds():
    with pytest.raises(TypeError, match="both be decimal str or both be integers"):
        bigmul.multiply(12, "34")
    with pytest.raises(TypeError, match="both be decimal str or both be integers"):
        bigmul.multiply("12", 34)


@pytest.mark.parametrize("method", ["", "FFT", "karatsuba", None, 3, "auto "])
def test_unknown_method(method):
    with pytest.raises(ValueError, match="valid methods are 'auto', 'direct', 'fft', 'ntt'"):
        bigmul.multiply(2, 3, method=method)
    with pytest.raises(ValueError, match="valid methods"):
        bigmul.square("2", method=method)


def test_memory_error_before_allocating():
    bigmul.set_memory_limit(10 * 2**20)  # 10 MiB
    a = 3**2_000_000
    with pytest.raises(MemoryError, match="needs about .* MiB .* only 10 MiB"):
        bigmul.multiply(a, a + 1, method="fft")
    big = a ** 4  # the small-prime NTT needs ~5 MiB for a * a (4 bytes a point): 4x the size for it
    with pytest.raises(MemoryError, match="BIGMUL_MEMORY_LIMIT"):
        bigmul.multiply(big, big + 1, method="ntt")
    x = np.ones(200_000, dtype=np.int64)
    for method in ("fft", "ntt"):
        with pytest.raises(MemoryError, match="convolution of 200000 x 200000 values"):
            bigmul.convolve(x, x, method=method)
    bigmul.set_memory_limit(None)
    assert bigmul.multiply(a, 3) == 3 * a  # usable afterwards


def test_memory_limit_from_environment(monkeypatch):
    from bigmul import memory

    monkeypatch.setenv("BIGMUL_MEMORY_LIMIT", "1M")
    assert memory.memory_limit() == 2**20
    with pytest.raises(MemoryError):
        bigmul.multiply("9" * 200_000, "9" * 200_000)
    monkeypatch.setenv("BIGMUL_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="BIGMUL_MEMORY_LIMIT"):
        memory.memory_limit()
    with pytest.raises(ValueError):
        bigmul.set_memory_limit(0)
